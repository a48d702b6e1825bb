// Axis layout (ranges, pixel spans, shared and equal-scale axes), grid lines, ticks and axis titles.
import { textWidth } from '../font';
import type { Raster, Rect } from '../raster';
import { formatTick, niceTicks } from '../ticks';
import type { Axis, Figure, Trace } from '../types';
import { autoRange, type Extreme, TIGHT } from './autorange';
import { toPx, type AxisState } from './axis';
import { AXIS, GRID, INK } from './style';
import { stripTags } from './text';
import { drawerOf, xyExtent, type Extent } from './traces';

/** Whether `t` sits on an axis pair: every trace but those a paper drawer lays out (tables). */
export function onAxes(t: Trace): boolean {
  return drawerOf(t.type)?.place !== 'paper';
}

function extentOf(t: Trace): Extent | null {
  const d = drawerOf(t.type);
  return d?.place === 'axes' ? d.extent(t) : xyExtent(t);
}

/**
 * Every axis named in the layout or used by a trace, laid out in `plot`: `domain` places them;
 * explicit ranges, else plotly.js's autorange of the traces' extremes over the axis's pixel length;
 * `matches` groups share the union; `scaleanchor` equalises their pixels per unit.
 */
export function computeAxes(fig: Figure, plot: Rect): Map<string, AxisState> {
  const { axes, extremes } = collectExtremes(fig);
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
  for (const a of axes.values()) {
    const e = extremes.get(a.id) as { mins: Extreme[]; maxs: Extreme[] };
    if (Array.isArray(a.spec.range) && a.spec.range.length === 2) [a.lo, a.hi] = a.spec.range;
    // (plotly.js's range for an axis without data)
    else
      [a.lo, a.hi] = autoRange(e.mins, e.maxs, Math.abs(a.px1 - a.px0)) ?? (a.id.startsWith('x') ? [-1, 6] : [-1, 4]);
  }
  shareMatchedRanges(axes);
  equaliseScales(axes);
  return axes;
}

/** The axes of the traces on axes, each with the extremes (and their padding) of its traces. */
function collectExtremes(fig: Figure): {
  axes: Map<string, AxisState>;
  extremes: Map<string, { mins: Extreme[]; maxs: Extreme[] }>;
} {
  const axes = new Map<string, AxisState>();
  const extremes = new Map<string, { mins: Extreme[]; maxs: Extreme[] }>();
  const ensure = (id: string): { mins: Extreme[]; maxs: Extreme[] } => {
    if (!axes.has(id)) {
      const spec = (fig.layout[axisKey(id)] as Axis | undefined) ?? {};
      axes.set(id, { id, spec, lo: Number.NaN, hi: Number.NaN, px0: 0, px1: 0 });
      extremes.set(id, { mins: [], maxs: [] });
    }
    return extremes.get(id) as { mins: Extreme[]; maxs: Extreme[] };
  };
  for (const t of fig.data.filter(onAxes)) {
    const xe = ensure(String(t.xaxis ?? 'x'));
    const ye = ensure(String(t.yaxis ?? 'y'));
    const ext = extentOf(t);
    if (!ext) continue;
    for (const [e, [lo, hi], pad] of [
      [xe, ext.x, ext.xPad ?? TIGHT],
      [ye, ext.y, ext.yPad ?? TIGHT],
    ] as const) {
      e.mins.push({ val: lo, pad });
      e.maxs.push({ val: hi, pad });
    }
  }
  return { axes, extremes };
}

/** Shared axes: a group of `matches` takes the union of its ranges (what Plotly shows after autorange). */
function shareMatchedRanges(axes: Map<string, AxisState>): void {
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
}

/**
 * scaleanchor: one data unit spans as many pixels on both axes; the longer axis shrinks about its
 * centre (Plotly's constrain='domain').
 */
function equaliseScales(axes: Map<string, AxisState>): void {
  for (const a of axes.values()) {
    const b = typeof a.spec.scaleanchor === 'string' ? axes.get(a.spec.scaleanchor) : undefined;
    if (!b) continue;
    const ppuA = Math.abs(a.px1 - a.px0) / Math.abs(a.hi - a.lo);
    const ppuB = Math.abs(b.px1 - b.px0) / Math.abs(b.hi - b.lo);
    const target = Math.min(ppuA, ppuB);
    for (const [ax, ppu] of [
      [a, ppuA],
      [b, ppuB],
    ] as [AxisState, number][]) {
      if (ppu <= target) continue;
      const mid = (ax.px0 + ax.px1) / 2;
      const f = target / ppu;
      [ax.px0, ax.px1] = [mid + (ax.px0 - mid) * f, mid + (ax.px1 - mid) * f];
    }
  }
}

/** The (x, y) axis pairs the traces on axes use, once each, in order of first use. */
export function axisPairs(fig: Figure, axes: Map<string, AxisState>): [AxisState, AxisState][] {
  const pairs = new Map<string, [AxisState, AxisState]>();
  for (const t of fig.data.filter(onAxes)) {
    const [xa, ya] = axesOf(t, axes);
    pairs.set(`${xa.id}${ya.id}`, [xa, ya]);
  }
  return [...pairs.values()];
}

/** The laid-out x and y axes of a trace on axes. */
export function axesOf(t: Trace, axes: Map<string, AxisState>): [AxisState, AxisState] {
  return [axes.get(String(t.xaxis ?? 'x')) as AxisState, axes.get(String(t.yaxis ?? 'y')) as AxisState];
}

function axisKey(id: string): string {
  return `${id[0]}axis${id.slice(1)}`;
}

function ticksOf(a: AxisState): { v: number; label: string }[] {
  if (Array.isArray(a.spec.tickvals)) {
    const text = a.spec.ticktext;
    return a.spec.tickvals.map((v, i) => ({
      v,
      label: Array.isArray(text) && text[i] !== undefined ? String(text[i]) : formatTick(v),
    }));
  }
  const lenPx = Math.abs(a.px1 - a.px0);
  const vals = niceTicks(a.lo, a.hi, Math.max(2, Math.round(lenPx / (a.id.startsWith('x') ? 90 : 50))));
  const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) : undefined;
  return vals.map((v) => ({ v, label: formatTick(v, step) }));
}

function inside(a: AxisState, v: number): boolean {
  return (
    v >= Math.min(a.lo, a.hi) - 1e-9 * Math.abs(a.hi - a.lo) && v <= Math.max(a.lo, a.hi) + 1e-9 * Math.abs(a.hi - a.lo)
  );
}

/** Grid lines at the ticks of both axes of a subplot (unless `showgrid: false`). */
export function drawGrid(img: Raster, xa: AxisState, ya: AxisState): void {
  const x0 = Math.min(xa.px0, xa.px1);
  const x1 = Math.max(xa.px0, xa.px1);
  const y0 = Math.min(ya.px0, ya.px1);
  const y1 = Math.max(ya.px0, ya.px1);
  if (xa.spec.showgrid !== false)
    for (const t of ticksOf(xa)) if (inside(xa, t.v)) img.line(toPx(xa, t.v), y0, toPx(xa, t.v), y1, GRID);
  if (ya.spec.showgrid !== false)
    for (const t of ticksOf(ya)) if (inside(ya, t.v)) img.line(x0, toPx(ya, t.v), x1, toPx(ya, t.v), GRID);
}

/** The axis lines of a subplot (bottom and left), tick marks and labels, and the axis titles. */
export function drawAxes(img: Raster, xa: AxisState, ya: AxisState): void {
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
  if (yt)
    img.text(stripTags(yt).join(' '), x0 - 16 - labelWidth, (y0 + y1) / 2, INK, {
      align: 'center',
      valign: 'bottom',
      rotate: true,
    });
}
