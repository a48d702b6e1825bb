import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyMask,
  binaryClosing,
  binaryDilate,
  binaryErode,
  binaryOpening,
  footprint,
  maskToGrid,
  threshold,
  thresholdValue,
  type BinaryMask,
} from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { f32, reference } from './fixtures';

const ref = reference();

for (const t of ref.thresholds) {
  test(`thresholdValue otsu bins=256/64, percentiles on ${t.rows}x${t.cols} ${t.kind} = skimage/numpy exactly`, () => {
    const g: Grid = { rows: t.rows, cols: t.cols, data: f32(t.data) };
    assert.equal(thresholdValue(g, { method: 'otsu' }), t.otsu256);
    assert.equal(thresholdValue(g, { method: 'otsu', bins: 64 }), t.otsu64);
    for (const [p, v] of Object.entries(t.percentiles))
      assert.equal(thresholdValue(g, { method: 'percentile', p: Number(p) }), v, `p=${p}`);
    const m = threshold(g, { method: 'otsu' });
    assert.equal(m.threshold, t.otsu256);
    assert.deepEqual(
      Array.from(m.data),
      Array.from(g.data, (v) => (v > t.otsu256 ? 1 : 0)),
    );
  });
}

test('otsu of a constant image is that value (skimage); fixed threshold is strict >', () => {
  const g: Grid = { rows: 2, cols: 2, data: new Float32Array(4).fill(-3) };
  assert.equal(thresholdValue(g, { method: 'otsu' }), -3);
  assert.deepEqual(Array.from(threshold(g, { method: 'fixed', value: -3 }).data), [0, 0, 0, 0]);
});

test('threshold rejects bad methods and values, naming them', () => {
  const g: Grid = { rows: 1, cols: 2, data: Float32Array.from([0, 1]) };
  assert.throws(() => thresholdValue(g, { method: 'percentile', p: 101 }), /p=101 must be in \[0, 100\]/);
  assert.throws(() => thresholdValue(g, { method: 'otsu', bins: 0 }), /bins=0 must be an integer >= 2/);
  // skimage raises for one bin too: there is no split of a single bin
  assert.throws(() => thresholdValue(g, { method: 'otsu', bins: 1 }), /bins=1 must be an integer >= 2/);
  assert.throws(() => thresholdValue(g, { method: 'otsu', bins: '64' as never }), /bins="64" must be an integer >= 2/);
  assert.throws(
    () => thresholdValue(g, { method: 'mean' } as never),
    /method\.method="mean" must be 'fixed', 'percentile' or 'otsu'/,
  );
  assert.throws(() => thresholdValue(g, { method: 'fixed', value: NaN }), /value=NaN must be a finite number/);
  assert.throws(
    () => thresholdValue({ rows: 1, cols: 2, data: Float32Array.from([0, NaN]) }, { method: 'otsu' }),
    /grid\.data\[1\]=NaN \(row 0, col 1\)/,
  );
});

for (const b of ref.binary) {
  test(`binary erode/dilate/open/close ${b.footprint} ${b.rows}x${b.cols} = skimage (ignore), scipy (0)`, () => {
    const m: BinaryMask = { rows: b.rows, cols: b.cols, data: Uint8Array.from(b.data) };
    const fp = footprint.fromMask(b.mask);
    assert.deepEqual(Array.from(binaryErode(m, fp).data), b.skimage.binary_erosion);
    assert.deepEqual(Array.from(binaryDilate(m, fp).data), b.skimage.binary_dilation);
    assert.deepEqual(Array.from(binaryOpening(m, fp).data), b.skimage.binary_opening);
    assert.deepEqual(Array.from(binaryClosing(m, fp).data), b.skimage.binary_closing);
    assert.deepEqual(Array.from(binaryErode(m, fp, { border: { constant: 0 } }).data), b.scipyErosion0);
    assert.deepEqual(Array.from(binaryDilate(m, fp, { border: { constant: 0 } }).data), b.scipyDilation0);
  });
}

test('binary ops reject non-0/1 masks; applyMask floors outside the mask; maskToGrid keeps metadata', () => {
  assert.throws(
    () => binaryErode({ rows: 1, cols: 2, data: Uint8Array.from([0, 2]) }, footprint.rect(1, 1)),
    /mask\.data\[1\]=2 must be 0 or 1/,
  );
  const g: Grid = { rows: 1, cols: 3, data: Float32Array.from([-5, 2, 7]) };
  const m: BinaryMask = { rows: 1, cols: 3, data: Uint8Array.from([0, 1, 1]) };
  assert.deepEqual(
    Array.from(applyMask(g, m).data),
    [-5, 2, 7].map((v, i) => (m.data[i] ? v : -5)),
  );
  assert.deepEqual(Array.from(applyMask(g, m, { fill: -80 }).data), [-80, 2, 7]);
  assert.deepEqual(Array.from(maskToGrid(m).data), [0, 1, 1]);
});

test('percentile by selection equals the sort-based definition (numpy linear), ties and ends included', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.integer({ min: -3, max: 3 }),
          fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        ),
        { minLength: 1, maxLength: 60 },
      ),
      fc.oneof(fc.constantFrom(0, 50, 100), fc.double({ min: 0, max: 100, noNaN: true })),
      (values, p) => {
        const data = Float32Array.from(values);
        const s = Float32Array.from(data).sort();
        const h = ((s.length - 1) * p) / 100;
        const lo = Math.floor(h);
        const hi = Math.min(lo + 1, s.length - 1);
        const t = h - lo;
        const want = t >= 0.5 ? s[hi] - (s[hi] - s[lo]) * (1 - t) : s[lo] + (s[hi] - s[lo]) * t;
        assert.equal(thresholdValue({ rows: 1, cols: data.length, data }, { method: 'percentile', p }), want);
      },
    ),
    { numRuns: 500, seed: 9 },
  );
});

test('threshold methods refuse unknown fields, and the binary operators and applyMask unknown options', () => {
  const g: Grid = { rows: 1, cols: 3, data: Float32Array.from([0, 1, 10]) };
  assert.throws(
    () => thresholdValue(g, { method: 'fixed', val: 3 } as never),
    /^ParameterError: method \{method: 'fixed'\}: unknown option val; did you mean value\? \(options: method, value\)$/,
  );
  assert.throws(
    () => threshold(g, { method: 'otsu', nbins: 8 } as never),
    /^ParameterError: method \{method: 'otsu'\}: unknown option nbins; did you mean bins\?/,
  );
  assert.throws(
    () => threshold(g, 'otsu' as never),
    /^ParameterError: method="otsu" must be \{method: 'fixed' \| 'percentile' \| 'otsu', \.\.\.\}$/,
  );
  assert.throws(
    () => thresholdValue(g, { method: 'fixed', value: '3' as never }),
    /^ParameterError: value="3" must be a finite number$/,
  );
  const m: BinaryMask = { rows: 1, cols: 3, data: Uint8Array.from([0, 1, 1]) };
  const fp = footprint.rect(1, 3);
  for (const [name, op] of Object.entries({ binaryErode, binaryDilate, binaryOpening, binaryClosing }))
    assert.throws(
      () => op(m, fp, { borders: 'reflect' } as never),
      new RegExp(`^ParameterError: ${name}: unknown option borders; did you mean border\\? \\(options: border\\)$`),
    );
  assert.throws(
    () => applyMask(g, m, { fil: 0 } as never),
    /^ParameterError: applyMask: unknown option fil; did you mean fill\?/,
  );
  assert.throws(
    () => applyMask(g, m, { fill: '0' as never }),
    /^ParameterError: fill="0" must be a number \(not NaN\)$/,
  );
  assert.deepEqual(Array.from(applyMask(g, m, { fill: -1 }).data), [-1, 1, 10]);
});
