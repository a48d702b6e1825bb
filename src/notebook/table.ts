import { assert } from '../errors';
import type { Figure } from './types';

/** Options of {@link resultsTable}. */
export interface TableOptions {
  /** @default 'Results' */
  title?: string;
  /** Columns to show, in order. @default the keys of all rows, in first-seen order */
  columns?: string[];
  /** Significant digits for numbers. @default 4 */
  digits?: number;
  /** @default 760 */
  width?: number;
}

/** A results table (one row per record, e.g. per model or attack) as a Plotly table figure. */
export function resultsTable(rows: Record<string, unknown>[], opts: TableOptions = {}): Figure {
  assert(Array.isArray(rows) && rows.length > 0, () => 'rows must hold at least one record');
  const columns = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const digits = opts.digits ?? 4;
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(digits)).toString()) : v === undefined || v === null ? '' : String(v));
  return {
    data: [
      {
        type: 'table',
        header: { values: columns.map((c) => `<b>${c}</b>`), fill: { color: '#c8d4e3' }, align: 'left' },
        cells: { values: columns.map((c) => rows.map((r) => fmt(r[c]))), align: 'left', fill: { color: [rows.map((_, i) => (i % 2 ? '#ebf0f8' : '#ffffff'))] } },
      },
    ],
    layout: {
      title: { text: opts.title ?? 'Results' },
      width: opts.width ?? 760,
      height: Math.min(900, 110 + 24 * (rows.length + 1)),
      margin: { l: 20, r: 20, t: 48, b: 10 },
    },
    config: { displaylogo: false },
  };
}
