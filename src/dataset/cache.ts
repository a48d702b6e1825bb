import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Grid, createGrid } from '../grid/grid';
import { writeFileAtomic } from '../atomicFile';

const MAGIC = 0x31464d53; // 'SMF1' little-endian

/** sha-256 (hex) of bytes: the content half of a feature-cache key. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Path of a cached feature: `cacheDir/<pipeline fingerprint[0:16]>/<content hash[0:2]>/<content hash>.f32`. */
export function cachePath(cacheDir: string, fingerprint: string, hash: string): string {
  return path.join(cacheDir, fingerprint.slice(0, 16), hash.slice(0, 2), `${hash}.f32`);
}

/** Serialised feature: 'SMF1', uint32 rows, uint32 cols (little-endian), then rows*cols float32. */
export function encodeFeature(g: Grid): Uint8Array {
  const out = new Uint8Array(12 + g.data.length * 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, g.rows, true);
  dv.setUint32(8, g.cols, true);
  for (let i = 0; i < g.data.length; i++) dv.setFloat32(12 + 4 * i, g.data[i], true);
  return out;
}

/** Inverse of {@link encodeFeature}; null when the bytes are not a complete feature file. */
export function decodeFeature(b: Uint8Array): Grid | null {
  if (b.length < 12) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) return null;
  const rows = dv.getUint32(4, true);
  const cols = dv.getUint32(8, true);
  if (rows === 0 || cols === 0 || b.length !== 12 + rows * cols * 4) return null;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(12 + 4 * i, true);
  return createGrid(rows, cols, data);
}

/** Reads a cached feature, or null when absent or damaged (a damaged file is simply recomputed). */
export async function readCachedFeature(file: string): Promise<Grid | null> {
  const b = await fs.readFile(file).catch(() => null);
  return b ? decodeFeature(b) : null;
}

/** Writes a feature atomically: to a unique temp file in the same folder, then rename (never half a file). */
export async function writeCachedFeature(file: string, g: Grid): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, encodeFeature(g));
}
