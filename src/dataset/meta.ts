import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DatasetError, warnOnce } from '../errors';
import { readBoundedFileSync } from '../atomicFile';
import { BONAFIDE_FOLDERS, Dataset, DatasetItem, Label, SPOOF_FOLDERS } from './types';

/** One row of a data folder's `meta.csv`, with the line it starts on. */
export interface CorpusMetaRow {
  /** Path of the clip relative to the data folder, `/`-separated and normalised (`./a/b.wav` -> `a/b.wav`). */
  path: string;
  /** Line of the file the row starts on (1 = the header), as an editor counts it. */
  line: number;
  /** The `split` column as written (`train`, `test`, ...; may be empty), or null when the file has none. */
  split: string | null;
  /**
   * The `class` column read as a label (`bonafide` or `spoof`, or any name of a class folder:
   * `bona-fide`, `real`, `fake`...; case-insensitive), or null when the file has no class column or the
   * cell is empty.
   */
  label: Label | null;
  /** The `speaker`, `system` and `sentence_id` columns (empty when absent). */
  speaker: string;
  system: string;
  sentenceId: string;
  /** Every column of the row by header name. */
  fields: Record<string, string>;
}

/** A data folder's `meta.csv`, read by {@link parseCorpusMeta}. */
export interface CorpusMeta {
  /** The file, as named in messages. */
  file: string;
  /** Header names in file order. */
  columns: string[];
  /** Whether the header has a `split` column (without one, only `--split all` can be used). */
  hasSplit: boolean;
  /** Rows by {@link CorpusMetaRow.path}; a path listed twice with the same split and class appears once. */
  rows: Map<string, CorpusMetaRow>;
}

const CLASS_NAMES = [...BONAFIDE_FOLDERS, ...SPOOF_FOLDERS].join(', ');

function labelOf(value: string, where: string): Label | null {
  const v = value.trim().toLowerCase();
  if (v === '') return null;
  if ((BONAFIDE_FOLDERS as readonly string[]).includes(v)) return 'bonafide';
  if ((SPOOF_FOLDERS as readonly string[]).includes(v)) return 'spoof';
  throw new DatasetError(`${where}: class=${JSON.stringify(value)} must be one of ${CLASS_NAMES} (or empty)`);
}

/** `a, b, c, ...` of at most `max` items. */
function firstFew(xs: readonly string[], max = 3): string {
  return `${xs.slice(0, max).join(', ')}${xs.length > max ? ', ...' : ''}`;
}

/**
 * Reads the rows of a data folder's `meta.csv` (already split into fields, header first, as
 * {@link parseCsv} gives them; `file` names it in messages). Only `path` is required;
 * `split`, `class`, `speaker`, `system` and `sentence_id` are read where present, other columns kept.
 * A path listed twice must agree on its split and class: otherwise a DatasetError names the file, the
 * path and both lines (a clip in two splits would put training clips into the test set). A repeated
 * identical row warns once. A `class` cell that is not a class name is a DatasetError naming the line.
 * Notes: line numbers count the newlines inside quoted fields, so they are the lines an editor shows.
 */
export function parseCorpusMeta(rows: readonly (readonly string[])[], file: string): CorpusMeta {
  if (rows.length === 0) throw new DatasetError(`${file}: empty file (expected a header with a path column)`);
  const columns = rows[0].map((h) => h.trim());
  if (!columns.includes('path'))
    throw new DatasetError(`${file}: header has no "path" column (found ${columns.join(', ')})`);
  const hasSplit = columns.includes('split');
  const hasClass = columns.includes('class');
  const out = new Map<string, CorpusMetaRow>();
  const repeated: string[] = [];
  let line = 1 + rows[0].join(',').split('\n').length;
  for (let r = 1; r < rows.length; r++) {
    const f = rows[r];
    const at = line;
    line += f.join(',').split('\n').length;
    if (f.length === 1 && f[0].trim() === '') continue;
    const fields: Record<string, string> = {};
    columns.forEach((h, k) => (fields[h] = f[k] ?? ''));
    const where = `${file} line ${at}`;
    if (fields.path.trim() === '') throw new DatasetError(`${where}: the path column is empty`);
    const p = path.posix.normalize(fields.path.trim().split(/[\\/]/).join('/'));
    const row: CorpusMetaRow = {
      path: p,
      line: at,
      split: hasSplit ? fields.split.trim() : null,
      label: hasClass ? labelOf(fields.class, where) : null,
      speaker: fields.speaker ?? '',
      system: fields.system ?? '',
      sentenceId: fields.sentence_id ?? '',
      fields,
    };
    const before = out.get(p);
    if (!before) {
      out.set(p, row);
      continue;
    }
    for (const [column, a, b] of [
      ['split', before.split, row.split],
      ['class', before.label, row.label],
    ] as const) {
      if (a !== b)
        throw new DatasetError(
          `${file}: ${p} is listed twice, line ${before.line} with ${column} ${JSON.stringify(a ?? '')} and ` +
            `line ${at} with ${column} ${JSON.stringify(b ?? '')}; a clip belongs to one ${column}`,
        );
    }
    repeated.push(`${p} (lines ${before.line} and ${at})`);
  }
  if (repeated.length)
    warnOnce(
      `${file}: ${repeated.length} row${repeated.length === 1 ? ' repeats' : 's repeat'} an earlier row's path ` +
        `with the same split and class, each clip is used once: ${firstFew(repeated)}`,
    );
  return { file, columns, hasSplit, rows: out };
}

/** The rows of {@link CorpusMeta} matched to the clips of a data folder by {@link matchCorpusMeta}. */
export interface CorpusMetaMatch {
  /** The row of each clip (in the data set's order), undefined for a clip meta.csv does not list. */
  rowOf: (CorpusMetaRow | undefined)[];
  /** Clips meta.csv does not list (in no split). */
  unlisted: DatasetItem[];
  /** Rows that name no clip of the folder (a missing file, or one that is not audio under a class folder). */
  missing: CorpusMetaRow[];
}

/**
 * Matches a folder data set's clips with its `meta.csv` rows (by path relative to `ds.root`). A row
 * whose class contradicts the class folder its clip is in is a DatasetError naming the line; rows that
 * name no clip of the folder warn once, with their count and the first few paths, and are left out
 * (as are clips the file does not list, which belong to no split).
 */
export function matchCorpusMeta(ds: Dataset, meta: CorpusMeta): CorpusMetaMatch {
  const used = new Set<string>();
  const unlisted: DatasetItem[] = [];
  const rowOf = ds.items.map((it) => {
    const row = metaRow(meta.rows, ds.root, it.path);
    if (!row) {
      unlisted.push(it);
      return undefined;
    }
    used.add(row.path);
    if (row.label !== null && row.label !== it.label) {
      const folder = row.path.split('/')[0];
      throw new DatasetError(
        `${meta.file} line ${row.line}: class=${JSON.stringify(row.fields.class)} but ${row.path} is in ` +
          `the ${it.label === 'bonafide' ? 'bona fide' : 'spoof'} folder ${folder}`,
      );
    }
    return row;
  });
  const missing = [...meta.rows.values()].filter((r) => !used.has(r.path));
  if (missing.length)
    warnOnce(
      `${meta.file}: ${missing.length} of its ${meta.rows.size} rows name${missing.length === 1 ? 's' : ''} no clip ` +
        `of ${ds.root} (a missing file, or not an audio file under a class folder), left out: ` +
        `${firstFew(missing.map((r) => r.path))}`,
    );
  return { rowOf, unlisted, missing };
}

/**
 * Parses CSV text (RFC 4180: quoted fields may hold commas, quotes doubled, newlines) into rows of
 * fields. A trailing newline gives no empty last row.
 */
export function parseCsv(text: string, source = 'csv'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new DatasetError(`${source}: unterminated quoted field at the end of the file`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The meta.csv row of the clip at `file` (an absolute path under the data folder `root`), if listed. */
export function metaRow<R>(rows: ReadonlyMap<string, R>, root: string, file: string): R | undefined {
  return rows.get(path.relative(root, file).split(path.sep).join('/'));
}

/** The largest meta.csv read: 256 MiB, a million rows of a long path and ten columns. */
export const META_MAX_BYTES = 2 ** 28;

/**
 * The folder `dir`'s `meta.csv` read and checked by {@link parseCorpusMeta}, or null when it has
 * none. Only a regular file of at most {@link META_MAX_BYTES} is read (`readBoundedFileSync`); a
 * DatasetError names the file when it cannot be read.
 */
export function readMetaFile(dir: string): CorpusMeta | null {
  const file = path.join(dir, 'meta.csv');
  if (!existsSync(file)) return null;
  const text = readBoundedFileSync(file, { maxBytes: META_MAX_BYTES, what: 'meta.csv' }).toString('utf8');
  return parseCorpusMeta(parseCsv(text, file), file);
}
