import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGrid, createGrid, gridFromRows, withData, firstNonFinite } from '../src/grid';

test('gridFromRows 2x3 is row-major', () => {
  const g = gridFromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual([g.rows, g.cols, Array.from(g.data)], [2, 3, [1, 2, 3, 4, 5, 6]]);
});

test('checkGrid rejects data of the wrong length, naming it', () => {
  assert.throws(
    () => checkGrid({ rows: 2, cols: 2, data: new Float32Array(3) }, 'g'),
    /g\.data\.length=3 must equal rows\*cols=4/,
  );
  assert.throws(() => createGrid(0, 3), /rows=0 must be a positive integer/);
});

test('withData keeps spectrogram metadata and overrides unit', () => {
  const s = {
    ...createGrid(1, 2),
    sampleRate: 16000,
    hopLength: 160,
    frequencies: new Float64Array(1),
    times: new Float64Array(2),
    scale: 'linear' as const,
    unit: 'power' as const,
  };
  const out = withData(s, new Float32Array([1, 2]), 'dB');
  assert.equal(out.unit, 'dB');
  assert.equal(out.sampleRate, 16000);
  assert.equal(firstNonFinite(new Float32Array([0, NaN])), 1);
});

test('firstNonFinite finds the first NaN or +-Infinity at every position (the 4-way sums and the tail), -1 when none', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (let at = 0; at < 11; at++) {
      const x = new Float32Array(11).map((_, i) => (i % 2 ? -0 : i - 5));
      x[at] = bad;
      if (at + 3 < 11) x[at + 3] = NaN;
      assert.equal(firstNonFinite(x), at, `${bad} at ${at}`);
    }
  }
  assert.equal(firstNonFinite(new Float32Array([1e38, -1e38, 3.4e38, -0, 0, 5, 6, 7, 8])), -1);
  assert.equal(firstNonFinite([1, 2, 3, 4, 5, NaN]), 5);
});
