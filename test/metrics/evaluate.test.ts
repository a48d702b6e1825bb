import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  computeEer,
  detCurve,
  eerPoint,
  minDcf,
  rocAuc,
  rocCurve,
  confusionMatrix,
  accuracyAt,
  formatScores,
  parseScores,
  readScores,
  writeScores,
  perAttackEer,
  evaluateScores,
  ScoreRow,
} from '../../src/metrics';
import { Random } from '../../src/random';
import { execFileSync } from 'node:child_process';
import { maxAbsDiff } from '../helpers/arrays';

interface MetricCase {
  name: string;
  bonafide: number[];
  spoof: number[];
  eer: number;
  threshold: number;
  frr: number[];
  far: number[];
  thresholds: number[];
  minDcf: number;
  minDcfThreshold: number;
  auc: number;
  aucSklearn: number | null;
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/eval/metrics.json'), 'utf8')) as {
  cases: MetricCase[];
};

for (const c of fixture.cases) {
  test(`computeEer equals ASVspoof 2019 compute_eer: ${c.name}`, () => {
    const r = computeEer(c.bonafide, c.spoof);
    assert.ok(Math.abs(r.eer - c.eer) <= 1e-12, `eer ${r.eer} vs ${c.eer}`);
    assert.ok(Math.abs(r.threshold - c.threshold) <= 1e-12, `threshold ${r.threshold} vs ${c.threshold}`);
  });
  test(`detCurve equals compute_det_curve: ${c.name}`, () => {
    const d = detCurve(c.bonafide, c.spoof);
    assert.ok(maxAbsDiff(d.frr, c.frr) <= 1e-12);
    assert.ok(maxAbsDiff(d.far, c.far) <= 1e-12);
    assert.ok(maxAbsDiff(d.thresholds, c.thresholds) <= 1e-12);
    const e = eerPoint(d);
    assert.ok(
      Math.abs(e.eer - c.eer) <= 1e-12 && Math.abs(e.threshold - c.threshold) <= 1e-12,
      `eerPoint ${e.eer} at ${e.threshold}`,
    );
    assert.equal((d.frr[e.index] + d.far[e.index]) / 2, e.eer);
  });
  test(`minDcf pSpoof=0.05 cMiss=1 cFa=10 equals ASVspoof 5 compute_mindcf: ${c.name}`, () => {
    const r = minDcf(c.bonafide, c.spoof);
    assert.ok(Math.abs(r.minDcf - c.minDcf) <= 1e-12, `${r.minDcf} vs ${c.minDcf}`);
    assert.ok(Math.abs(r.threshold - c.minDcfThreshold) <= 1e-12);
  });
  test(`rocAuc equals sklearn roc_auc_score and the rank-based AUC: ${c.name}`, () => {
    const auc = rocAuc(c.bonafide, c.spoof);
    assert.ok(Math.abs(auc - c.auc) <= 1e-12);
    assert.notEqual(c.aucSklearn, null, 'fixture generated without sklearn');
    assert.ok(Math.abs(auc - c.aucSklearn!) <= 1e-12, `${auc} vs sklearn ${c.aucSklearn}`);
  });
}

/** Brute-force EER: every threshold t between scores; FRR = bona fide <= t, FAR = spoof > t. */
function bruteEer(bona: number[], spoof: number[]): number {
  const ts = [...bona, ...spoof].sort((a, b) => a - b);
  let best = { d: Infinity, eer: NaN };
  for (const t of [ts[0] - 1, ...ts]) {
    const frr = bona.filter((v) => v <= t).length / bona.length;
    const far = spoof.filter((v) => v > t).length / spoof.length;
    if (Math.abs(frr - far) < best.d) best = { d: Math.abs(frr - far), eer: (frr + far) / 2 };
  }
  return best.eer;
}

test('computeEer = brute-force threshold sweep, 5 random distinct score sets; detCurve (0, 1) to (1, 0)', () => {
  const rng = new Random(11);
  for (let k = 0; k < 5; k++) {
    const bona = Array.from({ length: 40 + k * 7 }, () => rng.normal() + 1.2);
    const spoof = Array.from({ length: 60 - k * 5 }, () => rng.normal());
    const d = detCurve(bona, spoof);
    assert.equal(computeEer(bona, spoof).eer, bruteEer(bona, spoof));
    assert.equal(d.frr[0], 0);
    assert.equal(d.far[0], 1);
    assert.equal(d.frr[d.frr.length - 1], 1);
    assert.equal(d.far[d.far.length - 1], 0);
  }
});

test('rocAuc equals the trapezoidal area under rocCurve (sklearn roc_auc_score definition) with ties', () => {
  const rng = new Random(3);
  const bona = Array.from({ length: 57 }, () => Math.round(rng.normal() * 2 + 1));
  const spoof = Array.from({ length: 41 }, () => Math.round(rng.normal() * 2));
  const { fpr, tpr } = rocCurve(bona, spoof);
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  assert.ok(Math.abs(area - rocAuc(bona, spoof)) < 1e-12);
  assert.equal(fpr[fpr.length - 1], 1);
  assert.equal(tpr[tpr.length - 1], 1);
});

test('confusionMatrix at the EER threshold reproduces frr/far of the EER point (no ties)', () => {
  const rng = new Random(11);
  const bona = Array.from({ length: 101 }, () => rng.normal() + 1);
  const spoof = Array.from({ length: 77 }, () => rng.normal());
  const { eer, threshold } = computeEer(bona, spoof);
  const c = confusionMatrix(bona, spoof, threshold);
  const frr = c.bonafideRejected / bona.length;
  const far = c.spoofAccepted / spoof.length;
  assert.ok(Math.abs((frr + far) / 2 - eer) < 1e-12);
  assert.deepEqual(c.matrix, [
    [c.bonafideAccepted, c.bonafideRejected],
    [c.spoofAccepted, c.spoofRejected],
  ]);
  assert.equal(accuracyAt(bona, spoof, threshold), (c.bonafideAccepted + c.spoofRejected) / 178);
});

test('computeEer rejects empty classes and non-finite scores, naming them', () => {
  assert.throws(() => computeEer([], [1]), /bonafide is empty/);
  assert.throws(() => computeEer([1], [0, NaN]), /spoof\[1\]=NaN must be a finite number/);
  assert.throws(() => minDcf([1], [0], { pSpoof: 1 }), /pSpoof=1/);
});

const rows: ScoreRow[] = [
  { uttId: 'LA_E_1', attackId: '-', key: 'bonafide', score: 2.5 },
  { uttId: 'LA_E_2', attackId: '-', key: 'bonafide', score: 0.25 },
  { uttId: 'LA_E_3', attackId: 'A10', key: 'spoof', score: -1.125 },
  { uttId: 'LA_E_4', attackId: 'A2', key: 'spoof', score: 1 },
  { uttId: 'LA_E_5', attackId: 'A10', key: 'spoof', score: -3 },
];

test('score file round-trips in the ASVspoof 2019 CM layout utt_id attack_id key score', async () => {
  const text = formatScores(rows);
  assert.equal(text.split('\n')[0], 'LA_E_1 - bonafide 2.5');
  assert.deepEqual(parseScores(text), rows);
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-scores-'));
  try {
    const file = path.join(dir, 'cm.txt');
    await writeScores(file, rows);
    assert.deepEqual(readdirSync(dir), ['cm.txt']);
    assert.deepEqual(await readScores(file), rows);
    writeFileSync(file, 'LA_E_1 - bonafide 2.5\nLA_E_2 - maybe 1\n');
    await assert.rejects(readScores(file), /cm\.txt:2: key="maybe" must be bonafide or spoof/);
    writeFileSync(file, 'LA_E_1 - bonafide abc\n');
    await assert.rejects(readScores(file), /cm\.txt:1: score="abc" is not a finite number/);
    await assert.rejects(readScores(path.join(dir, 'none.txt')), /none\.txt: cannot read score file \(ENOENT\)/);
    // bounded: a link to /dev/zero and a named pipe are refused before reading (they would never end or block)
    symlinkSync('/dev/zero', path.join(dir, 'zero.txt'));
    await assert.rejects(readScores(path.join(dir, 'zero.txt')), /zero\.txt: not a regular file/);
    execFileSync('mkfifo', [path.join(dir, 'pipe.txt')]);
    await assert.rejects(readScores(path.join(dir, 'pipe.txt')), /pipe\.txt: not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('perAttackEer scores each attack (EER, minDCF) against all bona fide, natural order', () => {
  const per = perAttackEer(rows);
  assert.deepEqual(
    per.map((p) => [p.attackId, p.n]),
    [
      ['A2', 1],
      ['A10', 2],
    ],
  );
  assert.deepEqual(per[1], {
    attackId: 'A10',
    n: 2,
    ...computeEer([2.5, 0.25], [-1.125, -3]),
    minDcf: minDcf([2.5, 0.25], [-1.125, -3]).minDcf,
  });
  assert.deepEqual(per[0], {
    attackId: 'A2',
    n: 1,
    ...computeEer([2.5, 0.25], [1]),
    minDcf: minDcf([2.5, 0.25], [1]).minDcf,
  });
});

test('evaluateScores pools both classes and agrees with the single metrics', () => {
  const s = evaluateScores(rows);
  const bona = [2.5, 0.25];
  const spoof = [-1.125, 1, -3];
  assert.equal(s.n, 5);
  assert.equal(s.eer, computeEer(bona, spoof).eer);
  assert.equal(s.auc, rocAuc(bona, spoof));
  assert.equal(s.minDcf, minDcf(bona, spoof).minDcf);
  assert.equal(s.accuracy, accuracyAt(bona, spoof, s.threshold));
  assert.throws(() => evaluateScores(rows.slice(0, 2)), /got 2 bonafide and 0 spoof/);
});

test('the metrics and the notebook curves load without tfjs (figures need no model backend)', () => {
  const root = path.join(__dirname, '../..');
  const probe =
    "require('./src/metrics'); require('./src/notebook/curves'); " +
    "console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@tensorflow'))))";
  const loaded = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!,
  ) as string[];
  assert.deepEqual(loaded, []);
});
