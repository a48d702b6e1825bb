import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { ParameterError, assert, assertPositiveInt } from '../errors';
import { Grid } from '../grid/grid';
import { Random } from '../random';
import { startWorker, workerScriptPath } from '../workers';

// Diagonal-covariance Gaussian mixtures and the ASVspoof 2019 LFCC-GMM detector, in plain Float64
// arithmetic (no tfjs): EM over tens of thousands of 60-dimensional frames is a few fused loops, and
// double precision keeps it comparable with scikit-learn to ~1e-9.

/**
 * Frames as a sample-major matrix (scikit-learn's `X`): dimension j of frame i is `data[i * dims + j]`.
 * A cepstrogram Grid is the transpose (rows = coefficients, cols = frames); see {@link toFrames}.
 */
export interface FrameMatrix {
  /** Number of frames (samples). */
  n: number;
  /** Feature dimensions per frame. */
  dims: number;
  data: Float64Array | Float32Array;
}

/** Frames given either as a {@link FrameMatrix} or as a Grid read as coefficients x frames (a pipeline feature). */
export type Frames = FrameMatrix | Grid;

/** A diagonal-covariance Gaussian mixture: `nComponents` weights, means and variances of `dims` dimensions. */
export interface Gmm {
  nComponents: number;
  dims: number;
  /** Mixture weights, length nComponents, summing to 1. */
  weights: Float64Array;
  /** Component means, nComponents x dims row-major. */
  means: Float64Array;
  /** Component variances (diagonal covariances), nComponents x dims row-major, each >= regCovar. */
  variances: Float64Array;
  /** How EM ended (scikit-learn's `converged_`, `n_iter_`, `lower_bound_`); absent on hand-built models. */
  fit?: GmmFitInfo;
}

/** The end state of {@link fitGmm}. */
export interface GmmFitInfo {
  /** The lower-bound change fell below `tol` before `maxIter` iterations. */
  converged: boolean;
  /** EM iterations run. */
  nIter: number;
  /** Mean per-frame log-likelihood of the training frames at the last E-step. */
  lowerBound: number;
}

/**
 * Initial parameters given explicitly instead of k-means (scikit-learn's `weights_init`,
 * `means_init`, `precisions_init` = 1 / variances).
 */
export interface GmmParameters {
  weights: ArrayLike<number>;
  /** nComponents x dims row-major. */
  means: ArrayLike<number>;
  /** nComponents x dims row-major, all > 0. */
  variances: ArrayLike<number>;
}

/** One EM iteration, reported to {@link GmmOptions.onIteration}. */
export interface GmmIteration {
  /** 1-based iteration number. */
  iter: number;
  maxIter: number;
  /** Mean per-frame log-likelihood under the parameters before this iteration's M-step. */
  lowerBound: number;
  /** Change of lowerBound from the previous iteration (NaN at the first). */
  change: number;
}

/** Options of {@link fitGmm}; names and defaults follow scikit-learn `GaussianMixture(covariance_type='diag')`. */
export interface GmmOptions {
  /**
   * Number of mixture components.
   * @default 64
   */
  nComponents?: number;
  /**
   * Maximum EM iterations (`max_iter`).
   * @default 100
   */
  maxIter?: number;
  /**
   * EM stops when the mean per-frame log-likelihood changes by less than this (`tol`).
   * @default 1e-3
   */
  tol?: number;
  /**
   * Added to every variance at every M-step (`reg_covar`): the variance floor that keeps a component
   * from collapsing onto one frame.
   * @default 1e-6
   */
  regCovar?: number;
  /**
   * Seed of the k-means++ initialisation; the same seed and frames give a bit-identical model.
   * @default 0
   */
  seed?: number;
  /**
   * Maximum Lloyd iterations of the k-means initialisation (stops earlier when no label changes or the
   * centres move by less than 1e-4 x the mean per-dimension variance, as scikit-learn's KMeans `tol`).
   * scikit-learn runs k-means to convergence (up to 300); here EM refines the clusters anyway and one
   * Lloyd iteration costs half an EM iteration, so a few suffice.
   * @default 10
   */
  kmeansMaxIter?: number;
  /**
   * Start EM from these parameters instead of k-means (scikit-learn's `*_init` arguments).
   * @default undefined
   */
  init?: GmmParameters;
  /**
   * Responsibilities below this are left out of the M-step statistics. A frame usually belongs to one
   * or two of many components; the others add less than this each to the soft counts, far below what
   * moves a parameter at EM's tolerance, and skipping them saves most of the M-step's work.
   * 0 = every responsibility, as scikit-learn (then the two agree to ~1e-11).
   * @default 1e-10
   */
  minResponsibility?: number;
  /** Called after every EM iteration (progress). @default undefined */
  onIteration?: (it: GmmIteration) => void;
}

/**
 * Default number of mixture components of {@link fitGmm} and the `gmm` architecture
 * (docs/benchmarks.md, W7, for why 64).
 */
export const DEFAULT_GMM_COMPONENTS = 64;

const LOG_2PI = Math.log(2 * Math.PI);
// scikit-learn adds 10 * float64 eps to each component's soft count so an empty component divides safely.
const NK_EPS = 10 * 2.220446049250313e-16;

function isGrid(f: Frames): f is Grid {
  return (f as Grid).rows !== undefined && (f as Grid).cols !== undefined;
}

/**
 * Frames of one or more features as a sample-major {@link FrameMatrix}: a Grid (rows = coefficients,
 * cols = frames, as the pipeline's `lfcc` stage gives) is transposed; several are stacked in order.
 * A FrameMatrix passes through (copied only when several are stacked).
 */
export function toFrames(features: Frames | readonly Frames[]): FrameMatrix & { data: Float64Array } {
  const list = Array.isArray(features) ? (features as readonly Frames[]) : [features as Frames];
  assert(list.length > 0, () => 'features is empty: need at least one clip of frames');
  const shapes = list.map((f, i) => {
    assert(
      f !== null && typeof f === 'object' && (f.data instanceof Float32Array || f.data instanceof Float64Array),
      () => `features[${i}] must be a Grid or a FrameMatrix with Float32Array/Float64Array data`,
    );
    const n = isGrid(f) ? f.cols : f.n;
    const dims = isGrid(f) ? f.rows : f.dims;
    assert(
      Number.isInteger(n) && n >= 0 && Number.isInteger(dims) && dims > 0 && f.data.length === n * dims,
      () => `features[${i}]: data.length=${f.data.length} does not match ${n} frames x ${dims} dims`,
    );
    return { n, dims };
  });
  const dims = shapes[0].dims;
  shapes.forEach((s, i) => assert(s.dims === dims, () => `features[${i}] has ${s.dims} dims, features[0] has ${dims}`));
  const only = list[0];
  if (list.length === 1 && !isGrid(only) && only.data instanceof Float64Array)
    return only as FrameMatrix & { data: Float64Array };
  // Always Float64Array inside: one element type keeps the inner loops monomorphic in V8, and float32
  // features widen exactly. Costs 8 bytes per value: 1 M frames of 60 dims = 480 MB.
  const total = shapes.reduce((a, s) => a + s.n, 0);
  const out = new Float64Array(total * dims);
  let at = 0;
  list.forEach((f, i) => {
    const { n } = shapes[i];
    if (isGrid(f)) {
      for (let t = 0; t < n; t++) for (let j = 0; j < dims; j++) out[(at + t) * dims + j] = f.data[j * n + t];
    } else out.set(f.data, at * dims);
    at += n;
  });
  return { n: total, dims, data: out };
}

function checkFinite(x: FrameMatrix, name: string): void {
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]))
      throw new ParameterError(
        `${name}: frame ${Math.floor(i / x.dims)} dimension ${i % x.dims} is ${d[i]}; frames must be finite`,
      );
  }
}

/** Per-component constants of the E-step: log w_k - (D log 2pi + sum_j log var_kj) / 2, and 1 / var. */
function precompute(g: Gmm): { logConst: Float64Array; prec: Float64Array } {
  const { nComponents: K, dims: D } = g;
  const logConst = new Float64Array(K);
  const prec = new Float64Array(K * D);
  for (let k = 0; k < K; k++) {
    let logDet = 0;
    for (let j = 0; j < D; j++) {
      const v = g.variances[k * D + j];
      logDet += Math.log(v);
      prec[k * D + j] = 1 / v;
    }
    logConst[k] = Math.log(g.weights[k]) - 0.5 * (D * LOG_2PI + logDet);
  }
  return { logConst, prec };
}

/** Frames per block of {@link blockLogProbs}. */
const BLOCK = 4;

/**
 * Weighted log-densities of frames `i .. i+3` under every component into `out[f * K + k]`, and each
 * frame's log-sum-exp (its log-likelihood under the mixture) into `norm[f]`. Frames past `n - 1` repeat
 * the last one. Four frames share each load of a component's means and precisions, which is what
 * bounds this loop (1.5x faster than one frame at a time, measured on the bundled corpus).
 */
function blockLogProbs(
  x: Float64Array,
  i: number,
  n: number,
  g: Gmm,
  logConst: Float64Array,
  prec: Float64Array,
  out: Float64Array,
  norm: Float64Array,
): void {
  const { nComponents: K, dims: D, means } = g;
  const b0 = i * D;
  const b1 = Math.min(i + 1, n - 1) * D;
  const b2 = Math.min(i + 2, n - 1) * D;
  const b3 = Math.min(i + 3, n - 1) * D;
  for (let k = 0; k < K; k++) {
    const off = k * D;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    for (let j = 0; j < D; j++) {
      const m = means[off + j];
      const p = prec[off + j];
      const d0 = x[b0 + j] - m;
      const d1 = x[b1 + j] - m;
      const d2 = x[b2 + j] - m;
      const d3 = x[b3 + j] - m;
      q0 += d0 * d0 * p;
      q1 += d1 * d1 * p;
      q2 += d2 * d2 * p;
      q3 += d3 * d3 * p;
    }
    out[k] = logConst[k] - 0.5 * q0;
    out[K + k] = logConst[k] - 0.5 * q1;
    out[2 * K + k] = logConst[k] - 0.5 * q2;
    out[3 * K + k] = logConst[k] - 0.5 * q3;
  }
  for (let f = 0; f < BLOCK; f++) {
    const o = f * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (out[o + k] > max) max = out[o + k];
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(out[o + k] - max);
    norm[f] = max + Math.log(s);
  }
}

function checkGmm(g: Gmm, name: string): void {
  assert(
    g !== null && typeof g === 'object',
    () => `${name} must be a Gmm {nComponents, dims, weights, means, variances}`,
  );
  assertPositiveInt(g.nComponents, `${name}.nComponents`);
  assertPositiveInt(g.dims, `${name}.dims`);
  const K = g.nComponents;
  const D = g.dims;
  assert(g.weights?.length === K, () => `${name}.weights has length ${g.weights?.length}, expected nComponents=${K}`);
  assert(
    g.means?.length === K * D,
    () => `${name}.means has length ${g.means?.length}, expected nComponents x dims = ${K * D}`,
  );
  assert(
    g.variances?.length === K * D,
    () => `${name}.variances has length ${g.variances?.length}, expected nComponents x dims = ${K * D}`,
  );
  for (let k = 0; k < K; k++)
    assert(
      Number.isFinite(g.weights[k]) && g.weights[k] > 0,
      () => `${name}.weights[${k}]=${g.weights[k]} must be a finite number > 0`,
    );
  for (let i = 0; i < K * D; i++) {
    assert(Number.isFinite(g.means[i]), () => `${name}.means[${i}]=${g.means[i]} must be finite`);
    assert(
      Number.isFinite(g.variances[i]) && g.variances[i] > 0,
      () => `${name}.variances[${i}]=${g.variances[i]} must be a finite number > 0`,
    );
  }
}

/**
 * Log-likelihood of every frame under the mixture (scikit-learn `score_samples`).
 *
 * @param frames a FrameMatrix (n x dims) or a Grid read as dims x frames
 * @returns Float64Array of length n
 */
export function gmmFrameLogLikelihoods(gmm: Gmm, frames: Frames): Float64Array {
  checkGmm(gmm, 'gmm');
  const x = toFrames(frames);
  assert(x.dims === gmm.dims, () => `frames have ${x.dims} dims, the GMM was fitted on ${gmm.dims}`);
  const { logConst, prec } = precompute(gmm);
  const tmp = new Float64Array(BLOCK * gmm.nComponents);
  const norm = new Float64Array(BLOCK);
  const out = new Float64Array(x.n);
  for (let i = 0; i < x.n; i += BLOCK) {
    blockLogProbs(x.data, i, x.n, gmm, logConst, prec, tmp, norm);
    for (let f = 0; f < BLOCK && i + f < x.n; f++) out[i + f] = norm[f];
  }
  return out;
}

/**
 * Mean per-frame log-likelihood of a clip under the mixture (scikit-learn `score`), in nats per frame.
 *
 * @param frames one clip: a FrameMatrix (n x dims) or a Grid read as dims x frames; at least one frame
 */
export function gmmLogLikelihood(gmm: Gmm, frames: Frames): number {
  const ll = gmmFrameLogLikelihoods(gmm, frames);
  assert(ll.length > 0, () => 'frames has no frames: the log-likelihood of an empty clip is undefined');
  let s = 0;
  for (let i = 0; i < ll.length; i++) s += ll[i];
  return s / ll.length;
}

function sqDist(x: Float64Array, i: number, c: Float64Array, k: number, D: number): number {
  let s = 0;
  for (let j = 0; j < D; j++) {
    const d = x[i * D + j] - c[k * D + j];
    s += d * d;
  }
  return s;
}

/**
 * Label of the nearest centre of every frame: argmin_k ||c_k||^2 - 2 x.c_k (||x||^2 is the same for
 * every k), four frames per pass over the centres as in {@link blockLogProbs}.
 */
function nearestCentres(
  x: Float64Array,
  n: number,
  D: number,
  centres: Float64Array,
  K: number,
  labels: Int32Array,
): void {
  const cNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += centres[k * D + j] ** 2;
    cNorm[k] = s;
  }
  const best = new Float64Array(BLOCK);
  const arg = new Int32Array(BLOCK);
  for (let i = 0; i < n; i += BLOCK) {
    const b0 = i * D;
    const b1 = Math.min(i + 1, n - 1) * D;
    const b2 = Math.min(i + 2, n - 1) * D;
    const b3 = Math.min(i + 3, n - 1) * D;
    best.fill(Infinity);
    for (let k = 0; k < K; k++) {
      const off = k * D;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < D; j++) {
        const c = centres[off + j];
        s0 += x[b0 + j] * c;
        s1 += x[b1 + j] * c;
        s2 += x[b2 + j] * c;
        s3 += x[b3 + j] * c;
      }
      const d0 = cNorm[k] - 2 * s0;
      const d1 = cNorm[k] - 2 * s1;
      const d2 = cNorm[k] - 2 * s2;
      const d3 = cNorm[k] - 2 * s3;
      if (d0 < best[0]) {
        best[0] = d0;
        arg[0] = k;
      }
      if (d1 < best[1]) {
        best[1] = d1;
        arg[1] = k;
      }
      if (d2 < best[2]) {
        best[2] = d2;
        arg[2] = k;
      }
      if (d3 < best[3]) {
        best[3] = d3;
        arg[3] = k;
      }
    }
    for (let f = 0; f < BLOCK && i + f < n; f++) labels[i + f] = arg[f];
  }
}

/**
 * Seeded k-means++ seeding (greedy, `2 + floor(ln K)` candidates per centre, as scikit-learn's
 * `_kmeans_plusplus`) followed by Lloyd iterations; returns the label of every frame.
 */
function kmeansLabels(x: FrameMatrix & { data: Float64Array }, K: number, rng: Random, maxIter: number): Int32Array {
  const { n, dims: D, data } = x;
  const centres = new Float64Array(K * D);
  const closest = new Float64Array(n);
  const setCentre = (k: number, i: number): void => {
    for (let j = 0; j < D; j++) centres[k * D + j] = data[i * D + j];
  };
  setCentre(0, rng.int(n));
  for (let i = 0; i < n; i++) closest[i] = sqDist(data, i, centres, 0, D);
  const trials = 2 + Math.floor(Math.log(K));
  const cum = new Float64Array(n);
  const candIdx = new Int32Array(trials);
  const candDist = new Float64Array(trials * n);
  const candPot = new Float64Array(trials);
  for (let k = 1; k < K; k++) {
    // Candidates drawn with probability proportional to the squared distance to the nearest centre.
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    for (let t = 0; t < trials; t++) {
      const r = rng.next() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      candIdx[t] = lo;
    }
    candPot.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * D;
      for (let t = 0; t < trials; t++) {
        const cb = candIdx[t] * D;
        let s = 0;
        for (let j = 0; j < D; j++) {
          const d = data[base + j] - data[cb + j];
          s += d * d;
        }
        const d = Math.min(closest[i], s);
        candDist[t * n + i] = d;
        candPot[t] += d;
      }
    }
    let bt = 0;
    for (let t = 1; t < trials; t++) if (candPot[t] < candPot[bt]) bt = t;
    setCentre(k, candIdx[bt]);
    closest.set(candDist.subarray(bt * n, bt * n + n));
  }

  // Lloyd. Convergence as scikit-learn: labels unchanged, or total squared centre shift <= 1e-4 x mean variance.
  let meanVar = 0;
  for (let j = 0; j < D; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) s += data[i * D + j];
    const m = s / n;
    for (let i = 0; i < n; i++) s2 += (data[i * D + j] - m) ** 2;
    meanVar += s2 / n / D;
  }
  const shiftTol = 1e-4 * meanVar;
  const labels = new Int32Array(n).fill(-1);
  const next = new Int32Array(n);
  const sums = new Float64Array(K * D);
  const counts = new Float64Array(K);
  for (let iter = 0; iter < maxIter; iter++) {
    nearestCentres(data, n, D, centres, K, next);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next[i] !== labels[i]) changed++;
    labels.set(next);
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const k = labels[i];
      counts[k]++;
      for (let j = 0; j < D; j++) sums[k * D + j] += data[i * D + j];
    }
    // An empty cluster takes the frame farthest from its centre (scikit-learn relocates empty clusters too).
    for (let k = 0; k < K; k++) {
      if (counts[k] > 0) continue;
      let far = 0;
      let farD = -Infinity;
      for (let i = 0; i < n; i++) {
        if (counts[labels[i]] <= 1) continue;
        const d = sqDist(data, i, centres, labels[i], D);
        if (d > farD) {
          farD = d;
          far = i;
        }
      }
      const old = labels[far];
      counts[old]--;
      for (let j = 0; j < D; j++) sums[old * D + j] -= data[far * D + j];
      labels[far] = k;
      counts[k] = 1;
      for (let j = 0; j < D; j++) sums[k * D + j] = data[far * D + j];
    }
    let shift = 0;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < D; j++) {
        const c = sums[k * D + j] / counts[k];
        shift += (c - centres[k * D + j]) ** 2;
        centres[k * D + j] = c;
      }
    }
    if (shift <= shiftTol) {
      // Final assignment to the moved centres, as scikit-learn does after convergence.
      nearestCentres(data, n, D, centres, K, labels);
      break;
    }
  }
  return labels;
}

/** Gaussian parameters of hard labels (scikit-learn `_estimate_gaussian_parameters` with one-hot responsibilities). */
function paramsFromLabels(
  x: FrameMatrix & { data: Float64Array },
  labels: Int32Array,
  K: number,
  regCovar: number,
): Gmm {
  const { n, dims: D, data } = x;
  const nk = new Float64Array(K).fill(NK_EPS);
  const s1 = new Float64Array(K * D);
  const s2 = new Float64Array(K * D);
  for (let i = 0; i < n; i++) {
    const k = labels[i];
    nk[k] += 1;
    for (let j = 0; j < D; j++) {
      const v = data[i * D + j];
      s1[k * D + j] += v;
      s2[k * D + j] += v * v;
    }
  }
  return mStep(nk, s1, s2, K, D, regCovar);
}

/** M-step from sufficient statistics: soft counts nk, sums s1 = sum r x and s2 = sum r x^2 (scikit-learn's formula). */
function mStep(nk: Float64Array, s1: Float64Array, s2: Float64Array, K: number, D: number, regCovar: number): Gmm {
  const weights = new Float64Array(K);
  const means = new Float64Array(K * D);
  const variances = new Float64Array(K * D);
  let total = 0;
  for (let k = 0; k < K; k++) total += nk[k];
  for (let k = 0; k < K; k++) {
    weights[k] = nk[k] / total;
    for (let j = 0; j < D; j++) {
      const m = s1[k * D + j] / nk[k];
      means[k * D + j] = m;
      // E[x^2] - mu^2 can round below 0 for a near-constant dimension; the floor is regCovar then.
      variances[k * D + j] = Math.max(s2[k * D + j] / nk[k] - m * m, 0) + regCovar;
    }
  }
  return { nComponents: K, dims: D, weights, means, variances };
}

function resolveInit(init: GmmParameters, K: number, D: number): Gmm {
  const g: Gmm = {
    nComponents: K,
    dims: D,
    weights: Float64Array.from(init.weights),
    means: Float64Array.from(init.means),
    variances: Float64Array.from(init.variances),
  };
  checkGmm(g, 'init');
  let s = 0;
  for (let k = 0; k < K; k++) s += g.weights[k];
  assert(Math.abs(s - 1) < 1e-6, () => `init.weights sum to ${s}, must sum to 1`);
  return g;
}

/**
 * Fits a diagonal-covariance Gaussian mixture by EM (scikit-learn `GaussianMixture(covariance_type='diag')`).
 *
 * @param frames training frames: a FrameMatrix (n x dims), a Grid read as dims x frames, or several
 *   clips' features (stacked with {@link toFrames})
 * @returns the fitted {@link Gmm}, with `fit` telling whether EM converged
 *
 * Initialisation: seeded k-means++ then Lloyd iterations, and the Gaussian parameters of the hard
 * clusters, as scikit-learn's `init_params='kmeans'` (whose KMeans uses its own random stream, so the
 * two libraries start from different clusters); or `opts.init`. Each EM iteration is one fused pass
 * over the frames: E-step (log-sum-exp over components) and the sufficient statistics of the M-step,
 * so memory is O(nComponents x dims), not O(frames x nComponents). Variances get `regCovar` added at
 * every M-step; EM stops when the mean per-frame log-likelihood (the lower bound) changes by less than
 * `tol`. Notes: the official ASVspoof 2019 Matlab baseline grows 512 components by binary splitting
 * (MSR Identity Toolbox); the k-means start follows scikit-learn instead.
 */
export function fitGmm(frames: Frames | readonly Frames[], opts: GmmOptions = {}): Gmm {
  const K = opts.nComponents ?? DEFAULT_GMM_COMPONENTS;
  assertPositiveInt(K, 'nComponents');
  const maxIter = opts.maxIter ?? 100;
  assert(Number.isInteger(maxIter) && maxIter >= 0, () => `maxIter=${maxIter} must be an integer >= 0`);
  const tol = opts.tol ?? 1e-3;
  assert(Number.isFinite(tol) && tol >= 0, () => `tol=${tol} must be a finite number >= 0`);
  const regCovar = opts.regCovar ?? 1e-6;
  assert(Number.isFinite(regCovar) && regCovar >= 0, () => `regCovar=${regCovar} must be a finite number >= 0`);
  const seed = opts.seed ?? 0;
  const kmeansMaxIter = opts.kmeansMaxIter ?? 10;
  const minResp = opts.minResponsibility ?? 1e-10;
  assert(
    Number.isFinite(minResp) && minResp >= 0 && minResp < 1,
    () => `minResponsibility=${minResp} must be a number in [0, 1)`,
  );
  assertPositiveInt(kmeansMaxIter, 'kmeansMaxIter');
  const x = toFrames(frames);
  const { n, dims: D, data } = x;
  assert(n >= K, () => `frames has ${n} frames, fewer than nComponents=${K}`);
  checkFinite(x, 'frames');
  let g =
    opts.init !== undefined
      ? resolveInit(opts.init, K, D)
      : paramsFromLabels(x, kmeansLabels(x, K, new Random(seed), kmeansMaxIter), K, regCovar);

  const nk = new Float64Array(K);
  const s1 = new Float64Array(K * D);
  const s2 = new Float64Array(K * D);
  const lp = new Float64Array(BLOCK * K);
  const norms = new Float64Array(BLOCK);
  let lowerBound = -Infinity;
  let converged = false;
  let nIter = 0;
  for (let iter = 1; iter <= maxIter; iter++) {
    nIter = iter;
    const { logConst, prec } = precompute(g);
    nk.fill(NK_EPS);
    s1.fill(0);
    s2.fill(0);
    let ll = 0;
    for (let i = 0; i < n; i++) {
      const f = i % BLOCK;
      if (f === 0) blockLogProbs(data, i, n, g, logConst, prec, lp, norms);
      const norm = norms[f];
      ll += norm;
      const base = i * D;
      for (let k = 0; k < K; k++) {
        const r = Math.exp(lp[f * K + k] - norm);
        if (r < minResp) continue;
        nk[k] += r;
        const off = k * D;
        for (let j = 0; j < D; j++) {
          const v = data[base + j];
          const rv = r * v;
          s1[off + j] += rv;
          s2[off + j] += rv * v;
        }
      }
    }
    const prev = lowerBound;
    lowerBound = ll / n;
    g = mStep(nk, s1, s2, K, D, regCovar);
    const change = lowerBound - prev;
    opts.onIteration?.({ iter, maxIter, lowerBound, change: iter === 1 ? NaN : change });
    if (Math.abs(change) < tol) {
      converged = true;
      break;
    }
  }
  return { ...g, fit: { converged, nIter, lowerBound } };
}

/** The ASVspoof 2019 LFCC-GMM detector: one mixture trained on bona fide frames, one on spoofed frames. */
export interface GmmDetector {
  bonafide: Gmm;
  spoof: Gmm;
}

/**
 * Options of {@link fitGmmDetector}: the {@link GmmOptions} of both mixtures (without `init`);
 * `onIteration` also names the class.
 */
export interface GmmDetectorOptions extends Omit<GmmOptions, 'init' | 'onIteration'> {
  /** Called after every EM iteration of either mixture. @default undefined */
  onIteration?: (cls: 'bonafide' | 'spoof', it: GmmIteration) => void;
}

/**
 * Trains the two mixtures of the ASVspoof 2019 baseline (Todisco et al. 2019): bona fide and spoof,
 * same options and seed, each on all frames of its class's clips.
 *
 * @param bonafide features of the bona fide training clips (Grids read as dims x frames, or FrameMatrix)
 * @param spoof features of the spoofed training clips
 */
export function fitGmmDetector(
  bonafide: Frames | readonly Frames[],
  spoof: Frames | readonly Frames[],
  opts: GmmDetectorOptions = {},
): GmmDetector {
  const fitOne = (cls: 'bonafide' | 'spoof', f: Frames | readonly Frames[]): Gmm => {
    const { onIteration, ...rest } = opts;
    return fitGmm(f, { ...rest, ...(onIteration ? { onIteration: (it: GmmIteration) => onIteration(cls, it) } : {}) });
  };
  const b = fitOne('bonafide', bonafide);
  const s = fitOne('spoof', spoof);
  return { bonafide: b, spoof: s };
}

/**
 * Scores clips with a {@link GmmDetector}: the log-likelihood ratio `LL(bona fide) - LL(spoof)`, each
 * the mean per-frame log-likelihood of the clip, so higher = more bona fide (the ASVspoof 2019 baseline
 * score, in nats per frame).
 *
 * @param clips one Frames per clip (a pipeline feature Grid: dims x frames)
 * @returns Float64Array, one score per clip
 */
export function scoreGmmDetector(detector: GmmDetector, clips: readonly Frames[]): Float64Array {
  assert(detector !== null && typeof detector === 'object', () => 'detector must be a GmmDetector {bonafide, spoof}');
  checkGmm(detector.bonafide, 'detector.bonafide');
  checkGmm(detector.spoof, 'detector.spoof');
  assert(
    detector.bonafide.dims === detector.spoof.dims,
    () => `detector.bonafide has ${detector.bonafide.dims} dims, detector.spoof ${detector.spoof.dims}`,
  );
  assert(Array.isArray(clips), () => 'clips must be an array of clip features');
  const out = new Float64Array(clips.length);
  clips.forEach((c, i) => {
    const x = toFrames(c);
    assert(
      x.dims === detector.bonafide.dims,
      () => `clips[${i}] has ${x.dims} dims, the detector was trained on ${detector.bonafide.dims}`,
    );
    assert(x.n > 0, () => `clips[${i}] has no frames`);
    out[i] = gmmLogLikelihood(detector.bonafide, x) - gmmLogLikelihood(detector.spoof, x);
  });
  return out;
}

/**
 * {@link fitGmmDetector} with the two mixtures fitted at the same time on two worker threads (half the
 * wall time on two free cores); the result is bit-identical to {@link fitGmmDetector}'s. Falls back to
 * fitting in-process when the worker entry point is missing.
 */
export async function fitGmmDetectorAsync(
  bonafide: Frames | readonly Frames[],
  spoof: Frames | readonly Frames[],
  opts: GmmDetectorOptions = {},
): Promise<GmmDetector> {
  const script = workerScriptPath(__filename, 'gmmWorker');
  if (!existsSync(script)) return fitGmmDetector(bonafide, spoof, opts);
  const { onIteration, ...rest } = opts;
  // Checked and stacked here, so bad input fails before any thread starts, with the same message.
  const stacked = { bonafide: toFrames(bonafide), spoof: toFrames(spoof) };
  const workers: Worker[] = [];
  const fitOne = (cls: 'bonafide' | 'spoof'): Promise<Gmm> => {
    return new Promise<Gmm>((resolve, reject) => {
      const w = startWorker(script, { frames: stacked[cls], opts: rest });
      workers.push(w);
      let settled = false;
      w.on('message', (m: { it?: GmmIteration; gmm?: Gmm; error?: { name: string; message: string } }) => {
        if (m.it) onIteration?.(cls, m.it);
        else if (m.gmm) {
          settled = true;
          resolve(m.gmm);
        } else if (m.error) {
          settled = true;
          reject(m.error.name === 'ParameterError' ? new ParameterError(m.error.message) : new Error(m.error.message));
        }
      });
      w.on('error', (e) => {
        settled = true;
        reject(e);
      });
      w.on('exit', (code) => {
        if (!settled) reject(new Error(`GMM worker (${cls}) exited with code ${code} before finishing`));
      });
    });
  };
  try {
    const [b, s] = await Promise.all([fitOne('bonafide'), fitOne('spoof')]);
    return { bonafide: b, spoof: s };
  } finally {
    // Stops the other fit when one failed (a finished worker has exited already).
    for (const w of workers) void w.terminate();
  }
}
