// Output paths are refused before any work: the only line on stderr is the reason (no "data:",
// "features" or backend lines), and nothing at the path is touched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { runCli } from '../helpers/cli';

let root = '';
let data = '';

const run = (args: string[]) => runCli(args, path.join(root, 'cache'));

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-outputs-'));
  data = path.join(root, 'data');
  for (let i = 0; i < 4; i++) {
    mkdirSync(path.join(data, 'bonafide'), { recursive: true });
    mkdirSync(path.join(data, 'spoof'), { recursive: true });
    writeFileSync(
      path.join(data, 'bonafide', `b${i}.wav`),
      encodeWav({ sampleRate: 16000, channels: [sine(300 + 50 * i, { sampleRate: 16000, duration: 0.1 })] }),
    );
    writeFileSync(
      path.join(data, 'spoof', `s${i}.wav`),
      encodeWav({ sampleRate: 16000, channels: [whiteNoise({ sampleRate: 16000, duration: 0.1, seed: i })] }),
    );
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

test('train --out and evaluate --scores are refused before any work, with one line, touching nothing', async () => {
  const thesis = path.join(root, 'thesis');
  mkdirSync(path.join(thesis, 'figures'), { recursive: true });
  writeFileSync(path.join(thesis, 'metadata.json'), '{"title": "my thesis"}');
  writeFileSync(path.join(thesis, 'thesis.tex'), 'text');
  const model = path.join(root, 'model');
  mkdirSync(model);
  for (const f of ['model.json', 'weights.bin', 'pipeline.json', 'labels.json', 'metadata.json'])
    writeFileSync(path.join(model, f), f === 'metadata.json' ? JSON.stringify({ format: 'specmorph-model/1' }) : '{}');
  const file = path.join(root, 'file.txt');
  writeFileSync(file, 'mine');
  const cases: [string[], RegExp][] = [
    [
      ['train', '--data', data, '--out', thesis],
      /thesis: folder exists and is not a specmorph model folder \(it holds figures, thesis\.tex\); refusing to replace it/,
    ],
    [
      ['train', '--data', data, '--out', thesis, '--overwrite'],
      /thesis: folder exists and is not a specmorph model folder/,
    ],
    [
      ['train', '--data', data, '--out', model],
      /model: a specmorph model folder is already there; replacing it needs --overwrite/,
    ],
    [['train', '--data', data, '--out', file], /file\.txt: exists and is not a folder/],
    [
      ['train', '--data', data, '--out', path.join(file, 'm')],
      /m: cannot create the model folder \(.*file\.txt is not a folder\)/,
    ],
    [
      ['evaluate', '--model', model, '--data', data, '--scores', thesis],
      /thesis: cannot write \(is a folder; give a file name\)/,
    ],
    [
      ['evaluate', '--model', model, '--data', data, '--scores', path.join(file, 's.txt')],
      /s\.txt: cannot write \(ENOTDIR: a parent is not a folder\)/,
    ],
    [
      ['ablate', '--data', data, '--out', file],
      /file\.txt: cannot create the output folder \(.*file\.txt is not a folder\)/,
    ],
    [
      ['report', '--data', data, '--out', path.join(root, 'rep'), '--no-notebooks'],
      /rep: it holds report\.html \(a folder\), which specmorph does not write there; refusing to replace it/,
    ],
  ];
  mkdirSync(path.join(root, 'rep', 'report.html'), { recursive: true });
  for (let i = 0; i < cases.length; i += 2) {
    const rs = await Promise.all(cases.slice(i, i + 2).map(([a]) => run(a)));
    rs.forEach((r, k) => {
      const [args, re] = cases[i + k];
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `refused before any work: ${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0], re);
    });
  }
  assert.deepEqual(readdirSync(thesis).sort(), ['figures', 'metadata.json', 'thesis.tex']);
  assert.equal(readFileSync(path.join(thesis, 'metadata.json'), 'utf8'), '{"title": "my thesis"}');
  assert.equal(readFileSync(file, 'utf8'), 'mine');
  assert.deepEqual(readdirSync(root).sort(), ['data', 'file.txt', 'model', 'rep', 'thesis']);
});

test('evaluate --scores /dev/null writes through (the device stays), --scores LINK replaces the target and keeps the link', async () => {
  const { lstatSync, statSync, symlinkSync, readlinkSync } = await import('node:fs');
  const cfg = path.join(root, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stages: [
        { op: 'crop', seconds: 0.1 },
        { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
        { op: 'db' },
        { op: 'resize', rows: 12, cols: 12 },
        { op: 'normalise' },
      ],
    }),
  );
  const model = path.join(root, 'm-dev');
  const t = await run([
    'train',
    '--data',
    data,
    '--out',
    model,
    '--config',
    cfg,
    '--epochs',
    '1',
    '--workers',
    '0',
    '--validation',
    '0',
  ]);
  assert.equal(t.code, 0, t.stderr);
  const rdev = statSync('/dev/null').rdev;
  const e = await run([
    'evaluate',
    '--model',
    model,
    '--data',
    data,
    '--scores',
    '/dev/null',
    '--workers',
    '0',
    '--allow-overlap',
  ]);
  assert.equal(e.code, 0, e.stderr);
  assert.ok(lstatSync('/dev/null').isCharacterDevice());
  assert.equal(statSync('/dev/null').rdev, rdev);
  const target = path.join(root, 'scores-target.txt');
  writeFileSync(target, 'old\n');
  const link = path.join(root, 'scores-link');
  symlinkSync('scores-target.txt', link);
  const l = await run([
    'evaluate',
    '--model',
    model,
    '--data',
    data,
    '--scores',
    link,
    '--workers',
    '0',
    '--allow-overlap',
  ]);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(readlinkSync(link), 'scores-target.txt');
  assert.equal(readFileSync(target, 'utf8').trim().split('\n').length, 8);
  rmSync(model, { recursive: true });
  rmSync(link);
  rmSync(target);
  rmSync(cfg);
});
