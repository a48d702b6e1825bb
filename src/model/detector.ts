import * as tf from './tf';
import { Grid } from '../grid/grid';
import type { GridSource } from '../grid/source';
import { ParameterError } from '../errors';
import { type ClipSource, scoreGmmDetector } from './gmm';
import { SavedGmmModel, loadGmmModel } from './gmmModel';
import { SavedModel, loadModel, readModelMetadata } from './io';
import { predictScores } from './train';
import { EXPERT_OUTPUTS, expertModels } from './architectures';

/** Any model folder loaded back: a tfjs network (`kind: 'tfjs'`) or an LFCC-GMM (`kind: 'gmm'`). */
export type LoadedDetector = ({ kind: 'tfjs' } & SavedModel) | ({ kind: 'gmm' } & SavedGmmModel);

/**
 * Loads any specmorph model folder: metadata.json's `architecture` says whether it holds a tfjs network
 * ({@link loadModel}) or a GMM detector (`loadGmmModel`). Score it with {@link scoreDetector}.
 */
export async function loadDetector(dir: string): Promise<LoadedDetector> {
  const meta = await readModelMetadata(dir);
  if (meta.architecture === 'gmm') return { kind: 'gmm', ...(await loadGmmModel(dir)) };
  return { kind: 'tfjs', ...(await loadModel(dir)) };
}

/**
 * Bona fide scores of features computed with the detector's own pipeline (higher = more bona fide):
 * the log-likelihood ratio of a GMM, the log-odds of a network ({@link predictScores}). Features
 * may be a {@link GridSource} (read from the feature cache one clip at a time); a GMM also takes a
 * {@link ClipSource} of clips of any length (`cacheClips`).
 */
export function scoreDetector(
  detector: LoadedDetector,
  features: readonly Grid[] | GridSource | ClipSource,
): Float64Array {
  // A GMM scores each clip on its own, reading a source one clip at a time.
  if (detector.kind === 'gmm') return scoreGmmDetector(detector.detector, features as readonly Grid[] | ClipSource);
  if (!Array.isArray(features) && typeof (features as GridSource).cols !== 'number')
    throw new ParameterError('features: a network scores features of one shape (a Grid[] or a GridSource)');
  return Float64Array.from(predictScores(detector.model, features as readonly Grid[] | GridSource));
}

/**
 * The experts of a network detector, each scored alone on the same features as {@link scoreDetector}
 * (bona fide z-scores, the mean over a clip's windows; higher = more bona fide): `network` (the
 * CNN's calibrated score), `gmm` (the LFCC-GMM expert's), `network+gmm` (their fusion
 * `min(mean(network, gmm), gmm)`, `min(mean(network, gmm, prosody), gmm)` with a prosody expert,
 * when the excitation expert follows it), `excitation` and `prosody`: those of
 * {@link EXPERT_OUTPUTS} the model has, in that order. Empty for a model without experts (and for a GMM detector, which is one system).
 */
export function scoreExperts(
  detector: LoadedDetector,
  features: readonly Grid[] | GridSource,
): { name: string; scores: Float64Array }[] {
  if (detector.kind === 'gmm') return [];
  const model = detector.model;
  const out: { name: string; scores: Float64Array }[] = [];
  for (const { name, layer: layerName } of EXPERT_OUTPUTS) {
    const layer = model.layers.find((l) => l.name === layerName);
    if (!layer) continue;
    // shares the model's layers and weights: nothing of its own to dispose
    const sub = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
    out.push({ name, scores: Float64Array.from(predictScores(sub, features)) });
  }
  return out;
}

/** Whether a loaded detector is a network with experts (what {@link scoreExperts} scores). */
export function hasExperts(detector: LoadedDetector): boolean {
  return detector.kind === 'tfjs' && expertModels(detector.model) !== null;
}
