// One training of the ablation (a CNN arm with one seed, or the LFCC-GMM reference with one seed) as
// plain data, and the code that runs it: shared by the calling thread (jobs = 1) and the run worker
// threads (report/runWorker.ts), so a run gives the same scores wherever it runs.
import { createHash } from 'node:crypto';
import { DatasetError } from '../errors';
import { CachedClips } from '../dataset/cache';
import { cacheClips, cacheFeatures } from '../dataset/features';
import type { Label } from '../dataset/types';
import type { Grid } from '../grid/grid';
import { type GridSource, gridSource, sliceGrids } from '../grid/source';
import type { PipelineConfig } from '../pipeline/config';
import type { ArchitectureName } from '../model/registry';
import { fitGmmDetectorAsync, scoreGmmDetector } from '../model/gmm';
import type { AblationEpoch, AblationTrainer } from './trainer';

/**
 * Where a run's features come from: the feature cache, filled by the calling thread before any run
 * starts. Each run (re)reads them, so no thread holds more than one arm's features.
 */
export interface FeatureSource {
  /** Training clips first, then test clips. */
  files: string[];
  pipeline: PipelineConfig;
  cacheDir: string;
  /** false for the LFCC-GMM reference (whole clips of any length). */
  sameShape: boolean;
  /** {@link hashesDigest} of the files' content hashes when the cache was filled. */
  hashes: string;
}

/** What every run shares: its place in the ablation, its data and its seed. */
interface RunTaskBase {
  /** Index of the run in the ablation's task list. */
  id: number;
  /** Arm (or reference) name, for progress and error messages. */
  name: string;
  seed: number;
  features: FeatureSource;
  /** The first `labels.length` features are the training clips, the rest the test clips. */
  labels: Label[];
  /** Speaker of each training clip, when known. */
  speakers: (string | null)[];
  /** Attack of each training clip (null for bona fide): the validation part takes at most its share of each. */
  attacks: (string | null)[];
}

/** One seed of a CNN arm, trained by the ablation's {@link AblationTrainer}. */
export interface CnnRunTask extends RunTaskBase {
  kind: 'cnn';
  epochs: number;
  architecture: ArchitectureName | null;
  /** The features end with this many excitation rows of the pipeline, for the model's excitation expert (0: none). */
  excitationRows: number;
  /** The features have a pipeline's LFCC rows, for the model's GMM expert. */
  gmm: boolean;
}

/** One seed of the LFCC-GMM reference: diagonal GMMs per class by EM. */
export interface GmmRunTask extends RunTaskBase {
  kind: 'gmm';
  components: number;
}

export type RunTask = CnnRunTask | GmmRunTask;

/** What a run returns: a bona fide score per test clip (test order) and the training log. */
export interface RunOutput {
  scores: Float64Array;
  history: AblationEpoch[];
  /** The trainer's backend name (first word of its description); '' for the GMM. */
  backend: string;
}

/** sha-256 over the files' content hashes, in order: a run checks its features are the ones keyed. */
export function hashesDigest(hashes: readonly string[]): string {
  return createHash('sha256').update(hashes.join('\n')).digest('hex');
}

/**
 * The features of one source, and the source they came from (a thread keeps the last one). Both are
 * read from the cache a clip at a time as the run streams them: a same-shape source (the CNN arms) as
 * a GridSource, the reference's clips of any length as {@link CachedClips} (every EM pass reads them).
 */
export interface LoadedFeatures {
  source: FeatureSource;
  features: GridSource | CachedClips;
}

/**
 * Opens a run's features in the cache (computing any that went missing), in-process. Throws a
 * DatasetError when a file changed since the cache was filled: the run cache key would not describe
 * what was trained.
 */
export async function loadFeatures(source: FeatureSource, last: LoadedFeatures | null): Promise<LoadedFeatures> {
  if (
    last &&
    last.source.hashes === source.hashes &&
    last.source.cacheDir === source.cacheDir &&
    JSON.stringify(last.source.pipeline) === JSON.stringify(source.pipeline)
  )
    return last;
  const opts = { cacheDir: source.cacheDir, workers: 0 } as const;
  const feats = source.sameShape
    ? await cacheFeatures(source.files, source.pipeline, opts)
    : await cacheClips(source.files, source.pipeline, opts);
  if (hashesDigest(feats.hashes) !== source.hashes)
    throw new DatasetError(
      `${source.files.length} clips of the ablation changed on disk while it ran; run it again on data that stays put`,
    );
  return { source, features: feats.features };
}

/** Trains and scores one run on its features (training clips first, then test clips). */
export async function fitTask(
  task: RunTask,
  trainer: AblationTrainer,
  features: GridSource | CachedClips | readonly Grid[],
  onEpoch: (log: AblationEpoch) => void,
): Promise<RunOutput> {
  const nTrain = task.labels.length;
  if (task.kind === 'gmm') {
    // From the cache, EM streams every pass over the clips (on two threads); in memory, they are held.
    const pick = (idx: number[]) =>
      features instanceof CachedClips
        ? features.pick(idx)
        : idx.map((i) => (Array.isArray(features) ? features[i] : (features as GridSource).get(i)));
    const of = (label: Label) => pick(task.labels.flatMap((l, i) => (l === label ? [i] : [])));
    const detector = await fitGmmDetectorAsync(of('bonafide'), of('spoof'), {
      nComponents: task.components,
      seed: task.seed,
    });
    const test = pick(Array.from({ length: features.length - nTrain }, (_, k) => nTrain + k));
    return { scores: scoreGmmDetector(detector, test), history: [], backend: '' };
  }
  if (features instanceof CachedClips) throw new DatasetError(`${task.name}: a network needs features of one shape`);
  const src = Array.isArray(features) ? gridSource(features) : (features as GridSource);
  const backend = (await trainer.backend()).split(' ')[0];
  const { scores, history } = await trainer.fitAndScore(
    { features: sliceGrids(src, 0, nTrain), labels: task.labels, speakers: task.speakers, attacks: task.attacks },
    sliceGrids(src, nTrain),
    {
      epochs: task.epochs,
      seed: task.seed,
      ...(task.architecture ? { architecture: task.architecture } : {}),
      ...(task.excitationRows ? { excitationRows: task.excitationRows } : {}),
      ...(task.gmm ? { gmm: true } : {}),
      onEpoch,
    },
  );
  return { scores, history, backend };
}
