// The model side of `specmorph train/evaluate`: features (Grid[]) -> tfjs tensors -> a trained
// LayersModel, and a trained model -> bona fide scores.
import * as tf from '@tensorflow/tfjs';
import { Grid } from '../grid/grid';
import { Label } from '../dataset/types';
import { classWeights } from '../dataset/split';
import { Random } from '../random';

/** Stacks equally shaped grids into a float32 [n, rows, cols, 1] tensor (NHWC, one channel). */
export function gridsToTensor(grids: readonly Grid[]): tf.Tensor4D {
  const { rows, cols } = grids[0];
  const buf = new Float32Array(grids.length * rows * cols);
  grids.forEach((g, i) => buf.set(g.data, i * rows * cols));
  return tf.tensor4d(buf, [grids.length, rows, cols, 1]);
}

/** A small seeded CNN: two conv(3x3)+relu+maxpool(2) blocks, global average pooling, one sigmoid unit = P(bona fide). */
export function smallCnnForCli(rows: number, cols: number, seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 7 + k });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [rows, cols, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(3) }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  return m;
}

/** One epoch's numbers. */
export interface EpochLog {
  epoch: number;
  loss: number;
}

/**
 * Trains on features with labels for `epochs` epochs, batches drawn in a seeded order (tfjs's own
 * shuffle uses Math.random, so it is off) and classes weighted as sklearn 'balanced'.
 */
export async function trainOnFeatures(
  features: readonly Grid[],
  labels: readonly Label[],
  opts: { epochs: number; seed: number; batchSize?: number; onEpoch?: (log: EpochLog) => void },
): Promise<{ model: tf.LayersModel; history: EpochLog[] }> {
  const { rows, cols } = features[0];
  const model = smallCnnForCli(rows, cols, opts.seed);
  const w = classWeights(labels as Label[]);
  const rng = new Random(opts.seed);
  const history: EpochLog[] = [];
  const n = features.length;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const x = gridsToTensor(order.map((i) => features[i]));
    const y = tf.tensor2d(order.map((i) => (labels[i] === 'bonafide' ? 1 : 0)), [n, 1]);
    const h = await model.fit(x, y, { epochs: 1, batchSize: opts.batchSize ?? 16, shuffle: false, verbose: 0, classWeight: { 0: w.spoof, 1: w.bonafide } });
    tf.dispose([x, y]);
    const log = { epoch, loss: Number(h.history.loss[0]) };
    history.push(log);
    opts.onEpoch?.(log);
  }
  return { model, history };
}

/** P(bona fide) of each feature (higher = more bona fide), predicted in batches. */
export function scoreFeatures(model: tf.LayersModel, features: readonly Grid[], batchSize = 64): Float64Array {
  const out = new Float64Array(features.length);
  for (let s = 0; s < features.length; s += batchSize) {
    const part = features.slice(s, s + batchSize);
    const p = tf.tidy(() => (model.predict(gridsToTensor(part)) as tf.Tensor).dataSync());
    for (let i = 0; i < part.length; i++) out[s + i] = p[i];
  }
  return out;
}
