import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareScores,
  computeEer,
  eerDifferenceInterval,
  eerInterval,
  evaluateScores,
  matchScores,
  type ScoreRow,
} from '../../src/metrics';
import { Random } from '../../src/random';

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, |error| < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

const gaussians = (rng: Random, n: number, mean: number) => Array.from({ length: n }, () => mean + rng.normal());

test('eerInterval covers the true EER of two Gaussian classes in about 95% of test sets (the reason it exists)', () => {
  // bona fide N(2, 1) vs spoof N(0, 1): the EER threshold is 1, true EER = Phi(-1) = 15.87 %
  const truth = phi(-1);
  const rng = new Random(11);
  const trials = 200;
  let covered = 0;
  let width = 0;
  for (let t = 0; t < trials; t++) {
    const b = gaussians(rng, 60, 2);
    const s = gaussians(rng, 60, 0);
    const i = eerInterval(b, s, { resamples: 400, seed: t });
    if (i.low <= truth && truth <= i.high) covered++;
    width += i.high - i.low;
  }
  // a 95 % interval from 200 test sets covers 190 +- 6 (binomial sd 3.1); a 50 % one would cover ~100,
  // one that resampled only the bona fide class ~170
  assert.ok(covered >= 178 && covered <= 198, `covered the true EER in ${covered} of ${trials} test sets`);
  // the EER of 60 + 60 Gaussian scores has an sd of about 0.045: a 95 % interval is about 0.18 wide
  const mean = width / trials;
  assert.ok(mean > 0.12 && mean < 0.24, `mean width ${mean.toFixed(3)}`);
});

test('eerInterval: the point estimate is computeEer, fewer spoofed clips widen the interval, the seed fixes it', () => {
  const rng = new Random(3);
  const b = gaussians(rng, 132, 2);
  const s = gaussians(rng, 132, 0);
  const all = eerInterval(b, s);
  assert.equal(all.eer, computeEer(b, s).eer);
  assert.equal(all.resamples, 2000);
  assert.equal(all.level, 0.95);
  assert.ok(all.low <= all.eer && all.eer <= all.high, JSON.stringify(all));
  const few = eerInterval(b, s.slice(0, 10));
  assert.ok(
    few.high - few.low > 1.5 * (all.high - all.low),
    `10 spoofs ${JSON.stringify(few)} vs 132 ${JSON.stringify(all)}`,
  );
  assert.deepEqual(eerInterval(b, s, { seed: 5 }), eerInterval(b, s, { seed: 5 }));
  assert.notDeepEqual(eerInterval(b, s, { seed: 5 }), eerInterval(b, s, { seed: 6 }));
  const narrow = eerInterval(b, s, { level: 0.5 });
  assert.ok(narrow.high - narrow.low < all.high - all.low);
  // separable classes: every resample is separable too
  const sep = eerInterval([3, 4, 5], [0, 1, 2]);
  assert.deepEqual([sep.eer, sep.low, sep.high], [0, 0, 0]);
});

test('eerInterval and eerDifferenceInterval name bad options and bad scores', () => {
  assert.throws(() => eerInterval([1], [0], { resamples: 0 }), /resamples=0 must be an integer >= 1/);
  assert.throws(() => eerInterval([1], [0], { level: 1 }), /level=1 must be in \(0, 1\)/);
  assert.throws(() => eerInterval([1], [0], { seed: 0.5 }), /seed=0.5 must be an integer/);
  assert.throws(() => eerInterval([1, Number.NaN], [0]), /bonafide\[1\]=NaN must be a finite number/);
  assert.throws(
    () => eerDifferenceInterval({ bonafide: [1, 2], spoof: [0] }, { bonafide: [1], spoof: [0] }),
    /a\.bonafide has 2 scores and b\.bonafide 1: both systems must score the same clips/,
  );
});

test('eerDifferenceInterval: a system against itself differs by exactly 0; a worse one is found worse in every resample', () => {
  const rng = new Random(4);
  const b = gaussians(rng, 100, 2);
  const s = gaussians(rng, 100, 0);
  const same = eerDifferenceInterval({ bonafide: b, spoof: s }, { bonafide: b, spoof: s });
  assert.deepEqual([same.difference, same.low, same.high, same.aWorse, same.bWorse], [0, 0, 0, 0, 0]);
  // b2 sees the classes 1.5 sd further apart: A errs more, by about Phi(-1) - Phi(-1.75) = 12 points
  const bona2 = b.map((x) => x + 1.5);
  const worse = eerDifferenceInterval({ bonafide: b, spoof: s }, { bonafide: bona2, spoof: s }, { seed: 1 });
  assert.ok(worse.low > 0.03 && worse.difference > 0.06, JSON.stringify(worse));
  assert.ok(worse.aWorse > 0.99, `A worse in ${worse.aWorse} of the resamples`);
  // pairing: B = A plus a little noise per clip. The paired interval of the difference is much
  // narrower than what two independent EER intervals would suggest.
  const bn = b.map((x) => x + 0.1 * rng.normal());
  const sn = s.map((x) => x + 0.1 * rng.normal());
  const paired = eerDifferenceInterval({ bonafide: b, spoof: s }, { bonafide: bn, spoof: sn });
  const single = eerInterval(b, s);
  assert.ok(
    paired.high - paired.low < 0.5 * (single.high - single.low),
    `paired width ${paired.high - paired.low} vs one system's ${single.high - single.low}`,
  );
});

function rows(scores: Record<string, [ScoreRow['key'], string, number]>): ScoreRow[] {
  return Object.entries(scores).map(([uttId, [key, attackId, score]]) => ({ uttId, key, attackId, score }));
}

test('compareScores: pooled and per-attack EERs of both systems matched by utterance id, in any order', () => {
  const a = rows({
    b1: ['bonafide', '-', 3],
    b2: ['bonafide', '-', 2],
    b3: ['bonafide', '-', 1.5],
    x1: ['spoof', 'X', 0],
    x2: ['spoof', 'X', 1],
    y1: ['spoof', 'Y', 2.5],
    y2: ['spoof', 'Y', -1],
  });
  // B: perfect on Y, and scores X like A
  const b = rows({
    y2: ['spoof', 'Y', -5],
    y1: ['spoof', 'Y', -4],
    x2: ['spoof', 'X', 1],
    x1: ['spoof', 'X', 0],
    b3: ['bonafide', '-', 1.5],
    b2: ['bonafide', '-', 2],
    b1: ['bonafide', '-', 3],
  });
  const c = compareScores(a, b, { resamples: 300 });
  assert.deepEqual(
    c.map((r) => [r.attackId, r.n]),
    [
      ['pooled', 4],
      ['X', 2],
      ['Y', 2],
    ],
  );
  const eer = (rs: ScoreRow[], attack: string | null) =>
    computeEer(
      rs.filter((r) => r.key === 'bonafide').map((r) => r.score),
      rs.filter((r) => r.key === 'spoof' && (attack === null || r.attackId === attack)).map((r) => r.score),
    ).eer;
  for (const r of c) {
    const attack = r.attackId === 'pooled' ? null : r.attackId;
    assert.equal(r.eerA, eer(a, attack), r.attackId);
    assert.equal(r.eerB, eer(b, attack), r.attackId);
    assert.equal(r.difference, r.eerA - r.eerB, r.attackId);
  }
  const x = c.find((r) => r.attackId === 'X')!;
  assert.deepEqual([x.difference, x.low, x.high], [0, 0, 0], 'X is scored alike by both');
  assert.ok(c.find((r) => r.attackId === 'Y')!.bWorse === 0, 'B is perfect on Y: never worse');
});

test('matchScores names the utterance that is missing, doubled or labelled differently, and which set', () => {
  const a = rows({ u1: ['bonafide', '-', 1], u2: ['spoof', 'A01', 0] });
  assert.throws(
    () => matchScores(a, rows({ u1: ['bonafide', '-', 1] }), ['the clips', 'b.txt']),
    /utterance "u2" is in the clips but not in b\.txt/,
  );
  assert.throws(
    () => matchScores(a, [...a, { uttId: 'u3', key: 'spoof', attackId: 'A01', score: 0 }]),
    /utterance "u3" is in the second score set but not in the first score set/,
  );
  assert.throws(() => matchScores(a, [...a, a[0]]), /the second score set: utterance "u1" appears twice/);
  assert.throws(
    () => matchScores(a, rows({ u1: ['bonafide', '-', 1], u2: ['spoof', 'A02', 0] })),
    /utterance "u2" is spoof\/A01 in the first score set and spoof\/A02 in the second score set/,
  );
  // trials not scored yet pair as NaN (evaluate checks --compare before the long work)
  assert.ok(Number.isNaN(matchScores([{ uttId: 'u1', key: 'bonafide', attackId: '-' }], [a[0]])[0].a));
});

test('evaluateScores carries a bootstrap interval for the pooled EER and for every attack', () => {
  const rng = new Random(9);
  const rs: ScoreRow[] = [];
  for (let i = 0; i < 40; i++) rs.push({ uttId: `b${i}`, key: 'bonafide', attackId: '-', score: 2 + rng.normal() });
  for (let i = 0; i < 30; i++) rs.push({ uttId: `x${i}`, key: 'spoof', attackId: 'X', score: rng.normal() });
  for (let i = 0; i < 6; i++) rs.push({ uttId: `y${i}`, key: 'spoof', attackId: 'Y', score: 1 + rng.normal() });
  const s = evaluateScores(rs);
  assert.ok(s.interval.low <= s.eer && s.eer <= s.interval.high, JSON.stringify(s.interval));
  for (const a of s.perAttack) {
    assert.ok(a.interval, a.attackId);
    assert.ok(a.interval.low <= a.eer && a.eer <= a.interval.high, `${a.attackId} ${JSON.stringify(a.interval)}`);
  }
  const [x, y] = s.perAttack;
  assert.ok(
    y.interval!.high - y.interval!.low > x.interval!.high - x.interval!.low,
    '6 clips: a wider interval than 30',
  );
});
