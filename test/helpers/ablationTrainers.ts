// A stand-in ablation trainer (no tfjs) that worker threads can rebuild (it names its own module),
// for the run pool's tests: scores are the mean feature value plus seed jitter, deterministic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParameterError } from '../../src/errors';
import type { Grid } from '../../src/grid/grid';
import type { AblationTrainer } from '../../src/report/trainer';

export interface FakeWorkerTrainerOptions {
  /** Throw a ParameterError when training this seed. */
  failSeed?: number;
  /** Milliseconds each epoch takes. */
  epochMs?: number;
  /** Write a file `seed-epoch-time` here after every epoch (to see whether anything still trains). */
  logDir?: string;
}

export function fakeWorkerTrainer(opts: FakeWorkerTrainerOptions = {}): AblationTrainer {
  return {
    model: 'fake mean-value scorer (worker)',
    worker: { module: __filename, factory: 'fakeWorkerTrainer', options: opts },
    backend: async () => 'fake (test)',
    async fitAndScore(train, test, o) {
      const history = [];
      for (let e = 1; e <= o.epochs; e++) {
        if (o.seed === opts.failSeed) throw new ParameterError(`fake failure on seed ${o.seed}`);
        await new Promise((r) => setTimeout(r, opts.epochMs ?? 0));
        if (opts.logDir) writeFileSync(join(opts.logDir, `${o.seed}-${e}-${process.hrtime.bigint()}`), '');
        const loss = 1 / e + train.features.length * 1e-3;
        history.push({ epoch: e, loss });
        o.onEpoch?.({ epoch: e, loss });
      }
      const m = (g: Grid) => g.data.reduce((s, v) => s + v, 0) / g.data.length;
      return {
        scores: Float64Array.from({ length: test.length }, (_, i) => m(test.get(i)) + 0.01 * Math.sin(i * 7 + o.seed)),
        history,
      };
    },
  };
}
