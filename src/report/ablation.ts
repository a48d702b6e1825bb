import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError, ParameterError, assert, checkOptionNames, type OptionNames } from '../errors';
import { cacheClips, cacheFeatures, dataFingerprint } from '../dataset/features';
import { scanFolderDataset } from '../dataset/folder';
import { datasetSummary, type Dataset, type DatasetItem } from '../dataset/types';
import { classScores, computeEer, minDcf, perAttackEer, rocAuc } from '../metrics';
import { DEFAULT_GMM_COMPONENTS } from '../model/gmm';
import { DEFAULT_GMM_PIPELINE } from '../model/gmmModel';
import { specmorphVersion } from '../model/io';
import {
  canonicalJson,
  excitationRowCount,
  resolvePipelineConfig,
  type FootprintSpec,
  type PipelineConfig,
} from '../pipeline/config';
import { ABLATION_PIPELINE, ablationArms, armPipeline, type AblationArm } from './arms';
import { heldOutSplit, withMetaSpeakers, type HeldOutSplit } from './split';
import { mean, pairedComparison, std, type PairedComparison } from './stats';
import { defaultTrainer, type AblationEpoch, type AblationTrainer } from './trainer';
import { writeFileAtomic } from '../atomicFile';
import { hashesDigest, type FeatureSource, type RunOutput, type RunTask } from './runTask';
import { runTasks } from './runPool';

/** Progress events of {@link runAblation}, for a bar or a log. */
export type AblationEvent =
  | { kind: 'features'; arm: string; armIndex: number; arms: number; done: number; total: number }
  | {
      kind: 'train';
      arm: string;
      armIndex: number;
      arms: number;
      seed: number;
      epoch: number;
      epochs: number;
      loss: number;
    }
  | {
      kind: 'run';
      arm: string;
      armIndex: number;
      arms: number;
      seed: number;
      eer: number;
      cached: boolean;
      runsDone: number;
      runs: number;
    }
  | { kind: 'reference'; name: string; seed: number; eer: number; cached: boolean };

/**
 * The classical reference of {@link runAblation}: the ASVspoof 2019 LFCC-GMM (DEFAULT_GMM_PIPELINE,
 * diagonal GMMs by EM, `specmorph train --arch gmm`) trained on the same training split and scored
 * on the same test clips. It is not an arm: no morphology, no paired comparison; it says how good
 * the arms' detector is against the challenge baseline.
 */
export interface AblationReferenceOptions {
  /** Mixture components per class. @default DEFAULT_GMM_COMPONENTS (64) */
  components?: number;
  /**
   * Seeds of the k-means initialisation. @default the ablation's first seed only: EM from seeded
   * initialisations gave the same pooled EER for seeds 0-2 on the bundled corpus (docs/benchmarks.md,
   * W7), and each fit costs about as much as two CNN runs.
   */
  seeds?: number[];
}

/** Options of {@link runAblation}. */
export interface AblationOptions {
  /** Pipeline every arm starts from. @default ABLATION_PIPELINE */
  base?: PipelineConfig;
  /**
   * Arms to compare; the first must be the baseline (`op: 'none'`).
   * @default ablationArms() (none + 5 ops × 3 footprints)
   */
  arms?: AblationArm[];
  /** Number of seeds per arm (seeds 0..n-1), or the seed list. @default 3 */
  seeds?: number | number[];
  /**
   * Largest number of training epochs, the same for every arm and seed (the trainer may stop early
   * by one rule for all).
   * @default 6
   */
  epochs?: number;
  /**
   * Feature cache folder (features are computed once per pipeline config), or null for a temporary
   * one, deleted at the end. Every arm's features go to the cache first; each run then reads its
   * arm's, so no thread holds more than one arm's features.
   * @default null
   */
  cacheDir?: string | null;
  /**
   * Folder of finished runs (one JSON per arm x seed, keyed by everything that determines the
   * result: pipeline, data, split, epochs, seed, model, backend), or null to always train.
   * @default null
   */
  runCacheDir?: string | null;
  /** Feature worker threads. @default 'auto' */
  workers?: number | 'auto';
  /**
   * Trainings at a time, each in its own worker thread (1: one after another in the calling thread).
   * Runs are seeded and independent: the number changes the wall time, not the scores. `'auto'`:
   * one per core (`os.availableParallelism()`), at most the runs left to train; 1 when the trainer
   * names no worker module ({@link AblationTrainer.worker}).
   * @default 'auto'
   */
  jobs?: number | 'auto';
  /** The model code. @default defaultTrainer() (the `specmorph train` model) */
  trainer?: AblationTrainer;
  /** Test fraction when the data has no meta.csv split. @default 0.3 */
  testFraction?: number;
  /** Also train the LFCC-GMM reference on the same split ({@link AblationReferenceOptions}), or null. @default null */
  reference?: AblationReferenceOptions | null;
  /** Progress callback. @default undefined */
  onEvent?: (e: AblationEvent) => void;
}

/** One training run: an arm and a seed. */
export interface AblationRun {
  seed: number;
  /** Pooled test EER, fraction. */
  eer: number;
  /** Test ROC AUC (bona fide positive). */
  auc: number;
  /** Normalised minimum DCF of the pooled test scores (ASVspoof 5 costs: pSpoof 0.05, cMiss 1, cFa 10). */
  minDcf: number;
  /** Bona fide score of each test clip, in the split's test order (higher = more bona fide). */
  scores: number[];
  /** Per-attack test EER (each attack's spoofs against all test bona fide), fraction. */
  perAttack: Record<string, number>;
  /** Training loss per epoch. */
  history: AblationEpoch[];
  /** Wall time of reading its features, training and scoring (0 when read from the run cache). */
  seconds: number;
  /** Read from the run cache instead of trained. */
  cached: boolean;
}

/** Mean and sample standard deviation over seeds. */
export interface MeanStd {
  mean: number;
  std: number;
}

/** The results of one arm over all seeds. */
export interface ArmResult {
  name: string;
  op: AblationArm['op'];
  footprint: FootprintSpec | null;
  /** Fingerprint of the arm's pipeline (its feature cache key). */
  pipelineFingerprint: string;
  runs: AblationRun[];
  eer: MeanStd;
  auc: MeanStd;
  minDcf: MeanStd;
  perAttack: Record<string, MeanStd>;
  /** Paired (same seed) comparison of EER with the baseline arm; null for the baseline itself. */
  vsBaseline: PairedComparison | null;
}

/** The LFCC-GMM reference's results ({@link AblationOptions.reference}). */
export interface ReferenceResult {
  name: string;
  components: number;
  /** Fingerprint of its LFCC pipeline. */
  pipelineFingerprint: string;
  runs: AblationRun[];
  eer: MeanStd;
  auc: MeanStd;
  minDcf: MeanStd;
  perAttack: Record<string, MeanStd>;
}

/** Everything an ablation produced, as written to `ablation.json`. */
export interface AblationResult {
  specmorphVersion: string;
  createdAt: string;
  data: {
    root: string;
    n: number;
    bonafide: number;
    spoof: number;
    attacks: Record<string, number>;
    speakers: number;
    fingerprint: string;
    split: {
      by: HeldOutSplit<DatasetItem>['by'];
      train: number;
      test: number;
      unlisted: number;
      trainBonafide: number;
      testBonafide: number;
      testAttacks: Record<string, number>;
      trainAttacks: Record<string, number>;
    };
    features: { rows: number; cols: number };
  };
  backend: string;
  model: string;
  epochs: number;
  seeds: number[];
  base: PipelineConfig;
  arms: ArmResult[];
  /** The LFCC-GMM reference on the same split, when asked for. */
  reference: ReferenceResult | null;
  /**
   * Wall times: filling the feature cache, the trainings (from the first to the last run trained
   * now, overlapping when `jobs` > 1; 0 when every run came from the run cache), and everything.
   */
  seconds: { features: number; training: number; total: number };
}

function countAttacks(items: readonly DatasetItem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items)
    if (it.label === 'spoof') out[it.attack ?? 'unknown'] = (out[it.attack ?? 'unknown'] ?? 0) + 1;
  return out;
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Hash of the split (which clips train, which test, by file content, with their labels and
 * attacks): part of every run cache key. `hashes` are the clips' file hashes, training clips first.
 */
function splitKey(split: HeldOutSplit<DatasetItem>, hashes: readonly string[]): string {
  const nTrain = split.train.length;
  return sha(
    [...split.train, ...split.test]
      .map((it, i) => `${i < nTrain ? 'train' : 'test'}\t${hashes[i]}\t${it.label}\t${it.attack ?? '-'}`)
      .join('\n'),
  );
}

async function readRun(file: string): Promise<AblationRun | null> {
  try {
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as AblationRun;
    // Runs cached before the test scores were kept are trained again (their minDCF is unknown).
    return typeof r.eer === 'number' && Array.isArray(r.history) && Array.isArray(r.scores)
      ? { ...r, seconds: 0, cached: true }
      : null;
  } catch {
    return null;
  }
}

async function writeRun(file: string, run: AblationRun): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(run), { makeFolder: true });
}

/** Pooled EER, AUC, minDCF and per-attack EER of one run's test scores (bona fide scores higher). */
function scoreRun(
  test: readonly DatasetItem[],
  scores: ArrayLike<number>,
): Pick<AblationRun, 'eer' | 'auc' | 'minDcf' | 'scores' | 'perAttack'> {
  const rows = test.map((it, i) => ({
    uttId: it.id.replace(/\s+/g, '_'),
    attackId: it.attack ?? '-',
    key: it.label,
    score: scores[i],
  }));
  const { bona, spoof } = classScores(rows);
  const perAttack: Record<string, number> = {};
  for (const r of perAttackEer(rows)) perAttack[r.attackId] = r.eer;
  return {
    eer: computeEer(bona, spoof).eer,
    auc: rocAuc(bona, spoof),
    minDcf: minDcf(bona, spoof).minDcf,
    scores: Array.from(scores),
    perAttack,
  };
}

/** Mean ± sd over seeds of the pooled EER, the AUC, the minDCF and each attack's EER. */
function summariseRuns(runs: readonly AblationRun[]): Pick<ArmResult, 'eer' | 'auc' | 'minDcf' | 'perAttack'> {
  const meanStd = (v: number[]): MeanStd => ({ mean: mean(v), std: std(v) });
  const perAttack: Record<string, MeanStd> = {};
  for (const k of [...new Set(runs.flatMap((r) => Object.keys(r.perAttack)))].sort())
    perAttack[k] = meanStd(runs.map((r) => r.perAttack[k]).filter((x) => typeof x === 'number'));
  return {
    eer: meanStd(runs.map((r) => r.eer)),
    auc: meanStd(runs.map((r) => r.auc)),
    minDcf: meanStd(runs.map((r) => r.minDcf)),
    perAttack,
  };
}

/** What the runs need to know of one pipeline's features, once they are in the cache. */
interface FeaturesInCache {
  source: FeatureSource;
  fingerprint: string;
  /** Content hash of each clip, training clips first. */
  hashes: string[];
  rows: number;
  cols: number;
}

/** Where a pipeline's features of `files` are, from what filling the cache reported. */
function inCache(
  files: string[],
  pipeline: PipelineConfig,
  cacheDir: string,
  sameShape: boolean,
  filled: { fingerprint: string; hashes: string[]; rows: number; cols: number },
): FeaturesInCache {
  const { fingerprint, hashes, rows, cols } = filled;
  return {
    source: { files, pipeline, cacheDir, sameShape, hashes: hashesDigest(hashes) },
    fingerprint,
    hashes,
    rows,
    cols,
  };
}

/** The reference's plan: its features in the cache, checked, and its seeds. */
interface PreparedReference {
  name: string;
  components: number;
  seeds: number[];
  feats: FeaturesInCache;
}

/**
 * Caches the LFCC features of the reference ({@link AblationReferenceOptions}) and checks that each
 * class has enough training frames for its mixture, so a data set too small for it fails before the
 * arms are trained, not after.
 */
async function prepareReference(
  o: AblationReferenceOptions,
  seeds: number[],
  split: HeldOutSplit<DatasetItem>,
  cacheDir: string,
  opts: AblationOptions,
): Promise<PreparedReference> {
  const components = o.components ?? DEFAULT_GMM_COMPONENTS;
  assert(
    Number.isInteger(components) && components > 0,
    () => `reference.components=${components} must be a positive integer`,
  );
  const refSeeds = o.seeds ?? seeds.slice(0, 1);
  assert(
    refSeeds.length > 0 && refSeeds.every((s) => Number.isInteger(s) && s >= 0),
    () => `reference.seeds=${JSON.stringify(o.seeds)} must be a non-empty list of integers >= 0`,
  );
  const name = `LFCC-GMM reference (${components} components)`;
  const { train, test } = split;
  // Whole clips of any length: the GMM scores frames, so clips are not cropped or tiled to one width.
  const files = [...train, ...test].map((it) => it.path);
  const frames = { bonafide: 0, spoof: 0 };
  const feats = await cacheClips(files, DEFAULT_GMM_PIPELINE, {
    cacheDir,
    workers: opts.workers ?? 'auto',
    onProgress: (done, total) => opts.onEvent?.({ kind: 'features', arm: name, armIndex: -1, arms: 0, done, total }),
  });
  train.forEach((it, i) => {
    frames[it.label] += feats.cols[i];
  });
  for (const label of ['bonafide', 'spoof'] as const) {
    if (frames[label] < components) {
      throw new DatasetError(
        `${name}: the ${label} training clips have ${frames[label]} LFCC frames, fewer than its ${components} components; ` +
          'use more data or leave the reference out (--no-reference, reference: null)',
      );
    }
  }
  return {
    name,
    components,
    seeds: refSeeds,
    feats: inCache(files, DEFAULT_GMM_PIPELINE, cacheDir, false, { ...feats, cols: feats.cols[0] ?? 0 }),
  };
}

/** Base pipeline, arms, seeds, epochs and trainer of {@link AblationOptions}, checked and defaulted. */
function resolveRunPlan(opts: AblationOptions): {
  base: PipelineConfig;
  arms: AblationArm[];
  seeds: number[];
  epochs: number;
  trainer: AblationTrainer;
} {
  const arms = opts.arms ?? ablationArms();
  assert(
    arms.length > 0 && arms[0].op === 'none',
    () => `arms[0] must be the baseline {op: 'none'}, got ${JSON.stringify(arms[0]?.op)}`,
  );
  const names = new Set(arms.map((a) => a.name));
  assert(names.size === arms.length, () => 'arm names must be unique');
  const seeds = Array.isArray(opts.seeds) ? opts.seeds : Array.from({ length: opts.seeds ?? 3 }, (_, i) => i);
  assert(
    seeds.length > 0 && seeds.every((s) => Number.isInteger(s) && s >= 0),
    () => `seeds=${JSON.stringify(opts.seeds)} must be a positive count or a list of integers >= 0`,
  );
  const epochs = opts.epochs ?? 6;
  assert(Number.isInteger(epochs) && epochs > 0, () => `epochs=${epochs} must be a positive integer`);
  const jobs = opts.jobs ?? 'auto';
  assert(
    jobs === 'auto' || (Number.isInteger(jobs) && jobs >= 1),
    () => `jobs=${JSON.stringify(jobs)} must be 'auto' or an integer >= 1`,
  );
  return { base: opts.base ?? ABLATION_PIPELINE, arms, seeds, epochs, trainer: opts.trainer ?? defaultTrainer() };
}

/** Trainings at a time for `runs` runs left to train ({@link AblationOptions.jobs}). */
function resolveJobs(jobs: number | 'auto', trainer: AblationTrainer, runs: number): number {
  if (jobs !== 'auto') return jobs;
  if (!trainer.worker) return 1;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, runs));
}

/**
 * Fills the feature cache with every arm's features (training clips first, then test clips) before
 * any training, and returns what the runs need to read them back, with the seconds spent. Feature
 * worker threads and training threads are kept apart in time (the two together starved each other
 * on 2 cores).
 */
async function armFeatures(
  split: HeldOutSplit<DatasetItem>,
  base: PipelineConfig,
  arms: readonly AblationArm[],
  cacheDir: string,
  opts: AblationOptions,
): Promise<{ cached: FeaturesInCache[]; seconds: number }> {
  const files = [...split.train, ...split.test].map((it) => it.path);
  const cached: FeaturesInCache[] = [];
  let seconds = 0;
  for (let a = 0; a < arms.length; a++) {
    const tf0 = Date.now();
    const pipeline = armPipeline(base, arms[a]);
    // Filled on the feature worker threads; nothing is kept in memory (each run streams its arm).
    const filled = await cacheFeatures(files, pipeline, {
      cacheDir,
      workers: opts.workers ?? 'auto',
      onProgress: (done, total) =>
        opts.onEvent?.({ kind: 'features', arm: arms[a].name, armIndex: a, arms: arms.length, done, total }),
    });
    cached.push(inCache(files, pipeline, cacheDir, true, filled));
    seconds += (Date.now() - tf0) / 1000;
  }
  return { cached, seconds };
}

/**
 * Run cache key of seed `seed` of an arm: everything that determines its result. `v` changes when
 * the training code's numbers do (3: the wasm batch-norm kernels' float64 statistics, 2026-12-01),
 * so a run cache from older code is trained again instead of mixed with new runs.
 */
function armRunKey(
  feats: FeaturesInCache,
  split: string,
  epochs: number,
  seed: number,
  model: string,
  arm: AblationArm,
  backendName: string,
): string {
  return sha(
    canonicalJson({
      v: 3,
      pipeline: feats.fingerprint,
      split,
      epochs,
      seed,
      model,
      architecture: arm.architecture ?? null,
      backend: backendName,
    }),
  );
}

/** Run cache key of seed `seed` of the LFCC-GMM reference. */
function referenceRunKey(feats: FeaturesInCache, split: string, components: number, seed: number): string {
  return sha(canonicalJson({ v: 1, reference: 'lfcc-gmm', pipeline: feats.fingerprint, split, components, seed }));
}

/** The `data` block of the result: the corpus, its split and the features' shape. */
function dataSummary(
  ds: Dataset,
  items: readonly DatasetItem[],
  split: HeldOutSplit<DatasetItem>,
  feats: FeaturesInCache,
): AblationResult['data'] {
  const summary = datasetSummary(items);
  const all = [...split.train, ...split.test];
  return {
    root: ds.root,
    n: summary.n,
    bonafide: summary.bonafide,
    spoof: summary.spoof,
    attacks: summary.attacks,
    speakers: summary.speakers,
    fingerprint: dataFingerprint(all.map((it, i) => ({ id: it.id, hash: feats.hashes[i], label: it.label }))),
    split: {
      by: split.by,
      train: split.train.length,
      test: split.test.length,
      unlisted: split.unlisted,
      trainBonafide: split.train.filter((it) => it.label === 'bonafide').length,
      testBonafide: split.test.filter((it) => it.label === 'bonafide').length,
      trainAttacks: countAttacks(split.train),
      testAttacks: countAttacks(split.test),
    },
    features: { rows: feats.rows, cols: feats.cols },
  };
}

/** A temporary feature cache for an ablation given none; `dispose` deletes it. */
async function featureCache(cacheDir: string | null): Promise<{ dir: string; dispose: () => Promise<void> }> {
  if (cacheDir) return { dir: cacheDir, dispose: async () => {} };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'specmorph-ablation-features-'));
  return { dir, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * The clips and pipelines whose features {@link runAblation} computes for `ds` and `opts` (every
 * arm's pipeline, then the reference's LFCC pipeline when asked for): what `ablate --shard K/N`
 * spreads over processes to fill the feature cache before the ablation runs.
 */
export function ablationFeaturePlan(
  ds: Dataset,
  opts: Pick<AblationOptions, 'base' | 'arms' | 'testFraction' | 'reference'> = {},
): { files: string[]; pipelines: PipelineConfig[] } {
  const { base, arms } = resolveRunPlan(opts);
  const split = heldOutSplit({ ...ds, items: withMetaSpeakers(ds) }, { testFraction: opts.testFraction });
  return {
    files: [...split.train, ...split.test].map((it) => it.path),
    pipelines: [...arms.map((arm) => armPipeline(base, arm)), ...(opts.reference ? [DEFAULT_GMM_PIPELINE] : [])],
  };
}

/** One run of the plan: its run-cache file, its result when cached (else null) and the task that trains it. */
interface Slot {
  file: string | null;
  run: AblationRun | null;
  task: RunTask;
}

/**
 * Every run of the plan, read from the run cache or a task to train (`task.id` is its index in
 * `slots`). The reference's come first: one long fit, which the CNN runs then pack around.
 */
async function planRuns(p: {
  split: HeldOutSplit<DatasetItem>;
  arms: readonly AblationArm[];
  seeds: readonly number[];
  epochs: number;
  model: string;
  armFeatures: readonly FeaturesInCache[];
  reference: PreparedReference | null;
  runCacheDir: string | null;
  backendName: string;
  excitationRows: number;
  gmm: boolean;
}): Promise<{ slots: Slot[]; refSlots: Slot[]; armSlots: Slot[][] }> {
  const { split, arms, runCacheDir, reference } = p;
  const slots: Slot[] = [];
  const slot = async (file: string | null, task: RunTask): Promise<Slot> => {
    const s = { file, run: file ? await readRun(file) : null, task };
    slots.push(s);
    return s;
  };
  const common = {
    labels: split.train.map((it) => it.label),
    speakers: split.train.map((it) => it.speaker),
    attacks: split.train.map((it) => it.attack),
  };
  const refSlots: Slot[] = [];
  if (reference) {
    const key = splitKey(split, reference.feats.hashes);
    for (const seed of reference.seeds) {
      const file = runCacheDir
        ? path.join(runCacheDir, `${referenceRunKey(reference.feats, key, reference.components, seed)}.json`)
        : null;
      const task: RunTask = {
        kind: 'gmm',
        id: slots.length,
        name: reference.name,
        seed,
        features: reference.feats.source,
        components: reference.components,
        ...common,
      };
      refSlots.push(await slot(file, task));
    }
  }
  const armSlots: Slot[][] = [];
  for (let a = 0; a < arms.length; a++) {
    const feats = p.armFeatures[a];
    const key = splitKey(split, feats.hashes);
    const list: Slot[] = [];
    for (const seed of p.seeds) {
      const file = runCacheDir
        ? path.join(runCacheDir, `${armRunKey(feats, key, p.epochs, seed, p.model, arms[a], p.backendName)}.json`)
        : null;
      const task: RunTask = {
        kind: 'cnn',
        id: slots.length,
        name: arms[a].name,
        seed,
        features: feats.source,
        epochs: p.epochs,
        architecture: arms[a].architecture ?? null,
        excitationRows: p.excitationRows,
        gmm: p.gmm,
        ...common,
      };
      list.push(await slot(file, task));
    }
    armSlots.push(list);
  }
  return { slots, refSlots, armSlots };
}

/** Each arm's runs summarised, and compared seed by seed with the first arm's (none). */
function armResults(
  arms: readonly AblationArm[],
  runs: readonly AblationRun[][],
  features: readonly FeaturesInCache[],
): ArmResult[] {
  const results: ArmResult[] = [];
  for (let a = 0; a < arms.length; a++) {
    results.push({
      name: arms[a].name,
      op: arms[a].op,
      footprint: arms[a].footprint ?? null,
      pipelineFingerprint: features[a].fingerprint,
      runs: runs[a],
      ...summariseRuns(runs[a]),
      vsBaseline:
        a === 0
          ? null
          : pairedComparison(
              runs[a].map((r) => r.eer),
              runs[0].map((r) => r.eer),
            ),
    });
  }
  return results;
}

/**
 * Runs the morphology ablation: for each arm (the base pipeline with no morphology, or with one
 * operator and footprint after the dB stage), computes the features of every clip (cached per
 * pipeline), then for each seed trains the same model for the same number of epochs on the same
 * training split and measures EER / AUC / minDCF / per-attack EER on the same held-out test split.
 *
 * The split comes from the corpus's meta.csv when present (speaker- and sentence-disjoint), else a
 * fixed-seed speaker-disjoint or stratified split, so every arm and seed sees identical data; seed
 * `s` of every arm uses the same initialisation seed and batch order, which makes the per-seed
 * differences paired. Trainings run `jobs` at a time on worker threads; each is seeded and
 * independent, so the results do not depend on `jobs`.
 */
const ABLATION_OPTIONS: OptionNames<AblationOptions> = {
  base: true,
  arms: true,
  seeds: true,
  epochs: true,
  cacheDir: true,
  runCacheDir: true,
  workers: true,
  jobs: true,
  trainer: true,
  testFraction: true,
  reference: true,
  onEvent: true,
};

export async function runAblation(data: string | Dataset, opts: AblationOptions = {}): Promise<AblationResult> {
  checkOptionNames(opts, ABLATION_OPTIONS, 'runAblation');
  const t0 = Date.now();
  const ds = typeof data === 'string' ? await scanFolderDataset(data) : data;
  if (ds.kind !== 'audio')
    throw new ParameterError(
      `${ds.root}: the ablation needs audio (a PNG data set has no spectrogram to apply morphology to before resizing)`,
    );
  const { base, arms, seeds, epochs, trainer } = resolveRunPlan(opts);
  const items = withMetaSpeakers(ds);
  const split = heldOutSplit({ ...ds, items }, { testFraction: opts.testFraction });
  const cache = await featureCache(opts.cacheDir ?? null);
  try {
    const features = await armFeatures(split, base, arms, cache.dir, opts);
    let featureSeconds = features.seconds;
    const tr0 = Date.now();
    const reference = opts.reference ? await prepareReference(opts.reference, seeds, split, cache.dir, opts) : null;
    if (reference) featureSeconds += (Date.now() - tr0) / 1000;
    const backend = await trainer.backend();
    const backendName = backend.split(' ')[0];
    const { slots, refSlots, armSlots } = await planRuns({
      split,
      arms,
      seeds,
      epochs,
      model: trainer.model,
      armFeatures: features.cached,
      reference,
      runCacheDir: opts.runCacheDir ?? null,
      backendName,
      excitationRows: excitationRowCount(resolvePipelineConfig(base)),
      gmm: resolvePipelineConfig(base).lfcc !== undefined,
    });

    const nRuns = arms.length * seeds.length;
    let runsDone = 0;
    const announce = (s: Slot): void => {
      const run = s.run!;
      if (s.task.kind === 'gmm') {
        opts.onEvent?.({ kind: 'reference', name: s.task.name, seed: run.seed, eer: run.eer, cached: run.cached });
        return;
      }
      const armIndex = armSlots.findIndex((list) => list.includes(s));
      opts.onEvent?.({
        kind: 'run',
        arm: s.task.name,
        armIndex,
        arms: arms.length,
        seed: run.seed,
        eer: run.eer,
        cached: run.cached,
        runsDone: ++runsDone,
        runs: nRuns,
      });
    };
    for (const s of slots) if (s.run) announce(s);

    const todo = slots.filter((s) => !s.run);
    const started = new Map<number, number>();
    let trainSeconds = 0;
    const tt0 = Date.now();
    await runTasks(
      todo.map((s) => s.task),
      trainer,
      resolveJobs(opts.jobs ?? 'auto', trainer, todo.length),
      {
        onStart: (task) => started.set(task.id, Date.now()),
        onEpoch: (task, log) => {
          if (task.kind !== 'cnn') return;
          opts.onEvent?.({
            kind: 'train',
            arm: task.name,
            armIndex: armSlots.findIndex((list) => list.some((s) => s.task === task)),
            arms: arms.length,
            seed: task.seed,
            epoch: log.epoch,
            epochs,
            loss: log.loss,
          });
        },
        onDone: async (task, out: RunOutput) => {
          const s = slots[task.id];
          if (task.kind === 'cnn' && out.backend !== backendName)
            throw new ParameterError(
              `${task.name} seed ${task.seed} trained on backend ${out.backend}, the ablation's is ${backendName}: ` +
                'set SPECMORPH_BACKEND so every thread uses the same one',
            );
          s.run = {
            seed: task.seed,
            ...scoreRun(split.test, out.scores),
            history: out.history,
            // Wall time of the run, reading its features included.
            seconds: (Date.now() - started.get(task.id)!) / 1000,
            cached: false,
          };
          if (s.file) await writeRun(s.file, s.run);
          announce(s);
        },
      },
    );
    if (todo.length > 0) trainSeconds = (Date.now() - tt0) / 1000;

    const results = armResults(
      arms,
      armSlots.map((list) => list.map((sl) => sl.run!)),
      features.cached,
    );
    const referenceResult: ReferenceResult | null = reference
      ? {
          name: reference.name,
          components: reference.components,
          pipelineFingerprint: reference.feats.fingerprint,
          runs: refSlots.map((s) => s.run!),
          ...summariseRuns(refSlots.map((s) => s.run!)),
        }
      : null;
    return {
      specmorphVersion: specmorphVersion(),
      createdAt: new Date().toISOString(),
      data: dataSummary(ds, items, split, features.cached[arms.length - 1]),
      backend,
      model: trainer.model,
      epochs,
      seeds,
      base,
      arms: results,
      reference: referenceResult,
      seconds: { features: featureSeconds, training: trainSeconds, total: (Date.now() - t0) / 1000 },
    };
  } finally {
    await cache.dispose();
  }
}
