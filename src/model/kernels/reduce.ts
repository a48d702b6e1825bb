// Sum and Mean over leading/middle axes for the tfjs wasm backend (bias gradients, global pooling).
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapKernels } from './heap_simd';
import { allocF32, heapAddress, heapF32, release } from './wasm_heap';

/** Rows per block of the SIMD path: a block's columns are summed in turn while it sits in cache. */
const BLOCK = 1024;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

/**
 * Builds a Sum or Mean kernel. Upstream wasm reduces only the innermost axis, so reducing e.g.
 * [N, H, W] of an NHWC tensor (the bias gradient of every convolution, global average pooling)
 * first transposes the whole tensor. When the reduced axes are one contiguous block that leaves
 * the last axis alone, we instead view the input as [A, B, C] and accumulate rows of C in a
 * float64 buffer in one pass (with C a multiple of 4, four columns at a time by the SIMD pass
 * `bnSum` of heap_simd.ts); every other case goes to `fallback`, the upstream kernel.
 */
function makeReduce(kernelName: 'Sum' | 'Mean', fallback: tf.KernelFunc | undefined): tf.KernelConfig {
  function reduce(args: KernelArgs): tf.TensorInfo {
    const { backend } = args;
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const rank = x.shape.length;
    const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0] + i);
    if (x.dtype !== 'float32' || !contiguous || axes[axes.length - 1] === rank - 1) {
      if (!fallback) throw new Error(`${kernelName}: no wasm kernel for this configuration`);
      return fallback(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);
    const A = prod(x.shape.slice(0, axes[0]));
    const B = prod(x.shape.slice(axes[0], axes[axes.length - 1] + 1));
    const C = prod(x.shape.slice(axes[axes.length - 1] + 1));
    const outShape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    const scale = kernelName === 'Mean' ? 1 / B : 1;
    if (C % 4 === 0) {
      const scratch = allocF32(backend, [2 * C]);
      const k = heapKernels(backend);
      const [xAt, accAt] = [heapAddress(backend, x), heapAddress(backend, scratch)];
      const h = heapF32(backend, scratch);
      const acc = new Float64Array(h.buffer, h.byteOffset, C);
      const dst = heapF32(backend, out);
      for (let a = 0; a < A; a++) {
        acc.fill(0);
        for (let b = 0; b < B; b += BLOCK)
          for (let g = 0; g < C / 4; g++)
            k.bnSum(xAt + ((a * B + b) * C + 4 * g) * 4, Math.min(BLOCK, B - b), C * 4, accAt + 32 * g);
        for (let c = 0; c < C; c++) dst[a * C + c] = acc[c] * scale;
      }
      release(backend, scratch);
      return out;
    }
    const src = heapF32(backend, x);
    const dst = heapF32(backend, out);
    const acc = new Float64Array(C);
    for (let a = 0; a < A; a++) {
      acc.fill(0);
      let o = a * B * C;
      for (let b = 0; b < B; b++, o += C) for (let c = 0; c < C; c++) acc[c] += src[o + c];
      for (let c = 0; c < C; c++) dst[a * C + c] = acc[c] * scale;
    }
    return out;
  }
  return { kernelName, backendName: 'wasm', kernelFunc: reduce as unknown as tf.KernelFunc };
}

/** Sum kernel config wrapping the upstream wasm Sum (`fallback`). */
export const makeSumConfig = (fallback: tf.KernelFunc | undefined) => makeReduce('Sum', fallback);
/** Mean kernel config wrapping the upstream wasm Mean (`fallback`). */
export const makeMeanConfig = (fallback: tf.KernelFunc | undefined) => makeReduce('Mean', fallback);
