// specmorph's one door to TensorFlow.js: tfjs-core (tensors, ops, kernels, io, optimisers) and
// tfjs-layers under one `tf` namespace, as the `@tensorflow/tfjs` umbrella offers them, without the
// umbrella's webgl backend, graph-model converter and data pipeline (~50 MB installed) that this
// Node library never loads. Every tfjs import in src/, test/ and bench/ goes through this file.
//
// Side effects the umbrella would have provided:
// - the cpu backend registers itself when imported, so a process always has a backend before
//   initBackend (backend.ts) adds wasm or tfjs-node;
// - kernel gradients: the tfjs-layers node bundle registers all of tfjs-core's when it loads;
// - tensor method chaining (`x.reshape(...)`) is NOT registered: call ops as functions
//   (`tf.reshape(x, ...)`); the compiler rejects chained calls because their typings come only
//   with the umbrella.
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
