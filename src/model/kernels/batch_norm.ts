// Training-mode batch normalisation as two fused kernels (statistics + normalisation, and the whole
// gradient) for the wasm backend, and the BatchNormalization layer that uses them.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapKernels } from './heap_simd';
import { allocF32, heapAddress, heapF32, release } from './wasm_heap';

/** Kernel names; not tfjs's (these kernels exist only where specmorph registers them). */
export const BATCH_NORM_TRAINING = 'SpecmorphBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'SpecmorphBatchNormTrainingGrad';

/**
 * Pixels per block of the loops below: each block (block x channels floats, 64 KiB at 16 channels)
 * is swept once per channel with a scalar accumulator (the SIMD passes: once per 4-channel column)
 * while it sits in cache, which V8 runs about twice as fast as one sweep updating a per-channel
 * array at every element.
 */
const BLOCK = 1024;

/**
 * Forward pass over `x` viewed as [n, c] (channels last): per channel the batch mean and biased
 * variance (float64 accumulators, two passes, as tfjs's `moments`), then
 * `y = (x - mean) / sqrt(variance + epsilon) * gamma + beta`.
 */
export function batchNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const c = gamma.length;
  const len = x.length;
  const n = len / c;
  const step = BLOCK * c;
  const sum = new Float64Array(c);
  for (let o = 0; o < len; o += step) {
    const end = Math.min(len, o + step);
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let i = o + k; i < end; i += c) s += x[i];
      sum[k] += s;
    }
  }
  const m = Float64Array.from(sum, (s) => s / n);
  const sq = new Float64Array(c);
  for (let o = 0; o < len; o += step) {
    const end = Math.min(len, o + step);
    for (let k = 0; k < c; k++) {
      const mk = m[k];
      let s = 0;
      for (let i = o + k; i < end; i += c) {
        const d = x[i] - mk;
        s += d * d;
      }
      sq[k] += s;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    mean[k] = m[k];
    variance[k] = sq[k] / n;
    scale[k] = gamma[k] / Math.sqrt(sq[k] / n + epsilon);
    shift[k] = beta[k] - m[k] * scale[k];
  }
  affine(x, scale, shift, y);
}

/** `y = x * scale + shift` per channel (the last axis, `scale.length` wide), blocked as above. */
function affine(x: Float32Array, scale: Float64Array, shift: Float64Array, y: Float32Array): void {
  const c = scale.length;
  const len = x.length;
  const step = BLOCK * c;
  for (let o = 0; o < len; o += step) {
    const end = Math.min(len, o + step);
    for (let k = 0; k < c; k++) {
      const a = scale[k];
      const b = shift[k];
      for (let i = o + k; i < end; i += c) y[i] = x[i] * a + b;
    }
  }
}

/**
 * The gradient of {@link batchNormForward}'s `y` with respect to `x`, `gamma` and `beta`, through
 * the batch statistics too (Ioffe & Szegedy 2015): with `xhat = (x - mean) * r`,
 * `r = 1 / sqrt(variance + epsilon)`, per channel `dbeta = sum dy`, `dgamma = sum dy * xhat` and
 * `dx = gamma * r * (dy - dbeta / n - xhat * dgamma / n)`. One pass for the sums, one for dx.
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const c = gamma.length;
  const len = x.length;
  const n = len / c;
  const step = BLOCK * c;
  const sumDy = new Float64Array(c);
  const sumDyXm = new Float64Array(c);
  for (let o = 0; o < len; o += step) {
    const end = Math.min(len, o + step);
    for (let k = 0; k < c; k++) {
      const mk = mean[k];
      let s = 0;
      let t = 0;
      for (let i = o + k; i < end; i += c) {
        const g = dy[i];
        s += g;
        t += g * (x[i] - mk);
      }
      sumDy[k] += s;
      sumDyXm[k] += t;
    }
  }
  // dx = a * dy + b * x + d per channel.
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const d = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const r = 1 / Math.sqrt(variance[k] + epsilon);
    dbeta[k] = sumDy[k];
    dgamma[k] = sumDyXm[k] * r;
    a[k] = gamma[k] * r;
    b[k] = (-a[k] * r * r * sumDyXm[k]) / n;
    d[k] = (-a[k] * sumDy[k]) / n - b[k] * mean[k];
  }
  for (let o = 0; o < len; o += step) {
    const end = Math.min(len, o + step);
    for (let k = 0; k < c; k++) {
      const ak = a[k];
      const bk = b[k];
      const dk = d[k];
      for (let i = o + k; i < end; i += c) dx[i] = ak * dy[i] + bk * x[i] + dk;
    }
  }
}

/**
 * Scratch on the wasm heap for the SIMD passes over c channels (c a multiple of 4): c float64
 * means, then per 4-channel group 8 float64 sums (two sets of 4), then per group 4 f32x4
 * parameters. Returns its tensor, its byte address and float64/float32 views (take them, as every
 * heap view, after the caller's last allocation).
 */
function scratch(backend: BackendWasm, c: number) {
  const t = allocF32(backend, [10 * c]);
  return {
    t,
    at: heapAddress(backend, t),
    views: () => {
      const h = heapF32(backend, t);
      return {
        f64: new Float64Array(h.buffer, h.byteOffset, 3 * c),
        f32: new Float32Array(h.buffer, h.byteOffset + 24 * c, 4 * c),
      };
    },
  };
}

/**
 * {@link batchNormForward} on the heap by the SIMD passes of heap_simd.ts, for c a multiple of 4:
 * the same float64 two-pass statistics, then y = (x - mean) * scale + beta in float32.
 */
function batchNormForwardSimd(
  backend: BackendWasm,
  x: tf.TensorInfo,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  y: tf.TensorInfo,
  mean: Float32Array,
  variance: Float32Array,
  s: ReturnType<typeof scratch>,
): void {
  const c = gamma.length;
  const k = heapKernels(backend);
  const n = x.shape.reduce((a, b) => a * b, 1) / c;
  const [xAt, yAt] = [heapAddress(backend, x), heapAddress(backend, y)];
  const { f64, f32 } = s.views();
  const meanAt = s.at;
  const accAt = s.at + 8 * c;
  const pAt = s.at + 24 * c;
  f64.fill(0);
  const columns = (pass: (o: number, rows: number, g: number) => void) => {
    for (let o = 0; o < n; o += BLOCK) for (let g = 0; g < c / 4; g++) pass(o, Math.min(BLOCK, n - o), g);
  };
  columns((o, rows, g) => k.bnSum(xAt + (o * c + 4 * g) * 4, rows, c * 4, accAt + 64 * g));
  for (let ch = 0; ch < c; ch++) f64[ch] = f64[c + 8 * (ch >> 2) + (ch & 3)] / n;
  columns((o, rows, g) => k.bnSqDev(xAt + (o * c + 4 * g) * 4, rows, c * 4, meanAt + 32 * g, accAt + 64 * g + 32));
  for (let ch = 0; ch < c; ch++) {
    const v = f64[c + 8 * (ch >> 2) + 4 + (ch & 3)] / n;
    mean[ch] = f64[ch];
    variance[ch] = v;
    const q = 16 * (ch >> 2) + (ch & 3);
    f32[q] = f64[ch];
    f32[q + 4] = gamma[ch] / Math.sqrt(v + epsilon);
    f32[q + 8] = beta[ch];
  }
  columns((o, rows, g) => k.bnAffine(xAt + (o * c + 4 * g) * 4, yAt + (o * c + 4 * g) * 4, rows, c * 4, pAt + 64 * g));
}

/**
 * {@link batchNormBackward} on the heap by the SIMD passes, for c a multiple of 4: float64 sums,
 * then dx = a * dy + b * (x - mean) + d in float32.
 */
function batchNormBackwardSimd(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  dx: tf.TensorInfo,
  dgamma: Float32Array,
  dbeta: Float32Array,
  s: ReturnType<typeof scratch>,
): void {
  const c = gamma.length;
  const k = heapKernels(backend);
  const n = x.shape.reduce((a, b) => a * b, 1) / c;
  const [dyAt, xAt, dxAt] = [dy, x, dx].map((t) => heapAddress(backend, t));
  const { f64, f32 } = s.views();
  const accAt = s.at + 8 * c;
  const pAt = s.at + 24 * c;
  f64.fill(0);
  for (let ch = 0; ch < c; ch++) f64[ch] = mean[ch];
  const columns = (pass: (at: number, rows: number, g: number) => void) => {
    for (let o = 0; o < n; o += BLOCK)
      for (let g = 0; g < c / 4; g++) pass((o * c + 4 * g) * 4, Math.min(BLOCK, n - o), g);
  };
  columns((at, rows, g) => k.bnGradSums(dyAt + at, xAt + at, rows, c * 4, s.at + 32 * g, accAt + 64 * g));
  for (let ch = 0; ch < c; ch++) {
    const sumDy = f64[c + 8 * (ch >> 2) + (ch & 3)];
    const sumDyXm = f64[c + 8 * (ch >> 2) + 4 + (ch & 3)];
    const r = 1 / Math.sqrt(variance[ch] + epsilon);
    const a = gamma[ch] * r;
    dbeta[ch] = sumDy;
    dgamma[ch] = sumDyXm * r;
    const q = 16 * (ch >> 2) + (ch & 3);
    f32[q] = mean[ch];
    f32[q + 4] = a;
    f32[q + 8] = (-a * r * r * sumDyXm) / n;
    f32[q + 12] = (-a * sumDy) / n;
  }
  columns((at, rows, g) => k.bnGradDx(dyAt + at, xAt + at, dxAt + at, rows, c * 4, pAt + 64 * g));
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

function channels(x: tf.TensorInfo, gamma: tf.TensorInfo): number {
  const c = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== c)
    throw new Error(`${BATCH_NORM_TRAINING}: gamma of shape [${gamma.shape}] must be [${c}] (x is [${x.shape}])`);
  return c;
}

/** Outputs: y, mean, variance. SIMD passes on the heap for a multiple of 4 channels, JS loops otherwise. */
function forward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const c = channels(x, gamma);
  const outs = [
    backend.makeOutput([...x.shape], 'float32'),
    backend.makeOutput([c], 'float32'),
    backend.makeOutput([c], 'float32'),
  ];
  const simd = c % 4 === 0 ? scratch(backend, c) : null;
  // Views only after every allocation (heapF32's rule).
  const [y, mean, variance] = outs.map((t) => heapF32(backend, t));
  const h = (t: tf.TensorInfo) => heapF32(backend, t);
  const { epsilon } = attrs as { epsilon: number };
  if (simd) {
    batchNormForwardSimd(backend, x, h(gamma), h(beta), epsilon, outs[0], mean, variance, simd);
    release(backend, simd.t);
  } else {
    batchNormForward(h(x), h(gamma), h(beta), epsilon, y, mean, variance);
  }
  return outs;
}

/** Outputs: dx, dgamma, dbeta. SIMD passes for a multiple of 4 channels, JS loops otherwise. */
function backward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, gamma, mean, variance } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
  const c = channels(x, gamma);
  const outs = [
    backend.makeOutput([...x.shape], 'float32'),
    backend.makeOutput([c], 'float32'),
    backend.makeOutput([c], 'float32'),
  ];
  const simd = c % 4 === 0 ? scratch(backend, c) : null;
  const [dx, dgamma, dbeta] = outs.map((t) => heapF32(backend, t));
  const h = (t: tf.TensorInfo) => heapF32(backend, t);
  const { epsilon } = attrs as { epsilon: number };
  if (simd) {
    batchNormBackwardSimd(backend, dy, x, h(gamma), h(mean), h(variance), epsilon, outs[0], dgamma, dbeta, simd);
    release(backend, simd.t);
    return outs;
  }
  batchNormBackward(h(dy), h(x), h(gamma), h(mean), h(variance), epsilon, dx, dgamma, dbeta);
  return outs;
}

/**
 * The two kernels for the wasm backend. Not for cpu: tfjs's composite ops there stay the reference
 * the fused path is tested against.
 */
export const batchNormTrainingConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: 'wasm',
  kernelFunc: forward as unknown as tf.KernelFunc,
};
export const batchNormTrainingGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: 'wasm',
  kernelFunc: backward as unknown as tf.KernelFunc,
};

/**
 * tfjs's `FusedBatchNorm` (inference-mode batch norm with the running statistics, as `predict`
 * runs it) for float32 on wasm when every statistic is per channel (last axis) or a scalar:
 * `y = x * a + b` with `a = scale / sqrt(variance + epsilon)`, `b = offset - mean * a` per channel
 * in float64. Upstream indexes every statistic with a modulo per element (measured: 40 % of a
 * prediction of the default detector). Other cases go to `upstream`.
 */
export function makeFusedBatchNormConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { backend } = args;
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const c = x!.shape[x!.shape.length - 1] ?? 1;
    const size = (t: tf.TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    const fits = (t: tf.TensorInfo | undefined) => t == null || (t.dtype === 'float32' && [1, c].includes(size(t)));
    if (x!.dtype !== 'float32' || size(x!) === 0 || ![mean, variance, offset, scale].every(fits)) {
      if (!upstream) throw new Error('FusedBatchNorm on wasm: no upstream kernel for this configuration');
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const out = backend.makeOutput([...x!.shape], 'float32');
    const at = (t: tf.TensorInfo | undefined, fallback: number) => {
      if (t == null) return () => fallback;
      const v = heapF32(backend, t);
      return v.length === 1 ? () => v[0] : (k: number) => v[k];
    };
    const [m, v, o, g] = [at(mean, 0), at(variance, 1), at(offset, 0), at(scale, 1)];
    const epsilon = (args.attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon;
    const a = new Float64Array(c);
    const b = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      a[k] = g(k) / Math.sqrt(v(k) + epsilon);
      b[k] = o(k) - m(k) * a[k];
    }
    affine(heapF32(backend, x!), a, b, heapF32(backend, out));
    return out;
  };
  return { kernelName: 'FusedBatchNorm', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Training-mode batch normalisation of `x` (channels last) with its batch statistics: returns the
 * normalised `y` and the batch `mean` and biased `variance` per channel (for the running averages;
 * they carry no gradient). On wasm (registerWasmTrainingKernels) the forward pass is one kernel and
 * the gradient another: two passes over x and dy instead of tfjs's ~20 full-size elementwise and
 * reduction ops through `moments` and `FusedBatchNorm`'s gradient. Elsewhere (cpu, tfjs-node) it
 * is tfjs's own `moments` + `batchNorm`.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const backend = tf.getBackend();
  if (!tf.getKernel(BATCH_NORM_TRAINING, backend) || !tf.getKernel(BATCH_NORM_TRAINING_GRAD, backend)) {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return {
      y: tf.batchNorm(x, mean, variance, beta, gamma, epsilon),
      mean: mean as tf.Tensor1D,
      variance: variance as tf.Tensor1D,
    };
  }
  let stats: [tf.Tensor1D, tf.Tensor1D] | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING, { x: xIn, gamma: gammaIn, beta: betaIn }, { epsilon }) as tf.Tensor[];
    // customGrad runs this inside a tidy that keeps only `value`: keep the statistics for the caller.
    stats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
    save([xIn, gammaIn, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, g, m, v] = saved;
        return tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAINING_GRAD,
            { dy: dy as tf.Tensor, x: xs, gamma: g, mean: m, variance: v },
            { epsilon },
          ) as tf.Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta) as tf.Tensor;
  const [keptMean, keptVariance] = stats!;
  // Clones are tracked by the caller's tidy again (tf.keep took the originals out of every scope).
  const mean = tf.clone(keptMean);
  const variance = tf.clone(keptVariance);
  tf.dispose([keptMean, keptVariance]);
  return { y, mean, variance };
}

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;

/**
 * tfjs-layers' BatchNormalization class as registered for deserialisation (the class the loaded
 * bundle uses; importing its dist module would load a second copy).
 */
const TfBatchNormalization = tf.serialization.SerializationMap.getMap().classNameMap
  .BatchNormalization[0] as unknown as new (
  args?: BatchNormArgs,
) => tf.layers.Layer;

/** The private fields of tfjs's layer that the training path reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/**
 * tfjs-layers' `BatchNormalization` (same class name, config, weights and inference path: saved
 * models are unchanged and load into this class), whose training path normalises over the last
 * axis with {@link batchNormTraining}'s fused kernels and updates the running averages as tfjs does
 * (`moving -= (moving - batch) * (1 - momentum)`). Other axes, or `center`/`scale` off, go to
 * tfjs's own training path.
 */
export class BatchNormalization extends TfBatchNormalization {
  static readonly className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as BatchNormFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const axis = f.axis >= 0 ? f.axis : f.axis + x.rank;
    if (!kwargs.training || axis !== x.rank - 1 || !f.center || !f.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(
        x,
        f.gamma.read() as tf.Tensor1D,
        f.beta.read() as tf.Tensor1D,
        f.epsilon,
      );
      for (const [variable, value] of [
        [f.movingMean, mean],
        [f.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const old = variable.read();
          variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - f.momentum)));
        });
      }
      return y;
    });
  }
}
tf.serialization.registerClass(
  BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>,
);

/** A {@link BatchNormalization} layer (the drop-in for `tf.layers.batchNormalization`). */
export function batchNormalization(args: BatchNormArgs): BatchNormalization {
  return new BatchNormalization(args);
}
