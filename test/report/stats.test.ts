import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { incompleteBeta, mean, pairedComparison, std, studentTCdf, studentTQuantile } from '../../src/report/stats';

interface Fixture {
  tCdf: { t: number; df: number; p: number }[];
  tPpf: { p: number; df: number; t: number }[];
  betainc: { x: number; a: number; b: number; v: number }[];
  paired: { arm: number[]; baseline: number[]; mean: number; std: number; p: number; ci: [number, number] }[];
}
const F = JSON.parse(readFileSync(join(__dirname, '../fixtures/report/stats.json'), 'utf8')) as Fixture;

test('incompleteBeta matches scipy.special.betainc to 1e-10', () => {
  for (const c of F.betainc)
    assert.ok(Math.abs(incompleteBeta(c.x, c.a, c.b) - c.v) < 1e-10, `betainc(${c.a}, ${c.b}, ${c.x})`);
});

test('studentTCdf matches scipy.stats.t.cdf to 1e-10 (df 1..29)', () => {
  for (const c of F.tCdf)
    assert.ok(
      Math.abs(studentTCdf(c.t, c.df) - c.p) < 1e-10,
      `t.cdf(${c.t}, ${c.df}) = ${c.p}, got ${studentTCdf(c.t, c.df)}`,
    );
});

test('studentTQuantile matches scipy.stats.t.ppf to 1e-8 (df 1..30)', () => {
  for (const c of F.tPpf)
    assert.ok(
      Math.abs(studentTQuantile(c.p, c.df) - c.t) < 1e-8 * Math.max(1, Math.abs(c.t)),
      `t.ppf(${c.p}, ${c.df}) = ${c.t}, got ${studentTQuantile(c.p, c.df)}`,
    );
});

test('pairedComparison n=2,3,5,8 matches scipy ttest_rel p-value and the t interval', () => {
  for (const c of F.paired) {
    const r = pairedComparison(c.arm, c.baseline);
    assert.ok(Math.abs(r.mean - c.mean) < 1e-12);
    assert.ok(Math.abs(r.std - c.std) < 1e-12);
    assert.ok(Math.abs((r.pValue as number) - c.p) < 1e-9, `p ${c.p} vs ${r.pValue}`);
    assert.ok(Math.abs(r.ci95![0] - c.ci[0]) < 1e-9 && Math.abs(r.ci95![1] - c.ci[1]) < 1e-9);
    assert.equal(r.lower + r.higher + r.ties, c.arm.length);
  }
});

test('pairedComparison one seed: no interval, no p-value; identical arms: ties, no p-value', () => {
  const one = pairedComparison([0.2], [0.3]);
  assert.equal(one.ci95, null);
  assert.equal(one.pValue, null);
  assert.equal(one.lower, 1);
  const same = pairedComparison([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]);
  assert.equal(same.ties, 3);
  assert.equal(same.pValue, null);
  assert.deepEqual(same.ci95, [0, 0]);
});

test('mean/std: ddof=1, single value std 0, empty NaN; mismatched pairs throw', () => {
  assert.equal(std([2]), 0);
  assert.ok(Number.isNaN(mean([])));
  assert.ok(Math.abs(std([1, 2, 3, 4]) - Math.sqrt(5 / 3)) < 1e-15);
  assert.throws(() => pairedComparison([1, 2], [1]), /arm \(length 2\) and baseline \(length 1\)/);
  assert.throws(() => studentTQuantile(1, 3), /p=1 must be in \(0, 1\)/);
});
