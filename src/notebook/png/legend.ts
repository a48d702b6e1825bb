// The legend: one swatch and name per trace whose drawer gives a legend colour.
import { textWidth } from '../font';
import type { Raster } from '../raster';
import type { Figure, Trace } from '../types';
import { INK } from './style';
import { labelText } from './text';
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
  img.text(labelText(String(trace.name)), x + 24, y, INK);
}

/** Width of one entry: swatch, gap and name. */
export function legendItemWidth(item: LegendItem): number {
  return 34 + textWidth(labelText(String(item.trace.name)));
}

/** Height of one row of a horizontal legend, px. */
const ROW = 14;

/**
 * Where each item of a horizontal legend (Plotly's orientation 'h') goes: items left to right from
 * `x`, wrapping when a row would pass `right`; rows stack *upwards* from `bottomY` (the last row's
 * top), as Plotly draws a legend anchored at its bottom above the plot, so however many rows it
 * wraps into it never covers the plot.
 */
export function legendRowLayout(
  items: readonly LegendItem[],
  x: number,
  right: number,
  bottomY: number,
): { placed: { item: LegendItem; x: number; y: number }[]; top: number; bottom: number } {
  const rows: { item: LegendItem; x: number }[][] = [[]];
  let px = x;
  for (const item of items) {
    const w = legendItemWidth(item);
    if (px + w > right && px > x) (px = x), rows.push([]);
    rows[rows.length - 1].push({ item, x: px });
    px += w + 10;
  }
  const top = bottomY - ROW * (rows.length - 1);
  return {
    placed: rows.flatMap((r, i) => r.map((p) => ({ ...p, y: top + ROW * i }))),
    top,
    bottom: bottomY + ROW,
  };
}

/** Draws a horizontal legend laid out by {@link legendRowLayout}. */
export function drawLegendRow(img: Raster, items: LegendItem[], x: number, bottomY: number): void {
  for (const p of legendRowLayout(items, x, img.width - 10, bottomY).placed) swatch(img, p.item, p.x, p.y);
}

/** Legend items in a column starting at (x, y). */
export function drawLegend(img: Raster, items: LegendItem[], x: number, y: number): void {
  items.forEach((item, i) => swatch(img, item, x, y + 6 + i * 14));
}
