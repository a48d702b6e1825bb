// Training kernels specmorph registers on the tfjs wasm backend (see registerWasmTrainingKernels).
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { makeConv2DBackpropInputConfig } from './conv2d_backprop_input';

export { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
export { makeConv2DBackpropInputConfig } from './conv2d_backprop_input';

const ours = new Set<string>();

/**
 * Registers on the `wasm` backend the kernels that training our models needs and tfjs-backend-wasm
 * 4.22 lacks or runs slowly, and returns their names. Idempotent.
 *
 * - `Conv2DBackpropFilter`: missing upstream; im2col (JS, on the wasm heap) + XNNPACK GEMM.
 * - `Conv2DBackpropInput`: upstream is a scalar loop; stride 1 is replaced by an XNNPACK
 *   convolution with the rotated filter, other strides keep the upstream kernel.
 *
 * Found by running a training step of every architecture in `architectures.ts` on wasm and
 * catching "Kernel '...' not registered" errors; every other kernel used (MaxPoolGrad,
 * AvgPoolGrad, Step for ReluGrad, Maximum/Equal for max-feature-map, ...) exists upstream.
 */
export function registerWasmTrainingKernels(): string[] {
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel(conv2DBackpropFilterConfig);
    ours.add('Conv2DBackpropFilter');
  }
  if (!ours.has('Conv2DBackpropInput')) {
    const upstream = tf.getKernel('Conv2DBackpropInput', 'wasm');
    if (upstream) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(makeConv2DBackpropInputConfig(upstream?.kernelFunc));
    ours.add('Conv2DBackpropInput');
  }
  return [...ours].sort();
}
