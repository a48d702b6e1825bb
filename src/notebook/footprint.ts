import { assert, checkOptionNames, type OptionNames } from '../errors';
import { checkOptionalBoolean, checkOptionalSize, checkOptionalString } from './checks';
import { encodeF4 } from './encode';
import { escapeHtml } from './heatmap';
import type { Figure } from './types';

/**
 * Anything shaped like a footprint: `rows x cols` with a row-major `mask` (0/1 or booleans) or
 * `data` (weights), or nested rows. Structural, so footprints from the morphology module (or
 * hand-made ones) are accepted without importing it.
 */
export type FootprintLike =
  | { rows: number; cols: number; mask?: ArrayLike<number | boolean>; data?: ArrayLike<number> }
  | ArrayLike<ArrayLike<number | boolean>>;

/** Options of {@link footprintFigure}. */
export interface FootprintFigureOptions {
  /** Title, shown as written. @default 'Footprint rows×cols (n members)' */
  title?: string;
  /** Pixel size of one cell. @default 28 */
  cellSize?: number;
  /** Mark the anchor (centre: floor(rows/2), floor(cols/2)). @default true */
  showAnchor?: boolean;
}

const FOOTPRINT_FIGURE_OPTIONS: OptionNames<FootprintFigureOptions> = { title: true, cellSize: true, showAnchor: true };

/** Reads a footprint into rows, cols and row-major values (1 = member). */
export function footprintValues(fp: FootprintLike): { rows: number; cols: number; values: Float32Array } {
  if (fp && typeof (fp as { rows?: unknown }).rows === 'number') {
    const f = fp as { rows: number; cols: number; mask?: ArrayLike<number | boolean>; data?: ArrayLike<number> };
    const src = f.mask ?? f.data;
    assert(
      src !== undefined && src.length === f.rows * f.cols,
      () => `footprint needs mask or data of length rows*cols=${f.rows * f.cols}, got ${src?.length}`,
    );
    return { rows: f.rows, cols: f.cols, values: Float32Array.from({ length: src.length }, (_, i) => Number(src[i])) };
  }
  const nested = fp as ArrayLike<ArrayLike<number | boolean>>;
  assert(nested && nested.length > 0, () => 'footprint must be {rows, cols, mask|data} or nested rows');
  const rows = nested.length;
  const cols = nested[0].length;
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    assert(nested[r].length === cols, () => `footprint row ${r} has length ${nested[r].length}, row 0 has ${cols}`);
    for (let c = 0; c < cols; c++) values[r * cols + c] = Number(nested[r][c]);
  }
  return { rows, cols, values };
}

/**
 * A footprint (structuring element) as a picture: members dark on white, one square cell per
 * element with gaps, row 0 at the top (matrix order, as the mask is written), anchor marked.
 */
export function footprintFigure(fp: FootprintLike, opts: FootprintFigureOptions = {}): Figure {
  checkOptionNames(opts, FOOTPRINT_FIGURE_OPTIONS, 'footprintFigure');
  checkOptionalString(opts.title, 'title');
  checkOptionalSize(opts.cellSize, 'cellSize');
  checkOptionalBoolean(opts.showAnchor, 'showAnchor');
  const { rows, cols, values } = footprintValues(fp);
  const cell = opts.cellSize ?? 28;
  const ar = Math.floor(rows / 2);
  const ac = Math.floor(cols / 2);
  const members = values.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
  const data: Figure['data'] = [
    {
      type: 'heatmap',
      z: encodeF4(values, [rows, cols]),
      x: Array.from({ length: cols }, (_, c) => c - ac),
      y: Array.from({ length: rows }, (_, r) => r - ar),
      colorscale: [
        [0, 'rgb(255,255,255)'],
        [1, 'rgb(40,40,40)'],
      ],
      zmin: 0,
      zmax: Math.max(1, ...values),
      showscale: false,
      xgap: 2,
      ygap: 2,
      hovertemplate: 'offset (row %{y}, col %{x})<br>%{z}<extra></extra>',
    },
  ];
  if (opts.showAnchor ?? true) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: [0],
      y: [0],
      marker: { color: '#EF553B', size: Math.max(6, cell / 3) },
      name: 'anchor',
      showlegend: false,
      hoverinfo: 'skip',
    });
  }
  return {
    data,
    layout: {
      title: { text: escapeHtml(opts.title ?? `Footprint ${rows}×${cols} (${members} members)`) },
      width: Math.max(260, cols * cell + 110),
      height: Math.max(240, rows * cell + 120),
      margin: { l: 60, r: 20, t: 50, b: 50 },
      xaxis: { title: { text: 'column offset' }, showgrid: false, tickvals: ticks(cols, ac), constrain: 'domain' },
      yaxis: {
        title: { text: 'row offset' },
        showgrid: false,
        autorange: 'reversed',
        tickvals: ticks(rows, ar),
        scaleanchor: 'x',
      },
    },
    config: { displaylogo: false },
  };
}

function ticks(n: number, anchor: number): number[] {
  const step = Math.max(1, Math.ceil(n / 9));
  const out: number[] = [];
  for (let i = -anchor; i < n - anchor; i++) if (i % step === 0) out.push(i);
  return out;
}
