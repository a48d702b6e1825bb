// Voice-like test signals: a jittered glottal pulse train, vocal-tract resonances, a random level.
import type { Random } from '../../src/random';

/** A pulse train of `n` samples at `sr` Hz: f0 drawn from 90-230 Hz, each period jittered by ±2 samples. */
export function pulseTrain(n: number, sr: number, rng: Random): Float32Array {
  const x = new Float32Array(n);
  const period = Math.round(sr / (90 + 140 * rng.next()));
  for (let i = rng.int(period); i < n; i += period + rng.int(5) - 2) x[i] = 1;
  return x;
}

/** `x` through two-pole resonators `[centre Hz, bandwidth Hz]`, one after the other. */
export function resonate(
  x: Float32Array,
  sr: number,
  resonances: readonly (readonly [number, number])[],
): Float32Array {
  let out = x;
  for (const [fc, bw] of resonances) {
    const r = Math.exp((-Math.PI * bw) / sr);
    const c1 = 2 * r * Math.cos((2 * Math.PI * fc) / sr);
    const y = new Float32Array(out.length);
    for (let i = 0; i < y.length; i++) y[i] = out[i] + (i > 0 ? c1 * y[i - 1] : 0) - (i > 1 ? r * r * y[i - 2] : 0);
    out = y;
  }
  return out;
}

/** `x` scaled to a peak drawn from -30..-10 dBFS, plus white noise 54 dB below that peak. */
export function atRandomLevel(x: Float32Array, rng: Random): Float32Array {
  const gain = 10 ** ((-30 + 20 * rng.next()) / 20);
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  return x.map((v) => (gain * v) / peak + gain * 0.002 * rng.normal());
}
