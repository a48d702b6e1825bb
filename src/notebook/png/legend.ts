// The legend: one swatch and name per trace whose drawer gives a legend colour.
import { textWidth } from '../font';
import type { Raster } from '../raster';
import type { Figure, Trace } from '../types';
import { INK } from './style';
import { drawerOf } from './traces';

/** A trace with its position in `fig.data` (its colorway colour follows it). */
export interface LegendItem {
  trace: Trace;
  index: number;
}

/** Traces that take a legend entry: a drawer with a legend colour, a non-empty name, showlegend not false. */
export function legendItems(fig: Figure): LegendItem[] {
  return fig.data.flatMap((t, index) =>
    drawerOf(t.type)?.legendColor && t.showlegend !== false && typeof t.name === 'string' && t.name !== ''
      ? [{ trace: t, index }]
      : [],
  );
}

function swatch(img: Raster, { trace, index }: LegendItem, x: number, y: number): void {
  img.line(x, y + 3, x + 18, y + 3, drawerOf(trace.type)!.legendColor!(trace, index), 2);
  img.text(String(trace.name), x + 24, y, INK);
}

/** Width of one entry: swatch, gap and name. */
export function legendItemWidth(item: LegendItem): number {
  return 34 + textWidth(String(item.trace.name));
}

/** Legend items in one row (wrapping when the row is full), starting at (x, y): Plotly's orientation 'h'. */
export function drawLegendRow(img: Raster, items: LegendItem[], x: number, y: number): void {
  let px = x;
  let py = y;
  for (const item of items) {
    const w = legendItemWidth(item);
    if (px + w > img.width - 10 && px > x) (px = x), (py += 14);
    swatch(img, item, px, py);
    px += w + 10;
  }
}

/** Legend items in a column starting at (x, y). */
export function drawLegend(img: Raster, items: LegendItem[], x: number, y: number): void {
  items.forEach((item, i) => swatch(img, item, x, y + 6 + i * 14));
}
