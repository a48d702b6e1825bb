// Model architectures: the seed's small CNN and a light CNN (LCNN) with max-feature-map activations.
import * as tf from './tf';
import { ParameterError, assert, assertPositiveInt, checkOptionNames, type OptionNames } from '../errors';
import { Random } from '../random';

import { type MorphBlockOptions, morphBlock } from './morphBlock';
import { batchNormalization } from './kernels/batch_norm';
import { conv2d } from './kernels/conv2d_layer';
import { ARCHITECTURE_NAMES, type ArchitectureName, isArchitectureName } from './registry';
import { EXCITATION_ROWS, excitationRowNames } from '../spectral/excitation';
import { HARMONIC_PHASE_ROWS, MIN_VOICED_FRAMES } from '../spectral/harmonicPhase';
import { PROSODY_ROWS } from '../spectral/prosody';
import { GmmScore, LFCC_ROWS } from './gmmExpert';
import { DEFAULT_GMM_COMPONENTS } from './gmm';

export { type ArchitectureName, isArchitectureName } from './registry';

/**
 * Input standardisation fitted on training features: `mean` and `std` per input row (frequency
 * bin; length rows) or one value for all (length 1). Applied by a {@link Standardization} layer at
 * the front of the network, so it is saved and loaded with the weights.
 */
export interface StandardizationStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Options shared by the architecture builders. */
export interface ArchitectureOptions {
  /**
   * Standardise the input inside the network, `(x - mean) / std`, with these training statistics.
   * `null`: feed the input as it is.
   * @default null
   */
  standardization?: StandardizationStats | null;
  /**
   * A learned morphology block (`morphBlock`: trainable max-plus erosion/dilation... whose outputs
   * join the input as channels) right after the standardisation, in front of the network. `null`: none.
   * @default null
   */
  morphBlock?: MorphBlockOptions | null;
  /**
   * Seed of every weight initialiser (each layer gets its own seed drawn from it), so the same seed
   * builds the same weights on the same backend.
   * @default 0
   */
  seed?: number;
  /** Output classes; index 1 is bona fide, 0 spoof. @default 2 */
  numClasses?: number;
  /**
   * The input's last `rows` rows are excitation statistics (a pipeline with `excitation`: log
   * kurtosis, log crest factor, energy dB per frame), not spectrogram rows: they bypass the
   * standardisation, the morphology block and the convolutions and feed an {@link excitationExpert}
   * whose bona fide z-score is fused with the network's (calibrated to a z-score too) by their
   * minimum ({@link MinScoreFusion}); `trainClassifier` trains the network on its own loss and fits
   * both experts' bona fide statistics. `null`: every row is spectrogram.
   * @default null
   */
  excitation?: ExcitationBranchOptions | null;
  /**
   * The input's `LFCC_ROWS` rows above the excitation rows (or the last ones) are a pipeline's
   * `lfcc` rows: they bypass the network like the excitation rows and feed a GMM expert
   * ({@link GmmScore}: the ASVspoof 2019 LFCC-GMM's log-likelihood ratio, fitted by
   * `trainClassifier` before the network trains), whose bona fide z-score `g` is fused with the
   * network's `n` as `min((n + g) / 2, g)` ({@link MeanScoreFusion}, then {@link MinScoreFusion})
   * before any fusion with the excitation expert: the network can lower the GMM's score (its own
   * detections count at half weight) but never raise it, so the GMM's detections (codec2, diphone
   * synthesis) stand. `null`: none.
   * @default null
   */
  gmm?: GmmExpertOptions | null;
}

/** Options of the GMM expert ({@link ArchitectureOptions.gmm}). */
export interface GmmExpertOptions {
  /** Components of each of the two mixtures. @default 64 */
  components?: number;
}

/** Options of the excitation expert ({@link ArchitectureOptions.excitation}). */
export interface ExcitationBranchOptions {
  /**
   * Excitation rows at the bottom of the input, as `excitationFeatures` lays them out: 3 (its
   * statistics), 8 (with its `harmonicPhase` rows, which add the phase concentration as a third
   * statistic), or 5 or 10 with its two `prosody` rows last (voicing, `ln f0` relative to the clip's
   * median). Prosody rows feed a prosody expert ({@link ProsodyPooling} -> a {@link BonafideZScore}
   * fitted on the training bona fide windows) whose z-score `p` joins the network's (and the GMM
   * expert's) mean: `min(mean(n, g, p), g)` with a GMM expert, `mean(n, p)` without. Why the mean
   * and not the minimum: like the network it sees synthetic voices (their pitch contours are smooth
   * and narrow), and speakers with a flat delivery are its false alarms, which a minimum would count
   * in full. @default 3
   */
  rows?: number;
  /** Frames within this many dB of the window's loudest frame are averaged (the voiced, loud part). @default 10 */
  gateDb?: number;
}

/** Options of {@link smallCnn}. */
export interface SmallCnnOptions extends ArchitectureOptions {
  /** Filters of the three 3x3 convolutions. @default [16, 32, 64] */
  filters?: [number, number, number];
  /**
   * Batch normalisation after every convolution (before ReLU). Without it the network sat at
   * loss ln 2 for ~10 epochs on spectrograms; with it, it trains in a few.
   * @default true
   */
  batchNorm?: boolean;
}

/**
 * Momentum of every batch-normalisation layer's running statistics. Keras's 0.99 needs thousands
 * of steps to forget its initial variance of 1; our runs take 100-1000 steps (bn2 of the LCNN kept
 * a running variance of 0.19 against a true 0.002), so 0.9, and {@link recalibrateBatchNorm}
 * re-estimates the statistics on the training set after training anyway.
 */
export const BATCH_NORM_MOMENTUM = 0.9;

/**
 * A layer holding fixed statistics: non-trainable weights `mean` and `inv_std` of `size` values
 * (0 and 1 until set), saved with the model.
 */
abstract class FixedStatistics extends tf.layers.Layer {
  protected readonly size: number;
  protected mean: tf.LayerVariable | null = null;
  protected invStd: tf.LayerVariable | null = null;

  constructor(args: { size: number; name?: string }) {
    super(args);
    assertPositiveInt(args.size, 'size');
    this.size = args.size;
  }

  /** Adds the two weights, of `shape` (`size` values in all). */
  protected addStatistics(shape: number[]): void {
    this.mean = this.addWeight('mean', shape, 'float32', tf.initializers.zeros(), undefined, false);
    this.invStd = this.addWeight('inv_std', shape, 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

/**
 * A fixed (non-trainable) input standardisation `(x - mean) / std`, broadcast over NHWC inputs:
 * per row (`size` = rows, the frequency axis of a spectrogram) or global (`size` = 1). The
 * statistics are weights, set with {@link setStandardization} and saved with the model.
 */
export class Standardization extends FixedStatistics {
  static readonly className = 'Standardization';

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = inputShape as tf.Shape;
    assert(
      this.size === 1 || s[1] === this.size,
      () => `Standardization size=${this.size} must be 1 or the input rows ${s[1]}`,
    );
    this.addStatistics(this.size === 1 ? [1, 1, 1] : [this.size, 1, 1]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.mul(tf.sub(x, this.mean!.read()), this.invStd!.read());
    });
  }
}
tf.serialization.registerClass(Standardization);

/**
 * Sets a built {@link Standardization} layer's statistics (std is floored at 1e-6 of the largest
 * std, and at 1e-12).
 */
export function setStandardization(layer: Standardization, stats: StandardizationStats): void {
  assert(
    stats.mean.length === stats.std.length,
    () => `standardization mean.length=${stats.mean.length} must equal std.length=${stats.std.length}`,
  );
  const [mean, invStd] = layer.getWeights();
  assert(
    mean.size === stats.mean.length,
    () => `standardization has ${stats.mean.length} values, the layer expects ${mean.size}`,
  );
  let maxStd = 0;
  for (const v of stats.std) if (v > maxStd) maxStd = v;
  const floor = Math.max(1e-12, 1e-6 * maxStd);
  const inv = Float32Array.from(stats.std, (v) => 1 / Math.max(v, floor));
  for (let i = 0; i < stats.mean.length; i++) {
    assert(
      Number.isFinite(stats.mean[i]) && Number.isFinite(inv[i]),
      () => `standardization mean[${i}]=${stats.mean[i]} std[${i}]=${stats.std[i]} must be finite`,
    );
  }
  const values = [tf.tensor(stats.mean, mean.shape), tf.tensor(inv, invStd.shape)];
  layer.setWeights(values);
  tf.dispose(values);
}

/** Rows `[start, end)` of an NHWC input (a fixed slice along the frequency axis). */
export class RowSlice extends tf.layers.Layer {
  static readonly className = 'RowSlice';
  private readonly start: number;
  private readonly end: number;

  constructor(args: { start: number; end: number; name?: string }) {
    super(args);
    assert(
      Number.isInteger(args.start) && Number.isInteger(args.end) && args.start >= 0 && args.end > args.start,
      () => `RowSlice start=${args.start} end=${args.end} must be integers with 0 <= start < end`,
    );
    this.start = args.start;
    this.end = args.end;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], this.end - this.start, ...s.slice(2)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    assert((x.shape[1] ?? 0) >= this.end, () => `RowSlice end=${this.end} exceeds the input's ${x.shape[1]} rows`);
    return tf.slice(x, [0, this.start, 0, 0], [-1, this.end - this.start, -1, -1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, end: this.end };
  }
}
tf.serialization.registerClass(RowSlice);

/** Excitation rows with the harmonic-phase rows below the residual statistics (8). */
const ROWS_WITH_PHASE = excitationRowNames({ harmonicPhase: true }).length;

/**
 * Pools excitation rows `[batch, 3, cols, 1]` (log kurtosis, log crest factor, energy dB) into
 * `[batch, 2]`: the mean log kurtosis and mean log crest factor over the frames whose energy lies
 * within `gateDb` of the loudest frame of the window. With the five harmonic-phase rows below them
 * (`[batch, 8, cols, 1]`, `excitationFeatures`' `harmonicPhase`), `[batch, 3]`: the third value is
 * the window's {@link phaseConcentration} (NaN with fewer than `MIN_VOICED_FRAMES` voiced frames).
 * No weights.
 */
export class ExcitationPooling extends tf.layers.Layer {
  static readonly className = 'ExcitationPooling';
  private readonly gateDb: number;

  constructor(args: { gateDb: number; name?: string }) {
    super(args);
    assert(Number.isFinite(args.gateDb) && args.gateDb > 0, () => `gateDb=${args.gateDb} must be a finite number > 0`);
    this.gateDb = args.gateDb;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0] ?? null, s[1] === EXCITATION_ROWS.length ? 2 : 3];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const rows = x.shape[1] as number;
      assert(
        rows === EXCITATION_ROWS.length || rows === ROWS_WITH_PHASE,
        () =>
          `ExcitationPooling input has ${rows} rows; it takes ${EXCITATION_ROWS.length} (${EXCITATION_ROWS.join(', ')}) ` +
          `or ${ROWS_WITH_PHASE} (and ${HARMONIC_PHASE_ROWS.join(', ')})`,
      );
      const all = tf.reshape(x, [-1, rows, x.shape[2] as number]);
      const [stats, energy, phase] = tf.split(all, [2, 1, rows - 3], 1);
      const gate = tf.cast(tf.greaterEqual(energy, tf.sub(tf.max(energy, 2, true), this.gateDb)), 'float32');
      const pooled = tf.div(tf.sum(tf.mul(stats, gate), 2), tf.sum(gate, 2));
      if (rows === EXCITATION_ROWS.length) return pooled;
      // sums over the window: voiced frames, then cos/sin psi2, cos/sin psi3 (0 on unvoiced frames)
      const [voiced, c2, s2, c3, s3] = tf.split(tf.sum(phase, 2), 5, 1);
      const resultant = tf.add(
        tf.sqrt(tf.add(tf.square(c2), tf.square(s2))),
        tf.sqrt(tf.add(tf.square(c3), tf.square(s3))),
      );
      const concentration = tf.where(
        tf.less(voiced, MIN_VOICED_FRAMES),
        tf.fill(voiced.shape, Number.NaN),
        tf.div(resultant, tf.mul(voiced, 2)),
      );
      return tf.concat([pooled, concentration], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gateDb: this.gateDb };
  }
}
tf.serialization.registerClass(ExcitationPooling);

/** Frame-to-frame pitch changes of a voiced pair larger than this (ln units, a 10 % jump) are tracker errors, not prosody. */
const PROSODY_MAX_STEP = 0.1;
/** Voiced frames further than this from the clip's median `ln f0` (octave errors: ln 2 = 0.69) are left out of the spread. */
const PROSODY_MAX_OFFSET = 0.5;
/** Floors inside the two logarithms of {@link ProsodyPooling} (ln units). */
const PROSODY_STEP_FLOOR = 1e-3;
const PROSODY_SPREAD_FLOOR = 1e-4;

/**
 * Pools prosody rows `[batch, 2, cols, 1]` (`excitationFeatures`' `prosody`: voicing, `ln f0`
 * relative to the clip's median) into `[batch, 2]`:
 * 0. the pitch movement: the mean of `ln(|d| + 1e-3)` over the steps `d = ln f0[t] - ln f0[t-1]`
 *    between two voiced frames with `|d| < 0.1`;
 * 1. the pitch spread: `ln(std + 1e-4)` of `ln f0` over the voiced frames within 0.5 of the median;
 * each NaN with fewer than `MIN_VOICED_FRAMES` steps (frames) to measure it. No weights.
 * Synthetic voices move their pitch less from frame to frame and over a narrower range than
 * speech: both come out lower.
 */
export class ProsodyPooling extends tf.layers.Layer {
  static readonly className = 'ProsodyPooling';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const rows = x.shape[1] as number;
      const cols = x.shape[2] as number;
      assert(
        rows === PROSODY_ROWS.length,
        () => `ProsodyPooling input has ${rows} rows; it takes ${PROSODY_ROWS.length} (${PROSODY_ROWS.join(', ')})`,
      );
      const [voiced, logF0] = tf.split(tf.reshape(x, [-1, rows, cols]), 2, 1);
      const nan = (t: tf.Tensor) => tf.fill(t.shape, Number.NaN);
      const measured = (count: tf.Tensor, value: tf.Tensor) =>
        tf.where(tf.less(count, MIN_VOICED_FRAMES), nan(count), value);
      // pitch movement over voiced pairs
      const both = tf.mul(
        tf.slice(voiced, [0, 0, 1], [-1, -1, cols - 1]),
        tf.slice(voiced, [0, 0, 0], [-1, -1, cols - 1]),
      );
      const step = tf.abs(
        tf.sub(tf.slice(logF0, [0, 0, 1], [-1, -1, cols - 1]), tf.slice(logF0, [0, 0, 0], [-1, -1, cols - 1])),
      );
      const pairs = tf.mul(both, tf.cast(tf.less(step, PROSODY_MAX_STEP), 'float32'));
      const nPairs = tf.sum(pairs, 2);
      const movement = tf.div(
        tf.sum(tf.mul(tf.log(tf.add(step, PROSODY_STEP_FLOOR)), pairs), 2),
        tf.maximum(nPairs, 1),
      );
      // pitch spread over voiced frames near the median
      const near = tf.mul(voiced, tf.cast(tf.less(tf.abs(logF0), PROSODY_MAX_OFFSET), 'float32'));
      const nNear = tf.sum(near, 2);
      const denom = tf.maximum(nNear, 1);
      const mean = tf.div(tf.sum(tf.mul(logF0, near), 2), denom);
      const variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(logF0, tf.expandDims(mean, 2))), near), 2), denom);
      const spread = tf.log(tf.add(tf.sqrt(variance), PROSODY_SPREAD_FLOOR));
      return tf.concat([measured(nPairs, movement), measured(nNear, spread)], 1);
    });
  }
}
tf.serialization.registerClass(ProsodyPooling);

/**
 * Bona fide z-score logits: `[batch, size]` values in, `[batch, 2]` logits `[0, z]` out, where
 * `z = mean_k (x_k - mean_k) / std_k` with statistics of bona fide examples (non-trainable weights,
 * set by {@link setBonafideZScore}; the identity until then). So `logit[1] - logit[0]` is `z`, and
 * a spoof is whatever lies below the bona fide distribution. With `skipNaN`, a NaN value (a
 * statistic the example could not measure) is left out of the mean, and an example with none
 * measured gets `z = 0`.
 */
export class BonafideZScore extends FixedStatistics {
  static readonly className = 'BonafideZScore';
  readonly skipNaN: boolean;

  constructor(args: { size: number; skipNaN?: boolean; name?: string }) {
    super(args);
    this.skipNaN = args.skipNaN ?? false;
  }

  override getConfig(): tf.serialization.ConfigDict {
    // only when set, so models saved before the option keep their config
    return this.skipNaN ? { ...super.getConfig(), skipNaN: true } : super.getConfig();
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = inputShape as tf.Shape;
    assert(s[1] === this.size, () => `BonafideZScore size=${this.size} must equal the input width ${s[1]}`);
    this.addStatistics([this.size]);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 2];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const zk = tf.mul(tf.sub(x, this.mean!.read()), this.invStd!.read());
      let z: tf.Tensor;
      if (this.skipNaN) {
        const measured = tf.logicalNot(tf.isNaN(zk));
        const sum = tf.sum(tf.where(measured, zk, tf.zerosLike(zk)), 1, true);
        z = tf.div(sum, tf.maximum(tf.sum(tf.cast(measured, 'float32'), 1, true), 1));
      } else {
        z = tf.mean(zk, 1, true);
      }
      return tf.concat([tf.zerosLike(z), z], 1);
    });
  }
}
tf.serialization.registerClass(BonafideZScore);

/**
 * Sets a {@link BonafideZScore} layer from bona fide examples' values `rows[i][k]` (their mean and
 * population std per column; a std below 1e-6 of the column's scale, or one example, counts as 1).
 * A layer with `skipNaN` fits each column on its measured (non-NaN) values.
 */
export function setBonafideZScore(layer: BonafideZScore, rows: readonly ArrayLike<number>[]): void {
  const [meanVar] = layer.getWeights();
  const size = meanVar.size;
  assert(rows.length > 0, () => `${layer.name}: no bona fide examples to fit its statistics`);
  const mean = new Float64Array(size);
  const sq = new Float64Array(size);
  const count = new Float64Array(size);
  for (const r of rows) {
    assert(r.length === size, () => `${layer.name}: an example has ${r.length} values, the layer takes ${size}`);
    for (let k = 0; k < size; k++) {
      if (layer.skipNaN && Number.isNaN(r[k])) continue;
      assert(Number.isFinite(r[k]), () => `${layer.name}: a bona fide example's value ${k} is ${r[k]}`);
      mean[k] += r[k];
      count[k]++;
    }
  }
  for (let k = 0; k < size; k++) {
    assert(count[k] > 0, () => `${layer.name}: no bona fide example measured value ${k}`);
    mean[k] /= count[k];
  }
  for (const r of rows) for (let k = 0; k < size; k++) if (!Number.isNaN(r[k])) sq[k] += (r[k] - mean[k]) ** 2;
  const inv = Float32Array.from(sq, (v, k) => {
    const std = Math.sqrt(v / count[k]);
    return count[k] > 1 && std > 1e-6 * Math.max(1, Math.abs(mean[k])) ? 1 / std : 1;
  });
  layer.setWeights([tf.tensor1d(Float32Array.from(mean)), tf.tensor1d(inv)]);
}

/** `[batch, 2]` logits in, the bona fide score `logit[1] - logit[0]` as `[batch, 1]` out. No weights. */
export class BonafideScore extends tf.layers.Layer {
  static readonly className = 'BonafideScore';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return bonafideScore(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}
tf.serialization.registerClass(BonafideScore);

/**
 * The excitation expert: {@link ExcitationPooling} (mean log kurtosis and log crest factor of the
 * window's loud frames, and with the harmonic-phase rows the phase concentration of its voiced
 * frames) -> {@link BonafideZScore} fitted on the training bona fide windows: its bona fide score
 * is how far the residual's peakiness (and the harmonics' phase coherence) lies above or below
 * speech's, in bona fide standard deviations. One-sided on purpose: it flags clips whose glottal pulses are smeared
 * (Griffin-Lim and other phase-reconstruction vocoders: lower kurtosis and crest), the attacks a
 * magnitude spectrogram cannot see; pulse-train vocoders (codec2, diphone TTS), whose residual is
 * peakier than speech, are the CNN's to catch. A learned two-sided branch (tried first, trained on
 * all spoofs) balanced the two and saw Griffin-Lim worse: see docs/results.md.
 */
function excitationExpert(rows: tf.SymbolicTensor, o: Required<ExcitationBranchOptions>): tf.SymbolicTensor {
  const h = new ExcitationPooling({ gateDb: o.gateDb, name: 'excitation_pool' }).apply(rows) as tf.SymbolicTensor;
  if (o.rows === EXCITATION_ROWS.length)
    return new BonafideZScore({ size: 2, name: 'logits_excitation' }).apply(h) as tf.SymbolicTensor;
  // a window with too few voiced frames has no phase concentration: the other two z-scores decide
  return new BonafideZScore({ size: 3, skipNaN: true, name: 'logits_excitation' }).apply(h) as tf.SymbolicTensor;
}

/**
 * The prosody expert: {@link ProsodyPooling} (the window's pitch movement and spread) ->
 * {@link BonafideZScore} fitted on the training bona fide windows (NaN statistics left out of the
 * mean): how far the pitch contour moves above or below speech's, in bona fide standard deviations.
 */
function prosodyExpert(rows: tf.SymbolicTensor): tf.SymbolicTensor {
  const h = new ProsodyPooling({ name: 'prosody_pool' }).apply(rows) as tf.SymbolicTensor;
  return new BonafideZScore({ size: 2, skipNaN: true, name: 'logits_prosody' }).apply(h) as tf.SymbolicTensor;
}

/** The bona fide score `logit[1] - logit[0]` of `[batch, 2]` logits, as `[batch, 1]`. */
export function bonafideScore(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [spoof, bonafide] = tf.split(logits, 2, 1);
    return tf.sub(bonafide, spoof);
  });
}

/**
 * Fuses experts' bona fide z-score logits `[batch, 2]` into `[0, fused]`, so `logit[1] - logit[0]`
 * (the score `predictScores` reports) is `fuse` of their bona fide scores `x1 - x0`.
 */
abstract class ScoreFusion extends tf.layers.Layer {
  /** The fused `[batch, 1]` score of the experts' `[batch, 1]` scores. */
  protected abstract fuse(scores: tf.Tensor[]): tf.Tensor;

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const name = this.getClassName();
      assert(Array.isArray(inputs) && inputs.length >= 2, () => `${name} takes two or more logit tensors`);
      for (const t of inputs)
        assert(t.shape[1] === 2, () => `${name} inputs must be [batch, 2] logits, got [${t.shape}]`);
      const m = this.fuse(inputs.map(bonafideScore));
      return tf.concat([tf.zerosLike(m), m], 1);
    });
  }
}

/**
 * Fuses experts' logits `[batch, 2]` by the minimum of their bona fide scores: output
 * `[0, min_i (x_i1 - x_i0)]`, so `logit[1] - logit[0]` (the score `predictScores` reports) is the
 * smallest score. They come in as bona fide z-scores ({@link BonafideZScore}), so at equal scores
 * they flag the same share of bona fide speech. A clip counts as bona fide only when every expert
 * says so: each catches its own attacks (the spectrogram CNN codec2 and TTS, the excitation expert
 * Griffin-Lim) without the others' confident mistakes averaging them away, as a sum would.
 */
export class MinScoreFusion extends ScoreFusion {
  static readonly className = 'MinScoreFusion';
  protected fuse(scores: tf.Tensor[]): tf.Tensor {
    return scores.reduce((a, b) => tf.minimum(a, b));
  }
}
tf.serialization.registerClass(MinScoreFusion);

/**
 * Fuses experts' logits `[batch, 2]` by the mean of their bona fide scores: output
 * `[0, mean_i (x_i1 - x_i0)]`. For experts that see the same thing (the spectrogram CNN and the
 * LFCC-GMM both read the magnitude spectrum) and come in as bona fide z-scores: the equal-weight
 * score fusion, where each expert's confident detections survive the other's indifference.
 */
export class MeanScoreFusion extends ScoreFusion {
  static readonly className = 'MeanScoreFusion';
  protected fuse(scores: tf.Tensor[]): tf.Tensor {
    return tf.div(tf.addN(scores), scores.length);
  }
}
tf.serialization.registerClass(MeanScoreFusion);

/** The experts of a model built with an excitation or a GMM expert ({@link expertModels}). */
export interface Experts {
  /** The network's raw logits (what it trains on). */
  spectral: tf.LayersModel;
  /** Turns the network's bona fide score into a z-score of bona fide speech's. */
  spectralCalibration: BonafideZScore;
  /** The excitation expert (null without one). */
  excitation: {
    /** Its z-score logits. */
    logits: tf.LayersModel;
    /** Its pooled statistics `[batch, 2]` (what its z-score is fitted on). */
    stats: tf.LayersModel;
    /** Turns the pooled statistics into its z-score. */
    calibration: BonafideZScore;
  } | null;
  /** The prosody expert (null without one). */
  prosody: {
    /** Its z-score logits. */
    logits: tf.LayersModel;
    /** Its pooled statistics `[batch, 2]` (what its z-score is fitted on). */
    stats: tf.LayersModel;
    /** Turns the pooled statistics into its z-score. */
    calibration: BonafideZScore;
  } | null;
  /** The GMM expert (null without one). */
  gmm: {
    /** The layer holding the two mixtures ({@link setGmmScore}). */
    layer: GmmScore;
    /** Its log-likelihood ratio `[batch, 1]`. */
    score: tf.LayersModel;
    /** Turns the ratio into a z-score of bona fide speech's. */
    calibration: BonafideZScore;
  } | null;
}

/**
 * Each expert's name, as `scoreExperts` and `evaluate --experts` report it, and the layer whose
 * output is its bona fide z-score `[0, z]` (see `modelInput`).
 */
export const EXPERT_OUTPUTS = [
  { name: 'network', layer: 'spectral_calibration' },
  { name: 'gmm', layer: 'gmm_calibration' },
  { name: 'network+gmm', layer: 'spectral_fusion' },
  { name: 'excitation', layer: 'logits_excitation' },
  { name: 'prosody', layer: 'logits_prosody' },
] as const;

/** The experts of a model built with an excitation or a GMM expert, as models sharing its layers (null for other models). */
export function expertModels(model: tf.LayersModel): Experts | null {
  const find = (name: string) => model.layers.find((l) => l.name === name);
  const a = find('logits_spectral');
  const cal = find('spectral_calibration');
  if (!a || !(cal instanceof BonafideZScore)) return null;
  const sub = (l: tf.layers.Layer) => tf.model({ inputs: model.inputs, outputs: l.output as tf.SymbolicTensor });
  const b = find('logits_excitation');
  const pool = find('excitation_pool');
  const p = find('logits_prosody');
  const ppool = find('prosody_pool');
  const g = find('gmm_score');
  const gcal = find('gmm_calibration');
  return {
    spectral: sub(a),
    spectralCalibration: cal,
    excitation: b instanceof BonafideZScore && pool ? { logits: sub(b), stats: sub(pool), calibration: b } : null,
    prosody: p instanceof BonafideZScore && ppool ? { logits: sub(p), stats: sub(ppool), calibration: p } : null,
    gmm:
      g instanceof GmmScore && gcal instanceof BonafideZScore ? { layer: g, score: sub(g), calibration: gcal } : null,
  };
}

/**
 * The input of a new model, then the standardisation and the learned morphology block when asked
 * for; `finish` sets the statistics once the model is built; `logits` turns the network's pooled
 * features into the output logits (plus the excitation branch's, when the input has excitation rows).
 */
function modelInput(
  inputShape: readonly number[],
  opts: ArchitectureOptions,
  numClasses: number,
  init: () => object,
): {
  input: tf.SymbolicTensor;
  h: tf.SymbolicTensor;
  finish: () => void;
  logits: (features: tf.SymbolicTensor) => tf.SymbolicTensor;
} {
  const input = tf.input({ shape: [...inputShape] });
  const stats = opts.standardization;
  let h = input;
  let logits = (f: tf.SymbolicTensor) =>
    tf.layers.dense({ units: numClasses, name: 'logits', ...init() }).apply(f) as tf.SymbolicTensor;
  if (opts.excitation || opts.gmm) {
    const o = { rows: EXCITATION_ROWS.length, gateDb: 10, ...opts.excitation };
    const residual = [EXCITATION_ROWS.length, ROWS_WITH_PHASE];
    assert(
      residual.some((r) => o.rows === r || o.rows === r + PROSODY_ROWS.length),
      () =>
        `excitation.rows=${o.rows} must be ${EXCITATION_ROWS.length} (${EXCITATION_ROWS.join(', ')}), ` +
        `${ROWS_WITH_PHASE} (with the harmonic-phase rows), or either plus ${PROSODY_ROWS.length} (${PROSODY_ROWS.join(', ')})`,
    );
    const prosodyRows = opts.excitation && !residual.includes(o.rows) ? PROSODY_ROWS.length : 0;
    const total = inputShape[0];
    const excitationRows = opts.excitation ? o.rows : 0;
    const gmmRows = opts.gmm ? LFCC_ROWS : 0;
    const spectralRows = total - excitationRows - gmmRows;
    assert(
      spectralRows > 0,
      () =>
        `inputShape=[${inputShape}] has ${total} rows; the experts take ${excitationRows + gmmRows} ` +
        `(${[opts.gmm ? `${gmmRows} lfcc` : '', opts.excitation ? `${excitationRows} excitation` : ''].filter(Boolean).join(', ')}) and the network needs more`,
    );
    assert(
      numClasses === 2,
      () => `numClasses=${numClasses}: the experts fuse bona fide vs spoof scores and need 2 classes`,
    );
    const slice = (start: number, end: number, name: string) =>
      new RowSlice({ start, end, name }).apply(input) as tf.SymbolicTensor;
    h = slice(0, spectralRows, 'spectral_rows');
    const gmmInput = opts.gmm ? slice(spectralRows, spectralRows + gmmRows, 'lfcc_rows') : null;
    const excitationInput = opts.excitation
      ? slice(total - excitationRows, total - prosodyRows, 'excitation_rows')
      : null;
    const prosodyInput = prosodyRows ? slice(total - prosodyRows, total, 'prosody_rows') : null;
    const components = opts.gmm?.components ?? DEFAULT_GMM_COMPONENTS;
    logits = (f) => {
      const a = tf.layers
        .dense({ units: numClasses, name: 'logits_spectral', ...init() })
        .apply(f) as tf.SymbolicTensor;
      const score = new BonafideScore({ name: 'spectral_score' }).apply(a) as tf.SymbolicTensor;
      let spectral = new BonafideZScore({ size: 1, name: 'spectral_calibration' }).apply(score) as tf.SymbolicTensor;
      // the prosody expert's z-score joins the network's in the mean
      const prosody = prosodyInput ? prosodyExpert(prosodyInput) : null;
      if (gmmInput) {
        const llr = new GmmScore({ components, dims: gmmRows, name: 'gmm_score' }).apply(gmmInput) as tf.SymbolicTensor;
        const z = new BonafideZScore({ size: 1, name: 'gmm_calibration' }).apply(llr) as tf.SymbolicTensor;
        // min(mean(network, gmm[, prosody]), gmm): the others lower the GMM's score, never raise it
        const mean = new MeanScoreFusion({ name: 'spectral_mean' }).apply(
          prosody ? [spectral, z, prosody] : [spectral, z],
        ) as tf.SymbolicTensor;
        spectral = new MinScoreFusion({ name: excitationInput ? 'spectral_fusion' : 'logits' }).apply([
          mean,
          z,
        ]) as tf.SymbolicTensor;
      } else if (prosody) {
        // (not `spectral_fusion`, which `evaluate --experts` reports as network+gmm)
        spectral = new MeanScoreFusion({ name: 'spectral_mean' }).apply([spectral, prosody]) as tf.SymbolicTensor;
      }
      if (!excitationInput) return spectral;
      return new MinScoreFusion({ name: 'logits' }).apply([
        spectral,
        excitationExpert(excitationInput, { ...o, rows: o.rows - prosodyRows }),
      ]) as tf.SymbolicTensor;
    };
  }
  let finish = () => {};
  if (stats) {
    const layer = new Standardization({ size: stats.mean.length, name: 'standardization' });
    h = layer.apply(h) as tf.SymbolicTensor;
    finish = () => setStandardization(layer, stats);
  }
  if (opts.morphBlock) h = morphBlock(h, { seed: (opts.seed ?? 0) + 7919, ...opts.morphBlock });
  return { input, h, finish, logits };
}

/** Options of {@link lcnn}. */
export interface LcnnOptions extends ArchitectureOptions {
  /**
   * Width multiplier of the ASVspoof LCNN channel counts (64, 64, 96, 96, 128, 128, 64, 64, 64,
   * 64 before max-feature-map halves them); 1 is the published size.
   * @default 0.25
   */
  width?: number;
  /**
   * Dropout rate after the last pooling block, as in the baseline (`Dropout(0.7)` at the end of its
   * convolutional stack); 0 leaves the layer out. A {@link SeededDropout}: a new seeded mask per step.
   * @default 0.7
   */
  dropout?: number;
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
 * The small CNN: conv(16)-BN-ReLU-maxpool-conv(32)-BN-ReLU-maxpool-conv(64)-BN-ReLU-global average
 * pool-dense(numClasses), 3x3 kernels, same padding, 2x2 pooling, optionally behind a fixed input
 * standardisation. Input `[rows, cols, channels]`
 * (NHWC: a spectrogram Grid is `[rows = frequency, cols = time, 1]`); output: unnormalised logits
 * `[batch, numClasses]` (softmax is applied inside the loss).
 *
 * Notes: logits rather than a softmax layer so scores can be log-likelihood ratios without
 * log(0) (see `predictScores`).
 */
/** The names of {@link ArchitectureOptions}, which every architecture takes. */
const ARCHITECTURE_OPTIONS: OptionNames<ArchitectureOptions> = {
  standardization: true,
  morphBlock: true,
  seed: true,
  numClasses: true,
  excitation: true,
  gmm: true,
};
const SMALL_CNN_OPTIONS: OptionNames<SmallCnnOptions> = { ...ARCHITECTURE_OPTIONS, filters: true, batchNorm: true };

export function smallCnn(inputShape: readonly number[], opts: SmallCnnOptions = {}): tf.LayersModel {
  checkOptionNames(opts, SMALL_CNN_OPTIONS, 'smallCnn (modelOptions)');
  checkInputShape(inputShape);
  const { seed = 0, numClasses = 2, filters = [16, 32, 64], batchNorm = true } = opts;
  assertPositiveInt(numClasses, 'numClasses');
  filters.forEach((f, i) => assertPositiveInt(f, `filters[${i}]`));
  const init = seeder(seed);
  const { input, h: x, finish, logits } = modelInput(inputShape, opts, numClasses, init);
  let h = x;
  filters.forEach((f, i) => {
    const k = i + 1;
    h = conv2d({
      filters: f,
      kernelSize: 3,
      padding: 'same',
      useBias: !batchNorm,
      activation: batchNorm ? 'linear' : 'relu',
      name: `conv${k}`,
      ...init(),
    }).apply(h) as tf.SymbolicTensor;
    if (batchNorm) {
      h = batchNormalization({ name: `bn${k}`, momentum: BATCH_NORM_MOMENTUM, epsilon: 1e-5 }).apply(
        h,
      ) as tf.SymbolicTensor;
      h = tf.layers.activation({ activation: 'relu', name: `relu${k}` }).apply(h) as tf.SymbolicTensor;
    }
    if (k < filters.length) h = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${k}` }).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits(h), name: 'specmorph_cnn' });
  finish();
  return model;
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

/** {@link SeededDropout}'s constructor arguments. */
export interface SeededDropoutArgs {
  /** Fraction of the inputs zeroed at each training step, in [0, 1). */
  rate: number;
  /** Seed of the mask sequence. @default 0 */
  seed?: number;
  name?: string;
}

/**
 * Inverted dropout (Srivastava et al. 2014, as `torch.nn.Dropout` and Keras `Dropout`): in training
 * each element is zeroed with probability `rate` and the rest are scaled by 1 / (1 - rate); at
 * inference it is the identity. Unlike `tf.layers.dropout({seed})`, which seeds one generator per
 * call and so draws the same mask at every step, the mask of step k is drawn from seed
 * `"seed:k"`: a new mask each step, and the same sequence of masks for the same seed (training stays
 * reproducible). The step count starts at 0 whenever the layer is built or loaded.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  private step = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    const { rate, seed = 0 } = args;
    assert(Number.isFinite(rate) && rate >= 0 && rate < 1, () => `dropout rate=${rate} must be in [0, 1)`);
    assert(Number.isInteger(seed), () => `dropout seed=${seed} must be an integer`);
    this.rate = rate;
    this.seed = seed;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    const seed = `${this.seed}:${this.step++}`;
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/**
 * A light CNN (LCNN) after the ASVspoof 2019/2021 LFCC-LCNN baseline (Wang & Yamagishi 2021):
 * conv5x5-MFM-maxpool, then blocks of conv1x1-MFM-BN-conv3x3-MFM (-maxpool), every convolution
 * followed by max-feature-map, scaled by `width` for small inputs, ending in global average
 * pooling and a dense layer of logits `[batch, numClasses]` instead of the baseline's BLSTM (our
 * inputs have a fixed size). Input `[rows, cols, channels]` with rows, cols >= 16 (four 2x2 pools).
 *
 * Notes: batch normalisation follows the baseline's placement (after the 1x1 MFM and after the
 * pooled 3x3 MFM); dropout (default 0.7, as the baseline) after the last pooling block is a
 * {@link SeededDropout}, since tfjs's seeded dropout draws the same mask at every step and an unseeded
 * one would make training irreproducible.
 */
const LCNN_OPTIONS: OptionNames<LcnnOptions> = { ...ARCHITECTURE_OPTIONS, width: true, dropout: true };

export function lcnn(inputShape: readonly number[], opts: LcnnOptions = {}): tf.LayersModel {
  checkOptionNames(opts, LCNN_OPTIONS, 'lcnn (modelOptions)');
  checkInputShape(inputShape);
  const { seed = 0, numClasses = 2, width = 0.25, dropout = 0.7 } = opts;
  assertPositiveInt(numClasses, 'numClasses');
  assert(Number.isFinite(width) && width > 0, () => `width=${width} must be a finite number > 0`);
  assert(Number.isFinite(dropout) && dropout >= 0 && dropout < 1, () => `dropout=${dropout} must be in [0, 1)`);
  assert(
    inputShape[0] >= 16 && inputShape[1] >= 16,
    () => `inputShape=[${inputShape}] must have rows, cols >= 16 for lcnn`,
  );
  const init = seeder(seed);
  // Even channel counts so MFM can halve them.
  const ch = (n: number) => Math.max(2, 2 * Math.round((n * width) / 2));
  let layerIndex = 0;
  const conv = (h: tf.SymbolicTensor, filters: number, k: number) => {
    layerIndex++;
    const c = conv2d({
      filters: ch(filters),
      kernelSize: k,
      padding: 'same',
      name: `conv${layerIndex}`,
      ...init(),
    }).apply(h) as tf.SymbolicTensor;
    return new MaxFeatureMap({ name: `mfm${layerIndex}` }).apply(c) as tf.SymbolicTensor;
  };
  const pool = (h: tf.SymbolicTensor, name: string) =>
    tf.layers.maxPooling2d({ poolSize: 2, name }).apply(h) as tf.SymbolicTensor;
  const bn = (h: tf.SymbolicTensor, name: string) =>
    batchNormalization({ name, momentum: BATCH_NORM_MOMENTUM, epsilon: 1e-5 }).apply(h) as tf.SymbolicTensor;

  const { input, h: x, finish, logits } = modelInput(inputShape, opts, numClasses, init);
  let h = conv(x, 64, 5);
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
  if (dropout > 0) h = new SeededDropout({ rate: dropout, seed, name: 'dropout9' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits(h), name: 'specmorph_lcnn' });
  finish();
  return model;
}

/** The builder of each name in the registry (`registry.ts`). */
const BUILDERS: Readonly<
  Record<ArchitectureName, (inputShape: readonly number[], opts: ArchitectureOptions) => tf.LayersModel>
> = Object.freeze({
  cnn: smallCnn,
  lcnn: lcnn,
  'morph-cnn': (inputShape: readonly number[], opts: ArchitectureOptions) =>
    smallCnn(inputShape, { ...opts, morphBlock: opts.morphBlock ?? {} }),
});

/** Builds a named architecture for `inputShape` `[rows, cols, channels]`. */
export function buildModel(
  name: ArchitectureName,
  inputShape: readonly number[],
  opts: ArchitectureOptions = {},
): tf.LayersModel {
  if (!isArchitectureName(name))
    throw new ParameterError(`architecture=${JSON.stringify(name)} must be one of ${ARCHITECTURE_NAMES.join(', ')}`);
  return BUILDERS[name](inputShape, opts);
}

/**
 * Re-estimates every batch-normalisation layer's running mean and variance on `x` (the training
 * inputs, `[n, rows, cols, channels]`), layer by layer in graph order so each layer sees inputs
 * normalised by the already re-estimated layers before it. Afterwards inference-mode outputs on the
 * training data match what the network was trained to produce, however few steps it ran (the
 * running averages lag behind fast-changing weights). Population variance over batch and positions.
 */
export function recalibrateBatchNorm(
  model: tf.LayersModel,
  batches: Iterable<tf.Tensor4D> | (() => Iterable<tf.Tensor4D>),
): void {
  const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const source = typeof batches === 'function' ? batches : () => batches;
  for (const layer of bnLayers) {
    const probe = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor });
    let sum: Float64Array | null = null;
    let sumSq: Float64Array | null = null;
    let count = 0;
    for (const xb of source()) {
      const [s, q, c] = tf.tidy(() => {
        const h = probe.predict(xb) as tf.Tensor;
        const flat = tf.reshape(h, [-1, h.shape[h.shape.length - 1]]) as tf.Tensor2D;
        return [tf.sum(flat, 0).dataSync(), tf.sum(tf.square(flat), 0).dataSync(), flat.shape[0]] as const;
      });
      sum ??= new Float64Array(s.length);
      sumSq ??= new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) {
        sum[i] += s[i];
        sumSq[i] += q[i];
      }
      count += c;
    }
    if (!sum || !sumSq || count === 0) return;
    const mean = Float32Array.from(sum, (v) => v / count);
    const variance = Float32Array.from(sumSq, (v, i) => Math.max(0, v / count - mean[i] * mean[i]));
    const names = layer.weights.map((w) => w.originalName ?? w.name);
    const current = layer.getWeights();
    const next = current.map((w, i) => {
      if (/moving_mean/.test(names[i])) return tf.tensor(mean, w.shape);
      if (/moving_variance/.test(names[i])) return tf.tensor(variance, w.shape);
      return w;
    });
    layer.setWeights(next);
    next.forEach((t, i) => {
      if (t !== current[i]) t.dispose();
    });
  }
}
