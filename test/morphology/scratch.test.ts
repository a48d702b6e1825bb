import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RETAIN_BYTES, uninitializedFloat32 } from '../../src/memory';
import {
  blackTopHat,
  closing,
  dilate,
  erode,
  footprint,
  morphologicalGradient,
  opening,
  whiteTopHat,
} from '../../src/morphology';
import { intermediateBytes } from '../../src/morphology/compose';
import { scratchBytes } from '../../src/morphology/extremumFilter';
import { kernelHeapBytes, kernels } from '../../src/morphology/kernels';
import { Random } from '../../src/random';
import { bruteForce, firstMismatch } from './oracle';

function noise(rows: number, cols: number, seed: number) {
  const rng = new Random(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.next()) };
}

test(`kernel scratch heap: a filter needing > RETAIN_BYTES=${RETAIN_BYTES} keeps <= RETAIN_BYTES; the next equals brute force`, () => {
  // disk(80) on 900x900: 161 chords of ~80 distinct lengths, one table per length in each tile
  const big = noise(900, 900, 1);
  const disk = footprint.disk(80);
  const need = scratchBytes(big.rows, big.cols, disk.chords);
  assert.ok(need > RETAIN_BYTES, `the large call needs ${need} bytes of scratch`);
  erode(big, disk);
  assert.ok(kernelHeapBytes() <= RETAIN_BYTES, `after the large call: ${kernelHeapBytes()} bytes kept`);

  const small = noise(40, 50, 2);
  const fp = footprint.ellipse(5, 7);
  const got = erode(small, fp, { border: 'reflect' });
  assert.equal(firstMismatch(got.data, bruteForce(small, fp, 'erode', 'reflect')), -1);
  const kept = kernelHeapBytes();
  assert.ok(kept > 0 && kept <= RETAIN_BYTES, `after the small call: ${kept} bytes kept`);
  // below the bound the heap is reused, not remade: a second small call keeps the same kernel set
  const k = kernels();
  dilate(small, fp);
  assert.equal(kernels(), k);
});

test('opening runs fused (no intermediate grid); unfusable calls keep theirs only up to RETAIN_BYTES', () => {
  opening(noise(64, 64, 3), footprint.rect(3, 3));
  assert.equal(intermediateBytes(), 0, 'a fused opening needs no intermediate grid');
  // A footprint holding only the pixel two rows down and two right of its anchor, on 2-row grids
  // with 'reflect': the dilation's top margin mirrors intermediate rows the tile does not hold, so
  // these run as two steps through the intermediate buffer.
  const corner = footprint.fromMask([...Array.from({ length: 4 }, () => [0, 0, 0, 0, 0] as const), [0, 0, 0, 0, 1]]);
  const opts = { border: 'reflect' } as const;
  const small = noise(2, 64, 4);
  opening(small, corner, opts);
  assert.equal(intermediateBytes(), 4 * 2 * 64, 'the small intermediate is kept for reuse');
  // 2 x 8388609 float32 = 67.1 MB > 64 MiB
  const big = noise(2, 8388609, 5);
  const opened = opening(big, corner, opts);
  assert.ok(4 * big.data.length > RETAIN_BYTES);
  assert.equal(intermediateBytes(), 4 * 2 * 64, `after ${big.rows}x${big.cols}: the large intermediate is not kept`);
  assert.equal(firstMismatch(opened.data, dilate(erode(big, corner, opts), corner, opts).data), -1);
  const again = opening(small, corner, opts);
  assert.equal(firstMismatch(again.data, dilate(erode(small, corner, opts), corner, opts).data), -1);
});

test('every operator writes each element of its result: fresh outputs are not zeroed, so a NaN-filled out= must come back finite and equal to the fresh result', () => {
  const ops = { erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient };
  // rect 3x3 and a line run the one-pass kernels, the disc the chord tables; 'reflect' on 2 rows
  // with a tall footprint cannot be fused (two passes through the intermediate grid)
  const cases = [
    { g: noise(37, 53, 4), fp: footprint.rect(3, 3), border: 'ignore' as const },
    { g: noise(37, 53, 5), fp: footprint.line(9, 'time'), border: 'reflect' as const },
    { g: noise(37, 53, 6), fp: footprint.disk(4), border: 'replicate' as const },
    { g: noise(2, 40, 7), fp: footprint.rect(7, 3), border: 'reflect' as const },
  ];
  for (const [name, op] of Object.entries(ops)) {
    for (const { g, fp, border } of cases) {
      const label = `${name} ${fp.rows}x${fp.cols} on ${g.rows}x${g.cols} ${border}`;
      const out = new Float32Array(g.data.length).fill(Number.NaN);
      op(g, fp, { border, out });
      assert.equal(out.findIndex(Number.isNaN), -1, `${label}: an element of out= was not written`);
      assert.deepEqual(op(g, fp, { border }).data, out, `${label}: the fresh result differs from out=`);
    }
  }
});

test('uninitializedFloat32 gives an array of its own (not a pooled Buffer slice) of the length asked', () => {
  for (const n of [0, 1, 7, 1000, 257 * 6001]) {
    const a = uninitializedFloat32(n);
    assert.ok(a instanceof Float32Array);
    assert.equal(a.length, n);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 4 * n, `n=${n}: the array must own its whole ArrayBuffer`);
  }
});
