import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureWarnings } from '../helpers/warnings';
import fc from 'fast-check';
import { istft, stft, spectrogram } from '../../src/spectral';
import { maxAbsError } from './fixtures';

const signalArb = (min: number, max: number) =>
  fc
    .array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), { minLength: min, maxLength: max })
    .map((a) => Float32Array.from(a));

test('property: istft(stft(x)) = x, centred hann, hop <= winLength/2, any nFft, any length', async () => {
  // Signals shorter than nFft are part of the domain; librosa's warning for them is the only one allowed.
  const warnings = await captureWarnings(() =>
    fc.assert(
      fc.property(
        signalArb(300, 900),
        fc.integer({ min: 5, max: 9 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(2, 3, 4, 5),
        fc.boolean(),
        (x, log2, extra, div, reflect) => {
          const nFft = (1 << log2) + extra; // powers of two and Bluestein sizes
          const winLength = nFft - (extra % 7);
          const hopLength = Math.max(1, Math.floor(winLength / div));
          const o = { nFft, winLength, hopLength, padMode: reflect ? ('reflect' as const) : ('constant' as const) };
          const y = istft(stft(x, o), { ...o, length: x.length });
          return maxAbsError(y, x) < 1e-5;
        },
      ),
      { numRuns: 40, seed: 11 },
    ),
  );
  for (const w of warnings) assert.match(w, /^nFft=\d+ is too large for input signal of length=\d+$/);
});

test('property: stft is linear: stft(a + k b) = stft(a) + k stft(b)', () => {
  fc.assert(
    fc.property(signalArb(600, 600), signalArb(600, 600), fc.float({ min: -3, max: 3, noNaN: true }), (a, b, k) => {
      const o = { nFft: 256, hopLength: 100 };
      const za = stft(a, o);
      const zb = stft(b, o);
      const zs = stft(
        a.map((v, i) => v + k * b[i]),
        o,
      );
      let err = 0;
      let m = 1e-6;
      for (let i = 0; i < za.re.length; i++) {
        err = Math.max(
          err,
          Math.abs(zs.re[i] - (za.re[i] + k * zb.re[i])),
          Math.abs(zs.im[i] - (za.im[i] + k * zb.im[i])),
        );
        m = Math.max(m, Math.abs(zs.re[i]), Math.abs(zs.im[i]));
      }
      return err / m < 1e-5;
    }),
    { numRuns: 30, seed: 12 },
  );
});

test('property: Parseval for a rectangular window: sum_k c_k |X_k|^2 = nFft * sum x^2 per frame', () => {
  fc.assert(
    fc.property(signalArb(64, 64), (x) => {
      const s = spectrogram(x, { nFft: 64, hopLength: 64, center: false, window: 'rectangular', sampleRate: 1 });
      let e = 0;
      for (let k = 0; k < s.rows; k++) e += (k === 0 || k === 32 ? 1 : 2) * s.data[k];
      const t = x.reduce((acc, v) => acc + v * v, 0) * 64;
      return Math.abs(e - t) <= 1e-4 * Math.max(1, t);
    }),
    { numRuns: 50, seed: 13 },
  );
});
