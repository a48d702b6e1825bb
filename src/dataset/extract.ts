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
 * `needCache`: the feature is read back from the cache later (cacheFeatures), so a failed cache
 * write is an error naming the folder, not a warning.
 */
export async function extractFeature(
  file: string,
  config: PipelineConfig,
  fingerprint: string,
  cacheDir: string | null,
  needCache = false,
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
    // The cache only saves time, unless the features are to be read back from it: then a full
    // disk or read-only cache folder stops the work; otherwise it must not.
    await writeCachedFeature(cfile, grid).catch((e: Error) => {
      if (needCache)
        throw new DatasetError(
          `${cacheDir}: feature cache not written (${reason(e.cause ?? e)}); ` +
            'features streamed from the cache need it writable (or use --no-cache to hold them in memory)',
        );
      warnOnce(`${cacheDir}: feature cache not written (${reason(e.cause ?? e)}); continuing without caching`);
    });
  }
  return { grid, hash, cached: false };
}
