import { assert, assertPositiveInt, warnOnce } from '../errors';
import { firstNonFinite } from '../grid/grid';
import { assertWindowName, getWindow, padCenter, WindowName } from './window';
import { assertMemory } from '../memory';

/**
 * Short-time Fourier analysis options, shared by stft, istft, spectrogram, melSpectrogram, mfcc, lfcc
 * and griffinLim (librosa.stft's keyword arguments, camelCased).
 */
export interface StftOptions {
  /** FFT length in samples; each frame is zero-padded to it. Output rows = floor(nFft/2) + 1. Required. */
  nFft: number;
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
   * window itself as `winLength` samples.
   * @default 'hann'
   */
  window?: WindowName | Float32Array;
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

/** Validates `opts` (every field, naming it in the error) and applies librosa's defaults. */
export function resolveStft(opts: StftOptions, name = 'opts'): ResolvedStft {
  assert(opts !== null && typeof opts === 'object', () => `${name} must be an options object with nFft, got ${String(opts)}`);
  const { nFft } = opts;
  assert(nFft !== undefined, () => `nFft is required (${name}.nFft is undefined)`);
  assertPositiveInt(nFft, 'nFft');
  // Window, frame, spectrum and FFT tables: about 32 bytes per FFT point.
  assertMemory(nFft * 32, () => `nFft=${nFft}`, 'the FFT buffers');
  const winLength = opts.winLength ?? nFft;
  assertPositiveInt(winLength, 'winLength');
  assert(winLength <= nFft, () => `winLength=${winLength} must be <= nFft=${nFft}`);
  const hopLength = opts.hopLength ?? Math.floor(winLength / 4);
  if (opts.hopLength === undefined) {
    assert(hopLength > 0, () => `hopLength=${hopLength} (default winLength/4 with winLength=${winLength}) must be a positive integer; pass hopLength`);
  }
  assertPositiveInt(hopLength, 'hopLength');
  const center = opts.center ?? true;
  assert(typeof center === 'boolean', () => `center=${String(center)} must be a boolean`);
  const padMode = opts.padMode ?? 'constant';
  assert(padMode === 'constant' || padMode === 'reflect', () => `padMode=${JSON.stringify(padMode)} must be 'constant' or 'reflect'`);
  const w = opts.window ?? 'hann';
  let win: ArrayLike<number>;
  if (w instanceof Float32Array) {
    assert(w.length === winLength, () => `window.length=${w.length} must equal winLength=${winLength}`);
    assert(firstNonFinite(w) < 0, () => `window[${firstNonFinite(w)}]=${w[firstNonFinite(w)]} must be finite`);
    win = w;
  } else {
    assertWindowName(w, 'window');
    win = getWindow(w, winLength);
  }
  const winStart = Math.floor((nFft - winLength) / 2);
  return { nFft, hopLength, winLength, window: padCenter(win, nFft), winStart, winEnd: winStart + winLength, center, padMode };
}

/** Checks an input signal: a non-empty Float32Array of finite samples (librosa's valid_audio). */
export function checkSignal(x: Float32Array, name = 'x'): void {
  assert(x instanceof Float32Array, () => `${name} must be a Float32Array, got ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name : typeof x}`);
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
    assert(nFft <= length, () => `nFft=${nFft} is too large for uncentered analysis of input signal of length=${length}`);
    frames = 1 + Math.floor((length - nFft) / hopLength);
  }
  return frames;
}

/**
 * Refuses a whole-signal output of `rows` x `frames` cells of `bytesPerCell` (8 for complex STFT, 4
 * for float32) above the memory limit, naming nFft, hopLength and the signal length. Streaming
 * analysers allocate per block and need no such check.
 */
export function assertOutputFits(rows: number, frames: number, bytesPerCell: number, cfg: ResolvedStft, length: number): void {
  assertMemory(rows * frames * bytesPerCell, () => `nFft=${cfg.nFft} hopLength=${cfg.hopLength} on ${length} samples`);
}
