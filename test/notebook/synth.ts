// A realistic test spectrogram without the spectral module: a 10 s, 16 kHz signal of gliding
// harmonics with syllable-like bursts and noise, through a Hann STFT (fft.js), in dB (ref max, top 80).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FFT = require('fft.js');
import type { Spectrogram } from '../../src/grid/grid';
import { Random } from '../../src/random';

export function synthSignal(seconds = 10, sampleRate = 16000, seed = 1): Float32Array {
  const rng = new Random(seed);
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.3 * t);
    phase += (2 * Math.PI * f0) / sampleRate;
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 2.1 * t)) ** 2;
    let v = 0;
    for (let h = 1; h <= 30; h++) v += Math.sin(h * phase) / h;
    x[i] = 0.3 * syllable * v + 0.01 * (rng.next() * 2 - 1);
  }
  return x;
}

export function synthSpectrogram(seconds = 10, sampleRate = 16000, nFft = 512, hop = 160): Spectrogram {
  const x = synthSignal(seconds, sampleRate);
  const pad = nFft / 2;
  const frames = 1 + Math.floor(x.length / hop);
  const rows = nFft / 2 + 1;
  const fft = new FFT(nFft);
  const win = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
  const input = new Array<number>(nFft);
  const out = fft.createComplexArray() as number[];
  const power = new Float32Array(rows * frames);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < nFft; i++) {
      const j = f * hop + i - pad;
      input[i] = (j >= 0 && j < x.length ? x[j] : 0) * win[i];
    }
    fft.realTransform(out, input);
    for (let k = 0; k < rows; k++) power[k * frames + f] = out[2 * k] ** 2 + out[2 * k + 1] ** 2;
  }
  let max = 0;
  for (const v of power) max = Math.max(max, v);
  const db = new Float32Array(power.length);
  for (let i = 0; i < db.length; i++) db[i] = Math.max(10 * Math.log10(Math.max(power[i], 1e-10) / max), -80);
  return {
    rows,
    cols: frames,
    data: db,
    sampleRate,
    hopLength: hop,
    frequencies: Float64Array.from({ length: rows }, (_, k) => (k * sampleRate) / nFft),
    times: Float64Array.from({ length: frames }, (_, f) => (f * hop) / sampleRate),
    scale: 'linear',
    unit: 'dB',
  };
}
