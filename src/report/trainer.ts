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

/**
 * The default trainer: the same model code as `specmorph train` (seeded initialisation, seeded batch
 * order, class-balanced loss), loaded lazily so reading results never loads tfjs.
 */
export function defaultTrainer(): AblationTrainer {
  return {
    model: 'small CNN as `specmorph train` (conv 3×3 ×8 → maxpool 2 → conv 3×3 ×16 → maxpool 2 → global average → sigmoid), Adam 1e-3, batch 16, class-balanced BCE',
    async backend() {
      const { initBackend, formatBackendInfo } = await import('../model/backend');
      return formatBackendInfo(await initBackend()).replace(/^backend /, '');
    },
    async fitAndScore(train, test, opts) {
      const { trainOnFeatures, scoreFeatures } = await import('../cli/classifier');
      const { model, history } = await trainOnFeatures(train.features, train.labels, { epochs: opts.epochs, seed: opts.seed, onEpoch: (l) => opts.onEpoch?.({ epoch: l.epoch, loss: l.loss }) });
      try {
        return { scores: scoreFeatures(model, test), history: history.map((l) => ({ epoch: l.epoch, loss: l.loss })) };
      } finally {
        model.dispose();
      }
    },
  };
}
