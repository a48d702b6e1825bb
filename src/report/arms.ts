import * as path from 'node:path';
import { ParameterError } from '../errors';
import type { FootprintSpec, MorphologyOp, PipelineConfig, StageConfig } from '../pipeline/config';
import { MORPHOLOGY_OPS, resolvePipelineConfig, stageKind } from '../pipeline/config';
import type { ArchitectureName } from '../model/registry';
import { defaultCacheDir } from '../dataset/cache';

/** One arm of the ablation: the base pipeline, with or without one morphology stage. */
export interface AblationArm {
  /** Label used in tables and figures, e.g. `opening rect 3×3`. */
  name: string;
  /** `'none'` = the base pipeline unchanged (the baseline); `'learned'` = the base pipeline and a learned morphology block in the network. */
  op: 'none' | 'learned' | MorphologyOp;
  /** Footprint of the morphology stage; absent for `'none'`. */
  footprint?: FootprintSpec;
  /**
   * Network this arm trains instead of the trainer's default: `'morph-cnn'` is the "learned" arm
   * (the base pipeline, and a learned morphology block in front of the CNN).
   * @default undefined (the trainer's architecture)
   */
  architecture?: ArchitectureName;
}

/** The "learned" arm: no fixed morphology, the detector learns its own structuring functions. */
export const LEARNED_ARM: AblationArm = Object.freeze({
  name: 'learned (morph-cnn)',
  op: 'learned',
  architecture: 'morph-cnn',
});

/**
 * The ablation's base pipeline, at the bundled corpus's native resolution (8 kHz, 2 s clips): mono,
 * 8 kHz, 2 s (repeat-padded), 256-point STFT power spectrogram (25 ms Hann window, 10 ms hop: 129
 * bins x 201 frames), dB (ref 1, top 80 dB). No resizing and no per-clip normalisation: the model
 * standardises each frequency bin with training statistics itself. The morphology stage of an arm
 * goes right after dB, so footprint sizes are in STFT bins (31.25 Hz) and frames (10 ms).
 */
export const ABLATION_PIPELINE: PipelineConfig = Object.freeze({
  stages: Object.freeze([
    { op: 'mono' },
    { op: 'resample', sampleRate: 8000 },
    { op: 'crop', seconds: 2 },
    { op: 'stft', nFft: 256, hopLength: 80, winLength: 200 },
    { op: 'db' },
  ] as StageConfig[]) as StageConfig[],
});

/** The operators compared: erosion, dilation, opening, closing and both top-hats. */
export const ABLATION_OPS: readonly MorphologyOp[] = Object.freeze([
  'erode',
  'dilate',
  'opening',
  'closing',
  'whiteTopHat',
  'blackTopHat',
] as MorphologyOp[]);

/**
 * Every footprint a full ablation compares: a small square (isotropic smoothing of both axes), a
 * line along time (keeps horizontal structure: harmonics, formant tracks) and a line along
 * frequency (keeps vertical structure: onsets, bursts, clicks).
 */
export const ABLATION_FOOTPRINTS: readonly FootprintSpec[] = Object.freeze([
  { shape: 'rect', rows: 3, cols: 3 },
  { shape: 'line', length: 5, axis: 'time' },
  { shape: 'line', length: 5, axis: 'frequency' },
] as FootprintSpec[]);

/** Short name of a footprint spec, e.g. `rect 3×3`, `line 5 time`, `disk r2`. */
export function footprintName(fp: FootprintSpec): string {
  switch (fp.shape) {
    case 'line':
      return `line ${fp.length} ${fp.axis}`;
    case 'disk':
      return `disk r${fp.radius}`;
    case 'mask':
      return `mask ${fp.mask.length}×${fp.mask[0]?.length ?? 0}`;
    default:
      return `${fp.shape} ${fp.rows}×${fp.cols}`;
  }
}

/** The arm list `none` + every op x every footprint + the learned arm (by default every operator with the rect 3x3 footprint: the `npm start` budget). */
export function ablationArms(
  ops: readonly MorphologyOp[] = ABLATION_OPS,
  footprints: readonly FootprintSpec[] = ABLATION_FOOTPRINTS.slice(0, 1),
  learned = true,
): AblationArm[] {
  ops.forEach((op, i) => {
    if (!(MORPHOLOGY_OPS as readonly string[]).includes(op))
      throw new ParameterError(
        `ops[${i}]=${JSON.stringify(op)} is not a morphology op (${MORPHOLOGY_OPS.join(', ')}); ` +
          "the 'none' baseline and the learned arm are added by ablationArms itself",
      );
  });
  const arms: AblationArm[] = [{ name: 'none', op: 'none' }];
  for (const op of ops)
    for (const fp of footprints) arms.push({ name: `${op} ${footprintName(fp)}`, op, footprint: fp });
  if (learned) arms.push({ ...LEARNED_ARM });
  return arms;
}

/**
 * The pipeline of one arm: `base` with the arm's morphology stage inserted right after the `db`
 * stage (or right after the spectral stage when there is no dB stage). Validated.
 */
export function armPipeline(base: PipelineConfig, arm: AblationArm): PipelineConfig {
  // An arm is the base's stages with one morphology stage; the base's excitation rows (if any)
  // stay, appended after the morphology.
  const resolved = resolvePipelineConfig(base);
  if (arm.op === 'none' || arm.op === 'learned') return resolved;
  if (!arm.footprint) throw new ParameterError(`arm "${arm.name}": op=${arm.op} needs a footprint`);
  const stages = resolved.stages.slice();
  let at = stages.findIndex((s) => s.op === 'db');
  // A resolved pipeline holds exactly one spectral stage.
  if (at < 0) at = stages.findIndex((s) => stageKind(s.op) === 'spectral');
  stages.splice(at + 1, 0, { op: arm.op, footprint: arm.footprint });
  return resolvePipelineConfig({ ...resolved, stages });
}

/**
 * The ablation settings `npm start`, `specmorph ablate` and notebook 04 share, sized for W4 (a cold
 * `npm start` within 10 minutes on 2 cores, trainings two at a time): 8 arms (none + 6 operators
 * with rect 3x3 + the learned block) x 3 seeds (the fewest with a paired t interval) x at most 6
 * epochs (12 did not fit: 8 x 3 runs of 12 epochs took 1229 s on one core). `specmorph ablate
 * --footprints all --seeds 5 --epochs 12` runs the full 20 arms x 5 seeds.
 */
export const ABLATION_DEFAULTS = Object.freeze({
  /** Seeds per arm. */
  seeds: 3,
  /** Largest number of epochs per run (early stopping on the validation EER may end sooner). */
  epochs: 6,
});

/** The finished-run cache of the ablation: the folder `ablation-runs` beside the feature cache `cacheDir`. */
export function ablationRunCacheDir(cacheDir: string): string {
  return path.join(path.dirname(cacheDir), 'ablation-runs');
}

/**
 * The feature cache and the finished-run cache used by the notebooks: {@link defaultCacheDir}
 * (`$SPECMORPH_CACHE` or `~/.cache/specmorph/features`) and its sibling `ablation-runs`.
 */
export function ablationCacheDirs(): { cacheDir: string; runCacheDir: string } {
  const cacheDir = defaultCacheDir();
  return { cacheDir, runCacheDir: ablationRunCacheDir(cacheDir) };
}
