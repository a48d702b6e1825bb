import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RETAIN_BYTES } from '../../src/memory';
import {
  argMaxArray,
  maxPlusMemoryBytes,
  maxPlusSimd,
  maxplusModuleBytes,
  type MaxPlusGeometry,
} from '../../src/model/kernels/maxplus_simd';
import { Random } from '../../src/random';
import { compile } from '../../src/wasm';

/** Dilation2D forward (NHWC, stride 1, 'same' padding) from the definition, in float32. */
function naiveForward(g: MaxPlusGeometry, x: Float32Array, f: Float32Array): Float32Array {
  const { N, H, W, C, Ho, Wo, fh, fw, pt, pl } = g;
  const out = new Float32Array(N * Ho * Wo * C);
  for (let n = 0; n < N; n++)
    for (let ho = 0; ho < Ho; ho++)
      for (let wo = 0; wo < Wo; wo++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          for (let i = 0; i < fh; i++)
            for (let j = 0; j < fw; j++) {
              const h = ho + i - pt;
              const w = wo + j - pl;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              best = Math.max(best, Math.fround(x[((n * H + h) * W + w) * C + c] + f[(i * fw + j) * C + c]));
            }
          out[((n * Ho + ho) * Wo + wo) * C + c] = best;
        }
  return out;
}

function forward(g: MaxPlusGeometry, seed: number): { got: Float32Array; x: Float32Array; f: Float32Array } | null {
  const rng = new Random(seed);
  const x = Float32Array.from({ length: g.N * g.H * g.W * g.C }, () => rng.next());
  const f = Float32Array.from({ length: g.fh * g.fw * g.C }, () => rng.next() - 0.5);
  const got = new Float32Array(g.N * g.Ho * g.Wo * g.C);
  return maxPlusSimd(g, x, f, got, argMaxArray(g.fh * g.fw, got.length)) ? { got, x, f } : null;
}

test(`max-plus SIMD: a pass needing > RETAIN_BYTES=${RETAIN_BYTES} keeps <= RETAIN_BYTES of memory; the next pass is right`, (t) => {
  const small: MaxPlusGeometry = { N: 2, H: 9, W: 11, C: 3, Ho: 9, Wo: 11, fh: 3, fw: 3, pt: 1, pl: 1 };
  const first = forward(small, 1);
  if (!first) return t.skip('no WebAssembly SIMD in this runtime');
  const kept = maxPlusMemoryBytes();
  assert.ok(kept > 0 && kept <= RETAIN_BYTES, `after the small pass: ${kept} bytes kept`);

  // x and two output-sized regions (y, arg) of 1300 x 1300 x 4 float32: 81 MB
  const big: MaxPlusGeometry = { N: 1, H: 1300, W: 1300, C: 4, Ho: 1300, Wo: 1300, fh: 1, fw: 1, pt: 0, pl: 0 };
  const large = forward(big, 2)!;
  assert.ok(3 * 4 * large.x.length > RETAIN_BYTES);
  for (let i = 0; i < large.got.length; i += 9973)
    assert.equal(large.got[i], Math.fround(large.x[i] + large.f[i % 4]), `y[${i}]`);
  assert.ok(maxPlusMemoryBytes() <= RETAIN_BYTES, `after the large pass: ${maxPlusMemoryBytes()} bytes kept`);

  const again = forward(small, 3)!;
  assert.deepEqual(again.got, naiveForward(small, again.x, again.f));
  assert.ok(maxPlusMemoryBytes() > 0 && maxPlusMemoryBytes() <= RETAIN_BYTES);
});

// A module that fails to compile falls back to JS loops with a warning, and the kernel tests would
// still pass on those. Node >= 16.4 has WebAssembly SIMD (the wasm training kernels need it), so
// the module must compile.
test('the max-plus module compiles (else Dilation2D silently runs its JS loops)', () => {
  assert.doesNotThrow(() => compile(maxplusModuleBytes()));
});
