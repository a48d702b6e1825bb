// Training kernels specmorph registers on the tfjs wasm backend (see registerWasmTrainingKernels).
import * as tf from '../tf';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { makeConv2DBackpropInputConfig } from './conv2d_backprop_input';
import { makeConcatConfig, makeSliceConfig, makeSplitVConfig, makeTileConfig } from './channels';
import { dilation2DBackpropFilterConfig, dilation2DBackpropInputConfig, dilation2DConfig } from './dilation2d';
import { identityConfig, makeCastConfig, maxPoolGradConfig } from './max_pool_grad';
import { makeMeanConfig, makeSumConfig } from './reduce';
import { batchNormTrainingConfig, batchNormTrainingGradConfig, makeFusedBatchNormConfig } from './batch_norm';

export { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
export { makeConv2DBackpropInputConfig } from './conv2d_backprop_input';
export { makeConcatConfig, makeSliceConfig, makeSplitVConfig, makeTileConfig } from './channels';
export { dilation2DBackpropFilterConfig, dilation2DBackpropInputConfig, dilation2DConfig } from './dilation2d';
export { identityConfig, makeCastConfig, maxPoolGradConfig } from './max_pool_grad';
export { makeMeanConfig, makeSumConfig } from './reduce';
export { BatchNormalization, batchNormalization, batchNormTraining, makeFusedBatchNormConfig } from './batch_norm';

const ours = new Set<string>();

/**
 * Registers on the `wasm` backend the kernels that training our models needs and tfjs-backend-wasm
 * 4.22 lacks or runs slowly, and returns their names. Idempotent.
 *
 * - `Conv2DBackpropFilter`: missing upstream; WebAssembly SIMD outer products straight from the
 *   tensors on the heap (heap_simd.ts), no im2col.
 * - `Conv2DBackpropInput`: upstream is a scalar loop; stride 1 is replaced by an XNNPACK
 *   convolution with the rotated filter, other strides keep the upstream kernel.
 * - `MaxPoolGrad`: upstream rescans windows per input pixel; ours is one arg-max pass (SIMD over
 *   four channels at a time when the channel count allows).
 * - `Identity`, and `Cast` to the dtype a tensor already has (the ReLU gradient's): upstream
 *   copies the buffer; ours shares it (reference counted), as the cpu backend.
 * - `SpecmorphBatchNormTraining`, `...Grad` (names of ours): training batch norm as two fused
 *   kernels (SIMD passes for a multiple of 4 channels), behind our BatchNormalization layer.
 * - `Sum`, `Mean` over leading/middle axes (conv bias gradients, global average pooling): one
 *   pass instead of upstream's transpose + innermost-axis reduction; other cases go upstream.
 * - `Dilation2D`, `Dilation2DBackpropInput`, `Dilation2DBackpropFilter` (the learned morphology
 *   layer): upstream starts each max at the smallest positive float, so any window whose values
 *   are all negative comes out wrong; ours follow the cpu backend, ties included, and the
 *   gradients reuse the arg-maxima the forward pass found while the tape recorded.
 * - `Concat`, `SplitV`, `Tile` of float32: upstream copies one typed-array view per outer index
 *   (Concat, Slice) or computes a multi-index per element (Tile), slow along NHWC channels, as a
 *   morph block concatenates them; ours copy short runs element by element.
 *
 * Found by running a training step of every architecture in `architectures.ts` on wasm and
 * catching "Kernel '...' not registered" errors (only Conv2DBackpropFilter was missing; AvgPoolGrad,
 * Step for the ReLU gradient, Maximum/GreaterEqual for max-feature-map, FusedBatchNorm, ... exist
 * upstream) and by profiling a training step (tf.profile) for the slow ones.
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
  for (const config of [
    maxPoolGradConfig,
    identityConfig,
    dilation2DConfig,
    dilation2DBackpropInputConfig,
    dilation2DBackpropFilterConfig,
    batchNormTrainingConfig,
    batchNormTrainingGradConfig,
  ]) {
    if (ours.has(config.kernelName)) continue;
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    ours.add(config.kernelName);
  }
  for (const [name, make] of [
    ['Sum', makeSumConfig],
    ['Mean', makeMeanConfig],
    ['Concat', makeConcatConfig],
    ['SplitV', makeSplitVConfig],
    ['Tile', makeTileConfig],
    ['Slice', makeSliceConfig],
    ['FusedBatchNorm', makeFusedBatchNormConfig],
    ['Cast', makeCastConfig],
  ] as const) {
    if (ours.has(name)) continue;
    const upstream = tf.getKernel(name, 'wasm');
    if (upstream) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(make(upstream?.kernelFunc));
    ours.add(name);
  }
  return [...ours].sort();
}
