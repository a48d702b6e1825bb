import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amplitudeToDb, powerToDb } from '../../src/spectral';
import { simdDb } from '../../src/spectral/simdDb';
import { Random } from '../../src/random';

/** The float64 definition: 10 log10(max(v, amin)) - 10 log10(max(amin, ref)) (v squared for amplitudes). */
function reference(x: Float32Array, ref: number, amin: number, square: boolean): Float64Array {
  const a = square ? amin * amin : amin;
  const offset = 10 * Math.log10(Math.max(a, square ? ref * ref : ref));
  return Float64Array.from(x, (s) => {
    const v = square ? s * s : s;
    return 10 * Math.log10(v > a ? v : a) - offset;
  });
}

/** Powers log-uniform over 1e-30 .. 1e30 (the float32 dB range of real spectra and far beyond). */
function wideSignal(n: number): Float32Array {
  const r = new Random(3);
  return Float32Array.from({ length: n }, () => 10 ** (-30 + 60 * r.next()));
}

function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Largest |a - b| / max(1, |b| + |offset|), the error relative to the magnitude of 10 log10(v) before
 * the reference's `offset` dB is subtracted: float32 carries ~6e-8 relative rounding at best.
 */
function maxScaledError(a: ArrayLike<number>, b: ArrayLike<number>, offset: number): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]) + Math.abs(offset)));
  return m;
}

test('SIMD powerToDb over 1e-30 .. 1e30, ref 1 and 0.37, amin 1e-10 / 1e-35: within 2e-7 relative of float64 log10', () => {
  const x = wideSignal(100_003);
  for (const ref of [1, 0.37])
    for (const amin of [1e-10, 1e-35]) {
      const d = powerToDb({ rows: 1, cols: x.length, data: x }, { ref, amin, topDb: null });
      const want = reference(x, ref, amin, false);
      // measured 1.5e-7 (4.5e-5 dB at 300 dB); 1.7e-5 dB over the usual -100 .. +100 dB
      const off = 10 * Math.log10(ref);
      assert.ok(
        maxScaledError(d.data, want, off) <= 2e-7,
        `ref=${ref} amin=${amin}: ${maxScaledError(d.data, want, off)}`,
      );
      const usual = want.map((v) => (Math.abs(v) <= 100 ? 1 : 0));
      assert.ok(
        maxAbsError(
          d.data.map((v, i) => v * usual[i]),
          want.map((v, i) => v * usual[i]),
        ) <= 2e-5,
      );
    }
});

test('SIMD amplitudeToDb (squares in float32) over 1e-15 .. 1e15: within 2e-7 relative of float64', () => {
  const x = wideSignal(50_001).map((v) => Math.sqrt(v));
  const d = amplitudeToDb({ rows: 1, cols: x.length, data: x }, { ref: 2, topDb: null });
  // float64 squares exactly; the float32 square (numpy's, on float32 input) adds half an ulp of v^2
  const err = maxScaledError(d.data, reference(x, 2, 1e-5, true), 20 * Math.log10(2));
  assert.ok(err <= 2e-7, `max scaled error ${err}`);
});

test('SIMD dB edge values: 0, negatives and -Infinity become the amin floor; +Infinity stays +Infinity', () => {
  const x = new Float32Array([0, -1, -1e-20, -Infinity, Infinity, 1, 1e-10, 2e-10, 100]);
  const d = powerToDb({ rows: 1, cols: x.length, data: x }, { topDb: null }).data;
  const floor = d[6]; // amin itself
  assert.ok(Math.abs(floor - -100) < 1e-5, `floor ${floor}`);
  assert.deepEqual(Array.from(d.subarray(0, 4)), [floor, floor, floor, floor]);
  assert.equal(d[4], Infinity);
  assert.equal(d[5], 0);
  assert.ok(Math.abs(d[7] - 10 * Math.log10(2e-10)) < 1e-5 && Math.abs(d[8] - 20) < 1e-5);
  const a = amplitudeToDb({ rows: 1, cols: 3, data: new Float32Array([3e19, 1e-6, 0]) }, { topDb: null }).data;
  assert.deepEqual(Array.from(a), [Infinity, floor, floor]); // amin 1e-5 squared: the same -100 dB // (3e19)^2 overflows float32, as numpy's float32 square
});

test('powerToDb and amplitudeToDb refuse a NaN (librosa would turn the whole grid to NaN), naming its index', () => {
  for (const at of [0, 5, 16386]) {
    const x = new Float32Array(16387).fill(1);
    x[4] = Infinity; // a level (+Inf dB), not an error
    x[at] = Number.NaN;
    const g = { rows: 1, cols: x.length, data: x };
    assert.throws(() => powerToDb(g), new RegExp(`^ParameterError: s\\.data\\[${at}\\]=NaN: powerToDb needs numbers`));
    assert.throws(() => amplitudeToDb(g), new RegExp(`s\\.data\\[${at}\\]=NaN: amplitudeToDb`));
  }
});

test('powerToDb and amplitudeToDb refuse an unknown option, naming the closest one', () => {
  const g = { rows: 1, cols: 2, data: new Float32Array([1, 2]) };
  assert.throws(() => powerToDb(g, { top_db: 60 } as never), /powerToDb: unknown option top_db; did you mean topDb\?/);
  assert.throws(
    () => amplitudeToDb(g, { aMin: 1e-3 } as never),
    /amplitudeToDb: unknown option aMin; did you mean amin\?/,
  );
});

test("powerToDb ref='max' is the largest power (librosa's np.max(S)), amplitudeToDb's the largest |a|", () => {
  const p = powerToDb({ rows: 1, cols: 2, data: new Float32Array([-8, 4]) }, { ref: 'max', topDb: null }).data;
  assert.ok(Math.abs(p[1]) < 1e-5, `max power 4 is 0 dB, got ${p[1]}`);
  // 10 log10(max(1e-10, -8)) - 10 log10(4), as librosa.power_to_db([-8, 4], ref=np.max, top_db=None)
  assert.ok(Math.abs(p[0] - (-100 - 10 * Math.log10(4))) < 1e-4, `negative power at the floor, got ${p[0]}`);
  const a = amplitudeToDb({ rows: 1, cols: 2, data: new Float32Array([-8, 4]) }, { ref: 'max', topDb: null }).data;
  assert.ok(
    Math.abs(a[0]) < 1e-5 && Math.abs(a[1] - 20 * Math.log10(0.5)) < 1e-4,
    `amplitudes -8, 4: ${Array.from(a)}`,
  );
});

test('SIMD dB, lengths 1, 3, 5 and 16387 (not multiples of 4, across chunks): topDb clips at the true maximum', () => {
  const r = new Random(11);
  for (const n of [1, 3, 5, 16384 + 3]) {
    // the maximum is the last value, in the last (partial) vector, the rest far below it
    const x = Float32Array.from({ length: n }, () => 1e-6 * (1 + r.next()));
    x[n - 1] = 1e-2;
    const d = powerToDb({ rows: 1, cols: n, data: x }, { ref: 'max', topDb: 30 }).data;
    const want = reference(x, 1e-2, 1e-10, false).map((v) => Math.max(v, -30));
    assert.ok(maxAbsError(d, want) <= 4e-5, `n=${n}: max error ${maxAbsError(d, want)}`);
    assert.equal(d[n - 1], 0);
    if (n > 1) assert.equal(Math.min(...d.subarray(0, n - 1)), -30, `n=${n}: clipped at max - topDb`);
    const copy = x.slice();
    assert.deepEqual(powerToDb({ rows: 1, cols: n, data: copy }, { ref: 'max', topDb: 30, out: copy }).data, d);
  }
});

test('simdDb declines amin below float32 normals (subnormal); powerToDb then uses Math.log10 exactly', () => {
  const x = new Float32Array([0, 1e-39, 1e-3, 5]);
  assert.equal(simdDb(x, new Float32Array(4), 1e-40, 0, false, null), false);
  const d = powerToDb({ rows: 1, cols: 4, data: x }, { amin: 1e-40, topDb: null }).data;
  assert.deepEqual(d, Float32Array.from(reference(x, 1, 1e-40, false)));
});
