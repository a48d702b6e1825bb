import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Path of a worker entry point `base` next to the calling module: `.ts` under tsx (sources), `.js`
 * from dist/. `callerFile` is the caller's `__filename`.
 */
export function workerScriptPath(callerFile: string, base: string): string {
  return path.join(path.dirname(callerFile), `${base}${path.extname(callerFile)}`);
}

/** Starts a worker thread on `script` (from {@link workerScriptPath}) with `workerData`. */
export function startWorker(script: string, data: unknown): Worker {
  if (path.extname(script) !== '.ts') return new Worker(script, { workerData: data });
  // Running from sources under tsx: its --import hook does not reach worker entry points, so the
  // worker registers tsx's CommonJS hook itself before loading the .ts file.
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(script)});`;
  return new Worker(code, { eval: true, workerData: data });
}
