import {
  assert,
  assertPositive,
  assertPositiveInt,
  checkOptionNames,
  formatValue,
  type OptionNames,
  warnOnce,
} from '../errors';
import { createGrid, Grid } from '../grid/grid';
import { fftFrequencies } from './spectrogram';

/** Mel filterbank options, shared by melFilterbank, melSpectrogram and mfcc (librosa.filters.mel's). */
export interface MelOptions {
  /**
   * Number of mel bands.
   * @default 128
   */
  nMels?: number;
  /**
   * Lowest band edge in Hz.
   * @default 0
   */
  fMin?: number;
  /**
   * Highest band edge in Hz.
   * @default sampleRate / 2
   */
  fMax?: number;
  /**
   * Mel scale: HTK's `2595 log10(1 + f/700)` when true, Slaney's (Auditory Toolbox: linear below
   * 1 kHz, logarithmic above) when false, as librosa.
   * @default false
   */
  htk?: boolean;
  /**
   * 'slaney' divides each triangle by its width in Hz (constant energy per band, librosa's default);
   * null leaves peak-1 triangles.
   * @default 'slaney'
   */
  norm?: 'slaney' | null;
}

/** The names of {@link MelOptions}, for `checkOptionNames`. */
export const MEL_OPTIONS: OptionNames<MelOptions> = { nMels: true, fMin: true, fMax: true, htk: true, norm: true };

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Hz to mel, as `librosa.hz_to_mel` (Slaney scale unless `htk`). */
export function hzToMel(hz: number, htk = false): number {
  assert(Number.isFinite(hz) && hz >= 0, () => `hz=${formatValue(hz)} must be a finite number >= 0`);
  if (htk) return 2595 * Math.log10(1 + hz / 700);
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

/** Mel to Hz, as `librosa.mel_to_hz` (Slaney scale unless `htk`). */
export function melToHz(mel: number, htk = false): number {
  assert(Number.isFinite(mel) && mel >= 0, () => `mel=${formatValue(mel)} must be a finite number >= 0`);
  if (htk) return 700 * (10 ** (mel / 2595) - 1);
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** `n` frequencies in Hz equally spaced on the mel scale from fMin to fMax inclusive (`librosa.mel_frequencies`). */
export function melFrequencies(n: number, fMin: number, fMax: number, htk = false): Float64Array {
  assertPositiveInt(n, 'n');
  assert(
    Number.isFinite(fMax) && fMax >= fMin,
    () => `fMax=${formatValue(fMax)} must be a finite number >= fMin=${formatValue(fMin)}`,
  );
  const a = hzToMel(fMin, htk);
  const b = hzToMel(fMax, htk);
  const out = new Float64Array(n);
  // numpy.linspace: start + i * step, with the last point exactly `b`.
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = melToHz(i === n - 1 && n > 1 ? b : a + i * step, htk);
  return out;
}

/** MelOptions with defaults applied and checked. */
export interface ResolvedMel {
  nMels: number;
  fMin: number;
  fMax: number;
  htk: boolean;
  norm: 'slaney' | null;
}

/** Validates MelOptions against `sampleRate`, naming the argument in errors. */
export function resolveMel(opts: MelOptions, sampleRate: number): ResolvedMel {
  assertPositive(sampleRate, 'sampleRate');
  const nMels = opts.nMels ?? 128;
  assertPositiveInt(nMels, 'nMels');
  const fMin = opts.fMin ?? 0;
  assert(Number.isFinite(fMin) && fMin >= 0, () => `fMin=${formatValue(fMin)} must be a finite number >= 0`);
  const fMax = opts.fMax ?? sampleRate / 2;
  assert(
    Number.isFinite(fMax) && fMax > fMin,
    () => `fMax=${formatValue(fMax)} must be a finite number > fMin=${fMin}`,
  );
  const htk = opts.htk ?? false;
  assert(typeof htk === 'boolean', () => `htk=${formatValue(htk)} must be a boolean`);
  const norm = opts.norm === undefined ? 'slaney' : opts.norm;
  assert(norm === 'slaney' || norm === null, () => `norm=${formatValue(norm)} must be 'slaney' or null`);
  return { nMels, fMin, fMax, htk, norm };
}

/** A filterbank stored sparsely: band i has weights `w[i]` on bins `start[i] .. start[i] + w[i].length - 1`. */
export interface SparseBank {
  rows: number;
  bins: number;
  start: Int32Array;
  weights: Float64Array[];
  /** Centre frequency in Hz of each band. */
  centres: Float64Array;
}

/** Triangular filters with corners `edges[i], edges[i+1], edges[i+2]` over the FFT bin frequencies. */
export function triangularBank(edges: Float64Array, sampleRate: number, nFft: number, slaneyNorm: boolean): SparseBank {
  const freqs = fftFrequencies(sampleRate, nFft);
  const rows = edges.length - 2;
  const start = new Int32Array(rows);
  const weights: Float64Array[] = [];
  let empty = false;
  for (let i = 0; i < rows; i++) {
    const lower = edges[i + 1] - edges[i];
    const upper = edges[i + 2] - edges[i + 1];
    const enorm = slaneyNorm ? 2 / (edges[i + 2] - edges[i]) : 1;
    let first = -1;
    let last = -1;
    const row = new Float64Array(freqs.length);
    for (let k = 0; k < freqs.length; k++) {
      // librosa: max(0, min(-(edge_i - f) / lower, (edge_{i+2} - f) / upper))
      const v = Math.max(0, Math.min(-(edges[i] - freqs[k]) / lower, (edges[i + 2] - freqs[k]) / upper));
      if (v > 0) {
        if (first < 0) first = k;
        last = k;
      }
      row[k] = v * enorm;
    }
    if (first < 0) {
      empty = empty || edges[i] !== 0;
      start[i] = 0;
      weights.push(new Float64Array(0));
    } else {
      start[i] = first;
      weights.push(row.slice(first, last + 1));
    }
  }
  if (empty)
    warnOnce(
      'Empty filters detected in mel frequency basis. Some channels will produce empty responses. ' +
        'Try increasing your sampling rate (and fMax) or reducing nMels.',
    );
  return { rows, bins: freqs.length, start, weights, centres: edges.slice(1, rows + 1) };
}

/** The sparse mel bank behind {@link melFilterbank}. */
export function melBank(sampleRate: number, nFft: number, mel: ResolvedMel): SparseBank {
  const edges = melFrequencies(mel.nMels + 2, mel.fMin, mel.fMax, mel.htk);
  return triangularBank(edges, sampleRate, nFft, mel.norm === 'slaney');
}

/** Dense row-major copy of a sparse bank (rows x bins). */
export function denseBank(b: SparseBank): Grid {
  const g = createGrid(b.rows, b.bins);
  for (let i = 0; i < b.rows; i++) {
    const w = b.weights[i];
    for (let k = 0; k < w.length; k++) g.data[i * b.bins + b.start[i] + k] = w[k];
  }
  return g;
}

/** Options of {@link melFilterbank}. */
export interface MelFilterbankOptions extends MelOptions {
  /** Sample rate in Hz. Required. */
  sampleRate: number;
  /** FFT length the filters apply to (columns = floor(nFft/2)+1). Required. */
  nFft: number;
}

/** The names of {@link MelFilterbankOptions}, for `checkOptionNames`. */
const MEL_FILTERBANK_OPTIONS: OptionNames<MelFilterbankOptions> = { ...MEL_OPTIONS, sampleRate: true, nFft: true };

/**
 * Mel filterbank matrix, equal to `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm)`.
 *
 * Output: Grid nMels x (floor(nFft/2)+1); row i is the triangle of band i over the STFT bins, so a
 * mel spectrogram is this matrix times a linear spectrogram (bins x frames).
 * Notes: Slaney mel scale and Slaney area normalisation by default (librosa; torchaudio defaults to
 * HTK and no normalisation). Warns once, as librosa, when a band falls between two bins and is empty.
 */
export function melFilterbank(opts: MelFilterbankOptions): Grid {
  assert(opts !== null && typeof opts === 'object', () => `opts must be an options object, got ${formatValue(opts)}`);
  checkOptionNames(opts, MEL_FILTERBANK_OPTIONS, 'melFilterbank');
  assert(opts.sampleRate !== undefined, () => 'sampleRate is required (opts.sampleRate is undefined)');
  assert(opts.nFft !== undefined, () => 'nFft is required (opts.nFft is undefined)');
  assertPositiveInt(opts.nFft, 'nFft');
  return denseBank(melBank(opts.sampleRate, opts.nFft, resolveMel(opts, opts.sampleRate)));
}
