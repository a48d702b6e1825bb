// What a model folder is, decided without tfjs, so that `specmorph train` can check --out in its
// first second, before any features or training.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { DatasetError } from '../errors';
import {
  nearestExistingFolder,
  probeFolder,
  processAlive,
  readBoundedFileSync,
  reason,
  statOrNull,
  writeError,
} from '../atomicFile';

/** File names inside a model folder. */
export const MODEL_FILES = {
  topology: 'model.json',
  weights: 'weights.bin',
  pipeline: 'pipeline.json',
  labels: 'labels.json',
  metadata: 'metadata.json',
} as const;

/** The `format` field of metadata.json that marks a folder written by {@link saveModel}. */
export const MODEL_FORMAT = 'specmorph-model/1';

/**
 * The largest JSON file of a model folder read (model.json, gmm.json, metadata.json...): 256 MiB,
 * far above a 64-component GMM or a network topology; a bigger one is refused, not read.
 */
export const MODEL_JSON_MAX_BYTES = 2 ** 28;

/** Options of {@link checkModelOutput}. */
export interface ModelOutputOptions {
  /** Whether an existing specmorph model folder may be replaced. @default false */
  overwrite?: boolean;
  /** How the caller's user grants `overwrite`, for the refusal message. @default 'overwrite: true' */
  overwriteHint?: string;
}

/** The files of a GMM detector's model folder (`saveGmmModel`): gmm.json instead of model.json + weights.bin. */
const GMM_FOLDER_FILES: readonly string[] = [
  'gmm.json',
  MODEL_FILES.pipeline,
  MODEL_FILES.labels,
  MODEL_FILES.metadata,
];

/**
 * Why `dir` (an existing folder) is not a specmorph model folder, or null when it is one: exactly
 * the five {@link MODEL_FILES} (or a GMM detector's four files) and a metadata.json carrying the
 * {@link MODEL_FORMAT} marker.
 */
export function notAModelFolder(dir: string): string | null {
  const names = fs.readdirSync(dir);
  const want: string[] = names.includes('gmm.json') ? [...GMM_FOLDER_FILES] : Object.values(MODEL_FILES);
  const extra = names.filter((n) => !want.includes(n));
  if (extra.length)
    return (
      `holds ${extra.slice(0, 4).join(', ')}` +
      `${extra.length > 4 ? `, ... (${extra.length} entries not in a model folder)` : ''}`
    );
  const missing = want.filter((n) => !names.includes(n));
  if (missing.length) return `has no ${missing.join(', ')}`;
  let meta: unknown;
  try {
    const file = path.join(dir, MODEL_FILES.metadata);
    meta = JSON.parse(
      readBoundedFileSync(file, { maxBytes: MODEL_JSON_MAX_BYTES, what: 'model file' }).toString('utf8'),
    );
  } catch (e) {
    return e instanceof DatasetError
      ? `its metadata.json cannot be read (${e.message})`
      : 'its metadata.json is not valid JSON';
  }
  const format = meta !== null && typeof meta === 'object' ? (meta as { format?: unknown }).format : undefined;
  return format === MODEL_FORMAT ? null : `its metadata.json has no "format": ${JSON.stringify(MODEL_FORMAT)} marker`;
}

/**
 * True when `dir` (a real path, an existing folder) is a mount point: its device differs from its
 * parent's, or /proc/self/mountinfo lists it (a bind mount of a folder of the same file system).
 * A mount point cannot be renamed (EBUSY).
 */
export function isMountPoint(dir: string): boolean {
  if (dir === path.dirname(dir)) return true;
  if (fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev) return true;
  let info: string;
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  // Field 5 is the mount point, with space, tab, newline and backslash written as \ooo.
  const decode = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return info.split('\n').some((line) => decode(line.split(' ')[4] ?? '') === dir);
}

/** Whether this process may give files to other users (root: chown). */
function mayChown(): boolean {
  return process.geteuid?.() === 0;
}

// A model folder is written to a sibling temp folder and renamed over `dir` (so that a kill leaves
// the old folder or the new one): an existing `dir` that cannot be renamed, or whose parent takes no
// new folder, would fail only after training. These refuse it first, with the way out.
const INSIDE = (dir: string) => `give a folder inside it, e.g. ${path.join(dir, 'model')}`;
const RENAMED = 'a model folder is written beside it and renamed into its place';

/** Refuses `target` (the real path of `dir`, an existing folder) when it is a mount point (EBUSY). */
function checkNotMountPoint(dir: string, target: string): void {
  if (isMountPoint(target))
    throw new DatasetError(`${dir}: is a mount point, which cannot be replaced, and ${RENAMED}; ${INSIDE(dir)}`);
}

/**
 * Refuses `target` (the real path of `dir`, an existing folder) when its parent is not writable, or
 * when it belongs to another user and this process cannot give the new folder back to them.
 */
function checkRenameable(dir: string, target: string): void {
  const uid = process.geteuid?.();
  const owner = fs.statSync(target).uid;
  if (uid !== undefined && !mayChown() && owner !== uid)
    throw new DatasetError(
      `${dir}: belongs to another user (uid ${owner}), and ${RENAMED}, ` +
        `which would make it yours (uid ${uid}); ${INSIDE(dir)}`,
    );
  const parent = path.dirname(target);
  try {
    probeFolder(parent, dir);
  } catch (e) {
    throw new DatasetError(
      `${dir}: its parent folder ${parent} is not writable (${reason((e as Error).cause ?? e)}), ` +
        `and ${RENAMED}; ${INSIDE(dir)}`,
    );
  }
}

/**
 * Checks that a model folder may be written at `dir` and returns the real path to write (a symbolic
 * link to a folder is followed; the link stays). Allowed: a path that does not exist (its missing
 * parents are created later, so the nearest existing one must be a writable folder), an empty
 * folder, or, with `overwrite`, a specmorph model folder. Anything else (a file, a folder holding
 * other files, a folder with a user's own metadata.json) is refused with a DatasetError naming `dir`,
 * and so is an existing folder the save cannot rename into place (a mount point, a folder in a
 * read-only parent, another user's folder).
 */
export function checkModelOutput(dir: string, opts: ModelOutputOptions = {}): string {
  let target = path.resolve(dir);
  const lst = statOrNull(target, true);
  if (lst?.isSymbolicLink()) {
    try {
      target = fs.realpathSync(target);
    } catch (e) {
      throw new DatasetError(
        `${dir}: is a symbolic link that cannot be followed (${(e as NodeJS.ErrnoException).code}); give a folder`,
      );
    }
  }
  const st = statOrNull(target);
  if (!st) {
    probeFolder(nearestExistingFolder(target, dir, 'model folder'), dir);
    return target;
  }
  if (!st.isDirectory())
    throw new DatasetError(`${dir}: exists and is not a folder; give a new or empty folder for the model`);
  checkNotMountPoint(dir, target);
  let empty: boolean;
  let why: string | null;
  try {
    empty = fs.readdirSync(target).length === 0;
    why = empty ? null : notAModelFolder(target);
  } catch (e) {
    throw writeError(dir, e);
  }
  if (why !== null)
    throw new DatasetError(
      `${dir}: folder exists and is not a specmorph model folder (it ${why}); ` +
        'refusing to replace it, give a new or empty folder',
    );
  if (!empty && !opts.overwrite)
    throw new DatasetError(
      `${dir}: a specmorph model folder is already there; ` +
        `replacing it needs ${opts.overwriteHint ?? 'overwrite: true'}`,
    );
  checkRenameable(dir, target);
  return target;
}

/** What a model folder should look like once written (see {@link modelFolderAttributes}). */
export interface FolderAttributes {
  /** The real path the model folder is written to. */
  target: string;
  /**
   * The existing folder's permission bits (`mode & 0o7777`: setgid included), owner and group, to
   * keep; null for a new folder, which gets what `mkdir` gives (the umask's mode, the parent's group
   * and setgid bit when it has one).
   */
  keep: { mode: number; uid: number; gid: number } | null;
}

/**
 * What the model folder at `dir` should look like once written, taken before the save (after
 * {@link checkModelOutput}): an existing folder's own mode, owner and group, or those of a new
 * folder. The save makes its temp folder with mode 0700 (mkdtemp), gives it these with
 * {@link applyFolderAttributes} and renames it over `dir`.
 */
export function modelFolderAttributes(dir: string): FolderAttributes {
  const abs = path.resolve(dir);
  const st = statOrNull(abs);
  if (!st) return { target: abs, keep: null };
  return { target: fs.realpathSync(abs), keep: { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } };
}

/**
 * Gives the folder `attrs.target` the mode, owner and group `attrs` asks for (the owner only where
 * this process may chown). Returns why they could not be set (a warning for the caller), or null.
 */
export function applyFolderAttributes(attrs: FolderAttributes): string | null {
  try {
    const st = fs.statSync(attrs.target);
    const { keep } = attrs;
    if (!keep) {
      // mkdtemp's 0700 with what mkdir would have given: the umask's bits; the setgid bit and group
      // a setgid parent passes on are already there.
      fs.chmodSync(attrs.target, (st.mode & 0o2000) | (0o777 & ~process.umask()));
      return null;
    }
    if (st.uid !== keep.uid || st.gid !== keep.gid) fs.chownSync(attrs.target, mayChown() ? keep.uid : -1, keep.gid);
    // After chown, which clears the setuid and setgid bits.
    fs.chmodSync(attrs.target, keep.mode);
    return null;
  } catch (e) {
    return `${attrs.target}: could not give the model folder its folder's mode, owner and group (${reason(e)})`;
  }
}

/**
 * Temp-folder prefix of saves to `target` (`.specmorph-model-<hash of the name>-<pid>-XXXXXX`):
 * short whatever the name's length, and tied to the writer's pid so that leftovers of a killed
 * save can be told from a save still running.
 */
export function modelTempPrefix(target: string): string {
  const h = createHash('sha256').update(path.basename(target)).digest('hex').slice(0, 10);
  return path.join(path.dirname(target), `.specmorph-model-${h}-${process.pid}-`);
}

/**
 * Cleans up after saves to `target` that were killed (kill -9, power off): their temp folders are
 * removed, and when the kill came between moving the old model aside and moving the new one in, the
 * old model is moved back first, so `target` again holds a whole model.
 */
export function sweepModelLeftovers(target: string): void {
  const prefix = path.basename(modelTempPrefix(target)).replace(/-\d+-$/, '-');
  const dir = path.dirname(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const dead = names.filter((n) => {
    if (!n.startsWith(prefix)) return false;
    const m = /^(\d+)-[A-Za-z0-9]{6}(-old)?$/.exec(n.slice(prefix.length));
    return m !== null && !processAlive(Number(m[1]));
  });
  const old = dead.find((n) => n.endsWith('-old'));
  if (old && !fs.existsSync(target)) fs.renameSync(path.join(dir, old), target);
  for (const n of dead) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}
