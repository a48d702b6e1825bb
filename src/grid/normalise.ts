import { assert, warnOnce } from '../errors';
import { Grid, checkGrid, withData } from './grid';

/** Summary statistics of one or more grids' values (float64). */
export interface GridStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof = 0, as numpy `std`). */
  std: number;
  /** Number of values. */
  count: number;
}

/**
 * Min, max, mean and population std over all values of one grid or of a list of grids (e.g. a training
 * set, to normalise every clip with the same statistics). Two-pass for the variance.
 */
export function gridStats(grids: Grid | readonly Grid[]): GridStats {
  const list = Array.isArray(grids) ? (grids as readonly Grid[]) : [grids as Grid];
  assert(list.length > 0, () => 'grids is empty: statistics need at least one grid');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  list.forEach((g, i) => {
    checkGrid(g, `grids[${i}]`);
    for (let k = 0; k < g.data.length; k++) {
      const v = g.data[k];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    count += g.data.length;
  });
  const mean = sum / count;
  let ss = 0;
  for (const g of list) for (let k = 0; k < g.data.length; k++) ss += (g.data[k] - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(ss / count), count };
}

/** Options of {@link minMaxNormalise}. */
export interface MinMaxOptions {
  /** Value mapped to `range[0]`; give dataset statistics to normalise every clip alike. @default this grid's minimum */
  min?: number;
  /** Value mapped to `range[1]`. @default this grid's maximum */
  max?: number;
  /** Output interval. @default [0, 1] */
  range?: [number, number];
  /** Clip results to `range` (useful with given stats that a clip can exceed). @default false */
  clip?: boolean;
}

/**
 * Linearly maps `[min, max]` to `range` (per grid by default, or with given statistics).
 * Shape and Spectrogram metadata are kept. A constant grid (max == min) maps to `range[0]` with a
 * one-time warning, as sklearn `MinMaxScaler` does for zero-range features.
 */
export function minMaxNormalise<G extends Grid>(grid: G, opts: MinMaxOptions = {}): G {
  checkGrid(grid);
  const [lo, hi] = opts.range ?? [0, 1];
  assert(
    Number.isFinite(lo) && Number.isFinite(hi) && hi > lo,
    () => `range=[${lo}, ${hi}] must be two finite numbers, increasing`,
  );
  let min = opts.min;
  let max = opts.max;
  if (min === undefined || max === undefined) {
    const s = gridStats(grid);
    min ??= s.min;
    max ??= s.max;
  }
  assert(
    Number.isFinite(min) && Number.isFinite(max) && max >= min,
    () => `min=${min}, max=${max} must be finite with max >= min`,
  );
  const out = new Float32Array(grid.data.length);
  const span = max - min;
  if (span === 0) {
    warnOnce('minMaxNormalise: constant input (max == min) maps to range[0]');
    out.fill(lo);
    return withData(grid, out);
  }
  const k = (hi - lo) / span;
  for (let i = 0; i < out.length; i++) {
    let v = lo + (grid.data[i] - min) * k;
    if (opts.clip) v = v < lo ? lo : v > hi ? hi : v;
    out[i] = v;
  }
  return withData(grid, out);
}

/** Options of {@link zScoreNormalise}. */
export interface ZScoreOptions {
  /** Mean to subtract. @default this grid's mean */
  mean?: number;
  /** Standard deviation to divide by. @default this grid's population std */
  std?: number;
  /** Added to std so a constant grid gives zeros instead of NaN. @default 1e-8 */
  eps?: number;
}

/** `(x - mean) / (std + eps)`, per grid by default or with given (e.g. training-set) statistics. */
export function zScoreNormalise<G extends Grid>(grid: G, opts: ZScoreOptions = {}): G {
  checkGrid(grid);
  const eps = opts.eps ?? 1e-8;
  assert(Number.isFinite(eps) && eps >= 0, () => `eps=${eps} must be a finite number >= 0`);
  let mean = opts.mean;
  let std = opts.std;
  if (mean === undefined || std === undefined) {
    const s = gridStats(grid);
    mean ??= s.mean;
    std ??= s.std;
  }
  assert(Number.isFinite(mean), () => `mean=${mean} must be finite`);
  assert(Number.isFinite(std) && std >= 0 && std + eps > 0, () => `std=${std} must be finite and std + eps > 0`);
  const out = new Float32Array(grid.data.length);
  const d = std + eps;
  for (let i = 0; i < out.length; i++) out[i] = (grid.data[i] - mean) / d;
  return withData(grid, out);
}
