import { checkOptionNames, type OptionNames } from '../errors';
import { Spectrogram } from '../grid/grid';
import { uninitializedFloat32 } from '../memory';
import { FrameAnalyser } from './analyser';
import { DbOptions, dbInPlace, resolveDb } from './db';
import { MEL_OPTIONS, melBank, MelOptions, resolveMel, SparseBank } from './mel';
import {
  assertOutputFits,
  DB_OPTIONS,
  frameCount,
  ResolvedStft,
  resolveSignal,
  resolveStft,
  type Signal,
  STFT_OPTIONS,
  type StftOptions,
} from './options';
import { frameTimesFrom, resolvePower, storeTile, TILE } from './spectrogram';
import { SimdPower, simdPower } from './simdPower';

/** Options of {@link melSpectrogram}: STFT, mel filterbank, sample rate and exponent. */
export interface MelSpectrogramOptions extends StftOptions, MelOptions {
  /** Sample rate of the signal in Hz. @default the Audio's own; required with a Float32Array */
  sampleRate?: number;
  /**
   * Exponent of the STFT magnitude before the filterbank: 2 (power, librosa default) or 1 (amplitude).
   * @default 2
   */
  power?: 1 | 2;
}

/** The names of {@link MelSpectrogramOptions}, for `checkOptionNames`. */
export const MEL_SPECTROGRAM_OPTIONS: OptionNames<MelSpectrogramOptions> = {
  ...STFT_OPTIONS,
  ...MEL_OPTIONS,
  sampleRate: true,
  power: true,
};

/** Everything the fused mel kernel needs, checked once. */
export interface MelPlan {
  cfg: ResolvedStft;
  bank: SparseBank;
  power: 1 | 2;
  sampleRate: number;
}

export function planMel(opts: MelSpectrogramOptions & { sampleRate: number }): MelPlan {
  const cfg = resolveStft(opts);
  const power = resolvePower(opts);
  const mel = resolveMel(opts, opts.sampleRate);
  return { cfg, bank: melBank(opts.sampleRate, cfg.nFft, mel), power, sampleRate: opts.sampleRate };
}

/**
 * Filterbank projection of analysed frames: |X|^p times the sparse filterbank, written to columns of
 * a rows x cols output. With the SIMD kernel (power-of-two nFft) a block of frames at a time, the
 * projection in the same WebAssembly module (float32 sums); otherwise frame by frame through fft.js
 * and a small time-major tile (float64 sums). Holds every scratch buffer, so frames allocate nothing.
 */
export class MelKernel {
  readonly an: FrameAnalyser;
  private readonly simd: SimdPower | null;
  private readonly mag: Float64Array;
  private readonly tile: Float64Array;
  constructor(readonly plan: MelPlan) {
    this.an = new FrameAnalyser(plan.cfg);
    this.simd = simdPower(plan.cfg, plan.bank);
    this.mag = new Float64Array(this.simd ? 0 : this.an.fft.bins);
    this.tile = new Float64Array(this.simd ? 0 : TILE * plan.bank.rows);
  }

  /** Frames t0 .. t0+n-1 of the signal (x holds whole-signal samples from index `base`) into columns c0.. of out. */
  frames(
    x: Float32Array,
    t0: number,
    n: number,
    base: number,
    total: number,
    out: Float32Array,
    cols: number,
    c0: number,
  ): void {
    if (this.simd) this.simd.columns(x, base, total, t0, n, this.plan.power, out, cols, c0);
    else this.framesFftJs(x, t0, n, base, total, out, cols, c0);
  }

  private framesFftJs(
    x: Float32Array,
    t0: number,
    n: number,
    base: number,
    total: number,
    out: Float32Array,
    cols: number,
    c0: number,
  ): void {
    const mag = this.mag;
    const bins = mag.length;
    const { start, weights, rows } = this.plan.bank;
    const tile = this.tile;
    for (let b = 0; b < n; b += TILE) {
      const nb = Math.min(TILE, n - b);
      for (let k = 0; k < nb; k++) {
        this.an.analysePower(x, t0 + b + k, base, total, mag, 0);
        if (this.plan.power === 1) for (let r = 0; r < bins; r++) mag[r] = Math.sqrt(mag[r]);
        project(mag, start, weights, rows, tile, k * rows);
      }
      storeTile(tile, nb, rows, out, cols, c0 + b);
    }
  }
}

// The projection lives in its own function so V8 optimises it apart from the FFT (inlined into one
// large frame loop such loops ran ~2x slower).
function project(
  mag: Float64Array,
  start: Int32Array,
  weights: Float64Array[],
  rows: number,
  tile: Float64Array,
  o: number,
): void {
  for (let m = 0; m < rows; m++) {
    const w = weights[m];
    const s = start[m];
    let acc = 0;
    for (let j = 0; j < w.length; j++) acc += w[j] * mag[s + j];
    tile[o + m] = acc;
  }
}

/** Wraps mel data with its axes (band centres, frame centres). */
export function melSpectrogramResult(plan: MelPlan, data: Float32Array, cols: number, firstFrame = 0): Spectrogram {
  const { cfg, bank, sampleRate } = plan;
  const times = frameTimesFrom(firstFrame, cols, sampleRate, cfg.hopLength, cfg.nFft, cfg.center);
  return {
    rows: bank.rows,
    cols,
    data,
    sampleRate,
    hopLength: cfg.hopLength,
    frequencies: bank.centres.slice(),
    times,
    scale: 'mel',
    unit: plan.power === 2 ? 'power' : 'amplitude',
  };
}

/**
 * Mel spectrogram, as `librosa.feature.melspectrogram(y, sr, n_fft, hop_length, win_length, window,
 * center, pad_mode, power, n_mels, fmin, fmax, htk, norm)`: `melFilterbank @ |stft(x)|^power`.
 *
 * Output: Spectrogram nMels x frames; frequencies = the centre (peak) frequency of each mel band in Hz,
 * times = frame centres in s; scale 'mel', unit 'power' (power 2) or 'amplitude' (power 1).
 * Notes: framing as {@link stft}; the filterbank is applied frame by frame on its non-zero span, so no
 * linear spectrogram is materialised (extra memory O(nFft + nMels * bins), not O(frames)).
 */
export function melSpectrogram(signal: Signal, options: MelSpectrogramOptions = {}): Spectrogram {
  checkOptionNames(options, MEL_SPECTROGRAM_OPTIONS, 'melSpectrogram');
  return melSpectrogramOf(signal, options);
}

/**
 * {@link melSpectrogram} without its option-name check, for the callers that pass on options of
 * their own as well (logMelSpectrogram's dB options, melSpectrogramAsync's workers), checked there.
 */
export function melSpectrogramOf(signal: Signal, options: MelSpectrogramOptions): Spectrogram {
  const { samples: x, opts } = resolveSignal(signal, options);
  const plan = planMel(opts);
  const cols = frameCount(x.length, plan.cfg);
  assertOutputFits(plan.bank.rows, cols, 4, plan.cfg, x.length);
  // not zeroed: the kernel writes every element (test/spectral/unzeroed.test.ts)
  const data = uninitializedFloat32(plan.bank.rows * cols);
  const k = new MelKernel(plan);
  k.frames(x, 0, cols, 0, x.length, data, cols, 0);
  return melSpectrogramResult(plan, data, cols);
}

/** Options of {@link logMelSpectrogram}: mel spectrogram options plus the dB conversion's. */
export interface LogMelSpectrogramOptions extends MelSpectrogramOptions, DbOptions {}

const LOG_MEL_SPECTROGRAM_OPTIONS: OptionNames<LogMelSpectrogramOptions> = {
  ...MEL_SPECTROGRAM_OPTIONS,
  ...DB_OPTIONS,
};

/**
 * Log-mel spectrogram: `powerToDb(melSpectrogram(x))` (or amplitudeToDb when power = 1) computed with
 * no intermediate beyond the output: the dB conversion runs in place.
 *
 * Output: Spectrogram nMels x frames, unit 'dB'. Suitable for hours of audio (extra memory is O(nFft +
 * nMels * bins)); see {@link melSpectrogramBlocks} for chunked input.
 */
export function logMelSpectrogram(x: Signal, opts: LogMelSpectrogramOptions = {}): Spectrogram {
  checkOptionNames(opts, LOG_MEL_SPECTROGRAM_OPTIONS, 'logMelSpectrogram');
  const power = opts.power ?? 2;
  const db = resolveDb(opts, power === 1 ? 1e-5 : 1e-10);
  const s = melSpectrogramOf(x, opts);
  dbInPlace(s.data, s.data, db, power === 1);
  return { ...s, unit: 'dB' };
}
