// Training loop (seeded, class-weighted, early stopping) and bona-fide scores for tfjs classifiers.
import * as tf from '@tensorflow/tfjs';
import { ParameterError, assert, assertPositive, assertPositiveInt, warnOnce } from '../errors';
import type { Grid } from '../grid/grid';
import { Random } from '../random';
import { type ArchitectureName, buildModel } from './architectures';
import { type BackendInfo, type BackendOptions, formatBackendInfo, initBackend } from './backend';

/** Model inputs: a `[n, rows, cols, channels]` tensor, Grids (one channel each) or flat arrays of `inputShape`. */
export type ModelInputs = tf.Tensor | readonly Grid[] | readonly Float32Array[];

/** Inputs with their labels: 1 = bona fide, 0 = spoof (the class index of the model's output). */
export interface LabelledData {
  inputs: ModelInputs;
  labels: ArrayLike<number>;
}

/** Progress after each batch. */
export interface BatchLog {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean (class-weighted) loss of this batch. */
  loss: number;
}

/**
 * Metrics after each epoch (validation fields are NaN without a validation set). `loss` and
 * `accuracy` are running means over the epoch's batches, as Keras reports them; `valLoss` and
 * `valAccuracy` are measured after the epoch.
 */
export interface EpochLog {
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Milliseconds spent in this epoch. */
  ms: number;
}

/** What {@link trainClassifier} returns. */
export interface TrainResult {
  /** The trained model (with the best weights when early stopping restored them); caller disposes. */
  model: tf.LayersModel;
  /** One entry per epoch run. */
  history: EpochLog[];
  /** Epoch (0-based) whose weights the model holds. */
  bestEpoch: number;
  stoppedEarly: boolean;
  backend: BackendInfo;
}

/** Options of {@link trainClassifier}. */
export interface TrainOptions {
  /** Labels when `data` is a bare tensor/array (1 = bona fide, 0 = spoof). */
  labels?: ArrayLike<number>;
  /** Shape `[rows, cols, channels]` of each flat Float32Array input (Grids and tensors carry theirs). */
  inputShape?: [number, number, number];
  /** Built-in architecture, or a model to (continue to) train whose output is logits or softmax. @default 'cnn' */
  model?: ArchitectureName | tf.LayersModel;
  /** @default 10 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Adam learning rate. @default 1e-3 */
  learningRate?: number;
  /** Fraction of each class held out (seeded, stratified) for validation; ignored with `validationData`. @default 0 */
  validationSplit?: number;
  /** An explicit validation set. @default undefined */
  validationData?: LabelledData;
  /**
   * Early stopping: stop after this many epochs without a lower validation loss (training loss
   * when there is no validation set). `null` disables it.
   * @default null
   */
  patience?: number | null;
  /** With early stopping, end with the weights of the best epoch. @default true */
  restoreBestWeights?: boolean;
  /** Seeds weight initialisation, the validation split and the shuffling. @default 0 */
  seed?: number;
  /**
   * Per-class loss weights: `'balanced'` gives class c the weight n / (classes * count_c)
   * (scikit-learn's rule), or an explicit array indexed by class. `null`: all 1.
   * @default null
   */
  classWeight?: 'balanced' | readonly number[] | null;
  /** Called after every batch. */
  onBatch?: (log: BatchLog) => void;
  /** Called after every epoch. */
  onEpoch?: (log: EpochLog) => void;
  /** Text progress bar on stderr. @default true when neither onBatch nor onEpoch is given */
  progress?: boolean;
  /** Where the one-line backend report goes; `null` silences it. @default line => process.stderr.write(line + '\n') */
  log?: ((line: string) => void) | null;
  /** Backend selection passed to `initBackend`. @default {} */
  backend?: BackendOptions;
}

/** Stacks inputs into one `[n, rows, cols, channels]` float32 tensor (a tensor input is returned as is). */
export function toInputTensor(inputs: ModelInputs, inputShape?: readonly number[]): tf.Tensor4D {
  if (inputs instanceof tf.Tensor) {
    const t = inputs.rank === 3 ? inputs.expandDims(-1) : inputs;
    assert(t.rank === 4, () => `inputs tensor of shape [${inputs.shape}] must be [n, rows, cols] or [n, rows, cols, channels]`);
    return t as tf.Tensor4D;
  }
  assert(inputs.length > 0, () => 'inputs must not be empty');
  const first = inputs[0];
  let shape: number[];
  if (first instanceof Float32Array) {
    assert(inputShape !== undefined && inputShape.length === 3,
      () => `inputShape=${inputShape ? `[${inputShape}]` : 'undefined'} must be [rows, cols, channels] for Float32Array inputs`);
    shape = [...inputShape];
  } else {
    shape = [(first as Grid).rows, (first as Grid).cols, 1];
  }
  const size = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(inputs.length * size);
  inputs.forEach((item, i) => {
    const d = item instanceof Float32Array ? item : (item as Grid).data;
    if (!(item instanceof Float32Array)) {
      const g = item as Grid;
      assert(g.rows === shape[0] && g.cols === shape[1], () => `inputs[${i}] is ${g.rows}x${g.cols}, expected ${shape[0]}x${shape[1]} like inputs[0]`);
    }
    assert(d.length === size, () => `inputs[${i}].length=${d.length} must equal rows*cols*channels=${size}`);
    data.set(d, i * size);
  });
  return tf.tensor4d(data, [inputs.length, shape[0], shape[1], shape[2]]);
}

function inputCount(inputs: ModelInputs): number {
  return inputs instanceof tf.Tensor ? inputs.shape[0] : inputs.length;
}

function checkLabels(labels: ArrayLike<number>, n: number, classes: number, name: string): Int32Array {
  assert(labels.length === n, () => `${name}.length=${labels.length} must equal the number of inputs ${n}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    assert(Number.isInteger(v) && v >= 0 && v < classes, () => `${name}[${i}]=${v} must be an integer class index in [0, ${classes})`);
    out[i] = v;
  }
  return out;
}

function classWeights(spec: TrainOptions['classWeight'], labels: Int32Array, classes: number): Float32Array {
  const w = new Float32Array(classes).fill(1);
  if (spec == null) return w;
  if (spec === 'balanced') {
    const counts = new Float64Array(classes);
    for (const l of labels) counts[l]++;
    for (let c = 0; c < classes; c++) w[c] = counts[c] > 0 ? labels.length / (classes * counts[c]) : 0;
    return w;
  }
  assert(Array.isArray(spec) && spec.length === classes, () => `classWeight must be 'balanced', null or an array of ${classes} weights`);
  spec.forEach((v, c) => {
    assert(Number.isFinite(v) && v >= 0, () => `classWeight[${c}]=${v} must be a finite number >= 0`);
    w[c] = v;
  });
  return w;
}

/** True when the model's last layer applies softmax (its outputs are probabilities, not logits). */
function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const act = (last.getConfig() as { activation?: unknown }).activation;
  return act === 'softmax';
}

/** Per-sample cross-entropy `[n]` of integer labels from the model's output (logits or softmax). */
function crossEntropy(output: tf.Tensor2D, labels: tf.Tensor1D, probabilities: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = probabilities ? tf.log(tf.clipByValue(output, 1e-7, 1)) : tf.logSoftmax(output);
    const oneHot = tf.oneHot(labels, output.shape[1]);
    return tf.neg(tf.sum(tf.mul(oneHot, logp), 1)) as tf.Tensor1D;
  });
}

/** Loss and accuracy of `model` on a set, batched, without gradients. */
function evaluateSet(model: tf.LayersModel, x: tf.Tensor4D, y: Int32Array, weights: Float32Array, batchSize: number, probabilities: boolean): { loss: number; accuracy: number } {
  let lossSum = 0;
  let weightSum = 0;
  let correct = 0;
  for (let start = 0; start < y.length; start += batchSize) {
    const end = Math.min(y.length, start + batchSize);
    const [l, w, c] = tf.tidy(() => {
      const out = model.predict(x.slice(start, end - start), { batchSize }) as tf.Tensor2D;
      const lab = tf.tensor1d(y.subarray(start, end), 'int32');
      const sw = tf.gather(tf.tensor1d(weights), lab);
      const ce = crossEntropy(out, lab, probabilities);
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), lab), 'float32'));
      return [tf.sum(tf.mul(ce, sw)).dataSync()[0], tf.sum(sw).dataSync()[0], hit.dataSync()[0]];
    });
    lossSum += l;
    weightSum += w;
    correct += c;
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : NaN, accuracy: correct / y.length };
}

function progressBar(log: BatchLog, epochs: number): string {
  const width = 24;
  const done = Math.round((width * log.batch) / log.batches);
  return `\repoch ${log.epoch + 1}/${epochs} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${log.batch}/${log.batches} loss ${log.loss.toFixed(4)}`;
}

/**
 * Trains a bona fide (label 1) vs spoof (label 0) classifier with Adam on softmax cross-entropy.
 * `data` is `{inputs, labels}` or bare inputs with `opts.labels`; inputs are a
 * `[n, rows, cols, channels]` tensor (rank 3 gets a channel axis), Grids (spectrograms: rows =
 * frequency, cols = time) or flat Float32Arrays of `opts.inputShape`.
 *
 * Initialises the backend (`initBackend`, logged once through `opts.log`), builds `opts.model`
 * (default the small CNN) with weights seeded by `opts.seed`, then per epoch shuffles with the
 * same seed, runs mini-batches (class-weighted mean loss), evaluates the validation set and
 * applies early stopping. Same seed + same backend -> same weights and history.
 *
 * Notes: class weights scale each sample's loss and the batch mean divides by the batch size, as
 * Keras `class_weight`; validation loss is the weighted mean. No tensors leak: everything but the
 * returned model is disposed.
 */
export async function trainClassifier(data: LabelledData | ModelInputs, opts: TrainOptions = {}): Promise<TrainResult> {
  const {
    epochs = 10, batchSize = 32, learningRate = 1e-3, validationSplit = 0, patience = null,
    restoreBestWeights = true, seed = 0, onBatch, onEpoch,
  } = opts;
  assertPositiveInt(epochs, 'epochs');
  assertPositiveInt(batchSize, 'batchSize');
  assertPositive(learningRate, 'learningRate');
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  assert(Number.isFinite(validationSplit) && validationSplit >= 0 && validationSplit < 1, () => `validationSplit=${validationSplit} must be in [0, 1)`);
  assert(patience === null || (Number.isInteger(patience) && patience >= 0), () => `patience=${patience} must be null or an integer >= 0`);
  const progress = opts.progress ?? (!onBatch && !onEpoch);
  const log = opts.log === undefined ? (line: string) => process.stderr.write(line + '\n') : opts.log;

  const isLabelled = (d: LabelledData | ModelInputs): d is LabelledData =>
    !(d instanceof tf.Tensor) && !Array.isArray(d) && typeof d === 'object' && d !== null && 'inputs' in d;
  const inputs = isLabelled(data) ? data.inputs : data;
  const rawLabels = isLabelled(data) ? data.labels : opts.labels;
  if (rawLabels === undefined) throw new ParameterError('labels are required: pass {inputs, labels} or opts.labels');

  const backend = await initBackend(opts.backend ?? {});
  if (log) log(formatBackendInfo(backend));

  const n = inputCount(inputs);
  const allX = toInputTensor(inputs, opts.inputShape);
  const ownsX = allX !== inputs;
  const inputShape = allX.shape.slice(1) as [number, number, number];
  const model = typeof opts.model === 'object' ? opts.model : buildModel(opts.model ?? 'cnn', inputShape, { seed });
  const outShape = model.outputs[0].shape;
  const classes = outShape[outShape.length - 1] ?? 2;
  const probabilities = outputsProbabilities(model);
  const labels = checkLabels(rawLabels, n, classes, 'labels');

  // Stratified, seeded validation split.
  const rng = new Random(seed);
  let trainIdx: number[] = [];
  let valIdx: number[] = [];
  if (opts.validationData === undefined && validationSplit > 0) {
    for (let c = 0; c < classes; c++) {
      const idx = rng.shuffle(Array.from(labels.keys()).filter((i) => labels[i] === c));
      const k = Math.round(validationSplit * idx.length);
      valIdx.push(...idx.slice(0, k));
      trainIdx.push(...idx.slice(k));
    }
    trainIdx.sort((a, b) => a - b);
    valIdx.sort((a, b) => a - b);
  } else {
    trainIdx = Array.from(labels.keys());
  }
  assert(trainIdx.length > 0, () => `validationSplit=${validationSplit} leaves no training samples`);

  const weights = classWeights(opts.classWeight, Int32Array.from(trainIdx, (i) => labels[i]), classes);
  let trainX = allX;
  let ownsTrainX = ownsX;
  let valSet: tf.Tensor4D | null = null;
  let ownsVal = false;
  if (valIdx.length > 0) {
    trainX = tf.tidy(() => tf.gather(allX, tf.tensor1d(trainIdx, 'int32')));
    valSet = tf.tidy(() => tf.gather(allX, tf.tensor1d(valIdx, 'int32')));
    if (ownsX) allX.dispose();
    ownsTrainX = true;
    ownsVal = true;
  }
  const trainY = Int32Array.from(trainIdx, (i) => labels[i]);
  let valY: Int32Array<ArrayBufferLike> = Int32Array.from(valIdx, (i) => labels[i]);
  if (opts.validationData !== undefined) {
    valSet = toInputTensor(opts.validationData.inputs, opts.inputShape);
    ownsVal = valSet !== opts.validationData.inputs;
    valY = checkLabels(opts.validationData.labels, valSet.shape[0], classes, 'validationData.labels');
  }
  if (patience !== null && valSet === null) warnOnce('early stopping without a validation set monitors the training loss');

  const optimizer = tf.train.adam(learningRate);
  const weightTensor = tf.tensor1d(weights);
  const history: EpochLog[] = [];
  let best = Infinity;
  let bestEpoch = -1;
  let bestWeights: tf.Tensor[] | null = null;
  let stoppedEarly = false;
  const order = Array.from(trainY.keys());
  const batches = Math.ceil(order.length / batchSize);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = Date.now();
      rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.slice(b * batchSize, (b + 1) * batchSize);
        let hits: tf.Tensor | null = null;
        const loss = tf.tidy(() => {
          const xb = tf.gather(trainX, tf.tensor1d(Int32Array.from(idx), 'int32'));
          const yb = tf.tensor1d(Int32Array.from(idx, (i) => trainY[i]), 'int32');
          const sw = tf.gather(weightTensor, yb);
          return optimizer.minimize(() => {
            const out = model.apply(xb, { training: true }) as tf.Tensor2D;
            hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), yb), 'float32')));
            return tf.mean(tf.mul(crossEntropy(out, yb, probabilities), sw)) as tf.Scalar;
          }, true)!;
        });
        const value = (await loss.data())[0];
        correct += (hits as tf.Tensor | null)!.dataSync()[0];
        tf.dispose([loss, hits as tf.Tensor | null as tf.Tensor]);
        lossSum += value * idx.length;
        const batchLog: BatchLog = { epoch, batch: b + 1, batches, loss: value };
        onBatch?.(batchLog);
        if (progress) process.stderr.write(progressBar(batchLog, epochs));
      }
      const val = valSet ? evaluateSet(model, valSet, valY, weights, Math.max(batchSize, 64), probabilities) : { loss: NaN, accuracy: NaN };
      const entry: EpochLog = {
        epoch, epochs, loss: lossSum / order.length, accuracy: correct / order.length,
        valLoss: val.loss, valAccuracy: val.accuracy, ms: Date.now() - t0,
      };
      history.push(entry);
      onEpoch?.(entry);
      if (progress) {
        const v = valSet ? ` val_loss ${entry.valLoss.toFixed(4)} val_acc ${entry.valAccuracy.toFixed(3)}` : '';
        process.stderr.write(`\repoch ${epoch + 1}/${epochs} loss ${entry.loss.toFixed(4)} acc ${entry.accuracy.toFixed(3)}${v} (${entry.ms} ms)\n`);
      }
      const monitored = valSet ? val.loss : entry.loss;
      if (monitored < best) {
        best = monitored;
        bestEpoch = epoch;
        if (patience !== null && restoreBestWeights) {
          bestWeights?.forEach((t) => t.dispose());
          bestWeights = model.getWeights().map((w) => w.clone());
        }
      } else if (patience !== null && epoch - bestEpoch > patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (bestWeights && bestEpoch !== history.length - 1) {
      model.setWeights(bestWeights);
    } else {
      bestEpoch = history.length - 1;
    }
  } finally {
    bestWeights?.forEach((t) => t.dispose());
    optimizer.dispose();
    weightTensor.dispose();
    if (ownsTrainX) trainX.dispose();
    if (valSet && ownsVal) valSet.dispose();
  }
  return { model, history, bestEpoch, stoppedEarly, backend };
}

/** Options of {@link predictScores}. */
export interface PredictOptions {
  /** Shape `[rows, cols, channels]` of flat Float32Array inputs. */
  inputShape?: [number, number, number];
  /** Inputs per forward pass. @default 64 */
  batchSize?: number;
}

/**
 * Bona fide scores `[n]` of inputs (same forms as `trainClassifier`): the log-likelihood ratio
 * `log p(bona fide) - log p(spoof)` = logit[1] - logit[0], so higher = more bona fide and 0 is
 * the decision boundary (the ASVspoof CM score convention). For a model whose last layer is a
 * softmax the logs of its probabilities are used (clipped at 1e-7).
 *
 * Notes: a log-ratio rather than p(bona fide) because it does not saturate at 0 or 1, so EER
 * thresholds stay distinct. Runs on the current tfjs backend (call `initBackend()` first when
 * the model did not come from `trainClassifier`); disposes everything it creates.
 */
export function predictScores(model: tf.LayersModel, inputs: ModelInputs, opts: PredictOptions = {}): Float32Array {
  const { batchSize = 64 } = opts;
  assertPositiveInt(batchSize, 'batchSize');
  const probabilities = outputsProbabilities(model);
  const x = toInputTensor(inputs, opts.inputShape);
  const n = x.shape[0];
  const scores = new Float32Array(n);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const s = tf.tidy(() => {
        const out = model.predict(x.slice(start, count)) as tf.Tensor2D;
        assert(out.shape[1] >= 2, () => `model output has ${out.shape[1]} classes; bona fide scores need 2`);
        const l = probabilities ? tf.log(tf.clipByValue(out, 1e-7, 1)) : out;
        return tf.sub(l.slice([0, 1], [count, 1]), l.slice([0, 0], [count, 1])).reshape([count]);
      });
      scores.set(s.dataSync() as Float32Array, start);
      s.dispose();
    }
  } finally {
    if (x !== inputs) x.dispose();
  }
  return scores;
}
