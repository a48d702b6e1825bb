import { assert } from '../errors';
import { firstNonFinite, Spectrogram } from '../grid/grid';
import { FrameAnalyser } from './analyser';
import { DbOptions, dbInPlace, resolveDb } from './db';
import { melBank, MelOptions, resolveMel, SparseBank } from './mel';
import { checkSignal, frameCount, ResolvedStft, resolveStft, StftOptions } from './options';
import { frameTimes, resolvePower } from './spectrogram';

/** Options of {@link melSpectrogram}: STFT, mel filterbank, sample rate and exponent. */
export interface MelSpectrogramOptions extends StftOptions, MelOptions {
  /** Sample rate of the signal in Hz. Required. */
  sampleRate: number;
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

export function planMel(opts: MelSpectrogramOptions): MelPlan {
  const cfg = resolveStft(opts);
  const power = resolvePower(opts);
  const mel = resolveMel(opts, opts.sampleRate);
  return { cfg, bank: melBank(opts.sampleRate, cfg.nFft, mel), power, sampleRate: opts.sampleRate };
}

/**
 * Per-frame mel projection: |X|^p of one analysed frame times the sparse filterbank, written to column
 * `col` of a rows x cols output. Holds the |X|^p scratch buffer so frames allocate nothing.
 */
export class MelKernel {
  readonly an: FrameAnalyser;
  private readonly mag: Float64Array;
  constructor(readonly plan: MelPlan) {
    this.an = new FrameAnalyser(plan.cfg);
    this.mag = new Float64Array(this.an.fft.bins);
  }

  frame(x: Float32Array, t: number, base: number, total: number, out: Float32Array, cols: number, col: number): void {
    const spec = this.an.analyse(x, t, base, total);
    const mag = this.mag;
    const bins = mag.length;
    if (this.plan.power === 2) {
      for (let r = 0; r < bins; r++) mag[r] = spec[2 * r] * spec[2 * r] + spec[2 * r + 1] * spec[2 * r + 1];
    } else {
      for (let r = 0; r < bins; r++) mag[r] = Math.sqrt(spec[2 * r] * spec[2 * r] + spec[2 * r + 1] * spec[2 * r + 1]);
    }
    const { start, weights, rows } = this.plan.bank;
    for (let m = 0, i = col; m < rows; m++, i += cols) {
      const w = weights[m];
      const s = start[m];
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * mag[s + k];
      out[i] = acc;
    }
  }
}

/** Wraps mel data with its axes (band centres, frame centres). */
export function melSpectrogramResult(plan: MelPlan, data: Float32Array, cols: number, firstFrame = 0): Spectrogram {
  const { cfg, bank, sampleRate } = plan;
  const times = frameTimes(firstFrame + cols, sampleRate, cfg.hopLength, cfg.nFft, cfg.center).slice(firstFrame);
  return {
    rows: bank.rows, cols, data, sampleRate, hopLength: cfg.hopLength,
    frequencies: bank.centres.slice(), times, scale: 'mel', unit: plan.power === 2 ? 'power' : 'amplitude',
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
export function melSpectrogram(x: Float32Array, opts: MelSpectrogramOptions): Spectrogram {
  checkSignal(x);
  const plan = planMel(opts);
  const cols = frameCount(x.length, plan.cfg);
  const data = new Float32Array(plan.bank.rows * cols);
  const k = new MelKernel(plan);
  for (let t = 0; t < cols; t++) k.frame(x, t, 0, x.length, data, cols, t);
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
export function logMelSpectrogram(x: Float32Array, opts: LogMelSpectrogramOptions): Spectrogram {
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
export function* melSpectrogramBlocks(source: Float32Array | Iterable<Float32Array>, opts: MelSpectrogramBlocksOptions): Generator<MelBlock> {
  const plan = planMel(opts);
  const blockFrames = opts.blockFrames ?? 4096;
  assert(Number.isInteger(blockFrames) && blockFrames > 0, () => `blockFrames=${blockFrames} must be a positive integer`);
  const { cfg } = plan;
  const kernel = new MelKernel(plan);
  const rows = plan.bank.rows;
  const off = cfg.center ? Math.floor(cfg.nFft / 2) : 0;
  let block = new Float32Array(rows * blockFrames);
  let filled = 0;
  let blockStart = 0;
  let t = 0;

  const flush = function* (): Generator<MelBlock> {
    if (filled === 0) return;
    let data = block;
    if (filled < blockFrames) {
      // compact the partial last block to rows x filled
      data = new Float32Array(rows * filled);
      for (let r = 0; r < rows; r++) data.set(block.subarray(r * blockFrames, r * blockFrames + filled), r * filled);
    }
    yield { ...melSpectrogramResult(plan, data, filled, blockStart), firstFrame: blockStart };
    blockStart += filled;
    filled = 0;
    block = new Float32Array(rows * blockFrames);
  };
  const emit = function* (x: Float32Array, base: number, total: number): Generator<MelBlock> {
    kernel.frame(x, t, base, total, block, blockFrames, filled);
    t++;
    filled++;
    if (filled === blockFrames) yield* flush();
  };

  if (source instanceof Float32Array) {
    checkSignal(source, 'source');
    const n = frameCount(source.length, cfg);
    while (t < n) yield* emit(source, 0, source.length);
    yield* flush();
    return;
  }

  // Chunked input: keep the samples from the first one still needed; a frame is computed once the
  // samples after its end are known to exist (or the stream has ended and the right pad is known).
  let buf = new Float32Array(Math.max(4 * cfg.nFft, 1 << 16));
  let bufStart = 0; // whole-signal index of buf[0]
  let bufLen = 0;
  let received = 0;
  let chunkIndex = 0;
  for (const chunk of source) {
    assert(chunk instanceof Float32Array, () => `source chunk ${chunkIndex} must be a Float32Array`);
    const bad = firstNonFinite(chunk);
    assert(bad < 0, () => `source chunk ${chunkIndex}[${bad}]=${chunk[bad]}: audio must be finite everywhere`);
    chunkIndex++;
    // Drop samples no pending frame can need: frame t reads from t*hop - off; reflect padding at the
    // far end reads at most nFft samples back from the end, so keep those too.
    const keepFrom = Math.max(0, Math.min(t * cfg.hopLength - off, received - cfg.nFft - 1));
    if (keepFrom > bufStart) {
      buf.copyWithin(0, keepFrom - bufStart, bufLen);
      bufLen -= keepFrom - bufStart;
      bufStart = keepFrom;
    }
    if (bufLen + chunk.length > buf.length) {
      const bigger = new Float32Array(Math.max(2 * buf.length, bufLen + chunk.length));
      bigger.set(buf.subarray(0, bufLen));
      buf = bigger;
    }
    buf.set(chunk, bufLen);
    bufLen += chunk.length;
    received += chunk.length;
    // A frame is final when its last sample plus a margin (so the left reflection of the first frames
    // sees the same signal as with the full length) has arrived.
    while (t * cfg.hopLength - off + cfg.nFft + cfg.nFft + 2 <= received) {
      yield* emit(buf, bufStart, received);
    }
  }
  assert(received > 0, () => 'source yielded no samples: the signal must have at least one sample');
  const n = frameCount(received, cfg);
  const view = buf.subarray(0, bufLen);
  while (t < n) yield* emit(view, bufStart, received);
  yield* flush();
}
