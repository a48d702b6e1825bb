import * as path from 'node:path';
import { DatasetError, ParameterError, warnOnce } from '../errors';
import { Dataset, DatasetItem, datasetSummary } from '../dataset/types';
import { type CorpusMeta, type CorpusMetaMatch, matchCorpusMeta, readMetaFile } from '../dataset/meta';
import { scanFolderDataset } from '../dataset/folder';
import { readAsvspoofProtocol } from '../dataset/protocol';
import { defaultCacheDir } from '../dataset/cache';
import { fillFeatureCache } from '../dataset/features';
import { type Shard, parseShard, shardOf } from '../dataset/shard';
import { progressBar } from './progress';
import { PipelineConfig, parsePipelineConfig } from '../pipeline/config';
import { OptionSpec, ParsedArgs } from './args';
import { CONFIG_MAX_BYTES } from './inputs';
import { readBoundedFile } from '../atomicFile';

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
    help:
      'use only the clips whose meta.csv split column is NAME (train, test...); ' +
      '"all" = every clip (needs no split column)',
  },
};

/** What a subcommand needs both classes for, as its one-class error says it. */
const NEEDS_BOTH: Record<string, string> = { train: 'training', evaluate: 'an EER' };

/** The data folder's meta.csv, read and checked against its clips, or null when it has none. */
function readFolderMeta(ds: Dataset): { meta: CorpusMeta; match: CorpusMetaMatch } | null {
  const meta = readMetaFile(ds.root);
  return meta && { meta, match: matchCorpusMeta(ds, meta) };
}

/**
 * The part of a data set named by --split: the rows of its folder's meta.csv whose `split` column
 * equals it, or every clip for `all` (which needs no split column). Without --split, a data folder
 * whose meta.csv has a split column is cut to `defaultSplit` (train uses `train`, so it never learns
 * from test clips by accident), and the choice is said on stderr; one without a split column is used
 * whole. A meta.csv is checked whenever it is read (`parseCorpusMeta`, `matchCorpusMeta`: a clip in
 * two splits or under the wrong class is an error, rows naming no clip warn). The part chosen must
 * hold both classes; otherwise a DatasetError names the split, the folder and the counts before any
 * work is done.
 */
export function selectSplit(ds: Dataset, args: ParsedArgs, command: string, defaultSplit: string | null): Dataset {
  const asked = typeof args.split === 'string' ? args.split : null;
  const read = ds.kind === 'audio' && args.data ? readFolderMeta(ds) : null;
  const meta = read?.meta ?? null;
  const name = asked ?? (meta?.hasSplit ? defaultSplit : null);
  const what =
    asked !== null ? `--split=${JSON.stringify(asked)}` : `meta.csv split "${name}" (the default for ${command})`;
  const bothClasses = (items: readonly DatasetItem[]): void => {
    const n = datasetSummary(items);
    if (n.bonafide === 0 || n.spoof === 0)
      throw new DatasetError(
        `${command}: ${name === null ? 'the data' : what} of ${ds.root} holds ${n.bonafide} bona fide and ` +
          `${n.spoof} spoof clips: ${NEEDS_BOTH[command] ?? command} needs both`,
      );
  };
  if (name === null || name === 'all') {
    bothClasses(ds.items);
    if (asked === null && defaultSplit !== null && meta && !meta.hasSplit)
      process.stderr.write(`split: all ${ds.items.length} clips (${meta.file} has no split column)\n`);
    return ds;
  }
  if (!read) throw new ParameterError(`${command}: --split ${name} needs a meta.csv with a split column in ${ds.root}`);
  if (!read.meta.hasSplit)
    throw new DatasetError(
      `${command}: --split=${JSON.stringify(name)}: ${read.meta.file} has no split column ` +
        `(found ${read.meta.columns.join(', ')}); --split all uses every clip`,
    );
  const items = ds.items.filter((_, i) => read.match.rowOf[i]?.split === name);
  if (items.length === 0) {
    const names = [...new Set([...read.meta.rows.values()].map((r) => r.split))].sort();
    throw new ParameterError(
      `${command}: --split=${JSON.stringify(name)} selects no clips of ${ds.root} ` +
        `(meta.csv splits: ${names.join(', ')})`,
    );
  }
  bothClasses(items);
  const { unlisted } = read.match;
  if (unlisted.length)
    warnOnce(
      `${read.meta.file} does not list ${unlisted.length} of the ${ds.items.length} clips of ${ds.root}, so they ` +
        `are in no split (--split all uses them): ${unlisted
          .slice(0, 3)
          .map((it) => path.relative(ds.root, it.path))
          .join(', ')}${unlisted.length > 3 ? ', ...' : ''}`,
    );
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
  // Bounded: a link to /dev/zero, a FIFO or a huge file is refused, not read without end.
  const text = (await readBoundedFile(file, { maxBytes: CONFIG_MAX_BYTES, what: 'config' })).toString('utf8');
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
