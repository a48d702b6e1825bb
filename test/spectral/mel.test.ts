import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  melFilterbank,
  melSpectrogram,
  logMelSpectrogram,
  powerToDb,
  amplitudeToDb,
  hzToMel,
  melToHz,
  spectrogram,
  MelSpectrogramOptions,
  DbOptions,
} from '../../src/spectral';
import { createGrid } from '../../src/grid';
import { arr, cases, describe, maxAbsError, relMaxError, signal } from './fixtures';

// Tolerances: filterbank / power within 1e-4 of the reference maximum; dB within 1e-3 dB absolute.
const TOL = 1e-4;
const DB_TOL = 1e-3;

for (const c of cases('mel')) {
  test(`melFilterbank ${describe(c.opts)} equals librosa.filters.mel`, () => {
    const g = melFilterbank(c.opts as never);
    assert.deepEqual([g.rows, g.cols], (c.weights as { shape: number[] }).shape);
    assert.ok(relMaxError(g.data, arr(c.weights)) <= TOL, `relative error ${relMaxError(g.data, arr(c.weights))}`);
  });
}

for (const c of cases('melSpectrogram')) {
  test(`melSpectrogram ${c.signal} ${describe(c.opts)} equals librosa.feature.melspectrogram`, () => {
    const { x } = signal(c.signal!);
    const s = melSpectrogram(x, c.opts as unknown as MelSpectrogramOptions);
    assert.deepEqual([s.rows, s.cols], (c.mel as { shape: number[] }).shape);
    assert.ok(relMaxError(s.data, arr(c.mel)) <= TOL, `relative error ${relMaxError(s.data, arr(c.mel))}`);
    assert.ok(relMaxError(s.frequencies, arr(c.centres)) < 1e-6);
    assert.equal(s.scale, 'mel');
    assert.equal(s.unit, (c.opts.power ?? 2) === 2 ? 'power' : 'amplitude');
  });
}

test('melSpectrogram equals melFilterbank @ spectrogram (oracle: dense matrix product)', () => {
  const { x } = signal('s16k');
  const stftOpts = { nFft: 512, hopLength: 160, winLength: 400, sampleRate: 16000 };
  const melOpts = { nMels: 40, fMin: 100, htk: true };
  const mel = melSpectrogram(x, { ...stftOpts, ...melOpts });
  const fb = melFilterbank({ sampleRate: 16000, nFft: 512, ...melOpts });
  const p = spectrogram(x, stftOpts);
  const ref = new Float64Array(mel.rows * mel.cols);
  for (let m = 0; m < fb.rows; m++)
    for (let k = 0; k < fb.cols; k++) {
      const w = fb.data[m * fb.cols + k];
      if (w) for (let t = 0; t < p.cols; t++) ref[m * p.cols + t] += w * p.data[k * p.cols + t];
    }
  assert.ok(relMaxError(mel.data, ref) < 1e-5);
});

for (const c of cases('powerToDb')) {
  test(`powerToDb ${describe(c.opts)} equals librosa.power_to_db`, () => {
    const [rows, cols] = (c.input as { shape: number[] }).shape;
    const g = createGrid(rows, cols, arr(c.input));
    const d = powerToDb(g, c.opts as DbOptions);
    assert.ok(maxAbsError(d.data, arr(c.db)) <= DB_TOL, `max dB error ${maxAbsError(d.data, arr(c.db))}`);
  });
}
for (const c of cases('amplitudeToDb')) {
  test(`amplitudeToDb ${describe(c.opts)} equals librosa.amplitude_to_db`, () => {
    const [rows, cols] = (c.input as { shape: number[] }).shape;
    const d = amplitudeToDb(createGrid(rows, cols, arr(c.input)), c.opts as DbOptions);
    assert.ok(maxAbsError(d.data, arr(c.db)) <= DB_TOL, `max dB error ${maxAbsError(d.data, arr(c.db))}`);
  });
}

test('amplitudeToDb(a) equals powerToDb(a^2) with ref^2 and amin^2 (identity)', () => {
  const { x } = signal('s16k');
  const a = spectrogram(x, { nFft: 256, hopLength: 64, sampleRate: 16000, power: 1 });
  const p = { ...a, data: a.data.map((v) => v * v) };
  for (const ref of [1, 'max'] as const) {
    const da = amplitudeToDb(a, { ref, topDb: 60 });
    const dp = powerToDb(p, { ref: ref === 'max' ? 'max' : 1, amin: 1e-10, topDb: 60 });
    assert.ok(maxAbsError(da.data, dp.data) < 1e-3);
    assert.equal(da.unit, 'dB');
    assert.equal(da.sampleRate, 16000);
  }
});

test('logMelSpectrogram equals powerToDb(melSpectrogram) exactly', () => {
  const { x } = signal('s16k');
  const o = { nFft: 512, hopLength: 160, winLength: 400, sampleRate: 16000, nMels: 80 };
  const a = logMelSpectrogram(x, { ...o, ref: 'max' });
  const b = powerToDb(melSpectrogram(x, o), { ref: 'max' });
  assert.deepEqual(a.data, b.data);
  assert.equal(a.unit, 'dB');
});

test('hzToMel / melToHz round-trip on both scales and meet at 1 kHz = 15 Slaney mels', () => {
  for (const htk of [false, true])
    for (const f of [0, 55, 999.9, 1000, 4321, 11025])
      assert.ok(Math.abs(melToHz(hzToMel(f, htk), htk) - f) < 1e-9 * (1 + f));
  assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
});

test('mel and dB argument errors name the argument and value', () => {
  assert.throws(() => melFilterbank({ sampleRate: 16000, nFft: 512, nMels: 0 }), /nMels=0 must be a positive integer/);
  assert.throws(
    () => melFilterbank({ sampleRate: 16000, nFft: 512, fMin: 9000, fMax: 8000 }),
    /fMax=8000 must be a finite number > fMin=9000/,
  );
  assert.throws(() => melFilterbank({ sampleRate: -1, nFft: 512 }), /sampleRate=-1 must be a finite number > 0/);
  assert.throws(
    () => melFilterbank({ sampleRate: 16000, nFft: 512, norm: 'l2' as never }),
    /norm="l2" must be 'slaney' or null/,
  );
  const g = createGrid(1, 2, new Float32Array([1, 2]));
  assert.throws(() => powerToDb(g, { amin: 0 }), /amin=0 must be strictly positive/);
  assert.throws(() => powerToDb(g, { topDb: -1 }), /topDb=-1 must be a non-negative number or null/);
  assert.throws(() => powerToDb(g, { ref: 'min' as never }), /ref="min" must be a finite number > 0 or 'max'/);
  assert.throws(
    () => powerToDb({ rows: 2, cols: 2, data: new Float32Array(3) }),
    /s\.data\.length=3 must equal rows\*cols=4/,
  );
});

test('powerToDb with out = input data converts in place and equals the allocating call', () => {
  const { x } = signal('s16k');
  const p = spectrogram(x, { nFft: 256, hopLength: 64, sampleRate: 16000 });
  const expected = powerToDb(p, { ref: 'max' }).data;
  const copy = { ...p, data: p.data.slice() };
  const d = powerToDb(copy, { ref: 'max', out: copy.data });
  assert.equal(d.data, copy.data);
  assert.deepEqual(d.data, expected);
  assert.throws(
    () => powerToDb(p, { out: new Float32Array(3) }),
    /out must be a Float32Array of rows\*cols=\d+ floats, got length 3/,
  );
});

test('mel functions refuse unknown options: n_mels, sr, top_db name the near miss', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  assert.throws(
    () => melSpectrogram(x, { sampleRate: 16000, n_mels: 40 } as never),
    /^ParameterError: melSpectrogram: unknown option n_mels; did you mean nMels\? \(options: nFft, hopLength, winLength, window, center, padMode, nMels, fMin, fMax, htk, norm, sampleRate, power\)$/,
  );
  assert.throws(
    () => melSpectrogram(x, { sr: 16000 } as never),
    /melSpectrogram: unknown option sr; did you mean sampleRate\?/,
  );
  // the dB options belong to logMelSpectrogram, not to melSpectrogram
  assert.throws(
    () => melSpectrogram(x, { sampleRate: 16000, ref: 'max' } as never),
    /melSpectrogram: unknown option ref \(/,
  );
  assert.throws(
    () => logMelSpectrogram(x, { sampleRate: 16000, top_db: 60 } as never),
    /^ParameterError: logMelSpectrogram: unknown option top_db; did you mean topDb\?/,
  );
  assert.equal(logMelSpectrogram(x, { sampleRate: 16000, nMels: 40, topDb: 60, amin: 1e-8 }).rows, 40);
  assert.throws(
    () => melFilterbank({ sampleRate: 16000, nFft: 512, nmels: 40 } as never),
    /^ParameterError: melFilterbank: unknown option nmels; did you mean nMels\? \(options: nMels, fMin, fMax, htk, norm, sampleRate, nFft\)$/,
  );
});

test('mel option values that are strings are echoed in quotes', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  assert.throws(
    () => melSpectrogram(x, { sampleRate: 16000, fMin: '20' as never }),
    /^ParameterError: fMin="20" must be a finite number >= 0$/,
  );
  assert.throws(
    () => melSpectrogram(x, { sampleRate: 16000, htk: 'yes' as never }),
    /^ParameterError: htk="yes" must be a boolean$/,
  );
  assert.throws(
    () => melFilterbank({ sampleRate: 16000, nFft: 512, fMax: '8000' as never }),
    /^ParameterError: fMax="8000" must be a finite number > fMin=0$/,
  );
});
