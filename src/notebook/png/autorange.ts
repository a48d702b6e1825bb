// The range an axis without an explicit one shows: plotly.js's autorange rule (getAutoRange in
// src/plots/cartesian/autorange.js), so the PNG draws the range the interactive figure shows.

/** How far beyond a trace's extreme values its axis reaches, as plotly.js's findExtremes records it. */
export interface AxisPad {
  /** Pixels beyond the value (marker radius: `max(marker.size / 1.6, 3)`). */
  px: number;
  /** Also 5% of the axis length (plotly.js `padded`: scatter y, and x with markers or text). */
  extra: boolean;
}

/** One extreme value of a trace on an axis, with its padding. */
export interface Extreme {
  val: number;
  pad: AxisPad;
}

/** No padding: heatmap cell edges, lines along x. */
export const TIGHT: AxisPad = { px: 0, extra: false };

/**
 * The autorange of an axis `lengthPx` long whose traces reach down to `mins` and up to `maxs`:
 * the narrowest range in which every value keeps its padding (pixels, plus 5% of the length when
 * `extra`), as plotly.js picks it; a single value v spans [v - 1, v + 1]. Null without values
 * (plotly.js then shows its default [-1, 6]). Not modelled: `rangemode`, range breaks, inside tick
 * labels.
 */
export function autoRange(
  mins: readonly Extreme[],
  maxs: readonly Extreme[],
  lengthPx: number,
): [number, number] | null {
  if (mins.length === 0 || maxs.length === 0) return null;
  const lo = Math.min(...mins.map((p) => p.val));
  const hi = Math.max(...maxs.map((p) => p.val));
  if (lo === hi) return [lo - 1, hi + 1];
  const padOf = (p: Extreme): number => p.pad.px + (p.pad.extra ? 0.05 * lengthPx : 0);
  // Padding may not squeeze the data into less than a tenth of the axis.
  const minSpan = lengthPx / 10;
  let best = 0;
  let bestMin: { val: number; pad: number } = { val: lo, pad: 0 };
  let bestMax: { val: number; pad: number } = { val: hi, pad: 0 };
  for (const a of mins) {
    for (const b of maxs) {
      const dv = b.val - a.val;
      if (!(dv > 0)) continue;
      const dp = lengthPx - padOf(a) - padOf(b);
      if (dp > minSpan) {
        if (dv / dp > best) {
          best = dv / dp;
          bestMin = { val: a.val, pad: padOf(a) };
          bestMax = { val: b.val, pad: padOf(b) };
        }
      } else if (dv / lengthPx > best) {
        // padding longer than the axis: at least the unpadded values
        best = dv / lengthPx;
        bestMin = { val: a.val, pad: 0 };
        bestMax = { val: b.val, pad: 0 };
      }
    }
  }
  const perPx = (bestMax.val - bestMin.val) / (lengthPx - bestMin.pad - bestMax.pad);
  return [bestMin.val - perPx * bestMin.pad, bestMax.val + perPx * bestMax.pad];
}
