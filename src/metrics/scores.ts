// ASVspoof 2019 CM score files (`utt_id attack_id key score`) and the summary `specmorph evaluate`
// reports from their rows: pooled and per-attack metrics of ./detection.
import { DatasetError, ParameterError, assert } from '../errors';
import { readBoundedFile, writeFileAtomic } from '../atomicFile';
import {
  eerDifferenceInterval,
  eerInterval,
  type BootstrapInterval,
  type BootstrapOptions,
  type EerDifference,
} from './bootstrap';
import { computeEer, confusionMatrix, minDcf, rocAuc, type ConfusionMatrix, type DcfOptions } from './detection';

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
      for (const [k, v] of [
        ['uttId', r.uttId],
        ['attackId', r.attackId],
      ] as const) {
        assert(
          typeof v === 'string' && v.length > 0 && !/\s/.test(v),
          () => `rows[${i}].${k}=${JSON.stringify(v)} must be a non-empty string without spaces`,
        );
      }
      assert(
        r.key === 'bonafide' || r.key === 'spoof',
        () => `rows[${i}].key=${JSON.stringify(r.key)} must be 'bonafide' or 'spoof'`,
      );
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
    if (f.length !== 4)
      throw new DatasetError(
        `${where}: expected 4 fields "utt_id attack_id key score", got ${f.length}: ${JSON.stringify(t)}`,
      );
    const [uttId, attackId, key, s] = f;
    if (key !== 'bonafide' && key !== 'spoof')
      throw new DatasetError(`${where}: key=${JSON.stringify(key)} must be bonafide or spoof`);
    const score = Number(s);
    if (!Number.isFinite(score) || s.trim() === '')
      throw new DatasetError(`${where}: score=${JSON.stringify(s)} is not a finite number`);
    rows.push({ uttId, attackId, key, score });
  });
  return rows;
}

/** Writes a score file atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeScores(file: string, rows: readonly ScoreRow[]): Promise<void> {
  await writeFileAtomic(file, formatScores(rows));
}

/** The largest score file read: 256 MiB, some 4 million trials. */
export const SCORES_MAX_BYTES = 2 ** 28;

/**
 * Reads an ASVspoof 2019 CM score file (a regular file of at most {@link SCORES_MAX_BYTES}, read with
 * `readBoundedFile`); DatasetError naming the file and line on bad content.
 */
export async function readScores(file: string): Promise<ScoreRow[]> {
  const bytes = await readBoundedFile(file, { maxBytes: SCORES_MAX_BYTES, what: 'score file' });
  return parseScores(bytes.toString('utf8'), file);
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
  /** Bootstrap interval of `eer` ({@link eerInterval}), when asked for (`evaluateScores` always asks). */
  interval?: BootstrapInterval;
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The rows of each attack (spoofed trials only), by attack id in natural order (A2 before A10). */
function byAttack<T extends Pick<ScoreRow, 'key' | 'attackId'>>(rows: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    if (r.key !== 'spoof') continue;
    const list = groups.get(r.attackId) ?? [];
    list.push(r);
    groups.set(r.attackId, list);
  }
  return [...groups.entries()].sort(([a], [b]) => naturalCompare(a, b));
}

/** The bona fide and the spoofed trials' scores of `rows`, each in row order. */
export function classScores(rows: readonly ScoreRow[]): { bona: number[]; spoof: number[] } {
  const bona: number[] = [];
  const spoof: number[] = [];
  for (const r of rows) {
    if (r.key === 'bonafide') bona.push(r.score);
    else if (r.key === 'spoof') spoof.push(r.score);
  }
  return { bona, spoof };
}

/**
 * Per-attack EERs: each attack system's spoofed trials against ALL bona fide trials (as the ASVspoof
 * 2019 per-attack tables). Sorted by attack id in natural order (A2 before A10). With `bootstrap`,
 * each carries its bootstrap interval (the same seed for every attack).
 */
export function perAttackEer(rows: readonly ScoreRow[], opts: { bootstrap?: BootstrapOptions } = {}): AttackResult[] {
  const { bona } = classScores(rows);
  if (bona.length === 0) throw new ParameterError('rows has no bonafide trials: per-attack EER needs them');
  return byAttack(rows).map(([attackId, list]) => {
    const s = list.map((r) => r.score);
    const result: AttackResult = { attackId, n: s.length, ...computeEer(bona, s), minDcf: minDcf(bona, s).minDcf };
    if (opts.bootstrap) {
      const { eer: _, ...interval } = eerInterval(bona, s, opts.bootstrap);
      result.interval = interval;
    }
    return result;
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
  /** Bootstrap interval of the pooled EER ({@link eerInterval}). */
  interval: BootstrapInterval;
  /** Per attack, each with its bootstrap interval. */
  perAttack: AttackResult[];
}

/** Options of {@link evaluateScores}. */
export interface EvaluateScoresOptions extends DcfOptions {
  /**
   * How the EER intervals are drawn (pooled and per attack).
   * @default {} (2000 resamples, 95 %, seed 0)
   */
  bootstrap?: BootstrapOptions;
}

/** Pooled and per-attack metrics of a score file's rows, every EER with its bootstrap interval. */
export function evaluateScores(rows: readonly ScoreRow[], opts: EvaluateScoresOptions = {}): EvaluationSummary {
  const bootstrap = opts.bootstrap ?? {};
  const { bona, spoof } = classScores(rows);
  if (bona.length === 0 || spoof.length === 0) {
    throw new ParameterError(
      `rows must hold both classes: got ${bona.length} bonafide and ${spoof.length} spoof trials`,
    );
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
    interval: (({ eer: _, ...interval }) => interval)(eerInterval(bona, spoof, bootstrap)),
    perAttack: perAttackEer(rows, { bootstrap }),
  };
}

/** One line of {@link compareScores}: an attack (or `'pooled'`), the two EERs and their paired difference. */
export interface ScoreComparison extends EerDifference {
  /** Attack id, or `'pooled'` for every spoofed trial. */
  attackId: string;
  /** Spoofed trials of this attack (the bona fide trials are all of them). */
  n: number;
  /** EER of the first score set. */
  eerA: number;
  /** EER of the second score set. */
  eerB: number;
}

/** One trial scored by two systems ({@link matchScores}). */
export interface ScorePair {
  key: ScoreRow['key'];
  attackId: string;
  /** The first system's score. */
  a: number;
  /** The second system's score. */
  b: number;
}

/**
 * Pairs two score sets trial by trial (by utterance id, in the first set's order; trials of the
 * first set without a score yet pair as NaN, for checking before scoring). Throws a
 * ParameterError naming the first utterance that is missing from either set, appears twice in one,
 * or has another key or attack in the second.
 */
export function matchScores(
  a: readonly (Omit<ScoreRow, 'score'> & { score?: number })[],
  b: readonly ScoreRow[],
  names: readonly [string, string] = ['the first score set', 'the second score set'],
): ScorePair[] {
  const [na, nb] = names;
  const other = new Map<string, ScoreRow>();
  for (const r of b) {
    if (other.has(r.uttId)) throw new ParameterError(`${nb}: utterance ${JSON.stringify(r.uttId)} appears twice`);
    other.set(r.uttId, r);
  }
  const seen = new Set<string>();
  const pairs = a.map((r) => {
    if (seen.has(r.uttId)) throw new ParameterError(`${na}: utterance ${JSON.stringify(r.uttId)} appears twice`);
    seen.add(r.uttId);
    const o = other.get(r.uttId);
    if (!o) throw new ParameterError(`utterance ${JSON.stringify(r.uttId)} is in ${na} but not in ${nb}`);
    if (o.key !== r.key || o.attackId !== r.attackId)
      throw new ParameterError(
        `utterance ${JSON.stringify(r.uttId)} is ${r.key}/${r.attackId} in ${na} and ${o.key}/${o.attackId} in ${nb}`,
      );
    return { key: r.key, attackId: r.attackId, a: r.score ?? Number.NaN, b: o.score };
  });
  if (b.length !== a.length) {
    const extra = b.find((r) => !seen.has(r.uttId))!;
    throw new ParameterError(`utterance ${JSON.stringify(extra.uttId)} is in ${nb} but not in ${na}`);
  }
  return pairs;
}

/**
 * Two systems' scores of the same trials, compared pooled and per attack: each EER and the paired
 * bootstrap interval of `EER(a) - EER(b)` ({@link eerDifferenceInterval}: resampling trials, both
 * systems' scores of a trial together). Trials are matched by utterance id; both sets must hold the
 * same ids with the same key and attack, each id once.
 */
export function compareScores(
  a: readonly ScoreRow[],
  b: readonly ScoreRow[],
  opts: BootstrapOptions = {},
): ScoreComparison[] {
  const pairs = matchScores(a, b);
  const bona = pairs.filter((p) => p.key === 'bonafide');
  if (bona.length === 0) throw new ParameterError('the score sets have no bonafide trials: EER needs them');
  const compare = (attackId: string, spoof: typeof pairs): ScoreComparison => {
    const sa = { bonafide: bona.map((p) => p.a), spoof: spoof.map((p) => p.a) };
    const sb = { bonafide: bona.map((p) => p.b), spoof: spoof.map((p) => p.b) };
    return {
      attackId,
      n: spoof.length,
      eerA: computeEer(sa.bonafide, sa.spoof).eer,
      eerB: computeEer(sb.bonafide, sb.spoof).eer,
      ...eerDifferenceInterval(sa, sb, opts),
    };
  };
  const spoof = pairs.filter((p) => p.key === 'spoof');
  if (spoof.length === 0) throw new ParameterError('the score sets have no spoof trials: EER needs them');
  return [compare('pooled', spoof), ...byAttack(pairs).map(([id, list]) => compare(id, list))];
}
