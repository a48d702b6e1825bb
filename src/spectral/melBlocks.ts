// Block-wise mel spectrogram of long signals, given whole or as chunks, in-process or on worker threads.
import * as os from 'node:os';
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { assert, checkOptionNames, formatValue, type OptionNames, ParameterError, SpecmorphError } from '../errors';
import { firstNonFinite } from '../grid/grid';
import { startWorker, workerScriptPath } from '../workers';
import { DbOptions, dbInPlace, resolveDb } from './db';
import {
  MEL_SPECTROGRAM_OPTIONS,
  MelKernel,
  MelPlan,
  melSpectrogramOf,
  melSpectrogramResult,
  MelSpectrogramOptions,
  planMel,
} from './melSpectrogram';
import {
  assertOutputFits,
  checkSignal,
  DB_OPTIONS,
  frameCount,
  ResolvedStft,
  resolveSignal,
  type Signal,
} from './options';
import type { Spectrogram } from '../grid/grid';

/** Options of {@link melSpectrogramBlocks}. */
export interface MelSpectrogramBlocksOptions extends MelSpectrogramOptions {
  /**
   * Frames per yielded block (the last block may be shorter).
   * @default 4096
   */
  blockFrames?: number;
}

/** Options of {@link melSpectrogramBlocksAsync}: those of {@link melSpectrogramBlocks} plus the threads. */
export interface MelSpectrogramBlocksAsyncOptions extends MelSpectrogramBlocksOptions {
  /**
   * Worker threads computing the blocks (node worker_threads), or 0 to compute them in this thread.
   * `'auto'`: one fewer than the cores (`os.availableParallelism()`), this thread computing blocks
   * too (while the workers load, and whenever each loaded worker already holds two); in this thread
   * alone when the whole signal turns out to be one block or there is one core.
   * Why 0 by default: on the 2-core VM this was measured on, `'auto'` gained little: an hour of
   * audio took 0.43-0.57 s against 0.48-0.70 s in this thread (1.02-1.30x faster over seven runs),
   * and 1 or 2 workers without this thread were slower than it (0.54-0.80 s): two threads streaming
   * through memory there each run at ~60 % of one alone, and a worker costs ~100 ms to start. Use
   * workers where cores have memory bandwidth to spare, and measure (`npm run bench -- w1`).
   * @default 0
   */
  workers?: number | 'auto';
}

const BLOCKS_OPTIONS: OptionNames<MelSpectrogramBlocksOptions> = { ...MEL_SPECTROGRAM_OPTIONS, blockFrames: true };
const BLOCKS_ASYNC_OPTIONS: OptionNames<MelSpectrogramBlocksAsyncOptions> = { ...BLOCKS_OPTIONS, workers: true };

/** One block of a block-wise mel spectrogram: frames `firstFrame .. firstFrame + cols - 1`. */
export interface MelBlock extends Spectrogram {
  firstFrame: number;
}

/**
 * Block-wise mel spectrogram of a long signal, given whole (`Float32Array`) or as consecutive chunks
 * of any sizes (an iterable of Float32Array, e.g. decoded file segments). Yields Spectrogram blocks of
 * `blockFrames` columns whose concatenation equals `melSpectrogram` of the whole signal exactly (same
 * kernel, same float operations), including the `center` padding at both ends.
 *
 * Memory: one block (nMels x blockFrames floats), the samples of frames not yet complete (about
 * nFft plus one chunk) and the FFT scratch; the signal is never copied when given whole.
 * Notes: runs in the calling thread; {@link melSpectrogramBlocksAsync} spreads the blocks over all
 * cores. dB with `ref: 'max'` or `topDb` needs the global maximum: convert after the last block, or
 * use a fixed `ref` and `topDb: null` per block.
 */
export function* melSpectrogramBlocks(
  source: Float32Array | Iterable<Float32Array>,
  opts: MelSpectrogramBlocksOptions,
): Generator<MelBlock> {
  checkOptionNames(opts, BLOCKS_OPTIONS, 'melSpectrogramBlocks');
  const stream = new MelStream(opts);
  if (source instanceof Float32Array) {
    yield* stream.whole(source);
    return;
  }
  for (const chunk of source) yield* stream.push(chunk);
  yield* stream.end();
}

/**
 * {@link melSpectrogramBlocks} for a whole signal or asynchronous chunk sources
 * (`AsyncIterable<Float32Array>`, e.g. a file read and decoded piece by piece, or a Node stream of
 * Float32Array chunks), with the blocks computed on worker threads when asked (`workers`; in this
 * thread by default). Same blocks in the same order, the same values bit for bit whatever the number of threads.
 *
 * Memory: with workers, at most two blocks per worker are in flight (each: its samples, about
 * blockFrames * hopLength floats, and its nMels x blockFrames output), plus the samples of frames not
 * yet complete; a whole Float32Array signal is not copied, only each block's slice of it.
 * Errors: a failure inside a worker thread rejects with a SpecmorphError naming `source` and the
 * block's frames; every worker is terminated (also when the caller stops iterating early).
 */
export async function* melSpectrogramBlocksAsync(
  source: Float32Array | AsyncIterable<Float32Array> | Iterable<Float32Array>,
  opts: MelSpectrogramBlocksAsyncOptions,
): AsyncGenerator<MelBlock> {
  checkOptionNames(opts, BLOCKS_ASYNC_OPTIONS, 'melSpectrogramBlocksAsync');
  const workers = resolveWorkers(opts.workers);
  if (workers.count === 0) {
    const stream = new MelStream(opts);
    if (source instanceof Float32Array) {
      yield* stream.whole(source);
      return;
    }
    for await (const chunk of source) yield* stream.push(chunk);
    yield* stream.end();
    return;
  }
  yield* parallelMelBlocks(source, opts, workers.count, workers.auto, melWorkerScript());
}

/**
 * The blocks computed on `count` worker threads running `script` (the worker entry point; tests
 * pass a failing one). Internal: {@link melSpectrogramBlocksAsync} is the public form.
 */
export function parallelMelBlocks(
  source: Float32Array | AsyncIterable<Float32Array> | Iterable<Float32Array>,
  opts: MelSpectrogramBlocksOptions,
  count: number,
  auto: boolean,
  script: string,
): AsyncGenerator<MelBlock> {
  return new ParallelMelStream(opts, count, auto, script).blocks(source);
}

/**
 * {@link melSpectrogram} on worker threads (`workers`; in this thread by default): the signal is cut
 * into blocks of `blockFrames` frames which the workers write straight into the output, a
 * Float32Array over a SharedArrayBuffer (no per-block buffers, no copies). Bit for bit the same
 * values as `melSpectrogram`.
 *
 * Output: Spectrogram nMels x frames, as {@link melSpectrogram}; `data.buffer` is a SharedArrayBuffer
 * (postMessage shares it rather than copying it).
 * Memory: the output, plus at most two blocks' samples (blockFrames * hopLength floats each) per
 * worker; the signal is not copied.
 * Notes: worth it on long signals (hours at 16 kHz): starting a worker costs about as much as minutes
 * of audio. Errors in a worker reject with a SpecmorphError naming `source`; workers are terminated.
 */
export async function melSpectrogramAsync(
  signal: Signal,
  options: MelSpectrogramAsyncOptions = {},
): Promise<Spectrogram> {
  checkOptionNames(options, ASYNC_OPTIONS, 'melSpectrogramAsync');
  return melSpectrogramAsyncOf(signal, options);
}

/** {@link melSpectrogramAsync} without its option-name check (logMelSpectrogramAsync adds the dB options). */
async function melSpectrogramAsyncOf(signal: Signal, options: MelSpectrogramAsyncOptions): Promise<Spectrogram> {
  const { samples: x, opts } = resolveSignal(signal, options);
  const workers = resolveWorkers(opts.workers);
  const p = planBlocks(opts);
  const cols = frameCount(x.length, p.cfg);
  assertOutputFits(p.rows, cols, 4, p.cfg, x.length);
  if (workers.count === 0) {
    const s = melSpectrogramOf(x, opts);
    opts.onProgress?.(cols, cols);
    return s;
  }
  const data = new Float32Array(new SharedArrayBuffer(4 * p.rows * cols));
  await new ParallelMelStream(opts, workers.count, workers.auto, melWorkerScript(), { data, cols }).fill(
    x,
    opts.onProgress,
  );
  return melSpectrogramResult(p.plan, data, cols);
}

/** Options of {@link melSpectrogramAsync}. */
export interface MelSpectrogramAsyncOptions extends MelSpectrogramBlocksAsyncOptions {
  /**
   * Called as blocks are done, in order, with the frames done so far and the signal's frame count
   * (with `workers: 0`, once at the end).
   * @default undefined
   */
  onProgress?: (doneFrames: number, totalFrames: number) => void;
}

const ASYNC_OPTIONS: OptionNames<MelSpectrogramAsyncOptions> = { ...BLOCKS_ASYNC_OPTIONS, onProgress: true };

/** Options of {@link logMelSpectrogramAsync}. */
export interface LogMelSpectrogramAsyncOptions extends MelSpectrogramAsyncOptions, DbOptions {}

const LOG_ASYNC_OPTIONS: OptionNames<LogMelSpectrogramAsyncOptions> = { ...ASYNC_OPTIONS, ...DB_OPTIONS };

/**
 * {@link logMelSpectrogram} on worker threads: {@link melSpectrogramAsync}, then the dB conversion in
 * place (in this thread, WebAssembly SIMD). Bit for bit the same values as `logMelSpectrogram`.
 *
 * Output: Spectrogram nMels x frames, unit 'dB', its data over a SharedArrayBuffer.
 */
export async function logMelSpectrogramAsync(
  x: Signal,
  opts: LogMelSpectrogramAsyncOptions = {},
): Promise<Spectrogram> {
  checkOptionNames(opts, LOG_ASYNC_OPTIONS, 'logMelSpectrogramAsync');
  const power = opts.power ?? 2;
  const db = resolveDb(opts, power === 1 ? 1e-5 : 1e-10);
  const s = await melSpectrogramAsyncOf(x, opts);
  dbInPlace(s.data, s.data, db, power === 1);
  return { ...s, unit: 'dB' };
}

function resolveWorkers(workers: number | 'auto' | undefined): { count: number; auto: boolean } {
  if (workers === undefined) return { count: 0, auto: false };
  if (workers === 'auto') {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    // this thread computes blocks too: one worker fewer than cores
    return { count: existsSync(melWorkerScript()) ? cores - 1 : 0, auto: true };
  }
  assert(
    Number.isInteger(workers) && workers >= 0,
    () => `workers=${formatValue(workers)} must be an integer >= 0 or 'auto'`,
  );
  return { count: workers, auto: false };
}

/** Path of the worker entry point (melWorker.ts under tsx, melWorker.js from dist/). */
export function melWorkerScript(): string {
  return workerScriptPath(__filename, 'melWorker');
}

/** What every block-wise form checks and derives from its options once. */
interface BlockPlan {
  plan: MelPlan;
  cfg: ResolvedStft;
  rows: number;
  blockFrames: number;
  /** Whole-signal index of frame 0's first sample is -off. */
  off: number;
}

function planBlocks(opts: MelSpectrogramBlocksOptions): BlockPlan {
  // Chunks are bare samples, so the rate must be given.
  assert(opts.sampleRate !== undefined, () => 'sampleRate is required (opts.sampleRate is undefined)');
  const plan = planMel({ ...opts, sampleRate: opts.sampleRate });
  const blockFrames = opts.blockFrames ?? 4096;
  assert(
    Number.isInteger(blockFrames) && blockFrames > 0,
    () => `blockFrames=${formatValue(blockFrames)} must be a positive integer`,
  );
  const cfg = plan.cfg;
  assertOutputFits(plan.bank.rows, blockFrames, 4, cfg, blockFrames * cfg.hopLength);
  return { plan, cfg, rows: plan.bank.rows, blockFrames, off: cfg.center ? Math.floor(cfg.nFft / 2) : 0 };
}

/**
 * The samples of a chunked signal that pending frames still need: `buf[0 .. len)` are whole-signal
 * samples `start ..`; `received` samples have arrived in all.
 */
class ChunkSamples {
  buf: Float32Array;
  start = 0;
  len = 0;
  received = 0;
  private chunkIndex = 0;

  constructor(private readonly p: BlockPlan) {
    this.buf = new Float32Array(Math.max(4 * p.cfg.nFft, 1 << 16));
  }

  /** Checks the next chunk and appends it, first dropping the samples frame `t` and later no longer need. */
  push(chunk: Float32Array, t: number): void {
    const i = this.chunkIndex++;
    assert(chunk instanceof Float32Array, () => `source chunk ${i} must be a Float32Array`);
    const bad = firstNonFinite(chunk);
    assert(bad < 0, () => `source chunk ${i}[${bad}]=${chunk[bad]}: audio must be finite everywhere`);
    const keepFrom = firstNeeded(this.p, t, this.received);
    if (keepFrom > this.start) {
      this.buf.copyWithin(0, keepFrom - this.start, this.len);
      this.len -= keepFrom - this.start;
      this.start = keepFrom;
    }
    if (this.len + chunk.length > this.buf.length) {
      const bigger = new Float32Array(Math.max(2 * this.buf.length, this.len + chunk.length));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    this.received += chunk.length;
  }

  /**
   * Frames that are final with `received` samples: a frame is once nFft + 2 samples beyond its end
   * have arrived: it needs no right padding, and the left reflection of the first frames sees the
   * same samples as with the full length.
   */
  ready(): number {
    const { nFft, hopLength } = this.p.cfg;
    return Math.floor((this.received - 2 * nFft - 2 + this.p.off) / hopLength) + 1;
  }

  /** The samples at hand. */
  view(): Float32Array {
    return this.buf.subarray(0, this.len);
  }

  /** Asserts the source was not empty; the number of frames of the whole signal. */
  frames(): number {
    assert(this.received > 0, () => 'source yielded no samples: the signal must have at least one sample');
    return frameCount(this.received, this.p.cfg);
  }
}

/**
 * First whole-signal sample frames `t ..` of a signal of (at least) `total` samples read: frame t
 * reads from t*hop - off; reflect padding at the far end reads at most nFft samples back from the end.
 */
function firstNeeded(p: BlockPlan, t: number, total: number): number {
  return Math.max(0, Math.min(t * p.cfg.hopLength - p.off, total - p.cfg.nFft - 1));
}

/**
 * Push-driven state of the in-thread block-wise mel spectrogram: the samples still needed, the
 * partly filled block and the next frame index.
 */
class MelStream {
  private readonly p: BlockPlan;
  private readonly kernel: MelKernel;
  private readonly samples: ChunkSamples;
  private block: Float32Array;
  private filled = 0;
  private blockStart = 0;
  private t = 0;

  constructor(opts: MelSpectrogramBlocksOptions) {
    this.p = planBlocks(opts);
    this.kernel = new MelKernel(this.p.plan);
    this.samples = new ChunkSamples(this.p);
    this.block = new Float32Array(this.p.rows * this.p.blockFrames);
  }

  /** All blocks of a signal given whole (no copy of it is made). */
  *whole(x: Float32Array): Generator<MelBlock> {
    checkSignal(x, 'source');
    yield* this.emit(x, 0, x.length, frameCount(x.length, this.p.cfg));
    yield* this.flush();
  }

  /** Takes the next chunk; yields the blocks it completes. */
  *push(chunk: Float32Array): Generator<MelBlock> {
    const s = this.samples;
    s.push(chunk, this.t);
    const ready = s.ready();
    if (ready > this.t) yield* this.emit(s.view(), s.start, s.received, ready);
  }

  /** The source has ended: the remaining frames (with right padding) and the last partial block. */
  *end(): Generator<MelBlock> {
    const s = this.samples;
    yield* this.emit(s.view(), s.start, s.received, s.frames());
    yield* this.flush();
  }

  // Computes frames up to `upTo` (exclusive) from the samples at hand, yielding every filled block.
  private *emit(x: Float32Array, base: number, total: number, upTo: number): Generator<MelBlock> {
    const B = this.p.blockFrames;
    while (this.t < upTo) {
      const n = Math.min(upTo - this.t, B - this.filled);
      this.kernel.frames(x, this.t, n, base, total, this.block, B, this.filled);
      this.t += n;
      this.filled += n;
      if (this.filled === B) yield* this.flush();
    }
  }

  private *flush(): Generator<MelBlock> {
    const { filled } = this;
    const { blockFrames, rows, plan } = this.p;
    if (filled === 0) return;
    let data = this.block;
    if (filled < blockFrames) {
      // compact the partial last block to rows x filled
      data = new Float32Array(rows * filled);
      for (let r = 0; r < rows; r++)
        data.set(this.block.subarray(r * blockFrames, r * blockFrames + filled), r * filled);
    }
    const first = this.blockStart;
    this.blockStart += filled;
    this.filled = 0;
    this.block = new Float32Array(rows * blockFrames);
    yield melBlock(plan, data, filled, first);
  }
}

function melBlock(plan: MelPlan, data: Float32Array, cols: number, first: number): MelBlock {
  return { ...melSpectrogramResult(plan, data, cols, first), firstFrame: first };
}

/**
 * A block computed by a worker: frames `t0 .. t0+n-1` of the signal; x its samples from `base`.
 * With `out` (a rows x cols Float32Array over a SharedArrayBuffer) the frames go straight into its
 * columns t0.., else into a new rows x n block.
 */
export interface MelJob {
  x: Float32Array;
  base: number;
  total: number;
  t0: number;
  n: number;
  out: Float32Array | null;
  cols: number;
}

/**
 * A worker's answer: the block (rows x n; null when written into the job's `out`) and the job's
 * sample buffer back for reuse, or the error.
 */
export type MelJobResult =
  | { data: Float32Array | null; x: Float32Array; error?: undefined }
  | { error: { name: string; message: string } };

/** Where the frames go when written in place: a rows x cols output. */
interface MelOutput {
  data: Float32Array;
  cols: number;
}

const NO_BLOCK = new Float32Array(0);

interface Pending {
  job: { t0: number; n: number };
  resolve: (data: Float32Array) => void;
  reject: (e: Error) => void;
}

/** Jobs a worker holds at most (one computing, one waiting, so it never idles between them). */
const JOBS_PER_WORKER = 2;

/** A worker thread, the jobs sent to it (answered in order), and whether it has loaded. */
interface MelThread {
  w: Worker;
  queue: Pending[];
  ready: boolean;
}

/**
 * The block-wise mel spectrogram on worker threads: cuts the signal into jobs of blockFrames frames
 * (each with the samples its frames read, so padding and reflection are those of the whole signal),
 * keeps at most two jobs per worker in flight, and yields the blocks in order. In auto mode this
 * thread computes blocks itself while no loaded worker has room (until one has loaded, starting
 * takes 50-500 ms, as long as minutes of audio take; then whenever each holds two), up to two ahead
 * of the blocks still in the workers, and a signal of one block never starts any.
 */
class ParallelMelStream {
  private readonly p: BlockPlan;
  private readonly workers: MelThread[] = [];
  private readonly inFlight: { t0: number; n: number; data: Promise<Float32Array> }[] = [];
  /** Sample buffers the workers gave back. */
  private readonly spare: Float32Array[] = [];
  /** The data of the settled blocks (so finished() yields them without waiting for the others). */
  private readonly computed = new WeakMap<Promise<Float32Array>, Float32Array>();
  private kernel: MelKernel | null = null;
  private failure: Error | null = null;
  private closing = false;
  private t = 0;

  constructor(
    opts: MelSpectrogramBlocksOptions,
    private readonly count: number,
    private readonly auto: boolean,
    private readonly script: string,
    private readonly out: MelOutput | null = null,
  ) {
    this.p = planBlocks(opts);
  }

  /** The blocks, in order. */
  async *blocks(source: Float32Array | AsyncIterable<Float32Array> | Iterable<Float32Array>): AsyncGenerator<MelBlock> {
    for await (const { t0, n, data } of this.run(source)) yield melBlock(this.p.plan, data, n, t0);
  }

  /** Every frame of `x` written into the output given to the constructor; progress in frames. */
  async fill(x: Float32Array, onProgress?: (done: number, total: number) => void): Promise<void> {
    let done = 0;
    for await (const { n } of this.run(x)) {
      done += n;
      onProgress?.(done, this.out!.cols);
    }
  }

  /** The computed blocks in order: their first frame, frame count and data (NO_BLOCK when written in place). */
  private async *run(
    source: Float32Array | AsyncIterable<Float32Array> | Iterable<Float32Array>,
  ): AsyncGenerator<{ t0: number; n: number; data: Float32Array }> {
    const B = this.p.blockFrames;
    // blocks in flight: JOBS_PER_WORKER per worker, and in auto mode as many computed here, waiting
    // for their turn (this thread counts as one more worker)
    const cap = JOBS_PER_WORKER * (this.count + (this.auto ? 1 : 0));
    try {
      if (source instanceof Float32Array) {
        checkSignal(source, 'source');
        const frames = frameCount(source.length, this.p.cfg);
        while (this.t < frames) {
          if (this.inFlight.length >= cap) yield await this.next();
          await this.dispatch(source, 0, source.length, Math.min(B, frames - this.t), frames);
          yield* this.finished();
        }
      } else {
        const s = new ChunkSamples(this.p);
        for await (const chunk of source) {
          s.push(chunk, this.t);
          while (s.ready() - this.t >= B) {
            if (this.inFlight.length >= cap) yield await this.next();
            await this.dispatch(s.view(), s.start, s.received, B, null);
          }
          yield* this.finished();
        }
        const frames = s.frames();
        while (this.t < frames) {
          if (this.inFlight.length >= cap) yield await this.next();
          await this.dispatch(s.view(), s.start, s.received, Math.min(B, frames - this.t), frames);
        }
      }
      while (this.inFlight.length > 0) yield await this.next();
    } finally {
      this.closing = true;
      await Promise.all(this.workers.map(({ w }) => w.terminate()));
    }
  }

  private async next(): Promise<{ t0: number; n: number; data: Float32Array }> {
    const { t0, n, data } = this.inFlight.shift()!;
    return { t0, n, data: await data };
  }

  /** The blocks already computed, in order, without waiting for the others. */
  private *finished(): Generator<{ t0: number; n: number; data: Float32Array }> {
    while (this.inFlight.length > 0 && this.computed.has(this.inFlight[0].data)) {
      const { t0, n, data } = this.inFlight.shift()!;
      yield { t0, n, data: this.computed.get(data)! };
    }
  }

  /**
   * Frames `t .. t+n-1` to a worker, or computed here (auto mode, while no worker has loaded); `x`
   * holds whole-signal samples from `base`, `total` are at hand (all of them when `frames`, the
   * signal's frame count, is known).
   */
  private async dispatch(
    x: Float32Array,
    base: number,
    total: number,
    n: number,
    frames: number | null,
  ): Promise<void> {
    if (this.failure) throw this.failure;
    const t0 = this.t;
    this.t += n;
    const oneBlock = t0 === 0 && frames !== null && frames <= this.p.blockFrames;
    if (this.workers.length === 0 && !(this.auto && oneBlock))
      this.start(frames === null ? this.count : Math.ceil(frames / this.p.blockFrames));
    // Auto mode: only loaded workers with room take a block; while none has (none loaded yet, or each
    // holds JOBS_PER_WORKER), this thread computes it, so it works beside the workers, not idle.
    const open = this.auto ? this.workers.filter((w) => w.ready && w.queue.length < JOBS_PER_WORKER) : this.workers;
    if (open.length === 0) {
      this.kernel ??= new MelKernel(this.p.plan);
      if (this.out) {
        this.kernel.frames(x, t0, n, base, total, this.out.data, this.out.cols, t0);
        this.track(t0, n, Promise.resolve(NO_BLOCK));
      } else {
        const block = new Float32Array(this.p.rows * n);
        this.kernel.frames(x, t0, n, base, total, block, n, 0);
        this.track(t0, n, Promise.resolve(block));
      }
      // let the workers' "loaded" messages in
      await new Promise<void>((resolve) => setImmediate(resolve));
      return;
    }
    // The samples frames t0 .. t0+n-1 read: from their first (or, for right reflection, nFft back from
    // the end) to one past the last frame's end (left reflection reads sample `off`).
    const { hopLength, nFft } = this.p.cfg;
    const lo = firstNeeded(this.p, t0, total);
    const hi = Math.min(total, (t0 + n - 1) * hopLength - this.p.off + nFft + 1);
    const seg = this.buffer(hi - lo);
    seg.set(x.subarray(lo - base, hi - base));
    const worker = open.reduce((a, b) => (b.queue.length < a.queue.length ? b : a));
    this.track(
      t0,
      n,
      new Promise<Float32Array>((resolve, reject) => {
        worker.queue.push({ job: { t0, n }, resolve, reject });
      }),
    );
    const job: MelJob = { x: seg, base: lo, total, t0, n, out: this.out?.data ?? null, cols: this.out?.cols ?? n };
    worker.w.postMessage(job, [seg.buffer as ArrayBuffer]);
  }

  private track(t0: number, n: number, data: Promise<Float32Array>): void {
    // Settled blocks are recorded, and a rejection is never unhandled: the error is rethrown when the
    // block's turn comes (or by the next dispatch).
    data.then(
      (d) => this.computed.set(data, d),
      () => undefined,
    );
    this.inFlight.push({ t0, n, data });
  }

  /** A sample buffer of `len` floats: a returned one when large enough (no new pages to fault in). */
  private buffer(len: number): Float32Array {
    const i = this.spare.findIndex((b) => b.buffer.byteLength >= 4 * len);
    if (i < 0) return new Float32Array(len);
    const b = this.spare.splice(i, 1)[0];
    return new Float32Array(b.buffer, 0, len);
  }

  private start(count: number): void {
    // the resolved plan (plain data): the options may hold callbacks or buffers, which do not clone
    const plan: MelPlan = this.p.plan;
    for (let k = 0; k < Math.min(this.count, count); k++) {
      const entry: MelThread = { w: startWorker(this.script, { plan }), queue: [], ready: false };
      this.workers.push(entry);
      entry.w.on('message', (m: MelJobResult | 'ready') => {
        if (m === 'ready') {
          entry.ready = true;
          return;
        }
        const pending = entry.queue.shift();
        if (!pending) return;
        if (m.error) {
          this.fail(
            k,
            pending.job,
            m.error.name === 'ParameterError' ? ParameterError : SpecmorphError,
            m.error.message,
          );
          pending.reject(this.failure!);
          return;
        }
        this.spare.push(m.x);
        pending.resolve(m.data ?? NO_BLOCK);
      });
      entry.w.on('error', (e: Error) => this.fail(k, entry.queue[0]?.job, SpecmorphError, e.message, e));
      entry.w.on('exit', (code) => {
        if (!this.closing) this.fail(k, entry.queue[0]?.job, SpecmorphError, `exited with code ${code}`);
      });
    }
  }

  /** Records the first failure and rejects every pending block with it. */
  private fail(
    k: number,
    job: { t0: number; n: number } | undefined,
    kind: typeof SpecmorphError,
    message: string,
    cause?: Error,
  ): void {
    if (!this.failure) {
      const frames = job ? ` on frames ${job.t0}..${job.t0 + job.n - 1}` : '';
      this.failure = new kind(`source: mel worker thread ${k}${frames} failed: ${message}`, { cause });
    }
    for (const { queue } of this.workers) for (const p of queue.splice(0)) p.reject(this.failure);
  }
}
