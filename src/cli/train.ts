import { DatasetError } from '../errors';
import { datasetSummary } from '../dataset/types';
import { splitDataset } from '../dataset/split';
import { computeFeatures, dataFingerprint } from '../dataset/features';
import { DEFAULT_PIPELINE, pipelineFingerprint } from '../pipeline/config';
import { OptionSpec, fractionOption, helpText, intOption, parseArgs } from './args';
import { DATA_OPTIONS, cacheDirArg, loadDataArgs, readConfigFile } from './data';
import { progressBar } from './progress';
import { DEFAULT_GMM_COMPONENTS } from '../model/gmm';

const SPEC: Record<string, OptionSpec> = {
  ...DATA_OPTIONS,
  out: { type: 'string', arg: 'MODEL_DIR', help: 'model folder to write (replaced atomically if it is a model folder)' },
  config: { type: 'string', arg: 'FILE.json', help: 'pipeline config JSON (default: the built-in DEFAULT_PIPELINE)' },
  epochs: { type: 'string', arg: 'N', help: 'training epochs (default 10)' },
  seed: { type: 'string', arg: 'N', help: 'seed of split, initialisation and batch order (default 0)' },
  validation: { type: 'string', arg: 'F', help: 'fraction held out for validation, speaker-disjoint when speakers are known (default 0.2)' },
  arch: { type: 'string', arg: 'NAME', help: 'architecture: cnn (small CNN, default), lcnn (light CNN with max-feature-map) or gmm (ASVspoof 2019 LFCC-GMM baseline; default pipeline: LFCC preset asvspoof2019, validation 0)' },
  components: { type: 'string', arg: 'N', help: `gmm: mixture components per class (default ${DEFAULT_GMM_COMPONENTS})` },
  json: { type: 'flag', help: 'print the summary as one JSON object on the last stdout line' },
  help: { type: 'flag', help: 'show this help' },
};

export const TRAIN_HELP = helpText(
  'Usage: specmorph train --data DIR --out MODEL_DIR [--config FILE.json] [--epochs N] [--seed N]\n       specmorph train --protocol FILE --audio DIR --out MODEL_DIR [...]',
  'Computes features with the pipeline, trains a bona fide vs spoof CNN and writes a model folder\n(model.json, weights.bin, pipeline.json, labels.json, metadata.json).',
  SPEC,
);

/** `specmorph train`: returns the exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'train');
  if (args.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const epochs = intOption(args, 'epochs', 10, 1, 100000);
  const seed = intOption(args, 'seed', 0, 0, 2 ** 32 - 1);
  const validation = fractionOption(args, 'validation', 0.2, 0, 1);
  const arch = args.arch === undefined ? 'cnn' : args.arch;
  if (arch !== 'cnn' && arch !== 'lcnn' && arch !== 'gmm') throw new DatasetError(`train: --arch=${String(arch)} must be cnn, lcnn or gmm`);
  if (arch !== 'gmm' && args.components !== undefined) throw new DatasetError('train: --components applies to --arch gmm only');
  if (arch === 'gmm' && args.epochs !== undefined) throw new DatasetError('train: --epochs does not apply to --arch gmm (EM runs until the log-likelihood settles)');
  const workersArg = args.workers === undefined ? 'auto' : intOption(args, 'workers', 0, 0, 256);
  if (typeof args.out !== 'string') throw new DatasetError('train: --out MODEL_DIR is required');
  const out = args.out;
  const config = typeof args.config === 'string' ? await readConfigFile(args.config) : DEFAULT_PIPELINE;
  const cacheDir = cacheDirArg(args);
  const ds = await loadDataArgs(args, 'train');
  const summary = datasetSummary(ds.items);
  process.stderr.write(`data: ${summary.n} clips (${summary.bonafide} bona fide, ${summary.spoof} spoof, ${Object.keys(summary.attacks).length} attack systems) from ${ds.root}\n`);
  if (arch === 'gmm') {
    // Loaded only now, like tfjs below: the GMM model folder code imports io.ts (and so tfjs).
    const { trainGmmCommandPart } = await import('./gmm');
    const { DEFAULT_GMM_PIPELINE } = await import('../model/gmmModel');
    const validationGmm = args.validation === undefined ? 0 : validation;
    const components = intOption(args, 'components', DEFAULT_GMM_COMPONENTS, 1, 65536);
    return trainGmmCommandPart({ ds, out, config: typeof args.config === 'string' ? config : DEFAULT_GMM_PIPELINE, seed, validation: validationGmm, components, cacheDir, workers: workersArg, json: !!args.json });
  }
  process.stderr.write(`pipeline: ${pipelineFingerprint(config).slice(0, 12)} (${config.stages.map((s) => s.op).join(' -> ')})\n`);

  const feats = await computeFeatures(ds.items.map((it) => it.path), config, { cacheDir, workers: workersArg, onProgress: progressBar('features') });
  process.stderr.write(`features: ${feats.rows}x${feats.cols}, ${feats.cacheHits} from cache, ${feats.workers || 'no'} worker threads\n`);
  const indexed = ds.items.map((it, i) => ({ ...it, i }));
  const split = splitDataset(indexed, { validation, seed });
  for (const label of ['bonafide', 'spoof'] as const) {
    if (!split.train.some((it) => it.label === label)) throw new DatasetError(`${ds.root}: the training split has no ${label} clips; add data or lower --validation`);
  }

  // tfjs is loaded only now, after every argument and file has been checked.
  const { initBackend, formatBackendInfo } = await import('./backend');
  const info = await initBackend();
  process.stderr.write(`${formatBackendInfo(info)}\n`);
  const { trainClassifier, predictScores } = await import('../model/train');
  const { computeEer } = await import('../model/evaluate');
  const { saveModel } = await import('../model/io');

  const asData = (items: typeof split.train) => ({ inputs: items.map((it) => feats.features[it.i]), labels: items.map((it) => (it.label === 'bonafide' ? 1 : 0)) });
  const val = split.validation;
  const { model, history, bestEpoch } = await trainClassifier(asData(split.train), {
    model: arch,
    epochs,
    seed,
    classWeight: 'balanced',
    ...(val.length ? { validationData: asData(val) } : {}),
    progress: false,
    log: null,
    onEpoch: (l) => process.stderr.write(`epoch ${l.epoch + 1}/${l.epochs} loss ${l.loss.toFixed(4)}${Number.isNaN(l.valLoss) ? '' : ` val_loss ${l.valLoss.toFixed(4)}`}\n`),
  });
  let validationEer: number | null = null;
  if (val.some((it) => it.label === 'bonafide') && val.some((it) => it.label === 'spoof')) {
    const scores = predictScores(model, val.map((it) => feats.features[it.i]));
    const bona = val.flatMap((it, k) => (it.label === 'bonafide' ? [scores[k]] : []));
    const spoof = val.flatMap((it, k) => (it.label === 'spoof' ? [scores[k]] : []));
    validationEer = computeEer(bona, spoof).eer;
  }
  const dataFp = dataFingerprint(ds.items.map((it, i) => ({ id: it.id, hash: feats.hashes[i], label: it.label })));
  const meta = await saveModel(out, model, {
    pipeline: config,
    backend: info.name,
    seed,
    dataFingerprint: dataFp,
    labels: { classes: ['spoof', 'bonafide'], positive: 'bonafide' },
    extra: { architecture: arch, epochs, bestEpoch, history, split: { by: split.by, train: split.train.length, validation: val.length }, validationEer, data: ds.root },
  });
  model.dispose();
  const result = { out, n: summary.n, train: split.train.length, validation: val.length, epochs, seed, architecture: arch, backend: info.name, finalLoss: history[history.length - 1].loss, validationEer, pipelineFingerprint: meta.pipelineFingerprint, dataFingerprint: dataFp };
  process.stdout.write(`model written to ${out}: ${split.train.length} training clips, ${epochs} epochs, final loss ${result.finalLoss.toFixed(4)}${validationEer === null ? '' : `, validation EER ${(100 * validationEer).toFixed(2)}%`}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
