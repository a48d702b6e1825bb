import { assert, assertPositive, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { assertMemory } from '../memory';
import { Random } from '../random';

/** Length and rate of a synthetic test signal; shared by {@link sine}, {@link chirp}, {@link whiteNoise}. */
export interface TestSignalOptions {
  /**
   * Sampling rate in Hz.
   * @default 16000
   */
  sampleRate?: number;
  /**
   * Duration in seconds; the signal has round(duration * sampleRate) samples. Ignored when `length` is given.
   * @default 1
   */
  duration?: number;
  /**
   * Number of samples (overrides `duration`).
   * @default round(duration * sampleRate)
   */
  length?: number;
  /**
   * Peak amplitude (for noise: the bound of uniform noise or the standard deviation of normal noise).
   * @default 1
   */
  amplitude?: number;
}

const TEST_SIGNAL_OPTIONS: OptionNames<TestSignalOptions> = {
  sampleRate: true,
  duration: true,
  length: true,
  amplitude: true,
};

/** Checks the options of test signal `fn` (their names against `known`) and derives length, rate and amplitude. */
function signalLength(
  opts: TestSignalOptions,
  fn: string,
  known: OptionNames<TestSignalOptions>,
): { n: number; sr: number; amp: number } {
  // whiteNoise(1000) would otherwise quietly give the default 16000 samples.
  assert(
    opts !== null && typeof opts === 'object' && !Array.isArray(opts),
    () =>
      `${fn}: opts=${formatValue(opts)} must be an options object ` +
      `such as {length: 1000} or {duration: 0.5, sampleRate: 16000}`,
  );
  checkOptionNames(opts, known, fn);
  const sr = opts.sampleRate ?? 16000;
  assertPositive(sr, 'sampleRate');
  const amp = opts.amplitude ?? 1;
  assert(Number.isFinite(amp) && amp >= 0, () => `amplitude=${formatValue(amp)} must be a finite number >= 0`);
  let n: number;
  if (opts.length !== undefined) {
    n = opts.length;
    assert(Number.isInteger(n) && n >= 0, () => `length=${formatValue(n)} must be an integer >= 0`);
  } else {
    const d = opts.duration ?? 1;
    assert(Number.isFinite(d) && d >= 0, () => `duration=${formatValue(d)} must be a finite number >= 0`);
    n = Math.round(d * sr);
  }
  assertMemory(n * 4, () => `length=${n}`);
  return { n, sr, amp };
}

/** Options of {@link sine}. */
export interface SineOptions extends TestSignalOptions {
  /**
   * Phase at t = 0, radians.
   * @default 0
   */
  phase?: number;
}

const SINE_OPTIONS: OptionNames<SineOptions> = { ...TEST_SIGNAL_OPTIONS, phase: true };

/**
 * A pure tone: x[i] = amplitude * sin(2 pi frequency i / sampleRate + phase).
 *
 * Output: Float32Array of `length` samples (default 1 s at 16 kHz). `frequency` in Hz, may exceed
 * Nyquist (it then aliases, as sampling would).
 */
export function sine(frequency: number, opts: SineOptions = {}): Float32Array {
  assert(
    Number.isFinite(frequency),
    () => `frequency=${formatValue(frequency)} must be a finite number (Hz; the options come second)`,
  );
  const { n, sr, amp } = signalLength(opts, 'sine', SINE_OPTIONS);
  const phase = opts.phase ?? 0;
  assert(Number.isFinite(phase), () => `phase=${formatValue(phase)} must be a finite number (radians)`);
  const out = new Float32Array(n);
  const w = (2 * Math.PI * frequency) / sr;
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin(w * i + phase);
  return out;
}

/** Options of {@link chirp}. */
export interface ChirpOptions extends TestSignalOptions {
  /**
   * How the instantaneous frequency moves from fStart to fEnd over the signal: 'linear' in Hz or
   * 'logarithmic' (geometric; both frequencies must then be > 0 and of the same sign).
   * @default 'linear'
   */
  method?: 'linear' | 'logarithmic';
}

const CHIRP_OPTIONS: OptionNames<ChirpOptions> = { ...TEST_SIGNAL_OPTIONS, method: true };

/**
 * A frequency sweep (cosine) from `fStart` Hz at t = 0 to `fEnd` Hz at the signal's duration
 * T = length / sampleRate.
 *
 * Output: Float32Array; x[i] = amplitude * cos(phi(i / sampleRate)) with phi(0) = 0.
 *
 * Notes: equals scipy.signal.chirp(t, f0=fStart, t1=T, f1=fEnd, method) with t = arange(n) / sr
 * (scipy's `logarithmic` is our `logarithmic`), so reference fixtures can be made in Python.
 */
export function chirp(fStart: number, fEnd: number, opts: ChirpOptions = {}): Float32Array {
  assert(Number.isFinite(fStart), () => `fStart=${formatValue(fStart)} must be a finite number`);
  assert(Number.isFinite(fEnd), () => `fEnd=${formatValue(fEnd)} must be a finite number`);
  const method = opts.method ?? 'linear';
  assert(
    method === 'linear' || method === 'logarithmic',
    () => `method=${formatValue(method)} must be 'linear' or 'logarithmic'`,
  );
  if (method === 'logarithmic') {
    assert(
      fStart * fEnd > 0,
      () => `logarithmic chirp needs fStart=${fStart} and fEnd=${fEnd} non-zero with the same sign`,
    );
  }
  const { n, sr, amp } = signalLength(opts, 'chirp', CHIRP_OPTIONS);
  const out = new Float32Array(n);
  const t1 = n / sr;
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    let phi: number;
    if (method === 'linear') {
      phi = 2 * Math.PI * (fStart * t + (0.5 * (fEnd - fStart) * t * t) / t1);
    } else if (fStart === fEnd) {
      phi = 2 * Math.PI * fStart * t;
    } else {
      const beta = t1 / Math.log(fEnd / fStart);
      phi = 2 * Math.PI * beta * fStart * ((fEnd / fStart) ** (t / t1) - 1);
    }
    out[i] = amp * Math.cos(phi);
  }
  return out;
}

/** Options of {@link whiteNoise}. */
export interface WhiteNoiseOptions extends TestSignalOptions {
  /**
   * Seed of the {@link Random} generator: the same seed gives the same samples on every machine.
   * @default 0
   */
  seed?: number;
  /**
   * 'uniform' in [-amplitude, amplitude) or 'normal' with standard deviation `amplitude`.
   * @default 'uniform'
   */
  distribution?: 'uniform' | 'normal';
}

const WHITE_NOISE_OPTIONS: OptionNames<WhiteNoiseOptions> = { ...TEST_SIGNAL_OPTIONS, seed: true, distribution: true };

/**
 * Seeded white noise (independent samples, flat expected spectrum).
 *
 * Output: Float32Array of `length` samples (default 1 s at 16 kHz).
 *
 * Notes: uniform by default so that amplitude <= 1 stays inside [-1, 1] and survives 16-bit WAV
 * without clipping; the stream comes from {@link Random} (mulberry32), not numpy's generator.
 */
export function whiteNoise(opts: WhiteNoiseOptions = {}): Float32Array {
  const { n, amp } = signalLength(opts, 'whiteNoise', WHITE_NOISE_OPTIONS);
  const seed = opts.seed ?? 0;
  const dist = opts.distribution ?? 'uniform';
  assert(
    dist === 'uniform' || dist === 'normal',
    () => `distribution=${formatValue(dist)} must be 'uniform' or 'normal'`,
  );
  const rng = new Random(seed);
  const out = new Float32Array(n);
  if (dist === 'uniform') for (let i = 0; i < n; i++) out[i] = amp * (2 * rng.next() - 1);
  else for (let i = 0; i < n; i++) out[i] = amp * rng.normal();
  return out;
}
