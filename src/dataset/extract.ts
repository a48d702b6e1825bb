import { promises as fs } from 'node:fs';
import { decodeAudio } from '../audio/decode';
import { AudioDecodeError, DatasetError, SpecmorphError, warnOnce } from '../errors';
import { Grid } from '../grid/grid';
import { PipelineConfig } from '../pipeline/config';
import { runPipeline } from '../pipeline/run';
import { reason } from '../atomicFile';
import { cachePath, contentHash, readCachedFeature, writeCachedFeature } from './cache';

/** One clip's feature and how it was obtained. */
export interface ExtractedFeature {
  grid: Grid;
  /** sha-256 of the file's bytes. */
  hash: string;
  /** Read from the cache instead of computed. */
  cached: boolean;
}

/**
 * Reads one audio file, runs the pipeline (or reads the cached result keyed by content hash + pipeline
 * fingerprint) and caches new results. Shared by the in-process path and the worker threads.
 */
export async function extractFeature(
  file: string,
  config: PipelineConfig,
  fingerprint: string,
  cacheDir: string | null,
): Promise<ExtractedFeature> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new DatasetError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const hash = contentHash(bytes);
  const cfile = cacheDir ? cachePath(cacheDir, fingerprint, hash) : null;
  if (cfile) {
    const hit = await readCachedFeature(cfile);
    if (hit) return { grid: hit, hash, cached: true };
  }
  let grid: Grid;
  try {
    const audio = await decodeAudio(bytes, { name: file });
    grid = runPipeline(audio, config, { keep: false }).output;
  } catch (e) {
    if (e instanceof AudioDecodeError) throw e;
    if (e instanceof SpecmorphError) throw new DatasetError(`${file}: ${e.message}`);
    throw new DatasetError(`${file}: ${(e as Error).message}`);
  }
  if (cfile) {
    // The cache only saves time: a full disk or read-only cache folder must not stop the work.
    await writeCachedFeature(cfile, grid).catch((e: Error) =>
      warnOnce(`${cacheDir}: feature cache not written (${reason(e.cause ?? e)}); continuing without caching`),
    );
  }
  return { grid, hash, cached: false };
}
