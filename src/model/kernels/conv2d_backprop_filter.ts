// Conv2DBackpropFilter for the tfjs wasm backend, which ships without it (tfjs-backend-wasm 4.22).
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, heapF32, release, viewAs } from './wasm_heap';

/** Upper bound (floats) of one im2col block; bigger problems are split over the batch and summed. */
const MAX_PATCH_FLOATS = 1 << 24;

/**
 * Writes the transposed im2col matrix of images [n0, n0 + nb) of `x` (NHWC) into `cols`:
 * row k = (i * kw + j) * inC + c holds x[n, ho*sh + i - padTop, wo*sw + j - padLeft, c] for every
 * output position p = ((n - n0) * outH + ho) * outW + wo (zero outside the image).
 */
function im2colT(x: Float32Array, cols: Float32Array, n0: number, nb: number, info: tf.backend_util.Conv2DInfo): void {
  const {
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: Ho,
    outWidth: Wo,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
  } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const P = nb * Ho * Wo;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Output columns wo whose input column wo*sw + j - pl lies inside [0, W).
      const woLo = Math.max(0, Math.ceil((pl - j) / sw));
      const woHi = Math.min(Wo, Math.floor((W - 1 + pl - j) / sw) + 1);
      // Per output row, all channels in turn: the input row they read stays in cache (a sweep of
      // the whole batch per channel would read x from memory C times per tap).
      const base = (i * kw + j) * C * P;
      let p = 0;
      for (let n = n0; n < n0 + nb; n++) {
        for (let ho = 0; ho < Ho; ho++, p += Wo) {
          const hIn = ho * sh + i - pt;
          for (let c = 0; c < C; c++) {
            const o = base + c * P + p;
            if (hIn < 0 || hIn >= H || woHi <= woLo) {
              cols.fill(0, o, o + Wo);
              continue;
            }
            if (woLo > 0) cols.fill(0, o, o + woLo);
            let src = ((n * H + hIn) * W + (woLo * sw + j - pl)) * C + c;
            const step = sw * C;
            if (step === 1) {
              cols.set(x.subarray(src, src + (woHi - woLo)), o + woLo);
            } else {
              for (let wo = woLo; wo < woHi; wo++, src += step) cols[o + wo] = x[src];
            }
            if (woHi < Wo) cols.fill(0, o + woHi, o + Wo);
          }
        }
      }
    }
  }
}

/**
 * The wasm Conv2DBackpropFilter kernel function; `maxPatchFloats` bounds the im2col block (tests
 * shrink it to exercise the split over the batch).
 *
 * dW[kh, kw, inC, outC] = sum over n, ho, wo of x-patch * dy, computed as one GEMM
 * (im2colT [K, P]) x (dy [P, outC]) by the wasm backend's XNNPACK fully-connected path
 * (BatchMatMul with batch 1 and no transposes), so the arithmetic runs in SIMD wasm, not JS.
 */
export function conv2DBackpropFilter(
  args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs: tf.NamedAttrMap;
  },
  maxPatchFloats = MAX_PATCH_FLOATS,
): tf.TensorInfo {
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
  const { batchSize: N, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const perImage = Ho * Wo;
  const nb = Math.max(1, Math.min(N, Math.floor(maxPatchFloats / (K * perImage))));
  const matMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  const attrs = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;

  let result: tf.TensorInfo | null = null;
  for (let n0 = 0; n0 < N; n0 += nb) {
    const nc = Math.min(nb, N - n0);
    const P = nc * perImage;
    const cols = allocF32(backend, [1, K, P]);
    // dy rows of this block are contiguous in NHWC, so the whole-batch case needs no copy.
    const dyBlock = nc === N ? viewAs(dy, [1, P, Co]) : allocF32(backend, [1, P, Co]);
    if (dyBlock.dataId !== dy.dataId) {
      heapF32(backend, dyBlock).set(heapF32(backend, dy).subarray(n0 * perImage * Co, (n0 + nc) * perImage * Co));
    }
    im2colT(heapF32(backend, x), heapF32(backend, cols), n0, nc, info);
    const part = matMul({ inputs: { a: cols, b: dyBlock }, backend, attrs }) as tf.TensorInfo;
    release(backend, cols);
    if (dyBlock.dataId !== dy.dataId) release(backend, dyBlock);
    if (result === null) {
      result = part;
    } else {
      const acc = heapF32(backend, result);
      const add = heapF32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += add[i];
      release(backend, part);
    }
  }
  return viewAs(result!, [...filterShape]);
}

/** Kernel config for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ((args: Parameters<typeof conv2DBackpropFilter>[0]) =>
    conv2DBackpropFilter(args)) as unknown as tf.KernelFunc,
};
