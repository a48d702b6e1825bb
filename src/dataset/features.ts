import * as os from 'node:os';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { startWorker, workerScriptPath } from '../workers';
import { AudioDecodeError, DatasetError, ParameterError, SpecmorphError, assert } from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { PipelineConfig, pipelineFingerprint, resolvePipelineConfig } from '../pipeline/config';
import { contentHash } from './cache';
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

/**
 * Computes the pipeline's feature for every file, on all cores (node worker_threads, each running the
 * pipeline) or in-process for small sets, with progress callbacks and an optional disk cache.
 *
 * Output: one Grid per file in input order, all of the same shape (a DatasetError names the first file
 * whose shape differs: add crop/resize stages so every clip gives the same shape). Errors name the file
 * (AudioDecodeError for undecodable audio, DatasetError otherwise).
 */
export async function computeFeatures(
  files: readonly string[],
  config: PipelineConfig,
  opts: FeatureOptions = {},
): Promise<FeatureSet> {
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
  const grids: (Grid | undefined)[] = new Array(n);
  const hashes: string[] = new Array(n);
  let done = 0;
  let cacheHits = 0;
  const finish = (i: number, g: Grid, hash: string, cached: boolean): void => {
    grids[i] = g;
    hashes[i] = hash;
    if (cached) cacheHits++;
    done++;
    opts.onProgress?.(done, n);
  };
  if (nWorkers === 0) {
    for (let i = 0; i < n; i++) {
      const r = await extractFeature(files[i], resolved, fingerprint, cacheDir);
      finish(i, r.grid, r.hash, r.cached);
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
        const w = startWorker(workerScript(), { config: resolved, fingerprint, cacheDir });
        workers.push(w);
        w.on(
          'message',
          (m: {
            index: number;
            rows: number;
            cols: number;
            data: Float32Array;
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
            finish(m.index, createGrid(m.rows, m.cols, m.data), m.hash, m.cached);
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
  const features = grids as Grid[];
  if (n > 0 && (opts.sameShape ?? true)) {
    const { rows, cols } = features[0];
    const bad = features.findIndex((g) => g.rows !== rows || g.cols !== cols);
    if (bad >= 0) {
      throw new DatasetError(
        `${files[bad]}: feature shape ${features[bad].rows}x${features[bad].cols} ` +
          `differs from ${files[0]}'s ${rows}x${cols}; ` +
          `add a crop or resize stage so every clip gives the same shape`,
      );
    }
  }
  return {
    features,
    hashes,
    rows: n ? features[0].rows : 0,
    cols: n ? features[0].cols : 0,
    fingerprint,
    cacheHits,
    workers: nWorkers,
  };
}
