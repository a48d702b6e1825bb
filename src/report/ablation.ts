import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError, ParameterError, assert } from '../errors';
import { cacheFeatures, computeFeatures, dataFingerprint, type FeatureSet } from '../dataset/features';
import { type GridSource, gridSource, sliceGrids } from '../grid/source';
import { scanFolderDataset } from '../dataset/folder';
import { datasetSummary, type Dataset, type DatasetItem } from '../dataset/types';
import { computeEer, perAttackEer, rocAuc } from '../metrics';
import { DEFAULT_GMM_COMPONENTS, fitGmmDetectorAsync, scoreGmmDetector } from '../model/gmm';
import { DEFAULT_GMM_PIPELINE } from '../model/gmmModel';
import { specmorphVersion } from '../model/io';
import { canonicalJson, resolvePipelineConfig, type FootprintSpec, type PipelineConfig } from '../pipeline/config';
import { ABLATION_PIPELINE, ablationArms, armPipeline, type AblationArm } from './arms';
import { heldOutSplit, withMetaSpeakers, type HeldOutSplit } from './split';
import { mean, pairedComparison, std, type PairedComparison } from './stats';
import { defaultTrainer, type AblationEpoch, type AblationTrainer } from './trainer';
import { writeFileAtomic } from '../atomicFile';

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
  /** Feature cache folder (features are computed once per pipeline config), or null. @default null */
  cacheDir?: string | null;
  /**
   * Folder of finished runs (one JSON per arm x seed, keyed by everything that determines the
   * result: pipeline, data, split, epochs, seed, model, backend), or null to always train.
   * @default null
   */
  runCacheDir?: string | null;
  /** Feature worker threads. @default 'auto' */
  workers?: number | 'auto';
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
  /** Per-attack test EER (each attack's spoofs against all test bona fide), fraction. */
  perAttack: Record<string, number>;
  /** Training loss per epoch. */
  history: AblationEpoch[];
  /** Wall time of training + scoring (0 when read from the run cache). */
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
    return typeof r.eer === 'number' && Array.isArray(r.history) ? { ...r, seconds: 0, cached: true } : null;
  } catch {
    return null;
  }
}

async function writeRun(file: string, run: AblationRun): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(run), { makeFolder: true });
}

/** Pooled EER, AUC and per-attack EER of one run's test scores (bona fide scores higher). */
function scoreRun(
  test: readonly DatasetItem[],
  scores: ArrayLike<number>,
): Pick<AblationRun, 'eer' | 'auc' | 'perAttack'> {
  const rows = test.map((it, i) => ({
    uttId: it.id.replace(/\s+/g, '_'),
    attackId: it.attack ?? '-',
    key: it.label,
    score: scores[i],
  }));
  const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
  const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
  const perAttack: Record<string, number> = {};
  for (const r of perAttackEer(rows)) perAttack[r.attackId] = r.eer;
  return { eer: computeEer(bona, spoof).eer, auc: rocAuc(bona, spoof), perAttack };
}

/** Mean ± sd over seeds of the pooled EER, the AUC and each attack's EER. */
function summariseRuns(runs: readonly AblationRun[]): Pick<ArmResult, 'eer' | 'auc' | 'perAttack'> {
  const eers = runs.map((r) => r.eer);
  const aucs = runs.map((r) => r.auc);
  const perAttack: Record<string, MeanStd> = {};
  for (const k of [...new Set(runs.flatMap((r) => Object.keys(r.perAttack)))].sort()) {
    const v = runs.map((r) => r.perAttack[k]).filter((x) => typeof x === 'number');
    perAttack[k] = { mean: mean(v), std: std(v) };
  }
  return { eer: { mean: mean(eers), std: std(eers) }, auc: { mean: mean(aucs), std: std(aucs) }, perAttack };
}

interface ReferenceContext {
  split: HeldOutSplit<DatasetItem>;
  cacheDir: string | null;
  runCacheDir: string | null;
  workers: number | 'auto';
  onEvent?: (e: AblationEvent) => void;
}

/** The reference's features, checked: computed with the arms' features, before any training. */
interface PreparedReference {
  name: string;
  components: number;
  seeds: number[];
  feats: FeatureSet;
  featureSeconds: number;
}

/**
 * Computes the LFCC features of the reference ({@link AblationReferenceOptions}) and checks that each
 * class has enough training frames for its mixture, so a data set too small for it fails before the
 * arms are trained, not after.
 */
async function prepareReference(
  o: AblationReferenceOptions,
  seeds: number[],
  ctx: ReferenceContext,
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
  const { train, test } = ctx.split;
  const tf0 = Date.now();
  // Whole clips of any length: the GMM scores frames, so clips are not cropped or tiled to one width.
  const feats = await computeFeatures(
    [...train, ...test].map((it) => it.path),
    DEFAULT_GMM_PIPELINE,
    {
      cacheDir: ctx.cacheDir,
      workers: ctx.workers,
      sameShape: false,
      onProgress: (done, total) => ctx.onEvent?.({ kind: 'features', arm: name, armIndex: -1, arms: 0, done, total }),
    },
  );
  for (const label of ['bonafide', 'spoof'] as const) {
    const frames = train.reduce((n, it, i) => n + (it.label === label ? feats.features[i].cols : 0), 0);
    if (frames < components) {
      throw new DatasetError(
        `${name}: the ${label} training clips have ${frames} LFCC frames, fewer than its ${components} components; ` +
          'use more data or leave the reference out (--no-reference, reference: null)',
      );
    }
  }
  return { name, components, seeds: refSeeds, feats, featureSeconds: (Date.now() - tf0) / 1000 };
}

/** Trains (or reads from the run cache) and scores the prepared reference on the ablation's split. */
async function fitReference(
  p: PreparedReference,
  ctx: ReferenceContext,
): Promise<{ result: ReferenceResult; trainSeconds: number }> {
  const { name, components, feats } = p;
  const { train, test } = ctx.split;
  const split = splitKey(ctx.split, feats.hashes);
  const trainOf = (label: string) => train.flatMap((it, i) => (it.label === label ? [feats.features[i]] : []));
  const testFeats = feats.features.slice(train.length);
  let trainSeconds = 0;
  const runs: AblationRun[] = [];
  for (const seed of p.seeds) {
    const key = sha(
      canonicalJson({ v: 1, reference: 'lfcc-gmm', pipeline: feats.fingerprint, split, components, seed }),
    );
    const file = ctx.runCacheDir ? path.join(ctx.runCacheDir, `${key}.json`) : null;
    let run = file ? await readRun(file) : null;
    if (!run) {
      const ts = Date.now();
      const detector = await fitGmmDetectorAsync(trainOf('bonafide'), trainOf('spoof'), {
        nComponents: components,
        seed,
      });
      run = {
        seed,
        ...scoreRun(test, scoreGmmDetector(detector, testFeats)),
        history: [],
        seconds: (Date.now() - ts) / 1000,
        cached: false,
      };
      trainSeconds += run.seconds;
      if (file) await writeRun(file, run);
    }
    runs.push(run);
    ctx.onEvent?.({ kind: 'reference', name, seed, eer: run.eer, cached: run.cached });
  }
  return {
    result: { name, components, pipelineFingerprint: feats.fingerprint, runs, ...summariseRuns(runs) },
    trainSeconds,
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
  return { base: opts.base ?? ABLATION_PIPELINE, arms, seeds, epochs, trainer: opts.trainer ?? defaultTrainer() };
}

/**
 * One arm's features: with a cache folder they stay in the cache and are read a batch at a time
 * (`cacheFeatures`), so the ablation's memory does not grow with the corpus or the number of arms;
 * without one they are held in memory.
 */
type ArmFeatures = Omit<FeatureSet, 'features'> & { features: GridSource };

/**
 * The features of every clip (training clips first, then test clips) for each arm's pipeline, and
 * the seconds spent. All arms' features come before any training: feature worker threads and the
 * threaded wasm backend's own workers are kept apart in time (the two together starved each other
 * on 2 cores).
 */
async function armFeatures(
  split: HeldOutSplit<DatasetItem>,
  base: PipelineConfig,
  arms: readonly AblationArm[],
  opts: AblationOptions,
): Promise<{ featureSets: ArmFeatures[]; seconds: number }> {
  const files = [...split.train, ...split.test].map((it) => it.path);
  const featureSets: ArmFeatures[] = [];
  let seconds = 0;
  const cacheDir = opts.cacheDir ?? null;
  for (let a = 0; a < arms.length; a++) {
    const tf0 = Date.now();
    const featureOpts = {
      workers: opts.workers ?? 'auto',
      onProgress: (done: number, total: number) =>
        opts.onEvent?.({ kind: 'features', arm: arms[a].name, armIndex: a, arms: arms.length, done, total }),
    };
    const pipeline = armPipeline(base, arms[a]);
    if (cacheDir) featureSets.push(await cacheFeatures(files, pipeline, { ...featureOpts, cacheDir }));
    else {
      const held = await computeFeatures(files, pipeline, featureOpts);
      featureSets.push({ ...held, features: gridSource(held.features) });
    }
    seconds += (Date.now() - tf0) / 1000;
  }
  return { featureSets, seconds };
}

/** What the runs of every arm share. */
interface ArmContext {
  split: HeldOutSplit<DatasetItem>;
  arms: readonly AblationArm[];
  seeds: readonly number[];
  epochs: number;
  trainer: AblationTrainer;
  /** The backend's name (the first word of its description), part of the run cache key. */
  backendName: string;
  /** The features end with the base pipeline's excitation rows (every arm keeps them: armPipeline). */
  excitation: boolean;
  runCacheDir: string | null;
  onEvent?: (e: AblationEvent) => void;
  /** Runs finished so far, over all arms (for progress events). */
  runsDone: number;
}

/** One seed of arm `a`: read from the run cache, or trained, scored and written to it. */
async function armRun(ctx: ArmContext, a: number, seed: number, feats: ArmFeatures): Promise<AblationRun> {
  const { split, trainer, epochs } = ctx;
  const arm = ctx.arms[a];
  const key = sha(
    canonicalJson({
      v: 2,
      pipeline: feats.fingerprint,
      split: splitKey(split, feats.hashes),
      epochs,
      seed,
      model: trainer.model,
      architecture: arm.architecture ?? null,
      backend: ctx.backendName,
    }),
  );
  const file = ctx.runCacheDir ? path.join(ctx.runCacheDir, `${key}.json`) : null;
  const cached = file ? await readRun(file) : null;
  if (cached) return cached;
  const ts = Date.now();
  const nTrain = split.train.length;
  const { scores, history } = await trainer.fitAndScore(
    {
      features: sliceGrids(feats.features, 0, nTrain),
      labels: split.train.map((it) => it.label),
      speakers: split.train.map((it) => it.speaker),
    },
    sliceGrids(feats.features, nTrain),
    {
      epochs,
      seed,
      ...(arm.architecture ? { architecture: arm.architecture } : {}),
      ...(ctx.excitation ? { excitation: true } : {}),
      onEpoch: (log) =>
        ctx.onEvent?.({
          kind: 'train',
          arm: arm.name,
          armIndex: a,
          arms: ctx.arms.length,
          seed,
          epoch: log.epoch,
          epochs,
          loss: log.loss,
        }),
    },
  );
  const run = { seed, ...scoreRun(split.test, scores), history, seconds: (Date.now() - ts) / 1000, cached: false };
  if (file) await writeRun(file, run);
  return run;
}

/** Every seed of arm `a`, summarised and compared with the baseline arm's runs (null for the baseline itself). */
async function runArm(
  ctx: ArmContext,
  a: number,
  feats: ArmFeatures,
  baseline: ArmResult | null,
): Promise<{ result: ArmResult; trainSeconds: number }> {
  const arm = ctx.arms[a];
  const runs: AblationRun[] = [];
  let trainSeconds = 0;
  for (const seed of ctx.seeds) {
    const run = await armRun(ctx, a, seed, feats);
    if (!run.cached) trainSeconds += run.seconds;
    runs.push(run);
    ctx.runsDone++;
    ctx.onEvent?.({
      kind: 'run',
      arm: arm.name,
      armIndex: a,
      arms: ctx.arms.length,
      seed,
      eer: run.eer,
      cached: run.cached,
      runsDone: ctx.runsDone,
      runs: ctx.arms.length * ctx.seeds.length,
    });
  }
  const result: ArmResult = {
    name: arm.name,
    op: arm.op,
    footprint: arm.footprint ?? null,
    pipelineFingerprint: feats.fingerprint,
    runs,
    ...summariseRuns(runs),
    vsBaseline: baseline
      ? pairedComparison(
          runs.map((r) => r.eer),
          baseline.runs.map((r) => r.eer),
        )
      : null,
  };
  return { result, trainSeconds };
}

/** The `data` block of the result: the corpus, its split and the features' shape. */
function dataSummary(
  ds: Dataset,
  items: readonly DatasetItem[],
  split: HeldOutSplit<DatasetItem>,
  feats: ArmFeatures,
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

/**
 * Runs the morphology ablation: for each arm (the base pipeline with no morphology, or with one
 * operator and footprint after the dB stage), computes the features of every clip (cached per
 * pipeline), then for each seed trains the same model for the same number of epochs on the same
 * training split and measures EER / AUC / per-attack EER on the same held-out test split.
 *
 * The split comes from the corpus's meta.csv when present (speaker- and sentence-disjoint), else a
 * fixed-seed speaker-disjoint or stratified split, so every arm and seed sees identical data; seed
 * `s` of every arm uses the same initialisation seed and batch order, which makes the per-seed
 * differences paired.
 */
export async function runAblation(data: string | Dataset, opts: AblationOptions = {}): Promise<AblationResult> {
  const t0 = Date.now();
  const ds = typeof data === 'string' ? await scanFolderDataset(data) : data;
  if (ds.kind !== 'audio')
    throw new ParameterError(
      `${ds.root}: the ablation needs audio (a PNG data set has no spectrogram to apply morphology to before resizing)`,
    );
  const { base, arms, seeds, epochs, trainer } = resolveRunPlan(opts);
  const items = withMetaSpeakers(ds);
  const split = heldOutSplit({ ...ds, items }, { testFraction: opts.testFraction });
  const features = await armFeatures(split, base, arms, opts);
  let featureSeconds = features.seconds;
  const refContext: ReferenceContext = {
    split,
    cacheDir: opts.cacheDir ?? null,
    runCacheDir: opts.runCacheDir ?? null,
    workers: opts.workers ?? 'auto',
    onEvent: opts.onEvent,
  };
  const preparedReference = opts.reference ? await prepareReference(opts.reference, seeds, refContext) : null;
  if (preparedReference) featureSeconds += preparedReference.featureSeconds;
  const backend = await trainer.backend();
  const ctx: ArmContext = {
    split,
    arms,
    seeds,
    epochs,
    trainer,
    backendName: backend.split(' ')[0],
    excitation: resolvePipelineConfig(base).excitation !== undefined,
    runCacheDir: opts.runCacheDir ?? null,
    onEvent: opts.onEvent,
    runsDone: 0,
  };
  const results: ArmResult[] = [];
  let trainSeconds = 0;
  for (let a = 0; a < arms.length; a++) {
    const arm = await runArm(ctx, a, features.featureSets[a], a === 0 ? null : results[0]);
    results.push(arm.result);
    trainSeconds += arm.trainSeconds;
  }
  let reference: ReferenceResult | null = null;
  if (preparedReference) {
    const ref = await fitReference(preparedReference, refContext);
    reference = ref.result;
    trainSeconds += ref.trainSeconds;
  }
  return {
    specmorphVersion: specmorphVersion(),
    createdAt: new Date().toISOString(),
    data: dataSummary(ds, items, split, features.featureSets[arms.length - 1]),
    backend,
    model: trainer.model,
    epochs,
    seeds,
    base,
    arms: results,
    reference,
    seconds: { features: featureSeconds, training: trainSeconds, total: (Date.now() - t0) / 1000 },
  };
}
