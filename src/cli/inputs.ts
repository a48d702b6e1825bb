// What a command reads: the files and folders none of its outputs may replace, and the size bound
// of a --config. Files named on the command line are read with readBoundedFile (../atomicFile), so
// no option makes a command read without end, hang on a pipe or fill the memory.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { BONAFIDE_FOLDERS, type Dataset, SPOOF_FOLDERS } from '../dataset/types';
import type { ParsedArgs } from './args';

/** The largest pipeline config (--config) read: 1 MiB, a thousand times a real one. */
export const CONFIG_MAX_BYTES = 2 ** 20;

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
