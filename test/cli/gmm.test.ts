import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav } from '../../src/audio';
import { Random } from '../../src/random';
import { runCli } from '../helpers/cli';

let root = '';

const run = (args: string[]) => runCli(args, path.join(root, 'cache'));

/** 8 kHz clips of 0.4-0.8 s (different lengths on purpose): harmonic (bona fide) or low-passed noise (spoof). */
function clip(kind: 'harmonic' | 'noise', rng: Random): Float32Array {
  const sr = 8000;
  const x = new Float32Array(Math.round(sr * (0.4 + 0.4 * rng.next())));
  const f0 = 90 + 120 * rng.next();
  let y = 0;
  for (let n = 0; n < x.length; n++) {
    if (kind === 'noise') x[n] = y = 0.9 * y + 0.05 * rng.normal();
    else for (let h = 1; h * f0 < 3800; h++) x[n] += (0.1 / h) * Math.sin((2 * Math.PI * h * f0 * n) / sr);
  }
  return x;
}

function makeSet(dir: string, seed: number): void {
  const rng = new Random(seed);
  for (let i = 0; i < 8; i++) {
    for (const [kind, sub] of [
      ['harmonic', 'bonafide'],
      ['noise', path.join('spoof', i % 2 ? 'A01' : 'A02')],
    ] as const) {
      const file = path.join(dir, sub, `${kind[0]}${i}.wav`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, encodeWav({ sampleRate: 8000, channels: [clip(kind, rng)] }));
    }
  }
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-cli-gmm-'));
  makeSet(path.join(root, 'train'), 1);
  makeSet(path.join(root, 'test'), 2);
});

after(() => rmSync(root, { recursive: true, force: true }));

/** `specmorph train` on the training folder into `out`. */
const train = (out: string, ...extra: string[]) =>
  run(['train', '--data', path.join(root, 'train'), '--out', out, ...extra]);
/** The same with `--arch gmm`, 4 components and in-process features. */
const trainGmm = (out: string, ...extra: string[]) =>
  train(out, '--arch', 'gmm', '--components', '4', '--workers', '0', ...extra);

test('specmorph train --arch gmm then evaluate: GMM model folder, clips of any length, low EER on held-out clips', async () => {
  const model = path.join(root, 'gmm');
  const t = await trainGmm(model, '--seed', '0', '--json');
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /pipeline: [0-9a-f]{12} \(mono -> lfcc\)/);
  assert.match(t.stderr, /gmm bonafide: (converged|stopped at maxIter) after \d+ iterations/);
  const tj = JSON.parse(t.stdout.trim().split('\n').pop()!);
  assert.equal(tj.architecture, 'gmm');
  assert.equal(tj.train, 16);
  assert.equal(tj.components, 4);
  assert.deepEqual(readdirSync(model).sort(), ['gmm.json', 'labels.json', 'metadata.json', 'pipeline.json']);
  assert.equal(JSON.parse(readFileSync(path.join(model, 'metadata.json'), 'utf8')).architecture, 'gmm');

  const e = await run(['evaluate', '--model', model, '--data', path.join(root, 'test'), '--workers', '0', '--json']);
  assert.equal(e.code, 0, e.stderr);
  const ej = JSON.parse(e.stdout.trim().split('\n').pop()!);
  assert.equal(ej.n, 16);
  assert.equal(ej.backend, 'js-float64');
  assert.ok(ej.eer <= 0.1, `EER ${ej.eer}`);
  assert.deepEqual(
    ej.perAttack.map((a: { attackId: string; n: number }) => [a.attackId, a.n]),
    [
      ['A01', 4],
      ['A02', 4],
    ],
  );
  // Training again with the same seed gives the same mixtures (bit for bit).
  const again = path.join(root, 'gmm2');
  assert.equal((await trainGmm(again, '--seed', '0')).code, 0);
  const strip = (f: string) => readFileSync(path.join(f, 'gmm.json'), 'utf8');
  assert.equal(strip(again), strip(model));
  // From the cache, EM streamed the clips (reported per iteration); with --no-cache they are held in
  // memory: the same mixtures either way, bit for bit.
  assert.match(t.stderr, /streamed from the cache/);
  assert.match(t.stderr, /gmm bonafide iteration 1\/100 mean log-likelihood -?\d+\.\d{4} \(\d+\.\d s\)/);
  assert.equal(tj.frames.bonafide + tj.frames.spoof > 16 * 30, true);
  assert.ok(tj.secondsPerIteration.bonafide > 0 && tj.secondsPerIteration.spoof > 0);
  const held = path.join(root, 'gmm-held');
  const h = await trainGmm(held, '--seed', '0', '--no-cache', '--json');
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stderr, /held in memory \(--no-cache\)/);
  assert.deepEqual(JSON.parse(h.stdout.trim().split('\n').pop()!).frames, tj.frames);
  assert.equal(strip(held), strip(model));
});

test('specmorph train --arch gmm --max-iter 2 stops EM after 2 iterations; --max-iter is for gmm only and checked', async () => {
  const out = path.join(root, 'gmm-2');
  const t = await trainGmm(out, '--max-iter', '2', '--json');
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(JSON.parse(t.stdout.trim().split('\n').pop()!).iterations, { bonafide: 2, spoof: 2 });
  assert.match(t.stderr, /gmm spoof: stopped at maxIter after 2 iterations/);
  const bad = await train(path.join(root, 'x'), '--arch', 'gmm', '--max-iter', '-1');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--max-iter=-1 must be an integer/);
  const cnn = await train(path.join(root, 'x'), '--max-iter', '2');
  assert.notEqual(cnn.code, 0);
  assert.match(cnn.stderr, /--max-iter applies to --arch gmm only/);
  assert.ok(!readdirSync(root).includes('x'));
});

test('specmorph train rejects --components without --arch gmm, a bad --components and an unknown --arch', async () => {
  const a = await train(path.join(root, 'x'), '--components', '4');
  assert.notEqual(a.code, 0);
  assert.match(a.stderr, /--components applies to --arch gmm only/);
  const b = await train(path.join(root, 'x'), '--arch', 'gmm', '--components', '0');
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /components/);
  const c = await train(path.join(root, 'x'), '--arch', 'gmm', '--epochs', '3');
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /--epochs does not apply to --arch gmm/);
  const d = await train(path.join(root, 'x'), '--arch', 'resnet');
  assert.notEqual(d.code, 0);
  assert.match(d.stderr, /train: --arch="resnet" must be one of cnn, lcnn, morph-cnn, gmm\n/);
  assert.ok(!readdirSync(root).includes('x'));
});
