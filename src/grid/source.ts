import { assert } from '../errors';
import type { Grid } from './grid';

/**
 * A list of same-shape Grids read one at a time (for instance from the feature cache) rather than
 * held in memory: what training and scoring stream batches from when a corpus does not fit in RAM.
 */
export interface GridSource {
  /** Number of grids. */
  readonly length: number;
  /** Shape shared by every grid. */
  readonly rows: number;
  readonly cols: number;
  /**
   * Grid `i` (0 <= i < length). A source may read it from disk on every call: callers fetch each
   * grid once per pass and do not keep it.
   */
  get(i: number): Grid;
}

/** True when `x` is a {@link GridSource} (not an array of Grids). */
export function isGridSource(x: unknown): x is GridSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as GridSource).get === 'function' &&
    typeof (x as GridSource).length === 'number'
  );
}

/** Grids held in memory as a {@link GridSource}; all must share the first one's shape. */
export function gridSource(grids: readonly Grid[]): GridSource {
  const rows = grids[0]?.rows ?? 0;
  const cols = grids[0]?.cols ?? 0;
  grids.forEach((g, i) =>
    assert(
      g.rows === rows && g.cols === cols,
      () => `grids[${i}] is ${g.rows}x${g.cols}, expected ${rows}x${cols} like grids[0]`,
    ),
  );
  return { length: grids.length, rows, cols, get: (i) => grids[i] };
}

/** The grids `indices` of `src`, in that order, as a view (nothing is read until `get`). */
export function pickGrids(src: GridSource, indices: readonly number[]): GridSource {
  indices.forEach((i, k) =>
    assert(
      Number.isInteger(i) && i >= 0 && i < src.length,
      () => `indices[${k}]=${i} is outside the source's ${src.length} grids`,
    ),
  );
  const idx = indices.slice();
  return { length: idx.length, rows: src.rows, cols: src.cols, get: (k) => src.get(idx[k]) };
}

/** Grids `[start, end)` of `src` as a view. */
export function sliceGrids(src: GridSource, start: number, end = src.length): GridSource {
  return pickGrids(
    src,
    Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k),
  );
}
