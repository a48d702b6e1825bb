import {
  ABLATION_DEFAULTS,
  ABLATION_FOOTPRINTS,
  ABLATION_OPS,
  ablationArms,
  ablationRunCacheDir,
} from '../report/arms';
import type { MorphologyOp } from '../pipeline/config';
import * as path from 'node:path';
import { ParameterError } from '../errors';
import { OptionSpec, ParsedArgs, helpText, intOption, parseArgs } from './args';
import { DATA_OPTIONS, SHARD_OPTION, cacheDirArg, fillShard, loadDataArgs, readConfigFile, shardArg } from './data';
import { writeFileAtomic } from '../atomicFile';
import { checkNotAnInput } from './outputs';
import { ABLATION_FORMAT, checkOutputFolder, openOutputStage } from '../report/outputFolder';
import { dataInputs } from './inputs';

/** `--jobs N` of `ablate` and `report`: trainings at a time. */
export const JOBS_OPTION: OptionSpec = {
  type: 'string',
  arg: 'N',
  help: 'trainings at a time, one worker thread each (default: one per core); the scores do not depend on it',
};

/** The `--jobs` argument as {@link import('../report/ablation').AblationOptions.jobs}. */
export function jobsArg(args: ParsedArgs): number | 'auto' {
  return args.jobs === undefined ? 'auto' : intOption(args, 'jobs', 1, 1, 256);
}

const SPEC: Record<string, OptionSpec> = {
  ...DATA_OPTIONS,
  jobs: JOBS_OPTION,
  ...SHARD_OPTION,
  footprints: {
    type: 'string',
    arg: 'WHICH',
    help:
      '"rect" (default: every operator with rect 3x3) or "all" ' +
      '(rect 3x3, line 5 along time, line 5 along frequency)',
  },
  ops: {
    type: 'string',
    arg: 'LIST',
    help: `comma-separated operators to compare with none (default all: ${ABLATION_OPS.join(',')})`,
  },
  seeds: { type: 'string', arg: 'N', help: `seeds per arm (default ${ABLATION_DEFAULTS.seeds})` },
  epochs: {
    type: 'string',
    arg: 'N',
    help:
      'largest number of epochs per run, the same for every arm and seed; ' +
      `early stopping on the validation EER (default ${ABLATION_DEFAULTS.epochs})`,
  },
  config: {
    type: 'string',
    arg: 'FILE.json',
    help: 'base pipeline JSON (default: the built-in ABLATION_PIPELINE); morphology goes after its dB stage',
  },
  out: {
    type: 'string',
    arg: 'DIR',
    help: 'write ablation.json, ablation.md and ablation.html there (a new or empty folder, or an earlier output)',
  },
  'no-reference': {
    type: 'flag',
    help:
      'skip the LFCC-GMM reference ' +
      '(the ASVspoof 2019 baseline, 64 components, first seed, trained on the same split)',
  },
  json: { type: 'flag', help: 'print the whole result as one JSON object on the last stdout line' },
  help: { type: 'flag', help: 'show this help' },
};

export const ABLATE_HELP = helpText(
  'Usage: specmorph ablate --data DIR [--seeds N] [--epochs N] [--out DIR] [--json]\n' +
    '       specmorph ablate --protocol FILE --audio DIR [...]',
  'Compares no morphology with erosion, dilation, opening, closing and both top-hats (rect 3x3, or 3\n' +
    'footprints with --footprints all) on the dB spectrogram: same split (meta.csv when present), same\n' +
    'model and training recipe; test EER per seed and attack, mean ± sd and the paired difference from\n' +
    'the baseline. Progress goes to stderr.',
  SPEC,
);

/** A stderr progress reporter for ablation events (one line per finished run, features every 25 %). */
export function ablationLogger(
  stream: NodeJS.WritableStream = process.stderr,
): (e: import('../report/ablation').AblationEvent) => void {
  const t0 = Date.now();
  let lastPct = -1;
  return (e) => {
    const t = `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
    if (e.kind === 'features') {
      const pct = Math.floor((100 * e.done) / e.total);
      if (e.done === e.total || pct >= lastPct + 25 || e.done === 1) {
        lastPct = e.done === e.total ? -1 : pct - (pct % 25);
        if (e.done === e.total)
          stream.write(
            `${t} features ${e.armIndex >= 0 ? `${e.armIndex + 1}/${e.arms} ` : ''}${e.arm}: ${e.total} clips\n`,
          );
      }
    } else if (e.kind === 'run') {
      stream.write(
        `${t} run ${e.runsDone}/${e.runs} ${e.arm} seed ${e.seed}: ` +
          `EER ${(100 * e.eer).toFixed(2)}%${e.cached ? ' (cached)' : ''}\n`,
      );
    } else if (e.kind === 'reference') {
      stream.write(`${t} ${e.name} seed ${e.seed}: EER ${(100 * e.eer).toFixed(2)}%${e.cached ? ' (cached)' : ''}\n`);
    }
  };
}

/** The operators of --ops (every one of ABLATION_OPS without it), checked against that list. */
function opsArg(v: string | true | undefined): MorphologyOp[] | undefined {
  if (v === undefined) return undefined;
  const ops = String(v)
    .split(',')
    .map((s) => s.trim());
  const known = new Set<string>(ABLATION_OPS);
  const bad = ops.find((o) => !known.has(o));
  if (bad !== undefined || new Set(ops).size !== ops.length)
    throw new ParameterError(
      `ablate: --ops=${JSON.stringify(v)}: ` +
        `${bad !== undefined ? `${JSON.stringify(bad)} is not` : 'list each operator once, from'} ` +
        `one of ${ABLATION_OPS.join(', ')}`,
    );
  return ops as MorphologyOp[];
}

/** `specmorph ablate`: returns the exit code. */
export async function ablateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'ablate');
  if (args.help) {
    process.stdout.write(ABLATE_HELP);
    return 0;
  }
  const seeds = intOption(args, 'seeds', ABLATION_DEFAULTS.seeds, 1, 1000);
  const epochs = intOption(args, 'epochs', ABLATION_DEFAULTS.epochs, 1, 100000);
  const workers = args.workers === undefined ? 'auto' : intOption(args, 'workers', 0, 0, 256);
  const jobs = jobsArg(args);
  const ops = opsArg(args.ops);
  const cacheDir = cacheDirArg(args);
  const shard = shardArg(args, 'ablate', cacheDir);
  if (args.out === true) throw new ParameterError('ablate: --out needs a folder');
  const target = typeof args.out === 'string' ? checkOutputFolder(args.out) : null;
  const base = typeof args.config === 'string' ? await readConfigFile(args.config) : undefined;
  const ds = await loadDataArgs(args, 'ablate');
  // Not inside a class folder of the data (checkOutputFolder has refused every folder but a new one,
  // an empty one or earlier outputs, so no input file can be among the files replaced).
  if (typeof args.out === 'string') {
    checkNotAnInput({ command: 'ablate', option: '--out', value: args.out }, [args.out], dataInputs(args, ds));
  }
  const { runAblation, ablationFeaturePlan } = await import('../report/ablation');
  const { ablationText, ablationMarkdown, perAttackMarkdown } = await import('../report/figures');
  const { conclusion } = await import('../report/conclusion');
  const { reportHtml } = await import('../report/html');
  if (args.footprints !== undefined && args.footprints !== 'rect' && args.footprints !== 'all')
    throw new ParameterError(`ablate: --footprints=${JSON.stringify(args.footprints)} must be "rect" or "all"`);
  const arms = ablationArms(ops, args.footprints === 'all' ? ABLATION_FOOTPRINTS : undefined);
  if (shard) {
    const plan = ablationFeaturePlan(ds, { arms, base, reference: args['no-reference'] ? null : {} });
    await fillShard(plan.files, plan.pipelines, shard, { cacheDir: cacheDir!, workers });
    return 0;
  }
  const result = await runAblation(ds, {
    arms,
    seeds,
    epochs,
    base,
    cacheDir,
    runCacheDir: cacheDir ? ablationRunCacheDir(cacheDir) : null,
    workers,
    jobs,
    reference: args['no-reference'] ? null : {},
    onEvent: ablationLogger(),
  });
  process.stderr.write(`backend: ${result.backend}\n`);
  if (target !== null) {
    // Written into a staging folder inside --out and swapped in as one set (src/report/outputFolder.ts).
    const stage = openOutputStage(target);
    try {
      await writeFileAtomic(
        path.join(stage.dir, 'ablation.json'),
        `${JSON.stringify({ format: ABLATION_FORMAT, ...result, conclusion: conclusion(result) }, null, 1)}\n`,
      );
      await writeFileAtomic(
        path.join(stage.dir, 'ablation.md'),
        `${ablationMarkdown(result)}\n\nPer attack (test EER %, mean over seeds):\n\n` +
          `${perAttackMarkdown(result)}\n\n${conclusion(result)}\n`,
      );
      await writeFileAtomic(path.join(stage.dir, 'ablation.html'), reportHtml(result));
      stage.commit();
    } finally {
      stage.discard();
    }
    process.stderr.write(`wrote ${path.join(String(args.out), 'ablation.{json,md,html}')}\n`);
  }
  process.stdout.write(`${ablationText(result)}\n\n${conclusion(result).replace(/\*\*/g, '')}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify({ ...result, conclusion: conclusion(result) })}\n`);
  return 0;
}
