import { assert } from '../errors';
import { firstNonFinite, Spectrogram } from '../grid/grid';
import { FrameAnalyser } from './analyser';
import { DbOptions, dbInPlace, resolveDb } from './db';
import { melBank, MelOptions, resolveMel, SparseBank } from './mel';
import {
  assertOutputFits,
  checkSignal,
  frameCount,
  ResolvedStft,
  resolveSignal,
  resolveStft,
  type Signal,
  type StftOptions,
} from './options';
import { frameTimes, resolvePower, storeTile, TILE } from './spectrogram';
import { SimdPower, simdPower } from './simdPower';

/** Options of {@link melSpectrogram}: STFT, mel filterbank, sample rate and exponent. */
export interface MelSpectrogramOptions extends StftOptions, MelOptions {
  /** Sample rate of the signal in Hz. @default the Audio's own; required with a Float32Array */
  sampleRate?: number;
  /**
   * Exponent of the STFT magnitude before the filterbank: 2 (power, librosa default) or 1 (amplitude).
   * @default 2
   */
  power?: 1 | 2;
}

/** Everything the fused mel kernel needs, checked once. */
export interface MelPlan {
  cfg: ResolvedStft;
  bank: SparseBank;
  power: 1 | 2;
  sampleRate: number;
}

export function planMel(opts: MelSpectrogramOptions & { sampleRate: number }): MelPlan {
  const cfg = resolveStft(opts);
  const power = resolvePower(opts);
  const mel = resolveMel(opts, opts.sampleRate);
  return { cfg, bank: melBank(opts.sampleRate, cfg.nFft, mel), power, sampleRate: opts.sampleRate };
}

/**
 * Filterbank projection of analysed frames: |X|^p times the sparse filterbank, written to columns of
 * a rows x cols output. With the SIMD kernel (power-of-two nFft) a block of frames at a time, the
 * projection in the same WebAssembly module (float32 sums); otherwise frame by frame through fft.js
 * and a small time-major tile (float64 sums). Holds every scratch buffer, so frames allocate nothing.
 */
export class MelKernel {
  readonly an: FrameAnalyser;
  private readonly simd: SimdPower | null;
  private readonly mag: Float64Array;
  private readonly tile: Float64Array;
  constructor(readonly plan: MelPlan) {
    this.an = new FrameAnalyser(plan.cfg);
    this.simd = simdPower(plan.cfg, plan.bank);
    this.mag = new Float64Array(this.simd ? 0 : this.an.fft.bins);
    this.tile = new Float64Array(this.simd ? 0 : TILE * plan.bank.rows);
  }

  /** Frames t0 .. t0+n-1 of the signal (x holds whole-signal samples from index `base`) into columns c0.. of out. */
  frames(
    x: Float32Array,
    t0: number,
    n: number,
    base: number,
    total: number,
    out: Float32Array,
    cols: number,
    c0: number,
  ): void {
    if (this.simd) this.simd.columns(x, base, total, t0, n, this.plan.power, out, cols, c0);
    else this.framesFftJs(x, t0, n, base, total, out, cols, c0);
  }

  private framesFftJs(
    x: Float32Array,
    t0: number,
    n: number,
    base: number,
    total: number,
    out: Float32Array,
    cols: number,
    c0: number,
  ): void {
    const mag = this.mag;
    const bins = mag.length;
    const { start, weights, rows } = this.plan.bank;
    const tile = this.tile;
    for (let b = 0; b < n; b += TILE) {
      const nb = Math.min(TILE, n - b);
      for (let k = 0; k < nb; k++) {
        this.an.analysePower(x, t0 + b + k, base, total, mag, 0);
        if (this.plan.power === 1) for (let r = 0; r < bins; r++) mag[r] = Math.sqrt(mag[r]);
        project(mag, start, weights, rows, tile, k * rows);
      }
      storeTile(tile, nb, rows, out, cols, c0 + b);
    }
  }
}

// The projection lives in its own function so V8 optimises it apart from the FFT (inlined into one
// large frame loop such loops ran ~2x slower).
function project(
  mag: Float64Array,
  start: Int32Array,
  weights: Float64Array[],
  rows: number,
  tile: Float64Array,
  o: number,
): void {
  for (let m = 0; m < rows; m++) {
    const w = weights[m];
    const s = start[m];
    let acc = 0;
    for (let j = 0; j < w.length; j++) acc += w[j] * mag[s + j];
    tile[o + m] = acc;
  }
}

/** Wraps mel data with its axes (band centres, frame centres). */
export function melSpectrogramResult(plan: MelPlan, data: Float32Array, cols: number, firstFrame = 0): Spectrogram {
  const { cfg, bank, sampleRate } = plan;
  const times = frameTimes(firstFrame + cols, sampleRate, cfg.hopLength, cfg.nFft, cfg.center).slice(firstFrame);
  return {
    rows: bank.rows,
    cols,
    data,
    sampleRate,
    hopLength: cfg.hopLength,
    frequencies: bank.centres.slice(),
    times,
    scale: 'mel',
    unit: plan.power === 2 ? 'power' : 'amplitude',
  };
}

/**
 * Mel spectrogram, as `librosa.feature.melspectrogram(y, sr, n_fft, hop_length, win_length, window,
 * center, pad_mode, power, n_mels, fmin, fmax, htk, norm)`: `melFilterbank @ |stft(x)|^power`.
 *
 * Output: Spectrogram nMels x frames; frequencies = the centre (peak) frequency of each mel band in Hz,
 * times = frame centres in s; scale 'mel', unit 'power' (power 2) or 'amplitude' (power 1).
 * Notes: framing as {@link stft}; the filterbank is applied frame by frame on its non-zero span, so no
 * linear spectrogram is materialised (extra memory O(nFft + nMels * bins), not O(frames)).
 */
export function melSpectrogram(signal: Signal, options: MelSpectrogramOptions = {}): Spectrogram {
  const { samples: x, opts } = resolveSignal(signal, options);
  const plan = planMel(opts);
  const cols = frameCount(x.length, plan.cfg);
  assertOutputFits(plan.bank.rows, cols, 4, plan.cfg, x.length);
  const data = new Float32Array(plan.bank.rows * cols);
  const k = new MelKernel(plan);
  k.frames(x, 0, cols, 0, x.length, data, cols, 0);
  return melSpectrogramResult(plan, data, cols);
}

/** Options of {@link logMelSpectrogram}: mel spectrogram options plus the dB conversion's. */
export interface LogMelSpectrogramOptions extends MelSpectrogramOptions, DbOptions {}

/**
 * Log-mel spectrogram: `powerToDb(melSpectrogram(x))` (or amplitudeToDb when power = 1) computed with
 * no intermediate beyond the output: the dB conversion runs in place.
 *
 * Output: Spectrogram nMels x frames, unit 'dB'. Suitable for hours of audio (extra memory is O(nFft +
 * nMels * bins)); see {@link melSpectrogramBlocks} for chunked input.
 */
export function logMelSpectrogram(x: Signal, opts: LogMelSpectrogramOptions = {}): Spectrogram {
  const power = opts.power ?? 2;
  const db = resolveDb(opts, power === 1 ? 1e-5 : 1e-10);
  const s = melSpectrogram(x, opts);
  dbInPlace(s.data, s.data, db, power === 1);
  return { ...s, unit: 'dB' };
}

/** Options of {@link melSpectrogramBlocks}. */
export interface MelSpectrogramBlocksOptions extends MelSpectrogramOptions {
  /**
   * Frames per yielded block (the last block may be shorter).
   * @default 4096
   */
  blockFrames?: number;
}

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
 * Notes: dB with `ref: 'max'` or `topDb` needs the global maximum: convert after the last block, or use
 * a fixed `ref` and `topDb: null` per block.
 */
export function* melSpectrogramBlocks(
  source: Float32Array | Iterable<Float32Array>,
  opts: MelSpectrogramBlocksOptions,
): Generator<MelBlock> {
  const stream = new MelStream(opts);
  if (source instanceof Float32Array) {
    yield* stream.whole(source);
    return;
  }
  for (const chunk of source) yield* stream.push(chunk);
  yield* stream.end();
}

/**
 * {@link melSpectrogramBlocks} for asynchronous chunk sources (`AsyncIterable<Float32Array>`, e.g. a
 * file read and decoded piece by piece, or a Node stream of Float32Array chunks). Same blocks, same
 * values, same memory bound.
 */
export async function* melSpectrogramBlocksAsync(
  source: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  opts: MelSpectrogramBlocksOptions,
): AsyncGenerator<MelBlock> {
  const stream = new MelStream(opts);
  for await (const chunk of source) yield* stream.push(chunk);
  yield* stream.end();
}

/**
 * Push-driven state of the block-wise mel spectrogram: the samples still needed, the partly filled
 * block and the next frame index. Internal; use melSpectrogramBlocks / melSpectrogramBlocksAsync.
 */
class MelStream {
  private readonly plan: MelPlan;
  private readonly cfg: ResolvedStft;
  private readonly kernel: MelKernel;
  private readonly rows: number;
  private readonly blockFrames: number;
  private readonly off: number;
  private block: Float32Array;
  private filled = 0;
  private blockStart = 0;
  private t = 0;
  // chunked input: buf[0] is whole-signal sample bufStart
  private buf: Float32Array;
  private bufStart = 0;
  private bufLen = 0;
  private received = 0;
  private chunkIndex = 0;

  constructor(opts: MelSpectrogramBlocksOptions) {
    // Chunks are bare samples, so the rate must be given.
    assert(opts.sampleRate !== undefined, () => 'sampleRate is required (opts.sampleRate is undefined)');
    this.plan = planMel({ ...opts, sampleRate: opts.sampleRate });
    this.cfg = this.plan.cfg;
    const blockFrames = opts.blockFrames ?? 4096;
    assert(
      Number.isInteger(blockFrames) && blockFrames > 0,
      () => `blockFrames=${blockFrames} must be a positive integer`,
    );
    this.blockFrames = blockFrames;
    this.kernel = new MelKernel(this.plan);
    this.rows = this.plan.bank.rows;
    this.off = this.cfg.center ? Math.floor(this.cfg.nFft / 2) : 0;
    this.block = new Float32Array(this.rows * blockFrames);
    this.buf = new Float32Array(Math.max(4 * this.cfg.nFft, 1 << 16));
  }

  /** All blocks of a signal given whole (no copy of it is made). */
  *whole(x: Float32Array): Generator<MelBlock> {
    checkSignal(x, 'source');
    yield* this.emit(x, 0, x.length, frameCount(x.length, this.cfg));
    yield* this.flush();
  }

  /** Takes the next chunk; yields the blocks it completes. */
  *push(chunk: Float32Array): Generator<MelBlock> {
    const i = this.chunkIndex++;
    assert(chunk instanceof Float32Array, () => `source chunk ${i} must be a Float32Array`);
    const bad = firstNonFinite(chunk);
    assert(bad < 0, () => `source chunk ${i}[${bad}]=${chunk[bad]}: audio must be finite everywhere`);
    const { hopLength, nFft } = this.cfg;
    // Drop samples no pending frame can need: frame t reads from t*hop - off; reflect padding at the
    // far end reads at most nFft samples back from the end, so keep those too.
    const keepFrom = Math.max(0, Math.min(this.t * hopLength - this.off, this.received - nFft - 1));
    if (keepFrom > this.bufStart) {
      this.buf.copyWithin(0, keepFrom - this.bufStart, this.bufLen);
      this.bufLen -= keepFrom - this.bufStart;
      this.bufStart = keepFrom;
    }
    if (this.bufLen + chunk.length > this.buf.length) {
      const bigger = new Float32Array(Math.max(2 * this.buf.length, this.bufLen + chunk.length));
      bigger.set(this.buf.subarray(0, this.bufLen));
      this.buf = bigger;
    }
    this.buf.set(chunk, this.bufLen);
    this.bufLen += chunk.length;
    this.received += chunk.length;
    // A frame is final once nFft + 2 samples beyond its end have arrived: it needs no right padding,
    // and the left reflection of the first frames sees the same samples as with the full length.
    const ready = Math.floor((this.received - 2 * nFft - 2 + this.off) / hopLength) + 1;
    if (ready > this.t) yield* this.emit(this.buf, this.bufStart, this.received, ready);
  }

  /** The source has ended: the remaining frames (with right padding) and the last partial block. */
  *end(): Generator<MelBlock> {
    assert(this.received > 0, () => 'source yielded no samples: the signal must have at least one sample');
    const n = frameCount(this.received, this.cfg);
    yield* this.emit(this.buf.subarray(0, this.bufLen), this.bufStart, this.received, n);
    yield* this.flush();
  }

  // Computes frames up to `upTo` (exclusive) from the samples at hand, yielding every filled block.
  private *emit(x: Float32Array, base: number, total: number, upTo: number): Generator<MelBlock> {
    while (this.t < upTo) {
      const n = Math.min(upTo - this.t, this.blockFrames - this.filled);
      this.kernel.frames(x, this.t, n, base, total, this.block, this.blockFrames, this.filled);
      this.t += n;
      this.filled += n;
      if (this.filled === this.blockFrames) yield* this.flush();
    }
  }

  private *flush(): Generator<MelBlock> {
    const { filled, blockFrames, rows } = this;
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
    yield { ...melSpectrogramResult(this.plan, data, filled, first), firstFrame: first };
  }
}
