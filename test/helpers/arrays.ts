// Array comparisons shared by the tests.
import assert from 'node:assert/strict';

/** Largest |a[i] - b[i]|; the lengths must be equal. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a - b| / max |b|: relative to the reference's scale so near-zero entries don't blow it up. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / (maxAbs(b) || 1);
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** Column blocks (rows x cols each, starting at column `firstFrame`) side by side, checking they follow each other. */
export function concatBlocks(
  blocks: Iterable<{ rows: number; cols: number; data: Float32Array; firstFrame: number }>,
  rows: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(rows * cols);
  let next = 0;
  for (const b of blocks) {
    assert.equal(b.firstFrame, next);
    for (let r = 0; r < rows; r++) out.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), r * cols + b.firstFrame);
    next += b.cols;
  }
  assert.equal(next, cols);
  return out;
}
