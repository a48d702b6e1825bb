import { assert, checkOptionNames, formatValue, type OptionNames, warnOnce } from '../errors';
import { checkGrid, Grid, isSpectrogram } from '../grid/grid';
import { Random } from '../random';
import { FrameAnalyser } from './analyser';
import { frameCount } from './options';
import { ISTFT_OPTIONS, IstftOptions, istftGeometry, overlapAdd, resolveIstft } from './istft';

/** Options of {@link griffinLim}: the STFT's (nFft inferred from the rows) plus the iteration's. */
export interface GriffinLimOptions extends IstftOptions {
  /**
   * Number of iterations.
   * @default 32
   */
  nIter?: number;
  /**
   * Fast Griffin-Lim momentum (Perraudin et al. 2013); 0 gives the original algorithm. Values > 1 warn
   * (may not converge), as librosa.
   * @default 0.99
   */
  momentum?: number;
  /**
   * Initial phase: 'random' (uniform, from `seed`), 'zeros' (librosa `init=None`), or the phase in radians
   * of every bin as a rows x cols Float32Array.
   * @default 'random'
   */
  init?: 'random' | 'zeros' | Float32Array;
  /**
   * Seed of the random initial phase (specmorph's seeded {@link Random}).
   * @default 0
   */
  seed?: number;
  /**
   * Padding of the re-analysis STFT inside the loop (librosa `pad_mode`).
   * @default 'constant'
   */
  padMode?: 'constant' | 'reflect';
}

const GRIFFIN_LIM_OPTIONS: OptionNames<GriffinLimOptions> = {
  ...ISTFT_OPTIONS,
  nIter: true,
  momentum: true,
  init: true,
  seed: true,
};

/**
 * Signal whose STFT magnitude approximates `magnitude`, by (fast) Griffin-Lim, as
 * `librosa.griffinlim(S, n_iter, hop_length, win_length, n_fft, window, center, length, pad_mode,
 * momentum, init)`.
 *
 * Input: magnitude |X| (not power), (floor(nFft/2)+1) x frames, e.g. `spectrogram(x, {power: 1})`; a
 * Spectrogram must be linear amplitude, and its hopLength is used unless `hopLength` is given.
 * Output: Float32Array signal of `length` samples (default as {@link istft}).
 * Notes: same update as librosa (angles <- rebuilt - momentum/(1+momentum) * previous rebuilt, then
 * unit-modulus times the magnitude); the random initial phase comes from specmorph's seeded generator,
 * so it differs from numpy's stream — pass `init` as a phase array to reproduce a given start.
 */
export function griffinLim(magnitude: Grid, opts: GriffinLimOptions = {}): Float32Array {
  checkGrid(magnitude, 'magnitude');
  checkOptionNames(opts, GRIFFIN_LIM_OPTIONS, 'griffinLim');
  if (isSpectrogram(magnitude)) {
    // the commonest slip: passing the default power spectrogram (or dB / mel) where |X| is needed
    assert(
      magnitude.scale === 'linear' && magnitude.unit === 'amplitude',
      () =>
        `magnitude must be a linear amplitude spectrogram (spectrogram(x, {power: 1})), ` +
        `got scale='${magnitude.scale}' unit='${magnitude.unit}'`,
    );
  }
  const { rows, cols, data: S } = magnitude;
  // a Spectrogram knows its hop; explicit options still win
  const hopFromGrid =
    isSpectrogram(magnitude) && opts.hopLength === undefined ? { hopLength: magnitude.hopLength } : {};
  const cfg = resolveIstft(rows, { ...opts, ...hopFromGrid });
  const nIter = opts.nIter ?? 32;
  assert(Number.isInteger(nIter) && nIter >= 0, () => `nIter=${formatValue(nIter)} must be an integer >= 0`);
  const momentum = opts.momentum ?? 0.99;
  assert(
    Number.isFinite(momentum) && momentum >= 0,
    () => `momentum=${formatValue(momentum)} must be a finite number >= 0`,
  );
  if (momentum > 1) warnOnce(`momentum=${momentum} > 1 can be unstable`);
  const padMode = opts.padMode ?? 'constant';
  assert(
    padMode === 'constant' || padMode === 'reflect',
    () => `padMode=${formatValue(padMode)} must be 'constant' or 'reflect'`,
  );
  const init = opts.init ?? 'random';
  const n = rows * cols;
  // Frame-major working arrays (frame t's bins contiguous, interleaved re/im as the FFT's spectrum):
  // the magnitude is bin-major, and striding through it by `cols` at every iteration thrashed the cache.
  const width = 2 * rows;
  const mag = new Float64Array(n);
  for (let r = 0; r < rows; r++) for (let t = 0; t < cols; t++) mag[t * rows + r] = S[r * cols + t];
  const angles = new Float64Array(2 * n); // the current estimate, magnitude times unit phase
  let phase: (i: number) => number; // initial phase of bin i of the (bin-major) magnitude
  if (init instanceof Float32Array) {
    assert(init.length === n, () => `init.length=${init.length} must equal magnitude rows*cols=${n}`);
    phase = (i) => init[i];
  } else if (init === 'random') {
    const rng = new Random(opts.seed ?? 0);
    phase = () => 2 * Math.PI * rng.next();
  } else {
    assert(init === 'zeros', () => `init=${formatValue(init)} must be 'random', 'zeros' or a Float32Array of phases`);
    phase = () => 0;
  }
  // in the magnitude's bin-major order, so a seed draws the same random start as before
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < cols; t++) {
      const ph = phase(r * cols + t);
      const m = mag[t * rows + r];
      angles[t * width + 2 * r] = Math.cos(ph) * m;
      angles[t * width + 2 * r + 1] = Math.sin(ph) * m;
    }
  }

  const { nFrames, length } = istftGeometry(cfg, cols, opts.length);
  const y = new Float64Array(length);
  const y32 = new Float32Array(length);
  const scratch = { full: new Float64Array(0), wss: new Float64Array(0) };
  const synth = (): void =>
    overlapAdd(cfg, nFrames, length, (t, spec) => spec.set(angles.subarray(t * width, (t + 1) * width)), y, scratch);

  const an = new FrameAnalyser({ ...cfg, padMode });
  const previous = new Float64Array(2 * n); // previous rebuilt STFT (tprev), frame-major like angles
  const tiny = 2.2250738585072014e-308; // librosa: util.tiny(angles) for complex128
  const beta = momentum / (1 + momentum);
  for (let it = 0; it < nIter; it++) {
    synth();
    // librosa re-analyses the float32 signal; round the same way so both see identical input
    for (let i = 0; i < length; i++) y32[i] = y[i];
    const frames = frameCount(length, an.cfg);
    assert(
      frames === cols,
      () =>
        `length=${length} gives ${frames} frames on re-analysis but magnitude has cols=${cols}; ` +
        `pass the original signal length`,
    );
    for (let t = 0; t < cols; t++) {
      const spec = an.analyse(y32, t);
      for (let r = 0, m = t * rows, i = t * width; r < rows; r++, m++, i += 2) {
        const re = spec[2 * r];
        const im = spec[2 * r + 1];
        let ur = re;
        let ui = im;
        if (it > 0) {
          ur -= beta * previous[i];
          ui -= beta * previous[i + 1];
        }
        const scale = mag[m] / (Math.sqrt(ur * ur + ui * ui) + tiny);
        angles[i] = ur * scale;
        angles[i + 1] = ui * scale;
        previous[i] = re;
        previous[i + 1] = im;
      }
    }
  }
  synth();
  return Float32Array.from(y);
}
