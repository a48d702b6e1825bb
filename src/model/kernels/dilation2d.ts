// Dilation2D and its two gradients for the tfjs wasm backend, replacing upstream's (tfjs-backend-wasm
// 4.22), which start every max from std::numeric_limits<float>::min() (the smallest *positive*
// float, 1.2e-38) instead of the lowest one: every output below 1.2e-38 comes out as 1.2e-38 and
// the gradients of such windows all land on the window's first position. Morphology on dB
// spectrograms, and erosion as -dilation(-f), is all negative values, so upstream is unusable.
// Both gradients route dy by each window's arg-max, which the forward pass finds anyway: it keeps
// them while a gradient tape records, so training runs the fh*fw passes over the windows once per
// layer rather than three times (forward, then again in each gradient).
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { RETAIN_BYTES } from '../../memory';
import { type ArgMax, argMaxArray, type MaxPlusGeometry, maxPlusSimd, scatterSimd } from './maxplus_simd';
import { heapF32 } from './wasm_heap';

type Info = tf.backend_util.Conv2DInfo;

/** What a kernel computes. */
// biome-ignore lint/suspicious/noConstEnum: file-local and never exported, so tsc and esbuild both inline it
const enum Pass {
  /** out[n, ho, wo, c] = max over the window of x + filter. */
  Forward,
  /** dx: dy routed to the input position of each window's arg-max. */
  BackpropInput,
  /** dFilter: dy routed to the filter position of each window's arg-max. */
  BackpropFilter,
}

/** The sizes of a pass under short names: batch, input, output, strides, dilations, filter, top/left padding. */
function dims(info: Info) {
  return {
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    Ho: info.outHeight,
    Wo: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    fh: info.filterHeight,
    fw: info.filterWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
  };
}

/**
 * The max-plus windows in JS (NHWC input, filter [fh, fw, C], depthwise, any strides and
 * dilations): `y` the maxima, `arg` each output's arg-max (see ArgMax). Follows tfjs's
 * cpu backend (and TensorFlow's C++ kernel) exactly: start from `Number.MIN_SAFE_INTEGER`, keep
 * the first strictly greater `x + filter` in row-major window order (sums in float64), skip
 * positions outside the image (so 'same' padding is -infinity). All channels of a window are handled together, channels innermost, as the data
 * is laid out.
 */
function maxPlusJs(x: Float32Array, filter: Float32Array, info: Info, y: Float32Array, arg: ArgMax): void {
  const { N, H, W, C, Ho, Wo, sh, sw, dh, dw, fh, fw, pt, pl } = dims(info);
  const best = new Float64Array(C);
  arg.fill(0);
  for (let n = 0, o = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const h0 = ho * sh - pt;
      for (let wo = 0; wo < Wo; wo++, o += C) {
        const w0 = wo * sw - pl;
        best.fill(Number.MIN_SAFE_INTEGER);
        for (let i = 0; i < fh; i++) {
          const hIn = h0 + i * dh;
          if (hIn < 0 || hIn >= H) continue;
          for (let j = 0; j < fw; j++) {
            const wIn = w0 + j * dw;
            if (wIn < 0 || wIn >= W) continue;
            const xb = ((n * H + hIn) * W + wIn) * C;
            const fb = (i * fw + j) * C;
            for (let c = 0; c < C; c++) {
              const v = x[xb + c] + filter[fb + c];
              if (v > best[c]) {
                best[c] = v;
                arg[o + c] = i * fw + j + 1;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) y[o + c] = best[c];
      }
    }
  }
}

/** The geometry of the SIMD passes, or null for strides or dilations other than 1 (JS loops). */
function simdGeometry(info: Info): MaxPlusGeometry | null {
  const { sh, sw, dh, dw, ...g } = dims(info);
  return sh === 1 && sw === 1 && dh === 1 && dw === 1 ? g : null;
}

/** The maxima `y` and arg-maxima `arg` of the windows: SIMD at stride 1 and dilation 1, else JS. */
function maxPlus(x: Float32Array, filter: Float32Array, info: Info, y: Float32Array, arg: ArgMax): void {
  const g = simdGeometry(info);
  if (!g || !maxPlusSimd(g, x, filter, y, arg)) maxPlusJs(x, filter, info, y, arg);
}

/** Float64 sums of {@link scatterJs}, kept between calls while at most RETAIN_BYTES. */
let sums = new Float64Array(0);

/**
 * A gradient from the arg-maxima in JS (any strides and dilations): each output's dy goes to the
 * input position (BackpropInput) or filter position (BackpropFilter) of its window's arg-max,
 * summed in float64 in output order, as the cpu kernel does; an output nothing beat sends it where the cpu kernel's does (the window's
 * first in-image pixel / tap 0).
 */
function scatterJs(pass: Pass, info: Info, arg: ArgMax, dy: Float32Array, out: Float32Array): void {
  const { N, H, W, C, Ho, Wo, sh, sw, dh, dw, fh, fw, pt, pl } = dims(info);
  const toInput = pass === Pass.BackpropInput;
  // Where arg i * fw + j + 1 sends: its offset in x from the window's corner, or in the filter
  // (where arg 0 sends too: tap 0).
  const off = new Int32Array(fh * fw + 1);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++) off[i * fw + j + 1] = toInput ? (i * dh * W + j * dw) * C : (i * fw + j) * C;
  if (sums.length < out.length) sums = new Float64Array(out.length);
  const acc = sums;
  acc.fill(0, 0, out.length);
  const ny = arg.length;
  if (!toInput) {
    for (let o = 0, c = 0; o < ny; o++) {
      acc[off[arg[o]] + c] += dy[o];
      if (++c === C) c = 0;
    }
  } else {
    for (let n = 0, o = 0; n < N; n++) {
      for (let ho = 0; ho < Ho; ho++) {
        const h0 = ho * sh - pt;
        for (let wo = 0; wo < Wo; wo++) {
          const w0 = wo * sw - pl;
          const corner = ((n * H + h0) * W + w0) * C;
          for (let c = 0; c < C; c++, o++) {
            const k = arg[o];
            if (k !== 0) acc[corner + off[k] + c] += dy[o];
            else acc[((n * H + Math.max(h0, 0)) * W + Math.max(w0, 0)) * C + c] += dy[o];
          }
        }
      }
    }
  }
  out.set(acc.subarray(0, out.length));
  if (sums.byteLength > RETAIN_BYTES) sums = new Float64Array(0);
}

/**
 * Arg-maxima the forward kernel computed while a gradient tape was recording, for the gradient
 * kernels of the same x and filter (tensors are immutable, so their data ids name their values):
 * the gradients then skip the fh*fw passes over the windows. Entries whose tensors were disposed
 * are dropped at every use; at most RETAIN_BYTES are kept, oldest dropped first.
 */
interface Saved {
  backend: BackendWasm;
  x: tf.DataId;
  filter: tf.DataId;
  geometry: string;
  arg: ArgMax;
}
let saved: Saved[] = [];

function prune(): void {
  saved = saved.filter((e) => e.backend.dataIdMap.has(e.x) && e.backend.dataIdMap.has(e.filter));
}

function remember(e: Saved): void {
  prune();
  saved.push(e);
  let bytes = saved.reduce((b, s) => b + s.arg.byteLength, 0);
  while (bytes > RETAIN_BYTES) bytes -= saved.shift()!.arg.byteLength;
}

function recall(backend: BackendWasm, x: tf.DataId, filter: tf.DataId, geometry: string): ArgMax | null {
  prune();
  return (
    saved.find((e) => e.backend === backend && e.x === x && e.filter === filter && e.geometry === geometry)?.arg ?? null
  );
}

/** Number of saved arg-max arrays (for tests of the bound). */
export function savedArgMaxCount(): number {
  prune();
  return saved.length;
}

/** True while tfjs records operations for a gradient (as inside `tf.grad` or `optimizer.minimize`). */
function recording(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
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
  const ny = info.outShape.reduce((a, b) => a * b, 1);
  const geometry = [
    ...x.shape,
    ...filter.shape,
    ...info.outShape,
    info.padInfo.top,
    info.padInfo.left,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
  ].join();
  if (pass === Pass.Forward) {
    const out = backend.makeOutput(info.outShape, 'float32');
    const arg = argMaxArray(info.filterHeight * info.filterWidth, ny);
    // Views after the only allocation of this call (see heapF32).
    maxPlus(heapF32(backend, x), heapF32(backend, filter), info, heapF32(backend, out), arg);
    if (recording()) remember({ backend, x: x.dataId, filter: filter.dataId, geometry, arg });
    return out;
  }
  let arg = recall(backend, x.dataId, filter.dataId, geometry);
  if (!arg) {
    arg = argMaxArray(info.filterHeight * info.filterWidth, ny);
    maxPlus(heapF32(backend, x), heapF32(backend, filter), info, new Float32Array(ny), arg);
  }
  const out = backend.makeOutput(pass === Pass.BackpropInput ? x.shape : filter.shape, 'float32');
  const dyv = heapF32(backend, dy!);
  const ov = heapF32(backend, out);
  const g = simdGeometry(info);
  const where = pass === Pass.BackpropInput ? 'input' : 'filter';
  if (!g || !scatterSimd(where, g, arg, dyv, ov)) scatterJs(pass, info, arg, dyv, ov);
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
