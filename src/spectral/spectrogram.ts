import { assert, assertPositive, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { Spectrogram } from '../grid/grid';
import { uninitializedFloat32 } from '../memory';
import { FrameAnalyser } from './analyser';
import {
  assertOutputFits,
  frameCount,
  ResolvedStft,
  resolveSignal,
  resolveStft,
  type Signal,
  STFT_OPTIONS,
  type StftOptions,
} from './options';
import { simdPower } from './simdPower';

/** Options of {@link spectrogram}: the STFT options plus the sample rate and the exponent. */
export interface SpectrogramOptions extends StftOptions {
  /**
   * Sample rate of `x` in Hz (for the frequency and time axes). @default the Audio's own; required
   * with a Float32Array
   */
  sampleRate?: number;
  /**
   * Exponent of the magnitude: 1 gives amplitude |X|, 2 gives power |X|^2 (librosa `power`).
   * @default 2
   */
  power?: 1 | 2;
  /**
   * Buffer of length rows * cols to write the result into (and keep as the result's `data`), so
   * loops over many clips reuse one allocation instead of a fresh one per call.
   * @default a new Float32Array
   */
  out?: Float32Array;
}

/** The names of {@link SpectrogramOptions}, for `checkOptionNames`. */
export const SPECTROGRAM_OPTIONS: OptionNames<SpectrogramOptions> = {
  ...STFT_OPTIONS,
  sampleRate: true,
  power: true,
  out: true,
};

/** Checks `sampleRate` and `power`; returns the power. */
export function resolvePower(opts: { sampleRate?: number; power?: number }): 1 | 2 {
  assert(opts.sampleRate !== undefined, () => 'sampleRate is required (opts.sampleRate is undefined)');
  assertPositive(opts.sampleRate, 'sampleRate');
  const power = opts.power ?? 2;
  assert(power === 1 || power === 2, () => `power=${formatValue(power)} must be 1 (amplitude) or 2 (power)`);
  return power;
}

/**
 * Centre frequency in Hz of each STFT bin, as `librosa.fft_frequencies`: `r * sampleRate / nFft`
 * for r = 0 .. floor(nFft/2).
 */
export function fftFrequencies(sampleRate: number, nFft: number): Float64Array {
  assertPositive(sampleRate, 'sampleRate');
  assertPositiveInt(nFft, 'nFft');
  const out = new Float64Array(Math.floor(nFft / 2) + 1);
  for (let r = 0; r < out.length; r++) out[r] = (r * sampleRate) / nFft;
  return out;
}

/**
 * Time in seconds of the centre of each of `nFrames` STFT frames. Centred frames (librosa
 * `frames_to_time(t, sr, hop)`): `t * hop / sr`. Uncentred frames: `(t * hop + floor(nFft/2)) / sr`
 * (librosa `frames_to_time(..., n_fft=nFft)`), the true centre of the analysed samples.
 */
export function frameTimes(
  nFrames: number,
  sampleRate: number,
  hopLength: number,
  nFft: number,
  center: boolean,
): Float64Array {
  assert(Number.isInteger(nFrames) && nFrames >= 0, () => `nFrames=${formatValue(nFrames)} must be an integer >= 0`);
  assertPositive(sampleRate, 'sampleRate');
  assertPositiveInt(hopLength, 'hopLength');
  assertPositiveInt(nFft, 'nFft');
  return frameTimesFrom(0, nFrames, sampleRate, hopLength, nFft, center);
}

/** {@link frameTimes} of frames `first .. first+n-1` only (a block of a long signal), unchecked. */
export function frameTimesFrom(
  first: number,
  n: number,
  sampleRate: number,
  hopLength: number,
  nFft: number,
  center: boolean,
): Float64Array {
  const off = center ? 0 : Math.floor(nFft / 2);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = ((first + t) * hopLength + off) / sampleRate;
  return out;
}

/** Frames per tile: frames are computed time-major into a small tile, then written row-major in runs. */
export const TILE = 32;

/**
 * Copies an nb x rows time-major tile into columns `c0 .. c0+nb-1` of a rows x cols row-major output.
 * Writing whole frames straight into the output would touch one page per row per frame (stride = cols);
 * the tile keeps that traffic in L1 and writes each row as one contiguous run.
 */
export function storeTile(
  tile: Float64Array,
  nb: number,
  rows: number,
  out: Float32Array,
  cols: number,
  c0: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols + c0;
    for (let k = 0, j = r; k < nb; k++, j += rows) out[o + k] = tile[j];
  }
}

/**
 * Writes |X|^power of frames `t0 .. t0+n-1` into columns `c0 ..` of `out` (rows x cols, row-major):
 * through the WebAssembly SIMD kernel (float32) when it applies (nFft a power of two), else frame
 * by frame through fft.js (float64), which {@link powerColumnsFftJs} also exposes to the tests and the
 * bench as the reference.
 */
export function powerColumns(
  an: FrameAnalyser,
  x: Float32Array,
  base: number,
  total: number,
  t0: number,
  n: number,
  power: 1 | 2,
  out: Float32Array,
  cols: number,
  c0: number,
): void {
  const simd = simdPower(an.cfg);
  if (simd) simd.columns(x, base, total, t0, n, power, out, cols, c0);
  else powerColumnsFftJs(an, x, base, total, t0, n, power, out, cols, c0);
}

/** {@link powerColumns} through the portable fft.js path, whatever nFft. */
export function powerColumnsFftJs(
  an: FrameAnalyser,
  x: Float32Array,
  base: number,
  total: number,
  t0: number,
  n: number,
  power: 1 | 2,
  out: Float32Array,
  cols: number,
  c0: number,
): void {
  const rows = an.fft.bins;
  const tile = new Float64Array(TILE * rows);
  for (let b = 0; b < n; b += TILE) {
    const nb = Math.min(TILE, n - b);
    for (let k = 0; k < nb; k++) an.analysePower(x, t0 + b + k, base, total, tile, k * rows);
    if (power === 1) for (let i = 0; i < nb * rows; i++) tile[i] = Math.sqrt(tile[i]);
    storeTile(tile, nb, rows, out, cols, c0 + b);
  }
}

/**
 * Magnitude or power spectrogram |stft(x)|^power, as `librosa.magphase`/`np.abs(librosa.stft(...))**power`.
 *
 * Output: Spectrogram rows = floor(nFft/2)+1 bins (frequencies r * sampleRate / nFft Hz, low to high) by
 * cols = frames (times = frame centres, see {@link frameTimes}); scale 'linear', unit 'power' (power 2)
 * or 'amplitude' (power 1), in squared / plain input units (no normalisation by window energy).
 *
 * Notes: framing and padding exactly as {@link stft} (librosa); framing, windowing, FFT and |.|^p are
 * fused, so no complex matrix is materialised.
 */
export function spectrogram(signal: Signal, options: SpectrogramOptions = {}): Spectrogram {
  checkOptionNames(options, SPECTROGRAM_OPTIONS, 'spectrogram');
  const { samples: x, opts } = resolveSignal(signal, options);
  const cfg = resolveStft(opts);
  const power = resolvePower(opts);
  const cols = frameCount(x.length, cfg);
  const an = new FrameAnalyser(cfg);
  const rows = an.fft.bins;
  if (opts.out === undefined) assertOutputFits(rows, cols, 4, cfg, x.length);
  const out = opts.out;
  assert(
    out === undefined || out.length === rows * cols,
    () => `out.length=${out?.length} must equal rows*cols=${rows * cols}`,
  );
  // not zeroed: powerColumns writes every element (test/spectral/unzeroed.test.ts)
  const data = out ?? uninitializedFloat32(rows * cols);
  powerColumns(an, x, 0, x.length, 0, cols, power, data, cols, 0);
  return linearSpectrogram(data, rows, cols, cfg, opts.sampleRate, power === 2 ? 'power' : 'amplitude');
}

/** Wraps linear-frequency STFT data with its axes. */
export function linearSpectrogram(
  data: Float32Array,
  rows: number,
  cols: number,
  cfg: ResolvedStft,
  sampleRate: number,
  unit: 'power' | 'amplitude',
): Spectrogram {
  return {
    rows,
    cols,
    data,
    sampleRate,
    hopLength: cfg.hopLength,
    frequencies: fftFrequencies(sampleRate, cfg.nFft),
    times: frameTimes(cols, sampleRate, cfg.hopLength, cfg.nFft, cfg.center),
    scale: 'linear',
    unit,
  };
}
