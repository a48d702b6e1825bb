// What a trace type brings to the PNG fallback. One drawer per file in this folder, listed once in
// ./index.ts: the layout, axes, colour bars and legend ask the drawer, never the trace type.
import { readNumbers } from '../../encode';
import type { Raster, Rect, RGB } from '../../raster';
import type { Figure, Trace } from '../../types';
import { type AxisPad, TIGHT } from '../autorange';
import { finite, type AxisState } from '../axis';
import type { ColorSpec } from '../color';

/**
 * Value extent of a trace on its x and y axes (what autorange covers), and how far past it each
 * axis reaches (plotly.js's padding; none when absent, as for heatmap cell edges).
 */
export interface Extent {
  x: [number, number];
  y: [number, number];
  xPad?: AxisPad;
  yPad?: AxisPad;
}

interface Common {
  /** Plotly trace types it draws (`type` of the trace). */
  readonly types: readonly string[];
  /** The colour scale its values map through; a trace of a drawer with one gets a colour bar. */
  colorScale?(fig: Figure, t: Trace): ColorSpec;
  /** Colour of its legend swatch; traces of drawers without one take no legend entry. */
  legendColor?(t: Trace, index: number): RGB;
}

/** A trace on an (xaxis, yaxis) pair: drawn over the grid lines, under the axes. */
export interface AxesDrawer extends Common {
  readonly place: 'axes';
  /** Its data extent, or null when it has no drawable data. */
  extent(t: Trace): Extent | null;
  /** `index` is the trace's position in `fig.data` (Plotly's colorway follows it). */
  draw(img: Raster, t: Trace, at: { fig: Figure; index: number; xa: AxisState; ya: AxisState }): void;
}

/** A trace laid out on the plot area itself (a table): drawn after the axes. */
export interface PaperDrawer extends Common {
  readonly place: 'paper';
  draw(img: Raster, t: Trace, at: { fig: Figure; index: number; plot: Rect }): void;
}

export type TraceDrawer = AxesDrawer | PaperDrawer;

/** A scatter trace's mode; without one, plotly.js draws `lines+markers` below 20 points, else `lines`. */
export function scatterMode(t: Trace, points: number): string {
  return typeof t.mode === 'string' ? t.mode : points < 20 ? 'lines+markers' : 'lines';
}

/**
 * Extent of `t.x` / `t.y` (x defaults to 0, 1, 2, ...) with plotly.js's scatter padding: y gets 5%
 * of the axis length, x only with markers or text (lines alone run edge to edge), and markers add
 * their radius in pixels (`max(size / 1.6, 3)`). Also the extent of trace types without a drawer:
 * they are not drawn but keep their axes, so the axes match the interactive figure.
 */
export function xyExtent(t: Trace): Extent | null {
  const x = readNumbers(t.x);
  const y = readNumbers(t.y);
  if (!y) return null;
  const xs = x ?? Float64Array.from(y, (_, i) => i);
  const n = Math.min(xs.length, y.length);
  const fx = finite(xs.subarray(0, n));
  const fy = finite(y.subarray(0, n));
  if (!fx || !fy) return null;
  const mode = scatterMode(t, n);
  const markers = mode.includes('markers');
  const size = (t.marker as { size?: unknown } | undefined)?.size;
  const sizes = typeof size === 'number' ? [size] : Array.isArray(size) ? size.filter(Number.isFinite) : [];
  const px = markers ? Math.max(3, ...sizes.map((s) => s / 1.6), sizes.length === 0 ? 6 / 1.6 : 0) : 0;
  const padX = markers || mode.includes('text');
  return { x: fx, y: fy, xPad: padX ? { px, extra: true } : TIGHT, yPad: { px, extra: true } };
}
