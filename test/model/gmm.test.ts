import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  fitGmm,
  fitGmmDetector,
  fitGmmDetectorAsync,
  gmmFrameLogLikelihoods,
  gmmLogLikelihood,
  scoreGmmDetector,
  toFrames,
  Gmm,
} from '../../src/model/gmm';
import { computeEer } from '../../src/metrics/detection';
import { lfcc } from '../../src/spectral/cepstral';
import { createGrid } from '../../src/grid/grid';
import { Random } from '../../src/random';

interface EmCase {
  name: string;
  nComponents: number;
  maxIter: number;
  tol: number;
  regCovar: number;
  dims: number;
  data: number[];
  held: number[];
  init: { weights: number[]; means: number[]; variances: number[] };
  weights: number[];
  means: number[];
  variances: number[];
  nIter: number;
  converged: boolean;
  lowerBound: number;
  scoreSamples: number[];
  scoreSamplesHeld: number[];
  kmeansLowerBound?: number;
  kmeansMeans?: number[];
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/gmm/em.json'), 'utf8')) as {
  cases: EmCase[];
};

/** Largest |a - b| / (atol + |b|): 1 means "at the tolerance". */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, atol: number): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (atol + Math.abs(b[i])));
  return m;
}

function frames(data: number[], dims: number) {
  return { n: data.length / dims, dims, data: Float64Array.from(data) };
}

// Tolerance: scikit-learn computes the E-step through precision Cholesky factors and BLAS matrix
// products, we sum (x - mu)^2 / var per frame; both in float64. Measured agreement over up to 25 EM
// iterations with minResponsibility=0: <= 2e-11 relative (parameters and log-likelihoods); 1e-9 leaves
// room for other BLAS builds.
const TOL = 1e-9;

for (const c of fixture.cases) {
  test(`fitGmm diag EM from a given init equals scikit-learn GaussianMixture: ${c.name}`, () => {
    const x = frames(c.data, c.dims);
    const g = fitGmm(x, {
      nComponents: c.nComponents,
      maxIter: c.maxIter,
      tol: c.tol,
      regCovar: c.regCovar,
      init: c.init,
      minResponsibility: 0,
    });
    assert.equal(g.fit!.nIter, c.nIter);
    assert.equal(g.fit!.converged, c.converged);
    assert.ok(
      Math.abs(g.fit!.lowerBound - c.lowerBound) <= TOL * Math.abs(c.lowerBound),
      `lowerBound ${g.fit!.lowerBound} vs ${c.lowerBound}`,
    );
    // Weights of an emptied component are ~1e-17: compare them on an absolute scale.
    assert.ok(relErr(g.weights, c.weights, 1e-12) <= TOL, `weights ${relErr(g.weights, c.weights, 1e-12)}`);
    assert.ok(relErr(g.means, c.means, 1e-9) <= TOL, `means ${relErr(g.means, c.means, 1e-9)}`);
    assert.ok(relErr(g.variances, c.variances, 1e-9) <= TOL, `variances ${relErr(g.variances, c.variances, 1e-9)}`);
    assert.ok(relErr(gmmFrameLogLikelihoods(g, x), c.scoreSamples, 1e-9) <= TOL);
    assert.ok(relErr(gmmFrameLogLikelihoods(g, frames(c.held, c.dims)), c.scoreSamplesHeld, 1e-9) <= TOL);
    const mean = c.scoreSamplesHeld.reduce((a, v) => a + v, 0) / c.scoreSamplesHeld.length;
    assert.ok(Math.abs(gmmLogLikelihood(g, frames(c.held, c.dims)) - mean) <= TOL * Math.abs(mean));
  });
}

for (const c of fixture.cases) {
  test(`fitGmm default minResponsibility=1e-10 stays within 1e-6 of scikit-learn: ${c.name}`, () => {
    const x = frames(c.data, c.dims);
    const g = fitGmm(x, {
      nComponents: c.nComponents,
      maxIter: c.maxIter,
      tol: c.tol,
      regCovar: c.regCovar,
      init: c.init,
    });
    assert.equal(g.fit!.nIter, c.nIter);
    assert.ok(relErr(g.means, c.means, 1e-6) <= 1e-6, `means ${relErr(g.means, c.means, 1e-6)}`);
    assert.ok(relErr(g.variances, c.variances, 1e-6) <= 1e-6, `variances ${relErr(g.variances, c.variances, 1e-6)}`);
    assert.ok(relErr(gmmFrameLogLikelihoods(g, frames(c.held, c.dims)), c.scoreSamplesHeld, 1e-6) <= 1e-6);
  });
}

test('fitGmm k-means++ init reaches the optimum scikit-learn finds on 3 separated blobs (K=3)', () => {
  const c = fixture.cases.find((k) => k.kmeansLowerBound !== undefined)!;
  const x = frames(c.data, c.dims);
  for (const seed of [0, 1, 2]) {
    const g = fitGmm(x, { nComponents: 3, seed });
    assert.ok(g.fit!.converged);
    assert.ok(
      Math.abs(g.fit!.lowerBound - c.kmeansLowerBound!) < 1e-4,
      `seed ${seed}: ${g.fit!.lowerBound} vs ${c.kmeansLowerBound}`,
    );
    // Same means up to the order of the components.
    const ours = [0, 1, 2].map((k) => [g.means[2 * k], g.means[2 * k + 1]]).sort((a, b) => a[0] - b[0]);
    const ref = [0, 1, 2].map((k) => [c.kmeansMeans![2 * k], c.kmeansMeans![2 * k + 1]]).sort((a, b) => a[0] - b[0]);
    for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(ours[k][j] - ref[k][j]) < 1e-3);
  }
});

test('fitGmm is deterministic: same seed gives bit-identical parameters, another seed another start', () => {
  const rng = new Random(4);
  const x = { n: 400, dims: 3, data: Float64Array.from({ length: 1200 }, (_, i) => rng.normal() + (i % 7)) };
  const a = fitGmm(x, { nComponents: 6, seed: 11 });
  const b = fitGmm(x, { nComponents: 6, seed: 11 });
  assert.deepEqual(Array.from(a.means), Array.from(b.means));
  assert.deepEqual(Array.from(a.variances), Array.from(b.variances));
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
  const c = fitGmm(x, { nComponents: 6, seed: 12, maxIter: 0 });
  const d = fitGmm(x, { nComponents: 6, seed: 11, maxIter: 0 });
  assert.notDeepEqual(Array.from(c.means), Array.from(d.means));
});

test('fitGmm regCovar floors the variance of a constant dimension', () => {
  const rng = new Random(1);
  const x = { n: 200, dims: 2, data: Float64Array.from({ length: 400 }, (_, i) => (i % 2 ? 3 : rng.normal())) };
  const g = fitGmm(x, { nComponents: 2, regCovar: 1e-4, seed: 0 });
  for (let k = 0; k < 2; k++)
    assert.ok(Math.abs(g.variances[2 * k + 1] - 1e-4) < 1e-12, `variance ${g.variances[2 * k + 1]}`);
});

test('toFrames reads a Grid as coefficients x frames and stacks clips in order', () => {
  const a = createGrid(2, 3, Float32Array.from([1, 2, 3, 10, 20, 30]));
  const b = createGrid(2, 1, Float32Array.from([4, 40]));
  const f = toFrames([a, b]);
  assert.equal(f.n, 4);
  assert.equal(f.dims, 2);
  assert.deepEqual(Array.from(f.data), [1, 10, 2, 20, 3, 30, 4, 40]);
});

test('fitGmm and the likelihoods reject bad input with messages naming it', () => {
  const x = { n: 3, dims: 2, data: new Float64Array(6) };
  assert.throws(() => fitGmm(x, { nComponents: 4 }), /3 frames, fewer than nComponents=4/);
  assert.throws(
    () => fitGmm({ n: 3, dims: 2, data: Float64Array.from([0, 1, 2, NaN, 4, 5]) }, { nComponents: 2 }),
    /frame 1 dimension 1 is NaN/,
  );
  assert.throws(() => fitGmm(x, { nComponents: 0 }), /nComponents=0 must be a positive integer/);
  assert.throws(() => fitGmm(x, { nComponents: 2, tol: -1 }), /tol=-1/);
  assert.throws(
    () => fitGmm({ n: 3, dims: 2, data: new Float64Array(5) }),
    /data.length=5 does not match 3 frames x 2 dims/,
  );
  assert.throws(
    () => fitGmm(x, { nComponents: 2, init: { weights: [0.5, 0.5], means: [0, 0, 0], variances: [1, 1, 1, 1] } }),
    /init.means has length 3, expected nComponents x dims = 4/,
  );
  assert.throws(
    () => fitGmm(x, { nComponents: 2, init: { weights: [0.5, 0.5], means: [0, 0, 0, 0], variances: [1, 0, 1, 1] } }),
    /init.variances\[1\]=0 must be a finite number > 0/,
  );
  const g: Gmm = {
    nComponents: 1,
    dims: 2,
    weights: Float64Array.of(1),
    means: new Float64Array(2),
    variances: Float64Array.of(1, 1),
  };
  assert.throws(
    () => gmmLogLikelihood(g, { n: 2, dims: 3, data: new Float64Array(6) }),
    /frames have 3 dims, the GMM was fitted on 2/,
  );
  assert.throws(() => gmmLogLikelihood(g, { n: 0, dims: 2, data: new Float64Array(0) }), /no frames/);
  assert.throws(
    () => scoreGmmDetector({ bonafide: g, spoof: g }, [createGrid(3, 2, new Float32Array(6))]),
    /clips\[0\] has 3 dims, the detector was trained on 2/,
  );
});

/** A 1 s clip at 8 kHz: a voiced harmonic series (bona fide) or noise shaped the same way (spoof). */
function clip(kind: 'harmonic' | 'noise', rng: Random): Float32Array {
  const sr = 8000;
  const x = new Float32Array(sr);
  const f0 = 90 + 120 * rng.next();
  if (kind === 'harmonic') {
    for (let h = 1; h * f0 < 3800; h++) {
      const a = 1 / h;
      const ph = 2 * Math.PI * rng.next();
      for (let n = 0; n < sr; n++) x[n] += a * Math.sin((2 * Math.PI * h * f0 * n) / sr + ph);
    }
    for (let n = 0; n < sr; n++) x[n] = 0.1 * x[n] + 0.002 * rng.normal();
  } else {
    // One-pole low-pass noise: a smooth spectral envelope without harmonics.
    let y = 0;
    for (let n = 0; n < sr; n++) x[n] = y = 0.9 * y + 0.05 * rng.normal();
  }
  return x;
}

test('LFCC-GMM detector separates harmonic (bona fide) from noise-excited (spoof) clips: test EER <= 5 %', () => {
  const rng = new Random(7);
  const feats = (kind: 'harmonic' | 'noise', n: number) =>
    Array.from({ length: n }, () => lfcc(clip(kind, rng), { sampleRate: 8000, preset: 'asvspoof2019' }));
  const det = fitGmmDetector(feats('harmonic', 12), feats('noise', 12), { nComponents: 4, seed: 0 });
  const bona = scoreGmmDetector(det, feats('harmonic', 15));
  const spoof = scoreGmmDetector(det, feats('noise', 15));
  const { eer } = computeEer(bona, spoof);
  assert.ok(eer <= 0.05, `EER ${eer}`);
  // The score is a log-likelihood ratio: bona fide clips score above 0 on average, spoofed below.
  assert.ok(bona.reduce((a, v) => a + v, 0) > 0 && spoof.reduce((a, v) => a + v, 0) < 0);
});

test('fitGmmDetectorAsync (two worker threads) equals fitGmmDetector bit for bit and reports both classes', async () => {
  const rng = new Random(9);
  const blob = (shift: number) => ({
    n: 500,
    dims: 4,
    data: Float64Array.from({ length: 2000 }, (_, i) => rng.normal() + (i % 4 === 1 ? shift : 0)),
  });
  const b = blob(0);
  const s = blob(1.5);
  const seen = new Set<string>();
  const par = await fitGmmDetectorAsync(b, s, { nComponents: 5, seed: 3, onIteration: (cls) => seen.add(cls) });
  const seq = fitGmmDetector(b, s, { nComponents: 5, seed: 3 });
  for (const cls of ['bonafide', 'spoof'] as const) {
    assert.deepEqual(Array.from(par[cls].means), Array.from(seq[cls].means));
    assert.deepEqual(Array.from(par[cls].variances), Array.from(seq[cls].variances));
    assert.deepEqual(Array.from(par[cls].weights), Array.from(seq[cls].weights));
    assert.deepEqual(par[cls].fit, seq[cls].fit);
  }
  assert.deepEqual([...seen].sort(), ['bonafide', 'spoof']);
  await assert.rejects(
    fitGmmDetectorAsync(b, { n: 2, dims: 4, data: new Float64Array(8) }, { nComponents: 5 }),
    /2 frames, fewer than nComponents=5/,
  );
});
