// The relative phase of the 2nd and 3rd harmonics to the fundamental, frame by frame.
import { assert, assertPositive, checkOptionNames, type OptionNames } from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { checkFrameTimes, resolveSignal, type Signal, type SignalOptions } from './options';

/** The rows of {@link harmonicPhaseFeatures}, in order. */
export const HARMONIC_PHASE_ROWS = Object.freeze(['voiced', 'cos psi2', 'sin psi2', 'cos psi3', 'sin psi3'] as const);

/** Options of {@link harmonicPhaseFeatures}. */
export interface HarmonicPhaseOptions {
  /** Sample rate of the signal, Hz (at least 800: the pitch search needs lags of 2 samples). */
  sampleRate: number;
  /** Frame centres in seconds, e.g. a spectrogram's `times`, so the rows line up with its columns. */
  times: ArrayLike<number>;
}

/** Pitch search range, Hz; normalised autocorrelation a voiced frame must exceed; gate below the loudest frame, dB. */
const F0_MIN = 60;
const F0_MAX = 400;
const VOICING_THRESHOLD = 0.6;
const GATE_DB = 25;

/** `round(3 sampleRate / f0) | 1`: the odd length, in samples, of the three-period window of a voiced frame. */
function threePeriods(sampleRate: number, f0: number): number {
  return Math.round((3 * sampleRate) / f0) | 1;
}

/** The names of {@link HarmonicPhaseOptions}, for `checkOptionNames`. */
export const HARMONIC_PHASE_OPTIONS: OptionNames<HarmonicPhaseOptions> = { sampleRate: true, times: true };

/**
 * The fundamental frequency of each frame of {@link harmonicPhaseFeatures} (Hz), 0 where the frame
 * is not voiced: the 40 ms around `round(times[j] * sampleRate)` (zero outside the signal, mean
 * removed), normalised autocorrelation `sum f[i] f[i+l] / sqrt(sum f^2 * sum_{i>=l} f[i]^2)` at
 * lags `floor(sampleRate / 400) .. floor(sampleRate / 60)`, its largest value refined by a parabola
 * through its neighbours; voiced when that value exceeds 0.6, the frame's energy lies within 25 dB
 * of the loudest frame's and the three periods around its centre lie inside the signal. One
 * definition of voicing for the harmonic phases and the prosody rows ({@link prosodyFeatures}).
 */
export function voicedPitch(x: Float32Array, opts: HarmonicPhaseOptions): Float64Array {
  const { sampleRate, times } = opts;
  assertPositive(sampleRate, 'sampleRate');
  assert(sampleRate >= 800, () => `sampleRate=${sampleRate} must be >= 800 Hz for the pitch search`);
  checkFrameTimes(times, 'the pitch track');
  const n = times.length;
  const frameLength = Math.round(0.04 * sampleRate);
  const minLag = Math.floor(sampleRate / F0_MAX);
  const maxLag = Math.floor(sampleRate / F0_MIN);
  const frame = new Float64Array(frameLength);
  const r = new Float64Array(maxLag + 1);
  const f0 = new Float64Array(n);
  const energyDb = new Float64Array(n);
  let loudest = -Infinity;
  for (let j = 0; j < n; j++) {
    const start = Math.round(times[j] * sampleRate) - Math.floor(frameLength / 2);
    let mean = 0;
    for (let i = 0; i < frameLength; i++) {
      const k = start + i;
      frame[i] = k >= 0 && k < x.length ? x[k] : 0;
      mean += frame[i];
    }
    mean /= frameLength;
    let energy = 0;
    for (let i = 0; i < frameLength; i++) {
      frame[i] -= mean;
      energy += frame[i] * frame[i];
    }
    energyDb[j] = 10 * Math.log10(energy + 1e-12);
    if (energyDb[j] > loudest) loudest = energyDb[j];
    if (energy < 1e-10) continue;
    // tail[l] = sum_{i >= l} f[i]^2, built from the end
    let tail = 0;
    for (let i = frameLength - 1; i > maxLag; i--) tail += frame[i] * frame[i];
    let best = minLag;
    for (let l = maxLag; l >= minLag; l--) {
      tail += frame[l] * frame[l];
      let s = 0;
      for (let i = 0; i + l < frameLength; i++) s += frame[i] * frame[i + l];
      r[l] = s / Math.sqrt(energy * tail + 1e-12);
    }
    for (let l = minLag + 1; l <= maxLag; l++) if (r[l] > r[best]) best = l;
    if (!(r[best] > VOICING_THRESHOLD)) continue;
    let delta = 0;
    if (best > minLag && best < maxLag) {
      const a = r[best - 1];
      const b = r[best];
      const c = r[best + 1];
      delta = (0.5 * (a - c)) / (a - 2 * b + c + 1e-12);
    }
    f0[j] = sampleRate / (best + delta);
  }
  for (let j = 0; j < n; j++) {
    if (!(f0[j] > 0)) continue;
    const h = Math.floor(threePeriods(sampleRate, f0[j]) / 2);
    const c = Math.round(times[j] * sampleRate);
    if (energyDb[j] < loudest - GATE_DB || c - h < 0 || c + h >= x.length) f0[j] = 0;
  }
  return f0;
}

/**
 * Relative phase shift (RPS) of the harmonics of mono samples or an Audio (mixed down to mono;
 * `sampleRate` then defaults to its own), frame by frame: a `5 x times.length` Grid whose
 * rows are {@link HARMONIC_PHASE_ROWS}: 1 where the frame is voiced (else 0, and the other rows 0),
 * then `cos psi_k`, `sin psi_k` for k = 2, 3, where `psi_k = phi_k - k phi_1` is the phase of the
 * k-th harmonic minus k times the fundamental's (Saratxaga et al. 2012). `psi_k` does not depend on
 * where in the pitch period the frame starts, so it describes the shape of the glottal pulse
 * filtered by the vocal tract.
 *
 * Each frame is centred at sample `c = round(times[j] * sampleRate)`:
 * - pitch and voicing: {@link voicedPitch};
 * - phases: `X_k = sum_m x[c+m] w[m] exp(-2 pi i k f0 m / sampleRate)` over `m = -h..h`, a
 *   symmetric Hann window `w` of `L = round(3 sampleRate / f0) | 1` samples (three periods, odd),
 *   `h = floor(L / 2)`.
 *
 * Why: Griffin-Lim finds a phase consistent with the magnitude but not the one the glottis made, so
 * across a clip its `psi_2`, `psi_3` wander, while a speaker's pulses keep them close to a value of
 * their own: the concentration `|mean exp(i psi_k)|` over the voiced frames (the excitation
 * expert's third statistic) separates them. It also holds for recordings whose residual is smooth
 * (a lossy codec keeps the strong low harmonics' phases): see docs/results.md.
 * Reference: test/fixtures/gen_harmonic_phase.py (numpy), the same definition.
 */
export function harmonicPhaseFeatures(signal: Signal, options: SignalOptions<HarmonicPhaseOptions>): Grid {
  checkOptionNames(options, HARMONIC_PHASE_OPTIONS, 'harmonicPhaseFeatures');
  const { samples: x, opts } = resolveSignal(signal, options);
  return harmonicPhaseRows(x, opts, voicedPitch(x, opts));
}

/** {@link harmonicPhaseFeatures} with the pitch track `f0` (of {@link voicedPitch}) already computed. */
export function harmonicPhaseRows(x: Float32Array, opts: HarmonicPhaseOptions, f0: Float64Array): Grid {
  const { sampleRate, times } = opts;
  const n = times.length;
  const out = createGrid(HARMONIC_PHASE_ROWS.length, n);
  const d = out.data;
  for (let j = 0; j < n; j++) {
    const f = f0[j];
    if (!(f > 0)) continue;
    const h = Math.floor(threePeriods(sampleRate, f) / 2);
    const c = Math.round(times[j] * sampleRate);
    // X_1..X_3 at the harmonics of f0, with the phase measured from the frame centre
    let re1 = 0;
    let im1 = 0;
    let re2 = 0;
    let im2 = 0;
    let re3 = 0;
    let im3 = 0;
    const w = (2 * Math.PI * f) / sampleRate;
    for (let m = -h; m <= h; m++) {
      const v = x[c + m] * (0.5 - 0.5 * Math.cos((2 * Math.PI * (m + h)) / (2 * h)));
      const a = w * m;
      re1 += v * Math.cos(a);
      im1 -= v * Math.sin(a);
      re2 += v * Math.cos(2 * a);
      im2 -= v * Math.sin(2 * a);
      re3 += v * Math.cos(3 * a);
      im3 -= v * Math.sin(3 * a);
    }
    const m1 = Math.hypot(re1, im1);
    const m2 = Math.hypot(re2, im2);
    const m3 = Math.hypot(re3, im3);
    if (!(m1 > 0 && m2 > 0 && m3 > 0)) continue;
    // u = conj(X_1 / |X_1|); exp(i psi_k) = (X_k / |X_k|) u^k
    const ur = re1 / m1;
    const ui = -im1 / m1;
    const u2r = ur * ur - ui * ui;
    const u2i = 2 * ur * ui;
    const u3r = u2r * ur - u2i * ui;
    const u3i = u2r * ui + u2i * ur;
    const p2r = re2 / m2;
    const p2i = im2 / m2;
    const p3r = re3 / m3;
    const p3i = im3 / m3;
    d[j] = 1;
    d[n + j] = p2r * u2r - p2i * u2i;
    d[2 * n + j] = p2r * u2i + p2i * u2r;
    d[3 * n + j] = p3r * u3r - p3i * u3i;
    d[4 * n + j] = p3r * u3i + p3i * u3r;
  }
  return out;
}

/**
 * Concentration of the relative phases over voiced frames: `(|sum_t exp(i psi_2)| + |sum_t exp(i
 * psi_3)|) / (2 * voiced frames)` of rows laid out as {@link harmonicPhaseFeatures}' (`5 x cols`,
 * row-major), between 0 (phases spread evenly) and 1 (the same in every voiced frame); NaN with
 * fewer than {@link MIN_VOICED_FRAMES} voiced frames (too few to say).
 */
export function phaseConcentration(rows: ArrayLike<number>, cols: number): number {
  let voiced = 0;
  const sums = [0, 0, 0, 0];
  for (let t = 0; t < cols; t++) {
    voiced += rows[t];
    for (let k = 0; k < 4; k++) sums[k] += rows[(k + 1) * cols + t];
  }
  if (voiced < MIN_VOICED_FRAMES) return Number.NaN;
  return (Math.hypot(sums[0], sums[1]) + Math.hypot(sums[2], sums[3])) / (2 * voiced);
}

/** Fewer voiced frames than this and {@link phaseConcentration} says nothing (NaN). */
export const MIN_VOICED_FRAMES = 5;
