import { type GridSource, pickGrids } from '../grid/source';
import type { Label } from '../dataset/types';
import { splitDataset } from '../dataset/split';
import { DEFAULT_ARCHITECTURE, type ArchitectureName } from '../model/registry';

/** One epoch of training as the ablation records it. */
export interface AblationEpoch {
  epoch: number;
  loss: number;
}

/**
 * How a worker thread rebuilds a trainer: `require(module)[factory](options)`, with `options` plain
 * (structured-cloneable) data.
 */
export interface TrainerModule {
  /** Absolute path of the module (`__filename` of the factory's own module). */
  module: string;
  /** Name of the exported factory function. */
  factory: string;
  options: unknown;
}

/** What the ablation needs from the model code: train on features, score held-out features. */
export interface AblationTrainer {
  /** Model description for the report, e.g. `small CNN (2 conv blocks, 8/16 filters)`. */
  readonly model: string;
  /**
   * How a worker thread rebuilds this trainer, so the ablation can train several runs at once
   * (`jobs`); without it every run trains in the calling thread.
   */
  readonly worker?: TrainerModule;
  /** Initialises tfjs and returns the backend description (`name (why)`). */
  backend(): Promise<string>;
  /**
   * Trains a fresh model (initialisation, batch order, crops and its validation part from `seed`)
   * for at most `epochs` epochs on `train`, then returns a bona fide score for each `test` feature
   * (a log odds, not a probability; higher = more bona fide) and the per-epoch log. Must release every
   * tensor it made. `speakers` (one per training clip, when known) keep its validation part
   * speaker-disjoint, and `attacks` (one per training clip, null for bona fide) limit it to its share of
   * each attack (`splitDataset`). `excitationRows`: the features end with that many excitation rows of a
   * pipeline, for the model's excitation expert; `gmm`: they have a pipeline's LFCC rows above those (or last), for
   * its GMM expert. Features may be read from the feature cache on every `get`:
   * stream them, do not collect them.
   */
  fitAndScore(
    train: {
      features: GridSource;
      labels: readonly Label[];
      speakers?: readonly (string | null)[];
      attacks?: readonly (string | null)[];
    },
    test: GridSource,
    opts: {
      epochs: number;
      seed: number;
      architecture?: ArchitectureName;
      excitationRows?: number;
      gmm?: boolean;
      onEpoch?: (log: AblationEpoch) => void;
    },
  ): Promise<{ scores: Float64Array; history: AblationEpoch[] }>;
}

/** Options of {@link defaultTrainer}. */
export interface DefaultTrainerOptions {
  /** Built-in architecture. @default 'cnn' */
  architecture?: ArchitectureName;
  /** Adam learning rate (peak of the cosine schedule). @default 3e-3 */
  learningRate?: number;
  /** @default 32 */
  batchSize?: number;
  /**
   * Filters of the small CNN's three convolutions (ignored for 'lcnn').
   * @default [8, 16, 32] (half the `smallCnn` default, for the W4 time budget)
   */
  filters?: [number, number, number];
  /**
   * Training crop width in frames; clips are scored whole as the mean over windows.
   * @default 64 (0.64 s at a 10 ms hop, for the W4 time budget)
   */
  cropFrames?: number;
  /**
   * Fraction of the training clips (speaker-disjoint when speakers are known) that early stopping watches.
   * @default 0.2
   */
  validation?: number;
  /** Early-stopping patience in epochs. @default 4 */
  patience?: number;
}

/**
 * The default trainer: the model code's `trainClassifier` (seeded initialisation and batch order,
 * class-balanced loss, at most `epochs` epochs with early stopping on the EER of a speaker-disjoint
 * validation part of the training clips, the same rule for every arm) and
 * `predictScores` (logit[1] - logit[0] of the window-averaged logits: the log odds of bona fide
 * under the class-balanced softmax; with the excitation expert, the smaller of the two experts'
 * bona fide z-scores);
 * tfjs is loaded lazily so reading results never loads it.
 */
export function defaultTrainer(opts: DefaultTrainerOptions = {}): AblationTrainer {
  const architecture = opts.architecture ?? DEFAULT_ARCHITECTURE;
  const learningRate = opts.learningRate ?? 3e-3;
  const batchSize = opts.batchSize ?? 32;
  const filters = opts.filters ?? [8, 16, 32];
  const cropFrames = opts.cropFrames ?? 64;
  const validation = opts.validation ?? 0.2;
  const patience = opts.patience ?? 4;
  const net =
    architecture === 'lcnn'
      ? 'LCNN (width 0.25, batch norm)'
      : `${architecture === 'morph-cnn' ? 'learned morphology block + ' : ''}small CNN ` +
        `(conv 3×3 ${filters.join('-')}, batch norm, max-pool, global average pool, 2 logits)`;
  return {
    worker: { module: __filename, factory: 'defaultTrainer', options: opts },
    // Part of every run cache key (report/ablation.ts): a change of this text retrains every run.
    model:
      `${net}; per-frequency standardisation from the training clips; ` +
      `random ${cropFrames}-frame crops, whole clips scored as the mean over windows; ` +
      `Adam ${learningRate} with cosine decay, batch ${batchSize}, class-balanced cross-entropy; ` +
      `early stopping on the EER of a ${Math.round(100 * validation)} % speaker-disjoint validation part ` +
      'taking at most its share of each attack ' +
      `(patience ${patience}); batch-norm statistics re-estimated on the training clips`,
    async backend() {
      // require, not import(): the ablation's worker threads load sources through tsx's CommonJS
      // hook under the tests, which import() would bypass.
      const { initBackend, formatBackendInfo } = require('../model/backend') as typeof import('../model/backend');
      return formatBackendInfo(await initBackend()).replace(/^backend /, '');
    },
    async fitAndScore(train, test, o) {
      const { trainClassifier, predictScores } = require('../model/train') as typeof import('../model/train');
      const items = train.labels.map((label, i) => ({
        label,
        speaker: train.speakers?.[i] ?? null,
        attack: train.attacks?.[i] ?? null,
        i,
      }));
      const parts = splitDataset(items, { validation, seed: o.seed });
      const pick = (xs: typeof items) => ({
        inputs: pickGrids(
          train.features,
          xs.map((it) => it.i),
        ),
        labels: xs.map((it) => (it.label === 'bonafide' ? 1 : 0)),
      });
      const { model, history } = await trainClassifier(pick(parts.train), {
        model: o.architecture ?? architecture,
        epochs: o.epochs,
        seed: o.seed,
        learningRate,
        batchSize,
        cropFrames: Math.min(cropFrames, train.features.cols),
        ...(parts.validation.length > 0 ? { validationData: pick(parts.validation), patience } : { patience: null }),
        modelOptions: {
          filters,
          ...(o.excitationRows ? { excitation: { rows: o.excitationRows } } : {}),
          ...(o.gmm ? { gmm: {} } : {}),
        },
        progress: false,
        log: null,
        onEpoch: (l) => o.onEpoch?.({ epoch: l.epoch, loss: l.loss }),
      });
      try {
        return {
          scores: Float64Array.from(predictScores(model, test)),
          history: history.map((l) => ({ epoch: l.epoch, loss: l.loss })),
        };
      } finally {
        model.dispose();
      }
    },
  };
}
