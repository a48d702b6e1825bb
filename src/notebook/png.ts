// The PNG fallback of figures (no browser): layout, then layers in Plotly's order. The parts live
// in ./png/: layout.ts and axes.ts (where things go), autorange.ts (plotly.js's autorange rule),
// colorbar.ts, legend.ts, text.ts (labels read as plotly.js reads them), and one
// drawer per trace type in traces/ (a new trace type is one file there and one line in
// traces/index.ts).
import { writeFileAtomicSync } from '../atomicFile';
import { assert, checkOptionNames, type OptionNames } from '../errors';
import { checkFigureSize } from './checks';
import { axesOf, axisPairs, computeAxes, drawAxes, drawGrid } from './png/axes';
import { colorbarRect, drawColorbar } from './png/colorbar';
import { canvasSize, geometry, plotRect, type RenderPngOptions } from './png/layout';
import { drawLegend, drawLegendRow, legendItemWidth, legendRowLayout } from './png/legend';
import { WHITE } from './png/style';
import { drawAnnotations, drawSliderCaption, drawTitle } from './png/text';
import { DRAWERS, drawerOf } from './png/traces';
import { Raster } from './raster';
import type { Figure } from './types';

export { plotRect, type RenderPngOptions } from './png/layout';
export { pngColorbarRanges } from './png/colorbar';

const RENDER_PNG_OPTIONS: OptionNames<RenderPngOptions> = { width: true, height: true };

/** Checks the names and values of RenderPngOptions; `where` names the function. */
function checkRenderOptions(opts: RenderPngOptions, where: string): void {
  checkOptionNames(opts, RENDER_PNG_OPTIONS, where);
  checkFigureSize(opts);
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
  checkRenderOptions(opts, 'renderPng');
  return renderRaster(fig, opts).toPng();
}

/**
 * Writes {@link renderPng} of `fig` to `path` atomically: an existing PNG stays whole until the new
 * one is complete (a full disk leaves the old picture, never a truncated one). A symbolic link is
 * followed and its target replaced; errors are DatasetErrors naming `path`.
 */
export function savePng(fig: Figure, path: string, opts: RenderPngOptions = {}): void {
  checkRenderOptions(opts, 'savePng');
  writeFileAtomicSync(path, renderPng(fig, opts));
}

/**
 * The canvas {@link renderPng} encodes (exported for tests that read pixels back). Layers, bottom
 * to top: title; grid lines of each subplot; traces on axes, drawer by drawer; axes; traces laid
 * out on the paper (tables); annotations; colour bars; legend; slider caption.
 */
export function renderRaster(fig: Figure, opts: RenderPngOptions = {}): Raster {
  assert(
    fig && Array.isArray(fig.data) && typeof fig.layout === 'object',
    () => 'fig must be a Plotly figure {data, layout, config}',
  );
  const { W, H } = canvasSize(fig, opts);
  const img = new Raster(W, H, WHITE);
  const g = geometry(fig, W, H);
  const title = fig.layout.title;
  const pinned = typeof title?.y === 'number' && title.yanchor === 'top' ? (1 - title.y) * H : null;
  drawTitle(img, title?.text ?? '', W, g.margin.t, pinned);
  const axes = computeAxes(fig, g.plot);
  const pairs = axisPairs(fig, axes);
  for (const [xa, ya] of pairs) drawGrid(img, xa, ya);
  for (const d of DRAWERS) {
    if (d.place !== 'axes') continue;
    fig.data.forEach((t, index) => {
      if (drawerOf(t.type) !== d) return;
      const [xa, ya] = axesOf(t, axes);
      d.draw(img, t, { fig, index, xa, ya });
    });
  }
  for (const [xa, ya] of pairs) drawAxes(img, xa, ya);
  for (const d of DRAWERS) {
    if (d.place !== 'paper') continue;
    fig.data.forEach((t, index) => {
      if (drawerOf(t.type) === d) d.draw(img, t, { fig, index, plot: g.plot });
    });
  }
  drawAnnotations(img, fig.layout.annotations, g.plot, axes);
  let unplaced = 0;
  for (const cb of g.colorbars) drawColorbar(img, cb, colorbarRect(cb, g.plot, cb.place ? 0 : unplaced++));
  if (g.showLegend && g.horizontal) drawLegendRow(img, g.legendItems, g.plot.x0, legendBottom(g.plot));
  else if (g.showLegend) drawLegend(img, g.legendItems, g.plot.x1 + g.cbWidth + 10, g.plot.y0);
  drawSliderCaption(img, fig.layout.sliders, W, H);
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

/**
 * The box `{left, right, top, bottom}` (pixels) of the horizontal legend the PNG draws above the
 * plot, or null when it draws none (or a vertical one). Exported so tests can check it stays clear
 * of the plot area.
 */
export function pngLegendBox(
  fig: Figure,
  opts: RenderPngOptions = {},
): { left: number; right: number; top: number; bottom: number } | null {
  const { W, H } = canvasSize(fig, opts);
  const g = geometry(fig, W, H);
  if (!g.showLegend || !g.horizontal || g.legendItems.length === 0) return null;
  const l = legendRowLayout(g.legendItems, g.plot.x0, W - 10, legendBottom(g.plot));
  return {
    left: g.plot.x0,
    right: Math.max(...l.placed.map((p) => p.x + legendItemWidth(p.item))),
    top: l.top,
    bottom: l.bottom,
  };
}

/** The top of a horizontal legend's last row: just above the plot area. */
function legendBottom(plot: { y0: number }): number {
  return plot.y0 - 16;
}

/** Pixel extent `[start, end]` of every axis in the PNG (x left to right, y top to bottom), as Plotly's `_offset`/`_length`. */
export function pngAxisPixels(fig: Figure, opts: RenderPngOptions = {}): Record<string, [number, number]> {
  const axes = computeAxes(fig, plotRect(fig, opts));
  return Object.fromEntries(
    [...axes.values()].map((a) => [a.id, [Math.min(a.px0, a.px1), Math.max(a.px0, a.px1)] as [number, number]]),
  );
}
