// A tfjs Layers layer of grey-level morphology with trainable structuring functions (max-plus).
import * as tf from './tf';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { ParameterError, assert, assertPositiveInt } from '../errors';
import { type Grid, checkGrid, withData } from '../grid/grid';
import type { Footprint } from '../morphology/footprint';
import { type FootprintSpec, MORPHOLOGY_OPS, type MorphologyOp } from '../pipeline/config';
import { footprintFromSpec } from '../pipeline/footprintSpec';
import { Random } from '../random';

/**
 * Value of a structuring function outside its support (where a flat footprint has zeros): large
 * and negative, so `f + MORPH_OUTSIDE` never wins a max for inputs spanning less than 1e9, yet
 * finite, because tfjs's cpu backend floors every max at -2^53 and optimisers must never see
 * -Infinity. These entries get no gradient (they never win), so the support stays put in training.
 */
export const MORPH_OUTSIDE = -1e9;

/** Largest structuring-element side the layer accepts. */
const MAX_SIDE = 15;

/** Random non-flat initial structuring function of a rows x cols window (both odd). */
export interface RandomStructureSpec {
  shape: 'random';
  rows: number;
  cols: number;
  /** Standard deviation of the normal heights, in input units. @default 0.1 */
  std?: number;
}

/** Options of {@link MorphLayer} / {@link morphLayer}. */
export interface MorphLayerOptions {
  /**
   * Operator, named and defined as specmorph's grey-level operators (`erode`, `dilate`, `opening`,
   * `closing`, `whiteTopHat`, `blackTopHat`, `morphologicalGradient`), with each channel's learned
   * structuring function in place of the flat footprint. @default 'dilate'
   */
  operation?: MorphologyOp;
  /**
   * Initial structuring function, the same for every channel: a footprint as in pipeline configs
   * (flat: 0 on the footprint, {@link MORPH_OUTSIDE} off it; rows and cols odd, at most 15, and the
   * footprint must contain its centre), or `{shape: 'random', rows, cols, std}` (non-flat: normal
   * heights drawn from `seed`, a different draw per channel, over the whole window).
   * @default {shape: 'rect', rows: 3, cols: 3}
   */
  init?: FootprintSpec | RandomStructureSpec;
  /**
   * Structuring functions per input channel: output channel `k` applies function `k` to input
   * channel `k mod inChannels` (the input is tiled along channels), so a 1-channel spectrogram
   * with `depthMultiplier: 4` gives 4 learned operators of the same image. @default 1
   */
  depthMultiplier?: number;
  /** Seed of the random initialisation (unused by footprint initialisations). @default 0 */
  seed?: number;
  /** Learn the structuring functions; `false` freezes them at their initial values. @default true */
  trainable?: boolean;
  /** Layer name, unique within a model. @default tfjs's automatic `morph_layer_N` */
  name?: string;
}

/** Options after defaults, as stored in the layer config (JSON). */
interface ResolvedOptions {
  operation: MorphologyOp;
  init: FootprintSpec | RandomStructureSpec;
  depthMultiplier: number;
  seed: number;
}

function resolve(
  opts: MorphLayerOptions,
): ResolvedOptions & { rows: number; cols: number; footprint: Footprint | null } {
  const { operation = 'dilate', init = { shape: 'rect', rows: 3, cols: 3 }, depthMultiplier = 1, seed = 0 } = opts;
  assert(
    (MORPHOLOGY_OPS as readonly string[]).includes(operation),
    () => `operation=${JSON.stringify(operation)} must be one of ${MORPHOLOGY_OPS.map((o) => `'${o}'`).join(', ')}`,
  );
  assertPositiveInt(depthMultiplier, 'depthMultiplier');
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  assert(
    init !== null && typeof init === 'object',
    () => `init=${JSON.stringify(init)} must be a footprint spec or {shape: 'random', rows, cols}`,
  );
  let rows: number;
  let cols: number;
  let footprint: Footprint | null = null;
  if (init.shape === 'random') {
    ({ rows, cols } = init);
    const std = init.std ?? 0.1;
    assert(Number.isFinite(std) && std >= 0, () => `init.std=${std} must be a finite number >= 0`);
  } else {
    footprint = footprintFromSpec(init);
    ({ rows, cols } = footprint);
  }
  for (const [side, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    // tf.dilation2d's 'same' padding centres odd windows only; specmorph's anchor is floor(n/2).
    assert(
      Number.isInteger(v) && v >= 1 && v <= MAX_SIDE && v % 2 === 1,
      () => `init ${side}=${v} must be an odd integer in [1, ${MAX_SIDE}] (the anchor is the centre)`,
    );
  }
  if (footprint) {
    assert(
      footprint.mask[footprint.anchorRow * cols + footprint.anchorCol] === 1,
      () =>
        `init footprint ${JSON.stringify(init)} must contain its centre (else a border pixel can have no neighbour)`,
    );
  }
  return { operation, init, depthMultiplier, seed, rows, cols, footprint };
}

/**
 * Initial structuring functions `[rows, cols, channels]` (see {@link MorphLayerOptions.init}),
 * values in structuring-element coordinates: entry (i, j) is the height at offset
 * (i - floor(rows/2), j - floor(cols/2)) from the anchor.
 */
export function initialStructure(opts: MorphLayerOptions, channels: number): tf.Tensor3D {
  assertPositiveInt(channels, 'channels');
  const r = resolve(opts);
  const n = r.rows * r.cols;
  const data = new Float32Array(n * channels);
  if (r.footprint) {
    for (let p = 0; p < n; p++) data.fill(r.footprint.mask[p] ? 0 : MORPH_OUTSIDE, p * channels, (p + 1) * channels);
  } else {
    const std = (r.init as RandomStructureSpec).std ?? 0.1;
    const rng = new Random(r.seed);
    for (let k = 0; k < channels; k++) for (let p = 0; p < n; p++) data[p * channels + k] = std * rng.normal();
  }
  return tf.tensor3d(data, [r.rows, r.cols, channels]);
}

/** Soille dilation: out(p) = max over b of f(p - b) + w(b); tf.dilation2d does not reflect, so we do. */
function dilateT(x: tf.Tensor4D, w: tf.Tensor3D): tf.Tensor4D {
  return tf.dilation2d(x, tf.reverse(w, [0, 1]), 1, 'same');
}

/** Soille erosion: out(p) = min over b of f(p + b) - w(b) = -(max over b of -f(p + b) + w(b)). */
function erodeT(x: tf.Tensor4D, w: tf.Tensor3D): tf.Tensor4D {
  return tf.neg(tf.dilation2d(tf.neg(x), w, 1, 'same'));
}

const OPERATIONS: Record<MorphologyOp, (x: tf.Tensor4D, w: tf.Tensor3D) => tf.Tensor4D> = {
  dilate: dilateT,
  erode: erodeT,
  opening: (x, w) => dilateT(erodeT(x, w), w),
  closing: (x, w) => erodeT(dilateT(x, w), w),
  whiteTopHat: (x, w) => tf.sub(x, dilateT(erodeT(x, w), w)),
  blackTopHat: (x, w) => tf.sub(erodeT(dilateT(x, w), w), x),
  morphologicalGradient: (x, w) => tf.sub(dilateT(x, w), erodeT(x, w)),
};

/**
 * Grey-level morphology with one structuring function per channel: `x` `[batch, rows, cols, C]`
 * (NHWC), `structure` `[sRows, sCols, C]` (odd sides, structuring-element coordinates as
 * {@link initialStructure}), output the same shape as `x`. Differentiable in both (max-plus
 * subgradients: each output's gradient goes to the arg-max, first in row-major order on ties).
 *
 * Notes: Soille's non-flat operators, `dilate(f)(p) = max_b f(p - b) + w(b)`,
 * `erode(f)(p) = min_b f(p + b) - w(b)`, opening = dilate(erode), closing = erode(dilate); with
 * w = 0 on a footprint and {@link MORPH_OUTSIDE} off it they are specmorph's flat operators with
 * `border: 'ignore'` (pixels beyond the edge take no part: tf.dilation2d's 'same' padding).
 */
export function maxPlusMorphology(x: tf.Tensor4D, structure: tf.Tensor3D, operation: MorphologyOp): tf.Tensor4D {
  const op = OPERATIONS[operation];
  if (!op)
    throw new ParameterError(
      `operation=${JSON.stringify(operation)} must be one of ${MORPHOLOGY_OPS.map((o) => `'${o}'`).join(', ')}`,
    );
  assert(x.rank === 4, () => `x must be [batch, rows, cols, channels], got shape [${x.shape}]`);
  assert(
    structure.rank === 3 && structure.shape[2] === x.shape[3],
    () => `structure shape [${structure.shape}] must be [rows, cols, ${x.shape[3]}] for x of shape [${x.shape}]`,
  );
  assert(
    structure.shape[0] % 2 === 1 && structure.shape[1] % 2 === 1,
    () => `structure shape [${structure.shape}] must have odd rows and cols`,
  );
  return tf.tidy(() => op(x, structure));
}

/**
 * Learned grey-level morphology (morphological neural networks: Mondal et al. 2019, Franchi et al.
 * 2020): applies {@link MorphLayerOptions.operation} to every channel with its own trainable
 * structuring function (weight `structure`, `[rows, cols, inChannels * depthMultiplier]`).
 * Input `[batch, rows, cols, inChannels]` (NHWC; a spectrogram is `[frequency, time, 1]`), output
 * `[batch, rows, cols, inChannels * depthMultiplier]`. Registered with tfjs serialisation, so
 * models containing it save and load (`saveModel` / `loadModel`, `tf.loadLayersModel`).
 *
 * Notes: see {@link maxPlusMorphology} for the exact definitions. Don't put a weight regulariser on the
 * structure: its off-support entries are {@link MORPH_OUTSIDE} by design.
 */
export class MorphLayer extends tf.layers.Layer {
  static readonly className = 'MorphLayer';
  private readonly options: ResolvedOptions;
  private structure: tf.LayerVariable | null = null;

  /** `opts` may also carry tfjs `LayerArgs` (`inputShape`, `dtype`, ...), as a saved config does. */
  constructor(opts: MorphLayerOptions & LayerArgs = {}) {
    const { operation: _o, init: _i, depthMultiplier: _d, seed: _s, ...layerArgs } = opts;
    super({ ...layerArgs, trainable: opts.trainable ?? true });
    const { operation, init, depthMultiplier, seed } = resolve(opts);
    this.options = { operation, init, depthMultiplier, seed };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    assert(s.length === 4, () => `MorphLayer input must be [batch, rows, cols, channels], got [${s}]`);
    const c = s[3];
    assert(c != null && c > 0, () => `MorphLayer input channels must be known, got [${s}]`);
    const channels = c * this.options.depthMultiplier;
    const init = initialStructure(this.options, channels);
    // The initialiser only allocates; the values come from our (seeded, footprint-aware) init.
    this.structure = this.addWeight(
      'structure',
      init.shape,
      'float32',
      tf.initializers.zeros(),
      undefined,
      this.trainable,
    );
    this.structure.write(init);
    init.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = s[3];
    return [s[0], s[1], s[2], c == null ? null : c * this.options.depthMultiplier];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const m = this.options.depthMultiplier;
      if (m > 1) x = tf.tile(x, [1, 1, 1, m]);
      return maxPlusMorphology(x, this.structure!.read() as tf.Tensor3D, this.options.operation);
    });
  }

  /** The operator this layer applies. */
  get operation(): MorphologyOp {
    return this.options.operation;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { operation, init, depthMultiplier, seed } = this.options;
    return {
      ...super.getConfig(),
      operation,
      init: init as unknown as tf.serialization.ConfigDict,
      depthMultiplier,
      seed,
    };
  }
}
tf.serialization.registerClass(MorphLayer);

/** A {@link MorphLayer} (factory in the style of `tf.layers.*`). */
export function morphLayer(opts: MorphLayerOptions & LayerArgs = {}): MorphLayer {
  return new MorphLayer(opts);
}

/** A MorphLayer's structuring functions at one moment, as plain data (for figures and logs). */
export interface StructureSnapshot {
  /** Layer name. */
  name: string;
  operation: MorphologyOp;
  rows: number;
  cols: number;
  channels: number;
  /** `[rows, cols, channels]` row-major (channels innermost), structuring-element coordinates. */
  values: Float32Array;
}

/** Copies `layer`'s current structuring functions (the layer must be built). */
export function structureSnapshot(layer: MorphLayer): StructureSnapshot {
  const w = layer.getWeights()[0];
  if (!w) throw new ParameterError(`layer '${layer.name}' is not built yet (apply it to an input first)`);
  const [rows, cols, channels] = w.shape;
  return {
    name: layer.name,
    operation: layer.operation,
    rows,
    cols,
    channels,
    values: Float32Array.from(w.dataSync()),
  };
}

/** The MorphLayers of `model`, in layer order (nested models included). */
export function morphLayers(model: tf.LayersModel): MorphLayer[] {
  const out: MorphLayer[] = [];
  const walk = (layers: tf.layers.Layer[]) => {
    for (const l of layers) {
      if (l instanceof MorphLayer) out.push(l);
      else if (l instanceof tf.LayersModel) walk(l.layers);
    }
  };
  walk(model.layers);
  return out;
}

/**
 * Applies a MorphLayer with one input channel (an unbuilt layer is built for one) to a grid (a
 * spectrogram: frequency x time) and returns one grid per output channel, Spectrogram metadata kept.
 */
export function applyMorphLayer<G extends Grid>(layer: MorphLayer, g: G): G[] {
  checkGrid(g, 'grid');
  const m = layer.getConfig().depthMultiplier as number;
  const built = layer.getWeights()[0];
  assert(
    !built || built.shape[2] === m,
    () => `layer '${layer.name}' takes ${(built!.shape[2] as number) / m} input channels; a grid is one channel`,
  );
  // Applying builds an unbuilt layer for one input channel.
  const data = tf.tidy(() => (layer.apply(tf.tensor4d(g.data, [1, g.rows, g.cols, 1])) as tf.Tensor).dataSync());
  const n = g.rows * g.cols;
  return Array.from({ length: m }, (_, k) => {
    const out = new Float32Array(n);
    for (let p = 0; p < n; p++) out[p] = data[p * m + k];
    return withData(g, out);
  });
}
