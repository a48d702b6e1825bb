// What a trace type brings to the PNG fallback. One drawer per file in this folder, listed once in
// ./index.ts: the layout, axes, colour bars and legend ask the drawer, never the trace type.
import { readNumbers } from '../../encode';
import type { Raster, Rect, RGB } from '../../raster';
import type { Figure, Trace } from '../../types';
import { finite, type AxisState } from '../axis';
import type { ColorSpec } from '../color';

/** Value extent of a trace on its x and y axes (what autorange covers). */
export interface Extent {
  x: [number, number];
  y: [number, number];
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

/**
 * Extent of `t.x` / `t.y` (x defaults to 0, 1, 2, ...): lines span their data, markers and y get 3%
 * padding (Plotly's autorange). Also the extent of trace types without a drawer: they are not drawn
 * but keep their axes, so the axes match the interactive figure.
 */
export function xyExtent(t: Trace): Extent | null {
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
