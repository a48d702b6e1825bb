// Detection metrics of bona fide vs spoof scores (higher score = more bona fide): DET/ROC curves, EER,
// minDCF, AUC, confusion counts. Plain numbers in and out, no tfjs, so figures and reports use the
// same definitions as `specmorph evaluate` without loading a model backend.
import { assert } from '../errors';

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
  assert(
    scores !== null && typeof scores === 'object' && typeof scores.length === 'number',
    () => `${name} must be an array of numbers`,
  );
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

/** The equal-error point of a DET curve. */
export interface EerPoint extends EerResult {
  /** Its index in the curve's arrays. */
  index: number;
}

/**
 * The equal-error point of a {@link detCurve}: the first index minimising |frr - far|, with the EER
 * the mean of frr and far there, exactly as the ASVspoof 2019 `compute_eer`.
 */
export function eerPoint(curve: DetCurve): EerPoint {
  const { frr, far, thresholds } = curve;
  let best = 0;
  let bestDiff = Infinity;
  for (let i = 0; i < frr.length; i++) {
    const d = Math.abs(frr[i] - far[i]);
    if (d < bestDiff) {
      bestDiff = d;
      best = i;
    }
  }
  return { index: best, eer: (frr[best] + far[best]) / 2, threshold: thresholds[best] };
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
  const { eer, threshold } = eerPoint(detCurve(bonafide, spoof));
  return { eer, threshold };
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
export function rocCurve(
  bonafide: ArrayLike<number>,
  spoof: ArrayLike<number>,
): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
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
  /**
   * `[[bonafideAccepted, bonafideRejected], [spoofAccepted, spoofRejected]]` (rows true bona
   * fide/spoof, cols decided bona fide/spoof).
   */
  matrix: [[number, number], [number, number]];
}

/**
 * Confusion counts when trials scoring `> threshold` are accepted as bona fide.
 *
 * Notes: `> threshold` is the decision rule under which {@link detCurve}'s frr/far (and hence the EER
 * threshold) are counted, so at the EER threshold these counts reproduce its error rates when no
 * scores tie with the threshold.
 */
export function confusionMatrix(
  bonafide: ArrayLike<number>,
  spoof: ArrayLike<number>,
  threshold: number,
): ConfusionMatrix {
  assert(typeof threshold === 'number' && !Number.isNaN(threshold), () => `threshold=${threshold} must be a number`);
  let ba = 0;
  let sa = 0;
  for (let i = 0; i < bonafide.length; i++) if (bonafide[i] > threshold) ba++;
  for (let i = 0; i < spoof.length; i++) if (spoof[i] > threshold) sa++;
  const br = bonafide.length - ba;
  const sr = spoof.length - sa;
  return {
    bonafideAccepted: ba,
    bonafideRejected: br,
    spoofAccepted: sa,
    spoofRejected: sr,
    matrix: [
      [ba, br],
      [sa, sr],
    ],
  };
}

/** Fraction of trials decided correctly when `score > threshold` means bona fide. */
export function accuracyAt(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, threshold: number): number {
  const c = confusionMatrix(bonafide, spoof, threshold);
  return (c.bonafideAccepted + c.spoofRejected) / (bonafide.length + spoof.length);
}
