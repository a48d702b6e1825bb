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

test(`opening's intermediate grid is kept between calls only up to RETAIN_BYTES=${RETAIN_BYTES}`, () => {
  const small = noise(64, 64, 3);
  const fp = footprint.rect(3, 3);
  opening(small, fp);
  assert.equal(intermediateBytes(), 4 * 64 * 64, 'the small intermediate is kept for reuse');
  // 4097 x 4097 float32 = 67.1 MB > 64 MiB
  const big = { rows: 4097, cols: 4097, data: new Float32Array(4097 * 4097) };
  for (let i = 0; i < big.data.length; i += 4099) big.data[i] = 1; // sparse bright dots: opening removes them
  const opened = opening(big, fp);
  assert.ok(4 * big.data.length > RETAIN_BYTES);
  assert.equal(intermediateBytes(), 4 * 64 * 64, `after ${big.rows}x${big.cols}: the large intermediate is not kept`);
  assert.ok(
    opened.data.every((v) => v === 0),
    'isolated one-pixel dots are removed by a 3x3 opening',
  );
  const again = opening(small, fp);
  assert.equal(firstMismatch(again.data, dilate(erode(small, fp), fp).data), -1);
});
