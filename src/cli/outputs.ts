// Output paths are checked before any long work: a read-only folder, a file where a folder should be
// or a user's own folder under --out must fail in the first second, not after an hour of training.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParameterError, formatValue } from '../errors';
import { statOrNull } from '../atomicFile';
import { checkModelOutput, sweepModelLeftovers } from '../model/folder';
import type { CommandInput } from './inputs';

/**
 * `--out MODEL_DIR` of train: cleans up what killed earlier runs left beside it, then refuses
 * anything but a new or empty folder, or (with --overwrite) a specmorph model folder.
 */
export function checkModelOutArg(out: string, overwrite: boolean): void {
  sweepModelLeftovers(path.resolve(out));
  checkModelOutput(out, { overwrite, overwriteHint: '--overwrite' });
}

/** stat of an input, undefined when it cannot be stat'ed (its own reader reports why). */
function statIfAny(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Whether `child` is `parent` or lies below it (both absolute). */
function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The real path of `p`, whether or not it exists: the realpath of its nearest existing ancestor
 * (every symbolic link in it followed) joined with the rest.
 */
function realPathOf(p: string): string {
  const rest: string[] = [];
  let up = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(up), ...rest.reverse());
    } catch (e) {
      const parent = path.dirname(up);
      const c = (e as NodeJS.ErrnoException).code;
      if ((c !== 'ENOENT' && c !== 'ENOTDIR') || parent === up) return path.resolve(p);
      rest.push(path.basename(up));
      up = parent;
    }
  }
}

/** Where a write to `file` lands: symbolic links followed as the writer follows them. */
function writtenFile(file: string): { real: string; st: fs.Stats | undefined } {
  // The writer follows a link chain to its end (a dangling link names the file it creates).
  let target = path.resolve(file);
  for (let hops = 0; hops < 40 && statOrNull(target, true)?.isSymbolicLink(); hops++) {
    try {
      target = path.resolve(path.dirname(target), fs.readlinkSync(target));
    } catch {
      break;
    }
  }
  return { real: realPathOf(target), st: statOrNull(target) };
}

/** How a command-line option that names output, and its value, appear in a refusal. */
export interface OutputArg {
  /** `evaluate`. */
  command: string;
  /** `--scores`. */
  option: string;
  /** The value as given. */
  value: string;
}

/**
 * Refuses, before any work, an output that would replace one of the command's own inputs or land
 * inside an input folder (a model folder, a class folder of the data): `files` are the paths the
 * option makes the command write (for `--scores FILE`, FILE itself; for `--out DIR`, the files it
 * writes there). Paths are compared as the writer will resolve them (symbolic links followed, the
 * realpath of the file or of its folder) and existing files also by device and inode, so a link or
 * a second name of an input is caught. Inputs that do not exist are compared by path only.
 * Throws a ParameterError naming the option and its value:
 * `evaluate: --scores="m/weights.bin" is an input of this command (a file of the model folder m): choose another path`.
 * `files` may name folders the command writes into (`--out DIR`): they may not lie inside an input folder.
 */
export function checkNotAnInput(arg: OutputArg, files: readonly string[], inputs: Iterable<CommandInput>): void {
  const folderInputs: { real: string; what: string }[] = [];
  const fileInputs: CommandInput[] = [];
  for (const i of inputs) {
    if (i.kind === 'folder') {
      if (statIfAny(i.path)?.isDirectory()) folderInputs.push({ real: realPathOf(i.path), what: i.what });
    } else fileInputs.push(i);
  }
  const single = files.length === 1 && path.resolve(files[0]) === path.resolve(arg.value);
  const head = `${arg.command}: ${arg.option}=${formatValue(arg.value)}`;
  const tail = `: choose another ${single ? 'path' : 'folder'}`;
  for (const file of files) {
    const w = writtenFile(file);
    // Character devices and FIFOs (/dev/null) are written through, never replaced.
    if (w.st?.isCharacterDevice() || w.st?.isFIFO()) continue;
    const shown = path.relative(path.resolve(arg.value), path.resolve(file));
    for (const i of fileInputs) {
      // A file still to be created can only be an input that does not exist yet either (same path).
      if (!w.st && path.basename(i.path) !== path.basename(w.real)) continue;
      const st = statIfAny(i.path);
      const same = st && w.st ? st.dev === w.st.dev && st.ino === w.st.ino : !st && w.real === realPathOf(i.path);
      if (same)
        throw new ParameterError(
          single
            ? `${head} is an input of this command (${i.what})${tail}`
            : `${head} would write ${shown} over an input of this command (${i.what})${tail}`,
        );
    }
    for (const f of folderInputs) {
      if (inside(w.real, f.real))
        throw new ParameterError(
          single
            ? `${head} lies inside ${f.what}, an input of this command${tail}`
            : `${head} would write ${shown} inside ${f.what}, an input of this command${tail}`,
        );
    }
  }
}
