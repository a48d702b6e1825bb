import { promises as fs } from 'node:fs';
import { DatasetError, ParameterError, assert } from '../errors';
import { writeFileAtomic } from '../atomicFile';

/** Points of a detection error trade-off curve, one per candidate threshold (length n + 1). */
export interface DetCurve {
  /** False rejection rate (bona fide scored <= threshold), fraction; starts at 0. */
  frr: Float64Array;
  /** False acceptance rate (spoof scored > threshold), fraction; starts at 1. */
  far: Float64Array;
  /** Ascending thresholds: `min(score) - 0.001`, then every score sorted. */
  thresholds: Float64Array;
}

/** Equal error rate and the threshold where it is reached. */
export interface EerResult {
  /** EER as a fraction in [0, 1]. */
  eer: number;
  /** Score threshold at the EER point (a score is rejected as spoof when `<= threshold`). */
  threshold: number;
}

function checkScores(scores: ArrayLike<number>, name: string): void {
  assert(scores !== null && typeof scores === 'object' && typeof scores.length === 'number', () => `${name} must be an array of numbers`);
  assert(scores.length > 0, () => `${name} is empty: EER needs at least one bona fide and one spoof score`);
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    assert(typeof v === 'number' && Number.isFinite(v), () => `${name}[${i}]=${String(v)} must be a finite number`);
  }
}

/**
 * Checks both score sets, pools them bona fide first and returns the pooled scores with the indices
 * in ascending score order. Array.prototype.sort is stable (ES2019), so ties keep input order like
 * numpy's `argsort(kind='mergesort')`; an index < bonafide.length is a bona fide score.
 */
function pooledOrder(bonafide: ArrayLike<number>, spoof: ArrayLike<number>): { all: Float64Array; order: number[] } {
  checkScores(bonafide, 'bonafide');
  checkScores(spoof, 'spoof');
  const nT = bonafide.length;
  const all = new Float64Array(nT + spoof.length);
  for (let i = 0; i < nT; i++) all[i] = bonafide[i];
  for (let i = 0; i < spoof.length; i++) all[nT + i] = spoof[i];
  const order = Array.from({ length: all.length }, (_, i) => i).sort((a, b) => all[a] - all[b]);
  return { all, order };
}

/**
 * Detection error trade-off curve of bona fide (target) vs spoof (non-target) scores.
 * Higher score = more bona fide.
 *
 * Notes: this is the ASVspoof 2019 `compute_det_curve` (eval_metrics.py) step for step: scores are
 * concatenated bona fide first, ordered by a stable sort (numpy `argsort(kind='mergesort')`), and the
 * curve starts at (frr 0, far 1) with threshold `min - 0.001`. Tied scores are therefore split by
 * their order of arrival, exactly as the official script does.
 */
export function detCurve(bonafide: ArrayLike<number>, spoof: ArrayLike<number>): DetCurve {
  const { all, order } = pooledOrder(bonafide, spoof);
  const nT = bonafide.length;
  const nN = spoof.length;
  const n = nT + nN;
  const frr = new Float64Array(n + 1);
  const far = new Float64Array(n + 1);
  const thresholds = new Float64Array(n + 1);
  frr[0] = 0;
  far[0] = 1;
  thresholds[0] = all[order[0]] - 0.001;
  let tarSum = 0;
  for (let k = 0; k < n; k++) {
    if (order[k] < nT) tarSum += 1;
    frr[k + 1] = tarSum / nT;
    far[k + 1] = (nN - (k + 1 - tarSum)) / nN;
    thresholds[k + 1] = all[order[k]];
  }
  return { frr, far, thresholds };
}

/**
 * Equal error rate of a bona fide vs spoof score set: the ASVspoof `compute_eer` algorithm exactly.
 *
 * @param bonafide scores of bona fide trials (higher = more bona fide)
 * @param spoof scores of spoofed trials
 * @returns `eer` as a fraction (mean of frr and far at the first index minimising |frr - far|) and
 *   its `threshold`.
 *
 * Notes: follows ASVspoof 2019 eval_metrics.py, not sklearn/pyannote interpolated EERs; agreement with
 * the official Python is checked to 1e-12 on random and tied scores (test/fixtures/gen_eval.py).
 */
export function computeEer(bonafide: ArrayLike<number>, spoof: ArrayLike<number>): EerResult {
  const { frr, far, thresholds } = detCurve(bonafide, spoof);
  let best = 0;
  let bestDiff = Infinity;
  for (let i = 0; i < frr.length; i++) {
    const d = Math.abs(frr[i] - far[i]);
    if (d < bestDiff) {
      bestDiff = d;
      best = i;
    }
  }
  return { eer: (frr[best] + far[best]) / 2, threshold: thresholds[best] };
}

/** Cost model of the detection cost function. */
export interface DcfOptions {
  /** Prior probability of a spoofing attack. @default 0.05 (ASVspoof 5 Phase 1) */
  pSpoof?: number;
  /** Cost of rejecting a bona fide trial. @default 1 */
  cMiss?: number;
  /** Cost of accepting a spoofed trial. @default 10 */
  cFa?: number;
}

/** Minimum normalised detection cost and the threshold reaching it. */
export interface MinDcfResult {
  minDcf: number;
  threshold: number;
}

/**
 * Minimum normalised detection cost function over all thresholds of {@link detCurve}.
 *
 * `DCF(t) = cMiss * (1 - pSpoof) * frr(t) + cFa * pSpoof * far(t)`, normalised by the cost of the
 * best fixed decision `min(cMiss * (1 - pSpoof), cFa * pSpoof)`; with the defaults (ASVspoof 5:
 * pSpoof 0.05, cMiss 1, cFa 10) the normaliser is 0.5, so 1 means "no better than always accepting".
 *
 * Notes: the ASVspoof 5 `compute_mindcf` (calculate_metrics.py) with its operation order, so results
 * match the official script to the last bit on the fixtures.
 */
export function minDcf(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, opts: DcfOptions = {}): MinDcfResult {
  const pSpoof = opts.pSpoof ?? 0.05;
  const cMiss = opts.cMiss ?? 1;
  const cFa = opts.cFa ?? 10;
  assert(Number.isFinite(pSpoof) && pSpoof > 0 && pSpoof < 1, () => `pSpoof=${pSpoof} must be in (0, 1)`);
  assert(Number.isFinite(cMiss) && cMiss > 0, () => `cMiss=${cMiss} must be a finite number > 0`);
  assert(Number.isFinite(cFa) && cFa > 0, () => `cFa=${cFa} must be a finite number > 0`);
  const { frr, far, thresholds } = detCurve(bonafide, spoof);
  const pTarget = 1 - pSpoof;
  let minCost = Infinity;
  let threshold = thresholds[0];
  for (let i = 0; i < frr.length; i++) {
    const c = cMiss * frr[i] * pTarget + cFa * far[i] * (1 - pTarget);
    if (c < minCost) {
      minCost = c;
      threshold = thresholds[i];
    }
  }
  const cDef = Math.min(cMiss * pTarget, cFa * (1 - pTarget));
  return { minDcf: minCost / cDef, threshold };
}

/**
 * Area under the ROC curve, bona fide as the positive class (higher score = more bona fide).
 *
 * Notes: computed as the Mann-Whitney U statistic with average ranks for ties, which equals sklearn
 * `roc_auc_score` (trapezoidal ROC, a tie counts one half) in exact arithmetic.
 */
export function rocAuc(bonafide: ArrayLike<number>, spoof: ArrayLike<number>): number {
  const { all, order } = pooledOrder(bonafide, spoof);
  const n1 = bonafide.length;
  const n0 = spoof.length;
  const n = n1 + n0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[order[j + 1]] === all[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (order[k] < n1) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}

/**
 * Receiver operating characteristic points (for figures): true positive rate (bona fide accepted)
 * against false positive rate (spoof accepted), one point per distinct score plus (0, 0).
 * A trial is accepted when `score >= threshold`; thresholds descend from +Infinity.
 *
 * Notes: as sklearn `roc_curve(drop_intermediate=False)` except that tied scores collapse to one point.
 */
export function rocCurve(bonafide: ArrayLike<number>, spoof: ArrayLike<number>): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
  checkScores(bonafide, 'bonafide');
  checkScores(spoof, 'spoof');
  const n1 = bonafide.length;
  const n0 = spoof.length;
  const items: [number, number][] = [];
  for (let i = 0; i < n1; i++) items.push([bonafide[i], 1]);
  for (let i = 0; i < n0; i++) items.push([spoof[i], 0]);
  items.sort((a, b) => b[0] - a[0]);
  const fpr = [0];
  const tpr = [0];
  const thr = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < items.length; i++) {
    if (items[i][1] === 1) tp++;
    else fp++;
    if (i + 1 === items.length || items[i + 1][0] !== items[i][0]) {
      fpr.push(fp / n0);
      tpr.push(tp / n1);
      thr.push(items[i][0]);
    }
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thr) };
}

/** 2 x 2 confusion counts at a threshold; rows are the true class, columns the decision. */
export interface ConfusionMatrix {
  /** Bona fide scored above the threshold. */
  bonafideAccepted: number;
  /** Bona fide scored at or below the threshold. */
  bonafideRejected: number;
  /** Spoof scored above the threshold (the dangerous error). */
  spoofAccepted: number;
  /** Spoof scored at or below the threshold. */
  spoofRejected: number;
  /** `[[bonafideAccepted, bonafideRejected], [spoofAccepted, spoofRejected]]` (rows true bona fide/spoof, cols decided bona fide/spoof). */
  matrix: [[number, number], [number, number]];
}

/**
 * Confusion counts when trials scoring `> threshold` are accepted as bona fide.
 *
 * Notes: `> threshold` is the decision rule under which {@link detCurve}'s frr/far (and hence the EER
 * threshold) are counted, so at the EER threshold these counts reproduce its error rates when no
 * scores tie with the threshold.
 */
export function confusionMatrix(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, threshold: number): ConfusionMatrix {
  assert(typeof threshold === 'number' && !Number.isNaN(threshold), () => `threshold=${threshold} must be a number`);
  let ba = 0;
  let sa = 0;
  for (let i = 0; i < bonafide.length; i++) if (bonafide[i] > threshold) ba++;
  for (let i = 0; i < spoof.length; i++) if (spoof[i] > threshold) sa++;
  const br = bonafide.length - ba;
  const sr = spoof.length - sa;
  return { bonafideAccepted: ba, bonafideRejected: br, spoofAccepted: sa, spoofRejected: sr, matrix: [[ba, br], [sa, sr]] };
}

/** Fraction of trials decided correctly when `score > threshold` means bona fide. */
export function accuracyAt(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, threshold: number): number {
  const c = confusionMatrix(bonafide, spoof, threshold);
  return (c.bonafideAccepted + c.spoofRejected) / (bonafide.length + spoof.length);
}

/** One line of an ASVspoof 2019 CM score file. */
export interface ScoreRow {
  /** Utterance id (first column). */
  uttId: string;
  /** Attack system id (`A01`...), `-` for bona fide. */
  attackId: string;
  key: 'bonafide' | 'spoof';
  /** Higher = more bona fide. */
  score: number;
}

/** Formats rows as an ASVspoof 2019 CM score file: `utt_id attack_id key score` per line. */
export function formatScores(rows: readonly ScoreRow[]): string {
  return rows
    .map((r, i) => {
      for (const [k, v] of [['uttId', r.uttId], ['attackId', r.attackId]] as const) {
        assert(typeof v === 'string' && v.length > 0 && !/\s/.test(v), () => `rows[${i}].${k}=${JSON.stringify(v)} must be a non-empty string without spaces`);
      }
      assert(r.key === 'bonafide' || r.key === 'spoof', () => `rows[${i}].key=${JSON.stringify(r.key)} must be 'bonafide' or 'spoof'`);
      assert(Number.isFinite(r.score), () => `rows[${i}].score=${r.score} must be a finite number`);
      return `${r.uttId} ${r.attackId} ${r.key} ${r.score}\n`;
    })
    .join('');
}

/**
 * Parses an ASVspoof 2019 CM score file (`utt_id attack_id key score`, whitespace separated; blank
 * lines ignored). `source` names the file in errors.
 */
export function parseScores(text: string, source = 'scores'): ScoreRow[] {
  const rows: ScoreRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    const f = t.split(/\s+/);
    const where = `${source}:${i + 1}`;
    if (f.length !== 4) throw new DatasetError(`${where}: expected 4 fields "utt_id attack_id key score", got ${f.length}: ${JSON.stringify(t)}`);
    const [uttId, attackId, key, s] = f;
    if (key !== 'bonafide' && key !== 'spoof') throw new DatasetError(`${where}: key=${JSON.stringify(key)} must be bonafide or spoof`);
    const score = Number(s);
    if (!Number.isFinite(score) || s.trim() === '') throw new DatasetError(`${where}: score=${JSON.stringify(s)} is not a finite number`);
    rows.push({ uttId, attackId, key, score });
  });
  return rows;
}

/** Writes a score file atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeScores(file: string, rows: readonly ScoreRow[]): Promise<void> {
  await writeFileAtomic(file, formatScores(rows));
}

/** Reads an ASVspoof 2019 CM score file; DatasetError naming the file and line on bad content. */
export async function readScores(file: string): Promise<ScoreRow[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(`${file}: cannot read score file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScores(text, file);
}

/** EER of one attack system against all bona fide trials. */
export interface AttackResult {
  attackId: string;
  /** Number of spoofed trials of this attack. */
  n: number;
  eer: number;
  threshold: number;
  /** Normalised minimum DCF of this attack against all bona fide trials (ASVspoof 5 costs). */
  minDcf: number;
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Per-attack EERs: each attack system's spoofed trials against ALL bona fide trials (as the ASVspoof
 * 2019 per-attack tables). Sorted by attack id in natural order (A2 before A10).
 */
export function perAttackEer(rows: readonly ScoreRow[]): AttackResult[] {
  const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
  if (bona.length === 0) throw new ParameterError('rows has no bonafide trials: per-attack EER needs them');
  const byAttack = new Map<string, number[]>();
  for (const r of rows) {
    if (r.key !== 'spoof') continue;
    const list = byAttack.get(r.attackId) ?? [];
    list.push(r.score);
    byAttack.set(r.attackId, list);
  }
  return [...byAttack.keys()].sort(naturalCompare).map((attackId) => {
    const s = byAttack.get(attackId)!;
    return { attackId, n: s.length, ...computeEer(bona, s), minDcf: minDcf(bona, s).minDcf };
  });
}

/** Everything `specmorph evaluate` reports about a score set. */
export interface EvaluationSummary {
  /** Number of trials. */
  n: number;
  nBonafide: number;
  nSpoof: number;
  /** Pooled EER, fraction. */
  eer: number;
  /** Threshold at the EER. */
  threshold: number;
  /** ROC AUC, bona fide positive. */
  auc: number;
  /** Accuracy at the EER threshold (`score > threshold` = bona fide). */
  accuracy: number;
  /** Normalised minimum DCF with the ASVspoof 5 costs (pSpoof 0.05, cMiss 1, cFa 10). */
  minDcf: number;
  confusion: ConfusionMatrix;
  perAttack: AttackResult[];
}

/** Pooled and per-attack metrics of a score file's rows. */
export function evaluateScores(rows: readonly ScoreRow[], opts: DcfOptions = {}): EvaluationSummary {
  const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
  const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
  if (bona.length === 0 || spoof.length === 0) {
    throw new ParameterError(`rows must hold both classes: got ${bona.length} bonafide and ${spoof.length} spoof trials`);
  }
  const { eer, threshold } = computeEer(bona, spoof);
  const confusion = confusionMatrix(bona, spoof, threshold);
  return {
    n: rows.length,
    nBonafide: bona.length,
    nSpoof: spoof.length,
    eer,
    threshold,
    auc: rocAuc(bona, spoof),
    accuracy: (confusion.bonafideAccepted + confusion.spoofRejected) / rows.length,
    minDcf: minDcf(bona, spoof, opts).minDcf,
    confusion,
    perAttack: perAttackEer(rows),
  };
}
