// How sure an EER is: percentile bootstrap intervals of one system's EER and of the difference
// between two systems scored on the same clips. A per-attack EER on 5-35 spoofed clips moves by
// 3-20 points when one clip changes side; these intervals say so in every report.
import { assert } from '../errors';
import { Random } from '../random';
import { computeEer } from './detection';

/** Options of the bootstrap intervals. */
export interface BootstrapOptions {
  /**
   * Resampled score sets drawn (each class resampled with replacement to its own size).
   * @default 2000
   */
  resamples?: number;
  /**
   * Coverage of the interval: the `(1 - level) / 2` and `(1 + level) / 2` quantiles of the resampled
   * EERs (numpy's default linear interpolation).
   * @default 0.95
   */
  level?: number;
  /**
   * Seed of the resampling: the same seed and scores give the same interval.
   * @default 0
   */
  seed?: number;
}

/** A percentile bootstrap interval of a statistic. */
export interface BootstrapInterval {
  /** Lower end (the `(1 - level) / 2` quantile of the resampled statistic). */
  low: number;
  /** Upper end (the `(1 + level) / 2` quantile). */
  high: number;
  level: number;
  resamples: number;
}

/** An EER (fraction) with its bootstrap interval. */
export interface EerInterval extends BootstrapInterval {
  /** EER of the scores as given ({@link computeEer}). */
  eer: number;
}

/** The difference `EER(a) - EER(b)` of two systems on the same clips, with its bootstrap interval. */
export interface EerDifference extends BootstrapInterval {
  /** EER(a) - EER(b) on the scores as given (fraction; > 0: a errs more). */
  difference: number;
  /** Share of the resamples in which a's EER is above b's. */
  aWorse: number;
  /** Share of the resamples in which b's EER is above a's. */
  bWorse: number;
}

function resolve(opts: BootstrapOptions): Required<BootstrapOptions> {
  const { resamples = 2000, level = 0.95, seed = 0 } = opts;
  assert(Number.isInteger(resamples) && resamples >= 1, () => `resamples=${resamples} must be an integer >= 1`);
  assert(level > 0 && level < 1, () => `level=${level} must be in (0, 1)`);
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  return { resamples, level, seed };
}

/** Linear-interpolation quantile (numpy's default) of `sorted` ascending values at `q` in [0, 1]. */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

function interval(values: Float64Array, o: Required<BootstrapOptions>): BootstrapInterval {
  values.sort();
  return {
    low: quantile(values, (1 - o.level) / 2),
    high: quantile(values, (1 + o.level) / 2),
    level: o.level,
    resamples: o.resamples,
  };
}

/** `n` indices drawn with replacement from [0, n), into `into`. */
function draw(rng: Random, into: Int32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = rng.int(into.length);
}

/** The scores `from[idx[i]]`, into `into`. */
function pick(from: ArrayLike<number>, idx: Int32Array, into: Float64Array): Float64Array {
  for (let i = 0; i < idx.length; i++) into[i] = from[idx[i]];
  return into;
}

/**
 * The EER of bona fide vs spoof scores with a percentile bootstrap interval: bona fide and spoof
 * scores are resampled separately with replacement (class sizes fixed, as in a test set built with
 * so many clips of each) and {@link computeEer} is taken of each resample.
 *
 * Notes: clips are treated as independent; when one speaker or sentence gives several clips the
 * interval is too narrow. Percentile intervals of an EER from few spoofed clips are coarse: with 5
 * clips the EER moves in steps of 10 points.
 */
export function eerInterval(
  bonafide: ArrayLike<number>,
  spoof: ArrayLike<number>,
  opts: BootstrapOptions = {},
): EerInterval {
  const o = resolve(opts);
  const { eer } = computeEer(bonafide, spoof); // also checks the scores
  const rng = new Random(o.seed);
  const ib = new Int32Array(bonafide.length);
  const is = new Int32Array(spoof.length);
  const b = new Float64Array(bonafide.length);
  const s = new Float64Array(spoof.length);
  const eers = new Float64Array(o.resamples);
  for (let r = 0; r < o.resamples; r++) {
    draw(rng, ib);
    draw(rng, is);
    eers[r] = computeEer(pick(bonafide, ib, b), pick(spoof, is, s)).eer;
  }
  return { eer, ...interval(eers, o) };
}

/** Bona fide and spoof scores of one system. */
export interface ScoreSet {
  bonafide: ArrayLike<number>;
  spoof: ArrayLike<number>;
}

/**
 * `EER(a) - EER(b)` for two systems that scored the same clips in the same order (`a.bonafide[i]`
 * and `b.bonafide[i]` are one clip), with a paired percentile bootstrap interval: each resample
 * draws clips, not scores, so both systems see the same resampled test set. An interval above 0
 * says a errs more on this kind of data than b beyond what the choice of clips explains.
 */
export function eerDifferenceInterval(a: ScoreSet, b: ScoreSet, opts: BootstrapOptions = {}): EerDifference {
  const o = resolve(opts);
  for (const k of ['bonafide', 'spoof'] as const)
    assert(
      a[k].length === b[k].length,
      () => `a.${k} has ${a[k].length} scores and b.${k} ${b[k].length}: both systems must score the same clips`,
    );
  const difference = computeEer(a.bonafide, a.spoof).eer - computeEer(b.bonafide, b.spoof).eer;
  const rng = new Random(o.seed);
  const ib = new Int32Array(a.bonafide.length);
  const is = new Int32Array(a.spoof.length);
  const bufs = [0, 1, 2, 3].map((k) => new Float64Array(k < 2 ? ib.length : is.length));
  const diffs = new Float64Array(o.resamples);
  let aWorse = 0;
  let bWorse = 0;
  for (let r = 0; r < o.resamples; r++) {
    draw(rng, ib);
    draw(rng, is);
    const ea = computeEer(pick(a.bonafide, ib, bufs[0]), pick(a.spoof, is, bufs[2])).eer;
    const eb = computeEer(pick(b.bonafide, ib, bufs[1]), pick(b.spoof, is, bufs[3])).eer;
    diffs[r] = ea - eb;
    if (ea > eb) aWorse++;
    else if (eb > ea) bWorse++;
  }
  return {
    difference,
    aWorse: aWorse / o.resamples,
    bWorse: bWorse / o.resamples,
    ...interval(diffs, o),
  };
}
