import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGmm, gmmFrameLogLikelihoods, type Gmm } from '../../src/model/gmm';
import { SIMD_FRAMES, simdQuadraticForms, withoutGmmSimd } from '../../src/model/gmmSimd';
import { Random } from '../../src/random';

/** n x dims frames around `centres` blobs, and a mixture with unequal variances (odd dims, K not a power of 2). */
function problem(n: number, dims: number, K: number, seed: number) {
  const rng = new Random(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: dims }, () => 8 * rng.next() - 4));
  const data = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) data[i * dims + j] = centres[i % 3][j] + rng.normal();
  const gmm: Gmm = {
    nComponents: K,
    dims,
    weights: Float64Array.from({ length: K }, () => 1 / K),
    means: Float64Array.from({ length: K * dims }, () => 6 * rng.next() - 3),
    variances: Float64Array.from({ length: K * dims }, () => 0.2 + 3 * rng.next()),
  };
  return { frames: { n, dims, data }, gmm };
}

test('the SIMD E-step runs here (Node 20 has WebAssembly SIMD) and its quadratic forms equal the definition bit for bit', () => {
  const { frames, gmm } = problem(2 * SIMD_FRAMES + 3, 7, 5, 1);
  const prec = gmm.variances.map((v) => 1 / v);
  const count = frames.n - 2;
  const q = new Float64Array(count * gmm.nComponents);
  // from frame 2 on, so the last block is ragged and reads past the end (frames past n - 1 repeat it)
  assert.equal(simdQuadraticForms(frames.data, 2, count, frames.n, 7, 5, gmm.means, prec, q), true);
  for (let f = 0; f < count; f++)
    for (let k = 0; k < 5; k++) {
      let want = 0;
      for (let j = 0; j < 7; j++) {
        const d = frames.data[(2 + f) * 7 + j] - gmm.means[k * 7 + j];
        want += d * d * prec[k * 7 + j];
      }
      assert.equal(q[f * 5 + k], want, `frame ${2 + f}, component ${k}`);
    }
  assert.equal(
    withoutGmmSimd(() => simdQuadraticForms(frames.data, 0, 1, frames.n, 7, 5, gmm.means, prec, q)),
    false,
  );
});

test('gmmFrameLogLikelihoods: the SIMD and typed-array E-steps give the same bits (n not a multiple of the blocks)', () => {
  const { frames, gmm } = problem(4099 + 5, 13, 6, 2);
  const simd = gmmFrameLogLikelihoods(gmm, frames);
  const loop = withoutGmmSimd(() => gmmFrameLogLikelihoods(gmm, frames));
  assert.deepEqual(simd, loop);
  assert.ok(simd.every(Number.isFinite));
});

for (const minResponsibility of [1e-10, 0])
  test(`fitGmm: EM with the SIMD E- and M-steps equals the typed-array EM bit for bit (minResponsibility ${minResponsibility})`, () => {
    const { frames } = problem(5003, 11, 4, 3);
    const opts = { nComponents: 4, maxIter: 15, seed: 5, minResponsibility };
    const simd = fitGmm(frames, opts);
    const loop = withoutGmmSimd(() => fitGmm(frames, opts));
    assert.deepEqual(simd.means, loop.means);
    assert.deepEqual(simd.variances, loop.variances);
    assert.deepEqual(simd.weights, loop.weights);
    assert.deepEqual(simd.fit, loop.fit);
    assert.ok(simd.fit!.nIter > 1);
  });
