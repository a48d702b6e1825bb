import { ParameterError } from '../errors';

/** Part `index` (1-based) of `count` equal parts of a list of clips: what `--shard K/N` names. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `K/N` (1 <= K <= N, integers), the form of `--shard` (as jest and Playwright spell it; a
 * Slurm array job passes `$SLURM_ARRAY_TASK_ID/N` with `--array=1-N`). `name` is the option named
 * in the error.
 */
export function parseShard(text: string, name = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ParameterError(`${name}=${JSON.stringify(text)} must be K/N (part K of N, 1 <= K <= N), e.g. 2/8`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new ParameterError(`${name}=${JSON.stringify(text)}: N=${m[2]} must be an integer >= 1`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count)
    throw new ParameterError(
      `${name}=${JSON.stringify(text)}: K=${m[1]} must be in [1, ${count}] (shards count from 1)`,
    );
  return { index, count };
}

/**
 * The items of shard `index` of `count`: positions `index - 1`, `index - 1 + count`, ... of the list.
 * Every shard of one list is disjoint from the others and together they hold every item, so N
 * processes given the same list (the same data set and options: items are in a stable sorted order)
 * and shards 1/N..N/N compute each clip once. Interleaving keeps the shards within one item of the
 * same size and mixes long and short clips of a sorted list.
 */
export function shardOf<T>(items: readonly T[], shard: Shard): T[] {
  const { index, count } = shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 1 && index <= count))
    throw new ParameterError(`shard=${JSON.stringify(shard)} must have integers 1 <= index <= count`);
  return items.filter((_, i) => i % count === index - 1);
}
