// Where things go on the canvas: its size, the margins, and the plot area left once the colour bars
// and a vertical legend have taken their room on the right.
import { assert, formatValue } from '../../errors';
import { MAX_FIGURE_PX } from '../checks';
import type { Rect } from '../raster';
import type { Figure } from '../types';
import { colorbarsOf, type ColorbarSpec } from './colorbar';
import { legendItems, legendItemWidth, type LegendItem } from './legend';

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Canvas width when the layout has none. @default 760 */
  width?: number;
  /** Canvas height when the layout has none. @default 380 */
  height?: number;
}

/**
 * Canvas size in pixels: the layout's, else the options', else 760 x 380. A layout size that is not
 * a number of pixels in [1, MAX_FIGURE_PX] (an edited figure) is refused before any allocation.
 */
export function canvasSize(fig: Figure, opts: RenderPngOptions): { W: number; H: number } {
  const size = (name: 'width' | 'height', dflt: number): number => {
    const v: unknown = fig.layout[name];
    assert(
      v === undefined || (typeof v === 'number' && v >= 0.5 && v <= MAX_FIGURE_PX),
      () => `fig.layout.${name}=${formatValue(v)} must be a number of pixels in [1, ${MAX_FIGURE_PX}]`,
    );
    return Math.round((v as number | undefined) ?? opts[name] ?? dflt);
  };
  return { W: size('width', 760), H: size('height', 380) };
}

/** The layout of a W x H canvas. */
export interface Geometry {
  /** Plot area (all subplot domains). */
  plot: Rect;
  margin: { l: number; r: number; t: number; b: number };
  legendItems: LegendItem[];
  showLegend: boolean;
  /** Legend above the plot in a row (orientation 'h') rather than in a column at its right. */
  horizontal: boolean;
  colorbars: ColorbarSpec[];
  /** Width taken at the right of the plot by unplaced colour bars. */
  cbWidth: number;
}

export function geometry(fig: Figure, W: number, H: number): Geometry {
  const layout = fig.layout;
  const m = { l: 70, r: 20, t: 48, b: 50, ...(layout.margin ?? {}) };
  const items = legendItems(fig);
  const showLegend = layout.showlegend !== false && (items.length > 1 || layout.showlegend === true);
  const colorbars = colorbarsOf(fig);
  // Placed colour bars live in the paper or its margin, as in Plotly; unplaced ones get a column each.
  const cbWidth = 80 * colorbars.filter((c) => !c.place).length;
  // A horizontal legend (orientation 'h') sits above the plot, as Plotly puts it, taking no width.
  const horizontal = (layout.legend as { orientation?: string } | undefined)?.orientation === 'h';
  // (showlegend: true with no named trace draws no legend, so it takes no room either)
  const legendWidth =
    showLegend && !horizontal && items.length > 0 ? Math.min(220, Math.max(...items.map(legendItemWidth))) : 0;
  const plot: Rect = { x0: m.l, y0: m.t, x1: W - m.r - cbWidth - legendWidth, y1: H - m.b };
  return { plot, margin: m, legendItems: items, showLegend, horizontal, colorbars, cbWidth };
}

/**
 * Pixel rectangle [x0, x1) x [y0, y1) of the plotting area (all subplot domains) in the PNG of
 * `fig`: the layout margins, less room for the colour bar and legend on the right.
 */
export function plotRect(fig: Figure, opts: RenderPngOptions = {}): Rect {
  const { W, H } = canvasSize(fig, opts);
  return geometry(fig, W, H).plot;
}
