// Model architectures: the seed's small CNN and a light CNN (LCNN) with max-feature-map activations.
import * as tf from '@tensorflow/tfjs';
import { ParameterError, assert, assertPositiveInt } from '../errors';
import { Random } from '../random';

/** Names of the built-in architectures. */
export type ArchitectureName = 'cnn' | 'lcnn';

/** Options shared by the architecture builders. */
export interface ArchitectureOptions {
  /**
   * Seed of every weight initialiser (each layer gets its own seed drawn from it), so the same seed
   * builds the same weights on the same backend.
   * @default 0
   */
  seed?: number;
  /** Output classes; index 1 is bona fide, 0 spoof. @default 2 */
  numClasses?: number;
}

/** Options of {@link smallCnn}. */
export interface SmallCnnOptions extends ArchitectureOptions {
  /** Filters of the three 3x3 convolutions. @default [16, 32, 64] */
  filters?: [number, number, number];
}

/** Options of {@link lcnn}. */
export interface LcnnOptions extends ArchitectureOptions {
  /**
   * Width multiplier of the ASVspoof LCNN channel counts (64, 64, 96, 96, 128, 128, 64, 64, 64,
   * 64 before max-feature-map halves them); 1 is the published size.
   * @default 0.25
   */
  width?: number;
}

function checkInputShape(inputShape: readonly number[]): void {
  assert(inputShape.length === 3, () => `inputShape=[${inputShape}] must be [rows, cols, channels]`);
  inputShape.forEach((d, i) => assertPositiveInt(d, `inputShape[${i}]`));
}

/** Per-layer initialiser seeds drawn from one generator (tfjs seeds its random ops per call). */
function seeder(seed: number) {
  const rng = new Random(seed);
  return () => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 31) }),
    biasInitializer: tf.initializers.zeros(),
  });
}

/**
 * The seed notebook's small CNN: conv(16)-maxpool-conv(32)-maxpool-conv(64)-global average pool-
 * dense(numClasses), 3x3 kernels, same padding, ReLU, 2x2 pooling. Input `[rows, cols, channels]`
 * (NHWC: a spectrogram Grid is `[rows = frequency, cols = time, 1]`); output: unnormalised logits
 * `[batch, numClasses]` (softmax is applied inside the loss).
 *
 * Notes: logits rather than a softmax layer so scores can be log-likelihood ratios without
 * log(0) (see `predictScores`).
 */
export function smallCnn(inputShape: readonly number[], opts: SmallCnnOptions = {}): tf.LayersModel {
  checkInputShape(inputShape);
  const { seed = 0, numClasses = 2, filters = [16, 32, 64] } = opts;
  assertPositiveInt(numClasses, 'numClasses');
  filters.forEach((f, i) => assertPositiveInt(f, `filters[${i}]`));
  const init = seeder(seed);
  const input = tf.input({ shape: [...inputShape] });
  let h = tf.layers.conv2d({ filters: filters[0], kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', ...init() }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: filters[1], kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2', ...init() }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: filters[2], kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv3', ...init() }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: numClasses, name: 'logits', ...init() }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'specmorph_cnn' });
}

/**
 * Max-feature-map (Wu et al., "A Light CNN for Deep Face Representation"): splits the channel axis
 * into two halves and keeps their element-wise maximum, halving the channels. Input NHWC with an
 * even channel count.
 */
export class MaxFeatureMap extends tf.layers.Layer {
  static readonly className = 'MaxFeatureMap';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const c = s[s.length - 1];
    return [...s.slice(0, -1), c == null ? null : c / 2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const c = x.shape[x.shape.length - 1];
      assert(c % 2 === 0, () => `MaxFeatureMap input channels=${c} must be even`);
      const [a, b] = tf.split(x, 2, -1);
      return tf.maximum(a, b);
    });
  }
}
tf.serialization.registerClass(MaxFeatureMap);

/**
 * A light CNN (LCNN) after the ASVspoof 2019/2021 LFCC-LCNN baseline (Wang & Yamagishi 2021):
 * conv5x5-MFM-maxpool, then blocks of conv1x1-MFM-BN-conv3x3-MFM (-maxpool), every convolution
 * followed by max-feature-map, scaled by `width` for small inputs, ending in global average
 * pooling and a dense layer of logits `[batch, numClasses]` instead of the baseline's BLSTM (our
 * inputs have a fixed size). Input `[rows, cols, channels]` with rows, cols >= 16 (four 2x2 pools).
 *
 * Notes: batch normalisation follows the baseline's placement (after the 1x1 MFM and after the
 * pooled 3x3 MFM); no dropout, so training is deterministic given the seed.
 */
export function lcnn(inputShape: readonly number[], opts: LcnnOptions = {}): tf.LayersModel {
  checkInputShape(inputShape);
  const { seed = 0, numClasses = 2, width = 0.25 } = opts;
  assertPositiveInt(numClasses, 'numClasses');
  assert(Number.isFinite(width) && width > 0, () => `width=${width} must be a finite number > 0`);
  assert(inputShape[0] >= 16 && inputShape[1] >= 16, () => `inputShape=[${inputShape}] must have rows, cols >= 16 for lcnn`);
  const init = seeder(seed);
  // Even channel counts so MFM can halve them.
  const ch = (n: number) => Math.max(2, 2 * Math.round((n * width) / 2));
  let layerIndex = 0;
  const conv = (h: tf.SymbolicTensor, filters: number, k: number) => {
    layerIndex++;
    const c = tf.layers.conv2d({ filters: ch(filters), kernelSize: k, padding: 'same', name: `conv${layerIndex}`, ...init() }).apply(h) as tf.SymbolicTensor;
    return new MaxFeatureMap({ name: `mfm${layerIndex}` }).apply(c) as tf.SymbolicTensor;
  };
  const pool = (h: tf.SymbolicTensor, name: string) => tf.layers.maxPooling2d({ poolSize: 2, name }).apply(h) as tf.SymbolicTensor;
  const bn = (h: tf.SymbolicTensor, name: string) => tf.layers.batchNormalization({ name, epsilon: 1e-5 }).apply(h) as tf.SymbolicTensor;

  const input = tf.input({ shape: [...inputShape] });
  let h = conv(input, 64, 5);
  h = pool(h, 'pool1');
  h = bn(conv(h, 64, 1), 'bn2');
  h = conv(h, 96, 3);
  h = bn(pool(h, 'pool3'), 'bn3');
  h = bn(conv(h, 96, 1), 'bn4');
  h = conv(h, 128, 3);
  h = pool(h, 'pool5');
  h = bn(conv(h, 128, 1), 'bn6');
  h = bn(conv(h, 64, 3), 'bn7');
  h = bn(conv(h, 64, 1), 'bn8');
  h = conv(h, 64, 3);
  h = pool(h, 'pool9');
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: numClasses, name: 'logits', ...init() }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'specmorph_lcnn' });
}

/** Builds a named architecture for `inputShape` `[rows, cols, channels]`. */
export function buildModel(name: ArchitectureName, inputShape: readonly number[], opts: ArchitectureOptions = {}): tf.LayersModel {
  if (name === 'cnn') return smallCnn(inputShape, opts);
  if (name === 'lcnn') return lcnn(inputShape, opts);
  throw new ParameterError(`architecture=${String(name)} must be 'cnn' or 'lcnn'`);
}
