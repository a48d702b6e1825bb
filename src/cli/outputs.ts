// Output paths are checked before any long work: a read-only folder, a file where a folder should be
// or a user's own folder under --out must fail in the first second, not after an hour of training.
import * as path from 'node:path';
import { DatasetError } from '../errors';
import { checkOutputFile, probeFolder, statOrNull } from '../atomicFile';
import { checkModelOutput, sweepModelLeftovers } from '../model/folder';

/**
 * `--out MODEL_DIR` of train: cleans up what killed earlier runs left beside it, then refuses
 * anything but a new or empty folder, or (with --overwrite) a specmorph model folder.
 */
export function checkModelOutArg(out: string, overwrite: boolean): void {
  sweepModelLeftovers(path.resolve(out));
  checkModelOutput(out, { overwrite, overwriteHint: '--overwrite' });
}

/**
 * `--out DIR` of ablate/report, a folder the command creates if needed and writes `files` into
 * (relative names): the folder, or its nearest existing parent, must be a writable folder, and each
 * of `files` a writable target.
 */
export function checkFolderOutArg(dir: string, files: readonly string[]): void {
  const abs = path.resolve(dir);
  let up = abs;
  let st = statOrNull(up);
  while (!st) {
    up = path.dirname(up);
    st = statOrNull(up);
  }
  if (!st.isDirectory()) throw new DatasetError(`${dir}: cannot create the output folder (${up} is not a folder)`);
  if (up !== abs) {
    probeFolder(up, dir);
    return;
  }
  for (const f of files) {
    const p = path.join(abs, f);
    if (statOrNull(path.dirname(p))) checkOutputFile(p);
  }
}
