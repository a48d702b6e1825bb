// Scatter traces (and scattergl, drawn alike): lines with an optional dash, markers as discs, both
// clipped to the trace's axes; non-finite points break the line.
import { parseColor } from '../../colormap';
import { readNumbers } from '../../encode';
import type { Rect, RGB } from '../../raster';
import type { Trace } from '../../types';
import { toPx } from '../axis';
import { COLORWAY } from '../style';
import { scatterMode, xyExtent, type AxesDrawer } from './drawer';

export const scatterDrawer: AxesDrawer = {
  types: ['scatter', 'scattergl'],
  place: 'axes',
  extent: xyExtent,
  legendColor: traceColor,
  draw(img, t, { index, xa, ya }) {
    const y = readNumbers(t.y);
    if (!y) return;
    const x = readNumbers(t.x) ?? Float64Array.from(y, (_, i) => i);
    const c = traceColor(t, index);
    const mode = scatterMode(t, y.length);
    const clip: Rect = {
      x0: Math.min(xa.px0, xa.px1),
      x1: Math.max(xa.px0, xa.px1) + 1,
      y0: Math.min(ya.px0, ya.px1),
      y1: Math.max(ya.px0, ya.px1) + 1,
    };
    const line = t.line as { width?: number; dash?: string } | undefined;
    if (mode.includes('lines')) {
      const dashed = line?.dash === 'dash' || line?.dash === 'dot';
      for (let i = 1; i < y.length; i++) {
        if (
          !Number.isFinite(y[i - 1]) ||
          !Number.isFinite(y[i]) ||
          !Number.isFinite(x[i - 1]) ||
          !Number.isFinite(x[i])
        )
          continue;
        if (dashed && i % 2 === 0 && y.length > 8) continue;
        img.line(toPx(xa, x[i - 1]), toPx(ya, y[i - 1]), toPx(xa, x[i]), toPx(ya, y[i]), c, line?.width ?? 2, clip);
      }
    }
    if (mode.includes('markers')) {
      const marker = t.marker as { size?: number } | undefined;
      const r = (marker?.size ?? 6) / 2;
      for (let i = 0; i < y.length; i++) {
        if (Number.isFinite(x[i]) && Number.isFinite(y[i])) img.disc(toPx(xa, x[i]), toPx(ya, y[i]), r, c);
      }
    }
  },
};

/** The line colour, else the marker colour, else Plotly's colorway colour for trace `index`. */
function traceColor(t: Trace, index: number): RGB {
  const line = t.line as { color?: string } | undefined;
  const marker = t.marker as { color?: string } | undefined;
  return parseColor(line?.color) ?? parseColor(marker?.color) ?? (parseColor(COLORWAY[index % COLORWAY.length]) as RGB);
}
