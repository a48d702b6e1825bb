import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { ComplexGrid } from '../grid/grid';
import { realFft } from './fft';
import { resolveStft, ResolvedStft, STFT_OPTIONS, StftOptions } from './options';

/** Options of {@link istft}: the STFT's options (nFft inferred from the rows) plus the output length. */
export interface IstftOptions extends Partial<Omit<StftOptions, 'padMode'>> {
  /**
   * Output length in samples: the signal is trimmed or zero-padded to it (librosa `length`).
   * @default nFft + hop * (frames - 1), minus 2 * floor(nFft/2) when centred
   */
  length?: number;
}

/**
 * The option names istft takes: those of {@link IstftOptions}, and `padMode` too, so that the
 * options of the stft being inverted pass on unchanged (`istft(stft(x, o), {...o, length})`);
 * synthesis crops the padding away, so padMode has no effect there.
 */
export const ISTFT_OPTIONS: OptionNames<IstftOptions & Pick<StftOptions, 'padMode'>> = {
  ...STFT_OPTIONS,
  length: true,
};

/** Validates IstftOptions against a spectrum with `rows` bins; nFft defaults to 2 * (rows - 1). */
export function resolveIstft(rows: number, opts: IstftOptions): ResolvedStft {
  assert(opts !== null && typeof opts === 'object', () => `opts must be an options object, got ${formatValue(opts)}`);
  const nFft = opts.nFft ?? 2 * (rows - 1);
  assertPositiveInt(nFft, 'nFft');
  assert(
    Math.floor(nFft / 2) + 1 === rows,
    () => `nFft=${nFft} does not match the spectrum's rows=${rows} (rows must be floor(nFft/2)+1)`,
  );
  return resolveStft({ ...opts, nFft, padMode: 'constant' });
}

/** Checks a ComplexGrid argument. */
export function checkComplexGrid(z: ComplexGrid, name = 'z'): void {
  assert(
    z !== null && typeof z === 'object',
    () => `${name} must be a ComplexGrid {rows, cols, re, im}, got ${formatValue(z)}`,
  );
  assertPositiveInt(z.rows, `${name}.rows`);
  assertPositiveInt(z.cols, `${name}.cols`);
  assert(
    z.re instanceof Float32Array && z.im instanceof Float32Array,
    () => `${name}.re and ${name}.im must be Float32Arrays`,
  );
  assert(
    z.re.length === z.rows * z.cols && z.im.length === z.rows * z.cols,
    () =>
      `${name}.re.length=${z.re.length} and ${name}.im.length=${z.im.length} must equal rows*cols=${z.rows * z.cols}`,
  );
}

/**
 * Overlap-add synthesis with librosa's normalisation, the core of istft and griffinLim: frames of
 * irfft(z[:, t]) times the window, summed at t*hop, divided by the window sum-square where that exceeds
 * float32 `tiny`, then cropped (from floor(nFft/2) when centred) to `length`. `get(t, spec)` fills the
 * interleaved half spectrum of frame t. Writes into `out` (length `length`).
 */
export function overlapAdd(
  cfg: ResolvedStft,
  nFrames: number,
  length: number,
  get: (t: number, spec: Float64Array) => void,
  out: Float64Array,
  scratch?: { full: Float64Array; wss: Float64Array },
): void {
  const { nFft, hopLength, window, winStart, winEnd } = cfg;
  const fft = realFft(nFft);
  const spec = new Float64Array(2 * fft.bins);
  const frame = new Float64Array(nFft);
  const fullLen = nFft + hopLength * (nFrames - 1);
  const full = scratch && scratch.full.length === fullLen ? scratch.full : new Float64Array(fullLen);
  full.fill(0);
  for (let t = 0; t < nFrames; t++) {
    get(t, spec);
    fft.inverse(spec, frame);
    const o = t * hopLength;
    for (let j = winStart; j < winEnd; j++) full[o + j] += frame[j] * window[j];
  }
  let wss = scratch && scratch.wss.length === fullLen ? scratch.wss : undefined;
  if (!wss) {
    wss = new Float64Array(fullLen);
    for (let t = 0; t < nFrames; t++) {
      const o = t * hopLength;
      for (let j = winStart; j < winEnd; j++) wss[o + j] += window[j] * window[j];
    }
    if (scratch) {
      scratch.full = full;
      scratch.wss = wss;
    }
  }
  const TINY32 = 1.1754943508222875e-38;
  const start = cfg.center ? Math.floor(nFft / 2) : 0;
  for (let i = 0; i < length; i++) {
    const k = start + i;
    if (k >= fullLen) {
      out[i] = 0;
      continue;
    }
    const w = wss[k];
    out[i] = w > TINY32 ? full[k] / w : full[k];
  }
}

/** Number of frames istft uses and the output length, as librosa (frames beyond `length` are skipped). */
export function istftGeometry(
  cfg: ResolvedStft,
  cols: number,
  length: number | undefined,
): { nFrames: number; length: number } {
  const { nFft, hopLength, center } = cfg;
  let nFrames = cols;
  if (length !== undefined) {
    assertPositiveInt(length, 'length');
    const padded = center ? length + 2 * Math.floor(nFft / 2) : length;
    nFrames = Math.min(cols, Math.ceil(padded / hopLength));
    return { nFrames, length };
  }
  const full = nFft + hopLength * (nFrames - 1);
  const len = center ? full - 2 * Math.floor(nFft / 2) : full;
  assert(
    len > 0,
    () =>
      `the spectrum has too few frames (${cols}) to yield any sample ` +
      `with nFft=${nFft}, hopLength=${hopLength}, center=true`,
  );
  return { nFrames, length: len };
}

/**
 * Inverse STFT, as `librosa.istft(z, hop_length, win_length, n_fft, window, center, length)`.
 *
 * Input: ComplexGrid (floor(nFft/2)+1) x frames as returned by {@link stft}. Output: Float32Array of
 * `length` samples (default: nFft + hop*(frames-1), minus the 2*floor(nFft/2) centre padding).
 * Notes: librosa's least-squares normalisation — the overlap-added windowed frames are divided by the
 * window sum-square wherever it exceeds float32 `tiny` (so samples no window covers stay unnormalised,
 * unlike torch.istft which refuses such windows). `istft(stft(x))` returns x wherever the window sum-square
 * is non-zero (NOLA), whatever the hop.
 */
export function istft(z: ComplexGrid, opts: IstftOptions = {}): Float32Array {
  checkComplexGrid(z);
  checkOptionNames(opts, ISTFT_OPTIONS, 'istft');
  const cfg = resolveIstft(z.rows, opts);
  const { nFrames, length } = istftGeometry(cfg, z.cols, opts.length);
  const out = new Float64Array(length);
  const { rows, cols, re, im } = z;
  overlapAdd(
    cfg,
    nFrames,
    length,
    (t, spec) => {
      for (let r = 0, i = t; r < rows; r++, i += cols) {
        spec[2 * r] = re[i];
        spec[2 * r + 1] = im[i];
      }
    },
    out,
  );
  return Float32Array.from(out);
}
