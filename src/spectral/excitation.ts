// Linear prediction (Levinson-Durbin) and the frame-wise excitation statistics built on it.
import { assert, assertPositive, assertPositiveInt, checkOptionNames, type OptionNames } from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { griffinLim } from './griffinLim';
import { HARMONIC_PHASE_ROWS, harmonicPhaseRows, voicedPitch } from './harmonicPhase';
import { checkFrameTimes, resolveSignal, type Signal, type SignalOptions } from './options';
import { PROSODY_ROWS, prosodyRows } from './prosody';
import { spectrogram } from './spectrogram';

/**
 * Levinson-Durbin recursion: the all-pole predictor `x[n] ~ sum_{k=1..order} a[k] x[n-k]` from the
 * autocorrelation `r[0..order]`, written to `a[1..order]` (`a[0]` is 0). A silent (r[0] <= 1e-20)
 * or numerically singular input leaves the remaining coefficients 0. `tmp` is scratch of length
 * order + 1. Returns the prediction error power.
 *
 * Notes: equals `scipy.linalg.solve_toeplitz(r[:order], r[1:order+1])` for a positive-definite `r`.
 */
export function levinsonDurbin(r: ArrayLike<number>, order: number, a: Float64Array, tmp: Float64Array): number {
  a.fill(0);
  let err = r[0];
  if (!(err > 1e-20)) return err;
  for (let i = 1; i <= order; i++) {
    let acc = r[i];
    for (let j = 1; j < i; j++) acc -= a[j] * r[i - j];
    const kappa = acc / err;
    tmp.set(a);
    a[i] = kappa;
    for (let j = 1; j < i; j++) a[j] = tmp[j] - kappa * tmp[i - j];
    err *= 1 - kappa * kappa;
    if (!(err > 1e-20 * r[0])) break;
  }
  return err;
}

/** Autocorrelation `r[lag] = sum_i frame[i] frame[i - lag]` for lags 0..order (the frame already windowed). */
export function autocorrelation(frame: Float64Array, order: number, r: Float64Array): void {
  for (let lag = 0; lag <= order; lag++) {
    let s = 0;
    for (let i = lag; i < frame.length; i++) s += frame[i] * frame[i - lag];
    r[lag] = s;
  }
}

/** Options of {@link excitationFeatures}. */
export interface ExcitationOptions {
  /** Sample rate of the signal, Hz. */
  sampleRate: number;
  /** Frame centres in seconds, e.g. a spectrogram's `times`, so the rows line up with its columns. */
  times: ArrayLike<number>;
  /** Analysis frame, samples (periodic Hann window for the fit). @default round(0.032 * sampleRate) (32 ms) */
  frameLength?: number;
  /** Prediction order. @default 2 + round(sampleRate / 1000) (the classic rule: 10 at 8 kHz, 18 at 16 kHz) */
  order?: number;
  /**
   * What rows 0 and 1 are measured against. `'none'`: the statistics themselves. `'griffin-lim'`:
   * the statistics minus those of the same frame of the signal's own Griffin-Lim copy
   * ({@link griffinLimReference}), so they say how much peakier the residual is than a copy with the
   * same magnitude spectrogram and phase made up by Griffin-Lim.
   * Why: how peaky a recording's residual is depends on the speaker and the recording chain as
   * well as on phase reconstruction; the copy has the recording's magnitude and channel, so the
   * difference keeps what the phase adds. @default 'none'
   */
  reference?: ExcitationReference;
  /**
   * Append `harmonicPhaseFeatures`' five rows (voicing and the relative phases of the 2nd and
   * 3rd harmonics) below the three statistics' rows.
   * Why: the residual's peakiness also depends on how the speaker was recorded (some recordings
   * are as smooth as a Griffin-Lim copy); the harmonics' relative phases stay concentrated in a
   * recording and wander in a copy. @default false
   */
  harmonicPhase?: boolean;
  /**
   * Append `prosodyFeatures`' two rows (voicing and `ln f0` relative to the clip's median)
   * last, for the prosody expert.
   * Why: synthetic voices draw a smoother, narrower pitch contour than speech, which neither the
   * spectrum nor the residual shows. @default false
   */
  prosody?: boolean;
}

const EXCITATION_OPTIONS: OptionNames<ExcitationOptions> = {
  sampleRate: true,
  times: true,
  frameLength: true,
  order: true,
  reference: true,
  harmonicPhase: true,
  prosody: true,
};

/** The values of {@link ExcitationOptions.reference}. */
export const EXCITATION_REFERENCES = Object.freeze(['none', 'griffin-lim'] as const);
/** See {@link ExcitationOptions.reference}. */
export type ExcitationReference = (typeof EXCITATION_REFERENCES)[number];

/** The rows of {@link excitationFeatures} without `harmonicPhase`, in order. */
export const EXCITATION_ROWS = Object.freeze(['log kurtosis', 'log crest factor', 'energy dB'] as const);

/** The rows of {@link excitationFeatures} with these options, in order. */
export function excitationRowNames(opts: { harmonicPhase?: boolean; prosody?: boolean }): readonly string[] {
  return [
    ...EXCITATION_ROWS,
    ...(opts.harmonicPhase ? HARMONIC_PHASE_ROWS : []),
    ...(opts.prosody ? PROSODY_ROWS : []),
  ];
}

/**
 * Frame-wise statistics of the linear-prediction residual (the excitation) of mono samples or an
 * Audio (mixed down to mono; `sampleRate` then defaults to its own): a `3 x times.length`
 * Grid (5 more rows with `harmonicPhase`, 2 more with `prosody`: {@link excitationRowNames}) whose
 * first rows are {@link EXCITATION_ROWS}:
 * 0. `ln(E[e^4] / E[e^2]^2)`, the log kurtosis of the residual `e` in the frame;
 * 1. `ln(max|e| / sqrt(E[e^2]))`, its log crest (peak-to-RMS) factor;
 * 2. `10 log10(sum (w x)^2)`, the windowed frame energy in dB (floored at -100 dB), so a model can
 *    tell speech frames from pauses.
 *
 * Each frame of `frameLength` samples is centred at `times[j] * sampleRate` (zero-padded at the
 * ends); its predictor comes from the autocorrelation of the Hann-windowed frame (Levinson-Durbin),
 * and the residual is the inverse filter applied to the unwindowed frame from sample `order` on.
 * A silent frame gets the statistics of Gaussian noise (kurtosis 3, crest sqrt(3)). With
 * `reference: 'griffin-lim'`, rows 0 and 1 are the frame's statistics minus those of the same
 * frame of {@link griffinLimReference}`(x, sampleRate, frameLength)` (row 2 stays x's energy): about
 * 0 for a Griffin-Lim copy, above 0 where the recording's pulses are sharper than phase
 * reconstruction makes them. With `harmonicPhase`, rows 3-7 are `harmonicPhaseFeatures` of x;
 * with `prosody`, the last two are `prosodyFeatures` of x (one pitch track for both).
 *
 * Why: real speech is excited by sharp glottal pulses, so its residual is peaky (kurtosis well above
 * 3). Phase-reconstruction vocoders (Griffin-Lim) keep the magnitude spectrum and smear the pulses
 * (lower kurtosis, lower crest); pulse-train vocoders (codec2, diphone synthesis) make them sharper
 * than speech. A magnitude spectrogram sees neither. On the bundled corpus the clip median of row 1
 * over loud frames separates Griffin-Lim copies from bona fide speech with ROC AUC 0.93
 * (`scripts/excitation_probe.py`).
 */
export function excitationFeatures(signal: Signal, options: SignalOptions<ExcitationOptions>): Grid {
  checkOptionNames(options, EXCITATION_OPTIONS, 'excitationFeatures');
  const { samples: x, opts } = resolveSignal(signal, options);
  const { sampleRate, times } = opts;
  assertPositive(sampleRate, 'sampleRate');
  checkFrameTimes(times, 'excitationFeatures');
  const frameLength = opts.frameLength ?? Math.round(0.032 * sampleRate);
  const order = opts.order ?? 2 + Math.round(sampleRate / 1000);
  const reference = opts.reference ?? 'none';
  assertPositiveInt(frameLength, 'frameLength');
  assertPositiveInt(order, 'order');
  assert(frameLength > 2 * order, () => `frameLength=${frameLength} must be > 2 * order=${2 * order}`);
  assert(
    EXCITATION_REFERENCES.includes(reference),
    () => `reference=${JSON.stringify(reference)} must be 'none' or 'griffin-lim'`,
  );
  const n = times.length;
  const out = createGrid(excitationRowNames(opts).length, n);
  residualStatistics(x, sampleRate, times, frameLength, order, out.data);
  if (reference === 'griffin-lim') {
    const copy = new Float32Array(3 * n);
    residualStatistics(griffinLimReference(x, sampleRate, frameLength), sampleRate, times, frameLength, order, copy);
    for (let i = 0; i < 2 * n; i++) out.data[i] -= copy[i];
  }
  // one pitch track for the harmonic phases and the prosody rows
  const f0 = opts.harmonicPhase || opts.prosody ? voicedPitch(x, { sampleRate, times }) : null;
  if (opts.harmonicPhase) out.data.set(harmonicPhaseRows(x, { sampleRate, times }, f0!).data, 3 * n);
  if (opts.prosody) out.data.set(prosodyRows(f0!).data, (out.rows - PROSODY_ROWS.length) * n);
  return out;
}

/** Length of the pieces {@link griffinLimReference} copies one at a time, and their context on each side, seconds. */
export const REFERENCE_BLOCK_SECONDS = 8;
export const REFERENCE_CONTEXT_SECONDS = 0.5;

/**
 * The Griffin-Lim copy that {@link ExcitationOptions.reference} `'griffin-lim'` measures against:
 * `griffinLim` of `x`'s magnitude spectrogram with librosa's defaults (32 iterations, momentum
 * 0.99, hop a quarter of the FFT, centred, random initial phase of seed 0), FFT size `frameLength`
 * rounded up to a power of two (256 samples for the default 32 ms frames at 8 kHz), `x.length`
 * samples. A signal longer than {@link REFERENCE_BLOCK_SECONDS} plus twice
 * {@link REFERENCE_CONTEXT_SECONDS} is copied in pieces of the block length, each with that much
 * signal on either side and only its own part kept, so memory stays bounded on long audio (a
 * whole-signal Griffin-Lim holds five doubles per STFT bin: 3.7 GB for an hour at 16 kHz).
 * Why that FFT size: on the training side of the bundled corpus's larger set
 * (`datasets/build.sh --extension train`) Griffin-Lim copies came out at 11.7 % EER against
 * 13.4 % with twice the size (and 15.1 % without a reference). It is also the size the bundled
 * corpus's Griffin-Lim attack uses; docs/results.md has the other sizes.
 */
export function griffinLimReference(x: Float32Array, sampleRate: number, frameLength: number): Float32Array {
  assertPositive(sampleRate, 'sampleRate');
  assertPositiveInt(frameLength, 'frameLength');
  const nFft = 2 ** Math.ceil(Math.log2(frameLength));
  const hopLength = nFft / 4;
  const copy = (piece: Float32Array): Float32Array =>
    griffinLim(spectrogram(piece, { sampleRate, nFft, hopLength, power: 1 }), {
      nFft,
      hopLength,
      nIter: 32,
      momentum: 0.99,
      seed: 0,
      length: piece.length,
    });
  const block = Math.round(REFERENCE_BLOCK_SECONDS * sampleRate);
  const context = Math.round(REFERENCE_CONTEXT_SECONDS * sampleRate);
  if (x.length <= block + 2 * context) return copy(x);
  const out = new Float32Array(x.length);
  for (let start = 0; start < x.length; start += block) {
    const lo = Math.max(0, start - context);
    const piece = copy(x.subarray(lo, Math.min(x.length, start + block + context)));
    out.set(piece.subarray(start - lo, start - lo + Math.min(block, x.length - start)), start);
  }
  return out;
}

// Rows 0-2 of excitationFeatures (log kurtosis, log crest factor, energy dB) of x into out (3 x times.length).
function residualStatistics(
  x: Float32Array,
  sampleRate: number,
  times: ArrayLike<number>,
  frameLength: number,
  order: number,
  out: Float32Array,
): void {
  const n = times.length;
  const win = Float64Array.from(
    { length: frameLength },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frameLength),
  );
  const frame = new Float64Array(frameLength);
  const windowed = new Float64Array(frameLength);
  const r = new Float64Array(order + 1);
  const a = new Float64Array(order + 1);
  const tmp = new Float64Array(order + 1);
  const half = Math.floor(frameLength / 2);
  for (let j = 0; j < n; j++) {
    const start = Math.round(times[j] * sampleRate) - half;
    for (let i = 0; i < frameLength; i++) {
      const k = start + i;
      frame[i] = k >= 0 && k < x.length ? x[k] : 0;
      windowed[i] = frame[i] * win[i];
    }
    autocorrelation(windowed, order, r);
    out[2 * n + j] = 10 * Math.log10(Math.max(r[0], 1e-10));
    let kurtosis = 3;
    let crest = Math.sqrt(3);
    if (r[0] > 1e-10) {
      r[0] *= 1 + 1e-9; // a white-noise floor keeps the recursion stable on pure tones
      levinsonDurbin(r, order, a, tmp);
      let m2 = 0;
      let m4 = 0;
      let peak = 0;
      for (let i = order; i < frameLength; i++) {
        let e = frame[i];
        for (let k = 1; k <= order; k++) e -= a[k] * frame[i - k];
        const e2 = e * e;
        m2 += e2;
        m4 += e2 * e2;
        peak = Math.max(peak, Math.abs(e));
      }
      const count = frameLength - order;
      m2 /= count;
      m4 /= count;
      if (m2 > 1e-30) {
        kurtosis = m4 / (m2 * m2);
        crest = peak / Math.sqrt(m2);
      }
    }
    out[j] = Math.log(kurtosis);
    out[n + j] = Math.log(crest);
  }
}
