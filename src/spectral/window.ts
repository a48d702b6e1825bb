import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';

/** Window shapes understood by {@link getWindow} and every `window` option. */
export type WindowName = 'hann' | 'hamming' | 'blackman' | 'rectangular';

export const WINDOW_NAMES: readonly WindowName[] = ['hann', 'hamming', 'blackman', 'rectangular'];

/** Options of {@link getWindow}. */
export interface WindowOptions {
  /**
   * Periodic (DFT-even, for spectral analysis; scipy `fftbins=True`, librosa's choice) or symmetric
   * (filter design; MATLAB `hamming(N)`).
   * @default true
   */
  periodic?: boolean;
}

const WINDOW_OPTIONS: OptionNames<WindowOptions> = { periodic: true };

// Generalised cosine windows: w[n] = sum_k (-1)^k a_k cos(2 pi k n / M), as scipy.signal.windows.general_cosine.
const COSINE_COEFFS: Record<WindowName, readonly number[]> = {
  hann: [0.5, 0.5],
  hamming: [0.54, 0.46],
  blackman: [0.42, 0.5, 0.08],
  rectangular: [1],
};

/**
 * A window of `length` samples, as `scipy.signal.get_window(name, length, fftbins=periodic)`.
 *
 * Output: Float64Array of `length` values (dimensionless gains).
 * Notes: periodic windows (the default) follow scipy/librosa; `periodic: false` gives the symmetric
 * window of MATLAB's `hann/hamming/blackman(N)`.
 */
export function getWindow(name: WindowName, length: number, opts: WindowOptions = {}): Float64Array {
  assertWindowName(name, 'window');
  assertPositiveInt(length, 'length');
  checkOptionNames(opts, WINDOW_OPTIONS, 'getWindow');
  const periodic = opts.periodic ?? true;
  assert(typeof periodic === 'boolean', () => `periodic=${formatValue(periodic)} must be a boolean`);
  const a = COSINE_COEFFS[name];
  const out = new Float64Array(length);
  if (length === 1) {
    out[0] = 1;
    return out;
  }
  // A periodic window of length N is the symmetric window of length N+1 without its last sample.
  const m = periodic ? length : length - 1;
  for (let n = 0; n < length; n++) {
    let v = 0;
    for (let k = 0; k < a.length; k++) v += (k % 2 === 0 ? 1 : -1) * a[k] * Math.cos((2 * Math.PI * k * n) / m);
    out[n] = v;
  }
  return out;
}

/** Throws unless `name` is one of {@link WINDOW_NAMES}; `arg` is the argument name used in the message. */
export function assertWindowName(name: unknown, arg: string): asserts name is WindowName {
  assert(
    typeof name === 'string' && (WINDOW_NAMES as readonly string[]).includes(name),
    () => `${arg}=${formatValue(name)} must be one of ${WINDOW_NAMES.join(', ')}`,
  );
}

/**
 * `w` zero-padded on both sides to `size`, as `librosa.util.pad_center`: `floor((size - w.length) / 2)`
 * zeros on the left, the rest on the right.
 */
export function padCenter(w: ArrayLike<number>, size: number): Float64Array {
  assert(w.length <= size, () => `window length=${w.length} must be <= size=${size}`);
  const out = new Float64Array(size);
  const lpad = Math.floor((size - w.length) / 2);
  for (let i = 0; i < w.length; i++) out[lpad + i] = w[i];
  return out;
}
