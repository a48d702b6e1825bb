// Table traces, laid out as Plotly does across the plot area.
import type { RGB } from '../../raster';
import { stripTags } from '../text';
import { GRID, INK, WHITE } from '../style';
import type { PaperDrawer } from './drawer';

/**
 * Columns in proportion to `columnwidth` (equal without it), the header and every row at their
 * `height` (Plotly's 28 / 20 px defaults), rows banded.
 */
export const tableDrawer: PaperDrawer = {
  types: ['table'],
  place: 'paper',
  draw(img, t, { plot }) {
    const header = ((t.header as { values?: unknown[] } | undefined)?.values ?? []).map((h) =>
      stripTags(String(h)).join(' '),
    );
    const cols = ((t.cells as { values?: unknown[][] } | undefined)?.values ?? []) as unknown[][];
    const n = Math.max(header.length, cols.length);
    if (n === 0) return;
    const rows = Math.max(0, ...cols.map((c) => c.length));
    const rel =
      Array.isArray(t.columnwidth) && t.columnwidth.length === n
        ? (t.columnwidth as number[])
        : new Array<number>(n).fill(1);
    const total = rel.reduce((a, b) => a + b, 0);
    const widths = rel.map((w) => (w / total) * (plot.x1 - plot.x0));
    const headH = Number((t.header as { height?: number } | undefined)?.height ?? 28);
    const rowH = Number((t.cells as { height?: number } | undefined)?.height ?? 20);
    let y = plot.y0;
    const drawRow = (cells: string[], bg: RGB, bold: boolean, h: number): void => {
      let x = plot.x0;
      img.fillRect(plot.x0, y, plot.x1, y + h, bg);
      img.line(plot.x0, y + h - 1, plot.x1, y + h - 1, GRID);
      cells.forEach((s, j) => {
        img.text(s, x + 8, y + h / 2, INK, { valign: 'middle' });
        if (bold) img.text(s, x + 9, y + h / 2, INK, { valign: 'middle' });
        x += widths[j];
      });
      y += h;
    };
    drawRow(header, [200, 212, 227], true, headH);
    for (let r = 0; r < rows; r++) {
      drawRow(
        Array.from({ length: n }, (_, j) => (cols[j]?.[r] === undefined ? '' : String(cols[j][r]))),
        r % 2 ? [235, 240, 248] : WHITE,
        false,
        rowH,
      );
    }
  },
};
