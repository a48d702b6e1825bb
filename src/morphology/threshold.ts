import { assert, checkOptionNames, formatValue, type OptionNames, ParameterError } from '../errors';
import { checkGrid, type Grid } from '../grid/grid';
import type { BinaryMask } from './binary';
import { checkFinite } from './internal';

/** How {@link threshold} picks its level. */
export type ThresholdMethod =
  /** A level given in the grid's own unit (e.g. dB). */
  | { method: 'fixed'; value: number }
  /** The p-th percentile of the pixels, 0 <= p <= 100, linear interpolation (numpy's default). */
  | { method: 'percentile'; p: number }
  /** Otsu's level over a `bins`-bin histogram (default 256), exactly `skimage.filters.threshold_otsu`. */
  | { method: 'otsu'; bins?: number };

/** A BinaryMask that remembers the level it was cut at. */
export interface ThresholdMask extends BinaryMask {
  readonly threshold: number;
}

/** The fields of each {@link ThresholdMethod}, for `checkOptionNames`. */
const METHOD_FIELDS: { [M in ThresholdMethod['method']]: OptionNames<Extract<ThresholdMethod, { method: M }>> } = {
  fixed: { method: true, value: true },
  percentile: { method: true, p: true },
  otsu: { method: true, bins: true },
};

/**
 * The level {@link threshold} would use, in the grid's unit. Finite pixels required.
 *
 * Notes: Otsu follows scikit-image 0.19 `threshold_otsu(image, nbins)`: numpy histogram over
 * [min, max] with float32 edges, the level is the centre of the bin maximising the between-class
 * variance, and a constant image returns its value. Percentile = `numpy.percentile(g, p)`.
 */
export function thresholdValue(g: Grid, method: ThresholdMethod): number {
  checkGrid(g, 'grid');
  checkFinite(g, 'grid', false);
  const m = method as { method?: unknown };
  assert(
    m !== null && typeof m === 'object',
    () => `method=${formatValue(method)} must be {method: 'fixed' | 'percentile' | 'otsu', ...}`,
  );
  if (typeof m.method === 'string' && Object.hasOwn(METHOD_FIELDS, m.method)) {
    const kind = m.method as ThresholdMethod['method'];
    checkOptionNames(method, METHOD_FIELDS[kind], `method {method: '${kind}'}`);
  }
  switch (method.method) {
    case 'fixed':
      assert(Number.isFinite(method.value), () => `value=${formatValue(method.value)} must be a finite number`);
      return method.value;
    case 'percentile':
      assert(
        Number.isFinite(method.p) && method.p >= 0 && method.p <= 100,
        () => `p=${formatValue(method.p)} must be in [0, 100]`,
      );
      return percentile(g.data, method.p);
    case 'otsu':
      return otsu(g.data, method.bins ?? 256);
    default:
      throw new ParameterError(`method.method=${formatValue(m.method)} must be 'fixed', 'percentile' or 'otsu'`);
  }
}

/**
 * Binary mask of the pixels strictly above a level (`g > t`, scikit-image's convention): e.g.
 * `threshold(whiteTopHat(db, footprint.line(9, 'frequency')), {method: 'otsu'})` keeps harmonic
 * ridges and drops the noise floor. Returns a rows x cols {@link ThresholdMask} (1 = above).
 */
export function threshold(g: Grid, method: ThresholdMethod): ThresholdMask {
  const t = thresholdValue(g, method);
  const data = new Uint8Array(g.data.length);
  for (let i = 0; i < data.length; i++) data[i] = g.data[i] > t ? 1 : 0;
  return { rows: g.rows, cols: g.cols, data, threshold: t };
}

/** Moves the k-th smallest of `a` to a[k], smaller ones before it, larger after (Hoare quickselect). */
function select(a: Float32Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot keeps sorted and constant runs from going quadratic
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function percentile(x: Float32Array, p: number): number {
  // order statistics by selection, O(n) (numpy partitions too, so the values are the same)
  const s = x.slice();
  const h = ((s.length - 1) * p) / 100;
  const lo = Math.floor(h);
  select(s, lo);
  const a = s[lo];
  let b = a;
  if (lo + 1 < s.length) {
    b = Infinity;
    for (let i = lo + 1; i < s.length; i++) if (s[i] < b) b = s[i];
  }
  const t = h - lo;
  // numpy's _lerp: a + (b - a) t, taken from the upper end when t >= 0.5 (monotone and exact at the ends)
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function otsu(x: Float32Array, bins: number): number {
  assert(
    Number.isInteger(bins) && bins >= 2,
    () => `bins=${formatValue(bins)} must be an integer >= 2 (Otsu splits a histogram in two)`,
  );
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  if (lo === hi) return lo;
  // numpy.histogram(x, bins): edges = float32(linspace(lo, hi, bins + 1)), bin i holds edges[i] <= v < edges[i+1]
  // (the last bin is closed); the index guess is corrected against the edges, as numpy does
  const edges = new Float32Array(bins + 1);
  const step = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = lo + i * step;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  const norm = bins / (hi - lo);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    let k = Math.floor((v - lo) * norm);
    if (k >= bins) k = bins - 1;
    if (k > 0 && v < edges[k]) k--;
    else if (k < bins - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  const centres = new Float64Array(bins);
  // skimage.exposure.histogram: (edges[:-1] + edges[1:]) / 2 in float32
  for (let i = 0; i < bins; i++) centres[i] = Math.fround(Math.fround(edges[i] + edges[i + 1]) / 2);
  // skimage: weight1/mean1 from the left, weight2/mean2 from the right, variance12 over split points
  const w1 = new Float64Array(bins);
  const m1 = new Float64Array(bins);
  let cw = 0;
  let cs = 0;
  for (let i = 0; i < bins; i++) {
    cw += counts[i];
    cs += counts[i] * centres[i];
    w1[i] = cw;
    m1[i] = cs / cw;
  }
  const w2 = new Float64Array(bins);
  const m2 = new Float64Array(bins);
  cw = 0;
  cs = 0;
  for (let i = bins - 1; i >= 0; i--) {
    cw += counts[i];
    cs += counts[i] * centres[i];
    w2[i] = cw;
    m2[i] = cs / cw;
  }
  let best = -Infinity;
  let idx = 0;
  for (let i = 0; i < bins - 1; i++) {
    const d = m1[i] - m2[i + 1];
    const v = w1[i] * w2[i + 1] * d * d;
    if (v > best) {
      best = v;
      idx = i;
    }
  }
  return centres[idx];
}
