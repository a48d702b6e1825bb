// Where a W5 training step with a morph block goes: one Adam step of the seed CNN behind a morph
// block (as bench/w5-morph.ts, batch 16, wasm, 1 thread), repeated, with each kernel's exclusive
// time per step (a kernel called from inside another counts for itself only). Not a workload of
// `npm run bench` (its name does not start with w<digit>).
//
//   node --import tsx bench/profile-w5.ts [--size 128] [--ops erode,dilate] [--side 3] [--steps 5] [--plain | --compare] [--by-shape] [--cpu]
//
// --compare runs the plain CNN and the block model step by step in turn and prints both tallies
// and their difference, largest first; --by-shape tallies each kernel per input shapes; --cpu times with the process's CPU time
// (process.cpuUsage) instead of wall time, for a loaded machine.
import * as tf from '../src/model/tf';
import { initBackend } from '../src/model/backend';
import { smallCnn } from '../src/model/architectures';
import { morphCnn } from '../src/model/morphBlock';
import type { MorphologyOp } from '../src/pipeline/config';
import { inputShapes, timeKernels } from './kernelTimes';
import { stepper as w5Stepper } from './w5-morph';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

async function main(): Promise<void> {
  const size = Number(arg('--size') ?? 128);
  const ops = (arg('--ops') ?? 'erode,dilate').split(',') as MorphologyOp[];
  const side = Number(arg('--side') ?? 3);
  const steps = Number(arg('--steps') ?? 5);
  const byShape = process.argv.includes('--by-shape');
  const compare = process.argv.includes('--compare');
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
  let total: Tally = new Map();
  const timing = timeKernels(
    'wasm',
    (call) => {
      const key = byShape ? `${call.kernel} ${inputShapes(call)}` : call.kernel;
      const e = total.get(key) ?? { ms: 0, calls: 0 };
      e.ms += call.ms;
      e.calls++;
      total.set(key, e);
    },
    now,
  );

  const stepper = (model: tf.LayersModel) => w5Stepper(model, size).step;
  const plain = { name: 'plain', step: stepper(smallCnn([size, size, 1], { seed: 0 })) };
  const block = {
    name: `${ops.join('+')} ${side}x${side}`,
    step: stepper(
      morphCnn([size, size, 1], {
        block: { operations: ops, init: { shape: 'rect', rows: side, cols: side } },
        backbone: (h) => smallCnn(h.shape.slice(1) as number[], { seed: 0 }).apply(h) as tf.SymbolicTensor,
      }),
    ),
  };
  const variants = compare ? [plain, block] : process.argv.includes('--plain') ? [plain] : [block];
  const results = variants.map((v) => ({ ...v, tally: new Map() as Tally, stepMs: [] as number[] }));
  for (const v of results) {
    v.step();
    v.step();
  }
  timing.on = true;
  for (let s = 0; s < steps; s++) {
    for (const v of results) {
      total = v.tally;
      const t = now();
      v.step();
      v.stepMs.push(now() - t);
    }
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
  for (const v of results) {
    const sum = [...v.tally.values()].reduce((a, e) => a + e.ms, 0);
    console.log(
      `${size}x${size} ${v.name}: median ${median(v.stepMs).toFixed(1)} ms/step, in kernels ${(sum / steps).toFixed(1)} ms/step`,
    );
  }
  // One row per kernel: ms/step of each variant (and the difference when comparing).
  const keys = [...new Set(results.flatMap((v) => [...v.tally.keys()]))];
  const ms = (v: (typeof results)[number], k: string) => (v.tally.get(k)?.ms ?? 0) / steps;
  const last = results[results.length - 1];
  keys.sort((a, b) =>
    compare ? ms(last, b) - ms(results[0], b) - (ms(last, a) - ms(results[0], a)) : ms(last, b) - ms(last, a),
  );
  console.log(
    `  ${'kernel'.padEnd(byShape ? 72 : 32)} ${results.map((v) => v.name.padStart(12)).join(' ')}${compare ? '        diff' : ''}   calls/step`,
  );
  for (const k of keys) {
    const row = results.map((v) => ms(v, k));
    if (Math.max(...row) < 0.05) continue;
    const calls = results.map((v) => ((v.tally.get(k)?.calls ?? 0) / steps).toFixed(1)).join('/');
    console.log(
      `  ${k.padEnd(byShape ? 72 : 32)} ${row.map((r) => r.toFixed(2).padStart(12)).join(' ')}${compare ? (row[1] - row[0]).toFixed(2).padStart(12) : ''}   ${calls}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
