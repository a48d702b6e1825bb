import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError, warnOnce } from '../errors';
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

/** Where a folder walk stands: the class folder's real path and every real folder already listed. */
interface Walk {
  classRoot: string;
  visited: Set<string>;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function walk(dir: string, exts: string[], out: string[], w: Walk): Promise<void> {
  // Real paths, not names: `ln -s . loop` or a link to a parent would otherwise be listed forever.
  const real = await fs.realpath(dir).catch(() => dir);
  if (w.visited.has(real)) {
    warnOnce(`${dir}: skipped, the folder was already scanned (a symbolic link loop or a second link to it)`);
    return;
  }
  w.visited.add(real);
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
      if (isDir) {
        // A folder link leaving the class folder (`spoof/up -> ..`) would put other classes' files
        // under this label. Links to single files are followed: data sets are often built that way.
        const target = await fs.realpath(p).catch(() => p);
        if (!inside(target, w.classRoot)) {
          warnOnce(`${p}: skipped, a symbolic link to ${target}, outside the class folder ${w.classRoot}`);
          continue;
        }
      }
    }
    if (isDir) await walk(p, exts, out, w);
    else if (isFile && exts.includes(path.extname(e.name).toLowerCase())) out.push(p);
  }
}

/**
 * The score-file id of a file at `rel` (relative to the data root): the path without extension and
 * with whitespace as `_` (score files are whitespace-separated), or, when `exact`, the whole path with
 * its extension and whitespace and `%` percent-encoded, which no two files share.
 */
function utteranceId(rel: string, exact: boolean): string {
  const p = rel.split(path.sep).join('/');
  if (exact) return p.replace(/[%\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return p.slice(0, p.length - path.extname(p).length).replace(/\s+/g, '_');
}

/** Gives files whose short ids collide (`a b.wav` and `a_b.wav`, `x.wav` and `x.flac`) their exact ids. */
function uniqueIds(items: DatasetItem[], root: string): void {
  const byId = new Map<string, DatasetItem[]>();
  for (const it of items) byId.set(it.id, [...(byId.get(it.id) ?? []), it]);
  for (const [id, group] of byId) {
    if (group.length < 2) continue;
    for (const it of group) it.id = utteranceId(path.relative(root, it.path), true);
    warnOnce(
      `${root}: ${group.length} files share the id ${id} (${group.map((it) => path.basename(it.path)).join(', ')}); ` +
        `they are named by their whole paths (${group.map((it) => it.id).join(', ')})`,
    );
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
    throw new DatasetError(
      `${dir}: no class folders at the top (expected ${all}; found ${top
        .slice(0, 5)
        .map((e) => e.name)
        .join(', ')}${top.length > 5 ? ', ...' : ''})`,
    );
  }
  const items: DatasetItem[] = [];
  const counts: Record<Label, number> = { bonafide: 0, spoof: 0 };
  for (const cd of classDirs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const label = classOf(cd.name)!;
    const files: string[] = [];
    const classDir = path.join(root, cd.name);
    await walk(classDir, exts, files, { classRoot: await fs.realpath(classDir), visited: new Set() });
    files.sort();
    for (const f of files) {
      const rel = path.relative(root, f);
      const parts = rel.split(path.sep);
      // parts[0] is the class folder; a spoof file two or more levels down names its attack system.
      const attack = label === 'bonafide' ? null : parts.length > 2 ? parts[1] : 'unknown';
      items.push({ id: utteranceId(rel, false), path: f, label, attack, speaker: null });
      counts[label]++;
    }
  }
  uniqueIds(items, root);
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
  return scan(
    dir,
    (opts.extensions ?? ['.wav', '.flac']).map((e) => e.toLowerCase()),
    'audio',
  );
}

/**
 * Discovers a folder of spectrogram images (`.png`, grey or RGB) in the same class-folder layout as
 * {@link scanFolderDataset}: the workflow of the original notebook, which trained on 128 x 128 images.
 * Load them with {@link loadPngFeature}.
 */
export async function scanPngDataset(dir: string, opts: ScanFolderOptions = {}): Promise<Dataset> {
  return scan(
    dir,
    (opts.extensions ?? ['.png']).map((e) => e.toLowerCase()),
    'png',
  );
}
