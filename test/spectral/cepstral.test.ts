import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mfcc, lfcc, lfccPreset, baselineDeltas, dctMatrix, MfccOptions, LfccOptions } from '../../src/spectral';
import { gridFromRows } from '../../src/grid';
import { arr, cases, describe, maxAbsError, signal } from './fixtures';

// Cepstra are DCTs of dB / log10 values: compared in absolute terms, 1e-3 (dB-scale) for MFCC and
// 1e-4 (log10 scale, i.e. 1e-3 dB) for LFCC.
for (const c of cases('mfcc')) {
  test(`mfcc ${c.signal} ${describe(c.opts)} equals librosa.feature.mfcc`, () => {
    const { x } = signal(c.signal!);
    const m = mfcc(x, c.opts as unknown as MfccOptions);
    assert.deepEqual([m.rows, m.cols], (c.mfcc as { shape: number[] }).shape);
    assert.ok(maxAbsError(m.data, arr(c.mfcc)) <= 1e-3, `max error ${maxAbsError(m.data, arr(c.mfcc))}`);
    assert.deepEqual([m.scale, m.unit, m.frequencies[1]], ['cepstral', 'coefficient', 1]);
  });
}

for (const c of cases('lfcc')) {
  test(`lfcc ${c.signal} ${describe(c.opts)} equals the ASVspoof 2019 baseline formula`, () => {
    const { x } = signal(c.signal!);
    const l = lfcc(x, c.opts as unknown as LfccOptions);
    assert.deepEqual([l.rows, l.cols], (c.lfcc as { shape: number[] }).shape);
    assert.ok(maxAbsError(l.data, arr(c.lfcc)) <= 1e-4, `max error ${maxAbsError(l.data, arr(c.lfcc))}`);
  });
}

test('lfcc asvspoof2019 preset: 60 rows, 20 ms / 10 ms framing, explicit fields override it', () => {
  const { x } = signal('s16k');
  const p = lfccPreset('asvspoof2019', 16000);
  assert.deepEqual(
    [p.winLength, p.hopLength, p.nFft, p.nFilters, p.nLfcc, p.preEmphasis, p.deltaWidth],
    [320, 160, 512, 20, 20, 0.97, 3],
  );
  const l = lfcc(x, { preset: 'asvspoof2019', sampleRate: 16000 });
  assert.equal(l.rows, 60);
  assert.equal(l.cols, 1 + Math.floor((x.length - 512) / 160));
  const s = lfcc(x, { preset: 'asvspoof2019', sampleRate: 16000, deltas: false });
  assert.equal(s.rows, 20);
  assert.deepEqual(s.data, l.data.subarray(0, 20 * l.cols));
});

test('baselineDeltas width=3 is x[t+1] - x[t-1] with repeated edges', () => {
  const d = baselineDeltas(gridFromRows([[1, 4, 9, 16]]));
  assert.deepEqual(Array.from(d.data), [4 - 1, 9 - 1, 16 - 4, 16 - 9]);
  const d5 = baselineDeltas(gridFromRows([[0, 1, 2, 3, 4]]), { width: 5 });
  assert.deepEqual(Array.from(d5.data), [1 + 2 * 2, 2 + 2 * 3, 2 + 2 * 2 * 2, 2 + 2 * 3, 1 + 2 * 2]);
  assert.throws(() => baselineDeltas(gridFromRows([[1]]), { width: 4 }), /width=4 must be an odd integer >= 3/);
});

test('dctMatrix is orthonormal (M M^T = I)', () => {
  const n = 13;
  const m = dctMatrix(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12);
    }
});

test('mfcc / lfcc argument errors name the argument and value', () => {
  const x = signal('s16k').x;
  assert.throws(() => mfcc(x, { nFft: 512, sampleRate: 16000, nMels: 10, nMfcc: 20 }), /nMfcc=20 must be <= nMels=10/);
  assert.throws(() => mfcc(x, { nFft: 512, sampleRate: 16000, dctType: 3 as never }), /dctType=3 is not supported/);
  assert.throws(() => lfcc(x, { sampleRate: 16000, nFft: 512, nLfcc: 30 }), /nLfcc=30 must be <= nFilters=20/);
  assert.throws(
    () => lfcc(x, { sampleRate: 16000, nFft: 512, preEmphasis: 1.5 }),
    /preEmphasis=1.5 must be a number in \[0, 1\)/,
  );
  assert.throws(
    () => lfcc(x, { sampleRate: 16000, preset: 'asvspoof2021' as never }),
    /preset="asvspoof2021" must be 'asvspoof2019'/,
  );
});

test('mfcc, lfcc and baselineDeltas refuse unknown options, naming the near miss', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  assert.throws(
    () => mfcc(x, { sampleRate: 16000, nMfccs: 13 } as never),
    /^ParameterError: mfcc: unknown option nMfccs; did you mean nMfcc\? \(options: /,
  );
  assert.throws(
    () => mfcc(x, { sampleRate: 16000, n_mfcc: 13 } as never),
    /mfcc: unknown option n_mfcc; did you mean nMfcc\?/,
  );
  // mfcc takes the mel spectrogram's and the dB conversion's options too
  assert.equal(mfcc(x, { sampleRate: 16000, nMfcc: 13, nMels: 40, topDb: 60, ref: 1 }).rows, 13);
  assert.throws(
    () => lfcc(x, { sampleRate: 16000, nFft: 512, n_filters: 20 } as never),
    /^ParameterError: lfcc: unknown option n_filters; did you mean nFilters\? \(options: /,
  );
  assert.throws(
    () => baselineDeltas(gridFromRows([[1, 2, 3]]), { widht: 5 } as never),
    /^ParameterError: baselineDeltas: unknown option widht; did you mean width\? \(options: width\)$/,
  );
});

test('mfcc / lfcc / baselineDeltas string values are echoed in quotes', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  assert.throws(
    () => mfcc(x, { sampleRate: 16000, lifter: '22' as never }),
    /^ParameterError: lifter="22" must be a finite number >= 0$/,
  );
  assert.throws(
    () => mfcc(x, { sampleRate: 16000, dctType: '2' as never }),
    /^ParameterError: dctType="2" is not supported/,
  );
  assert.throws(
    () => lfcc(x, { sampleRate: 16000, nFft: 512, deltas: 'yes' as never }),
    /^ParameterError: deltas="yes" must be a boolean$/,
  );
  assert.throws(
    () => baselineDeltas(gridFromRows([[1, 2, 3]]), { width: '3' as never }),
    /^ParameterError: width="3" must be an odd integer >= 3$/,
  );
});
