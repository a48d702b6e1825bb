// The LFCC-GMM as a layer of a tfjs detector: the ASVspoof 2019 baseline's score, computed in the graph.
import * as tf from './tf';
import { assert, assertPositiveInt } from '../errors';
import type { Gmm, GmmDetector } from './gmm';

/** Rows of the pipeline's `lfcc` option (20 LFCC, deltas, double deltas) that a {@link GmmScore} reads. */
export const LFCC_ROWS = 60;

const CLASSES = ['bonafide', 'spoof'] as const;

/**
 * The log-likelihood ratio of two diagonal GMMs (bona fide, spoof) over the frames of a window:
 * input `[batch, dims, frames, 1]` (cepstral rows x frames, as a pipeline's `lfcc` rows), output
 * `[batch, 1]` = mean over frames of `log p(x | bona fide) - log p(x | spoof)`, the
 * {@link scoreGmmDetector} score. Non-trainable weights, set by {@link setGmmScore} from a fitted
 * {@link GmmDetector} (until then every frame scores 0).
 *
 * Notes: each frame is standardised per dimension first (`center`, `inv_scale`: the training frames'
 * mean and spread) and the mixtures are expressed in those units, so the quadratic expansion
 * `x'^2 A + x' B + C` that turns the densities into two matrix products stays well conditioned in
 * float32; the log-determinant of the standardisation is the same for both classes and cancels.
 */
export class GmmScore extends tf.layers.Layer {
  static readonly className = 'GmmScore';
  private readonly components: number;
  private readonly dims: number;
  private center: tf.LayerVariable | null = null;
  private invScale: tf.LayerVariable | null = null;
  private readonly terms: { a: tf.LayerVariable; b: tf.LayerVariable; c: tf.LayerVariable }[] = [];

  constructor(args: { components: number; dims: number; name?: string }) {
    super(args);
    assertPositiveInt(args.components, 'components');
    assertPositiveInt(args.dims, 'dims');
    this.components = args.components;
    this.dims = args.dims;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = inputShape as tf.Shape;
    assert(s[1] === this.dims, () => `GmmScore dims=${this.dims} must equal the input's ${s[1]} rows`);
    const zeros = tf.initializers.zeros();
    const [D, K] = [this.dims, this.components];
    this.center = this.addWeight('center', [D], 'float32', zeros, undefined, false);
    this.invScale = this.addWeight('inv_scale', [D], 'float32', tf.initializers.ones(), undefined, false);
    for (const cls of CLASSES) {
      this.terms.push({
        a: this.addWeight(`${cls}_a`, [D, K], 'float32', zeros, undefined, false),
        b: this.addWeight(`${cls}_b`, [D, K], 'float32', zeros, undefined, false),
        c: this.addWeight(`${cls}_c`, [K], 'float32', zeros, undefined, false),
      });
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [batch, dims, frames] = x.shape as number[];
      assert(dims === this.dims, () => `GmmScore input has ${dims} rows; it takes ${this.dims}`);
      const f = tf.reshape(tf.transpose(tf.reshape(x, [batch, dims, frames]), [0, 2, 1]), [batch * frames, dims]);
      const z = tf.mul(tf.sub(f, this.center!.read()), this.invScale!.read()) as tf.Tensor2D;
      const z2 = tf.square(z) as tf.Tensor2D;
      const [bonafide, spoof] = this.terms.map(({ a, b, c }) =>
        tf.logSumExp(
          tf.add(tf.add(tf.matMul(z2, a.read() as tf.Tensor2D), tf.matMul(z, b.read() as tf.Tensor2D)), c.read()),
          1,
        ),
      );
      return tf.mean(tf.reshape(tf.sub(bonafide, spoof), [batch, frames]), 1, true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), components: this.components, dims: this.dims };
  }
}
tf.serialization.registerClass(GmmScore);

/**
 * Sets a {@link GmmScore} layer from a fitted detector: its two mixtures must have the layer's
 * components and dims. The standardisation is the component-weighted mean and spread of both
 * mixtures together (what their training frames had).
 */
export function setGmmScore(layer: GmmScore, detector: GmmDetector): void {
  const weights = layer.getWeights();
  assert(weights.length === 8, () => `${layer.name}: build the layer (apply it to an input) before setting it`);
  const [D, K] = weights[2].shape as [number, number];
  const mixtures = [detector.bonafide, detector.spoof];
  mixtures.forEach((g, i) =>
    assert(
      g.dims === D && g.nComponents === K,
      () =>
        `detector.${CLASSES[i]} has ${g.nComponents} components of ${g.dims} dims; ${layer.name} takes ${K} of ${D}`,
    ),
  );
  // Mean and variance of the two mixtures as one distribution (each class weighted 1/2).
  const center = new Float64Array(D);
  const spread = new Float64Array(D);
  for (const g of mixtures)
    for (let k = 0; k < K; k++)
      for (let d = 0; d < D; d++) {
        const m = g.means[k * D + d];
        center[d] += (g.weights[k] * m) / 2;
        spread[d] += (g.weights[k] * (g.variances[k * D + d] + m * m)) / 2;
      }
  const scale = Float64Array.from(center, (m, d) => Math.sqrt(Math.max(spread[d] - m * m, 1e-12)));
  const values: tf.Tensor[] = [
    tf.tensor1d(Float32Array.from(center)),
    tf.tensor1d(Float32Array.from(scale, (s) => 1 / s)),
  ];
  for (const g of mixtures) values.push(...expandedTerms(g, center, scale));
  layer.setWeights(values);
  tf.dispose(values);
}

/** `A = -1/(2 var')`, `B = mu' / var'`, `C = log w - (1/2) sum (log(2 pi var') + mu'^2 / var')` in standardised units. */
function expandedTerms(g: Gmm, center: Float64Array, scale: Float64Array): tf.Tensor[] {
  const { dims: D, nComponents: K } = g;
  const a = new Float32Array(D * K);
  const b = new Float32Array(D * K);
  const c = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let constant = Math.log(g.weights[k]);
    for (let d = 0; d < D; d++) {
      const mu = (g.means[k * D + d] - center[d]) / scale[d];
      const variance = g.variances[k * D + d] / (scale[d] * scale[d]);
      a[d * K + k] = -0.5 / variance;
      b[d * K + k] = mu / variance;
      constant -= 0.5 * (Math.log(2 * Math.PI * variance) + (mu * mu) / variance);
    }
    c[k] = constant;
  }
  return [tf.tensor2d(a, [D, K]), tf.tensor2d(b, [D, K]), tf.tensor1d(c)];
}
