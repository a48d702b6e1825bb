import { assert } from '../errors';

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * Sample standard deviation (denominator n - 1, numpy `std(ddof=1)`); 0 for a single value, NaN for none.
 * Notes: ddof=1 because seeds are a sample of the possible initialisations, not the whole population.
 */
export function std(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  if (n === 1) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  // Lentz's method for the continued fraction of the incomplete beta function (Numerical Recipes betacf).
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b) (scipy `special.betainc`). */
export function incompleteBeta(x: number, a: number, b: number): number {
  assert(a > 0 && b > 0, () => `a=${a}, b=${b} must be positive`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student t cumulative distribution function with `df` degrees of freedom (scipy `stats.t.cdf`). */
export function studentTCdf(t: number, df: number): number {
  assert(df > 0, () => `df=${df} must be positive`);
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const t2 = t * t;
  if (t2 < df) {
    // Near 0, df / (df + t²) rounds to 1; the complementary form keeps full precision there.
    const h = 0.5 * incompleteBeta(t2 / (df + t2), 0.5, df / 2);
    return t > 0 ? 0.5 + h : 0.5 - h;
  }
  const p = 0.5 * incompleteBeta(df / (df + t2), df / 2, 0.5);
  return t > 0 ? 1 - p : p;
}

/** Quantile of the Student t distribution (scipy `stats.t.ppf`), by bisection on {@link studentTCdf}. */
export function studentTQuantile(p: number, df: number): number {
  assert(p > 0 && p < 1, () => `p=${p} must be in (0, 1)`);
  assert(df > 0, () => `df=${df} must be positive`);
  let lo = -1e4;
  let hi = 1e4;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A paired comparison of one arm against the baseline over the same seeds. */
export interface PairedComparison {
  /** Per-seed differences arm - baseline (negative = the arm has the lower EER). */
  differences: number[];
  /** Mean difference. */
  mean: number;
  /** Sample standard deviation of the differences (0 with one seed). */
  std: number;
  /** 95 % confidence interval of the mean difference (Student t, n - 1 df); null with fewer than 2 seeds. */
  ci95: [number, number] | null;
  /** Two-sided paired t-test p-value (scipy `ttest_rel`); null with fewer than 2 seeds or zero spread. */
  pValue: number | null;
  /** Seeds where the arm is lower / higher / equal. */
  lower: number;
  higher: number;
  ties: number;
}

/**
 * Paired comparison of per-seed values `arm[i]` vs `baseline[i]` (same seed, same split): mean and
 * spread of the differences, a 95 % t interval, the paired t-test p-value and the sign counts.
 * Notes: with 3 seeds the t interval is wide (t(0.975, 2) = 4.30); the sign counts are given so a
 * reader can judge consistency without trusting the normal assumption.
 */
export function pairedComparison(arm: ArrayLike<number>, baseline: ArrayLike<number>): PairedComparison {
  assert(
    arm.length === baseline.length && arm.length > 0,
    () => `arm (length ${arm.length}) and baseline (length ${baseline.length}) must pair up, one value per seed`,
  );
  const differences = Array.from({ length: arm.length }, (_, i) => arm[i] - baseline[i]);
  const n = differences.length;
  const m = mean(differences);
  const s = std(differences);
  let ci95: [number, number] | null = null;
  let pValue: number | null = null;
  if (n >= 2) {
    const half = (studentTQuantile(0.975, n - 1) * s) / Math.sqrt(n);
    ci95 = [m - half, m + half];
    if (s > 0) pValue = 2 * (1 - studentTCdf(Math.abs(m) / (s / Math.sqrt(n)), n - 1));
  }
  const eps = 1e-12;
  return {
    differences,
    mean: m,
    std: s,
    ci95,
    pValue,
    lower: differences.filter((d) => d < -eps).length,
    higher: differences.filter((d) => d > eps).length,
    ties: differences.filter((d) => Math.abs(d) <= eps).length,
  };
}
