// MaxPoolGrad for the tfjs wasm backend: upstream's scalar loop rescans every window per input pixel.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapKernels } from './heap_simd';
import { heapAddress, heapF32 } from './wasm_heap';

/**
 * dx = scatter-add of dy onto the arg-max of each pooling window (NHWC). The arg-max is the first
 * strictly greater value in row-major window order starting from -Infinity, exactly as tfjs's cpu
 * backend (`maxPoolPositions`), so ties (common after ReLU: all-zero windows) and NaNs route the
 * gradient the same way. One pass over the windows: with a multiple of 4 channels, four at a time
 * by the SIMD pass `poolGrad` (heap_simd.ts) on the heap; otherwise each channel in turn in JS.
 */
function maxPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: Ho,
    outWidth: Wo,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: fh,
    filterWidth: fw,
  } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  dx.fill(0);
  if (C % 4 === 0) {
    const k = heapKernels(backend);
    const [xAt, dxAt, dyAt] = [input, out, dy].map((t) => heapAddress(backend, t));
    // Output columns whose windows lie wholly inside the image columns: one call for their run,
    // one per window clipped at either side.
    const woA = Math.min(Wo, Math.max(0, Math.ceil(pl / sw)));
    const woB = Math.max(woA, Math.min(Wo, Math.floor((W + pl - fw) / sw) + 1));
    for (let n = 0; n < N; n++) {
      for (let ho = 0; ho < Ho; ho++) {
        const rLo = Math.max(0, ho * sh - pt);
        const rHi = Math.min(H, ho * sh - pt + fh);
        if (rHi <= rLo) continue;
        const run = (wo: number, count: number) => {
          const cLo = Math.max(0, wo * sw - pl);
          const cHi = Math.min(W, wo * sw - pl + fw);
          if (cHi <= cLo) return;
          const at = ((n * H + rLo) * W + cLo) * C * 4;
          const o = dyAt + ((n * Ho + ho) * Wo + wo) * C * 4;
          k.poolGrad(xAt + at, dxAt + at, o, rHi - rLo, cHi - cLo, W * C * 4, C, count, sw * C * 4);
        };
        for (let wo = 0; wo < woA; wo++) run(wo, 1);
        if (woB > woA) run(woA, woB - woA);
        for (let wo = woB; wo < Wo; wo++) run(wo, 1);
      }
    }
    return out;
  }
  // Each channel of a window scanned with scalar locals, which V8 runs about twice as fast as
  // per-channel arrays of running maxima (whether or not windows overlap).
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const r0 = ho * sh - pt;
      const rLo = Math.max(0, r0);
      const rHi = Math.min(H, r0 + fh);
      for (let wo = 0; wo < Wo; wo++) {
        const c0 = wo * sw - pl;
        const cLo = Math.max(0, c0);
        const cHi = Math.min(W, c0 + fw);
        const o = ((n * Ho + ho) * Wo + wo) * C;
        for (let c = 0; c < C; c++) {
          let b = Number.NEGATIVE_INFINITY;
          let p = -1;
          for (let r = rLo; r < rHi; r++) {
            for (let i = ((n * H + r) * W + cLo) * C + c, end = i + (cHi - cLo) * C; i < end; i += C) {
              const v = x[i];
              if (v > b) {
                b = v;
                p = i;
              }
            }
          }
          if (p >= 0) dx[p] += g[o + c];
        }
      }
    }
  }
  return out;
}

/** Kernel config for `tf.registerKernel` (replaces the upstream wasm MaxPoolGrad). */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};

/**
 * Identity without a copy: the output shares the input's heap buffer (reference counted), as the
 * cpu backend's Identity does. Upstream wasm copies, which costs a full pass over every layer
 * output that tfjs-layers passes through identity during training. Safe because wasm kernels
 * always write into freshly allocated outputs, never into their inputs.
 */
export const identityConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm }) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') throw new Error('Identity on wasm: string tensors are not supported');
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as tf.KernelFunc,
};

/**
 * Cast: to the dtype the tensor already has (tfjs's ReLU gradient casts its float32 input to
 * float32 every step), the output shares the input's buffer as {@link identityConfig} does. To
 * bool, x != 0 as the cpu backend: upstream copies the numbers into bytes (-2.5 became 254).
 * Every other cast goes to `upstream`.
 */
export function makeCastConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (dtype === 'bool' && x.dtype !== 'bool' && x.dtype !== 'string') {
      const out = args.backend.makeOutput(x.shape, 'bool');
      const src = args.backend.typedArrayFromHeap(x);
      const dst = args.backend.typedArrayFromHeap(out);
      for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    if (x.dtype !== dtype || dtype === 'string') {
      if (!upstream) throw new Error(`Cast on wasm: no upstream kernel for ${x.dtype} -> ${dtype}`);
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: 'Cast', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
