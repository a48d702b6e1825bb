// ASVspoof 2019 CM score files (`utt_id attack_id key score`) and the summary `specmorph evaluate`
// reports from their rows: pooled and per-attack metrics of ./detection.
import { promises as fs } from 'node:fs';
import { DatasetError, ParameterError, assert } from '../errors';
import { writeFileAtomic } from '../atomicFile';
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

/** Reads an ASVspoof 2019 CM score file; DatasetError naming the file and line on bad content. */
export async function readScores(file: string): Promise<ScoreRow[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(
      `${file}: cannot read score file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
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
    perAttack: perAttackEer(rows),
  };
}
