// Where a classifier looks: gradient x input saliency and Grad-CAM, as Grids aligned with the input.
import * as tf from './tf';
import { expertModels } from './architectures';
import { ParameterError, assert } from '../errors';
import { type Grid, checkGrid, createGrid, isSpectrogram, withData } from '../grid/grid';

/** One model input: a Grid (one channel) or a `[rows, cols, channels]` tensor. */
export type SaliencyInput = Grid | tf.Tensor3D;

/** Options shared by {@link gradientTimesInput} and {@link gradCam}. */
export interface SaliencyOptions {
  /**
   * What to explain: `'bonafide'` the bona fide score logit[1] - logit[0] (as `predictScores`), or
   * a class index (that class's logit).
   * @default 'bonafide'
   */
  target?: 'bonafide' | number;
}

/** Options of {@link gradCam}. */
export interface GradCamOptions extends SaliencyOptions {
  /**
   * Name of the layer whose activations are weighted. Default: the last convolution block, i.e.
   * the last Conv2D layer, or the MaxFeatureMap right after it (LCNN).
   * @default undefined
   */
  layer?: string;
}

function inputTensor(input: SaliencyInput): tf.Tensor4D {
  if (input instanceof tf.Tensor) {
    assert(input.rank === 3, () => `input tensor of shape [${input.shape}] must be [rows, cols, channels]`);
    return tf.expandDims(input, 0) as tf.Tensor4D;
  }
  checkGrid(input, 'input');
  return tf.tensor4d(input.data, [1, input.rows, input.cols, 1]);
}

/**
 * A map of `rows x cols` values aligned with `input`: a Spectrogram like the input (its frequencies,
 * times, sample rate and hop kept, unit 'score') when the input is one, else a plain Grid.
 */
function alignedMap(input: SaliencyInput, rows: number, cols: number, data: Float32Array): Grid {
  if (!(input instanceof tf.Tensor) && isSpectrogram(input)) return withData(input, data, 'score');
  return createGrid(rows, cols, data);
}

function targetScore(logits: tf.Tensor, target: 'bonafide' | number): tf.Scalar {
  const classes = logits.shape[1]!;
  if (target === 'bonafide') {
    assert(classes >= 2, () => `model output has ${classes} classes; target 'bonafide' needs 2`);
    return tf.reshape(tf.sub(tf.slice(logits, [0, 1], [1, 1]), tf.slice(logits, [0, 0], [1, 1])), []) as tf.Scalar;
  }
  assert(
    Number.isInteger(target) && target >= 0 && target < classes,
    () => `target=${target} must be 'bonafide' or a class index in [0, ${classes})`,
  );
  return tf.reshape(tf.slice(logits, [0, target], [1, 1]), []) as tf.Scalar;
}

/**
 * Gradient x input saliency (Shrikumar et al. 2016): d score / d input times the input, summed
 * over channels. Output: a Grid of the input's rows x cols (for a spectrogram: frequency x time),
 * positive where the input pushes the score up; for a Spectrogram input, a Spectrogram with the
 * input's frequencies, times, sample rate and hop (unit 'score'), so figures put both on Hz/s axes.
 *
 * Notes: signed, unnormalised (units of the score); take `Math.abs` for magnitude maps.
 */
export function gradientTimesInput(model: tf.LayersModel, input: SaliencyInput, opts: SaliencyOptions = {}): Grid {
  const { target = 'bonafide' } = opts;
  const x = inputTensor(input);
  try {
    const [rows, cols] = [x.shape[1], x.shape[2]];
    const map = tf.tidy(() => {
      const g = tf.grad((xi: tf.Tensor) => targetScore(model.apply(xi) as tf.Tensor, target))(x);
      return tf.sum(tf.mul(g, x), [0, 3]);
    });
    const data = map.dataSync() as Float32Array;
    map.dispose();
    return alignedMap(input, rows, cols, Float32Array.from(data));
  } finally {
    x.dispose();
  }
}

/** The model's layers as a chain (each one's single input is the previous one's output), or null. */
function chainOf(model: tf.LayersModel): tf.layers.Layer[] | null {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (let i = 0; i < layers.length; i++) {
    const nodes = (layers[i] as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    const inbound = nodes[nodes.length - 1]?.inboundLayers ?? [];
    if (inbound.length !== 1) return null;
    if (i > 0 && inbound[0] !== layers[i - 1]) return null;
  }
  return layers;
}

/**
 * Grad-CAM (Selvaraju et al. 2017) on the last convolution block: channel weights = spatial mean
 * of d score / d activations, map = ReLU(sum_k weight_k * activation_k), upsampled bilinearly to
 * the input's rows x cols. Output: a Grid aligned with the input spectrogram (frequency x time),
 * >= 0, in units of the score; for a Spectrogram input, a Spectrogram with the input's metadata
 * (unit 'score'), as {@link gradientTimesInput}.
 *
 * Notes: the upsampling uses half-pixel centres (`tf.image.resizeBilinear(..., false, true)`), so
 * the centre of each feature-map cell lands on the centre of the input block it pools, as
 * OpenCV/PyTorch `align_corners=False`. Needs a model whose layers form a chain (the built-in
 * architectures do; with experts, the spectrogram path does and the map covers the spectrogram
 * rows, 0 on the LFCC and excitation rows).
 */
export function gradCam(model: tf.LayersModel, input: SaliencyInput, opts: GradCamOptions = {}): Grid {
  const { target = 'bonafide' } = opts;
  // With experts the output fuses the CNN's score with the GMM's and the excitation expert's; the
  // convolutions only reach the first, so the map is the CNN expert's.
  const net = expertModels(model)?.spectral ?? model;
  const layers = chainOf(net);
  if (!layers) throw new ParameterError(`gradCam needs a model whose layers form a chain; ${model.name} branches`);
  let at: number;
  if (opts.layer !== undefined) {
    at = layers.findIndex((l) => l.name === opts.layer);
    if (at < 0)
      throw new ParameterError(
        `layer=${opts.layer} is not a layer of ${model.name} (${layers.map((l) => l.name).join(', ')})`,
      );
  } else {
    at = layers.map((l) => l.getClassName()).lastIndexOf('Conv2D');
    if (at < 0) throw new ParameterError(`${model.name} has no Conv2D layer for gradCam`);
    if (layers[at + 1]?.getClassName() === 'MaxFeatureMap') at++;
  }
  const x = inputTensor(input);
  try {
    const [rows, cols] = [x.shape[1], x.shape[2]];
    const cam = tf.tidy(() => {
      let a = x as tf.Tensor;
      for (let i = 0; i <= at; i++) a = layers[i].apply(a) as tf.Tensor;
      assert(a.rank === 4, () => `layer ${layers[at].name} output has rank ${a.rank}; gradCam needs a 4-D feature map`);
      const head = (act: tf.Tensor) => {
        let h = act;
        for (let i = at + 1; i < layers.length; i++) h = layers[i].apply(h) as tf.Tensor;
        return targetScore(h, target);
      };
      const g = tf.grad(head)(a);
      const weights = tf.mean(g, [1, 2], true);
      const map = tf.relu(tf.sum(tf.mul(weights, a), 3, true)) as tf.Tensor4D;
      // A leading RowSlice (the spectrogram rows above the experts' rows): upsample onto those rows, 0 below.
      const slice =
        layers[0].getClassName() === 'RowSlice'
          ? (layers[0].getConfig() as { start: number; end: number })
          : { start: 0, end: rows };
      const up = tf.image.resizeBilinear(map, [slice.end - slice.start, cols], false, true);
      return tf.reshape(
        tf.pad(up, [
          [0, 0],
          [slice.start, rows - slice.end],
          [0, 0],
          [0, 0],
        ]),
        [rows, cols],
      );
    });
    const data = cam.dataSync() as Float32Array;
    cam.dispose();
    return alignedMap(input, rows, cols, Float32Array.from(data));
  } finally {
    x.dispose();
  }
}
