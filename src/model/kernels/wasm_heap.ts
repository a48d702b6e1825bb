// Zero-copy access to tensors that live on the tfjs wasm backend's heap, for the kernels we register.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * A Float32Array view (not a copy) of a float32 tensor's memory on the wasm heap.
 * Take views only after every allocation of the current kernel call: growing the heap replaces
 * (or, without threads, detaches) the buffer behind earlier views.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId)!;
  let size = 1;
  for (const d of t.shape) size *= d;
  return new Float32Array(heapBuffer(backend), memoryOffset, size);
}

/** A tensor's byte address on the wasm heap (what the heap_simd passes take). */
export function heapAddress(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

type EmscriptenModule = {
  HEAPU8: Uint8Array;
  wasmMemory?: { buffer: ArrayBufferLike };
  asm?: { memory?: { buffer: ArrayBufferLike } };
};

/**
 * The current heap buffer. Read from the WebAssembly.Memory itself rather than Module.HEAPU8: in
 * the threaded build a heap grown by a worker leaves the main thread's HEAPU8 pointing at the
 * smaller, older SharedArrayBuffer until Emscripten next refreshes it.
 */
function heapBuffer(backend: BackendWasm): ArrayBufferLike {
  const m = backend.wasm as unknown as EmscriptenModule;
  return (m.wasmMemory ?? m.asm?.memory)?.buffer ?? m.HEAPU8.buffer;
}

/** A tensor allocated on the wasm heap (uninitialised), owned by the caller until {@link release}. */
export function allocF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** Frees temporaries made with {@link allocF32} or returned by a kernel called from inside a kernel. */
export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}
