import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RETAIN_BYTES } from '../../src/memory';
import { dilate, erode, footprint, opening } from '../../src/morphology';
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
  const corner = footprint.fromMask([...Array.from({ length: 4 }, () => [0, 0, 0, 0, 0]), [0, 0, 0, 0, 1]]);
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
