// Where a W3 training step goes: trains the default detector (as bench/w3-train.ts, on random
// features of the same 83 x 401 shape, 200-frame crops, batch 32) on tfjs wasm (1 thread, or the
// threaded build with --threads T: XNNPACK's pool, our own kernels stay on this thread) and
// prints, per step after a warm-up epoch, the wall time and each kernel's exclusive time (a kernel
// called from inside another, as our Conv2DBackpropInput calls Conv2D, counts for itself only).
// Only the steps count: work between an epoch's last step and the next epoch is left out.
// Not a workload of `npm run bench` (its name does not start with w<digit>).
//
//   node --import tsx bench/profile-w3.ts [--epochs N] [--threads T] [--shapes Kernel,Kernel] [--steps-only]
//
// --shapes prints the input shapes and time of the first calls of those kernels; --steps-only
// prints the median step time alone (for interleaved runs of two versions of the code).
import { initBackend } from '../src/model/backend';
import { DEFAULT_ARCHITECTURE } from '../src/model/registry';
import { trainClassifier } from '../src/model/train';
import { Random } from '../src/random';
import { inputShapes, timeKernels } from './kernelTimes';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

async function main(): Promise<void> {
  const epochs = Number(arg('--epochs') ?? 3);
  const shapes = new Set((arg('--shapes') ?? '').split(',').filter(Boolean));
  await initBackend({ backend: 'wasm', threads: Number(arg('--threads') ?? 1) });

  type Tally = Map<string, { ms: number; calls: number }>;
  const total: Tally = new Map();
  let pending: Tally = new Map();
  const timing = timeKernels('wasm', (call) => {
    const e = pending.get(call.kernel) ?? { ms: 0, calls: 0 };
    e.ms += call.ms;
    e.calls++;
    pending.set(call.kernel, e);
    if (shapes.has(call.kernel) && (total.get(call.kernel)?.calls ?? 0) === 0)
      console.log(`${call.kernel} ${inputShapes(call)}: ${call.ms.toFixed(1)} ms`);
  });

  const rows = 83;
  const cols = 401;
  const clips = 96;
  const rng = new Random(1);
  const inputs = Array.from({ length: clips }, () =>
    Float32Array.from({ length: rows * cols }, () => rng.normal() * 10 - 40),
  );
  const stepMs: number[] = [];
  let t0 = 0;
  await trainClassifier(inputs, {
    labels: Array.from({ length: clips }, (_, i) => i % 2),
    inputShape: [rows, cols, 1],
    model: DEFAULT_ARCHITECTURE,
    cropFrames: 200,
    modelOptions: { excitation: {} },
    epochs,
    recalibrateBatchNorm: false,
    progress: false,
    log: null,
    onBatch: () => {
      if (timing.on) {
        stepMs.push(performance.now() - t0);
        for (const [name, e] of pending) {
          const s = total.get(name) ?? { ms: 0, calls: 0 };
          s.ms += e.ms;
          s.calls += e.calls;
          total.set(name, s);
        }
      }
      pending = new Map();
      t0 = performance.now();
    },
    onEpoch: () => {
      timing.on = true;
      pending = new Map();
      t0 = performance.now();
    },
  });
  const steps = stepMs.length;
  const sorted = [...stepMs].sort((a, b) => a - b);
  console.log(
    `${steps} steps: median ${sorted[steps >> 1].toFixed(1)} ms/step (min ${sorted[0].toFixed(1)}, mean ${(stepMs.reduce((a, b) => a + b, 0) / steps).toFixed(1)})`,
  );
  if (process.argv.includes('--steps-only')) return;
  const kernels = [...total].sort((a, b) => b[1].ms - a[1].ms);
  const sum = kernels.reduce((s, [, e]) => s + e.ms, 0);
  console.log(`in kernels: ${(sum / steps).toFixed(1)} ms/step`);
  for (const [name, e] of kernels.filter(([, e]) => e.ms / steps >= 0.05))
    console.log(
      `  ${name.padEnd(32)} ${(e.ms / steps).toFixed(2).padStart(8)} ms/step  ${(e.calls / steps).toFixed(1)} calls/step`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
