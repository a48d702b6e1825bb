import { assert, assertPositiveInt, formatValue } from '../errors';
import { checkGrid, type Grid } from '../grid/grid';

/**
 * How a block of cells becomes one display cell: `'mean'` keeps levels (a block average, which
 * neither grows bright regions like `'max'`, itself a dilation, nor dark ones); `'absmax'` keeps the
 * value of largest magnitude with its sign, for signed maps (differences, saliency) where a mean
 * would cancel +/- detail; `'max'` keeps peaks (a 1-frame click survives).
 */
export type Pooling = 'max' | 'mean' | 'absmax';

/** Pooling names, for messages. */
export const POOLINGS: readonly Pooling[] = ['mean', 'absmax', 'max'];

/**
 * Most cells a heatmap sends by default. A browser draws far more (bench W5: 257x1001 = 257k cells
 * in ~0.2 s); the bound is the notebook: each figure is stored twice (the Plotly JSON and the
 * HTML that draws it) beside its PNG, and 26,000 float32 cells keep the four parts of a 10 s
 * 257x1001 spectrogram under the 400 KB budget while a 2 s clip at 8 kHz (129x201) stays whole.
 */
export const DEFAULT_MAX_CELLS = 26000;

/** Options of {@link decimate}. */
export interface DecimateOptions {
  /** Most rows kept. @default 512 */
  maxRows?: number;
  /** Most columns kept. @default 512 */
  maxCols?: number;
  /**
   * Most cells kept in total: above it the axis with more output cells is pooled further, so a
   * figure's size stays bounded (see the size budget in docs/figures.md).
   * @default DEFAULT_MAX_CELLS (26000)
   */
  maxCells?: number;
  /**
   * See {@link Pooling}. Non-finite cells (NaN, ±Inf) are skipped, as gaps; a block with no
   * finite cell gives NaN.
   * @default 'mean'
   */
  pooling?: Pooling;
}

/** A pooled grid and what was done, so figures can say it. */
export interface Decimated {
  grid: Grid;
  /** Source rows and columns per output cell (the last block of an axis may be shorter). */
  factor: [number, number];
  pooling: Pooling;
  /** Mean of each block's source coordinate, for rows and columns (index space when none given). */
  rowCoords: Float64Array;
  colCoords: Float64Array;
}

/**
 * Pools `g` (rows x cols) into at most maxRows x maxCols (and maxCells in total) cells by integer
 * blocks of fr x fc cells, fr >= ceil(rows/maxRows) and fc >= ceil(cols/maxCols), so a figure
 * carries a bounded number of values.
 * `rowCoords`/`colCoords` (length rows/cols, e.g. Hz and seconds) are averaged per block.
 * Notes: blocks are aligned at index 0 and the last block may be partial, as skimage
 * `block_reduce` with `cval` ignored; unlike it, NaN and ±Inf cells are left out of their block
 * (matplotlib's imshow masks them the same way), so one -Inf does not blank a whole block.
 * Unpooled grids are copied as they are, non-finite cells included.
 */
export function decimate(
  g: Grid,
  opts: DecimateOptions = {},
  rowCoords?: ArrayLike<number>,
  colCoords?: ArrayLike<number>,
): Decimated {
  checkGrid(g);
  const maxRows = opts.maxRows ?? 512;
  const maxCols = opts.maxCols ?? 512;
  const maxCells = opts.maxCells ?? DEFAULT_MAX_CELLS;
  const pooling = opts.pooling ?? 'mean';
  assertPositiveInt(maxRows, 'maxRows');
  assertPositiveInt(maxCols, 'maxCols');
  assertPositiveInt(maxCells, 'maxCells');
  assert(POOLINGS.includes(pooling), () => `pooling=${formatValue(pooling)} must be one of ${POOLINGS.join(', ')}`);
  let fr = Math.ceil(g.rows / maxRows);
  let fc = Math.ceil(g.cols / maxCols);
  while (Math.ceil(g.rows / fr) * Math.ceil(g.cols / fc) > maxCells) {
    if (Math.ceil(g.cols / fc) >= Math.ceil(g.rows / fr)) fc++;
    else fr++;
  }
  const rows = Math.ceil(g.rows / fr);
  const cols = Math.ceil(g.cols / fc);
  const out = new Float32Array(rows * cols);
  if (fr === 1 && fc === 1) out.set(g.data);
  else {
    for (let r = 0; r < rows; r++) {
      const r1 = Math.min(g.rows, (r + 1) * fr);
      for (let c = 0; c < cols; c++) {
        const c1 = Math.min(g.cols, (c + 1) * fc);
        let acc = pooling === 'max' ? -Infinity : 0;
        let n = 0;
        for (let rr = r * fr; rr < r1; rr++) {
          const base = rr * g.cols;
          for (let cc = c * fc; cc < c1; cc++) {
            const v = g.data[base + cc];
            // ±Inf (log of 0) would swallow its whole block's mean: skipped like NaN.
            if (!Number.isFinite(v)) continue;
            n++;
            if (pooling === 'max') {
              if (v > acc) acc = v;
            } else if (pooling === 'absmax') {
              if (Math.abs(v) > Math.abs(acc)) acc = v;
            } else acc += v;
          }
        }
        out[r * cols + c] = n === 0 ? NaN : pooling === 'mean' ? acc / n : acc;
      }
    }
  }
  return {
    grid: { rows, cols, data: out },
    factor: [fr, fc],
    pooling,
    rowCoords: blockMeans(rowCoords, g.rows, fr),
    colCoords: blockMeans(colCoords, g.cols, fc),
  };
}

function blockMeans(coords: ArrayLike<number> | undefined, n: number, f: number): Float64Array {
  const m = Math.ceil(n / f);
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const end = Math.min(n, (i + 1) * f);
    let s = 0;
    for (let j = i * f; j < end; j++) s += coords ? coords[j] : j;
    out[i] = s / (end - i * f);
  }
  return out;
}

/**
 * Edges (n + 1) of n cells centred on `centres`: half-way between neighbouring centres and half a
 * spacing beyond the first and last, which is how plotly.js and the PNG renderer draw centred
 * cells; a single cell spans `single` ([low, high] edge), since one centre implies no spacing.
 */
export function cellEdges(centres: ArrayLike<number>, single: [number, number]): Float64Array {
  const n = centres.length;
  const e = new Float64Array(n + 1);
  if (n === 1) {
    e.set(single);
    return e;
  }
  for (let i = 1; i < n; i++) e[i] = (centres[i - 1] + centres[i]) / 2;
  e[0] = centres[0] - (centres[1] - centres[0]) / 2;
  e[n] = centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2;
  return e;
}

/**
 * Edges of blocks of `f` cells (as {@link decimate} pools them, the last block possibly partial)
 * from the cells' own edges: every f-th edge and the last, so the blocks cover exactly the cells.
 */
export function blockEdges(edges: ArrayLike<number>, f: number): Float64Array {
  const n = edges.length - 1;
  const m = Math.ceil(n / f);
  return Float64Array.from({ length: m + 1 }, (_, i) => edges[Math.min(n, i * f)]);
}
