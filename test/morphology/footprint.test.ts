import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blackTopHat,
  closing,
  closingByReconstruction,
  dilate,
  erode,
  footprint,
  footprintRows,
  morphologicalGradient,
  opening,
  openingByReconstruction,
  whiteTopHat,
} from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { ParameterError } from '../../src/errors';
import { bruteForce, firstMismatch } from './oracle';

test('footprint.rect 3x5: all ones, anchor (1, 2), one chord per row, rect path', () => {
  const fp = footprint.rect(3, 5);
  assert.deepEqual([fp.rows, fp.cols, fp.anchorRow, fp.anchorCol, fp.size, fp.isRect], [3, 5, 1, 2, 15, true]);
  assert.deepEqual(
    fp.chords.map((c) => [c.dr, c.dc, c.length]),
    [
      [-1, -2, 5],
      [0, -2, 5],
      [1, -2, 5],
    ],
  );
});

test("footprint.line 4 'time' is 1x4 and 'frequency' is 4x1, anchors at floor(n/2)", () => {
  const t = footprint.line(4, 'time');
  const f = footprint.line(4, 'frequency');
  assert.deepEqual([t.rows, t.cols, t.anchorRow, t.anchorCol, t.isRect, t.kind], [1, 4, 0, 2, true, 'line']);
  assert.deepEqual([f.rows, f.cols, f.anchorRow, f.anchorCol, f.isRect], [4, 1, 2, 0, true]);
});

test('footprint.fromMask: all-ones detected as rect; even-sized anchor floor(n/2); chords split runs', () => {
  assert.equal(
    footprint.fromMask([
      [1, 1],
      [true, true],
    ]).isRect,
    true,
  );
  const fp = footprint.fromMask([
    [1, 0, 1, 1],
    [0, 0, 0, 1],
  ]);
  assert.deepEqual([fp.anchorRow, fp.anchorCol, fp.isRect, fp.size], [1, 2, false, 4]);
  assert.deepEqual(
    fp.chords.map((c) => [c.dr, c.dc, c.length]),
    [
      [-1, -2, 1],
      [-1, 0, 2],
      [0, 1, 1],
    ],
  );
  assert.deepEqual(footprintRows(fp), [
    [1, 0, 1, 1],
    [0, 0, 0, 1],
  ]);
});

test('footprint.fromMask rejects empty, ragged, all-zero and non-0/1 masks, naming the value', () => {
  assert.throws(() => footprint.fromMask([]), /mask=\[\] must be a non-empty array of rows/);
  assert.throws(() => footprint.fromMask([[]]), /mask\[0\]=\[\] must be a non-empty array/);
  assert.throws(() => footprint.fromMask([[1, 0], [1]]), /mask\[1\] has length 1; every row must have length 2/);
  assert.throws(() => footprint.fromMask([[1, 2]] as never), /mask\[0\]\[1\]=2 must be 0, 1, true or false/);
  assert.throws(() => footprint.fromMask([[0, 0]]), /footprint mask 1x2 has no ones/);
  assert.throws(() => footprint.fromMask([[0, 0]]), ParameterError);
});

test('generators reject bad sizes, naming the argument', () => {
  assert.throws(() => footprint.rect(0, 3), /rows=0 must be a positive integer/);
  assert.throws(() => footprint.ellipse(3, 2.5), /cols=2.5 must be a positive integer/);
  assert.throws(() => footprint.disk(-1), /radius=-1 must be an integer >= 0/);
  assert.throws(() => footprint.line(3, 'x' as never), /axis="x" must be 'time' or 'frequency'/);
});

test('operators reject non-finite pixels naming index, row and column; allowNonFinite lets Infinity through', () => {
  const g: Grid = { rows: 2, cols: 20, data: new Float32Array(40) };
  g.data[37] = NaN;
  assert.throws(
    () => erode(g, footprint.rect(3, 3)),
    /grid\.data\[37\]=NaN \(row 1, col 17\) is not finite; pass \{allowNonFinite: true\}/,
  );
  assert.throws(() => opening(g, footprint.disk(1)), /grid\.data\[37\]=NaN/);
  g.data[37] = Infinity;
  assert.throws(() => dilate(g, footprint.rect(1, 1)), /grid\.data\[37\]=Infinity \(row 1, col 17\)/);
  assert.equal(dilate(g, footprint.rect(1, 3), { allowNonFinite: true }).data[36], Infinity);
  // footprints that never read some pixels (anchor row or column outside) still reject them
  const h: Grid = { rows: 3, cols: 4, data: new Float32Array(12) };
  h.data[11] = NaN;
  assert.throws(() => erode(h, footprint.fromMask([[1], [0], [0]])), /grid\.data\[11\]=NaN \(row 2, col 3\)/);
  h.data[11] = 0;
  h.data[0] = -Infinity;
  assert.throws(() => dilate(h, footprint.fromMask([[0, 0, 1, 1]])), /grid\.data\[0\]=-Infinity \(row 0, col 0\)/);
});

test('operators reject bad borders, footprints and out buffers, naming them', () => {
  const g: Grid = { rows: 2, cols: 3, data: new Float32Array(6) };
  assert.throws(
    () => erode(g, footprint.rect(3, 3), { border: 'wrap' as never }),
    /border="wrap" must be 'ignore', 'replicate', 'reflect' or \{constant: number\}/,
  );
  assert.throws(
    () => erode(g, footprint.rect(3, 3), { border: { constant: NaN } }),
    /border\.constant=NaN must be a number/,
  );
  assert.throws(() => erode(g, {} as never), /footprint=\{\} must be a Footprint/);
  assert.throws(
    () => erode(g, footprint.rect(3, 3), { out: new Float32Array(5) }),
    /out\.length=5 must equal rows\*cols=6/,
  );
  assert.throws(() => erode(g, footprint.rect(3, 3), { out: g.data }), /out must not overlap the input data/);
  assert.throws(
    () => erode({ rows: 2, cols: 3, data: new Float32Array(5) }, footprint.rect(3, 3)),
    /grid\.data\.length=5 must equal rows\*cols=6/,
  );
});

test('Spectrogram metadata is kept and out buffers are used', () => {
  const s = {
    rows: 2,
    cols: 3,
    data: Float32Array.from([1, 2, 3, 4, 5, 6]),
    sampleRate: 16000,
    hopLength: 160,
    frequencies: new Float64Array([0, 8000]),
    times: new Float64Array([0, 0.01, 0.02]),
    scale: 'linear' as const,
    unit: 'dB' as const,
  };
  const out = new Float32Array(6);
  const r = erode(s, footprint.rect(1, 3), { out });
  assert.equal(r.data, out);
  assert.deepEqual(
    [r.sampleRate, r.hopLength, r.unit, r.times, r.frequencies],
    [16000, 160, 'dB', s.times, s.frequencies],
  );
  assert.equal(firstMismatch(out, bruteForce(s, footprint.rect(1, 3), 'erode')), -1);
});

test('every grey operator keeps Spectrogram metadata and honours out', () => {
  const data = Float32Array.from({ length: 4 * 9 }, (_, i) => (i * 37) % 11);
  const s = {
    rows: 4,
    cols: 9,
    data,
    sampleRate: 16000,
    hopLength: 160,
    frequencies: new Float64Array(4),
    times: new Float64Array(9),
    scale: 'mel' as const,
    unit: 'dB' as const,
  };
  const fp = footprint.ellipse(3, 5);
  const ops = {
    erode,
    dilate,
    opening,
    closing,
    whiteTopHat,
    blackTopHat,
    morphologicalGradient,
    openingByReconstruction,
    closingByReconstruction,
  };
  for (const [name, op] of Object.entries(ops)) {
    const r = op(s, fp);
    assert.deepEqual(
      [r.sampleRate, r.hopLength, r.scale, r.unit, r.times === s.times],
      [16000, 160, 'mel', 'dB', true],
      name,
    );
    if (name.endsWith('Reconstruction')) continue;
    const out = new Float32Array(data.length);
    const viaOut = (op as typeof erode)(s, fp, { out });
    assert.equal(viaOut.data, out, name);
    assert.equal(firstMismatch(out, r.data), -1, `${name} with out`);
  }
});

test('grey-level operators refuse unknown options, naming the operator and the near miss', () => {
  const g: Grid = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const fp = footprint.rect(3, 3);
  assert.throws(
    () => erode(g, fp, { borders: 'reflect' } as never),
    /^ParameterError: erode: unknown option borders; did you mean border\? \(options: border, out, allowNonFinite\)$/,
  );
  const ops = { dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient };
  for (const [name, op] of Object.entries(ops))
    assert.throws(
      () => op(g, fp, { Border: 'reflect' } as never),
      new RegExp(`^ParameterError: ${name}: unknown option Border; did you mean border\\?`),
    );
  for (const [name, op] of Object.entries({ openingByReconstruction, closingByReconstruction }))
    assert.throws(
      () => op(g, fp, { conectivity: 4 } as never),
      new RegExp(
        `^ParameterError: ${name}: unknown option conectivity; did you mean connectivity\\? \\(options: border, connectivity, allowNonFinite\\)$`,
      ),
    );
  // known names with undefined values are fine
  assert.deepEqual(erode(g, fp, { border: undefined, out: undefined }).data, erode(g, fp).data);
});

test('morphology messages quote strings and keep arrays short', () => {
  const g: Grid = { rows: 1, cols: 3, data: new Float32Array([1, 2, 3]) };
  assert.throws(() => footprint.disk('2' as never), /^ParameterError: radius="2" must be an integer >= 0$/);
  assert.throws(
    () => footprint.line(3, 'horizontal' as never),
    /^ParameterError: axis="horizontal" must be 'time' or 'frequency'$/,
  );
  assert.throws(
    () => erode(g, footprint.rect(1, 3), { allowNonFinite: 'yes' as never }),
    /^ParameterError: allowNonFinite="yes" must be a boolean$/,
  );
  assert.throws(
    () => erode(g, footprint.rect(1, 3), { border: { constant: '1' as never } }),
    /^ParameterError: border.constant="1" must be a number \(not NaN\)$/,
  );
  assert.throws(() => erode(g, [[1, 1, 1]] as never), /^ParameterError: footprint=\[\[1,1,1\]\] must be a Footprint/);
  assert.throws(
    () => footprint.fromMask([new Uint8Array(100)] as never),
    /^ParameterError: mask\[0\]=a Uint8Array of length 100 must be a non-empty array$/,
  );
  assert.throws(
    () => footprint.fromMask([[1, 'x']] as never),
    /^ParameterError: mask\[0\]\[1\]="x" must be 0, 1, true or false$/,
  );
});
