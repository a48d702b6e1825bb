import { ParameterError } from '../../errors';
import type { Schema } from '../schema';
import { AUDIO_OPS } from './audio';
import { GRID_OPS } from './grid';
import type { AudioOp, GridOp, SpectralOp, StageKind } from './op';
import { SPECTRAL_OPS } from './spectral';

export type { StageKind } from './op';
export { MORPHOLOGY_OPS, type MorphologyOp } from './grid';
export type { StftParams, MelParams } from './spectral';

/**
 * Every pipeline op, one entry each: its kind, its parameter schema (with defaults and docs) and its
 * run function. Names, types, "known ops" lists and order rules all come from here, so a new op is
 * one entry in `audio.ts`, `spectral.ts` or `grid.ts` (plus its test and README line).
 *
 * Defaults are those of a 16 kHz speech front end, not always the library functions' librosa
 * defaults: notably the spectral ops' `hopLength` is 160 samples (10 ms), not `winLength / 4`; see
 * the STFT fields in `spectral.ts` for why.
 */
export const PIPELINE_OPS = { ...AUDIO_OPS, ...SPECTRAL_OPS, ...GRID_OPS };

type Ops = typeof PIPELINE_OPS;
/** The name of a pipeline op (the `op` field of a stage). */
export type OpName = keyof Ops;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ConfigOfOp<K extends OpName> =
  Ops[K]['schema'] extends Schema<infer In, unknown> ? Simplify<{ op: K } & In> : never;
type StageOfKind<Kind extends StageKind> = {
  [K in OpName]: Ops[K]['kind'] extends Kind ? ConfigOfOp<K> : never;
}[OpName];

/** Audio-domain stages (Audio -> Audio), run before the spectral stage. */
export type AudioStage = StageOfKind<'audio'>;
/** The one spectral stage (Audio -> Spectrogram). */
export type SpectralStage = StageOfKind<'spectral'>;
/** Grid-domain stages (Spectrogram/Grid -> Grid), run after the spectral stage. */
export type GridStage = StageOfKind<'grid'>;
/** One pipeline stage as plain JSON; `op` names it. */
export type StageConfig = AudioStage | SpectralStage | GridStage;

// Looked up by a name from JSON, an op's run function takes the parameters its own schema resolved;
// `any` erases that pairing, which only resolvePipelineConfig and runPipeline rely on.
/** A registry entry, seen without its own parameter types. */
// biome-ignore lint/suspicious/noExplicitAny: erases each op's own parameter type (see above)
export type AnyOp = AudioOp<unknown, any> | SpectralOp<unknown, any> | GridOp<unknown, any>;
const OPS: Readonly<Record<string, AnyOp>> = PIPELINE_OPS;

/** Every op name, in registry order (audio, spectral, grid). */
export const OP_NAMES: readonly OpName[] = Object.freeze(Object.keys(PIPELINE_OPS) as OpName[]);

/** The registry entry of `op`, or a ParameterError listing the known ops. */
export function opEntry(op: string): AnyOp {
  // hasOwn, not a plain lookup: "constructor" or "__proto__" would find Object.prototype's members.
  if (!Object.hasOwn(OPS, op))
    throw new ParameterError(`op=${JSON.stringify(op)} is not a pipeline stage (known: ${OP_NAMES.join(', ')})`);
  return OPS[op];
}

/** Stage kinds in pipeline order. */
export function stageKind(op: string): StageKind {
  return opEntry(op).kind;
}
