// Conv2DBackpropInput for the tfjs wasm backend routed through XNNPACK's convolution.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, heapF32, release } from './wasm_heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

/**
 * Builds the wasm Conv2DBackpropInput kernel. tfjs-backend-wasm 4.22 has one, but it is a scalar
 * C++ loop; for stride 1 the input gradient is a plain correlation of dy with the filter rotated by
 * 180 degrees and its channel axes swapped, padded by (k - 1 - pad), which XNNPACK's SIMD
 * convolution computes much faster. Other cases (stride > 1, pads wider than the kernel) go to
 * `fallback`, the backend's own kernel.
 */
export function makeConv2DBackpropInputConfig(fallback: tf.KernelFunc | undefined): tf.KernelConfig {
  function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(dataFormat),
    );
    const { filterHeight: kh, filterWidth: kw, inChannels: Ci, outChannels: Co } = info;
    const { top, bottom, left, right } = info.padInfo;
    const usable =
      info.dataFormat === 'channelsLast' &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      Math.max(top, bottom) <= kh - 1 &&
      Math.max(left, right) <= kw - 1;
    if (!usable) {
      if (!fallback) throw new Error('Conv2DBackpropInput: no wasm kernel for this configuration');
      return fallback(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const rotated = allocF32(backend, [kh, kw, Co, Ci]);
    const w = heapF32(backend, filter);
    const r = heapF32(backend, rotated);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * Ci * Co;
        const dst = (i * kw + j) * Co * Ci;
        for (let ci = 0; ci < Ci; ci++) {
          for (let co = 0; co < Co; co++) r[dst + co * Ci + ci] = w[src + ci * Co + co];
        }
      }
    }
    const conv = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    const out = conv({
      inputs: { x: dy, filter: rotated },
      backend,
      attrs: {
        strides: [1, 1],
        dilations: [1, 1],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        pad: [
          [0, 0],
          [kh - 1 - top, kh - 1 - bottom],
          [kw - 1 - left, kw - 1 - right],
          [0, 0],
        ],
      } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    release(backend, rotated);
    return out;
  }
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
  };
}
