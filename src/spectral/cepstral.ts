import { assert, assertPositive, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { Spectrogram } from '../grid/grid';
import { DbOptions, dbInPlace, resolveDb } from './db';
import { dctColumns } from './dct';
import { deltaData } from './deltas';
import {
  MEL_SPECTROGRAM_OPTIONS,
  MelKernel,
  MelPlan,
  melSpectrogramResult,
  MelSpectrogramOptions,
  planMel,
} from './melSpectrogram';
import { triangularBank } from './mel';
import {
  assertOutputFits,
  DB_OPTIONS,
  frameCount,
  resolveSignal,
  resolveStft,
  type Signal,
  STFT_OPTIONS,
  type StftOptions,
} from './options';
import { getWindow } from './window';

function coefficientAxis(n: number): Float64Array {
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = i;
  return f;
}

/** Options of {@link mfcc}: mel spectrogram and dB options plus the cepstral ones. */
export interface MfccOptions extends MelSpectrogramOptions, DbOptions {
  /**
   * Number of coefficients kept (<= nMels).
   * @default 20
   */
  nMfcc?: number;
  /**
   * DCT type; only the orthonormal DCT-II (librosa's default `dct_type=2, norm='ortho'`) is provided.
   * @default 2
   */
  dctType?: 2;
  /**
   * Sinusoidal liftering `1 + (lifter/2) sin(pi (k+1) / lifter)` of coefficient k when > 0 (librosa `lifter`).
   * @default 0
   */
  lifter?: number;
}

const MFCC_OPTIONS: OptionNames<MfccOptions> = {
  ...MEL_SPECTROGRAM_OPTIONS,
  ...DB_OPTIONS,
  nMfcc: true,
  dctType: true,
  lifter: true,
};

/**
 * Mel-frequency cepstral coefficients, as `librosa.feature.mfcc(y, sr, n_mfcc, dct_type=2, norm='ortho',
 * lifter, **melspectrogram_kwargs)`: the orthonormal DCT-II over the mel axis of
 * `powerToDb(melSpectrogram(x))` (ref 1, amin 1e-10, topDb 80 unless given), first nMfcc rows.
 *
 * Output: Spectrogram nMfcc x frames, scale 'cepstral', unit 'coefficient'; `frequencies` holds the
 * coefficient index 0..nMfcc-1 (a cepstral axis has no Hz), `times` the frame centres.
 * Notes: librosa's convention (Slaney mel with area norm, dB of power, ortho DCT); torchaudio's MFCC
 * defaults (HTK mel, no norm) give different numbers.
 */
export function mfcc(signal: Signal, options: MfccOptions = {}): Spectrogram {
  checkOptionNames(options, MFCC_OPTIONS, 'mfcc');
  const { samples: x, opts } = resolveSignal(signal, options);
  const nMfcc = opts.nMfcc ?? 20;
  assertPositiveInt(nMfcc, 'nMfcc');
  assert(
    (opts.dctType ?? 2) === 2,
    () => `dctType=${formatValue(opts.dctType)} is not supported: only 2 (orthonormal DCT-II)`,
  );
  const lifter = opts.lifter ?? 0;
  assert(Number.isFinite(lifter) && lifter >= 0, () => `lifter=${formatValue(lifter)} must be a finite number >= 0`);
  const db = resolveDb(opts, 1e-10);
  const plan = planMel(opts);
  assert(nMfcc <= plan.bank.rows, () => `nMfcc=${nMfcc} must be <= nMels=${plan.bank.rows}`);
  const cols = frameCount(x.length, plan.cfg);
  assertOutputFits(plan.bank.rows, cols, 4, plan.cfg, x.length);
  const mel = new Float32Array(plan.bank.rows * cols);
  const k = new MelKernel(plan);
  k.frames(x, 0, cols, 0, x.length, mel, cols, 0);
  dbInPlace(mel, mel, db, false);
  const out = dctColumns({ rows: plan.bank.rows, cols, data: mel }, nMfcc);
  if (lifter > 0) {
    for (let c = 0; c < nMfcc; c++) {
      const g = 1 + (lifter / 2) * Math.sin((Math.PI * (c + 1)) / lifter);
      for (let t = 0; t < cols; t++) out[c * cols + t] *= g;
    }
  }
  const base = melSpectrogramResult(plan, out, cols);
  return { ...base, rows: nMfcc, frequencies: coefficientAxis(nMfcc), scale: 'cepstral', unit: 'coefficient' };
}

/** Named LFCC configurations (see {@link LfccOptions.preset}). */
export const LFCC_PRESETS = ['asvspoof2019'] as const;
/** A name in {@link LFCC_PRESETS}. */
export type LfccPreset = (typeof LFCC_PRESETS)[number];

/** Options of {@link lfcc}. STFT fields as {@link StftOptions} (nFft 2048 as there, unless a preset sets it). */
export interface LfccOptions extends Partial<StftOptions> {
  /** Sample rate of the signal in Hz. @default the Audio's own; required with a Float32Array */
  sampleRate?: number;
  /**
   * Start from a published configuration; fields given explicitly override it.
   * 'asvspoof2019' = the ASVspoof 2019 LFCC-GMM baseline (`extract_lfcc.m`): pre-emphasis 0.97,
   * 20 ms symmetric Hamming window, 10 ms hop, no centring, 512-point FFT, 20 linear filters from 0 Hz
   * to sampleRate/2, 20 coefficients, log10(E + MATLAB eps), deltas and double deltas of width 3.
   * The baseline is defined at 16 kHz; above 25.6 kHz, where 20 ms is longer than 512 samples, the
   * FFT is the next power of two at least as long as the window.
   */
  preset?: LfccPreset;
  /**
   * Number of triangular filters, equally spaced in Hz from fMin to fMax.
   * @default 20
   */
  nFilters?: number;
  /**
   * Number of cepstral coefficients kept (<= nFilters), including c0.
   * @default 20
   */
  nLfcc?: number;
  /**
   * Lowest filter edge in Hz.
   * @default 0
   */
  fMin?: number;
  /**
   * Highest filter edge in Hz.
   * @default sampleRate / 2
   */
  fMax?: number;
  /**
   * Pre-emphasis coefficient a: `y[n] = x[n] - a x[n-1]`, `y[0] = x[0]` (MATLAB `filter([1 -a], 1, x)`); 0 disables.
   * @default 0
   */
  preEmphasis?: number;
  /**
   * Added to the filterbank energies before log10 (the baseline's MATLAB `eps`).
   * @default 2.220446049250313e-16
   */
  eps?: number;
  /**
   * Append delta and double-delta rows ({@link baselineDeltas}), giving 3 * nLfcc rows.
   * @default false
   */
  deltas?: boolean;
  /**
   * Width of the delta window (odd), see {@link baselineDeltas}.
   * @default 3
   */
  deltaWidth?: number;
}

const LFCC_OPTIONS: OptionNames<LfccOptions> = {
  ...STFT_OPTIONS,
  sampleRate: true,
  preset: true,
  nFilters: true,
  nLfcc: true,
  fMin: true,
  fMax: true,
  preEmphasis: true,
  eps: true,
  deltas: true,
  deltaWidth: true,
};

/** The explicit options a preset stands for at a given sample rate. */
export function lfccPreset(preset: LfccPreset, sampleRate: number): Omit<LfccOptions, 'preset'> & { nFft: number } {
  assert(preset === 'asvspoof2019', () => `preset=${JSON.stringify(preset)} must be 'asvspoof2019'`);
  assertPositive(sampleRate, 'sampleRate');
  const winLength = Math.round(0.02 * sampleRate);
  return {
    sampleRate,
    nFft: Math.max(512, 2 ** Math.ceil(Math.log2(winLength))),
    winLength,
    hopLength: Math.round(0.01 * sampleRate),
    window: new Float32Array(getWindow('hamming', winLength, { periodic: false })),
    center: false,
    padMode: 'constant',
    nFilters: 20,
    nLfcc: 20,
    fMin: 0,
    fMax: sampleRate / 2,
    preEmphasis: 0.97,
    eps: 2.220446049250313e-16,
    deltas: true,
    deltaWidth: 3,
  };
}

/**
 * Linear-frequency cepstral coefficients: power spectrum (|stft|^2) through nFilters triangular filters
 * equally spaced in Hz, `log10(E + eps)`, orthonormal DCT-II, first nLfcc coefficients; optionally
 * followed by deltas and double deltas.
 *
 * Output: Spectrogram (nLfcc or 3*nLfcc) x frames, rows ordered [static; delta; double delta];
 * scale 'cepstral', unit 'coefficient', `frequencies` = coefficient index, `times` = frame centres.
 * Notes: follows the ASVspoof 2019 baseline (`extract_lfcc.m`), whose filters equal
 * `torchaudio.functional.linear_fbanks`; differences kept from it: frames follow librosa's framing
 * (the trailing partial frame MATLAB's `buffer` zero-pads is dropped), and the window is centred in the
 * FFT frame instead of left-aligned, which changes only the phase, not the power used here.
 */
export function lfcc(signal: Signal, options: LfccOptions): Spectrogram {
  checkOptionNames(options, LFCC_OPTIONS, 'lfcc');
  const { samples: x, opts } = resolveSignal(signal, options);
  assertPositive(opts.sampleRate, 'sampleRate');
  const explicit = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as LfccOptions;
  const o: LfccOptions = opts.preset ? { ...lfccPreset(opts.preset, opts.sampleRate), ...explicit } : explicit;
  const sr = opts.sampleRate;
  const cfg = resolveStft(o as StftOptions);
  const nFilters = o.nFilters ?? 20;
  assertPositiveInt(nFilters, 'nFilters');
  const nLfcc = o.nLfcc ?? 20;
  assertPositiveInt(nLfcc, 'nLfcc');
  assert(nLfcc <= nFilters, () => `nLfcc=${nLfcc} must be <= nFilters=${nFilters}`);
  const fMin = o.fMin ?? 0;
  assert(Number.isFinite(fMin) && fMin >= 0, () => `fMin=${formatValue(fMin)} must be a finite number >= 0`);
  const fMax = o.fMax ?? sr / 2;
  assert(
    Number.isFinite(fMax) && fMax > fMin,
    () => `fMax=${formatValue(fMax)} must be a finite number > fMin=${fMin}`,
  );
  const pre = o.preEmphasis ?? 0;
  assert(
    Number.isFinite(pre) && pre >= 0 && pre < 1,
    () => `preEmphasis=${formatValue(pre)} must be a number in [0, 1)`,
  );
  const eps = o.eps ?? 2.220446049250313e-16;
  assertPositive(eps, 'eps');
  const withDeltas = o.deltas ?? false;
  assert(typeof withDeltas === 'boolean', () => `deltas=${formatValue(withDeltas)} must be a boolean`);
  const width = o.deltaWidth ?? 3;
  assert(
    Number.isInteger(width) && width >= 3 && width % 2 === 1,
    () => `deltaWidth=${formatValue(width)} must be an odd integer >= 3`,
  );

  let y = x;
  if (pre > 0) {
    y = new Float32Array(x.length);
    y[0] = x[0];
    for (let n = 1; n < x.length; n++) y[n] = x[n] - pre * x[n - 1];
  }
  const edges = new Float64Array(nFilters + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = fMin + ((fMax - fMin) * i) / (nFilters + 1);
  const plan: MelPlan = { cfg, bank: triangularBank(edges, sr, cfg.nFft, false), power: 2, sampleRate: sr };
  const cols = frameCount(y.length, cfg);
  assertOutputFits(nFilters, cols, 4, cfg, y.length);
  const energies = new Float32Array(nFilters * cols);
  const k = new MelKernel(plan);
  k.frames(y, 0, cols, 0, y.length, energies, cols, 0);
  for (let i = 0; i < energies.length; i++) energies[i] = Math.log10(energies[i] + eps);
  const stat = dctColumns({ rows: nFilters, cols, data: energies }, nLfcc);
  let data = stat;
  let rows = nLfcc;
  if (withDeltas) {
    const d = deltaData(stat, nLfcc, cols, width);
    const dd = deltaData(d, nLfcc, cols, width);
    data = new Float32Array(3 * nLfcc * cols);
    data.set(stat, 0);
    data.set(d, nLfcc * cols);
    data.set(dd, 2 * nLfcc * cols);
    rows = 3 * nLfcc;
  }
  const base = melSpectrogramResult(plan, data, cols);
  return { ...base, rows, frequencies: coefficientAxis(rows), scale: 'cepstral', unit: 'coefficient' };
}
