import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkOptionalSize, checkOptionalString } from './checks';
import type { Figure } from './types';

/** Options of {@link resultsTable}. */
export interface TableOptions {
  /** @default 'Results' */
  title?: string;
  /** Columns to show, in order. @default the keys of all rows, in first-seen order */
  columns?: string[];
  /** Significant digits for numbers. @default 4 */
  digits?: number;
  /** Least figure width in pixels; the table grows wider when its content needs it. @default 760 */
  width?: number;
}

const TABLE_OPTIONS: OptionNames<TableOptions> = { title: true, columns: true, digits: true, width: true };

/** Pixel sizes of a table, shared by the Plotly figure and the PNG renderer. */
export const TABLE_METRICS = {
  /** Height of one body row and of the header (Plotly's `cells.height`, `header.height`). */
  rowHeight: 24,
  headerHeight: 28,
  /** Width of one character at Plotly's 12 px table font, generous so no text wraps or clips. */
  charWidth: 7.4,
  /** Left and right padding of a cell. */
  padding: 18,
  margin: { l: 20, r: 20, t: 56, b: 16 },
} as const;

/**
 * A results table (one row per record, e.g. per model or attack) as a Plotly table figure. The
 * figure is sized to its content: each column as wide as its longest entry, the height holding
 * every row, so nothing is cut off or scrolled away (Plotly hides rows past the figure's height).
 */
export function resultsTable(rows: Record<string, unknown>[], opts: TableOptions = {}): Figure {
  checkOptionNames(opts, TABLE_OPTIONS, 'resultsTable');
  checkOptionalString(opts.title, 'title');
  checkOptionalSize(opts.width, 'width');
  assert(
    opts.columns === undefined || (Array.isArray(opts.columns) && opts.columns.every((c) => typeof c === 'string')),
    () => `columns=${formatValue(opts.columns)} must be an array of column names`,
  );
  assert(Array.isArray(rows) && rows.length > 0, () => 'rows must hold at least one record');
  const columns = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const digits = opts.digits ?? 4;
  assert(
    Number.isInteger(digits) && digits >= 1 && digits <= 100,
    () => `digits=${formatValue(digits)} must be an integer in 1..100`,
  );
  const fmt = (v: unknown): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : Number(v.toPrecision(digits)).toString()
      : v === undefined || v === null
        ? ''
        : String(v);
  const cells = columns.map((c) => rows.map((r) => fmt(r[c])));
  const m = TABLE_METRICS;
  // Bold header glyphs are wider: count them 10 % wider.
  const widths = columns.map((c, j) =>
    Math.ceil(Math.max(1.1 * [...c].length, ...cells[j].map((s) => [...s].length)) * m.charWidth + m.padding),
  );
  const content = widths.reduce((a, b) => a + b, 0);
  const width = Math.max(opts.width ?? 760, content + m.margin.l + m.margin.r);
  return {
    data: [
      {
        type: 'table',
        columnwidth: widths,
        header: {
          values: columns.map((c) => `<b>${c}</b>`),
          fill: { color: '#c8d4e3' },
          align: 'left',
          height: m.headerHeight,
        },
        cells: {
          values: cells,
          align: 'left',
          height: m.rowHeight,
          fill: { color: [rows.map((_, i) => (i % 2 ? '#ebf0f8' : '#ffffff'))] },
        },
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Results' },
      width,
      // Every row plus a few pixels Plotly keeps for the table's border.
      height: m.margin.t + m.margin.b + m.headerHeight + rows.length * m.rowHeight + 6,
      margin: { ...m.margin },
    },
    config: { displaylogo: false },
  };
}
