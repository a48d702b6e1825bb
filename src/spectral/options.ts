import { toMono } from '../audio/mono';
import type { Audio } from '../audio/types';
import { assert, assertPositiveInt, formatValue, type OptionNames, ParameterError, warnOnce } from '../errors';
import { firstNonFinite } from '../grid/grid';
import type { DbOptions } from './db';
import { getWindow, padCenter, WINDOW_NAMES, WindowName } from './window';
import { assertMemory } from '../memory';

/**
 * Short-time Fourier analysis options, shared by stft, istft, spectrogram, melSpectrogram, mfcc, lfcc
 * and griffinLim (librosa.stft's keyword arguments, camelCased).
 */
export interface StftOptions {
  /**
   * FFT length in samples; each frame is zero-padded to it. Output rows = floor(nFft/2) + 1.
   * @default 2048 (librosa's `n_fft`)
   */
  nFft?: number;
  /**
   * Samples between the starts of consecutive frames.
   * @default Math.floor(winLength / 4)  (librosa: `win_length // 4`)
   */
  hopLength?: number;
  /**
   * Window length in samples (<= nFft); the window is zero-padded centrally to nFft, as librosa.
   * @default nFft
   */
  winLength?: number;
  /**
   * Window shape (periodic, as `scipy.signal.get_window(name, winLength, fftbins=True)`), or the
   * window itself as `winLength` numbers (any array: `getWindow`'s Float64Array, a Float32Array,
   * a number[]).
   * @default 'hann'
   */
  window?: WindowName | ArrayLike<number>;
  /**
   * Pad the signal by floor(nFft/2) on both sides so that frame t is centred on sample t*hopLength.
   * @default true
   */
  center?: boolean;
  /**
   * How `center` pads: zeros (librosa >= 0.10 default) or mirror without repeating the edge sample
   * (numpy `reflect`, librosa < 0.10 and torch.stft default).
   * @default 'constant'
   */
  padMode?: 'constant' | 'reflect';
}

/** The names of {@link StftOptions}, for `checkOptionNames`. */
export const STFT_OPTIONS: OptionNames<StftOptions> = {
  nFft: true,
  hopLength: true,
  winLength: true,
  window: true,
  center: true,
  padMode: true,
};

/**
 * The names of {@link DbOptions} (the dB conversion's options, which logMelSpectrogram and mfcc
 * take too), for `checkOptionNames`.
 */
export const DB_OPTIONS: OptionNames<DbOptions> = { ref: true, amin: true, topDb: true, out: true };

/** StftOptions with defaults applied and checked; `window` is the nFft-long zero-padded window. */
export interface ResolvedStft {
  nFft: number;
  hopLength: number;
  winLength: number;
  window: Float64Array;
  /** First and one-past-last non-zero-padded index of `window`. */
  winStart: number;
  winEnd: number;
  center: boolean;
  padMode: 'constant' | 'reflect';
}

/** librosa's default FFT length (`n_fft=2048`); winLength and hopLength derive from it. */
export const DEFAULT_N_FFT = 2048;

/** Validates `opts` (every field, naming it in the error) and applies librosa's defaults. */
export function resolveStft(opts: StftOptions = {}, name = 'opts'): ResolvedStft {
  assert(
    opts !== null && typeof opts === 'object',
    () => `${name} must be an options object, got ${formatValue(opts)}`,
  );
  const nFft = opts.nFft ?? DEFAULT_N_FFT;
  assertPositiveInt(nFft, 'nFft');
  // Window, frame, spectrum and FFT tables: about 32 bytes per FFT point.
  assertMemory(nFft * 32, () => `nFft=${nFft}`, 'the FFT buffers');
  const winLength = opts.winLength ?? nFft;
  assertPositiveInt(winLength, 'winLength');
  assert(winLength <= nFft, () => `winLength=${winLength} must be <= nFft=${nFft}`);
  const hopLength = opts.hopLength ?? Math.floor(winLength / 4);
  if (opts.hopLength === undefined) {
    assert(
      hopLength > 0,
      () =>
        `hopLength=${hopLength} (default winLength/4 with winLength=${winLength}) must be a positive integer; ` +
        `pass hopLength`,
    );
  }
  assertPositiveInt(hopLength, 'hopLength');
  const center = opts.center ?? true;
  assert(typeof center === 'boolean', () => `center=${formatValue(center)} must be a boolean`);
  const padMode = opts.padMode ?? 'constant';
  assert(
    padMode === 'constant' || padMode === 'reflect',
    () => `padMode=${formatValue(padMode)} must be 'constant' or 'reflect'`,
  );
  const w: unknown = opts.window ?? 'hann';
  const what = () => `must be one of ${WINDOW_NAMES.join(', ')} or an array of winLength=${winLength} numbers`;
  let win: ArrayLike<number>;
  if (typeof w === 'string') {
    assert((WINDOW_NAMES as readonly string[]).includes(w), () => `window=${formatValue(w)} ${what()}`);
    win = getWindow(w as WindowName, winLength);
  } else {
    // any array of numbers (getWindow's Float64Array, a number[]), copied and checked once per call
    assert(
      w !== null && typeof w === 'object' && (w as ArrayLike<number>).length === winLength,
      () => `window ${what()} (got ${formatValue(w)})`,
    );
    const a = w as ArrayLike<unknown>;
    const values = new Float64Array(winLength);
    for (let i = 0; i < winLength; i++) {
      const v = a[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ParameterError(`window[${i}]=${formatValue(v)} must be a finite number`);
      values[i] = v;
    }
    win = values;
  }
  const winStart = Math.floor((nFft - winLength) / 2);
  return {
    nFft,
    hopLength,
    winLength,
    window: padCenter(win, nFft),
    winStart,
    winEnd: winStart + winLength,
    center,
    padMode,
  };
}

/** A signal argument: mono samples, or an {@link Audio} (mixed down to mono, at its own rate). */
export type Signal = Float32Array | Audio;

/** Options `O` of a signal analysis with `sampleRate` optional: an Audio brings its own (see {@link resolveSignal}). */
export type SignalOptions<O extends { sampleRate: number }> = Omit<O, 'sampleRate'> & { sampleRate?: number };

function isAudio(x: unknown): x is Audio {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && Array.isArray((x as Audio).channels);
}

/**
 * {@link signalSamples} that also takes an empty signal, for the functions that pass one through
 * (trimming, level, length): a Float32Array as is, an Audio mixed down to mono; finite everywhere.
 */
export function maybeEmptySamples(x: Signal, name = 'x'): Float32Array {
  if (isAudio(x) || !(x instanceof Float32Array) || x.length > 0) return signalSamples(x, name);
  return x;
}

/**
 * The mono samples of a signal argument, checked: a Float32Array as is, an Audio mixed down to mono
 * (the channel mean, as librosa.to_mono; one channel is used without a copy).
 */
export function signalSamples(x: Signal, name = 'x'): Float32Array {
  let samples: Float32Array;
  if (isAudio(x)) {
    assert(x.channels.length > 0, () => `${name}.channels is empty: an Audio needs at least one channel`);
    samples = x.channels.length === 1 ? x.channels[0] : toMono(x).channels[0];
    checkSignal(samples, `${name}.channels[0]`);
  } else {
    samples = x;
    checkSignal(samples, name);
  }
  return samples;
}

/**
 * The samples and options of a signal analysis: `opts.sampleRate` defaults to an Audio's own rate;
 * with a Float32Array it is required. A sampleRate that contradicts the Audio's is an error (resample
 * first) rather than a silently wrong frequency axis.
 */
export function resolveSignal<O extends { sampleRate?: number }>(
  x: Signal,
  opts: O,
  name = 'x',
): { samples: Float32Array; opts: O & { sampleRate: number } } {
  assert(opts !== null && typeof opts === 'object', () => `opts must be an options object, got ${formatValue(opts)}`);
  const samples = signalSamples(x, name);
  let sampleRate = opts.sampleRate;
  if (isAudio(x)) {
    if (sampleRate !== undefined && sampleRate !== x.sampleRate) {
      throw new ParameterError(
        `sampleRate=${formatValue(sampleRate)} differs from ${name}.sampleRate=${formatValue(x.sampleRate)} of the Audio; ` +
          `resample the audio instead (resample(x, ${x.sampleRate}, ${sampleRate}))`,
      );
    }
    sampleRate = x.sampleRate;
  }
  if (sampleRate === undefined)
    throw new ParameterError(`sampleRate is required when ${name} is a Float32Array (pass {sampleRate} or an Audio)`);
  return { samples, opts: { ...opts, sampleRate } };
}

/**
 * Checks frame times in seconds (e.g. a spectrogram's `times`, which side rows line up with): a
 * non-empty array of finite numbers. `what` names the function that needs them.
 */
export function checkFrameTimes(times: unknown, what: string): asserts times is ArrayLike<number> {
  assert(
    times !== null && typeof times === 'object' && typeof (times as ArrayLike<number>).length === 'number',
    () => `times=${formatValue(times)} must be an array of frame centres in seconds (e.g. a spectrogram's times)`,
  );
  const t = times as ArrayLike<number>;
  assert(t.length > 0, () => `times is empty: ${what} needs at least one frame`);
  for (let j = 0; j < t.length; j++)
    assert(Number.isFinite(t[j]), () => `times[${j}]=${formatValue(t[j])} must be a finite number`);
}

/** Checks an input signal: a non-empty Float32Array of finite samples (librosa's valid_audio). */
export function checkSignal(x: Float32Array, name = 'x'): void {
  assert(
    x instanceof Float32Array,
    () =>
      `${name} must be a Float32Array or an Audio {sampleRate, channels}, ` +
      `got ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name : typeof x}`,
  );
  assert(x.length > 0, () => `${name}.length=0: the signal must have at least one sample`);
  const bad = firstNonFinite(x);
  assert(bad < 0, () => `${name}[${bad}]=${x[bad]}: audio must be finite everywhere`);
}

/**
 * Number of STFT frames for a signal of `length` samples, as librosa.stft: with `center`,
 * `1 + floor(length / hop)` for even nFft; without, `1 + floor((length - nFft) / hop)`, and an error
 * when nFft > length. With `center` and nFft > length librosa warns; so do we, once.
 */
export function frameCount(length: number, cfg: ResolvedStft): number {
  const { nFft, hopLength, center } = cfg;
  let frames: number;
  if (center) {
    if (nFft > length) warnOnce(`nFft=${nFft} is too large for input signal of length=${length}`);
    frames = 1 + Math.floor((length + 2 * Math.floor(nFft / 2) - nFft) / hopLength);
  } else {
    assert(
      nFft <= length,
      () => `nFft=${nFft} is too large for uncentered analysis of input signal of length=${length}`,
    );
    frames = 1 + Math.floor((length - nFft) / hopLength);
  }
  return frames;
}

/**
 * Refuses a whole-signal output of `rows` x `frames` cells of `bytesPerCell` (8 for complex STFT, 4
 * for float32) above the memory limit, naming nFft, hopLength and the signal length. Streaming
 * analysers allocate per block and need no such check.
 */
export function assertOutputFits(
  rows: number,
  frames: number,
  bytesPerCell: number,
  cfg: ResolvedStft,
  length: number,
): void {
  assertMemory(rows * frames * bytesPerCell, () => `nFft=${cfg.nFft} hopLength=${cfg.hopLength} on ${length} samples`);
}
