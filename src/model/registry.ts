// The names of the built-in detectors, without loading tfjs: the CLI checks and lists them before it
// loads any model code. Each name's builder lives in architectures.ts, typed by this table, so a
// name without a builder (or the reverse) does not compile.

/** The built-in network architectures: one entry each, with the one-line summary help texts show. */
export const ARCHITECTURE_INFO = Object.freeze({
  cnn: { summary: 'small CNN, conv 3x3 16-32-64 with batch norm, global average pool' },
  lcnn: { summary: 'light CNN with max-feature-map and batch norm, after the ASVspoof LFCC-LCNN baseline' },
  'morph-cnn': {
    summary:
      'the small CNN behind a learned morphology block ' +
      '(trainable 3x3 erosions and dilations joined to the input as channels)',
  },
});

/** Names of the built-in architectures. */
export type ArchitectureName = keyof typeof ARCHITECTURE_INFO;

/** The built-in architecture names, in the registry's order. */
export const ARCHITECTURE_NAMES: readonly ArchitectureName[] = Object.freeze(
  Object.keys(ARCHITECTURE_INFO) as ArchitectureName[],
);

/** The architecture trained when none is named (`specmorph train`, the ablation trainer). */
export const DEFAULT_ARCHITECTURE: ArchitectureName = 'cnn';

/**
 * The detector `specmorph train --arch` accepts besides the networks: the ASVspoof 2019 LFCC-GMM
 * baseline, trained by EM in `gmm.ts` rather than by tfjs, so it has no entry among the architectures.
 */
export const GMM_DETECTOR = Object.freeze({
  name: 'gmm',
  summary: 'ASVspoof 2019 LFCC-GMM baseline; default pipeline: LFCC preset asvspoof2019, validation 0',
} as const);

/** Every `--arch` name: the architectures, then the GMM baseline. */
export const DETECTOR_NAMES: readonly string[] = Object.freeze([...ARCHITECTURE_NAMES, GMM_DETECTOR.name]);

/** True when `name` is a built-in architecture. */
export function isArchitectureName(name: unknown): name is ArchitectureName {
  return typeof name === 'string' && Object.hasOwn(ARCHITECTURE_INFO, name);
}

/** `cnn (small CNN...); lcnn (...); ...; gmm (...)`: every `--arch` name with its summary, for help texts. */
export function detectorChoices(): string {
  return [...Object.entries(ARCHITECTURE_INFO), [GMM_DETECTOR.name, GMM_DETECTOR] as const]
    .map(([k, v]) => `${k} (${v.summary})`)
    .join('; ');
}

/**
 * Seconds of features in each training crop of `specmorph train` and the ablation: a new random
 * crop per clip and epoch, and whole clips scored as the mean over windows of this width. 2 s holds
 * several words, and a batch of 2 s crops trains about twice as fast as 4 s clips.
 */
export const DEFAULT_CROP_SECONDS = 2;
