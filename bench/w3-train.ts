// W3: training and prediction throughput of the seed CNN (1x128x128 input, batch 32, Adam) per
// tfjs backend, against the same model in PyTorch (bench/w3_torch.py, 2 threads) in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../src/model/tf';
import { formatBackendInfo, initBackend, type BackendName } from '../src/model/backend';
import { smallCnn } from '../src/model/architectures';
import { Random } from '../src/random';
import { type BenchRow, row } from './rows';
import { median } from './timing';

const BATCH = 32;
const REPS = 5;

type Result = { backend: string; info: string; trainIps: number[]; predictIps: number[] };

/** Runs in a child process so every backend/thread setting starts from a fresh tfjs. */
async function child(backend: BackendName, threads: number, steps: number, budgetMs: number): Promise<Result> {
  const info = await initBackend({ backend, threads });
  const model = smallCnn([128, 128, 1], { seed: 0 });
  const optimizer = tf.train.adam(1e-3);
  const rng = new Random(0);
  const x = tf.tensor4d(
    Float32Array.from({ length: BATCH * 128 * 128 }, () => rng.normal()),
    [BATCH, 128, 128, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 2),
      'int32',
    ),
    2,
  );
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    )!;
    loss.dataSync();
    loss.dispose();
  };
  const predict = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  step();
  predict();
  const trainIps: number[] = [];
  const predictIps: number[] = [];
  const start = performance.now();
  // The pure-JS cpu backend needs minutes per repetition: stop at the time budget (>= 1 rep).
  for (let r = 0; r < REPS && (r === 0 || performance.now() - start < budgetMs); r++) {
    let t = performance.now();
    for (let s = 0; s < steps; s++) step();
    trainIps.push((BATCH * steps * 1000) / (performance.now() - t));
    t = performance.now();
    for (let s = 0; s < steps; s++) predict();
    predictIps.push((BATCH * steps * 1000) / (performance.now() - t));
  }
  return {
    backend: `${backend}${backend === 'wasm' ? ` x${info.threads}` : ''}`,
    info: formatBackendInfo(info),
    trainIps,
    predictIps,
  };
}

/** The pure-JS cpu backend can take many minutes for one step: past this the child is stopped. */
const CPU_TIMEOUT_MS = 5 * 60 * 1000;

function spawnChild(backend: BackendName, threads: number, steps: number, budgetMs: number): Result | null {
  const timeout = backend === 'cpu' ? CPU_TIMEOUT_MS : 30 * 60 * 1000;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--child', backend, String(threads), String(steps), String(budgetMs)],
    { encoding: 'utf8', cwd: join(__dirname, '..'), timeout },
  );
  if (r.signal) {
    // Warm-up and one repetition (2 steps + predictions) did not finish: an upper bound is all we know.
    const bound = (2 * steps * BATCH * 1000) / timeout;
    console.log(
      `  ${backend} x${threads}: no repetition within ${timeout / 1000} s, so train < ${bound.toFixed(2)} images/s`,
    );
    return null;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    console.log(`  ${backend} x${threads}: failed (${(r.stderr || r.stdout).trim().split('\n').pop()})`);
    return null;
  }
}

function torchPeer(): { trainIps: number[]; predictIps: number[]; torch: string } | null {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return null;
  const r = spawnSync(py, [join(__dirname, 'w3_torch.py'), String(REPS), '2', '3'], {
    encoding: 'utf8',
    timeout: 30 * 60 * 1000,
  });
  try {
    const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    return { trainIps: o.train_ips, predictIps: o.predict_ips, torch: o.torch };
  } catch {
    console.log(`  pytorch: failed (${r.stderr.trim().split('\n').pop()})`);
    return null;
  }
}

/** Prints images/s (median of 5 repetitions; cpu: as many as fit in 60 s, stopped after 5 min) per backend, then ours/PyTorch ratios. */
export async function run(): Promise<BenchRow[]> {
  console.log(
    `W3 train: seed CNN on ${BATCH}x128x128x1, Adam; images/s, median of ${REPS} runs (shared machine: preliminary)`,
  );
  const results: Result[] = [];
  for (const [backend, threads, steps, budget] of [
    ['tensorflow', 1, 3, Infinity],
    ['wasm', 1, 3, Infinity],
    ['wasm', 2, 3, Infinity],
    ['cpu', 1, 1, 60_000],
  ] as const) {
    if (backend === 'tensorflow') {
      try {
        require.resolve('@tensorflow/tfjs-node');
      } catch {
        console.log('  tfjs-node: not installed (optional dependency failed), skipped');
        continue;
      }
    }
    const r = spawnChild(backend, threads, steps, budget);
    if (!r) continue;
    results.push(r);
    const reps =
      r.trainIps.length < REPS ? ` (${r.trainIps.length} rep${r.trainIps.length > 1 ? 's' : ''}: time budget)` : '';
    console.log(
      `  ${r.backend.padEnd(10)} train ${median(r.trainIps).toFixed(1).padStart(7)}  predict ${median(r.predictIps).toFixed(1).padStart(7)}${reps}   [${r.info}]`,
    );
  }
  const torch = torchPeer();
  const rows = (peer: typeof torch): BenchRow[] =>
    results.flatMap((r) =>
      (['train', 'predict'] as const).map((what) => {
        const ips = (v: number[]) => ({ value: median(v), unit: 'img/s' });
        const key = what === 'train' ? 'trainIps' : 'predictIps';
        return row(
          'W3',
          `${what}, seed CNN ${BATCH}x128x128x1${what === 'train' ? ', Adam' : ''}, tfjs ${r.backend}`,
          ips(r[key]),
          peer && { name: `PyTorch ${peer.torch} (same model), 2 threads`, measure: ips(peer[key]) },
        );
      }),
    );
  if (!torch) {
    console.log('  pytorch: /usr/bin/python3 cannot import torch, ratios skipped');
    return rows(null);
  }
  const tt = median(torch.trainIps);
  const tp = median(torch.predictIps);
  console.log(
    `  ${'pytorch'.padEnd(10)} train ${tt.toFixed(1).padStart(7)}  predict ${tp.toFixed(1).padStart(7)}   [torch ${torch.torch}, 2 threads]`,
  );
  for (const r of results) {
    console.log(
      `  ratio ${r.backend}/pytorch: train ${(median(r.trainIps) / tt).toFixed(2)}x  predict ${(median(r.predictIps) / tp).toFixed(2)}x`,
    );
  }
  return rows(torch);
}

if (process.argv[2] === '--child') {
  const [, , , backend, threads, steps, budget] = process.argv;
  child(backend as BackendName, Number(threads), Number(steps), Number(budget)).then(
    (r) => console.log(JSON.stringify(r)),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
