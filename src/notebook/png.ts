import { writeFileAtomicSync } from '../atomicFile';
import { assert } from '../errors';
import { colorAt, colorAtStops, parseColor, parseColorScale } from './colormap';
import { isTypedArraySpec, decodeTypedArray, readNumbers } from './encode';
import { FONT, textWidth } from './font';
import { COLOR_LEVELS, Raster, type Rect, type RGB } from './raster';
import { formatTick, niceTicks } from './ticks';
import type { Axis, Figure, Trace } from './types';

const WHITE: RGB = [255, 255, 255];
const INK: RGB = [42, 63, 95]; // Plotly's default font colour #2a3f5f
const AXIS: RGB = [90, 90, 90];
const GRID: RGB = [232, 232, 232];
/** Plotly's default colorway, so line colours match the interactive figure. */
export const COLORWAY = ['#636efa', '#EF553B', '#00cc96', '#ab63fa', '#FFA15A', '#19d3f3', '#FF6692', '#B6E880', '#FF97FF', '#FECB52'];

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Canvas width when the layout has none. @default 760 */
  width?: number;
  /** Canvas height when the layout has none. @default 380 */
  height?: number;
}

interface AxisState {
  id: string; // 'x', 'x2', 'y', ...
  spec: Axis;
  lo: number;
  hi: number;
  px0: number; // pixel of lo
  px1: number; // pixel of hi
}

interface ColorSpec {
  stops: { t: number; rgb: [number, number, number] }[] | null;
  name: 'viridis';
  min: number;
  max: number;
  title: string;
}

/**
 * Draws a figure as PNG bytes without a browser: heatmaps (colour scale quantised to 200 levels,
 * colour bar with ticks and title), scatter lines/markers, tables, axes with ticks and titles,
 * subplot annotations, legend and title, in specmorph's bitmap font.
 * Covers what specmorph's figure builders produce plus light user edits (titles, ranges,
 * colour scales, tick values); slider figures are drawn at their current step.
 * Notes: cell edges sit half-way between neighbouring x/y coordinates, as Plotly draws heatmaps.
 */
export function renderPng(fig: Figure, opts: RenderPngOptions = {}): Buffer {
  return renderRaster(fig, opts).toPng();
}

/**
 * Writes {@link renderPng} of `fig` to `path` atomically: an existing PNG stays whole until the new
 * one is complete (a full disk leaves the old picture, never a truncated one). A symbolic link is
 * followed and its target replaced; errors are DatasetErrors naming `path`.
 */
export function savePng(fig: Figure, path: string, opts: RenderPngOptions = {}): void {
  writeFileAtomicSync(path, renderPng(fig, opts));
}

/** The canvas {@link renderPng} encodes (exported for tests that read pixels back). */
export function renderRaster(fig: Figure, opts: RenderPngOptions = {}): Raster {
  assert(fig && Array.isArray(fig.data) && typeof fig.layout === 'object', () => 'fig must be a Plotly figure {data, layout, config}');
  const layout = fig.layout;
  const W = Math.round(layout.width ?? opts.width ?? 760);
  const H = Math.round(layout.height ?? opts.height ?? 380);
  const img = new Raster(W, H, WHITE);

  const heatmaps = fig.data.filter((t) => t.type === 'heatmap');
  const scatters = fig.data.filter((t) => t.type === 'scatter' || t.type === 'scattergl');
  const { plot, legendItems, showLegend, horizontal, colorbars, cbWidth } = geometry(fig, W, H);

  drawTitle(img, layout.title?.text ?? '', W, geometry(fig, W, H).m.t);

  const axes = computeAxes(fig, plot);
  const cartesian = fig.data.filter((t) => t.type !== 'table');

  // Subplots: each (x, y) pair used by a trace.
  const pairs = new Map<string, [AxisState, AxisState]>();
  for (const t of cartesian) {
    const xa = axes.get(String(t.xaxis ?? 'x')) as AxisState;
    const ya = axes.get(String(t.yaxis ?? 'y')) as AxisState;
    pairs.set(`${xa.id}${ya.id}`, [xa, ya]);
  }
  for (const [xa, ya] of pairs.values()) drawGrid(img, xa, ya);
  for (const t of heatmaps) {
    const xa = axes.get(String(t.xaxis ?? 'x')) as AxisState;
    const ya = axes.get(String(t.yaxis ?? 'y')) as AxisState;
    drawHeatmap(img, t, xa, ya, colorOf(fig, t));
  }
  scatters.forEach((t) => {
    const xa = axes.get(String(t.xaxis ?? 'x')) as AxisState;
    const ya = axes.get(String(t.yaxis ?? 'y')) as AxisState;
    drawScatter(img, t, xa, ya, fig.data.indexOf(t));
  });
  for (const [xa, ya] of pairs.values()) drawAxes(img, xa, ya);
  for (const t of fig.data.filter((tr) => tr.type === 'table')) drawTable(img, t, plot);
  drawAnnotations(img, layout.annotations, plot, axes);
  let unplaced = 0;
  for (const cb of colorbars) drawColorbar(img, cb, colorbarRect(cb, plot, cb.place ? 0 : unplaced++));
  if (showLegend && horizontal) drawLegendRow(img, legendItems, fig.data, plot.x0, plot.y0 - 16);
  else if (showLegend) drawLegend(img, legendItems, fig.data, plot.x1 + cbWidth + 10, plot.y0);
  drawSliderCaption(img, layout.sliders, W, H);
  return img;
}

/**
 * Value ranges of every axis as the PNG draws them (`{x: [lo, hi], y2: [...]}`): explicit ranges,
 * else the data's extent (heatmap cell edges, lines, padded markers), shared across `matches`.
 * Exported so tests can check that the PNG and the rendered Plotly figure show the same ranges.
 */
export function pngAxisRanges(fig: Figure, opts: RenderPngOptions = {}): Record<string, [number, number]> {
  const axes = computeAxes(fig, plotRect(fig, opts));
  return Object.fromEntries([...axes.values()].map((a) => [a.id, [a.lo, a.hi] as [number, number]]));
}

/** Pixel extent `[start, end]` of every axis in the PNG (x left to right, y top to bottom), as Plotly's `_offset`/`_length`. */
export function pngAxisPixels(fig: Figure, opts: RenderPngOptions = {}): Record<string, [number, number]> {
  const axes = computeAxes(fig, plotRect(fig, opts));
  return Object.fromEntries([...axes.values()].map((a) => [a.id, [Math.min(a.px0, a.px1), Math.max(a.px0, a.px1)] as [number, number]]));
}

/** The colour bars the PNG draws, as `[min, max]` of each, in drawing order (for tests against the rendered Plotly figure). */
export function pngColorbarRanges(fig: Figure): [number, number][] {
  return colorbarsOf(fig).map((c) => [c.min, c.max]);
}

function computeAxes(fig: Figure, plot: Rect): Map<string, AxisState> {
  const layout = fig.layout;
  // Axes: every axis named in the layout or used by a trace.
  const axes = new Map<string, AxisState>();
  const ensure = (id: string): AxisState => {
    let a = axes.get(id);
    if (!a) {
      const spec = (layout[axisKey(id)] as Axis | undefined) ?? {};
      a = { id, spec, lo: Infinity, hi: -Infinity, px0: 0, px1: 0 };
      axes.set(id, a);
    }
    return a;
  };
  const cartesian = fig.data.filter((t) => t.type !== 'table');
  for (const t of cartesian) {
    const xa = ensure(String(t.xaxis ?? 'x'));
    const ya = ensure(String(t.yaxis ?? 'y'));
    const ext = traceExtent(t);
    if (!ext) continue;
    xa.lo = Math.min(xa.lo, ext.x[0]);
    xa.hi = Math.max(xa.hi, ext.x[1]);
    ya.lo = Math.min(ya.lo, ext.y[0]);
    ya.hi = Math.max(ya.hi, ext.y[1]);
  }
  for (const a of axes.values()) {
    if (Array.isArray(a.spec.range) && a.spec.range.length === 2) [a.lo, a.hi] = a.spec.range;
    else if (!(a.lo <= a.hi)) [a.lo, a.hi] = [0, 1];
    else if (a.lo === a.hi) [a.lo, a.hi] = [a.lo - 0.5, a.hi + 0.5];
  }
  // Shared axes: a group of `matches` takes the union of its ranges (what Plotly shows after autorange).
  for (const a of axes.values()) {
    const target = typeof a.spec.matches === 'string' ? axes.get(a.spec.matches) : undefined;
    if (target && !Array.isArray(a.spec.range)) {
      target.lo = Math.min(target.lo, a.lo);
      target.hi = Math.max(target.hi, a.hi);
    }
  }
  for (const a of axes.values()) {
    const target = typeof a.spec.matches === 'string' ? axes.get(a.spec.matches) : undefined;
    if (target) [a.lo, a.hi] = [target.lo, target.hi];
  }
  for (const a of axes.values()) {
    const dom = a.spec.domain ?? [0, 1];
    if (a.id.startsWith('x')) {
      a.px0 = plot.x0 + dom[0] * (plot.x1 - plot.x0);
      a.px1 = plot.x0 + dom[1] * (plot.x1 - plot.x0);
    } else {
      a.px0 = plot.y1 - dom[0] * (plot.y1 - plot.y0);
      a.px1 = plot.y1 - dom[1] * (plot.y1 - plot.y0);
    }
    if (a.spec.autorange === 'reversed') [a.px0, a.px1] = [a.px1, a.px0];
  }

  // scaleanchor: one data unit spans as many pixels on both axes; the longer axis shrinks about its
  // centre (Plotly's constrain='domain').
  for (const a of axes.values()) {
    const b = typeof a.spec.scaleanchor === 'string' ? axes.get(a.spec.scaleanchor) : undefined;
    if (!b) continue;
    const ppuA = Math.abs(a.px1 - a.px0) / Math.abs(a.hi - a.lo);
    const ppuB = Math.abs(b.px1 - b.px0) / Math.abs(b.hi - b.lo);
    const target = Math.min(ppuA, ppuB);
    for (const [ax, ppu] of [[a, ppuA], [b, ppuB]] as [AxisState, number][]) {
      if (ppu <= target) continue;
      const mid = (ax.px0 + ax.px1) / 2;
      const f = target / ppu;
      [ax.px0, ax.px1] = [mid + (ax.px0 - mid) * f, mid + (ax.px1 - mid) * f];
    }
  }

  return axes;
}

/**
 * Pixel rectangle [x0, x1) x [y0, y1) of the plotting area (all subplot domains) in the PNG of
 * `fig`: the layout margins, less room for the colour bar and legend on the right.
 */
export function plotRect(fig: Figure, opts: RenderPngOptions = {}): Rect {
  return geometry(fig, Math.round(fig.layout.width ?? opts.width ?? 760), Math.round(fig.layout.height ?? opts.height ?? 380)).plot;
}

function geometry(fig: Figure, W: number, H: number) {
  const layout = fig.layout;
  const m = { l: 70, r: 20, t: 48, b: 50, ...(layout.margin ?? {}) };
  const scatters = fig.data.filter((t) => t.type === 'scatter' || t.type === 'scattergl');
  const legendItems = scatters.filter((t) => t.showlegend !== false && typeof t.name === 'string' && t.name !== '');
  const showLegend = layout.showlegend !== false && (legendItems.length > 1 || layout.showlegend === true);
  const colorbars = colorbarsOf(fig);
  // Placed colour bars live in the paper or its margin, as in Plotly; unplaced ones get a column each.
  const cbWidth = 80 * colorbars.filter((c) => !c.place).length;
  // A horizontal legend (orientation 'h') sits above the plot, as Plotly puts it, taking no width.
  const horizontal = (layout.legend as { orientation?: string } | undefined)?.orientation === 'h';
  const legendWidth = showLegend && !horizontal ? Math.min(220, 34 + Math.max(...legendItems.map((t) => textWidth(String(t.name))))) : 0;
  const plot: Rect = { x0: m.l, y0: m.t, x1: W - m.r - cbWidth - legendWidth, y1: H - m.b };

  return { plot, legendItems, showLegend, horizontal, colorbars, cbWidth, m };
}

function axisKey(id: string): string {
  return `${id[0]}axis${id.slice(1)}`;
}

function stripTags(s: string): string[] {
  return s
    .split(/<br\s*\/?>/i)
    .map((line) => line.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim())
    .filter((line) => line.length > 0);
}

function drawTitle(img: Raster, title: string, W: number, top: number): void {
  const lines = stripTags(title);
  let y = Math.max(4, Math.round(top / 2 - (lines.length === 1 ? 7 : 12)));
  lines.forEach((line, i) => {
    const scale = i === 0 && textWidth(line, 2) < W - 20 ? 2 : 1;
    img.text(line, W / 2, y, INK, { scale, align: 'center' });
    y += FONT.lineHeight * scale + 2;
  });
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

function readZ(z: unknown): ZGrid | null {
  if (isTypedArraySpec(z)) {
    const { values, shape } = decodeTypedArray(z);
    return shape.length === 2 ? { rows: shape[0], cols: shape[1], values } : { rows: 1, cols: values.length, values };
  }
  if (Array.isArray(z) && z.length > 0) {
    const rows = z.length;
    const cols = Math.max(...z.map((r) => (Array.isArray(r) || ArrayBuffer.isView(r) ? (r as ArrayLike<number>).length : 0)));
    const values = new Float64Array(rows * cols).fill(NaN);
    z.forEach((row, r) => {
      const a = row as ArrayLike<number | null>;
      for (let c = 0; c < a.length; c++) values[r * cols + c] = a[c] === null ? NaN : (a[c] as number);
    });
    return { rows, cols, values };
  }
  return null;
}

function traceExtent(t: Trace): { x: [number, number]; y: [number, number] } | null {
  if (t.type === 'heatmap') {
    const z = readZ(t.z);
    if (!z) return null;
    const ex = edges(coords(t, 'x', z.cols));
    const ey = edges(coords(t, 'y', z.rows));
    return { x: [Math.min(ex[0], ex[z.cols]), Math.max(ex[0], ex[z.cols])], y: [Math.min(ey[0], ey[z.rows]), Math.max(ey[0], ey[z.rows])] };
  }
  const x = readNumbers(t.x);
  const y = readNumbers(t.y);
  if (!y) return null;
  const xs = x ?? Float64Array.from(y, (_, i) => i);
  const fx = finite(xs);
  const fy = finite(y);
  if (!fx || !fy) return null;
  const pad = (r: [number, number]): [number, number] => {
    const d = (r[1] - r[0]) * 0.03 || 0.5;
    return [r[0] - d, r[1] + d];
  };
  return { x: String(t.mode ?? 'lines').includes('markers') ? pad(fx) : fx, y: pad(fy) };
}

function finite(a: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i])) {
      lo = Math.min(lo, a[i]);
      hi = Math.max(hi, a[i]);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function toPx(a: AxisState, v: number): number {
  return a.px0 + ((v - a.lo) / (a.hi - a.lo)) * (a.px1 - a.px0);
}

function fromPx(a: AxisState, p: number): number {
  return a.lo + ((p - a.px0) / (a.px1 - a.px0)) * (a.hi - a.lo);
}

function colorOf(fig: Figure, t: Trace): ColorSpec {
  const ca = typeof t.coloraxis === 'string' ? (fig.layout[t.coloraxis] as Record<string, unknown> | undefined) : undefined;
  const src = ca ?? t;
  const z = readZ(t.z);
  const range = z ? finite(z.values) ?? [0, 1] : [0, 1];
  const min = typeof (ca ? ca.cmin : t.zmin) === 'number' ? ((ca ? ca.cmin : t.zmin) as number) : range[0];
  const max = typeof (ca ? ca.cmax : t.zmax) === 'number' ? ((ca ? ca.cmax : t.zmax) as number) : range[1];
  const cb = (src.colorbar as { title?: { text?: string } } | undefined) ?? {};
  return { stops: parseColorScale(src.colorscale), name: 'viridis', min, max, title: cb.title?.text ?? '' };
}

/** Colour of value v under spec, quantised to COLOR_LEVELS steps (so a figure fits a PNG palette). */
export function quantisedColor(spec: { stops: ColorSpec['stops']; min: number; max: number }, v: number): [number, number, number] {
  const t = (v - spec.min) / (spec.max - spec.min || 1);
  const q = Math.round(Math.min(1, Math.max(0, t)) * (COLOR_LEVELS - 1)) / (COLOR_LEVELS - 1);
  return spec.stops ? colorAtStops(spec.stops, q) : colorAt('viridis', q);
}

function drawHeatmap(img: Raster, t: Trace, xa: AxisState, ya: AxisState, spec: ColorSpec): void {
  const z = readZ(t.z);
  if (!z) return;
  const ex = edges(coords(t, 'x', z.cols));
  const ey = edges(coords(t, 'y', z.rows));
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

function gapOk(a: AxisState, e: Float64Array, i: number, p: number, gap: number): boolean {
  if (gap <= 0) return true;
  const p0 = toPx(a, e[i]);
  const p1 = toPx(a, e[i + 1]);
  return Math.min(Math.abs(p - p0), Math.abs(p - p1)) >= gap / 2;
}

function traceColor(t: Trace, index: number): RGB {
  const line = t.line as { color?: string } | undefined;
  const marker = t.marker as { color?: string } | undefined;
  return parseColor(line?.color) ?? parseColor(marker?.color) ?? (parseColor(COLORWAY[index % COLORWAY.length]) as RGB);
}

function drawScatter(img: Raster, t: Trace, xa: AxisState, ya: AxisState, index: number): void {
  const y = readNumbers(t.y);
  if (!y) return;
  const x = readNumbers(t.x) ?? Float64Array.from(y, (_, i) => i);
  const c = traceColor(t, index);
  const mode = String(t.mode ?? 'lines');
  const clip: Rect = { x0: Math.min(xa.px0, xa.px1), x1: Math.max(xa.px0, xa.px1) + 1, y0: Math.min(ya.px0, ya.px1), y1: Math.max(ya.px0, ya.px1) + 1 };
  const line = t.line as { width?: number; dash?: string } | undefined;
  if (mode.includes('lines')) {
    const dashed = line?.dash === 'dash' || line?.dash === 'dot';
    for (let i = 1; i < y.length; i++) {
      if (!Number.isFinite(y[i - 1]) || !Number.isFinite(y[i]) || !Number.isFinite(x[i - 1]) || !Number.isFinite(x[i])) continue;
      if (dashed && i % 2 === 0 && y.length > 8) continue;
      img.line(toPx(xa, x[i - 1]), toPx(ya, y[i - 1]), toPx(xa, x[i]), toPx(ya, y[i]), c, line?.width ?? 2, clip);
    }
  }
  if (mode.includes('markers')) {
    const marker = t.marker as { size?: number } | undefined;
    const r = (marker?.size ?? 6) / 2;
    for (let i = 0; i < y.length; i++) {
      if (Number.isFinite(x[i]) && Number.isFinite(y[i])) img.disc(toPx(xa, x[i]), toPx(ya, y[i]), r, c);
    }
  }
}

function ticksOf(a: AxisState): { v: number; label: string }[] {
  if (Array.isArray(a.spec.tickvals)) {
    const text = a.spec.ticktext;
    return a.spec.tickvals.map((v, i) => ({ v, label: Array.isArray(text) && text[i] !== undefined ? String(text[i]) : formatTick(v) }));
  }
  const lenPx = Math.abs(a.px1 - a.px0);
  const vals = niceTicks(a.lo, a.hi, Math.max(2, Math.round(lenPx / (a.id.startsWith('x') ? 90 : 50))));
  const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) : undefined;
  return vals.map((v) => ({ v, label: formatTick(v, step) }));
}

function inside(a: AxisState, v: number): boolean {
  return v >= Math.min(a.lo, a.hi) - 1e-9 * Math.abs(a.hi - a.lo) && v <= Math.max(a.lo, a.hi) + 1e-9 * Math.abs(a.hi - a.lo);
}

function drawGrid(img: Raster, xa: AxisState, ya: AxisState): void {
  const x0 = Math.min(xa.px0, xa.px1);
  const x1 = Math.max(xa.px0, xa.px1);
  const y0 = Math.min(ya.px0, ya.px1);
  const y1 = Math.max(ya.px0, ya.px1);
  if (xa.spec.showgrid !== false) for (const t of ticksOf(xa)) if (inside(xa, t.v)) img.line(toPx(xa, t.v), y0, toPx(xa, t.v), y1, GRID);
  if (ya.spec.showgrid !== false) for (const t of ticksOf(ya)) if (inside(ya, t.v)) img.line(x0, toPx(ya, t.v), x1, toPx(ya, t.v), GRID);
}

function drawAxes(img: Raster, xa: AxisState, ya: AxisState): void {
  const x0 = Math.round(Math.min(xa.px0, xa.px1));
  const x1 = Math.round(Math.max(xa.px0, xa.px1));
  const y0 = Math.round(Math.min(ya.px0, ya.px1));
  const y1 = Math.round(Math.max(ya.px0, ya.px1));
  img.line(x0 - 1, y1, x1, y1, AXIS);
  img.line(x0 - 1, y0, x0 - 1, y1, AXIS);
  for (const t of ticksOf(xa)) {
    if (!inside(xa, t.v)) continue;
    const px = toPx(xa, t.v);
    img.line(px, y1, px, y1 + 4, AXIS);
    img.text(t.label, px, y1 + 7, INK, { align: 'center' });
  }
  let labelWidth = 0;
  for (const t of ticksOf(ya)) {
    if (!inside(ya, t.v)) continue;
    const py = toPx(ya, t.v);
    img.line(x0 - 5, py, x0 - 1, py, AXIS);
    img.text(t.label, x0 - 8, py, INK, { align: 'right', valign: 'middle' });
    labelWidth = Math.max(labelWidth, textWidth(t.label));
  }
  const xt = xa.spec.title?.text;
  if (xt) img.text(stripTags(xt).join(' '), (x0 + x1) / 2, y1 + 22, INK, { align: 'center' });
  const yt = ya.spec.title?.text;
  if (yt) img.text(stripTags(yt).join(' '), x0 - 16 - labelWidth, (y0 + y1) / 2, INK, { align: 'center', valign: 'bottom', rotate: true });
}

/** A colour bar and, when its colorbar sets `x`, where Plotly puts it (paper fractions, thickness in px). */
interface ColorbarSpec extends ColorSpec {
  place: { x: number; y: number; len: number; thickness: number } | null;
}

/** One colour bar per colour axis (or per heatmap without one) that shows its scale. */
function colorbarsOf(fig: Figure): ColorbarSpec[] {
  const out: ColorbarSpec[] = [];
  const seen = new Set<string>();
  for (const t of fig.data) {
    if (t.type !== 'heatmap' || t.showscale === false) continue;
    let owner: Record<string, unknown> = t;
    if (typeof t.coloraxis === 'string') {
      if (seen.has(t.coloraxis)) continue;
      seen.add(t.coloraxis);
      const ca = fig.layout[t.coloraxis] as Record<string, unknown> | undefined;
      if (ca?.showscale === false) continue;
      owner = ca ?? {};
    }
    const cb = (owner.colorbar as Record<string, unknown> | undefined) ?? {};
    const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
    const place = typeof cb.x === 'number' ? { x: cb.x, y: num(cb.y, 0.5), len: num(cb.len, 1), thickness: num(cb.thickness, 30) } : null;
    out.push({ ...colorOf(fig, t), place });
  }
  // Unplaced bars stack at the right of the plot; two fit there.
  const unplaced = out.filter((c) => !c.place);
  return [...out.filter((c) => c.place), ...unplaced.slice(0, 2)];
}

function drawColorbar(img: Raster, cb: ColorbarSpec, r: Rect): void {
  const top = r.y0 + 18;
  for (let y = top; y < r.y1; y++) {
    const v = cb.max - ((y + 0.5 - top) / (r.y1 - top)) * (cb.max - cb.min);
    img.fillRect(r.x0, y, r.x1, y + 1, quantisedColor(cb, v));
  }
  const vals = niceTicks(cb.min, cb.max, Math.max(2, Math.min(5, Math.round((r.y1 - top) / 30))));
  const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) : undefined;
  for (const v of vals) {
    if (v < Math.min(cb.min, cb.max) || v > Math.max(cb.min, cb.max)) continue;
    const y = top + ((cb.max - v) / (cb.max - cb.min || 1)) * (r.y1 - top);
    img.line(r.x1, y, r.x1 + 3, y, AXIS);
    img.text(formatTick(v, step).replace(/^-/, '−'), r.x1 + 6, y, INK, { valign: 'middle' });
  }
  if (cb.title) img.text(stripTags(cb.title).join(' '), r.x0, r.y0 + 4, INK);
}

/** Pixel rectangle of a placed colour bar: centred on paper y, `len` of the plot height, left edge at paper x. */
function colorbarRect(cb: ColorbarSpec, plot: Rect, index: number): Rect {
  if (!cb.place) return { x0: plot.x1 + 14 + index * 80, y0: plot.y0, x1: plot.x1 + 28 + index * 80, y1: plot.y1 };
  const pw = plot.x1 - plot.x0;
  const ph = plot.y1 - plot.y0;
  const x0 = plot.x0 + cb.place.x * pw;
  const yc = plot.y1 - cb.place.y * ph;
  const half = (cb.place.len * ph) / 2;
  return { x0, x1: x0 + cb.place.thickness, y0: yc - half, y1: yc + half };
}

/** Legend items in one row (wrapping when the row is full), starting at (x, y). */
function drawLegendRow(img: Raster, items: Trace[], all: Trace[], x: number, y: number): void {
  let px = x;
  let py = y;
  for (const t of items) {
    const w = 34 + textWidth(String(t.name));
    if (px + w > img.width - 10 && px > x) (px = x), (py += 14);
    const c = traceColor(t, all.indexOf(t));
    img.line(px, py + 3, px + 18, py + 3, c, 2);
    img.text(String(t.name), px + 24, py, INK);
    px += w + 10;
  }
}

function drawLegend(img: Raster, items: Trace[], all: Trace[], x: number, y: number): void {
  items.forEach((t, i) => {
    const c = traceColor(t, all.indexOf(t));
    const yy = y + 6 + i * 14;
    img.line(x, yy + 3, x + 18, yy + 3, c, 2);
    img.text(String(t.name), x + 24, yy, INK);
  });
}

function drawAnnotations(img: Raster, annotations: unknown, plot: Rect, axes: Map<string, AxisState>): void {
  if (!Array.isArray(annotations)) return;
  for (const a of annotations as Record<string, unknown>[]) {
    if (typeof a.text !== 'string' || typeof a.x !== 'number' || typeof a.y !== 'number') continue;
    const xa = typeof a.xref === 'string' && a.xref !== 'paper' ? axes.get(a.xref.replace(/ domain$/, '')) : undefined;
    const ya = typeof a.yref === 'string' && a.yref !== 'paper' ? axes.get(a.yref.replace(/ domain$/, '')) : undefined;
    const px = xa ? toPx(xa, a.x) + (typeof a.ax === 'number' && a.showarrow !== false ? a.ax : 0) : plot.x0 + a.x * (plot.x1 - plot.x0);
    const py = ya ? toPx(ya, a.y) + (typeof a.ay === 'number' && a.showarrow !== false ? a.ay : 0) : plot.y1 - a.y * (plot.y1 - plot.y0);
    const align = a.xanchor === 'left' ? 'left' : a.xanchor === 'right' ? 'right' : 'center';
    const valign = a.yanchor === 'top' ? 'top' : a.yanchor === 'middle' ? 'middle' : 'bottom';
    if (xa && ya && a.showarrow !== false) img.line(toPx(xa, a.x), toPx(ya, a.y), px, py, AXIS);
    // Lines stack away from the anchor, as Plotly lays out a multi-line annotation.
    const lines = stripTags(a.text);
    const step = FONT.lineHeight + 2;
    const first = valign === 'bottom' ? py - 2 - (lines.length - 1) * step : valign === 'middle' ? py - ((lines.length - 1) * step) / 2 : py;
    lines.forEach((line, k) => img.text(line, px, first + k * step, INK, { align, valign }));
  }
}

/**
 * A table as Plotly lays it out: across the plot area, columns in proportion to `columnwidth`
 * (equal without it), the header and every row at their `height` (Plotly's 28 / 20 px defaults).
 */
function drawTable(img: Raster, t: Trace, plot: Rect): void {
  const header = ((t.header as { values?: unknown[] } | undefined)?.values ?? []).map((h) => stripTags(String(h)).join(' '));
  const cols = ((t.cells as { values?: unknown[][] } | undefined)?.values ?? []) as unknown[][];
  const n = Math.max(header.length, cols.length);
  if (n === 0) return;
  const rows = Math.max(0, ...cols.map((c) => c.length));
  const rel = Array.isArray(t.columnwidth) && t.columnwidth.length === n ? (t.columnwidth as number[]) : new Array<number>(n).fill(1);
  const total = rel.reduce((a, b) => a + b, 0);
  const widths = rel.map((w) => (w / total) * (plot.x1 - plot.x0));
  const headH = Number((t.header as { height?: number } | undefined)?.height ?? 28);
  const rowH = Number((t.cells as { height?: number } | undefined)?.height ?? 20);
  let y = plot.y0;
  const drawRow = (cells: string[], bg: RGB, bold: boolean, h: number): void => {
    let x = plot.x0;
    img.fillRect(plot.x0, y, plot.x1, y + h, bg);
    img.line(plot.x0, y + h - 1, plot.x1, y + h - 1, GRID);
    cells.forEach((s, j) => {
      img.text(s, x + 8, y + h / 2, INK, { valign: 'middle' });
      if (bold) img.text(s, x + 9, y + h / 2, INK, { valign: 'middle' });
      x += widths[j];
    });
    y += h;
  };
  drawRow(header, [200, 212, 227], true, headH);
  for (let r = 0; r < rows; r++) {
    drawRow(Array.from({ length: n }, (_, j) => (cols[j]?.[r] === undefined ? '' : String(cols[j][r]))), r % 2 ? [235, 240, 248] : WHITE, false, rowH);
  }
}

function drawSliderCaption(img: Raster, sliders: unknown, W: number, H: number): void {
  if (!Array.isArray(sliders) || sliders.length === 0) return;
  const s = sliders[0] as { active?: number; steps?: { label?: string }[]; currentvalue?: { prefix?: string } };
  const steps = s.steps ?? [];
  const active = s.active ?? 0;
  const label = steps[active]?.label ?? String(active);
  const short = `${s.currentvalue?.prefix ?? 'step: '}${label} (${active + 1} of ${steps.length})`;
  const long = `${short}; the slider needs the interactive view`;
  img.text(textWidth(long) <= W - 10 ? long : short, W / 2, H - 8, INK, { align: 'center', valign: 'bottom' });
}
