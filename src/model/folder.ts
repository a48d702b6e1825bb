// What a model folder is, decided without tfjs, so that `specmorph train` can check --out in its
// first second, before any features or training.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { DatasetError } from '../errors';
import { probeFolder, processAlive, statOrNull, writeError } from '../atomicFile';

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
    meta = JSON.parse(fs.readFileSync(path.join(dir, MODEL_FILES.metadata), 'utf8'));
  } catch {
    return 'its metadata.json is not valid JSON';
  }
  const format = meta !== null && typeof meta === 'object' ? (meta as { format?: unknown }).format : undefined;
  return format === MODEL_FORMAT ? null : `its metadata.json has no "format": ${JSON.stringify(MODEL_FORMAT)} marker`;
}

/**
 * Checks that a model folder may be written at `dir` and returns the real path to write (a symbolic
 * link to a folder is followed; the link stays). Allowed: a path that does not exist (its missing
 * parents are created later, so the nearest existing one must be a writable folder), an empty
 * folder, or, with `overwrite`, a specmorph model folder. Anything else (a file, a folder holding
 * other files, a folder with a user's own metadata.json) is refused with a DatasetError naming `dir`.
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
    let up = path.dirname(target);
    let ust = statOrNull(up);
    while (!ust) {
      up = path.dirname(up);
      ust = statOrNull(up);
    }
    if (!ust.isDirectory()) throw new DatasetError(`${dir}: cannot create the model folder (${up} is not a folder)`);
    probeFolder(up, dir);
    return target;
  }
  if (!st.isDirectory())
    throw new DatasetError(`${dir}: exists and is not a folder; give a new or empty folder for the model`);
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
  probeFolder(path.dirname(target), dir);
  return target;
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
