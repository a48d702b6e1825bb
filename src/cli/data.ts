import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { DatasetError, ParameterError } from '../errors';
import { Dataset } from '../dataset/types';
import { scanFolderDataset } from '../dataset/folder';
import { readAsvspoofProtocol } from '../dataset/protocol';
import { defaultCacheDir } from '../dataset/cache';
import { fillFeatureCache } from '../dataset/features';
import { type Shard, parseShard, shardOf } from '../dataset/shard';
import { progressBar } from './progress';
import { PipelineConfig, parsePipelineConfig } from '../pipeline/config';
import { metaRow, readCorpusMeta } from '../report/split';
import { OptionSpec, ParsedArgs } from './args';

/** Options shared by subcommands that read a data set. */
export const DATA_OPTIONS: Record<string, OptionSpec> = {
  data: {
    type: 'string',
    arg: 'DIR',
    help: 'data folder: bonafide|bona-fide|real|original and spoof|fake|deepfake folders of .wav/.flac',
  },
  protocol: {
    type: 'string',
    arg: 'FILE',
    help: 'ASVspoof 2019 LA protocol (SPEAKER UTT_ID - SYSTEM_ID KEY), instead of --data',
  },
  audio: { type: 'string', arg: 'DIR', help: "folder of the protocol's UTT_ID.flac files (with --protocol)" },
  cache: {
    type: 'string',
    arg: 'DIR',
    help: 'feature cache folder (default $SPECMORPH_CACHE or ~/.cache/specmorph/features)',
  },
  'no-cache': { type: 'flag', help: 'compute every feature, read and write no cache' },
  workers: { type: 'string', arg: 'N', help: 'feature worker threads (default: one per core; 0 = in-process)' },
};

/** --shard, for the subcommands whose feature extraction can be spread over processes (train, ablate). */
export const SHARD_OPTION: Record<string, OptionSpec> = {
  shard: {
    type: 'string',
    arg: 'K/N',
    help:
      'only compute and cache the features of part K of N of the clips, then exit (no training); ' +
      'N processes or machines fill one shared --cache, then a normal run reads it (docs/cli.md)',
  },
};

/**
 * The --shard part of the data set, or null without --shard. A shard run only fills the feature
 * cache, so it needs one and writes nothing else.
 */
export function shardArg(args: ParsedArgs, command: string, cacheDir: string | null): Shard | null {
  if (args.shard === undefined) return null;
  const shard = parseShard(String(args.shard), `${command}: --shard`);
  if (cacheDir === null)
    throw new ParameterError(`${command}: --shard fills the feature cache; it cannot be combined with --no-cache`);
  if (args.out !== undefined)
    throw new ParameterError(`${command}: --shard only fills the feature cache and writes no --out; leave --out out`);
  return shard;
}

/** Fills the cache with the features of `shard` of `files` for each pipeline and says so on stderr. */
export async function fillShard(
  files: readonly string[],
  pipelines: readonly PipelineConfig[],
  shard: Shard,
  opts: { cacheDir: string; workers: number | 'auto' },
): Promise<void> {
  const part = shardOf(files, shard);
  let computed = 0;
  for (let p = 0; p < pipelines.length; p++) {
    const fill = await fillFeatureCache(part, pipelines[p], {
      cacheDir: opts.cacheDir,
      workers: opts.workers,
      onProgress: progressBar(`features ${p + 1}/${pipelines.length}`),
    });
    computed += fill.computed;
  }
  const total = part.length * pipelines.length;
  process.stderr.write(
    `shard ${shard.index}/${shard.count}: ${part.length} of ${files.length} clips x ${pipelines.length} ` +
      `pipeline${pipelines.length === 1 ? '' : 's'}, ${computed} features computed, ${total - computed} ` +
      `already in ${opts.cacheDir}\n`,
  );
}

/** --split, for the subcommands that use one part of a corpus (train, evaluate). */
export const SPLIT_OPTION: Record<string, OptionSpec> = {
  split: {
    type: 'string',
    arg: 'NAME',
    help: 'use only the clips whose meta.csv split column is NAME (train, test...); "all" = every clip',
  },
};

/**
 * The part of a data set named by --split: the rows of its folder's meta.csv whose `split` column
 * equals it, or every clip for `all`. Without --split, a data folder whose meta.csv has a split
 * column is cut to `defaultSplit` (train uses `train`, so it never learns from test clips by
 * accident), and the choice is said on stderr.
 */
export function selectSplit(ds: Dataset, args: ParsedArgs, command: string, defaultSplit: string | null): Dataset {
  const asked = typeof args.split === 'string' ? args.split : null;
  const meta = ds.kind === 'audio' && args.data ? readCorpusMeta(ds.root) : null;
  const name = asked ?? (meta ? defaultSplit : null);
  if (name === null || name === 'all') return ds;
  if (!meta) throw new ParameterError(`${command}: --split ${name} needs a meta.csv with a split column in ${ds.root}`);
  const items = ds.items.filter((it) => metaRow(meta, ds.root, it.path)?.split === name);
  if (items.length === 0) {
    const names = [...new Set([...meta.values()].map((r) => r.split))].sort();
    throw new ParameterError(
      `${command}: --split=${JSON.stringify(name)} selects no clips of ${ds.root} ` +
        `(meta.csv splits: ${names.join(', ')})`,
    );
  }
  process.stderr.write(
    `split: ${items.length} of ${ds.items.length} clips (meta.csv split "${name}"` +
      `${asked ? '' : `, the default for ${command}; --split all uses every clip`})\n`,
  );
  return { ...ds, items };
}

/** Reads the data set named by --data or --protocol/--audio. */
export async function loadDataArgs(args: ParsedArgs, command: string): Promise<Dataset> {
  const data = args.data as string | undefined;
  const protocol = args.protocol as string | undefined;
  const audio = args.audio as string | undefined;
  if (data && (protocol || audio))
    throw new ParameterError(`${command}: give either --data DIR or --protocol FILE --audio DIR, not both`);
  if (data) return scanFolderDataset(data);
  if (protocol || audio) {
    if (!protocol) throw new ParameterError(`${command}: --audio needs --protocol FILE`);
    if (!audio) throw new ParameterError(`${command}: --protocol needs --audio DIR`);
    return readAsvspoofProtocol(protocol, audio);
  }
  throw new ParameterError(`${command}: --data DIR (or --protocol FILE --audio DIR) is required`);
}

/** Reads a pipeline JSON file given with --config. */
export async function readConfigFile(file: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(
      `${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parsePipelineConfig(text, file);
}

/** The cache folder from --cache / --no-cache / $SPECMORPH_CACHE. */
export function cacheDirArg(args: ParsedArgs): string | null {
  if (args['no-cache']) {
    if (args.cache) throw new ParameterError('--cache and --no-cache contradict each other');
    return null;
  }
  return typeof args.cache === 'string' ? path.resolve(args.cache) : defaultCacheDir();
}
