/** The two classes of a spoofing-detection data set. Bona fide is the positive class of every score. */
export type Label = 'bonafide' | 'spoof';

/** One clip (or spectrogram image) of a data set. */
export interface DatasetItem {
  /**
   * Identifier written to score files: the protocol's utterance id, or the path under the data root
   * without extension (whitespace -> `_`).
   */
  id: string;
  /** Absolute path of the audio (.wav/.flac) or .png file. */
  path: string;
  label: Label;
  /** Attack system (first folder under a spoof folder, or the protocol's SYSTEM_ID); null for bona fide. */
  attack: string | null;
  /** Speaker id when known (ASVspoof protocols), else null. Splits keep speakers disjoint when every item has one. */
  speaker: string | null;
}

/** A discovered data set: its items in a stable (sorted) order. */
export interface Dataset {
  /** Where it came from: the data folder, or the protocol file. */
  root: string;
  /** `'audio'` items are decoded and run through a pipeline; `'png'` items are spectrogram images. */
  kind: 'audio' | 'png';
  items: DatasetItem[];
}

/** Folder names (case-insensitive) that hold bona fide clips. */
export const BONAFIDE_FOLDERS = ['bonafide', 'bona-fide', 'real', 'original'] as const;
/** Folder names (case-insensitive) that hold spoofed clips. */
export const SPOOF_FOLDERS = ['spoof', 'fake', 'deepfake'] as const;

/** Counts per class and per attack, for summaries and checks. */
export function datasetSummary(items: readonly DatasetItem[]): {
  n: number;
  bonafide: number;
  spoof: number;
  attacks: Record<string, number>;
  speakers: number;
} {
  const attacks: Record<string, number> = {};
  const speakers = new Set<string>();
  let bonafide = 0;
  for (const it of items) {
    if (it.label === 'bonafide') bonafide++;
    else attacks[it.attack ?? 'unknown'] = (attacks[it.attack ?? 'unknown'] ?? 0) + 1;
    if (it.speaker !== null) speakers.add(it.speaker);
  }
  return { n: items.length, bonafide, spoof: items.length - bonafide, attacks, speakers: speakers.size };
}
