import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatasetError, ParameterError } from '../errors';
import { datasetSummary } from '../dataset/types';
import { type FeatureOptions, cacheClips, cacheFeatures, computeFeatures } from '../dataset/features';
import { OptionSpec, helpText, intOption, parseArgs } from './args';
import { DATA_OPTIONS, SPLIT_OPTION, cacheDirArg, loadDataArgs, readConfigFile, selectSplit } from './data';
import { contentHash } from '../dataset/cache';
import { progressBar } from './progress';
import {
  type AttackResult,
  type EvaluationSummary,
  classScores,
  compareScores,
  evaluateScores,
  matchScores,
  perAttackEer,
  readScores,
  writeScores,
  type ScoreComparison,
} from '../metrics/scores';
import { computeEer } from '../metrics/detection';
import type { BootstrapInterval } from '../metrics/bootstrap';
import { checkOutputFile } from '../atomicFile';
import { type CommandInput, dataInputs } from './inputs';
import { checkNotAnInput } from './outputs';

const SPEC: Record<string, OptionSpec> = {
  model: { type: 'string', arg: 'MODEL_DIR', help: 'model folder written by specmorph train' },
  ...DATA_OPTIONS,
  ...SPLIT_OPTION,
  'allow-overlap': {
    type: 'flag',
    help: 'score clips the model was trained or validated on (refused by default), and say how many',
  },
  scores: {
    type: 'string',
    arg: 'FILE',
    help: 'write scores in the ASVspoof 2019 CM layout: utt_id attack_id key score',
  },
  compare: {
    type: 'string',
    arg: 'SCORES',
    help:
      'a score file of another system on the same clips (evaluate --scores of, e.g., the LFCC-GMM reference): ' +
      'print both EERs per attack and the paired bootstrap interval of their difference',
  },
  experts: {
    type: 'flag',
    help:
      "also score each expert of the model alone (network, gmm, their fusion, excitation, prosody: those it has) and print each one's " +
      'pooled and per-attack EER beside the fused score; with --json, their scores per clip',
  },
  config: {
    type: 'string',
    arg: 'FILE.json',
    help: "refuse to run unless this pipeline equals the model's own pipeline.json",
  },
  json: { type: 'flag', help: 'print the results as one JSON object on the last stdout line' },
  help: { type: 'flag', help: 'show this help' },
};

export const EVALUATE_HELP = helpText(
  'Usage: specmorph evaluate --model MODEL_DIR --data DIR [--scores FILE] [--json]\n' +
    '       specmorph evaluate --model MODEL_DIR --protocol FILE --audio DIR [...]',
  "Scores every clip with the model (features from the model's own pipeline.json) and reports the pooled\n" +
    'EER (ASVspoof compute_eer), ROC AUC, accuracy at the EER threshold, minDCF (ASVspoof 5 costs:\n' +
    'Pspoof 0.05, Cmiss 1, Cfa 10) and the EER of each attack system against all bona fide clips, each EER\n' +
    'with its 95% bootstrap interval (2000 resamples of the clips, seed 0).',
  SPEC,
);

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** `[low, high]` of an EER interval in percent, e.g. `[3.79, 21.0]`. */
function range(i: Pick<BootstrapInterval, 'low' | 'high'>): string {
  const f = (x: number) => (100 * x).toFixed(Math.abs(100 * x) >= 9.995 ? 1 : 2);
  return `[${f(i.low)}, ${f(i.high)}]`;
}

/** The per-attack table (a title, a header, one row per attack), columns aligned whatever the attack names' lengths. */
export function perAttackLines(
  rows: readonly { attackId: string; n: number; eer: number; minDcf: number; interval?: BootstrapInterval }[],
): string[] {
  const w = Math.max(6, ...rows.map((a) => a.attackId.length));
  const ci = rows.map((a) => (a.interval ? range(a.interval) : '-'));
  const level = rows.find((a) => a.interval)?.interval?.level;
  const head = level === undefined ? '' : `${Math.round(100 * level)}% CI`;
  const cw = Math.max(head.length, ...ci.map((c) => c.length));
  const ciCol = (c: string) => (level === undefined ? '' : `  ${c.padStart(cw)}`);
  return [
    'per attack (each against all bona fide):',
    `  ${'attack'.padEnd(w)}  ${'n'.padStart(5)}  ${'EER'.padStart(7)}${ciCol(head)}  ${'minDCF'.padStart(6)}`,
    ...rows.map(
      (a, k) =>
        `  ${a.attackId.padEnd(w)}  ${String(a.n).padStart(5)}  ${pct(a.eer).padStart(7)}${ciCol(ci[k])}  ${a.minDcf.toFixed(4)}`,
    ),
  ];
}

/**
 * The comparison table of `evaluate --compare`: per line (pooled, then each attack) both EERs, their
 * difference with its paired bootstrap interval and how often each system erred more in the resamples.
 */
export function comparisonLines(rows: readonly ScoreComparison[], other: string): string[] {
  const w = Math.max(6, ...rows.map((a) => a.attackId.length));
  const ci = rows.map((a) => range(a));
  const head = `${Math.round(100 * rows[0].level)}% CI`;
  const cw = Math.max(head.length, ...ci.map((c) => c.length));
  const signed = (x: number) => `${x > 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
  return [
    `this model (A) against ${other} (B), the same clips; difference A - B in points, paired bootstrap:`,
    `  ${'attack'.padEnd(w)}  ${'n'.padStart(5)}  ${'EER A'.padStart(7)}  ${'EER B'.padStart(7)}  ${'A - B'.padStart(7)}  ${head.padStart(cw)}  ${'A worse'.padStart(7)}  ${'B worse'.padStart(7)}`,
    ...rows.map(
      (a, k) =>
        `  ${a.attackId.padEnd(w)}  ${String(a.n).padStart(5)}  ${pct(a.eerA).padStart(7)}  ${pct(a.eerB).padStart(7)}  ` +
        `${signed(a.difference).padStart(7)}  ${ci[k].padStart(cw)}  ${pct(a.aWorse).padStart(7)}  ${pct(a.bWorse).padStart(7)}`,
    ),
  ];
}

/** The model folder `dir` and each file in it, as inputs no output of evaluate may replace or join. */
function modelInputs(dir: string): CommandInput[] {
  return [
    ...readdirSync(dir).map((name) => ({
      path: path.join(dir, name),
      what: `a file of the model folder ${dir}`,
      kind: 'file' as const,
    })),
    { path: dir, what: `the model folder ${dir}`, kind: 'folder' },
  ];
}

/** How many of `files` have the content of a clip the model was trained or validated on (`metadata.extra.clips`). */
async function trainingOverlap(files: readonly string[], clips: unknown): Promise<{ count: number; first: number }> {
  const c = clips as { train?: unknown; validation?: unknown } | undefined;
  if (!c || !Array.isArray(c.train)) return { count: 0, first: -1 };
  const seen = new Set<string>([
    ...(c.train as string[]),
    ...(Array.isArray(c.validation) ? (c.validation as string[]) : []),
  ]);
  const { promises: fs } = await import('node:fs');
  let count = 0;
  let first = -1;
  for (let i = 0; i < files.length; i++) {
    if (seen.has(contentHash(await fs.readFile(files[i])))) {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, first };
}

/**
 * `evaluate --experts`: one line per expert scored alone and one for the model's fused score, EER
 * pooled and per attack (columns in the per-attack table's order).
 */
export function expertLines(
  experts: readonly { name: string; eer: number; perAttack: readonly AttackResult[] }[],
  fused: Pick<EvaluationSummary, 'eer' | 'perAttack'>,
): string[] {
  const attacks = fused.perAttack.map((a) => a.attackId);
  const lines = [{ name: 'fused (the model)', eer: fused.eer, perAttack: fused.perAttack }, ...experts];
  const w = Math.max(...lines.map((l) => l.name.length));
  const cols = ['pooled', ...attacks];
  const cw = cols.map((c) => Math.max(7, c.length));
  const cell = (x: number | undefined, k: number) => (x === undefined ? '-' : pct(x)).padStart(cw[k]);
  return [
    'each expert alone (EER, against all bona fide):',
    `  ${''.padEnd(w)}  ${cols.map((c, k) => c.padStart(cw[k])).join('  ')}`,
    ...lines.map(
      (l) =>
        `  ${l.name.padEnd(w)}  ${[l.eer, ...attacks.map((a) => l.perAttack.find((p) => p.attackId === a)?.eer)]
          .map(cell)
          .join('  ')}`,
    ),
  ];
}

/** `specmorph evaluate`: returns the exit code. */
export async function evaluateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'evaluate');
  if (args.help) {
    process.stdout.write(EVALUATE_HELP);
    return 0;
  }
  if (typeof args.model !== 'string') throw new ParameterError('evaluate: --model MODEL_DIR is required');
  const workersArg = args.workers === undefined ? 'auto' : intOption(args, 'workers', 0, 0, 256);
  const cacheDir = cacheDirArg(args);
  const scoresFile = typeof args.scores === 'string' ? path.resolve(args.scores) : null;
  if (scoresFile) checkOutputFile(scoresFile);
  // read before the long work: a missing, malformed, endless or huge file fails now, naming itself
  const compareFile = typeof args.compare === 'string' ? path.resolve(args.compare) : null;
  const compareRows = compareFile ? await readScores(compareFile) : null;
  const config = typeof args.config === 'string' ? await readConfigFile(args.config) : null;
  const all = await loadDataArgs(args, 'evaluate');
  const { assertSamePipeline, readModelMetadata } = await import('../model/io');
  const metadata = await readModelMetadata(args.model);
  if (typeof args.scores === 'string') {
    checkNotAnInput(
      { command: 'evaluate', option: '--scores', value: args.scores },
      [args.scores],
      [
        ...modelInputs(args.model),
        ...(typeof args.config === 'string'
          ? [{ path: args.config, what: 'the --config file', kind: 'file' as const }]
          : []),
        ...(compareFile ? [{ path: compareFile, what: 'the --compare file', kind: 'file' as const }] : []),
        ...dataInputs(args, all),
      ],
    );
  }
  const ds = selectSplit(all, args, 'evaluate', null);
  const trials = ds.items.map((it) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label }));
  if (compareRows) {
    try {
      matchScores(trials, compareRows, [`the clips of ${ds.root}`, compareFile!]);
    } catch (e) {
      throw new ParameterError(`evaluate: --compare: ${(e as Error).message}`);
    }
  }
  if (args.experts && metadata.architecture === 'gmm')
    throw new ParameterError(`evaluate: --experts: ${args.model} is an LFCC-GMM model, one system without experts`);
  // Check the pipeline before building the network, so a mismatch fails fast and quietly.
  if (config) assertSamePipeline({ metadata }, config, args.config as string);
  const overlap = await trainingOverlap(
    ds.items.map((it) => it.path),
    metadata.extra?.clips,
  );
  if (overlap.count > 0 && !args['allow-overlap']) {
    throw new DatasetError(
      `evaluate: ${overlap.count} of ${ds.items.length} clips (e.g. ${ds.items[overlap.first].path}) ` +
        `were used to train or validate ${args.model}; ` +
        'scores on them say nothing about unseen data. ' +
        'Evaluate on held-out clips (--split test for a corpus with meta.csv) or pass --allow-overlap',
    );
  }
  if (overlap.count > 0)
    process.stderr.write(
      `warning: ${overlap.count} of ${ds.items.length} clips were used to train or validate this model ` +
        '(--allow-overlap)\n',
    );
  if (metadata.extra?.clips === undefined)
    process.stderr.write(
      `note: ${args.model} records no training clips (written by an older specmorph): ` +
        'overlap with its training data cannot be checked\n',
    );
  // A GMM scores in plain float64 JavaScript: no tfjs backend to start. A network needs it before loading.
  let backend = metadata.backend;
  if (metadata.architecture !== 'gmm') {
    const { initBackend, formatBackendInfo } = await import('./backend');
    const info = await initBackend();
    backend = info.name;
    process.stderr.write(`${formatBackendInfo(info)}\n`);
  }
  const { hasExperts, loadDetector, scoreDetector, scoreExperts } = await import('../model/detector');
  const saved = await loadDetector(args.model);
  if (args.experts && !hasExperts(saved))
    throw new ParameterError(
      `evaluate: --experts: ${args.model} has no experts (its pipeline has neither lfcc nor excitation rows)`,
    );
  // A GMM takes whole clips of any length, a network one input shape; with a cache, either reads the
  // clips from it one at a time (memory does not grow with the corpus), without one they are held.
  const files = ds.items.map((it) => it.path);
  const featureOpts: FeatureOptions = { workers: workersArg, onProgress: progressBar('features') };
  const feats = !cacheDir
    ? await computeFeatures(files, saved.pipeline, { ...featureOpts, cacheDir, sameShape: saved.kind === 'tfjs' })
    : saved.kind === 'tfjs'
      ? await cacheFeatures(files, saved.pipeline, { ...featureOpts, cacheDir })
      : await cacheClips(files, saved.pipeline, { ...featureOpts, cacheDir });
  const want = saved.metadata.inputShape;
  // Only the rows must match: a network scores wider clips as the mean over windows of its width.
  if (want.length >= 2 && want[0] !== feats.rows) {
    throw new DatasetError(`${args.model}: model expects ${want[0]} feature rows, the pipeline gave ${feats.rows}`);
  }
  const scores = scoreDetector(saved, feats.features);
  const experts = args.experts
    ? scoreExperts(saved, feats.features as Parameters<typeof scoreExperts>[1]).map(({ name, scores: e }) => {
        const r = trials.map((t, i) => ({ ...t, score: e[i] }));
        const { bona, spoof } = classScores(r);
        return { name, scores: e, eer: computeEer(bona, spoof).eer, perAttack: perAttackEer(r) };
      })
    : null;
  if (saved.kind === 'tfjs') saved.model.dispose();
  const rows = trials.map((t, i) => ({ ...t, score: scores[i] }));
  const s = evaluateScores(rows);
  const comparison = compareRows ? compareScores(rows, compareRows) : null;
  if (scoresFile) await writeScores(scoresFile, rows);
  const sum = datasetSummary(ds.items);
  const lines = [
    `clips: ${s.n} (${s.nBonafide} bona fide, ${s.nSpoof} spoof)`,
    `EER: ${pct(s.eer)} (${Math.round(100 * s.interval.level)}% CI ${range(s.interval)}, bootstrap; threshold ${s.threshold.toPrecision(6)})`,
    `ROC AUC: ${s.auc.toFixed(4)}`,
    `accuracy at EER threshold: ${pct(s.accuracy)}`,
    `minDCF (Pspoof 0.05, Cmiss 1, Cfa 10): ${s.minDcf.toFixed(4)}`,
    ...(s.perAttack.length > 1 || Object.keys(sum.attacks).length > 1 ? perAttackLines(s.perAttack) : []),
    ...(comparison ? comparisonLines(comparison, path.basename(compareFile!)) : []),
    ...(experts ? expertLines(experts, s) : []),
    ...(scoresFile ? [`scores written to ${scoresFile}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (args.json) {
    const json = {
      n: s.n,
      nBonafide: s.nBonafide,
      nSpoof: s.nSpoof,
      eer: s.eer,
      threshold: s.threshold,
      auc: s.auc,
      accuracy: s.accuracy,
      minDcf: s.minDcf,
      eerInterval: s.interval,
      confusion: s.confusion.matrix,
      perAttack: s.perAttack,
      backend,
      model: path.resolve(args.model),
      pipelineFingerprint: saved.metadata.pipelineFingerprint,
      scores: scoresFile,
      trainingOverlap: overlap.count,
      comparison: comparison && { file: compareFile, rows: comparison },
      ...(experts && {
        experts: {
          uttIds: trials.map((t) => t.uttId),
          systems: experts.map((e) => ({
            name: e.name,
            eer: e.eer,
            perAttack: e.perAttack.map(({ attackId, n, eer }) => ({ attackId, n, eer })),
            scores: Array.from(e.scores),
          })),
        },
      }),
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  }
  return 0;
}
