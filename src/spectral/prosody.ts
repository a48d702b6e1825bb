// The pitch contour as two rows per frame, for the prosody expert.
import { Grid, createGrid } from '../grid/grid';
import { checkOptionNames } from '../errors';
import { HARMONIC_PHASE_OPTIONS, type HarmonicPhaseOptions, voicedPitch } from './harmonicPhase';
import { resolveSignal, type Signal, type SignalOptions } from './options';

/** The rows of {@link prosodyFeatures}, in order. */
export const PROSODY_ROWS = Object.freeze(['voiced', 'log f0'] as const);

/**
 * The pitch contour of mono samples or an Audio (mixed down to mono; `sampleRate` then defaults to
 * its own), frame by frame: a `2 x times.length` Grid whose rows are {@link PROSODY_ROWS}:
 * 1 where the frame is voiced (else 0), then `ln f0` minus the median of `ln f0` over the signal's
 * voiced frames (0 on unvoiced frames), with pitch and voicing from {@link voicedPitch} (the
 * harmonic phases' own). Relative to the median so that a window's statistics do not depend on
 * the speaker's register, and so that octave errors of the tracker stand out (±0.69).
 *
 * Why: rule- and model-driven synthesis (diphone concatenation, HMM and clustergen voices, eSpeak)
 * draws a smooth, narrow pitch contour; speech moves its pitch from frame to frame and over a
 * wider range. The prosody expert (`ProsodyPooling`) measures both per window. Bundled training
 * split, clip mean of the two statistics' z-scores against its bona fide clips, a single
 * threshold: festival-diphone 1.9 % EER, espeak-ng 13.7 % (docs/results.md).
 */
export function prosodyFeatures(signal: Signal, options: SignalOptions<HarmonicPhaseOptions>): Grid {
  checkOptionNames(options, HARMONIC_PHASE_OPTIONS, 'prosodyFeatures');
  const { samples: x, opts } = resolveSignal(signal, options);
  return prosodyRows(voicedPitch(x, opts));
}

/** {@link prosodyFeatures} of the pitch track `f0` (of `voicedPitch`). */
export function prosodyRows(f0: Float64Array): Grid {
  const n = f0.length;
  const logs: number[] = [];
  for (let j = 0; j < n; j++) if (f0[j] > 0) logs.push(Math.log(f0[j]));
  logs.sort((a, b) => a - b);
  const m = logs.length;
  const median = m === 0 ? 0 : m % 2 === 1 ? logs[(m - 1) / 2] : (logs[m / 2 - 1] + logs[m / 2]) / 2;
  const out = createGrid(PROSODY_ROWS.length, n);
  for (let j = 0; j < n; j++) {
    if (!(f0[j] > 0)) continue;
    out.data[j] = 1;
    out.data[n + j] = Math.log(f0[j]) - median;
  }
  return out;
}
