import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { assertMemory } from '../memory';
import { autocorrelation, levinsonDurbin } from '../spectral/excitation';
import { maybeEmptySamples, type Signal } from '../spectral/options';

/**
 * Frames whose RMS lies within `topDb` of the loudest frame, as librosa `effects.trim` /
 * `_signal_to_frame_nonsilent`: RMS of centred (zero-padded) frames, `20 log10(max(rms, 1e-5) / max rms)`.
 */
function nonSilentFrames(x: Float32Array, topDb: number, frameLength: number, hopLength: number): boolean[] {
  const pad = Math.floor(frameLength / 2);
  const nFrames = 1 + Math.floor((x.length + 2 * pad - frameLength) / hopLength);
  const power = new Float64Array(nFrames);
  for (let f = 0; f < nFrames; f++) {
    let ss = 0;
    const start = f * hopLength - pad;
    for (let k = Math.max(0, start); k < Math.min(x.length, start + frameLength); k++) ss += x[k] * x[k];
    power[f] = ss / frameLength;
  }
  let ref = 0;
  for (const p of power) ref = Math.max(ref, p);
  const amin = 1e-10;
  const refDb = 10 * Math.log10(Math.max(amin, ref));
  return Array.from(power, (p) => 10 * Math.log10(Math.max(amin, p)) - refDb > -topDb);
}

/** Options of {@link trimSilence}. */
export interface TrimSilenceOptions {
  /** Threshold below the loudest frame, dB. @default 60 */
  topDb?: number;
  /** Analysis frame, samples. @default 2048 */
  frameLength?: number;
  /** Frame hop, samples. @default 512 */
  hopLength?: number;
}

const TRIM_SILENCE_OPTIONS: OptionNames<TrimSilenceOptions> = { topDb: true, frameLength: true, hopLength: true };

/**
 * Removes leading and trailing silence; returns the kept slice (a copy) and its `[start, end)` sample
 * indices in the signal (mono samples, or an Audio mixed down to mono; finite, possibly empty).
 *
 * Notes: the algorithm of `librosa.effects.trim` (start = first non-silent frame * hop, end = (last
 * non-silent frame + 1) * hop, clipped to the signal). On ASVspoof 2019 LA the length of leading
 * silence differs between bona fide and spoofed files, so a model can score well by measuring silence
 * alone (Müller et al., "Speech is Silver, Silence is Golden", 2021); trimming removes that shortcut.
 */
export function trimSilence(
  signal: Signal,
  opts: TrimSilenceOptions = {},
): { signal: Float32Array; start: number; end: number } {
  const x = maybeEmptySamples(signal);
  checkOptionNames(opts, TRIM_SILENCE_OPTIONS, 'trimSilence');
  const topDb = opts.topDb ?? 60;
  const frameLength = opts.frameLength ?? 2048;
  const hopLength = opts.hopLength ?? 512;
  assert(Number.isFinite(topDb) && topDb > 0, () => `topDb=${formatValue(topDb)} must be a finite number > 0`);
  assertPositiveInt(frameLength, 'frameLength');
  assertPositiveInt(hopLength, 'hopLength');
  if (x.length === 0) return { signal: new Float32Array(0), start: 0, end: 0 };
  const keep = nonSilentFrames(x, topDb, frameLength, hopLength);
  const first = keep.indexOf(true);
  const last = keep.lastIndexOf(true);
  if (first < 0) return { signal: new Float32Array(0), start: 0, end: 0 };
  const start = first * hopLength;
  const end = Math.min(x.length, (last + 1) * hopLength);
  return { signal: x.slice(start, end), start, end };
}

/** Options of {@link normaliseLoudness}. */
export interface LoudnessOptions {
  /** Target level in dBFS (0 dBFS = full-scale sine peak 1 / RMS 1). @default -20 */
  targetDb?: number;
  /** `'rms'`: root mean square level; `'peak'`: largest |sample|. @default 'rms' */
  method?: 'rms' | 'peak';
}

const LOUDNESS_OPTIONS: OptionNames<LoudnessOptions> = { targetDb: true, method: true };

/**
 * Scales a signal (mono samples, or an Audio mixed down to mono) so its RMS (or peak) level equals
 * `targetDb` dBFS; returns a new array. Silent input
 * (all zeros) is returned unchanged. Samples may exceed [-1, 1] after RMS scaling (no limiter).
 *
 * Notes: a plain RMS level, not ITU-R BS.1770 / EBU R128 loudness (no K-weighting or gating).
 */
export function normaliseLoudness(signal: Signal, opts: LoudnessOptions = {}): Float32Array {
  const x = maybeEmptySamples(signal);
  checkOptionNames(opts, LOUDNESS_OPTIONS, 'normaliseLoudness');
  const targetDb = opts.targetDb ?? -20;
  const method = opts.method ?? 'rms';
  assert(
    Number.isFinite(targetDb) && targetDb <= 0,
    () => `targetDb=${formatValue(targetDb)} must be a finite number <= 0 (dBFS)`,
  );
  assert(method === 'rms' || method === 'peak', () => `method=${JSON.stringify(method)} must be 'rms' or 'peak'`);
  let level = 0;
  if (method === 'rms') {
    let ss = 0;
    for (const v of x) ss += v * v;
    level = x.length ? Math.sqrt(ss / x.length) : 0;
  } else {
    for (const v of x) level = Math.max(level, Math.abs(v));
  }
  if (level === 0) return Float32Array.from(x);
  const gain = 10 ** (targetDb / 20) / level;
  return Float32Array.from(x, (v) => v * gain);
}

/**
 * First-order pre-emphasis `y[n] = x[n] - coef * x[n-1]` with `y[0] = x[0]` (python_speech_features /
 * Kaldi convention; librosa's `preemphasis` instead extrapolates a sample before x[0]) of mono
 * samples, or of an Audio mixed down to mono.
 */
export function preEmphasis(signal: Signal, coef = 0.97): Float32Array {
  const x = maybeEmptySamples(signal);
  assert(Number.isFinite(coef) && coef >= 0 && coef < 1, () => `coef=${formatValue(coef)} must be a number in [0, 1)`);
  const y = new Float32Array(x.length);
  if (x.length) y[0] = x[0];
  for (let n = 1; n < x.length; n++) y[n] = x[n] - coef * x[n - 1];
  return y;
}

/** Options of {@link fixLength}. */
export interface FixLengthOptions {
  /** Which part of a longer clip to keep. @default 'start' */
  position?: 'start' | 'centre';
  /**
   * How to lengthen a shorter clip: `'repeat'` tiles the clip (`np.tile(x, reps)[:length]`, the `pad`
   * of the ASVspoof 2021 baselines) so the network never sees an artificial silent tail; `'zeros'`
   * appends zeros. An empty clip is always zero-padded.
   * @default 'repeat'
   */
  pad?: 'repeat' | 'zeros';
}

const FIX_LENGTH_OPTIONS: OptionNames<FixLengthOptions> = { position: true, pad: true };

/** Crops or pads a signal (mono samples, or an Audio mixed down to mono) to exactly `length` samples (a new array). */
export function fixLength(signal: Signal, length: number, opts: FixLengthOptions = {}): Float32Array {
  const x = maybeEmptySamples(signal);
  checkOptionNames(opts, FIX_LENGTH_OPTIONS, 'fixLength');
  assertPositiveInt(length, 'length');
  assertMemory(length * 4, () => `length=${length}`);
  const position = opts.position ?? 'start';
  const pad = opts.pad ?? 'repeat';
  assert(
    position === 'start' || position === 'centre',
    () => `position=${JSON.stringify(position)} must be 'start' or 'centre'`,
  );
  assert(pad === 'repeat' || pad === 'zeros', () => `pad=${JSON.stringify(pad)} must be 'repeat' or 'zeros'`);
  if (x.length >= length) {
    const start = position === 'start' ? 0 : Math.floor((x.length - length) / 2);
    return x.slice(start, start + length);
  }
  const y = new Float32Array(length);
  if (pad === 'zeros' || x.length === 0) {
    y.set(x);
    return y;
  }
  for (let off = 0; off < length; off += x.length) y.set(x.subarray(0, Math.min(x.length, length - off)), off);
  return y;
}

/** Options of {@link lpcResidual}. */
export interface LpcResidualOptions {
  /** Prediction order (poles of the all-pole model). @default 16 */
  order?: number;
  /** Analysis frame, samples; frames are centred every `frameLength / 2` samples. @default 400 */
  frameLength?: number;
}

const LPC_RESIDUAL_OPTIONS: OptionNames<LpcResidualOptions> = { order: true, frameLength: true };

/**
 * Linear-prediction residual (inverse filtering, "excitation") of mono samples or of an Audio mixed
 * down to mono: each frame's all-pole model is fitted
 * by the autocorrelation method (periodic-Hann-windowed, zero-padded frame; Levinson-Durbin) and its
 * inverse filter `e[n] = x[n] - sum_k a_k x[n-k]` is applied to the signal; frames centred every
 * `frameLength / 2` samples are cross-faded with a periodic Hann window (which sums to 1 at 50 %
 * overlap), so every sample is covered. Silent frames pass the signal through.
 *
 * Why: the residual removes the vocal-tract envelope and keeps the excitation, where the pulses of
 * real glottal closures are sharp; phase-only vocoders (Griffin-Lim copies) keep the magnitude
 * spectrum but smear those pulses, so a short-window spectrogram of the residual shows what the
 * magnitude spectrogram of the speech cannot. Notes: per-frame coefficients equal
 * `scipy.linalg.solve_toeplitz(r[:p], r[1:p+1])` of the windowed frame's autocorrelation `r`.
 */
export function lpcResidual(signal: Signal, opts: LpcResidualOptions = {}): Float32Array {
  const x = maybeEmptySamples(signal);
  checkOptionNames(opts, LPC_RESIDUAL_OPTIONS, 'lpcResidual');
  const order = opts.order ?? 16;
  const frameLength = opts.frameLength ?? 400;
  assertPositiveInt(order, 'order');
  assertPositiveInt(frameLength, 'frameLength');
  assert(
    frameLength % 2 === 0 && frameLength > 2 * order,
    () => `frameLength=${frameLength} must be even and > 2 * order=${2 * order}`,
  );
  const hop = frameLength / 2;
  const n = x.length;
  const win = Float64Array.from(
    { length: frameLength },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frameLength),
  );
  const out = new Float32Array(n);
  const frame = new Float64Array(frameLength);
  const r = new Float64Array(order + 1);
  const a = new Float64Array(order + 1);
  const tmp = new Float64Array(order + 1);
  for (let centre = 0; centre - hop < n; centre += hop) {
    const start = centre - hop;
    for (let i = 0; i < frameLength; i++) {
      const k = start + i;
      frame[i] = k >= 0 && k < n ? x[k] * win[i] : 0;
    }
    autocorrelation(frame, order, r);
    // A silent or singular frame keeps a = 0 (the signal passes through).
    levinsonDurbin(r, order, a, tmp);
    for (let i = 0; i < frameLength; i++) {
      const m = start + i;
      if (m < 0 || m >= n) continue;
      let e = x[m];
      for (let k = 1; k <= order && m - k >= 0; k++) e -= a[k] * x[m - k];
      out[m] += win[i] * e;
    }
  }
  return out;
}
