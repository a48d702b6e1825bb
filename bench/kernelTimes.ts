// Per-kernel exclusive times for the profile scripts (bench/profile-w3.ts, bench/profile-w5.ts): every
// kernel registered for a backend is wrapped so that, while timing is on, each call reports its
// time minus that of the kernels it called itself (our Conv2DBackpropInput calls Conv2D, ...).
import * as tf from '../src/model/tf';

/** One timed kernel call. */
export interface KernelCall {
  kernel: string;
  args: Parameters<tf.KernelFunc>[0];
  /** Exclusive time, in the unit of `now`. */
  ms: number;
}

/**
 * Wraps every kernel of `backend`; while `timing.on` is true each call goes to `record`, timed with
 * `now` (wall ms by default). Call once, after the backend is initialised.
 */
export function timeKernels(
  backend: string,
  record: (call: KernelCall) => void,
  now: () => number = () => performance.now(),
): { on: boolean } {
  const timing = { on: false };
  const stack: number[] = [];
  for (const k of tf.getKernelsForBackend(backend)) {
    const run = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    const kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      if (!timing.on) return run(args);
      stack.push(0);
      const t = now();
      const r = run(args);
      const dt = now() - t;
      const inner = stack.pop()!;
      if (stack.length) stack[stack.length - 1] += dt;
      record({ kernel: k.kernelName, args, ms: dt - inner });
      return r;
    }) as tf.KernelFunc;
    tf.registerKernel({ ...k, kernelFunc });
  }
  return timing;
}

/** The input shapes of a kernel call, as `[16,128,128,1] [3,3,1]`. */
export function inputShapes(call: KernelCall): string {
  return Object.values(call.args.inputs)
    .map((x) => JSON.stringify((x as tf.TensorInfo | undefined)?.shape))
    .join(' ');
}
