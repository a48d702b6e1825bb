// The axis ranges a figure shows, written into its layout: with an explicit range plotly.js and the
// PNG fallback draw the same one, whatever their pixel sizes, and a slider frame can carry it (a
// Plotly animation does not autorange).
import { pngAxisRanges } from './png';
import type { Axis, Figure } from './types';

/** The layout key of axis id `x2`: `xaxis2`. */
export function axisLayoutKey(id: string): string {
  return `${id[0]}axis${id.slice(1)}`;
}

/**
 * The range every axis of `fig` shows, keyed by layout key (`xaxis`, `yaxis2`...), in Plotly's
 * orientation (high to low for `autorange: 'reversed'`): explicit ranges as given, else plotly.js's
 * autorange as the PNG renderer computes it ({@link pngAxisRanges}).
 */
export function shownRanges(fig: Figure): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [id, [lo, hi]] of Object.entries(pngAxisRanges(fig))) {
    const key = axisLayoutKey(id);
    const spec = fig.layout[key] as Axis | undefined;
    if (Array.isArray(spec?.range)) out[key] = [spec.range[0], spec.range[1]];
    else out[key] = spec?.autorange === 'reversed' ? [hi, lo] : [lo, hi];
  }
  return out;
}

/**
 * `fig` with an explicit `range` on every axis that had none, the one plotly.js's autorange would
 * pick ({@link shownRanges}), so both renderers draw exactly it. Mutates and returns `fig`.
 */
export function pinAxisRanges(fig: Figure): Figure {
  for (const [key, range] of Object.entries(shownRanges(fig))) {
    const spec = (fig.layout[key] as Axis | undefined) ?? {};
    if (Array.isArray(spec.range)) continue;
    const { autorange: _, ...rest } = spec;
    fig.layout[key] = { ...rest, range };
  }
  return fig;
}
