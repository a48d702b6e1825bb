import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureWarnings } from '../helpers/warnings';
import { stft, spectrogram, getWindow, StftOptions } from '../../src/spectral';
import { arr, cases, describe, relMaxError, signal } from './fixtures';

// Tolerances (stated in the README): complex STFT and power within 1e-4 of the reference's maximum
// magnitude (max |ours - ref| / max |ref|).
const TOL = 1e-4;

for (const c of cases('stft')) {
  const opts = c.opts as unknown as StftOptions;
  test(`stft ${c.signal} ${describe(c.opts)} equals librosa`, async () => {
    const { x } = signal(c.signal!);
    // Signals shorter than nFft warn (as librosa); that warning is the only one allowed.
    let out: ReturnType<typeof stft> | undefined;
    const warnings = await captureWarnings(() => (out = stft(x, opts)));
    for (const w of warnings) assert.match(w, /is too large for input signal of length/);
    const z = out!;
    const shape = (c.re as { shape: number[] }).shape;
    assert.deepEqual([z.rows, z.cols], shape);
    const re = arr(c.re);
    const im = arr(c.im);
    // complex error |z - ref| relative to max |ref|
    let err = 0;
    let max = 0;
    for (let i = 0; i < re.length; i++) {
      err = Math.max(err, Math.hypot(z.re[i] - re[i], z.im[i] - im[i]));
      max = Math.max(max, Math.hypot(re[i], im[i]));
    }
    assert.ok(err / max <= TOL, `relative error ${err / max}`);
  });
  test(`spectrogram power ${c.signal} ${describe(c.opts)} equals |librosa.stft|^2`, () => {
    const { x } = signal(c.signal!);
    const s = spectrogram(x, { ...opts, sampleRate: 16000 });
    const re = arr(c.re);
    const im = arr(c.im);
    const ref = re.map((v, i) => v * v + im[i] * im[i]);
    assert.equal(s.unit, 'power');
    assert.ok(relMaxError(s.data, ref) <= TOL, `relative error ${relMaxError(s.data, ref)}`);
  });
}

test('spectrogram axes: bin centres and frame centres (librosa fft_frequencies / frames_to_time)', () => {
  const x = new Float32Array(1000).fill(0.5);
  const s = spectrogram(x, { nFft: 256, hopLength: 100, sampleRate: 8000 });
  assert.equal(s.rows, 129);
  assert.equal(s.cols, 11);
  assert.equal(s.frequencies[1], 8000 / 256);
  assert.equal(s.frequencies[128], 4000);
  assert.equal(s.times[3], 300 / 8000);
  assert.deepEqual([s.scale, s.hopLength, s.sampleRate], ['linear', 100, 8000]);
  const u = spectrogram(x, { nFft: 256, hopLength: 100, sampleRate: 8000, center: false, power: 1 });
  assert.equal(u.cols, 1 + Math.floor((1000 - 256) / 100));
  assert.equal(u.times[0], 128 / 8000);
  assert.equal(u.unit, 'amplitude');
});

test('spectrogram power=1 is the square root of power=2', () => {
  const { x } = signal('s16k');
  const p = spectrogram(x, { nFft: 512, hopLength: 128, sampleRate: 16000 });
  const a = spectrogram(x, { nFft: 512, hopLength: 128, sampleRate: 16000, power: 1 });
  assert.ok(
    relMaxError(
      a.data.map((v) => v * v),
      p.data,
    ) < 1e-6,
  );
});

test('spectrogram nFft=512 hop=128 out=: same values into the given buffer; a wrong length is refused', () => {
  const { x } = signal('s16k');
  const opts = { nFft: 512, hopLength: 128, sampleRate: 16000 };
  const fresh = spectrogram(x, opts);
  const out = new Float32Array(fresh.data.length).fill(NaN);
  const reused = spectrogram(x, { ...opts, out });
  assert.equal(reused.data, out);
  assert.deepEqual(reused.data, fresh.data);
  assert.throws(
    () => spectrogram(x, { ...opts, out: new Float32Array(3) }),
    new RegExp(`out\\.length=3 must equal rows\\*cols=${fresh.data.length}`),
  );
});

// Oracle: a naive DFT of every frame (librosa's own tests re-implement stft the same way).
for (const [nFft, winLength, hopLength] of [
  [48, 30, 11],
  [100, 100, 25],
  [7, 5, 3],
]) {
  test(`stft nFft=${nFft} winLength=${winLength} hop=${hopLength} center=true reflect = naive DFT`, () => {
    const x = new Float32Array(203).map((_, i) => Math.sin(i * 0.37) + 0.1 * Math.cos(i * i * 0.01));
    const z = stft(x, { nFft, winLength, hopLength, padMode: 'reflect' });
    const w = getWindow('hann', winLength);
    const lpad = Math.floor((nFft - winLength) / 2);
    const half = Math.floor(nFft / 2);
    const at = (i: number): number => {
      let j = i - half;
      if (j < 0) j = -j;
      if (j >= x.length) j = 2 * (x.length - 1) - j;
      return x[j];
    };
    let err = 0;
    for (let t = 0; t < z.cols; t++) {
      for (let k = 0; k < z.rows; k++) {
        let re = 0;
        let im = 0;
        for (let m = 0; m < winLength; m++) {
          const v = at(t * hopLength + lpad + m) * w[m];
          re += v * Math.cos((2 * Math.PI * k * (lpad + m)) / nFft);
          im -= v * Math.sin((2 * Math.PI * k * (lpad + m)) / nFft);
        }
        err = Math.max(err, Math.abs(re - z.re[k * z.cols + t]), Math.abs(im - z.im[k * z.cols + t]));
      }
    }
    assert.equal(z.cols, 1 + Math.floor((x.length + 2 * half - nFft) / hopLength));
    assert.ok(err < 1e-4, `max error ${err}`);
  });
}

test('stft argument errors name the argument and value', () => {
  const x = new Float32Array(1000);
  assert.throws(() => stft(x, { nFft: 512, hopLength: 0 }), /hopLength=0 must be a positive integer/);
  assert.throws(() => stft(x, { nFft: 0 }), /nFft=0 must be a positive integer/);
  assert.throws(() => stft(x, { nFft: 256, winLength: 300 }), /winLength=300 must be <= nFft=256/);
  assert.throws(
    () => stft(x, { nFft: 256, window: 'hanning' as never }),
    /window="hanning" must be one of hann, hamming, blackman, rectangular/,
  );
  assert.throws(() => stft(x, { nFft: 256, padMode: 'edge' as never }), /padMode="edge"/);
  assert.throws(
    () => stft(x, { nFft: 256, window: new Float32Array(10) }),
    /^ParameterError: window must be one of hann, hamming, blackman, rectangular or an array of winLength=256 numbers \(got a Float32Array of length 10\)$/,
  );
  assert.throws(
    () => stft(x, { nFft: 2048, center: false }),
    /nFft=2048 is too large for uncentered analysis of input signal of length=1000/,
  );
  assert.throws(() => stft(new Float32Array([0, NaN]), { nFft: 4 }), /x\[1\]=NaN: audio must be finite/);
  assert.throws(() => stft(new Float32Array(0), { nFft: 4 }), /x.length=0/);
  assert.throws(
    () => stft([1, 2, 3] as never, { nFft: 4 }),
    /x must be a Float32Array or an Audio \{sampleRate, channels\}, got Array/,
  );
  assert.throws(
    () => spectrogram(x, { nFft: 256 }),
    /sampleRate is required when x is a Float32Array \(pass \{sampleRate\} or an Audio\)/,
  );
  assert.throws(() => spectrogram(x, { nFft: 256, sampleRate: 16000, power: 3 as never }), /power=3 must be 1/);
});

test('stft nFft > signal length, center=true: warns once (librosa) and still returns frames', async () => {
  let cols = 0;
  const warnings = await captureWarnings(
    () => (cols = stft(new Float32Array(100).fill(1), { nFft: 1024, hopLength: 256 }).cols),
  );
  assert.equal(cols, 1);
  assert.deepEqual(warnings, ['nFft=1024 is too large for input signal of length=100']);
});

test('stft and spectrogram refuse unknown options, naming the near miss (librosa raises TypeError)', () => {
  const x = new Float32Array(4000);
  assert.throws(
    () => stft(x, { nFft: 512, hop_length: 32 } as never),
    /^ParameterError: stft: unknown option hop_length; did you mean hopLength\? \(options: nFft, hopLength, winLength, window, center, padMode\)$/,
  );
  assert.throws(
    () => stft(x, { nfft: 512 } as never),
    /^ParameterError: stft: unknown option nfft; did you mean nFft\?/,
  );
  assert.throws(
    () => spectrogram(x, { sampleRate: 16000, hoplength: 128 } as never),
    /^ParameterError: spectrogram: unknown option hoplength; did you mean hopLength\? \(options: nFft, hopLength, winLength, window, center, padMode, sampleRate, power, out\)$/,
  );
  assert.throws(
    () => spectrogram(x, { sr: 16000 } as never),
    /spectrogram: unknown option sr; did you mean sampleRate\?/,
  );
  assert.throws(
    () => getWindow('hann', 8, { periodical: false } as never),
    /getWindow: unknown option periodical; did you mean periodic\?/,
  );
  // known names with undefined values are fine
  assert.equal(stft(x, { nFft: 512, hopLength: undefined, window: undefined }).cols, 32);
});

test('stft window: getWindow Float64Array, number[] and Float32Array of winLength samples give the same STFT', () => {
  const x = signal('s16k').x.subarray(0, 4000);
  const w64 = getWindow('hamming', 400, { periodic: false });
  const a = stft(x, { nFft: 512, winLength: 400, hopLength: 160, window: w64 });
  const b = stft(x, { nFft: 512, winLength: 400, hopLength: 160, window: Array.from(w64) });
  const c = stft(x, { nFft: 512, winLength: 400, hopLength: 160, window: Float32Array.from(w64) });
  assert.deepEqual(a, b);
  assert.ok(relMaxError(a.re, c.re) < 1e-6);
  // the default nFft-long window given explicitly is the named one
  assert.deepEqual(stft(x, { window: getWindow('hann', 2048) }), stft(x, {}));
});

test('stft bad window messages are one short line: the array by type and length, never its values', () => {
  const x = new Float32Array(4000);
  const wrong = getWindow('hamming', 2048, { periodic: false });
  assert.throws(
    () => stft(x, { nFft: 512, window: wrong }),
    (e: unknown) =>
      e instanceof Error &&
      e.message ===
        'window must be one of hann, hamming, blackman, rectangular or an array of winLength=512 numbers ' +
          '(got a Float64Array of length 2048)',
  );
  assert.throws(
    () => stft(x, { nFft: 4, window: [1, 2, '3', 4] as never }),
    /^ParameterError: window\[2\]="3" must be a finite number$/,
  );
  assert.throws(
    () => stft(x, { nFft: 4, window: [1, NaN, 1, 1] }),
    /^ParameterError: window\[1\]=NaN must be a finite number$/,
  );
  assert.throws(
    () => stft(x, { nFft: 4, window: 5 as never }),
    /^ParameterError: window must be one of hann, hamming, blackman, rectangular or an array of winLength=4 numbers \(got 5\)$/,
  );
  assert.throws(
    () => stft(x, { nFft: 4, center: 'false' as never }),
    /^ParameterError: center="false" must be a boolean$/,
  );
  assert.throws(
    () => getWindow('hann', 8, { periodic: 'no' as never }),
    /^ParameterError: periodic="no" must be a boolean$/,
  );
});

test('spectrogram power="2" is echoed in quotes, so the message does not contradict itself', () => {
  assert.throws(
    () => spectrogram(new Float32Array(4000), { sampleRate: 16000, power: '2' as never }),
    /^ParameterError: power="2" must be 1 \(amplitude\) or 2 \(power\)$/,
  );
});
