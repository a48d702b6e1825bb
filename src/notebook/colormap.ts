import { formatValue, ParameterError } from '../errors';
import { COLORMAP_STOPS } from './colormapData';
import type { ColorScaleName } from './types';

/** Names of the colour scales heatmaps accept. */
export const COLOR_SCALES: readonly ColorScaleName[] = ['viridis', 'magma', 'greys', 'diverging'];

function stopsOf(name: ColorScaleName): readonly (readonly [number, number, number])[] {
  const s = (COLORMAP_STOPS as Record<string, readonly (readonly [number, number, number])[]>)[name];
  if (!s) throw new ParameterError(`colorScale=${formatValue(name)} must be one of ${COLOR_SCALES.join(', ')}`);
  return s;
}

/**
 * The Plotly `colorscale` value for a named map: evenly spaced `[t, 'rgb(r,g,b)']` stops.
 * Notes: stops come from matplotlib's tables (see test/fixtures/gen_colormaps.py) and are sent
 * explicitly, because Plotly has no built-in magma and its Viridis has fewer stops than ours; the PNG
 * renderer interpolates the same stops, so both pictures agree.
 */
export function plotlyColorScale(name: ColorScaleName): [number, string][] {
  const s = stopsOf(name);
  return s.map((c, i) => [i / (s.length - 1), `rgb(${c[0]},${c[1]},${c[2]})`]);
}

/**
 * Colour of a value `t` in [0, 1] (clamped; NaN gives `nanColor`) as 8-bit sRGB, linearly
 * interpolated between the stops in sRGB space, as Plotly interpolates its colour scales.
 */
export function colorAt(
  name: ColorScaleName,
  t: number,
  nanColor: [number, number, number] = [255, 255, 255],
): [number, number, number] {
  if (Number.isNaN(t)) return nanColor;
  const s = stopsOf(name);
  const x = Math.min(1, Math.max(0, t)) * (s.length - 1);
  const i = Math.min(s.length - 2, Math.floor(x));
  const f = x - i;
  const a = s[i];
  const b = s[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Parses Plotly's `[t, 'rgb(r,g,b)' | '#rrggbb']` colorscale back to stops (for figures users edited). */
export function parseColorScale(scale: unknown): { t: number; rgb: [number, number, number] }[] | null {
  if (!Array.isArray(scale)) return null;
  const out: { t: number; rgb: [number, number, number] }[] = [];
  for (const entry of scale) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number') return null;
    const rgb = parseColor(entry[1]);
    if (!rgb) return null;
    out.push({ t: entry[0], rgb });
  }
  return out.length >= 2 ? out : null;
}

/** `#rgb`, `#rrggbb`, `rgb(r,g,b)` or `rgba(r,g,b,a)` to 8-bit sRGB; null when not understood. */
export function parseColor(c: unknown): [number, number, number] | null {
  if (typeof c !== 'string') return null;
  const s = c.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) {
    const v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(s);
  if (m) return [parseInt(m[1] + m[1], 16), parseInt(m[2] + m[2], 16), parseInt(m[3] + m[3], 16)];
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(s);
  if (m) return [Math.round(+m[1]), Math.round(+m[2]), Math.round(+m[3])];
  return null;
}

/** Colour at `t` of parsed stops (uneven spacing allowed), linear in sRGB. */
export function colorAtStops(
  stops: { t: number; rgb: [number, number, number] }[],
  t: number,
): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  let i = 0;
  while (i < stops.length - 2 && x > stops[i + 1].t) i++;
  const a = stops[i];
  const b = stops[i + 1];
  const f = b.t > a.t ? Math.min(1, Math.max(0, (x - a.t) / (b.t - a.t))) : 0;
  return [
    Math.round(a.rgb[0] + (b.rgb[0] - a.rgb[0]) * f),
    Math.round(a.rgb[1] + (b.rgb[1] - a.rgb[1]) * f),
    Math.round(a.rgb[2] + (b.rgb[2] - a.rgb[2]) * f),
  ];
}
