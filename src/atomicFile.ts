import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from './errors';

/** Where a write to a path really goes, decided before any byte is written. */
export interface OutputTarget {
  /** The path to write: the given one, or the final target of a symbolic link. */
  file: string;
  /**
   * `'replace'`: a regular file or nothing is there; written through a temp file and a rename.
   * `'through'`: a character device or FIFO (`/dev/null`, `/dev/stdout`, a pipe); written in place,
   * because renaming over it would replace the device node itself.
   */
  mode: 'replace' | 'through';
}

function code(e: unknown): string {
  const c = (e as NodeJS.ErrnoException).code;
  return c ?? (e as Error).message;
}

/** The reason of a failed file operation in words, e.g. `ENOSPC: no space left on device`. */
export function reason(e: unknown): string {
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    EISDIR: 'is a folder',
    ENOTDIR: 'a parent is not a folder',
    ENOENT: 'folder does not exist',
    ENAMETOOLONG: 'file name too long',
    ELOOP: 'too many levels of symbolic links',
    EIO: 'input/output error',
  };
  const c = code(e);
  return words[c] ? `${c}: ${words[c]}` : c;
}

/** A DatasetError naming `file` and why writing it failed (one line, for the CLI). */
export function writeError(file: string, e: unknown): DatasetError {
  if (e instanceof DatasetError) return e;
  return new DatasetError(`${file}: cannot write (${reason(e)})`, { cause: e });
}

/** stat (lstat when `link`), undefined when nothing is there (ENOTDIR: a parent is a file). */
export function statOrNull(p: string, link = false): fs.Stats | undefined {
  try {
    return link ? fs.lstatSync(p) : fs.statSync(p);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') return undefined;
    throw writeError(p, e);
  }
}

/**
 * The nearest existing folder above `abs` (an absolute path that does not exist), where `mkdir -p`
 * of `abs` would start. Refuses with a DatasetError naming `what` and the `kind` of folder to create
 * when the first existing path on the way up is not a folder, or is a symbolic link to something
 * missing (`mkdir -p` cannot create a folder through it): checked before any long work instead of
 * failing at the end.
 */
export function nearestExistingFolder(abs: string, what: string, kind = 'folder'): string {
  let up = path.dirname(abs);
  for (;;) {
    const lst = statOrNull(up, true);
    if (!lst) {
      up = path.dirname(up);
      continue;
    }
    const st = lst.isSymbolicLink() ? statOrNull(up) : lst;
    if (!st)
      throw new DatasetError(
        `${what}: cannot create the ${kind} (${up} is a symbolic link to ${fs.readlinkSync(up)}, which does not exist)`,
      );
    if (!st.isDirectory()) throw new DatasetError(`${what}: cannot create the ${kind} (${up} is not a folder)`);
    return up;
  }
}

/**
 * Decides where writing `file` goes, without writing: symbolic links are followed to their final
 * target (a dangling link names the file to create), so the link itself is never replaced;
 * character devices and FIFOs are written through; folders, sockets and block devices are refused.
 * The folder of the target must exist and be a folder. Throws a DatasetError naming `file`.
 */
export function resolveOutputTarget(file: string): OutputTarget {
  let target = path.resolve(file);
  for (let hops = 0; ; hops++) {
    if (hops > 40) throw new DatasetError(`${file}: cannot write (ELOOP: too many levels of symbolic links)`);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(target);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw writeError(file, e);
      const dir = path.dirname(target);
      const dst = statOrNull(dir);
      if (!dst) throw new DatasetError(`${file}: cannot write (folder ${dir} does not exist)`);
      if (!dst.isDirectory()) throw new DatasetError(`${file}: cannot write (${dir} is not a folder)`);
      return { file: target, mode: 'replace' };
    }
    if (st.isSymbolicLink()) {
      target = path.resolve(path.dirname(target), fs.readlinkSync(target));
      continue;
    }
    if (st.isFile()) return { file: target, mode: 'replace' };
    if (st.isCharacterDevice() || st.isFIFO()) return { file: target, mode: 'through' };
    const kind = st.isDirectory()
      ? 'a folder'
      : st.isBlockDevice()
        ? 'a block device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
    throw new DatasetError(
      `${file}: cannot write (${target === path.resolve(file) ? '' : `${target} `}is ${kind}; give a file name)`,
    );
  }
}

/** Options of {@link writeFileAtomicSync} and {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Create the file's folder and its missing parents first. @default false (the folder must exist) */
  makeFolder?: boolean;
}

// A short temp name whatever the target's length (a long name plus a suffix would pass NAME_MAX),
// carrying the writer's pid so that a later write can tell a dead writer's leftover from a live one.
const TMP_PREFIX = '.specmorph-';
const TMP_RE = /^\.specmorph-(\d+)-[0-9a-z]+\.tmp$/;

/** Whether `name` is a temp file of {@link writeFileAtomicSync} or {@link probeFolder} (live or left by a kill). */
export function isAtomicTempName(name: string): boolean {
  return TMP_RE.test(name);
}

function tempName(dir: string): string {
  return path.join(dir, `${TMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/** True when process `pid` still runs (EPERM: it runs under another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

/** Removes temp files in `dir` that writers killed mid-write (kill -9, power off) left behind. */
function sweepDeadTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TMP_RE.exec(n);
    if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, n), { force: true });
  }
}

/**
 * Writes `content` to `file` so that readers see the old file or the whole new one, never half of it:
 * through a temp file in the same folder and a rename (the temp file is removed if the write fails,
 * and leftovers of killed writers are removed by the next write into that folder). A symbolic link
 * is followed and its target replaced, the link kept; a character device or FIFO (`/dev/null`) is
 * written through; a folder, socket or block device is refused. An existing file keeps its
 * permission bits. The folder must exist unless `opts.makeFolder`. Errors are DatasetErrors naming
 * `file` and the reason (`ENOSPC: no space left on device`). Internal: cache entries, score files,
 * reports, PNGs.
 */
export function writeFileAtomicSync(
  file: string,
  content: string | Uint8Array,
  opts: WriteFileAtomicOptions = {},
): void {
  if (opts.makeFolder) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (e) {
      throw writeError(file, e);
    }
  }
  const t = resolveOutputTarget(file);
  if (t.mode === 'through') {
    try {
      fs.writeFileSync(t.file, content);
    } catch (e) {
      throw writeError(file, e);
    }
    return;
  }
  const dir = path.dirname(t.file);
  sweepDeadTemps(dir);
  const tmp = tempName(dir);
  try {
    const old = fs.statSync(t.file, { throwIfNoEntry: false });
    // A rename would replace a file the user made read-only; refuse as `cp` and `>` do.
    if (old) fs.accessSync(t.file, fs.constants.W_OK);
    fs.writeFileSync(tmp, content, { flag: 'wx', mode: old ? old.mode & 0o7777 : 0o666 });
    if (old) fs.chmodSync(tmp, old.mode & 0o7777);
    fs.renameSync(tmp, t.file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw writeError(file, e);
  }
}

/**
 * Checks, without leaving anything behind, that {@link writeFileAtomicSync} of `file` can succeed:
 * the target kind (see {@link resolveOutputTarget}), write permission on an existing file, and that
 * a file can be created in its folder (catches read-only folders and file systems even for root).
 * Commands call it before any long work, so a bad output path fails in the first second.
 */
export function checkOutputFile(file: string): OutputTarget {
  const t = resolveOutputTarget(file);
  try {
    if (t.mode === 'through' || fs.existsSync(t.file)) fs.accessSync(t.file, fs.constants.W_OK);
  } catch (e) {
    throw writeError(file, e);
  }
  if (t.mode === 'replace') probeFolder(path.dirname(t.file), file);
  return t;
}

/**
 * Creates and removes a temp file in `dir`: the one writability check that also holds for root and
 * read-only mounts. Errors are DatasetErrors naming `what` (the output the caller means to write).
 * Like a write, it first removes temp files that killed writers left in `dir`, its own probes
 * included (a kill -9 between creating and removing one leaves it).
 */
export function probeFolder(dir: string, what: string): void {
  sweepDeadTemps(dir);
  const probe = tempName(dir);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe, { force: true });
  } catch (e) {
    throw writeError(what, e);
  }
}

/** `1 MiB`, `580.3 MiB`, `52 bytes`: binary units, as the read limits are set. */
export function formatMib(n: number): string {
  if (n < 2 ** 20) return `${n} bytes`;
  const mib = n / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** Options of {@link readBoundedFileSync} and {@link readBoundedFile}. */
export interface ReadBoundedOptions {
  /** The largest size read, in bytes; a larger file is refused. Required. */
  maxBytes: number;
  /**
   * What the file is meant to be, a noun taking `a`, for the messages: `config`, `score file`,
   * `meta.csv`, `model file`. Required.
   */
  what: string;
  /**
   * Appended to the message when the file cannot be opened (missing, no permission), e.g.
   * `; is m a specmorph model folder?`. @default ''
   */
  hint?: string;
  /**
   * The refusal of a file above `maxBytes`, given its size in words (`8589934592 bytes (8192.0 MiB)`,
   * or `over 52 bytes` for a file that grew while being read), when the limit is not a property of
   * the kind of file (weights.bin: the bytes model.json's manifest describes).
   * @default `${file}: SIZE, more than the LIMIT a WHAT may hold; refusing to read it`
   */
  tooLarge?: (size: string) => DatasetError;
}

function notRegular(file: string, st: fs.Stats, what: string): DatasetError {
  const kind = st.isDirectory() ? 'a folder' : 'a device, FIFO or socket';
  return new DatasetError(`${file}: not a regular file (${kind}); cannot read it as a ${what}`);
}

/**
 * The bytes of `file`, a regular file of at most `opts.maxBytes` bytes. Symbolic links are followed;
 * a folder, device, FIFO or socket (a link to /dev/zero, a named pipe) is refused before a byte is
 * read, and so is a file larger than the limit, by its size. The file is opened without blocking
 * (a FIFO swapped in after the check cannot hang the open), checked again on the opened handle, and
 * read at most `maxBytes + 1` bytes, so a file that grows meanwhile is refused too, never read
 * without end. Errors are one-line DatasetErrors naming `file`, what it was meant to be, and its
 * size and the limit (`big.json: 2097152 bytes (2 MiB), more than the 1 MiB a config may hold;
 * refusing to read it`) or the reason (`none.json: cannot read config (ENOENT)`).
 */
export function readBoundedFileSync(file: string, opts: ReadBoundedOptions): Buffer {
  const { maxBytes, what, hint = '' } = opts;
  const cannot = (e: unknown) => new DatasetError(`${file}: cannot read ${what} (${code(e)})${hint}`);
  const tooLarge =
    opts.tooLarge ??
    ((size: string) =>
      new DatasetError(
        `${file}: ${size}, more than the ${formatMib(maxBytes)} a ${what} may hold; refusing to read it`,
      ));
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw cannot(e);
  }
  // Checked before opening too: opening a socket fails (ENXIO) with a less telling reason.
  if (!st.isFile()) throw notRegular(file, st, what);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw cannot(e);
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) throw notRegular(file, fst, what);
    if (fst.size > maxBytes)
      throw tooLarge(`${fst.size} bytes${fst.size < 2 ** 20 ? '' : ` (${formatMib(fst.size)})`}`);
    const cap = maxBytes + 1;
    let buf = Buffer.allocUnsafe(Math.min(cap, fst.size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n >= cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, 2 * n));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw tooLarge(`over ${maxBytes} bytes (it grew while being read)`);
    return buf.subarray(0, n);
  } catch (e) {
    throw e instanceof DatasetError ? e : cannot(e);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * {@link readBoundedFileSync} for async callers. Notes: one implementation, as for
 * {@link writeFileAtomic}: the reads are bounded, so blocking for them is short.
 */
export async function readBoundedFile(file: string, opts: ReadBoundedOptions): Promise<Buffer> {
  return readBoundedFileSync(file, opts);
}

/** {@link writeFileAtomicSync} for async callers (one implementation: the writes are short). */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  opts: WriteFileAtomicOptions = {},
): Promise<void> {
  writeFileAtomicSync(file, content, opts);
}
