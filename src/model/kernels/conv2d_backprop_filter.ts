// Conv2DBackpropFilter for the tfjs wasm backend, which ships without it (tfjs-backend-wasm 4.22).
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapKernels } from './heap_simd';
import { allocF32, heapAddress, heapF32, release } from './wasm_heap';

/**
 * The wasm Conv2DBackpropFilter kernel function (NHWC, any stride and padding; tfjs computes conv
 * gradients at dilation 1 only):
 * dW[i, j, c, o] = sum over n, ho, wo of x[n, ho*sh + i - padTop, wo*sw + j - padLeft, c] * dy[n, ho, wo, o].
 *
 * No im2col: for every image row of output positions and every tap, the x positions the tap reads
 * are one strided run and the dy row is contiguous, so the SIMD pass `dwRow` (heap_simd.ts) sums
 * their outer products straight from the tensors on the wasm heap, in register tiles. Output
 * channels are padded to a multiple of 4 (dy copied once) when they are not one.
 */
export function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: Ho,
    outWidth: Wo,
    outChannels: Co,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const Co4 = (Co + 3) & ~3;
  const out = backend.makeOutput([...filterShape], 'float32');
  const padded = Co4 !== Co;
  const dyP = padded ? allocF32(backend, [N * Ho * Wo, Co4]) : dy;
  const dw = padded ? allocF32(backend, [kh * kw * C, Co4]) : out;
  // Views only after every allocation (heapF32's rule).
  if (padded) {
    const src = heapF32(backend, dy);
    const dst = heapF32(backend, dyP);
    dst.fill(0);
    for (let p = 0; p < N * Ho * Wo; p++) dst.set(src.subarray(p * Co, (p + 1) * Co), p * Co4);
  }
  heapF32(backend, dw).fill(0);
  const k = heapKernels(backend);
  const xAt = heapAddress(backend, x);
  const dyAt = heapAddress(backend, dyP);
  const dwAt = heapAddress(backend, dw);
  const xStep = sw * C * 4;
  // Output columns wo whose input column wo*sw + j - pl lies inside [0, W), per filter column j.
  const woLo = Array.from({ length: kw }, (_, j) => Math.max(0, Math.ceil((pl - j) / sw)));
  const woHi = Array.from({ length: kw }, (_, j) => Math.min(Wo, Math.floor((W - 1 + pl - j) / sw) + 1));
  // Every tap for one row of dy before the next: the row (and the few input rows the taps read)
  // stays in cache, where tap by tap over the whole batch would stream dy from memory kh*kw times.
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      for (let i = 0; i < kh; i++) {
        const hIn = ho * sh + i - pt;
        if (hIn < 0 || hIn >= H) continue;
        for (let j = 0; j < kw; j++) {
          if (woHi[j] <= woLo[j]) continue;
          k.dwRow(
            xAt + ((n * H + hIn) * W + woLo[j] * sw + j - pl) * C * 4,
            xStep,
            dyAt + ((n * Ho + ho) * Wo + woLo[j]) * Co4 * 4,
            woHi[j] - woLo[j],
            dwAt + (i * kw + j) * C * Co4 * 4,
            C,
            Co4,
          );
        }
      }
    }
  }
  if (padded) {
    const src = heapF32(backend, dw);
    const dst = heapF32(backend, out);
    for (let r = 0; r < kh * kw * C; r++) dst.set(src.subarray(r * Co4, r * Co4 + Co), r * Co);
    release(backend, dyP, dw);
  }
  return out;
}

/** Kernel config for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
