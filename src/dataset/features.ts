import * as os from 'node:os';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { startWorker, workerScriptPath } from '../workers';
import {
  AudioDecodeError,
  DatasetError,
  ParameterError,
  SpecmorphError,
  assert,
  checkOptionNames,
  type OptionNames,
} from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { PipelineConfig, pipelineFingerprint, resolvePipelineConfig } from '../pipeline/config';
import type { GridSource } from '../grid/source';
import { CachedClips, contentHash, readCacheEntry } from './cache';
import { extractFeature } from './extract';

/** Progress of a long job: `done` of `total` items finished. */
export type ProgressCallback = (done: number, total: number) => void;

/** Options of {@link computeFeatures}. */
export interface FeatureOptions {
  /**
   * Folder of the on-disk feature cache (keyed by file content hash + pipeline fingerprint, written
   * atomically), or null for none.
   * @default null
   */
  cacheDir?: string | null;
  /**
   * Worker threads. `'auto'`: one per core (`os.availableParallelism()`), but in-process when there
   * are fewer than `2 * minItemsPerWorker` items (thread start-up would cost more than it saves).
   * @default 'auto'
   */
  workers?: number | 'auto';
  /** @default 16 */
  minItemsPerWorker?: number;
  /** Called after each item. @default undefined */
  onProgress?: ProgressCallback;
  /**
   * Require every feature to have the same shape (what a network needs). false lets clips of different
   * lengths give different numbers of columns (what a GMM scoring frames needs); `rows`/`cols` of the
   * result are then the first feature's.
   * @default true
   */
  sameShape?: boolean;
}

/** Features of a list of files, in input order. */
export interface FeatureSet {
  features: Grid[];
  /** sha-256 of each file's bytes (input order). */
  hashes: string[];
  /** Shape shared by every feature. */
  rows: number;
  cols: number;
  /** The pipeline's fingerprint. */
  fingerprint: string;
  /** How many came from the cache. */
  cacheHits: number;
  /** Worker threads used (0 = in-process). */
  workers: number;
}

/**
 * Features of a list of files left in the feature cache and read back one at a time
 * ({@link cacheFeatures}): a {@link GridSource} over the files in input order.
 */
export class CachedFeatures implements GridSource {
  readonly length: number;

  /**
   * `files` (for error messages) and their content `hashes`, whose features of pipeline
   * `fingerprint` are in `cacheDir`, all `rows` x `cols`.
   */
  constructor(
    readonly cacheDir: string,
    readonly fingerprint: string,
    readonly files: readonly string[],
    readonly hashes: readonly string[],
    readonly rows: number,
    readonly cols: number,
  ) {
    assert(
      files.length === hashes.length,
      () => `files.length=${files.length} must equal hashes.length=${hashes.length}`,
    );
    this.length = hashes.length;
  }

  /**
   * The feature of file `i`, read from the cache (checksum verified). A DatasetError names the file
   * and the cache entry when the entry went missing or was damaged since it was written (another
   * process cleaned the cache): rerun to recompute it.
   */
  get(i: number): Grid {
    assert(Number.isInteger(i) && i >= 0 && i < this.length, () => `index ${i} is outside [0, ${this.length})`);
    const g = readCacheEntry(this.cacheDir, this.fingerprint, this.files[i], this.hashes[i]);
    if (g.rows !== this.rows || g.cols !== this.cols)
      throw new DatasetError(
        `${this.files[i]}: cached feature is ${g.rows}x${g.cols}, expected ${this.rows}x${this.cols}`,
      );
    return g;
  }
}

/** What {@link cacheFeatures} returns: a {@link FeatureSet} whose features stay on disk. */
export interface CachedFeatureSet extends Omit<FeatureSet, 'features'> {
  features: CachedFeatures;
}

/** Fingerprint of a data set: sha-256 over the sorted (id, content hash, label) triples. */
export function dataFingerprint(entries: readonly { id: string; hash: string; label: string }[]): string {
  const lines = entries.map((e) => `${e.id}\t${e.hash}\t${e.label}`).sort();
  return contentHash(new TextEncoder().encode(lines.join('\n')));
}

function workerScript(): string {
  return workerScriptPath(__filename, 'featureWorker');
}

function rebuildError(e: { name: string; message: string }): Error {
  if (e.name === 'AudioDecodeError') return new AudioDecodeError(e.message);
  if (e.name === 'DatasetError') return new DatasetError(e.message);
  if (e.name === 'ParameterError') return new ParameterError(e.message);
  return new DatasetError(e.message);
}

/** What {@link extractAll} found: each file's feature (when kept), shape (rows, cols pairs) and content hash. */
interface Extracted {
  grids: (Grid | undefined)[];
  shapes: Int32Array;
  hashes: string[];
  fingerprint: string;
  cacheHits: number;
  workers: number;
}

/**
 * The extraction shared by {@link computeFeatures} and {@link cacheFeatures}: every file's feature
 * on worker threads (or in-process), cached, kept in memory only when `keep`.
 */
async function extractAll(
  files: readonly string[],
  config: PipelineConfig,
  opts: FeatureOptions,
  keep: boolean,
): Promise<Extracted> {
  const resolved = resolvePipelineConfig(config);
  const fingerprint = pipelineFingerprint(resolved);
  const cacheDir = opts.cacheDir ?? null;
  const minPer = opts.minItemsPerWorker ?? 16;
  assert(Number.isInteger(minPer) && minPer > 0, () => `minItemsPerWorker=${minPer} must be a positive integer`);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  let nWorkers: number;
  if (opts.workers === undefined || opts.workers === 'auto')
    nWorkers = files.length < 2 * minPer ? 0 : Math.min(cores, Math.ceil(files.length / minPer));
  else {
    nWorkers = opts.workers;
    assert(
      Number.isInteger(nWorkers) && nWorkers >= 0,
      () => `workers=${opts.workers} must be an integer >= 0 or 'auto'`,
    );
  }
  if (nWorkers > 0 && !existsSync(workerScript())) nWorkers = 0;
  const n = files.length;
  const grids: (Grid | undefined)[] = new Array(keep ? n : 0);
  const shapes = new Int32Array(2 * n);
  const hashes: string[] = new Array(n);
  let done = 0;
  let cacheHits = 0;
  const finish = (i: number, rows: number, cols: number, g: Grid | null, hash: string, cached: boolean): void => {
    if (keep) grids[i] = g!;
    shapes[2 * i] = rows;
    shapes[2 * i + 1] = cols;
    hashes[i] = hash;
    if (cached) cacheHits++;
    done++;
    opts.onProgress?.(done, n);
  };
  if (nWorkers === 0) {
    for (let i = 0; i < n; i++) {
      const r = await extractFeature(files[i], resolved, fingerprint, cacheDir, !keep);
      finish(i, r.grid.rows, r.grid.cols, r.grid, r.hash, r.cached);
    }
  } else {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let failed = false;
      let alive = nWorkers;
      const workers: Worker[] = [];
      const stopAll = (): void => {
        for (const w of workers) void w.terminate();
      };
      const feed = (w: Worker): void => {
        if (failed) return;
        if (next < n) {
          const index = next++;
          w.postMessage({ index, file: files[index] });
        } else w.postMessage(null);
      };
      for (let k = 0; k < nWorkers; k++) {
        const w = startWorker(workerScript(), { config: resolved, fingerprint, cacheDir, keep });
        workers.push(w);
        w.on(
          'message',
          (m: {
            index: number;
            rows: number;
            cols: number;
            data: Float32Array | null;
            hash: string;
            cached: boolean;
            error?: { name: string; message: string };
          }) => {
            if (failed) return;
            if (m.error) {
              failed = true;
              stopAll();
              reject(rebuildError(m.error));
              return;
            }
            finish(m.index, m.rows, m.cols, m.data ? createGrid(m.rows, m.cols, m.data) : null, m.hash, m.cached);
            feed(w);
          },
        );
        w.on('error', (e) => {
          if (failed) return;
          failed = true;
          stopAll();
          reject(e instanceof SpecmorphError ? e : new DatasetError(`feature worker failed: ${e.message}`));
        });
        w.on('exit', () => {
          alive--;
          if (alive === 0 && !failed) {
            if (done === n) resolve();
            else reject(new DatasetError(`feature workers exited after ${done} of ${n} files`));
          }
        });
        feed(w);
      }
    });
  }
  if (n > 0 && (opts.sameShape ?? true)) {
    const [rows, cols] = [shapes[0], shapes[1]];
    for (let i = 1; i < n; i++) {
      if (shapes[2 * i] !== rows || shapes[2 * i + 1] !== cols) {
        throw new DatasetError(
          `${files[i]}: feature shape ${shapes[2 * i]}x${shapes[2 * i + 1]} ` +
            `differs from ${files[0]}'s ${rows}x${cols}; ` +
            `add a crop or resize stage so every clip gives the same shape`,
        );
      }
    }
  }
  return { grids, shapes, hashes, fingerprint, cacheHits, workers: nWorkers };
}

const FEATURE_OPTIONS: OptionNames<FeatureOptions> = {
  cacheDir: true,
  workers: true,
  minItemsPerWorker: true,
  onProgress: true,
  sameShape: true,
};

/**
 * Computes the pipeline's feature for every file, on all cores (node worker_threads, each running the
 * pipeline) or in-process for small sets, with progress callbacks and an optional disk cache.
 *
 * Output: one Grid per file in input order, all of the same shape (a DatasetError names the first file
 * whose shape differs: add crop/resize stages so every clip gives the same shape). Errors name the file
 * (AudioDecodeError for undecodable audio, DatasetError otherwise). Every feature is held in memory:
 * for a corpus that does not fit, {@link cacheFeatures} leaves them in the cache.
 */
export async function computeFeatures(
  files: readonly string[],
  config: PipelineConfig,
  opts: FeatureOptions = {},
): Promise<FeatureSet> {
  checkOptionNames(opts, FEATURE_OPTIONS, 'computeFeatures');
  const r = await extractAll(files, config, opts, true);
  const features = r.grids as Grid[];
  const n = files.length;
  return {
    features,
    hashes: r.hashes,
    rows: n ? features[0].rows : 0,
    cols: n ? features[0].cols : 0,
    fingerprint: r.fingerprint,
    cacheHits: r.cacheHits,
    workers: r.workers,
  };
}

/** What {@link fillFeatureCache} did. */
export interface CacheFill {
  /** Files whose feature was computed now (the rest were in the cache already). */
  computed: number;
  cacheHits: number;
  fingerprint: string;
  /** Worker threads used (0 = in-process). */
  workers: number;
}

/**
 * Makes sure the cache `opts.cacheDir` holds every file's feature, computing the missing ones on
 * all cores and keeping none in memory: the step `--shard K/N` runs on {@link shardOf} a part of
 * the files, so N processes or machines fill one shared cache that a later run reads without
 * recomputing. Clips may give features of different shapes (a GMM's whole-clip LFCCs).
 */
export async function fillFeatureCache(
  files: readonly string[],
  config: PipelineConfig,
  opts: FeatureOptions & { cacheDir: string },
): Promise<CacheFill> {
  checkCacheDir(opts.cacheDir, 'fillFeatureCache');
  const r = await extractAll(files, config, { ...opts, sameShape: false }, false);
  return {
    computed: files.length - r.cacheHits,
    cacheHits: r.cacheHits,
    fingerprint: r.fingerprint,
    workers: r.workers,
  };
}

function checkCacheDir(cacheDir: unknown, fn: string): void {
  if (typeof cacheDir !== 'string' || cacheDir === '')
    throw new ParameterError(`cacheDir=${JSON.stringify(cacheDir)} must be a folder: ${fn} leaves the features there`);
}

/** What {@link cacheClips} returns: features of clips of any length, left in the cache. */
export interface CachedClipSet extends Omit<FeatureSet, 'features' | 'cols'> {
  features: CachedClips;
  /** Columns (frames) of each clip's feature, input order. */
  cols: Int32Array;
}

/**
 * Like {@link computeFeatures}, but leaves the features in the cache `opts.cacheDir` (required)
 * and holds none in memory: the result's `features` reads them back one at a time, so training
 * and scoring stream a corpus of any size. Missing entries are computed on all cores first;
 * run over {@link shardOf} parts of the files, N processes or machines fill one shared cache
 * (entries are written atomically, so concurrent writers of one entry are harmless). Every
 * feature must have the same shape (clips of any length: {@link cacheClips}).
 */
export async function cacheFeatures(
  files: readonly string[],
  config: PipelineConfig,
  opts: FeatureOptions & { cacheDir: string },
): Promise<CachedFeatureSet> {
  checkOptionNames(opts, FEATURE_OPTIONS, 'cacheFeatures');
  checkCacheDir(opts.cacheDir, 'cacheFeatures');
  if (opts.sameShape === false)
    throw new ParameterError('sameShape=false: cacheFeatures reads features of one shape (use cacheClips)');
  const r = await extractAll(files, config, opts, false);
  const rows = files.length ? r.shapes[0] : 0;
  const cols = files.length ? r.shapes[1] : 0;
  return {
    features: new CachedFeatures(opts.cacheDir, r.fingerprint, files, r.hashes, rows, cols),
    hashes: r.hashes,
    rows,
    cols,
    fingerprint: r.fingerprint,
    cacheHits: r.cacheHits,
    workers: r.workers,
  };
}

/**
 * {@link cacheFeatures} for clips of any length (the whole-clip LFCCs a GMM is trained on): every
 * feature must have the same rows, the columns (frames) may differ. `features` is a
 * {@link CachedClips}, which `fitGmm` and `fitGmmDetectorAsync` stream frames from in bounded memory.
 */
export async function cacheClips(
  files: readonly string[],
  config: PipelineConfig,
  opts: Omit<FeatureOptions, 'sameShape'> & { cacheDir: string },
): Promise<CachedClipSet> {
  checkOptionNames(opts, FEATURE_OPTIONS, 'cacheClips');
  checkCacheDir(opts.cacheDir, 'cacheClips');
  const r = await extractAll(files, config, { ...opts, sameShape: false }, false);
  const rows = files.length ? r.shapes[0] : 0;
  const cols = new Int32Array(files.length);
  for (let i = 0; i < files.length; i++) {
    if (r.shapes[2 * i] !== rows)
      throw new DatasetError(
        `${files[i]}: feature has ${r.shapes[2 * i]} rows, ${files[0]}'s has ${rows}; ` +
          'clips of any length must still give the same rows',
      );
    cols[i] = r.shapes[2 * i + 1];
  }
  return {
    features: new CachedClips({
      cacheDir: opts.cacheDir,
      fingerprint: r.fingerprint,
      files: files.slice(),
      hashes: r.hashes,
      rows,
    }),
    hashes: r.hashes,
    rows,
    cols,
    fingerprint: r.fingerprint,
    cacheHits: r.cacheHits,
    workers: r.workers,
  };
}
