import { DatasetItem } from './types';

/** One audio content (same bytes) that a data set labels both bona fide and spoof. */
export interface CrossClassDuplicate {
  /** sha-256 of the file bytes. */
  hash: string;
  /** Paths of the bona fide copies. */
  bonafide: string[];
  /** Paths of the spoof copies. */
  spoof: string[];
}

/**
 * Finds audio that appears in both classes, from the content hashes {@link computeFeatures} returns
 * (`hashes[i]` belongs to `items[i]`). Such clips teach a detector nothing but noise and make its
 * scores on them a coin toss, so `specmorph train` warns and counts them.
 */
export function crossClassDuplicates(items: readonly DatasetItem[], hashes: readonly string[]): CrossClassDuplicate[] {
  const byHash = new Map<string, CrossClassDuplicate>();
  items.forEach((it, i) => {
    const d = byHash.get(hashes[i]) ?? { hash: hashes[i], bonafide: [], spoof: [] };
    d[it.label].push(it.path);
    byHash.set(hashes[i], d);
  });
  return [...byHash.values()].filter((d) => d.bonafide.length > 0 && d.spoof.length > 0);
}

/** The stderr warning about {@link crossClassDuplicates}, or null when there are none. */
export function crossClassWarning(dups: readonly CrossClassDuplicate[]): string | null {
  if (dups.length === 0) return null;
  const d = dups[0];
  return (
    `warning: ${dups.length} audio content${dups.length > 1 ? 's are' : ' is'} labelled both bona fide and spoof ` +
    `(e.g. ${d.bonafide[0]} and ${d.spoof[0]} are identical); check the data`
  );
}
