import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockEdges, cellEdges, decimate } from '../../src/notebook/decimate';
import { compactZ, decodeTypedArray, encodeF4, encodeF8, expandZ } from '../../src/notebook/encode';
import { Random } from '../../src/random';

function randomGrid(rows: number, cols: number, seed: number): { rows: number; cols: number; data: Float32Array } {
  const rng = new Random(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.normal() * 20 - 40) };
}

test('encodeF4 rows=3 cols=4 with NaN, ±Inf, -0 and subnormals decodes to the same float32 bits', () => {
  const v = new Float32Array([1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4e38, -123.456, 0.1, 2 ** -126, 7, -7]);
  const spec = encodeF4(v, [3, 4]);
  assert.equal(spec.dtype, 'f4');
  assert.equal(spec.shape, '3,4');
  const { values, shape } = decodeTypedArray(spec);
  assert.deepEqual(shape, [3, 4]);
  const back = Float32Array.from(values);
  assert.deepEqual(new Uint32Array(back.buffer), new Uint32Array(v.buffer));
});

test('encodeF4 bdata is little-endian float32 in base64 (the layout plotly.js decodes)', () => {
  const v = new Float32Array([1, -2.5]);
  const bytes = Buffer.from(encodeF4(v).bdata, 'base64');
  assert.equal(bytes.length, 8);
  assert.equal(bytes.readFloatLE(0), 1);
  assert.equal(bytes.readFloatLE(4), -2.5);
});

test('encodeF8 1-D round trip is exact', () => {
  const v = Float64Array.from({ length: 33 }, (_, i) => Math.PI * i - 1e-300);
  assert.deepEqual(decodeTypedArray(encodeF8(v)).values, v);
});

test('encodeF4 shape=2x2 for 3 values throws naming shape', () => {
  assert.throws(() => encodeF4(new Float32Array(3), [2, 2]), /shape=2x2 must hold values.length=3/);
});

test('decodeTypedArray dtype=i8 throws naming dtype', () => {
  assert.throws(() => decodeTypedArray({ dtype: 'i8' as 'f4', bdata: '' }), /dtype="i8"/);
});

function naivePool(
  g: { rows: number; cols: number; data: Float32Array },
  fr: number,
  fc: number,
  mode: 'max' | 'mean' | 'absmax',
): Float32Array {
  const rows = Math.ceil(g.rows / fr);
  const cols = Math.ceil(g.cols / fc);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const vals: number[] = [];
      for (let rr = r * fr; rr < Math.min(g.rows, r * fr + fr); rr++)
        for (let cc = c * fc; cc < Math.min(g.cols, c * fc + fc); cc++) vals.push(g.data[rr * g.cols + cc]);
      out[r * cols + c] =
        mode === 'max'
          ? Math.max(...vals)
          : mode === 'absmax'
            ? vals.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a))
            : vals.reduce((a, b) => a + b, 0) / vals.length;
    }
  return out;
}

for (const pooling of ['max', 'mean', 'absmax'] as const) {
  test(`decimate rows=37 cols=101 maxRows=10 maxCols=20 pooling=${pooling} equals a naive block reduce`, () => {
    const g = randomGrid(37, 101, 3);
    const d = decimate(g, { maxRows: 10, maxCols: 20, pooling, maxCells: 1e6 });
    assert.deepEqual(d.factor, [4, 6]);
    assert.equal(d.grid.rows, 10);
    assert.equal(d.grid.cols, 17);
    const want = naivePool(g, 4, 6, pooling);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(d.grid.data[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])), `cell ${i}`);
    assert.equal(d.colCoords[16], 98); // last, partial block: columns 96..100
  });
}

test('decimate rows=257 cols=1001 default budget mean-pools 2x5 to 129x201 (<= 26000 cells); 129x201 stays whole', () => {
  const d = decimate(randomGrid(257, 1001, 1));
  assert.equal(d.pooling, 'mean');
  assert.deepEqual(d.factor, [2, 5]);
  assert.deepEqual([d.grid.rows, d.grid.cols], [129, 201]);
  assert.ok(d.grid.rows * d.grid.cols <= 26000);
  assert.deepEqual(
    decimate(randomGrid(129, 201, 2)).factor,
    [1, 1],
    'a 2 s clip at 8 kHz (129x201) is shown at full resolution',
  );
});

test('decimate pooling=absmax keeps the sign of the largest magnitude; mean of a +/- block cancels; max would dilate', () => {
  // One column of +5 next to one of -9: a signed difference, pooled 1x2.
  const g = { rows: 1, cols: 4, data: new Float32Array([5, -9, -1, 2]) };
  assert.deepEqual(Array.from(decimate(g, { maxCols: 2, pooling: 'absmax' }).grid.data), [-9, 2]);
  assert.deepEqual(Array.from(decimate(g, { maxCols: 2, pooling: 'mean' }).grid.data), [-2, 0.5]);
  assert.deepEqual(Array.from(decimate(g, { maxCols: 2, pooling: 'max' }).grid.data), [5, 2]);
});

test('decimate skips NaN cells and gives NaN for all-NaN blocks', () => {
  const g = { rows: 2, cols: 4, data: new Float32Array([NaN, 1, NaN, NaN, 3, NaN, NaN, NaN]) };
  const d = decimate(g, { maxRows: 1, maxCols: 2, pooling: 'mean' });
  assert.equal(d.grid.data[0], 2);
  assert.ok(Number.isNaN(d.grid.data[1]));
});

for (const pooling of ['max', 'mean', 'absmax'] as const) {
  test(`decimate pooling=${pooling} skips -Infinity and +Infinity like NaN; a block of only non-finite cells gives NaN`, () => {
    const g = { rows: 1, cols: 6, data: new Float32Array([-Infinity, 2, 4, Infinity, -Infinity, NaN]) };
    const d = decimate(g, { maxCols: 2, pooling });
    assert.deepEqual(d.factor, [1, 3]);
    assert.equal(d.grid.data[0], pooling === 'mean' ? 3 : 4);
    assert.ok(Number.isNaN(d.grid.data[1]));
  });
}

test('cellEdges/blockEdges: edges half-way between centres; blocks of 4 over 10 cells end at the last cell edge, not past it', () => {
  const e = cellEdges(
    Float64Array.from({ length: 10 }, (_, i) => i * 0.01),
    [0, 0],
  );
  assert.equal(e.length, 11);
  assert.ok(Math.abs(e[0] + 0.005) < 1e-12 && Math.abs(e[10] - 0.095) < 1e-12);
  const b = blockEdges(e, 4);
  assert.deepEqual(Array.from(b), [e[0], e[4], e[8], e[10]]);
  assert.deepEqual(Array.from(cellEdges([7], [6.5, 8])), [6.5, 8]);
});

test('decimate maxRows=0 and pooling=median throw naming the option', () => {
  const g = randomGrid(4, 4, 1);
  assert.throws(() => decimate(g, { maxRows: 0 }), /maxRows=0 must be a positive integer/);
  assert.throws(() => decimate(g, { pooling: 'median' as 'max' }), /pooling="median" must be one of mean, absmax, max/);
});

test('compactZ: 16-bit codes read back within (max - min) / 131068 of the f4 values, NaN kept, half the bytes', () => {
  const g = randomGrid(40, 70, 9);
  const values = Float32Array.from(g.data, (v, i) => (i === 5 ? NaN : v * 80 - 80));
  const spec = encodeF4(values, [40, 70]);
  const z = compactZ(spec);
  assert.equal(z.shape, '40,70');
  const back = expandZ(z);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const bound = (hi - lo) / 131068 + 1e-5;
  values.forEach((v, i) =>
    Number.isNaN(v)
      ? assert.ok(Number.isNaN(back[i]))
      : assert.ok(Math.abs(back[i] - v) <= bound, `cell ${i}: ${back[i]} vs ${v}`),
  );
  assert.ok(Math.abs(z.bdata.length / spec.bdata.length - 0.5) < 0.01);
});

test('compactZ over the shown range [0, 1] with values beyond it: in-range cells within 1/122876, below/above keep their side, NaN and ±Inf are gaps', () => {
  const values = new Float32Array(64 * 80).map((_, i) => (i % 80) / 79);
  values[0] = 1e6;
  values[1] = -5e3;
  values[2] = NaN;
  values[3] = -Infinity;
  const z = compactZ(encodeF4(values, [64, 80]), [0, 1]);
  const back = expandZ(z);
  for (let i = 4; i < values.length; i++) assert.ok(Math.abs(back[i] - values[i]) <= 1 / 122876, `cell ${i}`);
  assert.ok(back[0] > 1 && Math.abs(back[0] - 1e6) < 1e6 / 2000, `above: ${back[0]}`);
  assert.ok(back[1] < 0 && Math.abs(back[1] + 5e3) < 5e3 / 2000, `below: ${back[1]}`);
  assert.ok(Number.isNaN(back[2]) && Number.isNaN(back[3]));
  // Data wholly inside the shown range: quantised over its own range, as without one.
  const inside = compactZ(encodeF4(new Float32Array([0.25, 0.5, 0.75]), [1, 3]), [0, 1]);
  assert.deepEqual(inside.pieces, [[0, 0.25, 0.5 / 65534]]);
});
