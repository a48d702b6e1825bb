// Where a W5 training step with a morph block goes: one Adam step of the seed CNN behind a morph
// block (as bench/w5-morph.ts, batch 16, wasm, 1 thread), repeated, with each kernel's exclusive
// time per step (a kernel called from inside another counts for itself only). Not a workload of
// `npm run bench` (its name does not start with w<digit>).
//
//   node --import tsx bench/profile-w5.ts [--size 128] [--ops erode,dilate] [--side 3] [--steps 5] [--plain] [--by-shape] [--cpu]
//
// --by-shape tallies each kernel per input shapes; --cpu times with the process's CPU time
// (process.cpuUsage) instead of wall time, for a loaded machine.
import * as tf from '../src/model/tf';
import { initBackend } from '../src/model/backend';
import { smallCnn } from '../src/model/architectures';
import { morphCnn } from '../src/model/morphBlock';
import type { MorphologyOp } from '../src/pipeline/config';
import { Random } from '../src/random';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

async function main(): Promise<void> {
  const size = Number(arg('--size') ?? 128);
  const ops = (arg('--ops') ?? 'erode,dilate').split(',') as MorphologyOp[];
  const side = Number(arg('--side') ?? 3);
  const steps = Number(arg('--steps') ?? 5);
  const batch = 16;
  const byShape = process.argv.includes('--by-shape');
  // CPU time of this process (user + system), less sensitive than wall time to other processes
  const cpu = process.argv.includes('--cpu');
  const now = cpu
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();
  await initBackend({ backend: 'wasm', threads: 1 });

  type Tally = Map<string, { ms: number; calls: number }>;
  const total: Tally = new Map();
  const stack: number[] = [];
  let timing = false;
  for (const k of tf.getKernelsForBackend('wasm')) {
    const run = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    const kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      if (!timing) return run(args);
      stack.push(0);
      const t = now();
      const r = run(args);
      const dt = now() - t;
      const inner = stack.pop()!;
      if (stack.length) stack[stack.length - 1] += dt;
      const key = byShape
        ? `${k.kernelName} ${Object.values(args.inputs)
            .map((x) => JSON.stringify((x as tf.TensorInfo | undefined)?.shape))
            .join(' ')}`
        : k.kernelName;
      const e = total.get(key) ?? { ms: 0, calls: 0 };
      e.ms += dt - inner;
      e.calls++;
      total.set(key, e);
      return r;
    }) as tf.KernelFunc;
    tf.registerKernel({ ...k, kernelFunc });
  }

  const model = process.argv.includes('--plain')
    ? smallCnn([size, size, 1], { seed: 0 })
    : morphCnn([size, size, 1], {
        block: { operations: ops, init: { shape: 'rect', rows: side, cols: side } },
        backbone: (h) => smallCnn(h.shape.slice(1) as number[], { seed: 0 }).apply(h) as tf.SymbolicTensor,
      });
  const optimizer = tf.train.adam(1e-3);
  const rng = new Random(size);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * size * size }, () => -40 + 20 * rng.normal()),
    [batch, size, size, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 2),
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
  step();
  step();
  timing = true;
  const stepMs: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t = now();
    step();
    stepMs.push(now() - t);
  }
  const sorted = [...stepMs].sort((a, b) => a - b);
  console.log(
    `${size}x${size} ${process.argv.includes('--plain') ? 'plain' : `${ops.join('+')} ${side}x${side}`}: median ${sorted[steps >> 1].toFixed(1)} ms/step`,
  );
  const kernels = [...total].sort((a, b) => b[1].ms - a[1].ms);
  const sum = kernels.reduce((s, [, e]) => s + e.ms, 0);
  console.log(`in kernels: ${(sum / steps).toFixed(1)} ms/step`);
  for (const [name, e] of kernels.filter(([, e]) => e.ms / steps >= 0.05))
    console.log(
      `  ${name.padEnd(byShape ? 72 : 32)} ${(e.ms / steps).toFixed(2).padStart(8)} ms/step  ${(e.calls / steps).toFixed(1)} calls/step`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
