// Heatmap traces: cells coloured by value through the (quantised) colour scale, cell edges half-way
// between neighbouring x / y coordinates as Plotly draws them, `xgap` / `ygap` left blank.
import { parseColorScale } from '../../colormap';
import { decodeTypedArray, isTypedArraySpec, readNumbers } from '../../encode';
import type { RGB } from '../../raster';
import type { Trace } from '../../types';
import { finite, fromPx, toPx, type AxisState } from '../axis';
import { quantisedColor } from '../color';
import type { AxesDrawer } from './drawer';

export const heatmapDrawer: AxesDrawer = {
  types: ['heatmap'],
  place: 'axes',
  extent(t) {
    const z = readZ(t.z);
    if (!z) return null;
    const ex = cellEdges(t, 'x', z.cols);
    const ey = cellEdges(t, 'y', z.rows);
    return {
      x: [Math.min(ex[0], ex[z.cols]), Math.max(ex[0], ex[z.cols])],
      y: [Math.min(ey[0], ey[z.rows]), Math.max(ey[0], ey[z.rows])],
    };
  },
  colorScale(fig, t) {
    // a shared colour axis (layout.coloraxis*) holds the scale, range and bar of its traces
    const ca =
      typeof t.coloraxis === 'string' ? (fig.layout[t.coloraxis] as Record<string, unknown> | undefined) : undefined;
    const src = ca ?? t;
    const z = readZ(t.z);
    const range = z ? (finite(z.values) ?? [0, 1]) : [0, 1];
    const min = typeof (ca ? ca.cmin : t.zmin) === 'number' ? ((ca ? ca.cmin : t.zmin) as number) : range[0];
    const max = typeof (ca ? ca.cmax : t.zmax) === 'number' ? ((ca ? ca.cmax : t.zmax) as number) : range[1];
    const cb = (src.colorbar as { title?: { text?: string } } | undefined) ?? {};
    return { stops: parseColorScale(src.colorscale), name: 'viridis', min, max, title: cb.title?.text ?? '' };
  },
  draw(img, t, { fig, xa, ya }) {
    const z = readZ(t.z);
    if (!z) return;
    const spec = heatmapDrawer.colorScale!(fig, t);
    const ex = cellEdges(t, 'x', z.cols);
    const ey = cellEdges(t, 'y', z.rows);
    const xgap = typeof t.xgap === 'number' ? t.xgap : 0;
    const ygap = typeof t.ygap === 'number' ? t.ygap : 0;
    const xs = [Math.round(Math.min(xa.px0, xa.px1)), Math.round(Math.max(xa.px0, xa.px1))];
    const ys = [Math.round(Math.min(ya.px0, ya.px1)), Math.round(Math.max(ya.px0, ya.px1))];
    // Column index and edge distance per pixel column, then per pixel row: O(W + H) searches.
    const colOf = new Int32Array(xs[1] - xs[0]).fill(-1);
    for (let px = xs[0]; px < xs[1]; px++) {
      const v = fromPx(xa, px + 0.5);
      const c = findCell(ex, v);
      if (c >= 0 && gapOk(xa, ex, c, px + 0.5, xgap)) colOf[px - xs[0]] = c;
    }
    const cache = new Map<number, RGB>();
    for (let py = ys[0]; py < ys[1]; py++) {
      const v = fromPx(ya, py + 0.5);
      const r = findCell(ey, v);
      if (r < 0 || !gapOk(ya, ey, r, py + 0.5, ygap)) continue;
      for (let px = xs[0]; px < xs[1]; px++) {
        const c = colOf[px - xs[0]];
        if (c < 0) continue;
        const val = z.values[r * z.cols + c];
        if (Number.isNaN(val)) continue;
        let col = cache.get(val);
        if (!col) {
          col = quantisedColor(spec, val);
          cache.set(val, col);
        }
        img.set(px, py, col);
      }
    }
  },
};

/** Edges (n + 1) of a heatmap's columns or rows; n + 1 or more values are the edges themselves, as plotly.js reads them. */
function cellEdges(t: Trace, axis: 'x' | 'y', n: number): Float64Array {
  const v = readNumbers(t[axis]);
  return v && v.length > n && v.length > 1 ? v.slice(0, n + 1) : edges(coords(t, axis, n));
}

/** Coordinates of a heatmap's columns or rows: explicit array, x0/dx, or the index. */
function coords(t: Trace, axis: 'x' | 'y', n: number): Float64Array {
  const v = readNumbers(t[axis]);
  if (v && v.length >= n) return v.subarray(0, n);
  const start = typeof t[`${axis}0`] === 'number' ? (t[`${axis}0`] as number) : 0;
  const step = typeof t[`d${axis}`] === 'number' ? (t[`d${axis}`] as number) : 1;
  return Float64Array.from({ length: n }, (_, i) => start + i * step);
}

/** Cell edges (n + 1) half-way between centres, extrapolated at both ends. */
function edges(c: Float64Array): Float64Array {
  const n = c.length;
  const e = new Float64Array(n + 1);
  if (n === 1) {
    e[0] = c[0] - 0.5;
    e[1] = c[0] + 0.5;
    return e;
  }
  for (let i = 1; i < n; i++) e[i] = (c[i - 1] + c[i]) / 2;
  e[0] = c[0] - (c[1] - c[0]) / 2;
  e[n] = c[n - 1] + (c[n - 1] - c[n - 2]) / 2;
  return e;
}

interface ZGrid {
  rows: number;
  cols: number;
  values: Float64Array;
}

/** `z` as rows x cols values (binary array or nested rows; ragged rows and nulls become NaN). */
function readZ(z: unknown): ZGrid | null {
  if (isTypedArraySpec(z)) {
    const { values, shape } = decodeTypedArray(z);
    return shape.length === 2 ? { rows: shape[0], cols: shape[1], values } : { rows: 1, cols: values.length, values };
  }
  if (Array.isArray(z) && z.length > 0) {
    const rows = z.length;
    const cols = Math.max(
      ...z.map((r) => (Array.isArray(r) || ArrayBuffer.isView(r) ? (r as ArrayLike<number>).length : 0)),
    );
    const values = new Float64Array(rows * cols).fill(NaN);
    z.forEach((row, r) => {
      const a = row as ArrayLike<number | null>;
      for (let c = 0; c < a.length; c++) values[r * cols + c] = a[c] === null ? NaN : (a[c] as number);
    });
    return { rows, cols, values };
  }
  return null;
}

/** Index i with e[i] <= v < e[i+1] (edges ascending or descending), or -1 outside. */
function findCell(e: Float64Array, v: number): number {
  const n = e.length - 1;
  const asc = e[n] >= e[0];
  const lo0 = asc ? e[0] : e[n];
  const hi0 = asc ? e[n] : e[0];
  if (!(v >= lo0 && v <= hi0)) return -1;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (asc ? e[mid] <= v : e[mid] >= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Whether pixel centre `p` is at least gap/2 pixels from both edges of cell i. */
function gapOk(a: AxisState, e: Float64Array, i: number, p: number, gap: number): boolean {
  if (gap <= 0) return true;
  const p0 = toPx(a, e[i]);
  const p1 = toPx(a, e[i + 1]);
  return Math.min(Math.abs(p - p0), Math.abs(p - p1)) >= gap / 2;
}
