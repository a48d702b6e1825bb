// Files named on the command line are read within bounds: a device, FIFO or socket (a link to
// /dev/zero, a named pipe) is refused before it is opened, and a file larger than its kind can
// sensibly be is refused naming its size, so no option makes a command read without end, hang on a
// pipe or fill the memory.
import { constants, promises as fs, readdirSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../errors';
import { BONAFIDE_FOLDERS, type Dataset, SPOOF_FOLDERS } from '../dataset/types';
import type { ParsedArgs } from './args';

/** The largest pipeline config (--config) read: 1 MiB, a thousand times a real one. */
export const CONFIG_MAX_BYTES = 2 ** 20;

/** `1 MiB`, `580.3 MiB`: binary units, as the limits above are set. */
export function formatMib(n: number): string {
  if (n < 2 ** 20) return `${n} bytes`;
  const mib = n / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** `a folder` or `a device, FIFO or socket`: what a path that is not a regular file is. */
function notRegular(st: Stats): string {
  return `not a regular file (${st.isDirectory() ? 'a folder' : 'a device, FIFO or socket'})`;
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Reads the text of `file`, given on the command line as a `what` (`config`, `score file`): links
 * are followed; a missing or unreadable file, anything but a regular file, and a file of more than
 * `maxBytes` bytes are refused with a one-line DatasetError naming `file`, before anything is read.
 * The file is opened without blocking and read at most `maxBytes + 1` bytes, so a file swapped for a
 * pipe or grown after the check is refused too.
 */
export async function readInputText(file: string, what: string, maxBytes: number): Promise<string> {
  const cannot = (why: string) => new DatasetError(`${file}: cannot read ${what} (${why})`);
  const tooLarge = (size: string) =>
    new DatasetError(`${file}: ${size}, more than the ${formatMib(maxBytes)} a ${what} may hold; refusing to read it`);
  const st = await fs.stat(file).catch((e: unknown) => {
    throw cannot(code(e));
  });
  if (!st.isFile()) throw new DatasetError(`${file}: ${notRegular(st)}; cannot read it as a ${what}`);
  if (st.size > maxBytes) throw tooLarge(`${st.size} bytes (${formatMib(st.size)})`);
  const h = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: unknown) => {
    throw cannot(code(e));
  });
  try {
    const fst = await h.stat();
    if (!fst.isFile()) throw new DatasetError(`${file}: ${notRegular(fst)}; cannot read it as a ${what}`);
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
      const { bytesRead } = await h.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
    return buf.toString('utf8', 0, n);
  } catch (e) {
    throw e instanceof DatasetError ? e : cannot(code(e));
  } finally {
    await h.close();
  }
}

/** Something a command reads, which none of its outputs may replace or be written into (`checkNotAnInput`). */
export interface CommandInput {
  /** The path, as given or found. */
  path: string;
  /** How a refusal names it: `the --config file`, `a clip of the data`, `the model folder m`. */
  what: string;
  /** `'file'`: the file itself may not be written; `'folder'`: nothing inside it may be written. */
  kind: 'file' | 'folder';
}

/**
 * What a command reads of the data set `ds` named by --data or --protocol/--audio: every clip, the
 * --protocol file, and for a data folder its meta.csv and class folders (a file written there
 * would be read as data, or replace it).
 */
export function dataInputs(args: ParsedArgs, ds: Dataset): CommandInput[] {
  const inputs: CommandInput[] = [];
  if (typeof args.protocol === 'string')
    inputs.push({ path: args.protocol, what: 'the --protocol file', kind: 'file' });
  if (typeof args.data === 'string') {
    inputs.push({ path: path.join(ds.root, 'meta.csv'), what: `the meta.csv of ${args.data}`, kind: 'file' });
    const classNames = new Set<string>([...BONAFIDE_FOLDERS, ...SPOOF_FOLDERS]);
    for (const e of readdirSync(ds.root, { withFileTypes: true }))
      if (!e.name.startsWith('.') && classNames.has(e.name.toLowerCase()))
        inputs.push({
          path: path.join(ds.root, e.name),
          what: `the class folder ${path.join(args.data, e.name)} of the data`,
          kind: 'folder',
        });
  }
  for (const it of ds.items) inputs.push({ path: it.path, what: 'a clip of the data', kind: 'file' });
  return inputs;
}
