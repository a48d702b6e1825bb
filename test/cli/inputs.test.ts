// A command never writes over its own inputs, and reads the files named on its command line within
// bounds: an output that is (or, through a link, resolves to) the model, the data, meta.csv, the
// protocol, --config or --compare is refused before any work, touching nothing; devices, FIFOs and
// oversized files are refused before they are read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { type CliResult, runCli } from '../helpers/cli';

let root = '';
let data = '';
let model = '';
let cfg = '';
let other = '';

const run = (args: string[]) => runCli(args, path.join(root, 'cache'));

/** Every file under `dir` with its content, to show that a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out[path.relative(dir, p)] = readFileSync(p).toString('base64');
    }
  return out;
}

/** Runs `cases` two at a time; each must exit 2 with exactly one stderr line matching its pattern. */
async function refused(cases: readonly [string[], RegExp][]): Promise<void> {
  for (let i = 0; i < cases.length; i += 2) {
    const rs: CliResult[] = await Promise.all(cases.slice(i, i + 2).map(([a]) => run(a)));
    rs.forEach((r, k) => {
      const [args, re] = cases[i + k];
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `refused before any work: ${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0], re, args.join(' '));
    });
  }
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-inputs-'));
  data = path.join(root, 'data');
  mkdirSync(path.join(data, 'bonafide'), { recursive: true });
  mkdirSync(path.join(data, 'spoof', 'A01'), { recursive: true });
  // meta.csv: train b0 b1 s0 s1, test b2 s2 b3, and a split "Train" holding one spoof clip only.
  const meta = ['path,class,split'];
  for (let i = 0; i < 4; i++) {
    writeFileSync(
      path.join(data, 'bonafide', `b${i}.wav`),
      encodeWav({ sampleRate: 16000, channels: [sine(300 + 50 * i, { sampleRate: 16000, duration: 0.1 })] }),
    );
    writeFileSync(
      path.join(data, 'spoof', 'A01', `s${i}.wav`),
      encodeWav({ sampleRate: 16000, channels: [whiteNoise({ sampleRate: 16000, duration: 0.1, seed: i })] }),
    );
    meta.push(`bonafide/b${i}.wav,bonafide,${i < 2 ? 'train' : 'test'}`);
    meta.push(`spoof/A01/s${i}.wav,spoof,${i < 2 ? 'train' : i === 2 ? 'test' : 'Train'}`);
  }
  writeFileSync(path.join(data, 'meta.csv'), `${meta.join('\n')}\n`);
  // The checks run before the model is loaded: a folder that only looks like a model will do.
  model = path.join(root, 'model');
  mkdirSync(model);
  for (const f of ['model.json', 'weights.bin', 'pipeline.json', 'labels.json', 'metadata.json'])
    writeFileSync(path.join(model, f), f === 'metadata.json' ? JSON.stringify({ format: 'specmorph-model/1' }) : '{}');
  cfg = path.join(root, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stages: [
        { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
        { op: 'db' },
        { op: 'resize', rows: 8, cols: 8 },
      ],
    }),
  );
  other = path.join(root, 'other.txt');
  writeFileSync(other, 'bonafide/b2 - bonafide 1.5\nspoof/A01/s2 A01 spoof -2\n');
});

after(() => rmSync(root, { recursive: true, force: true }));

test('evaluate --scores refuses every input of the command (model files, meta.csv, clips, --protocol, --config, --compare, through links) and the model and class folders', async () => {
  const flat = path.join(root, 'flat');
  mkdirSync(flat);
  copyFileSync(path.join(data, 'bonafide', 'b0.wav'), path.join(flat, 'LA_B_0.wav'));
  copyFileSync(path.join(data, 'spoof', 'A01', 's0.wav'), path.join(flat, 'LA_S_0.wav'));
  const proto = path.join(root, 'protocol.txt');
  writeFileSync(proto, 'LA_0 LA_B_0 - - bonafide\nLA_0 LA_S_0 - A01 spoof\n');
  const otherLink = path.join(root, 'otherlink');
  symlinkSync('other.txt', otherLink);
  const modelLink = path.join(root, 'modellink');
  symlinkSync('model', modelLink);
  const clipLink = path.join(root, 'hard.wav');
  linkSync(path.join(data, 'spoof', 'A01', 's1.wav'), clipLink);
  const before = {
    model: snapshot(model),
    data: snapshot(data),
    flat: snapshot(flat),
    other: readFileSync(other, 'utf8'),
  };
  const ev = (...args: string[]) => ['evaluate', '--model', model, '--data', data, '--split', 'test', ...args];
  const anInput = (what: string) =>
    new RegExp(`^specmorph: evaluate: --scores=".*" is an input of this command \\(${what}\\): choose another path$`);
  await refused([
    [ev('--scores', path.join(model, 'weights.bin')), anInput(`a file of the model folder ${model}`)],
    [ev('--scores', path.join(model, 'metadata.json')), anInput(`a file of the model folder ${model}`)],
    [
      ev('--scores', path.join(model, 'scores.txt')),
      /evaluate: --scores=".*model\/scores\.txt" lies inside the model folder .*model, an input of this command: choose another path$/,
    ],
    [
      ev('--scores', path.join(modelLink, 'scores.txt')),
      /evaluate: --scores=".*modellink\/scores\.txt" lies inside the model folder .*model, an input of this command/,
    ],
    [ev('--scores', path.join(data, 'meta.csv')), anInput(`the meta\\.csv of ${data}`)],
    [ev('--scores', path.join(data, 'spoof', 'A01', 's0.wav')), anInput('a clip of the data')],
    // s1 is not in the test split, and this is another name of it: still a clip of the data.
    [ev('--scores', clipLink), anInput('a clip of the data')],
    [
      ev('--scores', path.join(data, 'spoof', 'new.wav')),
      /evaluate: --scores=".*new\.wav" lies inside the class folder .*spoof of the data, an input of this command/,
    ],
    [ev('--compare', other, '--scores', otherLink), anInput('the --compare file')],
    [ev('--config', cfg, '--scores', cfg), anInput('the --config file')],
    [
      ['evaluate', '--model', model, '--protocol', proto, '--audio', flat, '--scores', proto],
      anInput('the --protocol file'),
    ],
    [
      ['evaluate', '--model', model, '--protocol', proto, '--audio', flat, '--scores', path.join(flat, 'LA_S_0.wav')],
      anInput('a clip of the data'),
    ],
  ]);
  assert.deepEqual(snapshot(model), before.model);
  assert.deepEqual(snapshot(data), before.data);
  assert.deepEqual(snapshot(flat), before.flat);
  assert.equal(readFileSync(other, 'utf8'), before.other);
  // Beside the data, not in a class folder, is fine: the run gets past the check (and fails later on
  // this stand-in model, having written nothing).
  const beside = await run(ev('--scores', path.join(data, 'scores.txt')));
  assert.doesNotMatch(beside.stderr, /an input of this command/);
  assert.match(beside.stderr, /model\.json/);
  assert.deepEqual(snapshot(data), before.data);
  for (const p of [otherLink, modelLink, clipLink, proto]) rmSync(p);
  rmSync(flat, { recursive: true });
});

test('ablate and report --out are refused inside a class folder of the data, new or existing', async () => {
  const empty = path.join(data, 'spoof', 'empty');
  mkdirSync(empty);
  const before = snapshot(data);
  await refused([
    [
      ['ablate', '--data', data, '--out', path.join(data, 'spoof', 'new')],
      /ablate: --out=".*spoof\/new" lies inside the class folder .*spoof of the data, an input of this command: choose another path$/,
    ],
    [
      ['ablate', '--data', data, '--out', empty],
      /ablate: --out=".*spoof\/empty" lies inside the class folder .*spoof of the data, an input of this command/,
    ],
    [
      ['report', '--data', data, '--out', path.join(data, 'bonafide', 'rep'), '--no-notebooks'],
      /report: --out=".*bonafide\/rep" lies inside the class folder .*bonafide of the data, an input of this command/,
    ],
  ]);
  assert.deepEqual(snapshot(data), before);
  assert.deepEqual(readdirSync(empty), []);
  rmSync(empty, { recursive: true });
});

test('--config and --compare: devices, FIFOs and oversized files are refused before reading; --model FILE and a one-class --split are named', {
  timeout: 120_000,
}, async () => {
  const fifo = path.join(root, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Sparse files: their size is refused without a byte being read (or written to disk).
  const bigCfg = path.join(root, 'big.json');
  writeFileSync(bigCfg, '');
  truncateSync(bigCfg, 2 ** 21);
  const bigScores = path.join(root, 'big.txt');
  writeFileSync(bigScores, '');
  truncateSync(bigScores, 2 ** 28 + 1);
  const ev = (...args: string[]) => ['evaluate', '--model', model, '--data', data, '--split', 'test', ...args];
  const device = '\\(a device, FIFO or socket\\)';
  await refused([
    [ev('--config', '/dev/zero'), new RegExp(`/dev/zero: not a regular file ${device}; cannot read it as a config$`)],
    [
      ev('--compare', '/dev/zero'),
      new RegExp(`/dev/zero: not a regular file ${device}; cannot read it as a score file$`),
    ],
    [ev('--config', fifo), new RegExp(`fifo: not a regular file ${device}; cannot read it as a config$`)],
    [ev('--compare', fifo), new RegExp(`fifo: not a regular file ${device}; cannot read it as a score file$`)],
    [
      ['train', '--data', data, '--out', path.join(root, 'm'), '--config', fifo],
      new RegExp(`fifo: not a regular file ${device}; cannot read it as a config$`),
    ],
    [
      ev('--config', bigCfg),
      /big\.json: 2097152 bytes \(2 MiB\), more than the 1 MiB a config may hold; refusing to read it$/,
    ],
    [
      ev('--compare', bigScores),
      /big\.txt: 268435457 bytes \(256\.0 MiB\), more than the 256 MiB a score file may hold; refusing to read it$/,
    ],
    [
      ['evaluate', '--model', path.join(model, 'weights.bin'), '--data', data],
      /^specmorph: .*model\/weights\.bin: is a file, not a model folder$/,
    ],
    [
      ev().map((a) => (a === 'test' ? 'Train' : a)),
      new RegExp(
        `^specmorph: evaluate: --split="Train" of ${data} holds 0 bona fide and 1 spoof clips: an EER needs both$`,
      ),
    ],
  ]);
  for (const p of [fifo, bigCfg, bigScores]) rmSync(p);
  assert.deepEqual(readdirSync(root).sort(), ['cfg.json', 'data', 'model', 'other.txt']);
});
