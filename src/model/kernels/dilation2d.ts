// Dilation2D and its two gradients for the tfjs wasm backend, replacing upstream's (tfjs-backend-wasm
// 4.22), which start every max from std::numeric_limits<float>::min() (the smallest *positive*
// float, 1.2e-38) instead of the lowest one: every output below 1.2e-38 comes out as 1.2e-38 and
// the gradients of such windows all land on the window's first position. Morphology on dB
// spectrograms, and erosion as -dilation(-f), is all negative values, so upstream is unusable.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPlusSimd } from './maxplus_simd';
import { heapF32 } from './wasm_heap';

/** What one pass over the windows computes. */
// biome-ignore lint/suspicious/noConstEnum: file-local and never exported, so tsc and esbuild both inline it
const enum Pass {
  /** out[n, ho, wo, c] = max over the window of x + filter. */
  Forward,
  /** dx: dy routed to the input position of each window's arg-max. */
  BackpropInput,
  /** dFilter: dy routed to the filter position of each window's arg-max. */
  BackpropFilter,
}

/**
 * One pass over the max-plus windows (NHWC input, filter [fh, fw, C], depthwise). The max and
 * arg-max follow tfjs's cpu backend (and TensorFlow's C++ kernel) exactly: start from
 * `Number.MIN_SAFE_INTEGER`, keep the first strictly greater `x + filter` in row-major window order
 * (sums in float64), skip positions outside the image (so 'same' padding is -infinity). Ties,
 * frequent on flat structuring elements over clipped spectrograms, route the gradient the same way
 * on both backends. All channels of a window are handled together, channels innermost, as the
 * data is laid out.
 */
function dilationPass(
  pass: Pass,
  x: Float32Array,
  filter: Float32Array,
  dy: Float32Array | null,
  out: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: Ho,
    outWidth: Wo,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    filterHeight: fh,
    filterWidth: fw,
  } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (pass !== Pass.Forward) out.fill(0);
  const best = new Float64Array(C);
  const arg = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const h0 = ho * sh - pt;
      for (let wo = 0; wo < Wo; wo++) {
        const w0 = wo * sw - pl;
        best.fill(Number.MIN_SAFE_INTEGER);
        // Where the cpu backend sends the gradient when no value beats MIN_SAFE_INTEGER.
        arg.fill(pass === Pass.BackpropInput ? ((n * H + Math.max(h0, 0)) * W + Math.max(w0, 0)) * C : 0);
        for (let i = 0; i < fh; i++) {
          const hIn = h0 + i * dh;
          if (hIn < 0 || hIn >= H) continue;
          for (let j = 0; j < fw; j++) {
            const wIn = w0 + j * dw;
            if (wIn < 0 || wIn >= W) continue;
            const xb = ((n * H + hIn) * W + wIn) * C;
            const fb = (i * fw + j) * C;
            const at = pass === Pass.BackpropInput ? xb : fb;
            for (let c = 0; c < C; c++) {
              const v = x[xb + c] + filter[fb + c];
              if (v > best[c]) {
                best[c] = v;
                arg[c] = at;
              }
            }
          }
        }
        const o = ((n * Ho + ho) * Wo + wo) * C;
        if (pass === Pass.Forward) {
          for (let c = 0; c < C; c++) out[o + c] = best[c];
        } else {
          for (let c = 0; c < C; c++) out[arg[c] + c] += dy![o + c];
        }
      }
    }
  }
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

function run(pass: Pass, name: string, { inputs, backend, attrs }: Args): tf.TensorInfo {
  const { x, filter, dy } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; dy?: tf.TensorInfo };
  const { strides, pad, dilations } = attrs as unknown as tf.Dilation2DAttrs;
  for (const t of [x, filter, dy]) {
    if (t && t.dtype !== 'float32') throw new Error(`${name} on wasm: float32 tensors only, got ${t.dtype}`);
  }
  const info = tf.backend_util.computeDilation2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number],
    strides,
    pad,
    'NHWC',
    dilations,
  );
  const shape = pass === Pass.Forward ? info.outShape : pass === Pass.BackpropInput ? x.shape : filter.shape;
  const out = backend.makeOutput(shape, 'float32');
  // Views after the only allocation of this call (see heapF32).
  const xv = heapF32(backend, x);
  const fv = heapF32(backend, filter);
  const dyv = dy ? heapF32(backend, dy) : null;
  const ov = heapF32(backend, out);
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  if (strideHeight === 1 && strideWidth === 1 && dilationHeight === 1 && dilationWidth === 1) {
    const {
      batchSize: N,
      inHeight: H,
      inWidth: W,
      inChannels: C,
      outHeight: Ho,
      outWidth: Wo,
      filterHeight: fh,
      filterWidth: fw,
    } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const simdPass =
      pass === Pass.Forward ? 'forward' : pass === Pass.BackpropInput ? 'backpropInput' : 'backpropFilter';
    // Outputs no window value reached: the cpu backend's default routing (see dilationPass).
    const unrouted = (list: Int32Array) => {
      for (const o of list) {
        const c = o % C;
        const p = (o - c) / C;
        const wo = p % Wo;
        const ho = ((p - wo) / Wo) % Ho;
        const n = Math.floor(p / (Wo * Ho));
        const at =
          pass === Pass.BackpropInput ? ((n * H + Math.max(ho - pt, 0)) * W + Math.max(wo - pl, 0)) * C + c : c;
        ov[at] += dyv![o];
      }
    };
    if (maxPlusSimd(simdPass, { N, H, W, C, Ho, Wo, fh, fw, pt, pl }, xv, fv, dyv, ov, unrouted)) return out;
  }
  dilationPass(pass, xv, fv, dyv, ov, info);
  return out;
}

/** Kernel config for `tf.registerKernel` (replaces the upstream wasm Dilation2D). */
export const dilation2DConfig: tf.KernelConfig = {
  kernelName: 'Dilation2D',
  backendName: 'wasm',
  kernelFunc: ((args: Args) => run(Pass.Forward, 'Dilation2D', args)) as unknown as tf.KernelFunc,
};

/** Kernel config for `tf.registerKernel` (replaces the upstream wasm Dilation2DBackpropInput). */
export const dilation2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Dilation2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ((args: Args) => run(Pass.BackpropInput, 'Dilation2DBackpropInput', args)) as unknown as tf.KernelFunc,
};

/** Kernel config for `tf.registerKernel` (replaces the upstream wasm Dilation2DBackpropFilter). */
export const dilation2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Dilation2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ((args: Args) => run(Pass.BackpropFilter, 'Dilation2DBackpropFilter', args)) as unknown as tf.KernelFunc,
};
