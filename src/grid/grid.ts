import { assert, assertPositiveInt } from '../errors';

/**
 * 2-D float image, row-major: value (r, c) is `data[r * cols + c]`.
 * For spectrograms rows are frequency bins from low to high and columns are frames in time order.
 */
export interface Grid {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** A Grid that knows what its axes mean. Row r is centred on `frequencies[r]` Hz, column c on `times[c]` s. */
export interface Spectrogram extends Grid {
  sampleRate: number;
  hopLength: number;
  /** Hz at each row (linear bin or mel/linear band centre); length `rows`. */
  frequencies: Float64Array;
  /** Seconds at each column (frame centre); length `cols`. */
  times: Float64Array;
  scale: 'linear' | 'mel' | 'cepstral';
  /** What the values are; 'score' for saliency maps (units of a classifier's score). */
  unit: 'amplitude' | 'power' | 'dB' | 'coefficient' | 'score';
}

/** Complex rows x cols matrix as two row-major planes (STFT output: rows = nFft/2+1 bins, cols = frames). */
export interface ComplexGrid {
  rows: number;
  cols: number;
  re: Float32Array;
  im: Float32Array;
}

/** True when `g` carries Spectrogram metadata. */
export function isSpectrogram(g: Grid): g is Spectrogram {
  const s = g as Partial<Spectrogram>;
  return s.frequencies instanceof Float64Array && s.times instanceof Float64Array && typeof s.sampleRate === 'number';
}

/** Checks that `g` is a well-formed Grid; `name` is the argument name used in the error. */
export function checkGrid(g: Grid, name = 'grid'): void {
  assert(g !== null && typeof g === 'object', () => `${name} must be a Grid {rows, cols, data}, got ${String(g)}`);
  assertPositiveInt(g.rows, `${name}.rows`);
  assertPositiveInt(g.cols, `${name}.cols`);
  assert(g.data instanceof Float32Array, () => `${name}.data must be a Float32Array`);
  assert(
    g.data.length === g.rows * g.cols,
    () => `${name}.data.length=${g.data.length} must equal rows*cols=${g.rows * g.cols}`,
  );
}

/** A new Grid of the given shape, zero-filled or wrapping `data` (not copied). */
export function createGrid(rows: number, cols: number, data?: Float32Array): Grid {
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  const d = data ?? new Float32Array(rows * cols);
  assert(d.length === rows * cols, () => `data.length=${d.length} must equal rows*cols=${rows * cols}`);
  return { rows, cols, data: d };
}

/** Grid from nested rows (`values[r][c]`); every row must have the same length. */
export function gridFromRows(values: ArrayLike<number>[]): Grid {
  assert(values.length > 0, () => 'values must have at least one row');
  const cols = values[0].length;
  const data = new Float32Array(values.length * cols);
  values.forEach((row, r) => {
    assert(row.length === cols, () => `values[${r}].length=${row.length} must equal values[0].length=${cols}`);
    for (let c = 0; c < cols; c++) data[r * cols + c] = row[c];
  });
  return createGrid(values.length, cols, data);
}

/**
 * A result with `data` in the shape of `like`: when `like` is a Spectrogram its metadata is kept
 * (with `unit` overridden when given), otherwise a plain Grid.
 */
export function withData<G extends Grid>(like: G, data: Float32Array, unit?: Spectrogram['unit']): G {
  assert(
    data.length === like.rows * like.cols,
    () => `data.length=${data.length} must equal rows*cols=${like.rows * like.cols}`,
  );
  if (isSpectrogram(like)) return { ...like, data, ...(unit ? { unit } : {}) } as G;
  return { rows: like.rows, cols: like.cols, data } as unknown as G;
}

/** Index of the first NaN or +-Inf in `data`, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  // v * 0 is (+-)0 for finite v and NaN for NaN and +-Inf: four independent sums find out whether
  // there is one at all (~2x faster than testing each value: no branch, no dependency chain), and
  // the scan for its index runs only then.
  const n = data.length & ~3;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < n; i += 4) {
    a += data[i] * 0;
    b += data[i + 1] * 0;
    c += data[i + 2] * 0;
    d += data[i + 3] * 0;
  }
  if (a + b + c + d === 0) {
    for (let i = n; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
    return -1;
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
