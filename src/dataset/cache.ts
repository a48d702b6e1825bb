import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Grid, createGrid } from '../grid/grid';
import { writeFileAtomic } from '../atomicFile';
import { DatasetError, warnOnce } from '../errors';

const MAGIC = 0x32464d53; // 'SMF2' little-endian
const OLD_MAGIC = 0x31464d53; // 'SMF1': no checksum; such entries are recomputed without a warning
const HEADER = 44; // magic, rows, cols, sha-256 of (magic, rows, cols, data)
// Float32 data is stored little-endian: on such a machine (every one Node ships for today) it is
// copied as bytes, not converted value by value; training reads every cached clip once per epoch.
const LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * The feature cache folder when the caller names none: `$SPECMORPH_CACHE`, else
 * `$XDG_CACHE_HOME/specmorph/features` (`~/.cache/specmorph/features` without XDG_CACHE_HOME).
 */
export function defaultCacheDir(): string {
  if (process.env.SPECMORPH_CACHE) return path.resolve(process.env.SPECMORPH_CACHE);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'specmorph', 'features');
}

/** sha-256 (hex) of bytes: the content half of a feature-cache key. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Path of a cached feature: `cacheDir/<pipeline fingerprint[0:16]>/<content hash[0:2]>/<content hash>.f32`. */
export function cachePath(cacheDir: string, fingerprint: string, hash: string): string {
  return path.join(cacheDir, fingerprint.slice(0, 16), hash.slice(0, 2), `${hash}.f32`);
}

function checksum(b: Uint8Array): Buffer {
  return createHash('sha256').update(b.subarray(0, 12)).update(b.subarray(HEADER)).digest();
}

/**
 * Serialised feature: 'SMF2', uint32 rows, uint32 cols (little-endian), the sha-256 of those 12 bytes
 * followed by the data, then rows*cols float32. The checksum covers the shape, so a flipped bit in
 * the data or a swapped rows/cols header is caught on read.
 */
export function encodeFeature(g: Grid): Uint8Array {
  const out = new Uint8Array(HEADER + g.data.length * 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, g.rows, true);
  dv.setUint32(8, g.cols, true);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.length * 4), HEADER);
  else for (let i = 0; i < g.data.length; i++) dv.setFloat32(HEADER + 4 * i, g.data[i], true);
  out.set(checksum(out), 12);
  return out;
}

/** Why `b` is not a whole feature file written by {@link encodeFeature}, or null when it is one. */
export function featureDamage(b: Uint8Array): string | null {
  if (b.length < HEADER) return `${b.length} bytes, shorter than the ${HEADER}-byte header`;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic === OLD_MAGIC) return 'old format';
  if (magic !== MAGIC) return 'not a feature file (bad magic)';
  const rows = dv.getUint32(4, true);
  const cols = dv.getUint32(8, true);
  if (rows === 0 || cols === 0 || b.length !== HEADER + rows * cols * 4)
    return `${b.length} bytes do not hold ${rows}x${cols} values`;
  return Buffer.compare(checksum(b), b.subarray(12, HEADER)) === 0 ? null : 'checksum mismatch';
}

/** Inverse of {@link encodeFeature}; null when the bytes are not a whole, unaltered feature file. */
export function decodeFeature(b: Uint8Array): Grid | null {
  if (featureDamage(b) !== null) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rows = dv.getUint32(4, true);
  const cols = dv.getUint32(8, true);
  const data = new Float32Array(rows * cols);
  if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(b.subarray(HEADER));
  else for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(HEADER + 4 * i, true);
  return createGrid(rows, cols, data);
}

/**
 * Reads a cached feature, or null when absent or damaged: a damaged entry (truncated, altered bytes,
 * edited header) warns once, naming the file, and the caller recomputes and rewrites it.
 */
export async function readCachedFeature(file: string): Promise<Grid | null> {
  const b = await fs.readFile(file).catch(() => null);
  if (!b) return null;
  const damage = featureDamage(b);
  if (damage === null) return decodeFeature(b);
  if (damage !== 'old format') warnOnce(`${file}: damaged feature cache entry (${damage}); recomputing it`);
  return null;
}

/**
 * Reads a cached feature synchronously for training and scoring that stream clips from the cache:
 * the Grid, or why the entry is unusable (`'missing'`, or the damage {@link featureDamage} names).
 */
export function readCachedFeatureSync(file: string): Grid | string {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message;
  }
  return decodeFeature(b) ?? featureDamage(b) ?? 'unreadable';
}

/** Writes a feature atomically: to a unique temp file in the same folder, then rename (never half a file). */
export async function writeCachedFeature(file: string, g: Grid): Promise<void> {
  await writeFileAtomic(file, encodeFeature(g), { makeFolder: true });
}

/**
 * The cached feature of `file` (content `hash`, pipeline `fingerprint`) for training and scoring that
 * read clips back from the cache: the Grid, checksum verified. A DatasetError names the file and the
 * entry when the entry went missing or was damaged since it was written (another process cleaned the
 * cache): rerun to recompute it.
 */
export function readCacheEntry(cacheDir: string, fingerprint: string, file: string, hash: string): Grid {
  const entry = cachePath(cacheDir, fingerprint, hash);
  const g = readCachedFeatureSync(entry);
  if (typeof g === 'string')
    throw new DatasetError(
      `${file}: its cached feature ${entry} is ${g === 'missing' ? 'gone' : `unusable (${g})`}; ` +
        'was the cache cleaned while training? Run again to recompute it',
    );
  return g;
}

/** What {@link CachedClips} needs to reopen its clips, in another thread too (plain data). */
export interface CachedClipsData {
  cacheDir: string;
  fingerprint: string;
  files: readonly string[];
  hashes: readonly string[];
  /** Rows shared by every feature (coefficients per frame); the columns (frames) vary by clip. */
  rows: number;
}

/**
 * Features of clips of any length left in the feature cache and read back one at a time (what
 * `cacheFeatures` with `sameShape: false` returns): the clip source a GMM streams its frames from
 * (`fitGmm`, `fitGmmDetectorAsync`, whose worker threads reopen it with {@link openClipSource}).
 */
export class CachedClips {
  readonly length: number;
  readonly rows: number;

  constructor(readonly data: CachedClipsData) {
    if (data.files.length !== data.hashes.length)
      throw new DatasetError(`files.length=${data.files.length} must equal hashes.length=${data.hashes.length}`);
    this.length = data.hashes.length;
    this.rows = data.rows;
  }

  /** Clip `i`'s feature (rows x frames), read from the cache; a DatasetError names a missing or damaged entry. */
  get(i: number): Grid {
    if (!(Number.isInteger(i) && i >= 0 && i < this.length))
      throw new DatasetError(`index ${i} is outside [0, ${this.length})`);
    const { cacheDir, fingerprint, files, hashes, rows } = this.data;
    const g = readCacheEntry(cacheDir, fingerprint, files[i], hashes[i]);
    if (g.rows !== rows)
      throw new DatasetError(`${files[i]}: cached feature has ${g.rows} rows, expected ${rows} like the others`);
    return g;
  }

  /** The file of clip `i` (for error messages). */
  name(i: number): string {
    return this.data.files[i];
  }

  /** The clips `indices`, in that order, as another CachedClips (nothing is read). */
  pick(indices: readonly number[]): CachedClips {
    indices.forEach((i, k) => {
      if (!(Number.isInteger(i) && i >= 0 && i < this.length))
        throw new DatasetError(`indices[${k}]=${i} is outside the ${this.length} clips`);
    });
    const { files, hashes } = this.data;
    return new CachedClips({
      ...this.data,
      files: indices.map((i) => files[i]),
      hashes: indices.map((i) => hashes[i]),
    });
  }

  /** How a worker thread reopens these clips: this module's {@link openClipSource} on {@link data}. */
  get workerOpen(): { module: string; data: CachedClipsData } {
    return { module: __filename, data: this.data };
  }
}

/** Reopens {@link CachedClips} from their {@link CachedClipsData} (in a worker thread). */
export function openClipSource(data: CachedClipsData): CachedClips {
  return new CachedClips(data);
}
