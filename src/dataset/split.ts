import { assert } from '../errors';
import { Random } from '../random';
import { DatasetItem, Label } from './types';

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** Fraction of items (or speakers' items) for validation. @default 0.2 */
  validation?: number;
  /** Fraction for test. @default 0 */
  test?: number;
  /** Seed of the shuffle (src/random.ts). @default 0 */
  seed?: number;
}

/** A train / validation / test partition of items (each in input order). */
export interface Split<T> {
  train: T[];
  validation: T[];
  test: T[];
  /** `'speaker'` when every item had a speaker id and speakers were kept disjoint, else `'stratified'`. */
  by: 'speaker' | 'stratified';
}

/**
 * Splits items reproducibly. When every item has a speaker id, whole speakers are assigned to one
 * part (no speaker in two parts: otherwise a model can learn voices instead of artefacts); speakers
 * are shuffled and taken until each part's share of items is reached, skipping a speaker whose
 * clips would give the part more than its share (rounded up) of an attack, or take an attack's last
 * training clip (`attack`, where items carry it). So a synthetic voice that is most of an attack
 * stays in training: on the bundled corpus's training split, without this, seed 0 moves all 12
 * festival-diphone clips (one voice) to validation, and seed 1 32 of the 46 espeak-ng clips and the
 * only flite-clustergen clip.
 * Otherwise each class is shuffled and cut separately so every part keeps the class balance
 * (stratified).
 */
export function splitDataset<T extends Pick<DatasetItem, 'label' | 'speaker'> & { attack?: string | null }>(
  items: readonly T[],
  opts: SplitOptions = {},
): Split<T> {
  const vf = opts.validation ?? 0.2;
  const tf = opts.test ?? 0;
  const seed = opts.seed ?? 0;
  assert(Number.isFinite(vf) && vf >= 0 && vf < 1, () => `validation=${vf} must be in [0, 1)`);
  assert(Number.isFinite(tf) && tf >= 0 && tf < 1, () => `test=${tf} must be in [0, 1)`);
  assert(vf + tf < 1, () => `validation + test = ${vf + tf} must be < 1 (nothing left to train on)`);
  const rng = new Random(seed);
  const part = new Int8Array(items.length); // 0 train, 1 validation, 2 test
  const bySpeaker = items.length > 0 && items.every((it) => typeof it.speaker === 'string' && it.speaker.length > 0);
  if (bySpeaker) {
    const groups = new Map<string, number[]>();
    items.forEach((it, i) => {
      const g = groups.get(it.speaker!) ?? [];
      g.push(i);
      groups.set(it.speaker!, g);
    });
    // A part may take at most its share (rounded up) of each attack, and leaves it a training clip.
    const total = new Map<string, number>();
    for (const it of items) if (it.attack) total.set(it.attack, (total.get(it.attack) ?? 0) + 1);
    const taken = [new Map<string, number>(), new Map<string, number>()]; // validation, test
    const fits = (g: number[], p: 1 | 2): boolean => {
      const need = new Map<string, number>();
      for (const i of g) if (items[i].attack) need.set(items[i].attack!, (need.get(items[i].attack!) ?? 0) + 1);
      const share = p === 1 ? vf : tf;
      return [...need].every(([a, n]) => {
        const t = total.get(a)!;
        const cap = Math.min(Math.ceil(share * t), t - 1 - (taken[2 - p].get(a) ?? 0));
        return (taken[p - 1].get(a) ?? 0) + n <= cap;
      });
    };
    const speakers = rng.shuffle([...groups.keys()].sort());
    const targetTest = tf * items.length;
    const targetVal = vf * items.length;
    let nTest = 0;
    let nVal = 0;
    for (const s of speakers) {
      const g = groups.get(s)!;
      let p = 0;
      if (nTest + g.length / 2 <= targetTest && fits(g, 2)) {
        p = 2;
        nTest += g.length;
      } else if (nVal + g.length / 2 <= targetVal && fits(g, 1)) {
        p = 1;
        nVal += g.length;
      }
      if (p)
        for (const i of g) {
          const a = items[i].attack;
          if (a) taken[p - 1].set(a, (taken[p - 1].get(a) ?? 0) + 1);
        }
      for (const i of g) part[i] = p;
    }
  } else {
    for (const label of ['bonafide', 'spoof'] as Label[]) {
      const idx = rng.shuffle(items.map((it, i) => (it.label === label ? i : -1)).filter((i) => i >= 0));
      const nTest = Math.round(tf * idx.length);
      const nVal = Math.round(vf * idx.length);
      idx.forEach((i, k) => {
        part[i] = k < nTest ? 2 : k < nTest + nVal ? 1 : 0;
      });
    }
  }
  const out: Split<T> = { train: [], validation: [], test: [], by: bySpeaker ? 'speaker' : 'stratified' };
  items.forEach((it, i) => (part[i] === 0 ? out.train : part[i] === 1 ? out.validation : out.test).push(it));
  return out;
}

/**
 * Class weights for imbalanced data, as sklearn `compute_class_weight('balanced')`:
 * `n / (2 * count(class))`, so each class contributes equally to the loss. A missing class gets 0.
 */
export function classWeights(labels: readonly Label[]): Record<Label, number> {
  const n = labels.length;
  const nb = labels.filter((l) => l === 'bonafide').length;
  const ns = n - nb;
  return { bonafide: nb ? n / (2 * nb) : 0, spoof: ns ? n / (2 * ns) : 0 };
}
