// Training loop (seeded, class-weighted, standardised, cropped and augmented, early stopping on the
// validation EER) and bona-fide scores for tfjs classifiers.
import * as tf from './tf';
import {
  ParameterError,
  assert,
  assertPositive,
  assertPositiveInt,
  warnOnce,
  checkOptionNames,
  type OptionNames,
} from '../errors';
import { type Grid, createGrid } from '../grid/grid';
import { type GridSource, isGridSource } from '../grid/source';
import { Random } from '../random';
import {
  type ArchitectureName,
  type LcnnOptions,
  type SmallCnnOptions,
  type StandardizationStats,
  buildModel,
  type Experts,
  expertModels,
  setBonafideZScore,
  recalibrateBatchNorm,
} from './architectures';
import { type BackendInfo, type BackendOptions, formatBackendInfo, initBackend } from './backend';
import { computeEer } from '../metrics/detection';
import { DEFAULT_ARCHITECTURE } from './registry';
import { EXCITATION_ROWS } from '../spectral/excitation';
import { type ClipSource, fitGmmDetectorAsync } from './gmm';
import { LFCC_ROWS, setGmmScore } from './gmmExpert';

/**
 * Model inputs: a `[n, rows, cols, channels]` tensor, Grids (one channel each), flat arrays of
 * `inputShape`, or a {@link GridSource} of Grids read on demand (the feature cache's
 * `cacheFeatures(...).features`): training and scoring then hold one batch, not the corpus.
 */
export type ModelInputs = tf.Tensor | readonly Grid[] | readonly Float32Array[] | GridSource;

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
  /**
   * Validation EER (whole clips, mean of window scores), fraction; NaN without a validation set
   * holding both classes. With experts, the network's own (what early stopping watches; see
   * {@link TrainOptions.monitor}), not the fused score's.
   */
  valEer: number;
  /** Learning rate of this epoch. */
  learningRate: number;
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
  /** Input standardisation fitted on the training inputs (built into the model), or null. */
  standardization: StandardizationStats | null;
  /** Input width (columns) the model was trained on; wider inputs are scored as windows. */
  cropFrames: number;
}

/**
 * Seeded training-time augmentation of the input features (raw, before the model's own
 * standardisation). Masks follow SpecAugment (Park et al. 2019): the masked cells take the training
 * mean of their row, i.e. 0 after standardisation. `gainDb` and `noiseSnrDb` need features in dB
 * (`powerToDb` output: 10 log10 of power).
 */
export interface AugmentOptions {
  /** Time masks per example. @default 0 */
  timeMasks?: number;
  /** Largest time-mask width in columns (each drawn uniformly from 0..max). @default 20 */
  timeMaskWidth?: number;
  /** Frequency masks per example. @default 0 */
  freqMasks?: number;
  /** Largest frequency-mask height in rows. @default 8 */
  freqMaskWidth?: number;
  /** Random gain, uniform in [-gainDb, +gainDb] dB (adds to every dB cell). @default 0 */
  gainDb?: number;
  /**
   * Additive white noise at an SNR drawn uniformly from `[lo, hi]` dB against the example's mean
   * power: `10 log10(10^(x/10) + noise)`. `null`: none.
   * @default null
   */
  noiseSnrDb?: [number, number] | null;
  /** Fraction of examples augmented at all (the rest are left clean). @default 1 */
  probability?: number;
}

/** Options of {@link trainClassifier}. */
export interface TrainOptions {
  /** Labels when `data` is a bare tensor/array (1 = bona fide, 0 = spoof). */
  labels?: ArrayLike<number>;
  /** Shape `[rows, cols, channels]` of each flat Float32Array input (Grids and tensors carry theirs). */
  inputShape?: [number, number, number];
  /** Built-in architecture, or a model to (continue to) train whose output is logits or softmax. @default 'cnn' */
  model?: ArchitectureName | tf.LayersModel;
  /**
   * Options of the built-in architecture's builder (filters, width, morphBlock...; seed and
   * standardisation come from here).
   * @default {}
   */
  modelOptions?: SmallCnnOptions & LcnnOptions;
  /** Largest number of epochs (early stopping may end sooner). @default 30 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Adam learning rate (the peak of the schedule). @default 1e-3 */
  learningRate?: number;
  /**
   * `'cosine'`: decays from `learningRate` to 1 % of it over `epochs` (Loshchilov & Hutter, no
   * restarts); `'constant'`.
   * @default 'cosine'
   */
  lrSchedule?: 'cosine' | 'constant';
  /**
   * Input standardisation fitted on the training inputs only and built into the network (so it is
   * saved with it and applied at predict time): `'frequency'` = mean/std per input row (per
   * frequency bin of a spectrogram, over clips and frames), `'global'` = one mean/std, `'none'`.
   * Only for built-in architectures.
   * @default 'frequency'
   */
  standardize?: 'frequency' | 'global' | 'none';
  /**
   * Train on random crops this many columns (frames) wide, a new crop per example and epoch; inputs
   * narrower than that are tiled in time. Validation and {@link predictScores} score whole inputs
   * as the mean of the scores of windows this wide (hop half a window). `null`: whole inputs.
   * @default null
   */
  cropFrames?: number | null;
  /** Training-time augmentation (seeded). @default undefined (none) */
  augment?: AugmentOptions;
  /** Fraction of each class held out (seeded, stratified) for validation; ignored with `validationData`. @default 0 */
  validationSplit?: number;
  /** An explicit validation set. @default undefined */
  validationData?: LabelledData;
  /**
   * What early stopping and best-weight selection watch: `'eer'` = validation EER (ties broken by
   * validation loss), `'loss'` = validation loss; training loss when there is no validation set.
   * With experts (`modelOptions.excitation` / `gmm`) these are the network's own (its raw logits,
   * the only part that trains): the fused score's validation EER sits on the fixed experts' floor
   * from the first epoch and would stop training before the network has learned.
   * @default 'eer'
   */
  monitor?: 'eer' | 'loss';
  /**
   * Early stopping: stop after this many epochs without improvement of the monitored value. `null`
   * disables it (every epoch runs).
   * @default 8 with a validation set, else null
   */
  patience?: number | null;
  /** End with the weights of the best epoch (validation set only). @default true */
  restoreBestWeights?: boolean;
  /**
   * Re-estimate batch-normalisation statistics on the training inputs after training
   * ({@link recalibrateBatchNorm}).
   * @default true
   */
  recalibrateBatchNorm?: boolean;
  /** Seeds weight initialisation, the validation split, the shuffling, crops and augmentation. @default 0 */
  seed?: number;
  /**
   * Per-class loss weights: `'balanced'` gives class c the weight n / (classes * count_c)
   * (scikit-learn's rule), or an explicit array indexed by class. `null`: all 1.
   * @default 'balanced'
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
    const t = inputs.rank === 3 ? tf.expandDims(inputs, -1) : inputs;
    assert(
      t.rank === 4,
      () => `inputs tensor of shape [${inputs.shape}] must be [n, rows, cols] or [n, rows, cols, channels]`,
    );
    return t as tf.Tensor4D;
  }
  const set = toExampleSet(inputs, inputShape);
  const size = set.rows * set.cols * set.channels;
  const data = new Float32Array(set.length * size);
  for (let i = 0; i < set.length; i++) data.set(set.get(i), i * size);
  return tf.tensor4d(data, [set.length, set.rows, set.cols, set.channels]);
}

function checkLabels(labels: ArrayLike<number>, n: number, classes: number, name: string): Int32Array {
  assert(labels.length === n, () => `${name}.length=${labels.length} must equal the number of inputs ${n}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    assert(
      Number.isInteger(v) && v >= 0 && v < classes,
      () => `${name}[${i}]=${v} must be an integer class index in [0, ${classes})`,
    );
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
  assert(
    Array.isArray(spec) && spec.length === classes,
    () => `classWeight must be 'balanced', null or an array of ${classes} weights`,
  );
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

/**
 * Examples as flat NHWC arrays of one shape on the JS side (batches are cut from them), in memory
 * or read on demand: every pass fetches each example it needs once (`get`) and keeps only the
 * current batch, so in-memory and streamed inputs give the same numbers.
 */
export interface ExampleSet {
  length: number;
  get(i: number): Float32Array;
  rows: number;
  cols: number;
  channels: number;
  /** Read from a GridSource (the feature cache) on every get: never collect it. */
  streamed?: boolean;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function toExampleSet(inputs: ModelInputs, inputShape?: readonly number[]): ExampleSet {
  if (inputs instanceof tf.Tensor) {
    const t = toInputTensor(inputs);
    const [n, rows, cols, channels] = t.shape;
    const all = t.dataSync() as Float32Array;
    if (t !== inputs) t.dispose();
    const size = rows * cols * channels;
    return { length: n, get: (i) => all.subarray(i * size, (i + 1) * size), rows, cols, channels };
  }
  assert(inputs.length > 0, () => 'inputs must not be empty');
  if (isGridSource(inputs)) {
    const src = inputs;
    return {
      length: src.length,
      get: (i) => {
        const g = src.get(i);
        assert(
          g.rows === src.rows && g.cols === src.cols && g.data.length === g.rows * g.cols,
          () => `inputs.get(${i}) is ${g.rows}x${g.cols}, expected the source's ${src.rows}x${src.cols}`,
        );
        return g.data;
      },
      streamed: true,
      rows: src.rows,
      cols: src.cols,
      channels: 1,
    };
  }
  const first = inputs[0];
  let shape: number[];
  if (first instanceof Float32Array) {
    assert(
      inputShape !== undefined && inputShape.length === 3,
      () =>
        `inputShape=${inputShape ? `[${inputShape}]` : 'undefined'} ` +
        'must be [rows, cols, channels] for Float32Array inputs',
    );
    shape = [...inputShape];
  } else {
    shape = [(first as Grid).rows, (first as Grid).cols, 1];
  }
  const size = shape[0] * shape[1] * shape[2];
  const examples = inputs.map((item, i) => {
    const d = item instanceof Float32Array ? item : (item as Grid).data;
    if (!(item instanceof Float32Array)) {
      const g = item as Grid;
      assert(
        g.rows === shape[0] && g.cols === shape[1],
        () => `inputs[${i}] is ${g.rows}x${g.cols}, expected ${shape[0]}x${shape[1]} like inputs[0]`,
      );
    }
    assert(d.length === size, () => `inputs[${i}].length=${d.length} must equal rows*cols*channels=${size}`);
    return d;
  });
  return { length: examples.length, get: (i) => examples[i], rows: shape[0], cols: shape[1], channels: shape[2] };
}

/** Mean and std per row (or one for all) over the examples `idx`, their columns and channels. */
function fitStandardization(
  set: ExampleSet,
  idx: readonly number[],
  mode: 'frequency' | 'global',
  rows: number,
): StandardizationStats {
  const { cols, channels } = set;
  const sum = new Float64Array(rows);
  const sumSq = new Float64Array(rows);
  for (const i of idx) {
    const x = set.get(i);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      let q = 0;
      const base = r * cols * channels;
      for (let k = 0; k < cols * channels; k++) {
        const v = x[base + k];
        s += v;
        q += v * v;
      }
      sum[r] += s;
      sumSq[r] += q;
    }
  }
  const pool = (a: Float64Array) => (mode === 'global' ? Float64Array.of(a.reduce((p, v) => p + v, 0)) : a);
  const s = pool(sum);
  const q = pool(sumSq);
  const count = idx.length * cols * channels * (mode === 'global' ? rows : 1);
  const mean = Float32Array.from(s, (v) => v / count);
  const std = Float32Array.from(q, (v, i) => Math.sqrt(Math.max(0, v / count - mean[i] * mean[i])));
  for (let i = 0; i < mean.length; i++) {
    assert(
      Number.isFinite(mean[i]) && Number.isFinite(std[i]),
      () => `inputs hold non-finite values (row ${i}: mean ${mean[i]}); standardisation needs finite features`,
    );
  }
  return { mean, std };
}

/** Window starts covering `cols` columns with windows `width` wide: hop half a window, the last one flush right. */
export function windowStarts(cols: number, width: number): number[] {
  if (cols <= width) return [0];
  const hop = Math.max(1, Math.floor(width / 2));
  const starts: number[] = [];
  for (let s = 0; s + width < cols; s += hop) starts.push(s);
  starts.push(cols - width);
  return starts;
}

/**
 * Copies columns `[start, start + width)` of example `x` (tiled in time when it is narrower) into
 * `out` at `offset`.
 */
function copyWindow(
  set: ExampleSet,
  x: Float32Array,
  start: number,
  width: number,
  out: Float32Array,
  offset: number,
): void {
  const { rows, cols, channels } = set;
  for (let r = 0; r < rows; r++) {
    const src = r * cols * channels;
    const dst = offset + r * width * channels;
    if (cols >= width) {
      out.set(x.subarray(src + start * channels, src + (start + width) * channels), dst);
      continue;
    }
    for (let c = 0; c < width; c++) {
      const sc = (start + c) % cols;
      for (let k = 0; k < channels; k++) out[dst + c * channels + k] = x[src + sc * channels + k];
    }
  }
}

function checkAugment(a: AugmentOptions | undefined): Required<AugmentOptions> | null {
  if (!a) return null;
  const out: Required<AugmentOptions> = {
    timeMasks: a.timeMasks ?? 0,
    timeMaskWidth: a.timeMaskWidth ?? 20,
    freqMasks: a.freqMasks ?? 0,
    freqMaskWidth: a.freqMaskWidth ?? 8,
    gainDb: a.gainDb ?? 0,
    noiseSnrDb: a.noiseSnrDb ?? null,
    probability: a.probability ?? 1,
  };
  for (const k of ['timeMasks', 'timeMaskWidth', 'freqMasks', 'freqMaskWidth'] as const) {
    assert(
      Number.isInteger(out[k]) && out[k] >= 0,
      () => `augment.${k}=${JSON.stringify(out[k])} must be an integer >= 0`,
    );
  }
  assert(
    Number.isFinite(out.gainDb) && out.gainDb >= 0,
    () => `augment.gainDb=${JSON.stringify(out.gainDb)} must be a finite number >= 0`,
  );
  assert(
    Number.isFinite(out.probability) && out.probability >= 0 && out.probability <= 1,
    () => `augment.probability=${JSON.stringify(out.probability)} must be in [0, 1]`,
  );
  const n = out.noiseSnrDb;
  assert(
    n === null || (Array.isArray(n) && n.length === 2 && n.every(Number.isFinite) && n[0] <= n[1]),
    () => `augment.noiseSnrDb=${JSON.stringify(n)} must be [lo, hi] in dB with lo <= hi`,
  );
  return out;
}

/**
 * Augments the first `rows` rows (the spectrogram; excitation rows below them are left alone) of one
 * example's window `[rows, width, channels]` at `offset` in place. `fill` is the training mean per
 * row (or one value): masked cells become 0 after standardisation.
 */
function augmentWindow(
  out: Float32Array,
  offset: number,
  shape: [number, number, number],
  aug: Required<AugmentOptions>,
  fill: Float32Array,
  rng: Random,
): void {
  if (rng.next() >= aug.probability) return;
  const [rows, width, channels] = shape;
  const size = rows * width * channels;
  if (aug.gainDb > 0) {
    const g = (2 * rng.next() - 1) * aug.gainDb;
    for (let i = 0; i < size; i++) out[offset + i] += g;
  }
  if (aug.noiseSnrDb) {
    const [lo, hi] = aug.noiseSnrDb;
    const snr = lo + (hi - lo) * rng.next();
    let power = 0;
    for (let i = 0; i < size; i++) power += 10 ** (out[offset + i] / 10);
    const noise = power / size / 10 ** (snr / 10);
    for (let i = 0; i < size; i++) out[offset + i] = 10 * Math.log10(10 ** (out[offset + i] / 10) + noise);
  }
  const mask = (r0: number, r1: number, c0: number, c1: number) => {
    for (let r = r0; r < r1; r++) {
      const v = fill[fill.length === 1 ? 0 : r];
      for (let c = c0; c < c1; c++) for (let k = 0; k < channels; k++) out[offset + (r * width + c) * channels + k] = v;
    }
  };
  for (let m = 0; m < aug.freqMasks; m++) {
    const h = rng.int(Math.min(aug.freqMaskWidth, rows) + 1);
    const r0 = rng.int(rows - h + 1);
    mask(r0, r0 + h, 0, width);
  }
  for (let m = 0; m < aug.timeMasks; m++) {
    const w = rng.int(Math.min(aug.timeMaskWidth, width) + 1);
    const c0 = rng.int(width - w + 1);
    mask(0, rows, c0, c0 + w);
  }
}

/** Output `[classes]` of each example `idx[j]`, scored whole: the mean over its windows of the model's width. */
function windowedOutputs(
  model: tf.LayersModel,
  set: ExampleSet,
  idx: readonly number[],
  width: number,
  batchSize: number,
): Float32Array[] {
  const { rows, channels } = set;
  const starts = windowStarts(set.cols, width);
  const jobs: { example: number; start: number }[] = [];
  idx.forEach((_, j) => starts.forEach((start) => jobs.push({ example: j, start })));
  const size = rows * width * channels;
  const sums: Float32Array[] = [];
  let current = -1;
  let x: Float32Array = new Float32Array(0);
  for (let b = 0; b < jobs.length; b += batchSize) {
    const part = jobs.slice(b, b + batchSize);
    const buf = new Float32Array(part.length * size);
    part.forEach((job, k) => {
      // Jobs come example by example: each example is fetched once, however many windows it has.
      if (job.example !== current) {
        current = job.example;
        x = set.get(idx[current]);
      }
      copyWindow(set, x, job.start, width, buf, k * size);
    });
    const out = tf.tidy(
      () =>
        (
          model.predict(tf.tensor4d(buf, [part.length, rows, width, channels])) as tf.Tensor2D
        ).dataSync() as Float32Array,
    );
    const classes = out.length / part.length;
    part.forEach((job, k) => {
      sums[job.example] ??= new Float32Array(classes);
      for (let c = 0; c < classes; c++) sums[job.example][c] += out[k * classes + c] / starts.length;
    });
  }
  return sums;
}

/** Natural-log class probabilities of one output row (logits, or probabilities clipped at 1e-7). */
function logProbabilities(o: Float32Array, probabilities: boolean): number[] {
  if (probabilities) return Array.from(o, (v) => Math.log(Math.min(1, Math.max(1e-7, v))));
  let m = -Infinity;
  for (const v of o) m = Math.max(m, v);
  let s = 0;
  for (const v of o) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return Array.from(o, (v) => v - lse);
}

/** Class-weighted mean cross-entropy, accuracy and EER of whole-example outputs. */
function validationMetrics(
  outputs: readonly Float32Array[],
  labels: Int32Array,
  weights: Float32Array,
  probabilities: boolean,
): { loss: number; accuracy: number; eer: number } {
  let lossSum = 0;
  let weightSum = 0;
  let correct = 0;
  const bona: number[] = [];
  const spoof: number[] = [];
  outputs.forEach((o, i) => {
    const logp = logProbabilities(o, probabilities);
    const y = labels[i];
    lossSum -= weights[y] * logp[y];
    weightSum += weights[y];
    let arg = 0;
    for (let c = 1; c < o.length; c++) if (o[c] > o[arg]) arg = c;
    if (arg === y) correct++;
    (y === 1 ? bona : spoof).push(logp[1] - logp[0]);
  });
  const eer = bona.length > 0 && spoof.length > 0 ? computeEer(bona, spoof).eer : NaN;
  return { loss: weightSum > 0 ? lossSum / weightSum : NaN, accuracy: correct / labels.length, eer };
}

function progressBar(log: BatchLog, epochs: number): string {
  const width = 24;
  const done = Math.round((width * log.batch) / log.batches);
  const bar = `${'#'.repeat(done)}${'.'.repeat(width - done)}`;
  return `\repoch ${log.epoch + 1}/${epochs} [${bar}] ${log.batch}/${log.batches} loss ${log.loss.toFixed(4)}`;
}

/** The end-of-epoch progress line (with the validation loss and EER when there is a validation set). */
function epochLine(entry: EpochLog, validation: boolean): string {
  const v = validation ? ` val_loss ${entry.valLoss.toFixed(4)} val_eer ${(100 * entry.valEer).toFixed(2)}%` : '';
  const acc = entry.accuracy.toFixed(3);
  return `\repoch ${entry.epoch + 1}/${entry.epochs} loss ${entry.loss.toFixed(4)} acc ${acc}${v} (${entry.ms} ms)\n`;
}

/** {@link TrainOptions} checked and defaulted (the fields the training steps read). */
type ResolvedTrainOptions = Required<
  Pick<
    TrainOptions,
    | 'epochs'
    | 'batchSize'
    | 'learningRate'
    | 'validationSplit'
    | 'lrSchedule'
    | 'monitor'
    | 'restoreBestWeights'
    | 'seed'
    | 'standardize'
    | 'classWeight'
  >
> &
  Pick<TrainOptions, 'onBatch' | 'onEpoch'> & {
    augment: Required<AugmentOptions> | null;
    progress: boolean;
    log: ((line: string) => void) | null;
  };

function resolveTrainOptions(opts: TrainOptions): ResolvedTrainOptions {
  const {
    epochs = 30,
    batchSize = 32,
    learningRate = 1e-3,
    validationSplit = 0,
    lrSchedule = 'cosine',
    monitor = 'eer',
    restoreBestWeights = true,
    seed = 0,
    onBatch,
    onEpoch,
    standardize = 'frequency',
    classWeight = 'balanced',
  } = opts;
  assertPositiveInt(epochs, 'epochs');
  assertPositiveInt(batchSize, 'batchSize');
  assertPositive(learningRate, 'learningRate');
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  assert(
    Number.isFinite(validationSplit) && validationSplit >= 0 && validationSplit < 1,
    () => `validationSplit=${validationSplit} must be in [0, 1)`,
  );
  assert(
    lrSchedule === 'cosine' || lrSchedule === 'constant',
    () => `lrSchedule=${JSON.stringify(lrSchedule)} must be 'cosine' or 'constant'`,
  );
  assert(monitor === 'eer' || monitor === 'loss', () => `monitor=${JSON.stringify(monitor)} must be 'eer' or 'loss'`);
  assert(
    ['frequency', 'global', 'none'].includes(standardize),
    () => `standardize=${JSON.stringify(standardize)} must be 'frequency', 'global' or 'none'`,
  );
  return {
    epochs,
    batchSize,
    learningRate,
    validationSplit,
    lrSchedule,
    monitor,
    restoreBestWeights,
    seed,
    onBatch,
    onEpoch,
    standardize,
    classWeight,
    augment: checkAugment(opts.augment),
    progress: opts.progress ?? (!onBatch && !onEpoch),
    log: opts.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : opts.log,
  };
}

/** The examples with their labels, split into training and validation examples. */
interface TrainingData {
  set: ExampleSet;
  classes: number;
  /** Width of the training crops (the model's input width). */
  cropFrames: number;
  trainIdx: number[];
  /** Labels of `trainIdx`, in its order. */
  trainY: Int32Array;
  /** The validation examples (`set` itself for a split), or null. */
  valSet: ExampleSet | null;
  valIdx: number[];
  valY: Int32Array<ArrayBufferLike>;
}

/** The inputs and labels of `{inputs, labels}`, or of bare inputs and `opts.labels`. */
function inputsAndLabels(data: LabelledData | ModelInputs, opts: TrainOptions): [ModelInputs, ArrayLike<number>] {
  const isLabelled = (d: LabelledData | ModelInputs): d is LabelledData =>
    !(d instanceof tf.Tensor) && !Array.isArray(d) && typeof d === 'object' && d !== null && 'inputs' in d;
  const inputs = isLabelled(data) ? data.inputs : data;
  const rawLabels = isLabelled(data) ? data.labels : opts.labels;
  if (rawLabels === undefined) throw new ParameterError('labels are required: pass {inputs, labels} or opts.labels');
  return [inputs, rawLabels];
}

/** Stratified, seeded split: `fraction` of each class to validation (both lists sorted). */
function stratifiedSplit(labels: Int32Array, classes: number, fraction: number, rng: Random): [number[], number[]] {
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let c = 0; c < classes; c++) {
    const idx = rng.shuffle(Array.from(labels.keys()).filter((i) => labels[i] === c));
    const k = Math.round(fraction * idx.length);
    valIdx.push(...idx.slice(0, k));
    trainIdx.push(...idx.slice(k));
  }
  trainIdx.sort((a, b) => a - b);
  valIdx.sort((a, b) => a - b);
  return [trainIdx, valIdx];
}

/** The example set, its labels and crop width, and the training / validation examples. */
function prepareData(
  inputs: ModelInputs,
  rawLabels: ArrayLike<number>,
  given: tf.LayersModel | null,
  opts: TrainOptions,
  o: ResolvedTrainOptions,
  rng: Random,
): TrainingData {
  const set = toExampleSet(inputs, opts.inputShape);
  const cropFrames = opts.cropFrames ?? set.cols;
  assertPositiveInt(cropFrames, 'cropFrames');
  const classes = given ? (given.outputs[0].shape[given.outputs[0].shape.length - 1] ?? 2) : 2;
  const labels = checkLabels(rawLabels, set.length, classes, 'labels');
  const split: [number[], number[]] =
    opts.validationData === undefined && o.validationSplit > 0
      ? stratifiedSplit(labels, classes, o.validationSplit, rng)
      : [Array.from(labels.keys()), []];
  const trainIdx = split[0];
  let valIdx = split[1];
  assert(trainIdx.length > 0, () => `validationSplit=${o.validationSplit} leaves no training samples`);
  let valSet: ExampleSet | null = valIdx.length > 0 ? set : null;
  let valY: Int32Array<ArrayBufferLike> = Int32Array.from(valIdx, (i) => labels[i]);
  if (opts.validationData !== undefined) {
    const v = toExampleSet(opts.validationData.inputs, opts.inputShape);
    assert(
      v.rows === set.rows && v.channels === set.channels,
      () =>
        `validationData inputs are ${v.rows}x${v.cols}x${v.channels}, ` +
        `training inputs ${set.rows}x${set.cols}x${set.channels}: rows and channels must match`,
    );
    valSet = v;
    valIdx = range(v.length);
    valY = checkLabels(opts.validationData.labels, valIdx.length, classes, 'validationData.labels');
  }
  const trainY = Int32Array.from(trainIdx, (i) => labels[i]);
  return { set, classes, cropFrames, trainIdx, trainY, valSet, valIdx, valY };
}

/** The model to train: the given one, or the built-in architecture with the standardisation fitted on `d`. */
function prepareModel(
  d: TrainingData,
  given: tf.LayersModel | null,
  opts: TrainOptions,
  o: ResolvedTrainOptions,
): { model: tf.LayersModel; stats: StandardizationStats | null; spectralRows: number } {
  const { set, cropFrames } = d;
  if (given && opts.standardize !== undefined && opts.standardize !== 'none') {
    warnOnce('standardize applies to built-in architectures only; a given model is trained on the inputs as they are');
  }
  // Excitation and LFCC rows (the last ones) feed experts of their own and are not standardised.
  const excitationRows =
    given || !opts.modelOptions?.excitation ? 0 : (opts.modelOptions.excitation.rows ?? EXCITATION_ROWS.length);
  const gmmRows = given || !opts.modelOptions?.gmm ? 0 : LFCC_ROWS;
  const spectralRows = set.rows - excitationRows - gmmRows;
  assert(
    spectralRows > 0,
    () =>
      `inputs have ${set.rows} rows; modelOptions.excitation and modelOptions.gmm take ${excitationRows + gmmRows} of them`,
  );
  assert(
    gmmRows === 0 || set.channels === 1,
    () => `modelOptions.gmm reads LFCC rows of one-channel inputs; these have ${set.channels} channels`,
  );
  const stats =
    given || o.standardize === 'none' ? null : fitStandardization(set, d.trainIdx, o.standardize, spectralRows);
  const model =
    given ??
    buildModel(
      (opts.model as ArchitectureName | undefined) ?? DEFAULT_ARCHITECTURE,
      [set.rows, cropFrames, set.channels],
      {
        ...opts.modelOptions,
        seed: o.seed,
        standardization: stats,
      },
    );
  const modelWidth = model.inputs[0].shape[2];
  assert(
    modelWidth == null || modelWidth === cropFrames,
    () => `the model's input is ${modelWidth} columns wide; cropFrames=${cropFrames} must match it`,
  );
  return { model, stats, spectralRows };
}

/**
 * Adam for the model. A model with an excitation branch has two experts fused by the minimum of
 * their bona fide z-scores: the network trains on its own loss (through the fused minimum it would
 * only get gradient where it is the less confident one), and the excitation expert has no trainable
 * weights, only bona fide statistics (`fitExcitationExpert`).
 */
interface Optimizers {
  optimizer: tf.Optimizer;
  experts: Experts | null;
}

function createOptimizers(model: tf.LayersModel, learningRate: number): Optimizers {
  return { optimizer: tf.train.adam(learningRate), experts: expertModels(model) };
}

/**
 * Every output row of `net` over every scoring window of the examples `idx` (inference mode), in
 * order: each example's {@link windowStarts} windows, then the next example's.
 */
export function windowOutputs(
  net: tf.LayersModel,
  set: ExampleSet,
  idx: readonly number[],
  width: number,
): Float32Array[] {
  const rows: Float32Array[] = [];
  for (const xb of trainingWindows(set, idx, width)) {
    const out = net.predict(xb) as tf.Tensor2D;
    const v = out.dataSync() as Float32Array;
    const [n, w] = out.shape;
    out.dispose();
    for (let i = 0; i < n; i++) rows.push(v.slice(i * w, (i + 1) * w));
  }
  return rows;
}

/** Bona fide (label 1) examples among `idx`, by their labels `y` (parallel to `idx`). */
function bonafideOf(idx: readonly number[], y: Int32Array): number[] {
  return idx.filter((_, j) => y[j] === 1);
}

/** LFCC rows of streamed training clips copied into memory for the GMM expert's threads, at most. */
const GMM_COPY_BYTES = 256 * 2 ** 20;

/**
 * Fits the experts that do not train, before the network does: the excitation and prosody experts'
 * z-scores on the bona fide training windows; the GMM expert's two mixtures on every frame of the training
 * clips' LFCC rows (bona fide and spoof, seeded), then its z-score on the validation bona fide
 * windows ({@link calibrationWindows}: the mixtures have fitted the training ones).
 */
async function fitExperts(
  experts: Experts,
  d: TrainingData,
  o: ResolvedTrainOptions,
  gmmRowStart: number,
): Promise<void> {
  for (const expert of [experts.excitation, experts.prosody]) {
    if (!expert) continue;
    setBonafideZScore(
      expert.calibration,
      windowOutputs(expert.stats, d.set, bonafideOf(d.trainIdx, d.trainY), d.cropFrames),
    );
  }
  if (experts.gmm) {
    const { layer, score, calibration } = experts.gmm;
    const cols = d.set.cols;
    const lfccRows = (i: number): Grid =>
      createGrid(LFCC_ROWS, cols, d.set.get(i).slice(gmmRowStart * cols, (gmmRowStart + LFCC_ROWS) * cols));
    // Up to GMM_COPY_BYTES of LFCC rows are copied out and the two mixtures fitted on two threads;
    // past that (a large corpus streamed from the cache) each EM pass reads a clip at a time in this
    // thread, so memory stays bounded.
    const copy = !d.set.streamed || d.trainIdx.length * LFCC_ROWS * cols * 4 <= GMM_COPY_BYTES;
    const clips = (label: number): Grid[] | ClipSource => {
      const idx = d.trainIdx.filter((_, j) => d.trainY[j] === label);
      return copy ? idx.map(lfccRows) : { length: idx.length, get: (k) => lfccRows(idx[k]) };
    };
    const t0 = Date.now();
    const detector = await fitGmmDetectorAsync(clips(1), clips(0), {
      nComponents: layer.getConfig().components as number,
      seed: o.seed,
      onIteration: (cls, it) => {
        if (it.iter % 10 === 0)
          o.log?.(
            `GMM expert ${cls} EM iteration ${it.iter}/${it.maxIter}, mean log-likelihood ${it.lowerBound.toFixed(4)}`,
          );
      },
    });
    o.log?.(
      `GMM expert: 2 x ${detector.bonafide.nComponents} components fitted in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
        `(EM iterations: bona fide ${detector.bonafide.fit?.nIter}, spoof ${detector.spoof.fit?.nIter})`,
    );
    setGmmScore(layer, detector);
    const [set, idx] = calibrationWindows(d);
    setBonafideZScore(calibration, windowOutputs(score, set, idx, d.cropFrames));
  }
}

/**
 * The bona fide examples a z-score is calibrated on: the validation ones (the training ones when
 * there is no validation set or it has no bona fide clip: a model that fitted those scores them too
 * high, so its z-scores come out too small and the other experts weigh more).
 */
function calibrationWindows(d: TrainingData): [ExampleSet, number[]] {
  const val = d.valSet ? bonafideOf(d.valIdx, d.valY) : [];
  if (d.valSet && val.length === 0)
    warnOnce('the validation set has no bona fide clips: the experts are calibrated on the training ones');
  return val.length > 0 ? [d.valSet!, val] : [d.set, bonafideOf(d.trainIdx, d.trainY)];
}

/** Calibrates the network's score to a z-score of bona fide speech's ({@link calibrationWindows}). */
function calibrateSpectralExpert(experts: Experts, d: TrainingData): void {
  const [set, idx] = calibrationWindows(d);
  const rows = windowOutputs(experts.spectral, set, idx, d.cropFrames).map((o) => [o[1] - o[0]]);
  setBonafideZScore(experts.spectralCalibration, rows);
}

/** Learning rate of `epoch` under the schedule; tfjs's Adam reads its public learningRate field at every step. */
function setLearningRate(opt: Optimizers, o: ResolvedTrainOptions, epoch: number): number {
  const lr =
    o.lrSchedule === 'cosine'
      ? o.learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * epoch) / o.epochs)))
      : o.learningRate;
  (opt.optimizer as unknown as { learningRate: number }).learningRate = lr;
  return lr;
}

/** What the epochs of one training run share. */
interface TrainingRun {
  o: ResolvedTrainOptions;
  d: TrainingData;
  model: tf.LayersModel;
  opt: Optimizers;
  /** The model's output is softmax probabilities (else logits). */
  probabilities: boolean;
  /** Class weights of the loss. */
  weights: Float32Array;
  weightTensor: tf.Tensor1D;
  /** Rows of the spectrogram (augmented); excitation rows below them are not. */
  spectralRows: number;
  /** Masked cells' value: the standardisation's training mean per row, or 0. */
  fill: Float32Array;
  /** Training example order (positions in `d.trainIdx`), reshuffled in place every epoch. */
  order: number[];
  rng: Random;
}

/**
 * One optimiser step on a batch `[n, rows, cropFrames, channels]` (call inside a tidy): the
 * class-weighted mean loss and the number of correct predictions, for the caller to read and dispose.
 */
function trainStep(run: TrainingRun, xb: tf.Tensor4D, yb: tf.Tensor1D): { loss: tf.Scalar; hits: tf.Tensor } {
  const { opt } = run;
  // A model with experts trains its network alone, on the network's own logits.
  const net = opt.experts?.spectral ?? run.model;
  const probabilities = opt.experts ? false : run.probabilities;
  const sw = tf.gather(run.weightTensor, yb);
  let hits: tf.Tensor | null = null;
  const loss = opt.optimizer.minimize(() => {
    const out = net.apply(xb, { training: true }) as tf.Tensor2D;
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), yb), 'float32')));
    return tf.mean(tf.mul(crossEntropy(out, yb, probabilities), sw)) as tf.Scalar;
  }, true)!;
  return { loss, hits: hits! };
}

/** One pass over the shuffled training examples (seeded crops and augmentation): loss sum and hits. */
async function trainEpoch(run: TrainingRun, epoch: number): Promise<{ lossSum: number; correct: number }> {
  const { o, d, rng, order } = run;
  const { set, cropFrames } = d;
  const batches = Math.ceil(order.length / o.batchSize);
  const size = set.rows * cropFrames * set.channels;
  rng.shuffle(order);
  let lossSum = 0;
  let correct = 0;
  for (let b = 0; b < batches; b++) {
    const idx = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
    const buf = new Float32Array(idx.length * size);
    idx.forEach((k, j) => {
      const start = set.cols > cropFrames ? rng.int(set.cols - cropFrames + 1) : rng.int(set.cols);
      copyWindow(set, set.get(d.trainIdx[k]), start, cropFrames, buf, j * size);
      if (o.augment)
        augmentWindow(buf, j * size, [run.spectralRows, cropFrames, set.channels], o.augment, run.fill, rng);
    });
    const { loss, hits } = tf.tidy(() => {
      const xb = tf.tensor4d(buf, [idx.length, set.rows, cropFrames, set.channels]);
      const yb = tf.tensor1d(
        Int32Array.from(idx, (i) => d.trainY[i]),
        'int32',
      );
      return trainStep(run, xb, yb);
    });
    const value = (await loss.data())[0];
    correct += hits.dataSync()[0];
    tf.dispose([loss, hits]);
    lossSum += value * idx.length;
    const batchLog: BatchLog = { epoch, batch: b + 1, batches, loss: value };
    o.onBatch?.(batchLog);
    if (o.progress) process.stderr.write(progressBar(batchLog, o.epochs));
  }
  return { lossSum, correct };
}

/**
 * Early stopping and best-weight keeping: the best monitored value so far (compared as a pair,
 * the second breaking ties), its epoch and, when asked, a copy of its weights.
 */
class BestEpoch {
  private best: [number, number] = [Infinity, Infinity];
  private weights: tf.Tensor[] | null = null;
  epoch = -1;

  constructor(
    private readonly patience: number | null,
    private readonly keepWeights: boolean,
  ) {}

  /** Records an epoch's monitored value; true when training should stop after it. */
  update(model: tf.LayersModel, epoch: number, monitored: [number, number], last: boolean): boolean {
    const [value, tie] = monitored;
    if (value < this.best[0] || (value === this.best[0] && tie < this.best[1])) {
      this.best = monitored;
      this.epoch = epoch;
      if (this.keepWeights) {
        this.weights?.forEach((t) => t.dispose());
        this.weights = model.getWeights().map((w) => w.clone());
      }
      return false;
    }
    return this.patience !== null && epoch - this.epoch > this.patience && !last;
  }

  /** Puts the best epoch's weights back into the model when a later epoch ended training. */
  restore(model: tf.LayersModel, lastEpoch: number): void {
    if (this.weights && this.epoch !== lastEpoch) model.setWeights(this.weights);
  }

  dispose(): void {
    this.weights?.forEach((t) => t.dispose());
  }
}

/** Scores the validation examples (if any) and makes the epoch's log entry. */
function epochLog(
  run: TrainingRun,
  epoch: number,
  sums: { lossSum: number; correct: number },
  lr: number,
  t0: number,
): { entry: EpochLog; monitored: [number, number] } {
  const { o, d } = run;
  // With experts, the network's own logits (see TrainOptions.monitor).
  const net = run.opt.experts?.spectral ?? run.model;
  const val = d.valSet
    ? validationMetrics(
        windowedOutputs(net, d.valSet, d.valIdx, d.cropFrames, Math.max(o.batchSize, 64)),
        d.valY,
        run.weights,
        run.probabilities,
      )
    : { loss: NaN, accuracy: NaN, eer: NaN };
  const entry: EpochLog = {
    epoch,
    epochs: o.epochs,
    loss: sums.lossSum / run.order.length,
    accuracy: sums.correct / run.order.length,
    valLoss: val.loss,
    valAccuracy: val.accuracy,
    valEer: val.eer,
    learningRate: lr,
    ms: Date.now() - t0,
  };
  const monitored: [number, number] = !d.valSet
    ? [entry.loss, 0]
    : o.monitor === 'eer' && !Number.isNaN(val.eer)
      ? [val.eer, val.loss]
      : [val.loss, 0];
  return { entry, monitored };
}

/**
 * Trains a bona fide (label 1) vs spoof (label 0) classifier with Adam on softmax cross-entropy.
 * `data` is `{inputs, labels}` or bare inputs with `opts.labels`; inputs are a
 * `[n, rows, cols, channels]` tensor (rank 3 gets a channel axis), Grids (spectrograms: rows =
 * frequency, cols = time) or flat Float32Arrays of `opts.inputShape`.
 *
 * Initialises the backend (`initBackend`, logged once through `opts.log`); fits the input
 * standardisation on the training inputs only; builds `opts.model` (default the small CNN with
 * batch norm) with weights seeded by `opts.seed` and the standardisation as its first layer; then
 * per epoch shuffles, cuts seeded random crops (`cropFrames`), augments, runs mini-batches
 * (class-weighted mean loss) under the learning-rate schedule, scores the validation clips whole
 * (mean of window scores) and stops early on the validation EER, restoring the best epoch's
 * weights. Finally re-estimates the batch-norm statistics on the training inputs. Same seed + same
 * backend -> same weights and history. A model with experts (`modelOptions.excitation` for a
 * pipeline's excitation rows, `modelOptions.gmm` for its LFCC rows) fits them first: the excitation
 * expert's bona fide statistics on the training bona fide windows, the GMM expert's two mixtures on
 * the training clips' LFCC frames and its z-score on the validation bona fide windows. It then
 * trains the network on its own loss (the epoch loss and accuracy are the network's), stops early
 * on the network's own validation EER, and calibrates the network's score on the validation bona
 * fide windows at the end.
 *
 * Notes: class weights scale each sample's loss and the batch mean divides by the batch size, as
 * Keras `class_weight`. No tensors leak: everything but the returned model is disposed.
 */
/** The names of {@link TrainOptions}, for `checkOptionNames`. */
const TRAIN_OPTIONS: OptionNames<TrainOptions> = {
  labels: true,
  inputShape: true,
  model: true,
  modelOptions: true,
  epochs: true,
  batchSize: true,
  learningRate: true,
  lrSchedule: true,
  standardize: true,
  cropFrames: true,
  augment: true,
  validationSplit: true,
  validationData: true,
  monitor: true,
  patience: true,
  restoreBestWeights: true,
  recalibrateBatchNorm: true,
  seed: true,
  classWeight: true,
  onBatch: true,
  onEpoch: true,
  progress: true,
  log: true,
  backend: true,
};

export async function trainClassifier(data: LabelledData | ModelInputs, opts: TrainOptions = {}): Promise<TrainResult> {
  checkOptionNames(opts, TRAIN_OPTIONS, 'trainClassifier');
  const o = resolveTrainOptions(opts);
  const [inputs, rawLabels] = inputsAndLabels(data, opts);
  const backend = await initBackend(opts.backend ?? {});
  if (o.log) o.log(formatBackendInfo(backend));

  const given = typeof opts.model === 'object' ? opts.model : null;
  const rng = new Random(o.seed);
  const d = prepareData(inputs, rawLabels, given, opts, o, rng);
  const { model, stats, spectralRows } = prepareModel(d, given, opts, o);
  const weights = classWeights(o.classWeight, d.trainY, d.classes);
  const patience = opts.patience === undefined ? (d.valSet ? 8 : null) : opts.patience;
  assert(
    patience === null || (Number.isInteger(patience) && patience >= 0),
    () => `patience=${patience} must be null or an integer >= 0`,
  );
  if (patience !== null && d.valSet === null)
    warnOnce('early stopping without a validation set monitors the training loss');
  const run: TrainingRun = {
    o,
    d,
    model,
    opt: createOptimizers(model, o.learningRate),
    probabilities: outputsProbabilities(model),
    weights,
    weightTensor: tf.tensor1d(weights),
    spectralRows,
    fill: stats ? stats.mean : new Float32Array(1),
    order: Array.from(d.trainY.keys()),
    rng,
  };
  if (run.opt.experts) await fitExperts(run.opt.experts, d, o, spectralRows);
  const best = new BestEpoch(patience, d.valSet !== null && o.restoreBestWeights);
  const history: EpochLog[] = [];
  let stoppedEarly = false;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = Date.now();
      const lr = setLearningRate(run.opt, o, epoch);
      const { entry, monitored } = epochLog(run, epoch, await trainEpoch(run, epoch), lr, t0);
      history.push(entry);
      o.onEpoch?.(entry);
      if (o.progress) process.stderr.write(epochLine(entry, d.valSet !== null));
      if (best.update(model, epoch, monitored, epoch === o.epochs - 1)) {
        stoppedEarly = true;
        break;
      }
    }
    best.restore(model, history.length - 1);
    if (opts.recalibrateBatchNorm ?? true)
      recalibrateBatchNorm(model, () => trainingWindows(d.set, d.trainIdx, d.cropFrames));
    if (run.opt.experts) calibrateSpectralExpert(run.opt.experts, d);
  } finally {
    best.dispose();
    run.opt.optimizer.dispose();
    run.weightTensor.dispose();
  }
  const bestEpoch = d.valSet && o.restoreBestWeights ? best.epoch : history.length - 1;
  return { model, history, bestEpoch, stoppedEarly, backend, standardization: stats, cropFrames: d.cropFrames };
}

/**
 * Batches of every scoring window of the examples `idx` (what the model sees at predict time), for
 * batch-norm recalibration.
 */
function* trainingWindows(set: ExampleSet, idx: readonly number[], width: number): Generator<tf.Tensor4D> {
  const starts = windowStarts(set.cols, width);
  const size = set.rows * width * set.channels;
  const per = Math.max(1, Math.floor(128 / starts.length));
  for (let b = 0; b < idx.length; b += per) {
    const part = idx.slice(b, b + per);
    const buf = new Float32Array(part.length * starts.length * size);
    let k = 0;
    for (const i of part) {
      const x = set.get(i);
      for (const s of starts) copyWindow(set, x, s, width, buf, size * k++);
    }
    const t = tf.tensor4d(buf, [k, set.rows, width, set.channels]);
    try {
      yield t;
    } finally {
      t.dispose();
    }
  }
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
 * Inputs wider than the model's input (a model trained on `cropFrames` crops) are scored as the
 * mean over windows of the model's width (hop half a window, the last flush right); narrower ones
 * are tiled in time.
 *
 * Notes: a log-ratio rather than p(bona fide) because it does not saturate at 0 or 1, so EER
 * thresholds stay distinct. Window outputs are averaged before the log-ratio (logits, or a
 * softmax model's probabilities). Runs on the current tfjs backend (call `initBackend()` first when
 * the model did not come from `trainClassifier`); disposes everything it creates.
 */
const PREDICT_OPTIONS: OptionNames<PredictOptions> = { inputShape: true, batchSize: true };

export function predictScores(model: tf.LayersModel, inputs: ModelInputs, opts: PredictOptions = {}): Float32Array {
  checkOptionNames(opts, PREDICT_OPTIONS, 'predictScores');
  const { batchSize = 64 } = opts;
  assertPositiveInt(batchSize, 'batchSize');
  const probabilities = outputsProbabilities(model);
  const set = toExampleSet(inputs, opts.inputShape);
  const [, rows, width, channels] = model.inputs[0].shape;
  assert(
    (rows == null || rows === set.rows) && (channels == null || channels === set.channels),
    () =>
      `inputs are ${set.rows}x${set.cols}x${set.channels} (rows x cols x channels) ` +
      `but the model takes ${rows}x${width}x${channels}: were the features made with the model's pipeline?`,
  );
  const outputs = windowedOutputs(model, set, range(set.length), width ?? set.cols, batchSize);
  assert(outputs[0].length >= 2, () => `model output has ${outputs[0].length} classes; bona fide scores need 2`);
  return Float32Array.from(outputs, (o) => {
    const logp = logProbabilities(o, probabilities);
    return logp[1] - logp[0];
  });
}
