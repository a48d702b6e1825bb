// train warns about audio labelled both ways, replaces a model only with --overwrite, cleans up
// what killed runs left beside --out, refuses a bad --out first and says --overwrite in its words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  readFileSync,
  readdirSync,
  copyFileSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { modelTempPrefix } from '../../src/model/folder';
import { runCli } from '../helpers/cli';

let root = '';
let data = '';
let cfg = '';

const run = (args: string[]) => runCli(args, path.join(root, 'cache'));

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-trainsafe-'));
  data = path.join(root, 'data');
  mkdirSync(path.join(data, 'bonafide'), { recursive: true });
  mkdirSync(path.join(data, 'spoof', 'A01'), { recursive: true });
  for (let i = 0; i < 4; i++) {
    writeFileSync(
      path.join(data, 'bonafide', `b${i}.wav`),
      encodeWav({
        sampleRate: 16000,
        channels: [sine(300 + 60 * i, { sampleRate: 16000, duration: 0.1, amplitude: 0.5 })],
      }),
    );
    writeFileSync(
      path.join(data, 'spoof', 'A01', `s${i}.wav`),
      encodeWav({
        sampleRate: 16000,
        channels: [whiteNoise({ sampleRate: 16000, duration: 0.1, amplitude: 0.3, seed: i })],
      }),
    );
  }
  // The same recording under both labels.
  copyFileSync(path.join(data, 'bonafide', 'b0.wav'), path.join(data, 'spoof', 'A01', 'copy-of-b0.wav'));
  cfg = path.join(root, 'cfg.json');
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
});

after(() => rmSync(root, { recursive: true, force: true }));

test('train warns about identical audio in both classes and counts it; --overwrite replaces a model and sweeps dead leftovers', async () => {
  const out = path.join(root, 'm');
  const common = [
    'train',
    '--data',
    data,
    '--out',
    out,
    '--config',
    cfg,
    '--epochs',
    '1',
    '--workers',
    '0',
    '--validation',
    '0',
    '--json',
  ];
  const a = await run(common);
  assert.equal(a.code, 0, a.stderr);
  assert.match(
    a.stderr,
    /^warning: 1 audio content is labelled both bona fide and spoof \(e\.g\. .*b0\.wav and .*copy-of-b0\.wav are identical\)/m,
  );
  assert.equal(JSON.parse(a.stdout.trim().split('\n').pop()!).crossClassDuplicates, 1);
  const firstDate = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8')).date;
  // What a kill -9 during an earlier save leaves: a half-written temp folder and a moved-aside old model.
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const dead = modelTempPrefix(out).replace(`-${process.pid}-`, `-${pidMax + 1}-`);
  mkdirSync(`${dead}Ab12Cd`);
  writeFileSync(path.join(`${dead}Ab12Cd`, 'model.json'), '{"trunc');
  mkdirSync(`${dead}Ef34Gh-old`);
  const b = await run([...common, '--overwrite']);
  assert.equal(b.code, 0, b.stderr);
  assert.notEqual(JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8')).date, firstDate);
  assert.deepEqual(readdirSync(root).sort(), ['cache', 'cfg.json', 'data', 'm']);
});

test('train --out through a dangling link (t/dangling/sub) is refused before any work, with the link named', async () => {
  const t = path.join(root, 't');
  mkdirSync(t);
  symlinkSync(path.join(t, 'nowhere'), path.join(t, 'dangling'));
  try {
    const r = await run(['train', '--data', data, '--out', path.join(t, 'dangling', 'sub'), '--config', cfg]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, `refused before any work: ${r.stderr}`);
    assert.match(
      r.stderr,
      /t\/dangling\/sub: cannot create the model folder \(.*t\/dangling is a symbolic link to .*t\/nowhere, which does not exist\)/,
    );
    assert.deepEqual(readdirSync(t), ['dangling']);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('a model written at --out by another run while train ran: refused in the CLI words (--overwrite), the other model kept', async () => {
  const conc = path.join(root, 'conc');
  const other = { format: 'specmorph-model/1', date: 'the other run' };
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'),
        'train',
        '--data',
        data,
        '--out',
        conc,
        '--config',
        cfg,
        '--epochs',
        '1',
        '--workers',
        '0',
        '--validation',
        '0',
      ],
      { env: { ...process.env, SPECMORPH_CACHE: path.join(root, 'cache') } },
    );
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => {
      // The concurrent run finishes first: its whole model folder appears at --out.
      if (!/^data: /m.test(stderr) && /^data: /m.test(stderr + b.toString())) {
        mkdirSync(conc);
        for (const f of ['model.json', 'weights.bin', 'pipeline.json', 'labels.json'])
          writeFileSync(path.join(conc, f), '{}');
        writeFileSync(path.join(conc, 'metadata.json'), JSON.stringify(other));
      }
      stderr += b.toString();
    });
    p.on('close', (code) => resolve({ code, stderr }));
  });
  try {
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /conc: a specmorph model folder is already there; replacing it needs --overwrite \(--out changed while this run trained; this run's model was not kept\)$/m,
    );
    assert.deepEqual(JSON.parse(readFileSync(path.join(conc, 'metadata.json'), 'utf8')), other);
  } finally {
    rmSync(conc, { recursive: true, force: true });
  }
});
