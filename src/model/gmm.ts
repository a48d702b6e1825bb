import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { DatasetError, ParameterError, assert, assertPositiveInt, checkOptionNames, type OptionNames } from '../errors';
import { Grid } from '../grid/grid';
import { Random } from '../random';
import { startWorker, workerScriptPath } from '../workers';
import { simdAccumulate, simdQuadraticForms } from './gmmSimd';

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

/**
 * Clips of frames read one at a time (for instance from the feature cache, `cacheFeatures` with
 * `sameShape: false`) instead of held in memory: what {@link fitGmm} streams over when a corpus does
 * not fit in RAM. A `GridSource` is one.
 */
export interface ClipSource {
  /** Number of clips. */
  readonly length: number;
  /**
   * Clip `i`'s frames (0 <= i < length). A source may read it from disk on every call: training reads
   * every clip once per pass and keeps none.
   */
  get(i: number): Frames;
  /** What error messages call clip `i` (a file name); `features[i]` when absent. @default undefined */
  name?(i: number): string;
  /**
   * How a worker thread opens the same clips ({@link fitGmmDetectorAsync}): `module` exports
   * `openClipSource(data)`, and `data` survives structured cloning. Without it the two mixtures of
   * {@link fitGmmDetectorAsync} are fitted in the calling thread (a source is never copied whole).
   * @default undefined
   */
  readonly workerOpen?: { module: string; data: unknown };
}

/** The training frames {@link fitGmm} takes: one clip, clips in memory, or a {@link ClipSource}. */
export type TrainingFrames = Frames | readonly Frames[] | ClipSource;

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
  /** Wall-clock seconds of this iteration (one pass over every frame: reading, E-step and M-step). */
  seconds: number;
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
   * The k-means initialisation runs on at most this many frames: all of them when there are no more,
   * else a seeded uniform sample (reservoir sampling, kept in frame order), held in memory as float64
   * (2^18 frames of 60 dims = 126 MB). EM then streams every frame. With at most this many frames the
   * model is the one k-means on every frame gives; past it, memory stays bounded whatever the corpus.
   * @default 262144
   */
  initFrames?: number;
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

/** Default {@link GmmOptions.initFrames}: 2^18 frames, 126 MB at 60 dims. */
export const DEFAULT_GMM_INIT_FRAMES = 262144;

const LOG_2PI = Math.log(2 * Math.PI);
// scikit-learn adds 10 * float64 eps to each component's soft count so an empty component divides safely.
const NK_EPS = 10 * 2.220446049250313e-16;

function isGrid(f: Frames): f is Grid {
  return (f as Grid).rows !== undefined && (f as Grid).cols !== undefined;
}

function isClipSource(x: unknown): x is ClipSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as ClipSource).get === 'function' &&
    typeof (x as ClipSource).length === 'number'
  );
}

/** Training frames as a {@link ClipSource} (one clip, or clips in memory, viewed as one). */
function clipsOf(frames: TrainingFrames): ClipSource {
  if (isClipSource(frames)) return frames;
  const list = Array.isArray(frames) ? (frames as readonly Frames[]) : [frames as Frames];
  return { length: list.length, get: (i) => list[i] };
}

function clipName(src: ClipSource, i: number): string {
  return src.name?.(i) ?? `features[${i}]`;
}

/** Frames and dims of clip `i` of `src`, checked (and against `dims` when given). */
function clipShape(src: ClipSource, f: Frames, i: number, dims?: number): { n: number; dims: number } {
  assert(
    f !== null && typeof f === 'object' && (f.data instanceof Float32Array || f.data instanceof Float64Array),
    () => `${clipName(src, i)} must be a Grid or a FrameMatrix with Float32Array/Float64Array data`,
  );
  const n = isGrid(f) ? f.cols : f.n;
  const d = isGrid(f) ? f.rows : f.dims;
  assert(
    Number.isInteger(n) && n >= 0 && Number.isInteger(d) && d > 0 && f.data.length === n * d,
    () => `${clipName(src, i)}: data.length=${f.data.length} does not match ${n} frames x ${d} dims`,
  );
  assert(dims === undefined || d === dims, () => `${clipName(src, i)} has ${d} dims, ${clipName(src, 0)} has ${dims}`);
  return { n, dims: d };
}

/**
 * Frames of one or more features as a sample-major {@link FrameMatrix}: a Grid (rows = coefficients,
 * cols = frames, as the pipeline's `lfcc` stage gives) is transposed; several are stacked in order.
 * A FrameMatrix passes through (copied only when several are stacked). Costs 8 bytes per value
 * (1 M frames of 60 dims = 480 MB): {@link fitGmm} streams clips instead and never calls this.
 */
export function toFrames(features: Frames | readonly Frames[]): FrameMatrix & { data: Float64Array } {
  const src = clipsOf(features);
  assert(src.length > 0, () => 'features is empty: need at least one clip of frames');
  const list = Array.from({ length: src.length }, (_, i) => src.get(i));
  const dims = clipShape(src, list[0], 0).dims;
  const shapes = list.map((f, i) => clipShape(src, f, i, dims));
  const only = list[0];
  if (list.length === 1 && !isGrid(only) && only.data instanceof Float64Array)
    return only as FrameMatrix & { data: Float64Array };
  const total = shapes.reduce((a, s) => a + s.n, 0);
  const out = new Float64Array(total * dims);
  let at = 0;
  list.forEach((f, i) => {
    copyFrames(f, shapes[i].n, dims, 0, shapes[i].n, out, at);
    at += shapes[i].n;
  });
  return { n: total, dims, data: out };
}

/**
 * Frames `[from, from + count)` of clip `f` (n frames of `dims`) into `out` from frame `at`, frame-major
 * float64 (a Grid is transposed; float32 widens exactly).
 */
function copyFrames(
  f: Frames,
  n: number,
  dims: number,
  from: number,
  count: number,
  out: Float64Array,
  at: number,
): void {
  if (!isGrid(f)) {
    out.set(f.data.subarray(from * dims, (from + count) * dims), at * dims);
    return;
  }
  const d = f.data;
  for (let t = 0; t < count; t++) {
    const o = (at + t) * dims;
    for (let j = 0; j < dims; j++) out[o + j] = d[j * n + from + t];
  }
}

/**
 * Frames per chunk of {@link forEachChunk}: 4096 frames of 60 dims = 2 MB, enough that a chunk's loop
 * dwarfs the call, small enough to stay in cache. Chunks are always float64: one element type keeps
 * the inner loops monomorphic in V8, and float32 features widen exactly.
 */
const CHUNK_FRAMES = 4096;

/**
 * Calls `fn(x, n)` over every frame of `src` in order, `n` frames at a time as a frame-major float64
 * matrix `x` (clip after clip, chunks crossing clip boundaries; a float64 FrameMatrix clip is passed as
 * it is, without a copy). Every user of the frames sums per-frame terms in frame order, so results do
 * not depend on where chunks end. Each clip is read once.
 */
function forEachChunk(
  src: ClipSource,
  dims: number,
  buf: Float64Array,
  fn: (x: Float64Array, n: number) => void,
): void {
  const cap = buf.length / dims;
  let fill = 0;
  for (let c = 0; c < src.length; c++) {
    const f = src.get(c);
    const { n } = clipShape(src, f, c, dims);
    if (!isGrid(f) && f.data instanceof Float64Array) {
      if (fill > 0) fn(buf, fill);
      fill = 0;
      if (n > 0) fn(f.data, n);
      continue;
    }
    for (let t = 0; t < n; ) {
      const m = Math.min(n - t, cap - fill);
      copyFrames(f, n, dims, t, m, buf, fill);
      fill += m;
      t += m;
      if (fill === cap) {
        fn(buf, cap);
        fill = 0;
      }
    }
  }
  if (fill > 0) fn(buf, fill);
}

/** What {@link scanFrames} found: the number of frames and dims, and the k-means sample. */
interface FrameScan {
  n: number;
  dims: number;
  /** min(n, cap) frames: every frame in order when n <= cap, else a uniform sample in frame order. */
  sample: FrameMatrix & { data: Float64Array };
}

/**
 * One pass over the clips: checks every clip's shape and that every value is finite (naming the clip,
 * frame and dimension), counts the frames and keeps a uniform sample of at most `cap` of them
 * (Algorithm R with `rng`, then sorted back into frame order), so a corpus of any size is seen in
 * O(cap) memory.
 */
function scanFrames(src: ClipSource, cap: number, rng: Random): FrameScan {
  assert(src.length > 0, () => 'features is empty: need at least one clip of frames');
  const dims = clipShape(src, src.get(0), 0).dims;
  let store = new Float64Array(Math.min(cap, CHUNK_FRAMES) * dims);
  let index = new Float64Array(store.length / dims);
  let n = 0;
  for (let c = 0; c < src.length; c++) {
    const f = src.get(c);
    const shape = clipShape(src, f, c, dims);
    const d = f.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        const [t, j] = isGrid(f) ? [i % shape.n, Math.floor(i / shape.n)] : [Math.floor(i / dims), i % dims];
        throw new ParameterError(
          `${src.length === 1 ? 'frames' : clipName(src, c)}: frame ${t} dimension ${j} is ${d[i]}; frames must be finite`,
        );
      }
    }
    for (let t = 0; t < shape.n; t++, n++) {
      if (cap === 0) continue;
      let slot = n;
      if (n >= cap) {
        slot = rng.int(n + 1);
        if (slot >= cap) continue;
      } else if (n * dims >= store.length) {
        const grown = new Float64Array(Math.min(cap, 2 * (store.length / dims)) * dims);
        grown.set(store);
        store = grown;
        const grownIndex = new Float64Array(grown.length / dims);
        grownIndex.set(index);
        index = grownIndex;
      }
      index[slot] = n;
      const o = slot * dims;
      if (isGrid(f)) for (let j = 0; j < dims; j++) store[o + j] = d[j * shape.n + t];
      else for (let j = 0; j < dims; j++) store[o + j] = d[t * dims + j];
    }
  }
  const kept = Math.min(n, cap);
  if (n > cap) {
    // Back into frame order in place (following the permutation's cycles), so the sample is never
    // held twice.
    const order = Array.from({ length: kept }, (_, k) => k).sort((a, b) => index[a] - index[b]);
    const placed = new Uint8Array(kept);
    const held = new Float64Array(dims);
    for (let k = 0; k < kept; k++) {
      if (placed[k]) continue;
      held.set(store.subarray(k * dims, (k + 1) * dims));
      let to = k;
      for (let from = order[to]; from !== k; from = order[to]) {
        store.copyWithin(to * dims, from * dims, (from + 1) * dims);
        placed[to] = 1;
        to = from;
      }
      store.set(held, to * dims);
      placed[to] = 1;
    }
  }
  return { n, dims, sample: { n: kept, dims, data: store.subarray(0, kept * dims) } };
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

/** Frames per block of the typed-array loop of {@link logProbs}. */
const BLOCK = 4;

/**
 * Weighted log-densities of frames `i .. i+count-1` of `x` (n frames) under every component into
 * `out[f * K + k]`, and each frame's log-sum-exp (its log-likelihood under the mixture) into
 * `norm[f]`. The quadratic forms run in WebAssembly SIMD when the runtime has it
 * ({@link simdQuadraticForms}, bit-identical), else in the typed-array loop below: four frames share
 * each load of a component's means and precisions, which is what bounds it (1.5x faster than one
 * frame at a time, measured on the bundled corpus).
 */
function logProbs(
  x: Float64Array,
  i: number,
  count: number,
  n: number,
  g: Gmm,
  logConst: Float64Array,
  prec: Float64Array,
  out: Float64Array,
  norm: Float64Array,
): void {
  const { nComponents: K, dims: D, means } = g;
  if (simdQuadraticForms(x, i, count, n, D, K, means, prec, out)) {
    for (let f = 0; f < count; f++) {
      const o = f * K;
      for (let k = 0; k < K; k++) out[o + k] = logConst[k] - 0.5 * out[o + k];
    }
  } else {
    for (let f0 = 0; f0 < count; f0 += BLOCK) {
      const b0 = Math.min(i + f0, n - 1) * D;
      const b1 = Math.min(i + f0 + 1, n - 1) * D;
      const b2 = Math.min(i + f0 + 2, n - 1) * D;
      const b3 = Math.min(i + f0 + 3, n - 1) * D;
      const rows = Math.min(BLOCK, count - f0);
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
        const o = f0 * K + k;
        out[o] = logConst[k] - 0.5 * q0;
        if (rows > 1) out[o + K] = logConst[k] - 0.5 * q1;
        if (rows > 2) out[o + 2 * K] = logConst[k] - 0.5 * q2;
        if (rows > 3) out[o + 3 * K] = logConst[k] - 0.5 * q3;
      }
    }
  }
  for (let f = 0; f < count; f++) {
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
  const rows = Math.min(x.n, CHUNK_FRAMES);
  const tmp = new Float64Array(rows * gmm.nComponents);
  const out = new Float64Array(x.n);
  for (let i = 0; i < x.n; i += rows) {
    const count = Math.min(rows, x.n - i);
    logProbs(x.data, i, count, x.n, gmm, logConst, prec, tmp, out.subarray(i, i + count));
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
 * every k), four frames per pass over the centres as in {@link logProbs}.
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
 * The frames' count and dims and EM's starting mixture: `init`, or k-means on at most `initFrames`
 * frames (the sample is dropped once the start is known).
 */
function startingPoint(
  src: ClipSource,
  init: GmmParameters | undefined,
  K: number,
  seed: number,
  initFrames: number,
  kmeansMaxIter: number,
  regCovar: number,
): { n: number; dims: number; start: Gmm } {
  // The sample has its own stream, apart from k-means++'s, so k-means draws the same numbers whether
  // or not the frames were sampled.
  const scan = scanFrames(src, init !== undefined ? 0 : initFrames, new Random((seed ^ 0x5bd1e995) >>> 0));
  const { n, dims, sample } = scan;
  assert(n >= K, () => `frames has ${n} frames, fewer than nComponents=${K}`);
  const start =
    init !== undefined
      ? resolveInit(init, K, dims)
      : paramsFromLabels(sample, kmeansLabels(sample, K, new Random(seed), kmeansMaxIter), K, regCovar);
  return { n, dims, start };
}

/**
 * E-step and M-step statistics of `m` frames of `x` (frame-major) under `g`: adds each frame's
 * responsibilities r (those >= minResp) to nk, r x to s1 and r x^2 to s2, and returns `ll` plus each
 * frame's log-likelihood, added one frame at a time (so chunk boundaries do not change the sum).
 */
function accumulate(
  x: Float64Array,
  m: number,
  g: Gmm,
  logConst: Float64Array,
  prec: Float64Array,
  minResp: number,
  lp: Float64Array,
  norms: Float64Array,
  nk: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  ll: number,
): number {
  const { nComponents: K, dims: D } = g;
  let acc = ll;
  // a float64 clip comes whole (forEachChunk): its log-densities a CHUNK_FRAMES piece at a time
  for (let i0 = 0; i0 < m; i0 += CHUNK_FRAMES) {
    const count = Math.min(CHUNK_FRAMES, m - i0);
    logProbs(x, i0, count, m, g, logConst, prec, lp, norms);
    // responsibilities in place of the log-densities (-1: below minResp, skipped)
    for (let f = 0; f < count; f++) {
      const norm = norms[f];
      acc += norm;
      for (let k = 0; k < K; k++) {
        const o = f * K + k;
        const r = Math.exp(lp[o] - norm);
        if (r < minResp) lp[o] = -1;
        else {
          nk[k] += r;
          lp[o] = r;
        }
      }
    }
    // the sums r x and r x^2: in WebAssembly SIMD, or here in the same order
    if (simdAccumulate(x, i0, count, D, K, lp, s1, s2)) continue;
    for (let f = 0; f < count; f++) {
      const base = (i0 + f) * D;
      for (let k = 0; k < K; k++) {
        const r = lp[f * K + k];
        if (r < 0) continue;
        const off = k * D;
        for (let j = 0; j < D; j++) {
          const v = x[base + j];
          const rv = r * v;
          s1[off + j] += rv;
          s2[off + j] += rv * v;
        }
      }
    }
  }
  return acc;
}

/**
 * Fits a diagonal-covariance Gaussian mixture by EM (scikit-learn `GaussianMixture(covariance_type='diag')`).
 *
 * @param frames training frames: a FrameMatrix (n x dims), a Grid read as dims x frames, several
 *   clips' features in memory, or a {@link ClipSource} reading clips one at a time (the feature cache)
 * @returns the fitted {@link Gmm}, with `fit` telling whether EM converged
 *
 * Initialisation: seeded k-means++ then Lloyd iterations, and the Gaussian parameters of the hard
 * clusters, as scikit-learn's `init_params='kmeans'` (whose KMeans uses its own random stream, so the
 * two libraries start from different clusters), on at most `initFrames` frames (a seeded uniform
 * sample past that); or `opts.init`. Each EM iteration is one fused pass over the frames, clip after
 * clip in chunks of a few thousand: E-step (log-sum-exp over components) and the sufficient statistics
 * of the M-step, summed in float64 in frame order, so the model does not depend on how the frames are
 * split into clips or chunks, and memory is O(initFrames x dims + nComponents x dims) whatever the
 * number of frames: nothing holds every frame. Variances get `regCovar` added at every M-step; EM stops
 * when the mean per-frame log-likelihood (the lower bound) changes by less than `tol`. Notes: the
 * official ASVspoof 2019 Matlab baseline grows 512 components by binary splitting (MSR Identity
 * Toolbox); the k-means start follows scikit-learn instead.
 */
const GMM_OPTIONS: OptionNames<GmmOptions> = {
  nComponents: true,
  maxIter: true,
  tol: true,
  regCovar: true,
  seed: true,
  kmeansMaxIter: true,
  initFrames: true,
  init: true,
  minResponsibility: true,
  onIteration: true,
};

export function fitGmm(frames: TrainingFrames, opts: GmmOptions = {}): Gmm {
  checkOptionNames(opts, GMM_OPTIONS, 'fitGmm');
  const K = opts.nComponents ?? DEFAULT_GMM_COMPONENTS;
  assertPositiveInt(K, 'nComponents');
  const maxIter = opts.maxIter ?? 100;
  assert(Number.isInteger(maxIter) && maxIter >= 0, () => `maxIter=${maxIter} must be an integer >= 0`);
  const tol = opts.tol ?? 1e-3;
  assert(Number.isFinite(tol) && tol >= 0, () => `tol=${tol} must be a finite number >= 0`);
  const regCovar = opts.regCovar ?? 1e-6;
  assert(Number.isFinite(regCovar) && regCovar >= 0, () => `regCovar=${regCovar} must be a finite number >= 0`);
  const seed = opts.seed ?? 0;
  assert(Number.isInteger(seed), () => `seed=${seed} must be an integer`);
  const kmeansMaxIter = opts.kmeansMaxIter ?? 10;
  const minResp = opts.minResponsibility ?? 1e-10;
  assert(
    Number.isFinite(minResp) && minResp >= 0 && minResp < 1,
    () => `minResponsibility=${minResp} must be a number in [0, 1)`,
  );
  assertPositiveInt(kmeansMaxIter, 'kmeansMaxIter');
  const initFrames = opts.initFrames ?? DEFAULT_GMM_INIT_FRAMES;
  assert(
    Number.isInteger(initFrames) && initFrames >= K,
    () => `initFrames=${initFrames} must be an integer >= nComponents=${K}`,
  );
  const src = clipsOf(frames);
  const { n, dims: D, start } = startingPoint(src, opts.init, K, seed, initFrames, kmeansMaxIter, regCovar);
  let g = start;
  const nk = new Float64Array(K);
  const s1 = new Float64Array(K * D);
  const s2 = new Float64Array(K * D);
  const lp = new Float64Array(CHUNK_FRAMES * K);
  const norms = new Float64Array(CHUNK_FRAMES);
  const chunk = new Float64Array(CHUNK_FRAMES * D);
  let lowerBound = -Infinity;
  let converged = false;
  let nIter = 0;
  for (let iter = 1; iter <= maxIter; iter++) {
    const t0 = performance.now();
    nIter = iter;
    const { logConst, prec } = precompute(g);
    nk.fill(NK_EPS);
    s1.fill(0);
    s2.fill(0);
    let ll = 0;
    const current = g;
    forEachChunk(src, D, chunk, (data, m) => {
      ll = accumulate(data, m, current, logConst, prec, minResp, lp, norms, nk, s1, s2, ll);
    });
    const prev = lowerBound;
    lowerBound = ll / n;
    g = mStep(nk, s1, s2, K, D, regCovar);
    const change = lowerBound - prev;
    const seconds = (performance.now() - t0) / 1000;
    opts.onIteration?.({ iter, maxIter, lowerBound, change: iter === 1 ? NaN : change, seconds });
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
 * @param bonafide features of the bona fide training clips (Grids read as dims x frames, or FrameMatrix),
 *   in memory or as a {@link ClipSource} (streamed, see {@link fitGmm})
 * @param spoof features of the spoofed training clips
 */
const GMM_DETECTOR_OPTIONS: OptionNames<GmmDetectorOptions> = (({ init: _, ...rest }) => rest)(GMM_OPTIONS);

export function fitGmmDetector(
  bonafide: TrainingFrames,
  spoof: TrainingFrames,
  opts: GmmDetectorOptions = {},
): GmmDetector {
  checkOptionNames(opts, GMM_DETECTOR_OPTIONS, 'fitGmmDetector');
  const fitOne = (cls: 'bonafide' | 'spoof', f: TrainingFrames): Gmm => {
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
 * @param clips one Frames per clip (a pipeline feature Grid: dims x frames), in memory or as a
 *   {@link ClipSource} (read one clip at a time)
 * @returns Float64Array, one score per clip
 */
export function scoreGmmDetector(detector: GmmDetector, clips: readonly Frames[] | ClipSource): Float64Array {
  assert(detector !== null && typeof detector === 'object', () => 'detector must be a GmmDetector {bonafide, spoof}');
  checkGmm(detector.bonafide, 'detector.bonafide');
  checkGmm(detector.spoof, 'detector.spoof');
  assert(
    detector.bonafide.dims === detector.spoof.dims,
    () => `detector.bonafide has ${detector.bonafide.dims} dims, detector.spoof ${detector.spoof.dims}`,
  );
  assert(Array.isArray(clips) || isClipSource(clips), () => 'clips must be an array of clip features or a ClipSource');
  const src = clipsOf(clips);
  const name = (i: number) => src.name?.(i) ?? `clips[${i}]`;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = toFrames(src.get(i));
    assert(
      x.dims === detector.bonafide.dims,
      () => `${name(i)} has ${x.dims} dims, the detector was trained on ${detector.bonafide.dims}`,
    );
    assert(x.n > 0, () => `${name(i)} has no frames`);
    out[i] = gmmLogLikelihood(detector.bonafide, x) - gmmLogLikelihood(detector.spoof, x);
  }
  return out;
}

/** What a GMM worker thread is given to fit one mixture: clips to copy, or a source to open. */
type WorkerFrames = { clips: readonly Frames[] } | { open: { module: string; data: unknown } };

/**
 * How {@link fitGmmDetectorAsync} hands `f` to a worker: clips in memory are checked here (so bad
 * input fails before any thread starts, with the same message) and copied; a source that says how to
 * reopen it is reopened there; null for a source that cannot be (it is never copied whole).
 */
function workerFrames(f: TrainingFrames): WorkerFrames | null {
  if (isClipSource(f)) return f.workerOpen ? { open: f.workerOpen } : null;
  const src = clipsOf(f);
  assert(src.length > 0, () => 'features is empty: need at least one clip of frames');
  const dims = clipShape(src, src.get(0), 0).dims;
  const clips = Array.from({ length: src.length }, (_, i) => src.get(i));
  clips.forEach((c, i) => clipShape(src, c, i, dims));
  return { clips };
}

/**
 * {@link fitGmmDetector} with the two mixtures fitted at the same time on two worker threads (half the
 * wall time on two free cores); the result is bit-identical to {@link fitGmmDetector}'s. Clips in
 * memory are copied to the threads (4 bytes a value for float32 Grids); a {@link ClipSource} with
 * `workerOpen` (the feature cache) is reopened in each thread and streamed there, so memory stays
 * bounded. Fits in-process when the worker entry point is missing or a source has no `workerOpen`.
 */
export async function fitGmmDetectorAsync(
  bonafide: TrainingFrames,
  spoof: TrainingFrames,
  opts: GmmDetectorOptions = {},
): Promise<GmmDetector> {
  checkOptionNames(opts, GMM_DETECTOR_OPTIONS, 'fitGmmDetectorAsync');
  const script = workerScriptPath(__filename, 'gmmWorker');
  const given = { bonafide: workerFrames(bonafide), spoof: workerFrames(spoof) };
  if (!existsSync(script) || given.bonafide === null || given.spoof === null)
    return fitGmmDetector(bonafide, spoof, opts);
  const { onIteration, ...rest } = opts;
  const workers: Worker[] = [];
  const fitOne = (cls: 'bonafide' | 'spoof'): Promise<Gmm> => {
    return new Promise<Gmm>((resolve, reject) => {
      const w = startWorker(script, { frames: given[cls], opts: rest });
      workers.push(w);
      let settled = false;
      w.on('message', (m: { it?: GmmIteration; gmm?: Gmm; error?: { name: string; message: string } }) => {
        if (m.it) onIteration?.(cls, m.it);
        else if (m.gmm) {
          settled = true;
          resolve(m.gmm);
        } else if (m.error) {
          settled = true;
          const { name, message } = m.error;
          reject(
            name === 'ParameterError'
              ? new ParameterError(message)
              : name === 'DatasetError'
                ? new DatasetError(message)
                : new Error(message),
          );
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
