import { test } from 'node:test';
import assert from 'node:assert/strict';
import { istft, stft, griffinLim, spectrogram, IstftOptions, GriffinLimOptions } from '../../src/spectral';
import { createGrid } from '../../src/grid';
import { arr, cases, describe, maxAbsError, relMaxError, signal } from './fixtures';

for (const c of cases('istft')) {
  test(`istft ${describe(c.opts)} equals librosa.istft (perturbed phase)`, () => {
    const [rows, cols] = (c.re as { shape: number[] }).shape;
    const y = istft({ rows, cols, re: arr(c.re), im: arr(c.im) }, c.opts as IstftOptions);
    assert.ok(relMaxError(y, arr(c.y)) <= 1e-4, `relative error ${relMaxError(y, arr(c.y))}`);
  });
}

for (const [window, nFft, hopLength, winLength, center] of [
  ['hann', 512, 128, 512, true],
  ['hann', 512, 160, 400, true],
  ['hamming', 256, 128, 256, true],
  ['blackman', 512, 128, 512, true],
  ['blackman', 256, 64, 256, false],
  ['hann', 1000, 250, 1000, true],
] as const) {
  test(`istft(stft(x)) = x, 1e-5: ${window} nFft=${nFft} hop=${hopLength} win=${winLength} center=${center}`, () => {
    const { x } = signal('s16k');
    const opts = { nFft, hopLength, winLength, window, center };
    const y = istft(stft(x, opts), { ...opts, length: x.length });
    // without centring the first and last nFft - hop samples are covered by fewer windows; a window
    // edge that is exactly 0 (hann/blackman) leaves the very first sample unrecoverable, as in librosa
    const lo = center ? 0 : nFft;
    const hi = center ? x.length : x.length - nFft;
    assert.ok(
      maxAbsError(y.subarray(lo, hi), x.subarray(lo, hi)) <= 1e-5,
      `max error ${maxAbsError(y.subarray(lo, hi), x.subarray(lo, hi))}`,
    );
  });
}

function spectralConvergence(y: Float32Array, S: Float32Array, nFft: number, hopLength: number): number {
  const a = spectrogram(y, { nFft, hopLength, sampleRate: 16000, power: 1 });
  let num = 0;
  let den = 0;
  for (let i = 0; i < S.length; i++) {
    num += (a.data[i] - S[i]) ** 2;
    den += S[i] ** 2;
  }
  return Math.sqrt(num / den);
}

for (const c of cases('griffinLim')) {
  test(`griffinLim ${describe(c.opts)} converges like librosa.griffinlim from the same initial phase`, () => {
    const [rows, cols] = (c.magnitude as { shape: number[] }).shape;
    const S = arr(c.magnitude);
    const o = c.opts as Omit<GriffinLimOptions, 'nFft' | 'hopLength'> & { nFft: number; hopLength: number };
    const y = griffinLim(createGrid(rows, cols, S), { ...o, init: arr(c.phase) });
    const sc = spectralConvergence(y, S, o.nFft, o.hopLength);
    const ref = c.spectralConvergence as number;
    assert.ok(Math.abs(sc - ref) <= 0.1 * ref, `spectral convergence ${sc} vs librosa ${ref}`);
    // same algorithm, same start: the signals themselves agree closely too
    assert.ok(relMaxError(y, arr(c.y)) < 1e-3, `signal relative error ${relMaxError(y, arr(c.y))}`);
  });
}

test('griffinLim is deterministic for a seed and improves on its random start', () => {
  const { x } = signal('gl');
  const S = spectrogram(x, { nFft: 256, hopLength: 64, sampleRate: 16000, power: 1 });
  const a = griffinLim(S, { hopLength: 64, seed: 3, nIter: 8, length: x.length });
  const b = griffinLim(S, { hopLength: 64, seed: 3, nIter: 8, length: x.length });
  assert.deepEqual(a, b);
  const start = griffinLim(S, { hopLength: 64, seed: 3, nIter: 0, length: x.length });
  assert.ok(spectralConvergence(a, S.data, 256, 64) < 0.7 * spectralConvergence(start, S.data, 256, 64));
});

test('istft / griffinLim argument errors name the argument and value', () => {
  const z = stft(new Float32Array(1000).fill(1), { nFft: 256 });
  assert.throws(() => istft(z, { nFft: 512 }), /nFft=512 does not match the spectrum's rows=129/);
  assert.throws(() => istft(z, { hopLength: -2 }), /hopLength=-2 must be a positive integer/);
  assert.throws(() => istft(z, { length: 0 }), /length=0 must be a positive integer/);
  assert.throws(
    () => istft({ rows: 2, cols: 2, re: new Float32Array(4), im: new Float32Array(3) }),
    /z.re.length=4 and z.im.length=3 must equal rows\*cols=4/,
  );
  const S = createGrid(129, 16);
  assert.throws(() => griffinLim(S, { nIter: -1 }), /nIter=-1 must be an integer >= 0/);
  assert.throws(() => griffinLim(S, { momentum: -0.5 }), /momentum=-0.5 must be a finite number >= 0/);
  assert.throws(
    () => griffinLim(S, { init: new Float32Array(3) }),
    /init.length=3 must equal magnitude rows\*cols=2064/,
  );
  assert.throws(() => griffinLim(S, { init: 'ones' as never }), /init="ones" must be 'random', 'zeros'/);
});

test('griffinLim rejects a power / dB / mel spectrogram and takes the hop from a Spectrogram', () => {
  const { x } = signal('gl');
  const p = spectrogram(x, { nFft: 256, hopLength: 64, sampleRate: 16000 });
  assert.throws(
    () => griffinLim(p),
    /magnitude must be a linear amplitude spectrogram \(spectrogram\(x, \{power: 1\}\)\), got scale='linear' unit='power'/,
  );
  const a = spectrogram(x, { nFft: 256, hopLength: 64, sampleRate: 16000, power: 1 });
  const y1 = griffinLim(a, { nIter: 2, length: x.length });
  const y2 = griffinLim({ rows: a.rows, cols: a.cols, data: a.data }, { nIter: 2, hopLength: 64, length: x.length });
  assert.deepEqual(y1, y2);
});

test('istft and griffinLim refuse unknown options; istft takes the stft options it inverts unchanged', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  const o = { nFft: 256, hopLength: 32, padMode: 'reflect' as const };
  const z = stft(x, o);
  assert.throws(
    () => istft(z, { hop_length: 32 } as never),
    /^ParameterError: istft: unknown option hop_length; did you mean hopLength\? \(options: nFft, hopLength, winLength, window, center, padMode, length\)$/,
  );
  // padMode is accepted (and has no effect on synthesis), so istft(stft(x, o), {...o}) works
  const y = istft(z, { ...o, length: x.length });
  assert.equal(y.length, x.length);
  assert.ok(maxAbsError(y, x) < 1e-5);
  const mag = spectrogram(x, { sampleRate: 16000, nFft: 256, hopLength: 64, power: 1 });
  assert.throws(
    () => griffinLim(mag, { n_iter: 2 } as never),
    /^ParameterError: griffinLim: unknown option n_iter; did you mean nIter\?/,
  );
  assert.throws(() => griffinLim(mag, { nIter: '2' as never }), /^ParameterError: nIter="2" must be an integer >= 0$/);
  assert.throws(
    () => griffinLim(mag, { init: new Float64Array(mag.rows * mag.cols) as never }),
    /^ParameterError: init=a Float64Array of length \d+ must be 'random', 'zeros' or a Float32Array of phases$/,
  );
});
