import type { Audio } from '../../audio/types';
import type { Grid, Spectrogram } from '../../grid/grid';
import type { Schema } from '../schema';

/** Where a stage runs: audio stages, then exactly one spectral stage, then grid stages. */
export type StageKind = 'audio' | 'spectral' | 'grid';

/** What an audio stage returns: the new audio and values worth keeping in its stage record. */
export interface AudioStep {
  out: Audio;
  /** Derived values shown beside the parameters in `StageRecord.params` (e.g. `samples` of a crop). */
  extra?: Record<string, unknown>;
}

/** An Audio -> Audio op. `s` is the op's resolved parameters (every default written out). */
export interface AudioOp<In, Out> {
  readonly kind: 'audio';
  readonly schema: Schema<In, Out>;
  run(audio: Audio, s: Out): AudioStep;
}

/** The Audio -> Spectrogram op; `x` is the mono signal (channels averaged when there are several). */
export interface SpectralOp<In, Out> {
  readonly kind: 'spectral';
  readonly schema: Schema<In, Out>;
  /** `'spectrogram'`: power or amplitude (a `db` stage may follow); `'coefficients'`: cepstra, already logarithmic. */
  readonly gives: 'spectrogram' | 'coefficients';
  run(x: Float32Array, sampleRate: number, s: Out): Spectrogram;
}

/** Where a grid stage sits in the resolved stage list, for ops with placement rules of their own. */
export interface Placement {
  /** Index of this stage. */
  readonly i: number;
  /** Index of the spectral stage. */
  readonly at: number;
  /** Every stage's op and kind, in order. */
  readonly stages: readonly { readonly op: string; readonly kind: StageKind }[];
  /** What the spectral stage gives. */
  readonly spectral: { readonly op: string; readonly gives: SpectralOp<unknown, unknown>['gives'] };
}

/** A Grid -> Grid op. */
export interface GridOp<In, Out> {
  readonly kind: 'grid';
  readonly schema: Schema<In, Out>;
  /** The output has other columns than the spectral frames (then no excitation rows can be appended). */
  readonly changesColumns?: boolean;
  /** Throws a ParameterError when the stage may not sit where it is (beyond "after the spectral stage"). */
  place?(where: Placement): void;
  run(grid: Grid, s: Out): Grid;
}

// The builders only give `run` its parameter type from the schema (TypeScript infers In/Out from
// `schema`, then types `s`), so an op's run function is written without casts.
export const audioOp = <In, Out>(op: Omit<AudioOp<In, Out>, 'kind'>): AudioOp<In, Out> => ({ kind: 'audio', ...op });
export const spectralOp = <In, Out>(op: Omit<SpectralOp<In, Out>, 'kind'>): SpectralOp<In, Out> => ({
  kind: 'spectral',
  ...op,
});
export const gridOp = <In, Out>(op: Omit<GridOp<In, Out>, 'kind'>): GridOp<In, Out> => ({ kind: 'grid', ...op });
