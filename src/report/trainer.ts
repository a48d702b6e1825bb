import type { Grid } from '../grid/grid';
import type { Label } from '../dataset/types';

/** One epoch of training as the ablation records it. */
export interface AblationEpoch {
  epoch: number;
  loss: number;
}

/** What the ablation needs from the model code: train on features, score held-out features. */
export interface AblationTrainer {
  /** Model description for the report, e.g. `small CNN (2 conv blocks, 8/16 filters)`. */
  readonly model: string;
  /** Initialises tfjs and returns the backend description (`name (why)`). */
  backend(): Promise<string>;
  /**
   * Trains a fresh model (initialisation and batch order from `seed`) for exactly `epochs` epochs on
   * `train`, then returns P(bona fide) for each `test` feature (higher = more bona fide) and the
   * per-epoch log. Must release every tensor it made.
   */
  fitAndScore(
    train: { features: readonly Grid[]; labels: readonly Label[] },
    test: readonly Grid[],
    opts: { epochs: number; seed: number; onEpoch?: (log: AblationEpoch) => void },
  ): Promise<{ scores: Float64Array; history: AblationEpoch[] }>;
}

/** Options of {@link defaultTrainer}. */
export interface DefaultTrainerOptions {
  /** Built-in architecture. @default 'cnn' (conv 16-32-64, global average pooling, 2 logits) */
  architecture?: 'cnn' | 'lcnn';
  /** Adam learning rate. @default 1e-3 */
  learningRate?: number;
  /** @default 16 */
  batchSize?: number;
  /** Filters of the small CNN's three convolutions (ignored for 'lcnn'). @default [8, 16, 32] (half the `smallCnn` default, for the W4 time budget) */
  filters?: [number, number, number];
}

/**
 * The default trainer: the model code's `trainClassifier` (seeded initialisation and batch order,
 * class-balanced loss, no early stopping so every arm trains for exactly `epochs`) and
 * `predictScores` (log-likelihood ratio logit[1] - logit[0]); tfjs is loaded lazily so reading
 * results never loads it.
 */
export function defaultTrainer(opts: DefaultTrainerOptions = {}): AblationTrainer {
  const architecture = opts.architecture ?? 'cnn';
  const learningRate = opts.learningRate ?? 1e-3;
  const batchSize = opts.batchSize ?? 16;
  const filters = opts.filters ?? [8, 16, 32];
  return {
    model: `${architecture === 'cnn' ? `small CNN (conv 3×3 ${filters.join('-')}, max-pool, global average pool, 2 logits)` : 'LCNN (width 0.25)'}; Adam ${learningRate}, batch ${batchSize}, class-balanced cross-entropy`,
    async backend() {
      const { initBackend, formatBackendInfo } = await import('../model/backend');
      return formatBackendInfo(await initBackend()).replace(/^backend /, '');
    },
    async fitAndScore(train, test, o) {
      const { trainClassifier, predictScores } = await import('../model/train');
      const { smallCnn } = await import('../model/architectures');
      const { initBackend } = await import('../model/backend');
      await initBackend(); // the model is built here, before trainClassifier would initialise tfjs
      const { rows, cols } = train.features[0];
      const { model, history } = await trainClassifier(
        { inputs: train.features, labels: train.labels.map((l) => (l === 'bonafide' ? 1 : 0)) },
        { model: architecture === 'cnn' ? smallCnn([rows, cols, 1], { seed: o.seed, filters }) : architecture, epochs: o.epochs, seed: o.seed, learningRate, batchSize, classWeight: 'balanced', patience: null, progress: false, log: null, onEpoch: (l) => o.onEpoch?.({ epoch: l.epoch, loss: l.loss }) },
      );
      try {
        return { scores: Float64Array.from(predictScores(model, test)), history: history.map((l) => ({ epoch: l.epoch, loss: l.loss })) };
      } finally {
        model.dispose();
      }
    },
  };
}
