// A learned-morphology block to put in front of any architecture, and a model builder around it.
import * as tf from './tf';
import { ParameterError, assert, assertPositiveInt } from '../errors';
import { MORPHOLOGY_OPS, type MorphologyOp } from '../pipeline/config';
import { Random } from '../random';
import { type MorphLayerOptions, morphLayer } from './morphLayer';

/** Options of {@link morphBlock}. */
export interface MorphBlockOptions extends Pick<MorphLayerOptions, 'init' | 'trainable'> {
  /**
   * Operators applied side by side, one `MorphLayer` each (every one with
   * `depthMultiplier` structuring functions per input channel), in this order along channels.
   * @default ['erode', 'dilate']
   */
  operations?: MorphologyOp[];
  /** Structuring functions per input channel in each operation's layer. @default 2 */
  depthMultiplier?: number;
  /**
   * `'concat'`: the block's input channels followed by the operators' outputs, so the backbone
   * still sees the input; `'replace'`: the operators' outputs only.
   * @default 'concat'
   */
  combine?: 'concat' | 'replace';
  /** Seed of the random initialisations (each layer gets its own seed drawn from it). @default 0 */
  seed?: number;
  /** Prefix of the layer names (`<name>_<operation>`, `<name>_concat`). @default 'morph' */
  name?: string;
}

/**
 * A learned morphology block: applies each of `opts.operations` with trainable structuring
 * functions (see `MorphLayer`) to `h` `[batch, rows, cols, C]` and returns `[batch, rows, cols, C']`
 * with `C' = C * depthMultiplier * operations.length`, plus `C` when `combine` is `'concat'`.
 * Put it in front of any architecture: `backbone(morphBlock(input, opts))`.
 *
 * Notes: defaults learn an erosion and a dilation per channel, initialised as specmorph's 3x3
 * rectangle (so at initialisation they equal `erode`/`dilate` with `border: 'ignore'`), and keep
 * the input beside them: the detector can use or ignore each.
 */
export function morphBlock(h: tf.SymbolicTensor, opts: MorphBlockOptions = {}): tf.SymbolicTensor {
  const {
    operations = ['erode', 'dilate'],
    combine = 'concat',
    seed = 0,
    name = 'morph',
    init,
    depthMultiplier = 2,
    trainable,
  } = opts;
  assert(
    Array.isArray(operations) && operations.length > 0,
    () => `operations=${JSON.stringify(operations)} must be a non-empty array of ${MORPHOLOGY_OPS.join(', ')}`,
  );
  assert(
    new Set(operations).size === operations.length,
    () => `operations=${JSON.stringify(operations)} has a repeated operator`,
  );
  assert(
    combine === 'concat' || combine === 'replace',
    () => `combine=${JSON.stringify(combine)} must be 'concat' or 'replace'`,
  );
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  assertPositiveInt(depthMultiplier, 'depthMultiplier');
  const rng = new Random(seed);
  const branches = operations.map(
    (operation) =>
      morphLayer({
        operation,
        init,
        depthMultiplier,
        trainable,
        seed: rng.int(2 ** 31),
        name: `${name}_${operation}`,
      }).apply(h) as tf.SymbolicTensor,
  );
  const parts = combine === 'concat' ? [h, ...branches] : branches;
  if (parts.length === 1) return parts[0];
  return tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply(parts) as tf.SymbolicTensor;
}

/** Options of {@link morphCnn}. */
export interface MorphCnnOptions {
  /**
   * The network after the block: maps the block's output to logits `[batch, numClasses]`, e.g.
   * the layers of the default CNN applied to `h`. Required.
   */
  backbone: (h: tf.SymbolicTensor) => tf.SymbolicTensor;
  /** The learned morphology block. @default {} (see {@link MorphBlockOptions}) */
  block?: MorphBlockOptions;
  /** Model name. @default 'specmorph_morph_cnn' */
  name?: string;
}

/**
 * A model with a learned morphology block in front of `opts.backbone`: input
 * `[rows, cols, channels]` (NHWC; a spectrogram Grid is `[frequency, time, 1]`), output whatever
 * the backbone returns (logits for specmorph's architectures).
 */
export function morphCnn(inputShape: readonly number[], opts: MorphCnnOptions): tf.LayersModel {
  assert(inputShape.length === 3, () => `inputShape=[${inputShape}] must be [rows, cols, channels]`);
  inputShape.forEach((d, i) => assertPositiveInt(d, `inputShape[${i}]`));
  if (typeof opts?.backbone !== 'function')
    throw new ParameterError('backbone must be a function (h: SymbolicTensor) => SymbolicTensor');
  const input = tf.input({ shape: [...inputShape] });
  const out = opts.backbone(morphBlock(input, opts.block));
  return tf.model({ inputs: input, outputs: out, name: opts.name ?? 'specmorph_morph_cnn' });
}
