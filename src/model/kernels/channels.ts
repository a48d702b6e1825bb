// Concat, SplitV and Tile for the tfjs wasm backend along narrow inner axes (NHWC channels).
// Upstream Concat and Slice (which SplitV, Concat's gradient, calls) copy one `subarray` per
// outer index: concatenating a 1-channel spectrogram with 4 morphology channels at 16x64x64 makes
// 200k typed-array views per call. Upstream Tile computes a multi-index per element in C++.
// Measured on one training step of a morph block in front of the seed CNN (tf.profile, wasm):
// these three took longer than the morphology itself.
import * as tf from '../tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from './wasm_heap';

type Args = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

/** Runs of at least this many floats are copied with `set`; shorter ones element by element. */
const SET_MIN = 64;

/**
 * Copies `count` runs of `n` floats: run b from `src[s0 + b * ss]` to `dst[d0 + b * ds]`. Runs of
 * 1 to 4 floats (NHWC channels of a spectrogram and its morphology) have a loop each: the generic
 * inner loop of length n costs about 4 times as much per float (measured on 16 x 128 x 128 x 1
 * tiled to 2 channels: 1.44 vs 0.35 ms).
 */
function copyRuns(
  src: Float32Array,
  s0: number,
  ss: number,
  dst: Float32Array,
  d0: number,
  ds: number,
  n: number,
  count: number,
): void {
  let s = s0;
  let d = d0;
  if (n >= SET_MIN) {
    for (let b = 0; b < count; b++, s += ss, d += ds) dst.set(src.subarray(s, s + n), d);
  } else if (n === 1) {
    for (let b = 0; b < count; b++, s += ss, d += ds) dst[d] = src[s];
  } else if (n === 2) {
    for (let b = 0; b < count; b++, s += ss, d += ds) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
    }
  } else if (n === 3) {
    for (let b = 0; b < count; b++, s += ss, d += ds) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
    }
  } else if (n === 4) {
    for (let b = 0; b < count; b++, s += ss, d += ds) {
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
      dst[d + 3] = src[s + 3];
    }
  } else {
    for (let b = 0; b < count; b++, s += ss, d += ds) for (let k = 0; k < n; k++) dst[d + k] = src[s + k];
  }
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Concat of float32 tensors: for each index of the axes before `axis`, each input's contiguous
 * block of `prod(shape[axis:])` floats in turn. Other dtypes, and single non-empty inputs, go upstream.
 */
export function makeConcatConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const nonEmpty = inputs.filter((t) => size(t.shape) > 0);
    if (!upstream || nonEmpty.length < 2 || inputs.some((t) => t.dtype !== 'float32')) {
      if (!upstream) throw new Error(`Concat on wasm: no upstream kernel for dtype ${inputs[0]?.dtype}`);
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const { backend } = args;
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, inputs[0].shape)[0];
    tf.backend_util.assertParamsConsistent(
      inputs.map((t) => t.shape),
      axis,
    );
    const outShape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const out = backend.makeOutput(outShape, 'float32');
    const outer = size(inputs[0].shape.slice(0, axis));
    const inner = nonEmpty.map((t) => size(t.shape.slice(axis)));
    const total = inner.reduce((a, b) => a + b, 0);
    const dst = heapF32(backend, out);
    let start = 0;
    for (let i = 0; i < nonEmpty.length; i++) {
      const n = inner[i];
      copyRuns(heapF32(backend, nonEmpty[i]), 0, n, dst, start, total, n, outer);
      start += n;
    }
    return out;
  };
  return { kernelName: 'Concat', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** SplitV of a float32 tensor (the inverse copy of {@link makeConcatConfig}); other dtypes go upstream. */
export function makeSplitVConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo[] => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') {
      if (!upstream) throw new Error(`SplitV on wasm: no upstream kernel for dtype ${x.dtype}`);
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo[];
    }
    const { backend } = args;
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const outs = sizes.map((s) =>
      backend.makeOutput([...x.shape.slice(0, ax), s, ...x.shape.slice(ax + 1)], 'float32'),
    );
    const outer = size(x.shape.slice(0, ax));
    const step = size(x.shape.slice(ax + 1));
    const total = x.shape[ax] * step;
    // Views after every allocation of this call (see heapF32).
    const src = heapF32(backend, x);
    let start = 0;
    for (let i = 0; i < outs.length; i++) {
      const n = sizes[i] * step;
      copyRuns(src, start, total, heapF32(backend, outs[i]), 0, n, n, outer);
      start += n;
    }
    return outs;
  };
  return { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Tile of a float32 tensor, one axis at a time from the last to the first: with the axes after
 * `a` already tiled, each index of the axes before `a` owns one contiguous block, which is written
 * `reps[a]` times in a row. Other dtypes go upstream.
 */
export function makeTileConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') {
      if (!upstream) throw new Error(`Tile on wasm: no upstream kernel for dtype ${x.dtype}`);
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const { backend } = args;
    const reps = (args.attrs as unknown as tf.TileAttrs).reps;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, 'float32');
    const axes = reps
      .map((r, a) => (r > 1 ? a : -1))
      .filter((a) => a >= 0)
      .reverse();
    if (size(outShape) === 0) return out;
    const dst = heapF32(backend, out);
    let cur: Float32Array = heapF32(backend, x);
    const shape = [...x.shape];
    if (axes.length === 0) {
      dst.set(cur);
      return out;
    }
    axes.forEach((a, step) => {
      const outer = size(shape.slice(0, a));
      const block = size(shape.slice(a));
      const r = reps[a];
      // The last step writes the output; earlier ones an intermediate in JS memory.
      const next = step === axes.length - 1 ? dst : new Float32Array(outer * block * r);
      for (let k = 0; k < r; k++) copyRuns(cur, 0, block, next, k * block, r * block, block, outer);
      shape[a] *= r;
      cur = next;
    });
    return out;
  };
  return { kernelName: 'Tile', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Slice of a float32 tensor. Trailing axes taken whole are merged into the last sliced axis, so
 * each index of the axes before it owns one contiguous run (rows `[a, b)` of an NHWC spectrogram
 * with its excitation rows below: one run of rows x cols x channels per image); upstream copies
 * one `subarray` per index of the last axis, which is one float for a 1-channel input. Other
 * dtypes go upstream.
 */
export function makeSliceConfig(upstream: tf.KernelFunc | undefined): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') {
      if (!upstream) throw new Error(`Slice on wasm: no upstream kernel for dtype ${x.dtype}`);
      return upstream(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const { backend } = args;
    const { begin, size: sizeAttr } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, sizeAttr);
    const out = backend.makeOutput(s, 'float32');
    if (size(s) === 0) return out;
    // The last axis not taken whole; the run of one of its indices with every axis after it.
    let last = x.shape.length - 1;
    while (last > 0 && b[last] === 0 && s[last] === x.shape[last]) last--;
    const inner = size(x.shape.slice(last + 1));
    const run = s[last] * inner;
    const strides = x.shape.map((_, a) => size(x.shape.slice(a + 1)));
    const src = heapF32(backend, x);
    const dst = heapF32(backend, out);
    const outer = size(s.slice(0, last));
    const idx = new Array<number>(last).fill(0);
    for (let r = 0; r < outer; r++) {
      let o = b[last] * inner;
      for (let a = 0; a < last; a++) o += (b[a] + idx[a]) * strides[a];
      if (run >= SET_MIN) dst.set(src.subarray(o, o + run), r * run);
      else for (let k = 0; k < run; k++) dst[r * run + k] = src[o + k];
      // Next index of the outer axes, last fastest.
      for (let a = last - 1; a >= 0 && ++idx[a] === s[a]; a--) idx[a] = 0;
    }
    return out;
  };
  return { kernelName: 'Slice', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
