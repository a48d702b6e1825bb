// Colour bars: one per colour axis (or per trace with a colour scale but no colour axis) that shows
// its scale, placed where the colorbar's x/y/len say or stacked at the right of the plot.
import type { Raster, Rect } from '../raster';
import { formatTick, niceTicks } from '../ticks';
import type { Figure } from '../types';
import { quantisedColor, type ColorSpec } from './color';
import { AXIS, INK } from './style';
import { stripTags } from './text';
import { drawerOf } from './traces';

/** A colour bar and, when its colorbar sets `x`, where Plotly puts it (paper fractions, thickness in px). */
export interface ColorbarSpec extends ColorSpec {
  place: { x: number; y: number; len: number; thickness: number } | null;
}

/** The colour bars of `fig` in drawing order: placed ones, then at most two unplaced ones. */
export function colorbarsOf(fig: Figure): ColorbarSpec[] {
  const out: ColorbarSpec[] = [];
  const seen = new Set<string>();
  for (const t of fig.data) {
    const scaleOf = drawerOf(t.type)?.colorScale;
    if (!scaleOf || t.showscale === false) continue;
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
    const place =
      typeof cb.x === 'number'
        ? { x: cb.x, y: num(cb.y, 0.5), len: num(cb.len, 1), thickness: num(cb.thickness, 30) }
        : null;
    out.push({ ...scaleOf(fig, t), place });
  }
  // Unplaced bars stack at the right of the plot; two fit there.
  const unplaced = out.filter((c) => !c.place);
  return [...out.filter((c) => c.place), ...unplaced.slice(0, 2)];
}

/** The colour bars the PNG draws, as `[min, max]` of each, in drawing order (for tests against the rendered Plotly figure). */
export function pngColorbarRanges(fig: Figure): [number, number][] {
  return colorbarsOf(fig).map((c) => [c.min, c.max]);
}

/** A colour bar in `r`: its title on top, the scale below (max at the top), ticks on its right. */
export function drawColorbar(img: Raster, cb: ColorbarSpec, r: Rect): void {
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

/**
 * Pixel rectangle of a colour bar: a placed one centred on paper y, `len` of the plot height, left
 * edge at paper x; the `index`-th unplaced one in its 80 px column right of the plot.
 */
export function colorbarRect(cb: ColorbarSpec, plot: Rect, index: number): Rect {
  if (!cb.place) return { x0: plot.x1 + 14 + index * 80, y0: plot.y0, x1: plot.x1 + 28 + index * 80, y1: plot.y1 };
  const pw = plot.x1 - plot.x0;
  const ph = plot.y1 - plot.y0;
  const x0 = plot.x0 + cb.place.x * pw;
  const yc = plot.y1 - cb.place.y * ph;
  const half = (cb.place.len * ph) / 2;
  return { x0, x1: x0 + cb.place.thickness, y0: yc - half, y1: yc + half };
}
