import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../errors';
import { BONAFIDE_FOLDERS, Dataset, DatasetItem, Label, SPOOF_FOLDERS } from './types';

/** Options of {@link scanFolderDataset}. */
export interface ScanFolderOptions {
  /**
   * File extensions (lower case, with dot) that count as items.
   * @default ['.wav', '.flac'] (or ['.png'] for {@link scanPngDataset})
   */
  extensions?: string[];
}

function classOf(name: string): Label | null {
  const n = name.toLowerCase();
  if ((BONAFIDE_FOLDERS as readonly string[]).includes(n)) return 'bonafide';
  if ((SPOOF_FOLDERS as readonly string[]).includes(n)) return 'spoof';
  return null;
}

async function walk(dir: string, exts: string[], out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new DatasetError(`${dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await fs.stat(p).catch(() => null);
      isDir = !!st?.isDirectory();
      isFile = !!st?.isFile();
    }
    if (isDir) await walk(p, exts, out);
    else if (isFile && exts.includes(path.extname(e.name).toLowerCase())) out.push(p);
  }
}

async function checkDir(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const st = await fs.stat(abs).catch((e: NodeJS.ErrnoException) => {
    throw new DatasetError(`${dir}: data folder does not exist (${e.code ?? e.message})`);
  });
  if (!st.isDirectory()) throw new DatasetError(`${dir}: not a folder`);
  return abs;
}

async function scan(dir: string, exts: string[], kind: Dataset['kind']): Promise<Dataset> {
  const root = await checkDir(dir);
  const top = (await fs.readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const classDirs = top.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && classOf(e.name) !== null);
  const all = [...BONAFIDE_FOLDERS, ...SPOOF_FOLDERS].join('|');
  if (top.length === 0) throw new DatasetError(`${dir}: data folder is empty (expected class folders ${all})`);
  if (classDirs.length === 0) {
    throw new DatasetError(`${dir}: no class folders at the top (expected ${all}; found ${top.slice(0, 5).map((e) => e.name).join(', ')}${top.length > 5 ? ', ...' : ''})`);
  }
  const items: DatasetItem[] = [];
  const counts: Record<Label, number> = { bonafide: 0, spoof: 0 };
  for (const cd of classDirs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const label = classOf(cd.name)!;
    const files: string[] = [];
    await walk(path.join(root, cd.name), exts, files);
    files.sort();
    for (const f of files) {
      const rel = path.relative(root, f);
      const parts = rel.split(path.sep);
      // parts[0] is the class folder; a spoof file two or more levels down names its attack system.
      const attack = label === 'bonafide' ? null : parts.length > 2 ? parts[1] : 'unknown';
      const id = rel.slice(0, rel.length - path.extname(rel).length).split(path.sep).join('/').replace(/\s+/g, '_');
      items.push({ id, path: f, label, attack, speaker: null });
      counts[label]++;
    }
  }
  for (const label of ['bonafide', 'spoof'] as const) {
    if (counts[label] === 0) {
      const names = label === 'bonafide' ? BONAFIDE_FOLDERS.join('|') : SPOOF_FOLDERS.join('|');
      const present = classDirs.filter((d) => classOf(d.name) === label).map((d) => path.join(dir, d.name));
      throw new DatasetError(
        present.length
          ? `${present[0]}: class folder holds no ${exts.join('/')} files (the ${label} class is empty)`
          : `${dir}: no ${label} folder (${names}) at the top; both classes are needed`,
      );
    }
  }
  return { root, kind, items };
}

/**
 * Discovers an audio data set laid out as class folders: bona fide = `bonafide|bona-fide|real|original`,
 * spoof = `spoof|fake|deepfake` (case-insensitive) at the top of `dir`; `.wav`/`.flac` files at any depth
 * below them; the first folder under a spoof folder names the attack system (`spoof/A01/x.wav` ->
 * `A01`; files directly in the spoof folder get `unknown`). Hidden entries are skipped; items are sorted
 * by path. Throws a DatasetError naming the path when the folder is missing or empty, has no class
 * folders, or a class has no files.
 */
export async function scanFolderDataset(dir: string, opts: ScanFolderOptions = {}): Promise<Dataset> {
  return scan(dir, (opts.extensions ?? ['.wav', '.flac']).map((e) => e.toLowerCase()), 'audio');
}

/**
 * Discovers a folder of spectrogram images (`.png`, grey or RGB) in the same class-folder layout as
 * {@link scanFolderDataset}: the workflow of the original notebook, which trained on 128 x 128 images.
 * Load them with {@link loadPngFeature}.
 */
export async function scanPngDataset(dir: string, opts: ScanFolderOptions = {}): Promise<Dataset> {
  return scan(dir, (opts.extensions ?? ['.png']).map((e) => e.toLowerCase()), 'png');
}
