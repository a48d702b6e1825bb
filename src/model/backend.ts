// The tfjs backend ladder: tfjs-node (native TensorFlow) -> wasm (+ our training kernels) -> pure-JS cpu.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from './tf';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { ParameterError, assert, warnOnce } from '../errors';
import { registerWasmTrainingKernels } from './kernels';

// specmorph says which backend runs, once (initBackend's report, `npm run setup`); tfjs's own
// "Hi, looks like you are running TensorFlow.js in Node.js" banner, printed on the cpu backend's
// first use (often before any backend is chosen), would contradict it in every log. PROD only
// gates tfjs's console warnings.
tf.env().set('PROD', true);

/** Name of a tfjs backend specmorph can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose and why. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** One line: why this backend (and why not the ones above it on the ladder). */
  why: string;
  /** wasm only: the SIMD build is running. */
  simd: boolean;
  /** wasm only: XNNPACK threads (1 = single-threaded build); 0 for other backends. */
  threads: number;
  /** Kernels specmorph registered on this backend (wasm: the training kernels upstream lacks). */
  registeredKernels: string[];
}

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /**
   * Backend to use; `'auto'` walks the ladder tensorflow -> wasm -> cpu and takes the first that
   * initialises. A named backend that fails to initialise throws.
   * @default process.env.SPECMORPH_BACKEND ?? 'auto'
   */
  backend?: 'auto' | BackendName;
  /**
   * wasm XNNPACK threads. `1` (what `'auto'` picks): the single-threaded SIMD build; `n > 1`: the
   * threaded SIMD build with an n-thread pool (made to work under Node, see
   * `withNodeThreadsShim`). `'auto'` stays single-threaded because on a shared 2-core machine the
   * threaded build trained slower (bench W3: 12 vs 20 images/s): XNNPACK's pool threads spin on
   * cores other processes want. Only the first wasm initialisation in a process can set it.
   * @default process.env.SPECMORPH_WASM_THREADS ?? 'auto'
   */
  threads?: number | 'auto';
}

let current: BackendInfo | null = null;
let wasmThreadsTried: number | null = null;

function describeError(e: unknown): string {
  const msg =
    e instanceof Error
      ? e.message
      : typeof e === 'object' && e && 'message' in e
        ? String((e as { message: unknown }).message)
        : String(e);
  return msg.split('\n')[0];
}

function wasmDistDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/**
 * Node support for the threaded wasm build. tfjs-backend-wasm disables threads under Node
 * (tfjs issue 3830) because Emscripten's pthread workers are started from blob: URLs, which Node's
 * worker_threads refuse. We write the worker script and the module factory to a temp folder, hand
 * Emscripten those paths instead of blob URLs, and report enough cores for the thread count we
 * want (the C++ side caps the pool at logical cores / 2). Everything patched is restored when
 * `init` settles.
 */
async function withNodeThreadsShim<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const pkg = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'specmorph-tfjs-wasm-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const factoryModule = require(path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'));
  const factory = (factoryModule.default ?? factoryModule) as (...a: unknown[]) => unknown;
  const factoryPath = path.join(dir, 'factory.js');
  fs.writeFileSync(factoryPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
  const { wasmWorkerContents } = require(path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const workerPath = path.join(dir, 'worker.js');
  // The worker's 'load' message carries the module source as a Blob; point it at our file instead.
  const redirect =
    `;(function(){var o=self.onmessage;self.onmessage=function(e){` +
    "if(e.data&&e.data.cmd==='load'&&typeof e.data.urlOrBlob!=='string')" +
    `e.data.urlOrBlob=${JSON.stringify(factoryPath)};` +
    `return o(e)}})();\n`;
  // Same escaping as tfjs does before making its Blob: string literals in the source hold raw newlines.
  fs.writeFileSync(workerPath, `${wasmWorkerContents.replace(/\n/g, '\\n')}\n${redirect}`);

  const os = require('node:os') as { cpus: () => unknown[] };
  const realCpus = os.cpus;
  const realCreateObjectURL = URL.createObjectURL;
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % Math.max(1, realCpus().length)]);
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerPath : realCreateObjectURL(obj);
  try {
    return await init();
  } finally {
    os.cpus = realCpus;
    URL.createObjectURL = realCreateObjectURL;
  }
}

function resolveThreads(threads: number | 'auto' | undefined): number {
  const raw = threads ?? process.env.SPECMORPH_WASM_THREADS ?? 'auto';
  if (raw === 'auto') return 1;
  const n = Number(raw);
  assert(
    Number.isInteger(n) && n >= 1 && n <= 8,
    () => `threads=${String(raw)} must be 'auto' or an integer in [1, 8]`,
  );
  return n;
}

async function tryTensorflow(): Promise<string | null> {
  try {
    // Optional dependency: its install needs a libtensorflow download that often fails.
    require('@tensorflow/tfjs-node');
  } catch (e) {
    return `tfjs-node unavailable (${describeError(e)})`;
  }
  if (!(await tf.setBackend('tensorflow'))) return 'tfjs-node loaded but its backend failed to initialise';
  return null;
}

async function tryWasm(threads: number): Promise<{ failure: string | null; threads: number }> {
  if (wasmThreadsTried === null) {
    wasm.setWasmPaths(wasmDistDir());
    wasm.setThreadsCount(threads);
  } else if (wasmThreadsTried !== threads && tf.findBackend('wasm')) {
    warnOnce(`wasm backend already initialised with ${wasmThreadsTried} thread(s); threads=${threads} ignored`);
  }
  let ok = false;
  if (tf.findBackend('wasm')) {
    ok = await tf.setBackend('wasm');
  } else if (threads > 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    ok = await withNodeThreadsShim(threads, () => quietly(() => tf.setBackend('wasm')));
    if (!ok) {
      // Fall back to the single-threaded SIMD build in the same process.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      ok = await tf.setBackend('wasm');
    }
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    ok = await tf.setBackend('wasm');
  }
  wasmThreadsTried = wasmThreadsTried ?? threads;
  if (!ok) return { failure: 'wasm backend failed to initialise', threads: 0 };
  // XNNPACK's pool threads live for the whole process; Emscripten ref()s their workers while they
  // run, which would keep Node alive after the user's work is done.
  const pthreads = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: { unref?: () => void }[] } } })
    .wasm.PThread;
  pthreads?.runningWorkers.forEach((w) => w.unref?.());
  registerWasmTrainingKernels();
  return { failure: null, threads: wasm.getThreadsCount() };
}

/** Runs `f` with tfjs's own console warnings muted (a failed threaded init prints a stack we handle). */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

/**
 * Selects and initialises the tfjs backend, walking the ladder
 * `tensorflow` (tfjs-node, when its optional install succeeded) -> `wasm` (SIMD; threaded on request,
 * plus the training kernels specmorph registers: see `registerWasmTrainingKernels`)
 * -> `cpu` (pure JS, always works, slowest). Safe to call repeatedly; training and prediction call
 * it for you.
 *
 * Notes: the backend is process-wide state in tfjs (`tf.setBackend`), so this is too; wasm thread
 * count can only be chosen by the first wasm initialisation.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const wanted = opts.backend ?? (process.env.SPECMORPH_BACKEND as BackendOptions['backend']) ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(wanted)) {
    throw new ParameterError(`backend=${String(wanted)} must be one of 'auto', 'tensorflow', 'wasm', 'cpu'`);
  }
  const threads = resolveThreads(opts.threads);
  if (current && (wanted === 'auto' || wanted === current.name) && tf.getBackend() === current.name) return current;

  const reasons: string[] = [];
  if (wanted === 'auto' || wanted === 'tensorflow') {
    const failure = await tryTensorflow();
    if (failure === null) {
      current = {
        name: 'tensorflow',
        why: wanted === 'auto' ? 'tfjs-node loaded (native TensorFlow)' : 'requested',
        simd: false,
        threads: 0,
        registeredKernels: [],
      };
      return current;
    }
    if (wanted === 'tensorflow') throw new ParameterError(`backend='tensorflow' unavailable: ${failure}`);
    reasons.push(failure);
  }
  if (wanted === 'auto' || wanted === 'wasm') {
    const { failure, threads: actual } = await tryWasm(threads);
    if (failure === null) {
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const head = wanted === 'auto' ? `${reasons.join('; ')}; using wasm` : 'requested wasm';
      current = {
        name: 'wasm',
        why: `${head} (${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'})`,
        simd,
        threads: actual,
        registeredKernels: registerWasmTrainingKernels(),
      };
      return current;
    }
    if (wanted === 'wasm') throw new ParameterError(`backend='wasm' unavailable: ${failure}`);
    reasons.push(failure);
  }
  if (!(await tf.setBackend('cpu'))) throw new ParameterError('the tfjs cpu backend failed to initialise');
  current = {
    name: 'cpu',
    why: wanted === 'auto' ? `${reasons.join('; ')}; using pure-JS cpu` : 'requested',
    simd: false,
    threads: 0,
    registeredKernels: [],
  };
  return current;
}

/**
 * The active backend as {@link BackendInfo}. Before {@link initBackend} ran (or when tfjs was
 * switched behind our back) it describes `tf.getBackend()` with `why: 'not chosen by specmorph'`.
 */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  if (current && current.name === name) return { ...current, registeredKernels: [...current.registeredKernels] };
  return { name, why: 'not chosen by specmorph (call initBackend())', simd: false, threads: 0, registeredKernels: [] };
}

/** One line for logs: `wasm (SIMD, 2 threads; kernels +Conv2DBackpropFilter,...) - why`. */
export function formatBackendInfo(info: BackendInfo): string {
  const extras =
    info.name === 'wasm'
      ? ` (${info.simd ? 'SIMD' : 'no SIMD'}, ${info.threads} thread${info.threads === 1 ? '' : 's'}; ` +
        `kernels +${info.registeredKernels.join(',+')})`
      : '';
  return `backend ${info.name}${extras}: ${info.why}`;
}
