import { DatasetError } from '../errors';
import { metaRow, readMetaFile } from '../dataset/meta';
import { splitDataset } from '../dataset/split';
import type { Dataset, DatasetItem } from '../dataset/types';

/** One row of a corpus `meta.csv` (the columns specmorph reads; others are kept in `fields`). */
export interface MetaRow {
  /** Path of the clip relative to the corpus folder, with `/` separators. */
  path: string;
  /** `'train'` or `'test'` (any other value is kept as written). */
  split: string;
  /** Speaker (bona fide) or synthetic voice (spoof); empty when unknown. */
  speaker: string;
  /** Attack system (`bonafide` for bona fide clips). */
  system: string;
  /** Sentence id; test sentences are disjoint from training sentences in the bundled corpus. */
  sentenceId: string;
  /** Every column of the row by header name. */
  fields: Record<string, string>;
}

/**
 * Reads `dir/meta.csv` (the bundled corpus layout: columns `path`, `split`, and where present
 * `speaker`, `system`, `sentence_id`) with the checks of {@link readMetaFile}, or returns null when
 * the folder has none. Rows by path; `split` is empty when the file has no split column.
 */
export function readCorpusMeta(dir: string): Map<string, MetaRow> | null {
  const meta = readMetaFile(dir);
  if (!meta) return null;
  const out = new Map<string, MetaRow>();
  for (const [p, r] of meta.rows)
    out.set(p, {
      path: p,
      split: r.split ?? '',
      speaker: r.speaker,
      system: r.system,
      sentenceId: r.sentenceId,
      fields: r.fields,
    });
  return out;
}

/** A held-out train/test partition shared by every arm of an experiment. */
export interface HeldOutSplit<T> {
  train: T[];
  test: T[];
  /**
   * How it was made: `'meta.csv'` (the corpus's own speaker- and sentence-disjoint split),
   * `'speaker'` (whole speakers to test), or `'stratified'` (per class, no speaker information).
   */
  by: 'meta.csv' | 'speaker' | 'stratified';
  /** Items of the data set that meta.csv does not list (left out of both parts). */
  unlisted: number;
}

/** Options of {@link heldOutSplit}. */
export interface HeldOutOptions {
  /** Fraction for test when the data set has no meta.csv split. @default 0.3 */
  testFraction?: number;
  /** Seed of that fallback split (fixed, so every arm and seed of an ablation sees the same split). @default 0 */
  seed?: number;
}

/**
 * Splits a data set into train and test: by the corpus's `meta.csv` `split` column when the data
 * folder has one (read with the checks of `readMetaFile`) (the bundled corpus keeps speakers and sentences disjoint between them), otherwise
 * with {@link splitDataset} (speaker-disjoint when every item has a speaker, else stratified).
 * Throws a DatasetError when either part lacks a class.
 */
export function heldOutSplit<T extends DatasetItem>(
  ds: Dataset & { items: T[] },
  opts: HeldOutOptions = {},
): HeldOutSplit<T> {
  const file = ds.kind === 'audio' ? readMetaFile(ds.root) : null;
  let out: HeldOutSplit<T>;
  // a meta.csv without a split column says nothing about the split: the seeded one below is used
  if (file?.hasSplit) {
    const train: T[] = [];
    const test: T[] = [];
    let unlisted = 0;
    for (const it of ds.items) {
      const row = metaRow(file.rows, ds.root, it.path);
      if (!row) unlisted++;
      else if (row.split === 'test') test.push(it);
      else if (row.split === 'train') train.push(it);
      else unlisted++;
    }
    out = { train, test, by: 'meta.csv', unlisted };
  } else {
    const s = splitDataset(ds.items, { validation: 0, test: opts.testFraction ?? 0.3, seed: opts.seed ?? 0 });
    out = { train: s.train, test: s.test, by: s.by, unlisted: 0 };
  }
  for (const [part, items] of [
    ['train', out.train],
    ['test', out.test],
  ] as const) {
    for (const label of ['bonafide', 'spoof'] as const) {
      if (!items.some((it) => it.label === label))
        throw new DatasetError(`${ds.root}: the ${part} split (${out.by}) has no ${label} clips`);
    }
  }
  return out;
}

/** Attaches meta.csv speakers to items (folder data sets have none), so summaries can count them. */
export function withMetaSpeakers(ds: Dataset): DatasetItem[] {
  const meta = readCorpusMeta(ds.root);
  if (!meta) return ds.items;
  return ds.items.map((it) => {
    const row = metaRow(meta, ds.root, it.path);
    return row?.speaker ? { ...it, speaker: row.speaker } : it;
  });
}
