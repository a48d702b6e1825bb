import { Grid } from '../grid/grid';
import { type GridSource, isGridSource } from '../grid/source';
import { scoreGmmDetector } from './gmm';
import { SavedGmmModel, loadGmmModel } from './gmmModel';
import { SavedModel, loadModel, readModelMetadata } from './io';
import { predictScores } from './train';

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
 * may be a {@link GridSource} (read from the feature cache one clip at a time).
 */
export function scoreDetector(detector: LoadedDetector, features: readonly Grid[] | GridSource): Float64Array {
  if (detector.kind === 'tfjs') return Float64Array.from(predictScores(detector.model, features));
  if (!isGridSource(features)) return scoreGmmDetector(detector.detector, features);
  // A GMM scores each clip on its own: one at a time keeps a single clip in memory.
  return Float64Array.from(
    { length: features.length },
    (_, i) => scoreGmmDetector(detector.detector, [features.get(i)])[0],
  );
}
