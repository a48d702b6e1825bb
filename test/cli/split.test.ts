// --split against a data folder's meta.csv: a file without a split column, a split holding one
// class, and rows that contradict each other or the folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { selectSplit } from '../../src/cli/data';
import type { ParsedArgs } from '../../src/cli/args';
import { scanFolderDataset } from '../../src/dataset';
import { runCli } from '../helpers/cli';
import { captureWarnings } from '../helpers/warnings';

let root = '';
let cfg = '';
const CLIPS = ['bonafide/b0.wav', 'bonafide/b1.wav', 'bonafide/b2.wav', 'spoof/A01/s0.wav', 'spoof/A01/s1.wav'];

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-split-'));
  cfg = path.join(root, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stages: [
        { op: 'mono' },
        { op: 'crop', seconds: 0.25 },
        { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
        { op: 'db' },
        { op: 'resize', rows: 16, cols: 16 },
        { op: 'normalise' },
      ],
    }),
  );
});

after(() => rmSync(root, { recursive: true, force: true }));

/** A data folder `name` holding CLIPS (tones bona fide, noise spoofed, 0.25 s) and the given meta.csv lines. */
function corpus(name: string, meta: string[] | null): string {
  const dir = path.join(root, name);
  CLIPS.forEach((rel, i) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const x = rel.startsWith('bonafide')
      ? sine(220 + 90 * i, { sampleRate: 16000, duration: 0.25, amplitude: 0.5 })
      : whiteNoise({ sampleRate: 16000, duration: 0.25, amplitude: 0.3, seed: i });
    writeFileSync(file, encodeWav({ sampleRate: 16000, channels: [x] }));
  });
  if (meta) writeFileSync(path.join(dir, 'meta.csv'), `${meta.join('\n')}\n`);
  return dir;
}

/** selectSplit on `dir` with `args`, its stderr lines and its warnings. */
async function select(dir: string, args: ParsedArgs, command = 'train', defaultSplit: string | null = 'train') {
  const ds = await scanFolderDataset(dir);
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => lines.push(s.trimEnd()) > 0) as typeof process.stderr.write;
  let items: string[] = [];
  try {
    const warnings = await captureWarnings(() => {
      items = selectSplit(ds, { data: dir, ...args }, command, defaultSplit).items.map((it) =>
        path.relative(dir, it.path).split(path.sep).join('/'),
      );
    });
    return { items, lines, warnings };
  } finally {
    process.stderr.write = write;
  }
}

const rows = (split: (rel: string, i: number) => string, header = 'path,class,split') => [
  header,
  ...CLIPS.map((rel, i) => `${rel},${rel.split('/')[0]},${split(rel, i)}`),
];

test('meta.csv without a split column: --split all and no --split use every clip, --split test says why not', async () => {
  const dir = corpus('nosplit', ['path,class,speaker', ...CLIPS.map((rel) => `${rel},${rel.split('/')[0]},x`)]);
  assert.deepEqual((await select(dir, { split: 'all' })).items, CLIPS);
  const byDefault = await select(dir, {});
  assert.deepEqual(byDefault.items, CLIPS);
  assert.deepEqual(byDefault.lines, [`split: all 5 clips (${path.join(dir, 'meta.csv')} has no split column)`]);
  assert.deepEqual((await select(dir, {}, 'evaluate', null)).items, CLIPS);
  await assert.rejects(
    select(dir, { split: 'test' }, 'evaluate', null),
    new RegExp(
      `^DatasetError: evaluate: --split="test": ${path.join(dir, 'meta.csv')} has no split column ` +
        '\\(found path, class, speaker\\); --split all uses every clip$',
    ),
  );
});

test('a split holding one class is refused when selected, naming the split, the folder and the counts', async () => {
  const dir = corpus(
    'dev',
    rows((_, i) => (i === 0 ? 'dev' : i < 2 ? 'test' : 'train')),
  );
  await assert.rejects(
    select(dir, { split: 'dev' }),
    new RegExp(
      `^DatasetError: train: --split="dev" of ${dir} holds 1 bona fide and 0 spoof clips: training needs both$`,
    ),
  );
  await assert.rejects(
    select(dir, { split: 'test' }, 'evaluate', null),
    /evaluate: --split="test" of .* holds 1 bona fide and 0 spoof clips: an EER needs both$/,
  );
  const spoofOnly = corpus(
    'spoofonly',
    rows((rel) => (rel.startsWith('spoof') ? 'train' : 'test')),
  );
  await assert.rejects(
    select(spoofOnly, {}),
    /train: meta\.csv split "train" \(the default for train\) of .* holds 0 bona fide and 2 spoof clips: training needs both$/,
  );
  assert.deepEqual((await select(spoofOnly, { split: 'all' })).items, CLIPS);
});

test('train --split dev with one class fails before any feature is computed; --validation is named only when it took a class', async () => {
  const dir = path.join(root, 'dev');
  const cache = path.join(root, 'cache');
  const r = await runCli(
    ['train', '--data', dir, '--split', 'dev', '--out', path.join(root, 'm-dev'), '--config', cfg, '--workers', '0'],
    cache,
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--split="dev" of .* holds 1 bona fide and 0 spoof clips: training needs both/);
  assert.doesNotMatch(r.stderr, /features|--validation/);
  const v = await runCli(
    ['train', '--data', dir, '--split', 'all', '--validation', '0.9', '--out', path.join(root, 'm-v'), '--config', cfg],
    cache,
  );
  assert.notEqual(v.code, 0);
  assert.match(
    v.stderr,
    /--validation=0\.9 puts all 3 bona fide clips in the validation part, leaving none to train on; lower --validation or add data/,
  );
  assert.doesNotMatch(v.stderr, /features/);
});

test('train and evaluate --split all on a folder whose meta.csv has no split column', async () => {
  const dir = corpus('nosplit-cli', ['path,class', ...CLIPS.map((rel) => `${rel},${rel.split('/')[0]}`)]);
  const cache = path.join(root, 'cache');
  const model = path.join(root, 'm-nosplit');
  const t = await runCli(
    ['train', '--data', dir, '--out', model, '--config', cfg, '--epochs', '1', '--workers', '0', '--validation', '0'],
    cache,
  );
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /split: all 5 clips \(.*meta\.csv has no split column\)/);
  const e = await runCli(
    ['evaluate', '--model', model, '--data', dir, '--split', 'all', '--allow-overlap', '--json'],
    cache,
  );
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout.trim().split('\n').pop()!).n, 5);
});

test('meta.csv listing a clip in two splits, or under the other class, is an error; a missing file warns', async () => {
  const twice = corpus('twice', [...rows((_, i) => (i < 3 ? 'train' : 'test')), 'spoof/A01/s1.wav,spoof,train']);
  await assert.rejects(
    select(twice, { split: 'test' }),
    new RegExp(
      `^DatasetError: ${path.join(twice, 'meta.csv')}: spoof/A01/s1\\.wav is listed twice, ` +
        'line 6 with split "test" and line 7 with split "train"; a clip belongs to one split$',
    ),
  );
  const wrongClass = corpus(
    'class',
    rows(() => 'train').map((l) => l.replace('bonafide/b1.wav,bonafide', 'bonafide/b1.wav,spoof')),
  );
  await assert.rejects(
    select(wrongClass, { split: 'all' }),
    /meta\.csv line 3: class="spoof" but bonafide\/b1\.wav is in the bona fide folder bonafide$/,
  );
  const missing = corpus('missing', [...rows(() => 'train'), 'bonafide/gone.wav,bonafide,train']);
  const r = await select(missing, {});
  assert.deepEqual(r.items, CLIPS);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /meta\.csv: 1 of its 6 rows names no clip of .* left out: bonafide\/gone\.wav$/);
  // A clip meta.csv does not list is in no split: said once when a split is selected.
  const unlisted = corpus('unlisted', rows(() => 'train').slice(0, -1));
  const u = await select(unlisted, { split: 'train' });
  assert.equal(u.items.length, 4);
  assert.match(
    u.warnings.join('\n'),
    /does not list 1 of the 5 clips of .* in no split \(--split all uses them\): spoof/,
  );
});
