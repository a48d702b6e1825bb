// The names of the built-in detectors, without loading tfjs: the CLI checks and lists them before it
// loads any model code. Each name's builder lives in architectures.ts, typed by this table, so a
// name without a builder (or the reverse) does not compile.

/** The built-in network architectures: one entry each, with the one-line summary help texts show. */
export const ARCHITECTURE_INFO = Object.freeze({
  cnn: { summary: 'small CNN, conv 3x3 16-32-64 with batch norm, global average pool (default)' },
  lcnn: { summary: 'light CNN with max-feature-map and batch norm, after the ASVspoof LFCC-LCNN baseline' },
  'morph-cnn': { summary: 'the small CNN behind a learned morphology block (trainable 3x3 erosions and dilations joined to the input as channels)' },
});

/** Names of the built-in architectures. */
export type ArchitectureName = keyof typeof ARCHITECTURE_INFO;

/** True when `name` is a built-in architecture. */
export function isArchitectureName(name: unknown): name is ArchitectureName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ARCHITECTURE_INFO, name);
}

/** `cnn (small CNN...), lcnn (...)`, for help texts and error messages. */
export function architectureChoices(): string {
  return Object.entries(ARCHITECTURE_INFO).map(([k, v]) => `${k} (${v.summary})`).join('; ');
}

/**
 * Seconds of features in each training crop of `specmorph train` and the ablation: a new random
 * crop per clip and epoch, and whole clips scored as the mean over windows of this width. 2 s holds
 * several words, and a batch of 2 s crops trains about twice as fast as 4 s clips.
 */
export const DEFAULT_CROP_SECONDS = 2;
