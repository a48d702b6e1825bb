// W5: cost of the learned morphology block. One Adam training step of the seed CNN with and without
// a morph block in front (batch 16, 1-channel input, 64x64 and 128x128) on wasm, interleaved in one
// process so both see the same machine load; the ratio is the speed target (<= 1.5x).
import * as tf from '../src/model/tf';
import { formatBackendInfo, initBackend } from '../src/model/backend';
import { smallCnn } from '../src/model/architectures';
import { type MorphBlockOptions, morphCnn } from '../src/model/morphBlock';
import { Random } from '../src/random';
import { atMost, type BenchRow, row } from './rows';
import { median } from './timing';

const BATCH = 16;
const REPS = 7;
/** The target: a step with the block at most this many times the plain CNN's. */
const TARGET = 1.5;

/** One Adam step of `model` on a fixed random batch of BATCH `size` x `size` inputs (also bench/profile-w5.ts's). */
export function stepper(model: tf.LayersModel, size: number): { step: () => void; dispose: () => void } {
  const optimizer = tf.train.adam(1e-3);
  const rng = new Random(size);
  const x = tf.tensor4d(
    Float32Array.from({ length: BATCH * size * size }, () => -40 + 20 * rng.normal()),
    [BATCH, size, size, 1],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 2),
      'int32',
    ),
    2,
  );
  return {
    step: () => {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
      loss.dataSync();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

function withBlock(size: number, block: MorphBlockOptions): tf.LayersModel {
  return morphCnn([size, size, 1], {
    block,
    // The seed CNN as the backbone, sized for the block's output channels.
    backbone: (h) => smallCnn(h.shape.slice(1) as number[], { seed: 0 }).apply(h) as tf.SymbolicTensor,
  });
}

/** Median ms per training step per variant (interleaved repetitions), and the ratio to the plain CNN. */
export async function run(): Promise<BenchRow[]> {
  const info = await initBackend({ backend: 'wasm' });
  console.log(
    `W5 morph block: ms per Adam step, batch ${BATCH}, median of ${REPS} interleaved runs [${formatBackendInfo(info)}]`,
  );
  const blocks: [string, MorphBlockOptions][] = [
    ['erode+dilate x2 3x3 (default)', {}],
    ['opening+closing x2 3x3', { operations: ['opening', 'closing'] }],
    [
      'whiteTopHat+blackTopHat x2 5x5',
      { operations: ['whiteTopHat', 'blackTopHat'], init: { shape: 'rect', rows: 5, cols: 5 } },
    ],
  ];
  const rows: BenchRow[] = [];
  for (const size of [64, 128]) {
    const variants = [
      { name: 'plain CNN', ...stepper(smallCnn([size, size, 1], { seed: 0 }), size) },
      ...blocks.map(([name, b]) => ({ name, ...stepper(withBlock(size, b), size) })),
    ];
    const ms: number[][] = variants.map(() => []);
    for (const v of variants) v.step();
    for (let r = 0; r < REPS; r++) {
      variants.forEach((v, i) => {
        const t = performance.now();
        v.step();
        ms[i].push(performance.now() - t);
      });
    }
    const base = median(ms[0]);
    console.log(`  ${size}x${size}:`);
    variants.forEach((v, i) => {
      console.log(
        `    ${v.name.padEnd(32)} ${median(ms[i]).toFixed(1).padStart(7)} ms  ${(median(ms[i]) / base).toFixed(2)}x`,
      );
      v.dispose();
    });
    const plain = { name: `plain seed CNN, same process (${info.name})`, measure: { value: base, unit: 'ms wall' } };
    for (let i = 1; i < variants.length; i++)
      rows.push(
        row(
          'W5',
          `Adam step, morph block ${variants[i].name} + seed CNN, batch ${BATCH} x ${size}x${size}x1`,
          { value: median(ms[i]), unit: 'ms wall' },
          plain,
          atMost(TARGET),
        ),
      );
  }
  return rows;
}
