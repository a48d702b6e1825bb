// The --out folder of `specmorph ablate` and `specmorph report`: which folders may receive the
// outputs (new, empty, or the outputs of an earlier run), and how a run's outputs replace the
// earlier ones as one set. Everything happens inside the folder, so a mount point, a folder in a
// read-only parent and the folder's own mode, owner and group are all fine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../errors';
import {
  isAtomicTempName,
  nearestExistingFolder,
  probeFolder,
  processAlive,
  statOrNull,
  writeError,
} from '../atomicFile';

/** The `format` field of the ablation.json that `ablate --out` and `report` write. */
export const ABLATION_FORMAT = 'specmorph-ablation/1';

/** The `format` field of the summary.json that `report` writes. */
export const REPORT_FORMAT = 'specmorph-report/1';

/** Files `ablate` and `report` write at the top of their folder. */
export const OUTPUT_FILES: readonly string[] = [
  'ablation.json',
  'ablation.md',
  'ablation.html',
  'report.html',
  'summary.json',
];

/** Folders `report` writes, with the names of the files it puts in each. */
export const OUTPUT_FOLDERS: Readonly<Record<string, RegExp>> = {
  img: /^[^/]+\.png$/,
  notebooks: /^(\d\d-[^/]*\.(ipynb|html)|plotly\.min\.js)$/,
};

/**
 * The folder in which Jupyter keeps a checkpoint of each file saved from it in the folder holding it
 * (a notebook of ours opened in Jupyter, say). A real folder of that name at the top of an output
 * folder or in one of {@link OUTPUT_FOLDERS} is Jupyter's, not foreign: it is never removed, and it
 * is carried over into the new outputs ({@link carryCheckpoints}). Its content is not ours to check.
 */
export const JUPYTER_CHECKPOINTS = '.ipynb_checkpoints';

/** A run's staging folder inside --out, and (suffixes) the old outputs moved aside, the staging folder once committed. */
const STAGE_PREFIX = '.specmorph-out-';
const STAGE_RE = /^\.specmorph-out-(\d+)-[A-Za-z0-9]{6}(-old|-new)?$/;

/** Whether `name` is one of the entries this module moves in and out of an output folder. */
function isOutputName(name: string): boolean {
  return OUTPUT_FILES.includes(name) || Object.hasOwn(OUTPUT_FOLDERS, name);
}

/** Whether `name`, of kind `st`, is Jupyter's checkpoints folder: {@link JUPYTER_CHECKPOINTS}, a folder, not a link. */
function isCheckpoints(name: string, st: fs.Stats): boolean {
  return name === JUPYTER_CHECKPOINTS && st.isDirectory();
}

/** What an entry of kind `st` is, for a refusal of one that has a name of ours but not its kind. */
function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  return st.isFile() ? 'a file' : 'not a regular file';
}

/** A JSON file's top-level object, or null (missing, too large to be ours, not JSON, not an object). */
function readJsonObject(file: string): Record<string, unknown> | null {
  try {
    if (fs.statSync(file).size > 1 << 28) return null;
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Whether the folder `dir` holds a marker of specmorph's outputs: a summary.json with
 * `"format": REPORT_FORMAT`, an ablation.json with `"format": ABLATION_FORMAT`, or an ablation.json
 * of a version before the marker (it always carried `specmorphVersion`, `createdAt` and `arms`).
 */
function hasOutputMarker(dir: string): boolean {
  if (readJsonObject(path.join(dir, 'summary.json'))?.format === REPORT_FORMAT) return true;
  const a = readJsonObject(path.join(dir, 'ablation.json'));
  if (!a) return false;
  if (a.format === ABLATION_FORMAT) return true;
  return typeof a.specmorphVersion === 'string' && typeof a.createdAt === 'string' && Array.isArray(a.arms);
}

/**
 * Why the existing folder `dir` may not receive ablate/report outputs, or null when it may: it is
 * empty, or holds only {@link OUTPUT_FILES} (regular files) and {@link OUTPUT_FOLDERS} (real folders
 * holding only their kind of file) with a marker that specmorph wrote them ({@link hasOutputMarker}).
 * Temporaries of specmorph's writers and Jupyter's {@link JUPYTER_CHECKPOINTS} folders, at the top
 * and in the folders, are not counted.
 */
export function notAnOutputFolder(dir: string): string | null {
  const names = fs
    .readdirSync(dir)
    .filter((n) => !STAGE_RE.test(n) && !isAtomicTempName(n))
    .sort();
  const kept: string[] = [];
  for (const n of names) {
    const st = fs.lstatSync(path.join(dir, n));
    const pattern = Object.hasOwn(OUTPUT_FOLDERS, n) ? OUTPUT_FOLDERS[n] : undefined;
    if (isCheckpoints(n, st)) continue;
    if (OUTPUT_FILES.includes(n) && st.isFile()) kept.push(n);
    else if (pattern && st.isDirectory()) {
      let first: string | undefined;
      for (const f of fs.readdirSync(path.join(dir, n)).sort()) {
        const fst = fs.lstatSync(path.join(dir, n, f));
        if (isCheckpoints(f, fst)) continue;
        if (!pattern.test(f) || !fst.isFile()) {
          const kind = f === JUPYTER_CHECKPOINTS ? ` (${kindOf(fst)})` : '';
          return `it holds ${n}/${f}${kind}, which specmorph does not write there`;
        }
        first ??= f;
      }
      if (first !== undefined) kept.push(`${n}/${first}`);
    } else {
      const ours = isOutputName(n) || n === JUPYTER_CHECKPOINTS;
      return `it holds ${n}${ours ? ` (${kindOf(st)})` : ''}, which specmorph does not write there`;
    }
  }
  if (kept.length === 0 || hasOutputMarker(dir)) return null;
  return (
    `it holds ${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', ...' : ''}, which specmorph did not write ` +
    `(no ablation.json with "format": ${JSON.stringify(ABLATION_FORMAT)} ` +
    `nor summary.json with "format": ${JSON.stringify(REPORT_FORMAT)})`
  );
}

/**
 * Checks, before any work, that ablate/report outputs may be written into the folder `dir`, and
 * returns its real path (a symbolic link to a folder is followed). Allowed: a path that does not
 * exist (created with its missing parents later, so the nearest existing one must be a writable
 * folder, not a link to nothing), an empty folder, or a folder holding only an earlier run's outputs
 * ({@link notAnOutputFolder}), which the new outputs replace as a set. A folder must be writable.
 * Leftovers of killed runs inside it are cleaned up first ({@link sweepOutputLeftovers}).
 * Refusals are DatasetErrors naming `dir`.
 */
export function checkOutputFolder(dir: string): string {
  const abs = path.resolve(dir);
  const lst = statOrNull(abs, true);
  if (!lst) {
    probeFolder(nearestExistingFolder(abs, dir, 'output folder'), dir);
    return abs;
  }
  const st = lst.isSymbolicLink() ? statOrNull(abs) : lst;
  if (!st)
    throw new DatasetError(
      `${dir}: is a symbolic link to ${fs.readlinkSync(abs)}, which does not exist; give a folder`,
    );
  if (!st.isDirectory()) throw new DatasetError(`${dir}: cannot create the output folder (${abs} is not a folder)`);
  const target = fs.realpathSync(abs);
  let why: string | null;
  try {
    sweepOutputLeftovers(target);
    why = notAnOutputFolder(target);
  } catch (e) {
    throw writeError(dir, e);
  }
  if (why !== null) throw new DatasetError(`${dir}: ${why}; refusing to replace it, give a new or empty folder`);
  probeFolder(target, dir);
  return target;
}

/** Moves every entry of `from` into `into`; one already there (a concurrent run's) is removed first. */
function moveEntries(from: string, into: string): void {
  for (const n of fs.readdirSync(from)) {
    const dest = path.join(into, n);
    if (statOrNull(dest, true)) fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(path.join(from, n), dest);
  }
}

/**
 * Moves Jupyter's {@link JUPYTER_CHECKPOINTS} folder out of each of {@link OUTPUT_FOLDERS} of the
 * output set `from` into the same folder of the set `into` (created if need be: `ablate` writes no
 * notebooks/), and returns whether none was left behind because `into` has one already. A link of
 * that name is not a checkpoints folder: it is neither followed nor moved.
 */
function carryCheckpoints(from: string, into: string): boolean {
  let all = true;
  for (const f of Object.keys(OUTPUT_FOLDERS)) {
    const src = path.join(from, f, JUPYTER_CHECKPOINTS);
    if (!statOrNull(src, true)?.isDirectory()) continue;
    const dest = path.join(into, f, JUPYTER_CHECKPOINTS);
    if (statOrNull(dest, true)) all = false;
    else {
      fs.mkdirSync(path.join(into, f), { recursive: true });
      fs.renameSync(src, dest);
    }
  }
  return all;
}

/**
 * Finishes or undoes one run's swap in the output folder `dir` (`base`: its staging folder's path):
 * once `<base>-new` exists (the point of no return) the rest of its entries are moved in; before it,
 * the old outputs moved aside into `<base>-old` are moved back, and Jupyter's checkpoints carried
 * into the staging folder with them. Then the run's folders are removed, unless a checkpoints
 * folder could not go back (one is in its place): those are left for a later sweep, not removed.
 */
function settle(base: string, dir: string): void {
  if (statOrNull(`${base}-new`, true)) moveEntries(`${base}-new`, dir);
  else if (statOrNull(base, true)) {
    if (statOrNull(`${base}-old`, true))
      for (const n of fs.readdirSync(`${base}-old`))
        if (!statOrNull(path.join(dir, n), true)) fs.renameSync(path.join(`${base}-old`, n), path.join(dir, n));
    if (!carryCheckpoints(base, dir)) return;
  }
  for (const suffix of ['', '-new', '-old']) fs.rmSync(`${base}${suffix}`, { recursive: true, force: true });
}

/**
 * Cleans up after runs killed while writing into the output folder `dir` ({@link settle}): a
 * staging folder still being written is removed; a run killed while moving the old outputs aside
 * gets them moved back; one killed while moving its new outputs in gets the rest moved in. Staging
 * folders of runs still going are left alone.
 */
export function sweepOutputLeftovers(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const bases = new Set<string>();
  for (const n of names) {
    const m = STAGE_RE.exec(n);
    if (m && !processAlive(Number(m[1]))) bases.add(path.join(dir, n.slice(0, n.length - (m[2]?.length ?? 0))));
  }
  for (const base of bases) settle(base, dir);
}

/** A run's outputs being written: see {@link openOutputStage}. */
export interface OutputStage {
  /** The folder to write the outputs into (a hidden folder inside the output folder). */
  dir: string;
  /** Replaces the output folder's earlier outputs by the staged ones; the staging folder is gone after. */
  commit(): void;
  /**
   * For `finally`: removes the staging folder unless committed, or finishes or undoes a commit that
   * failed halfway (never throws; what it cannot do, the next run into the folder does).
   */
  discard(): void;
}

/**
 * Creates the output folder `target` (the path {@link checkOutputFolder} returned) if needed and a
 * staging folder inside it, `.specmorph-out-<pid>-XXXXXX`, where a run writes all its outputs.
 * `commit` then swaps them in as a set: the earlier outputs are moved aside into `<stage>-old`, the
 * staging folder is renamed `<stage>-new` (the point of no return) and its entries moved in, and the
 * old ones removed. A kill before that point leaves the earlier outputs whole (and a staging folder
 * the next run removes); a kill within the moves, a few renames long, is finished by the next run
 * into the folder ({@link sweepOutputLeftovers}). Jupyter's checkpoints ({@link JUPYTER_CHECKPOINTS})
 * are kept across all of it: at the top they stay where they are; those in img/ or notebooks/ go
 * from the old outputs aside into the staging folder just before the point of no return, so they
 * come back with the old outputs if the swap is undone and go in with the new ones if it is
 * finished. Errors are DatasetErrors naming `target`.
 */
export function openOutputStage(target: string): OutputStage {
  let dir: string;
  try {
    fs.mkdirSync(target, { recursive: true });
    sweepOutputLeftovers(target);
    dir = fs.mkdtempSync(path.join(target, `${STAGE_PREFIX}${process.pid}-`));
  } catch (e) {
    throw writeError(target, e);
  }
  return {
    dir,
    commit() {
      // The folder was checked before the run; whatever appeared in it since is checked again.
      const why = notAnOutputFolder(target);
      if (why !== null)
        throw new DatasetError(
          `${target}: ${why} (written there while this run worked); refusing to replace it, ` +
            "this run's outputs were not kept",
        );
      const old = `${dir}-old`;
      try {
        fs.mkdirSync(old);
        for (const n of fs.readdirSync(target))
          if (isOutputName(n)) fs.renameSync(path.join(target, n), path.join(old, n));
        if (!carryCheckpoints(old, dir)) throw new Error(`${dir} holds a ${JUPYTER_CHECKPOINTS} folder already`);
        fs.renameSync(dir, `${dir}-new`);
        moveEntries(`${dir}-new`, target);
        fs.rmdirSync(`${dir}-new`);
        fs.rmSync(old, { recursive: true, force: true });
      } catch (e) {
        throw writeError(target, e);
      }
    },
    discard() {
      try {
        settle(dir, target);
      } catch {
        // Left for the next run into the folder, once this process has ended.
      }
    },
  };
}
