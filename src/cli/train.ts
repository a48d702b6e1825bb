import { DatasetError } from '../errors';
import { datasetSummary } from '../dataset/types';
import { splitDataset } from '../dataset/split';
import { type FeatureOptions, cacheFeatures, computeFeatures, dataFingerprint } from '../dataset/features';
import { type GridSource, gridSource, pickGrids } from '../grid/source';
import { crossClassDuplicates, crossClassWarning } from '../dataset/duplicates';
import {
  DEFAULT_PIPELINE,
  type PipelineConfig,
  type StageConfig,
  pipelineFingerprint,
  excitationRowCount,
  resolvePipelineConfig,
  stageKind,
} from '../pipeline/config';
import { OptionSpec, fractionOption, helpText, intOption, parseArgs } from './args';
import {
  DEFAULT_ARCHITECTURE,
  DEFAULT_CROP_SECONDS,
  DETECTOR_NAMES,
  GMM_DETECTOR,
  detectorChoices,
  isArchitectureName,
} from '../model/registry';
import {
  DATA_OPTIONS,
  SHARD_OPTION,
  SPLIT_OPTION,
  cacheDirArg,
  fillShard,
  loadDataArgs,
  readConfigFile,
  selectSplit,
  shardArg,
} from './data';
import { progressBar } from './progress';
import { computeEer } from '../metrics/detection';
import { checkModelOutArg } from './outputs';
import { checkModelOutput } from '../model/folder';
import { DEFAULT_GMM_COMPONENTS } from '../model/gmm';

const SPEC: Record<string, OptionSpec> = {
  ...DATA_OPTIONS,
  ...SPLIT_OPTION,
  ...SHARD_OPTION,
  out: {
    type: 'string',
    arg: 'MODEL_DIR',
    help:
      'model folder to write: new or empty (or a specmorph model folder, with --overwrite); ' +
      'not a mount point: it is renamed into place',
  },
  overwrite: {
    type: 'flag',
    help: 'replace --out if it is a specmorph model folder (other folders are never replaced)',
  },
  config: { type: 'string', arg: 'FILE.json', help: 'pipeline config JSON (default: the built-in DEFAULT_PIPELINE)' },
  epochs: {
    type: 'string',
    arg: 'N',
    help: 'largest number of epochs (default 30; early stopping on the validation EER ends sooner)',
  },
  patience: { type: 'string', arg: 'N', help: 'stop after N epochs without a better validation EER (default 8)' },
  'crop-seconds': {
    type: 'string',
    arg: 'S',
    help:
      'train on random crops of S seconds of the features, score whole clips as the mean over windows ' +
      `(default ${DEFAULT_CROP_SECONDS})`,
  },
  augment: { type: 'flag', help: 'SpecAugment-style time and frequency masks during training (2 of each)' },
  seed: { type: 'string', arg: 'N', help: 'seed of split, initialisation and batch order (default 0)' },
  validation: {
    type: 'string',
    arg: 'F',
    help:
      'fraction held out for validation (default 0.2): speaker-disjoint with --protocol (its speaker column; ' +
      "at most F of each attack), else stratified by class (a --data folder's meta.csv speakers are not read)",
  },
  arch: { type: 'string', arg: 'NAME', help: `detector (default ${DEFAULT_ARCHITECTURE}): ${detectorChoices()}` },
  components: {
    type: 'string',
    arg: 'N',
    help: `gmm: mixture components per class (default ${DEFAULT_GMM_COMPONENTS})`,
  },
  'max-iter': {
    type: 'string',
    arg: 'N',
    help: 'gmm: most EM iterations per class (default 100; EM stops earlier once the log-likelihood settles)',
  },
  json: { type: 'flag', help: 'print the summary as one JSON object on the last stdout line' },
  help: { type: 'flag', help: 'show this help' },
};

export const TRAIN_HELP = helpText(
  'Usage: specmorph train --data DIR --out MODEL_DIR [--config FILE.json] [--epochs N] [--seed N]\n' +
    '       specmorph train --protocol FILE --audio DIR --out MODEL_DIR [...]',
  'Computes features with the pipeline, trains a bona fide vs spoof CNN and writes a model folder\n' +
    '(model.json, weights.bin, pipeline.json, labels.json, metadata.json).',
  SPEC,
);

/**
 * SpecAugment masks `train --augment` turns on (two time masks of up to 20 frames, two frequency
 * masks of up to 8 rows).
 */
const DEFAULT_AUGMENT = { timeMasks: 2, timeMaskWidth: 20, freqMasks: 2, freqMaskWidth: 8 } as const;

/**
 * Crop width in frames for `seconds` of features made by `config`: its last resample stage's rate
 * over its spectral stage's hop, at most `cols`. Without a resample stage the clips keep their own
 * rates, so seconds have no fixed frame count: the whole width is used.
 */
export function cropFramesFor(config: PipelineConfig, cols: number, seconds: number): number {
  const stages = resolvePipelineConfig(config).stages as (StageConfig & { sampleRate?: number; hopLength?: number })[];
  const rate = stages.filter((s) => s.op === 'resample').at(-1)?.sampleRate;
  const hop = stages.find((s) => stageKind(s.op) === 'spectral')?.hopLength;
  if (!rate || !hop) return cols;
  return Math.max(1, Math.min(cols, Math.round((seconds * rate) / hop)));
}

/**
 * Runs `save`, which writes the model folder at `out`. A refusal naming `out` because `out` changed
 * while this run trained (another run wrote a model there) is said in the command's words:
 * `--overwrite`, where saveModel's own message names its API option.
 */
async function saveToOut<T>(out: string, overwrite: boolean, save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (e) {
    if (e instanceof DatasetError && e.message.startsWith(`${out}: `)) {
      try {
        checkModelOutput(out, { overwrite, overwriteHint: '--overwrite' });
      } catch (now) {
        throw new DatasetError(
          `${(now as Error).message} (--out changed while this run trained; this run's model was not kept)`,
        );
      }
    }
    throw e;
  }
}

/** `specmorph train`: returns the exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'train');
  if (args.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const epochs = intOption(args, 'epochs', 30, 1, 100000);
  const patience = intOption(args, 'patience', 8, 0, 100000);
  const seed = intOption(args, 'seed', 0, 0, 2 ** 32 - 1);
  const validation = fractionOption(args, 'validation', 0.2, 0, 1);
  const arch = args.arch === undefined ? DEFAULT_ARCHITECTURE : String(args.arch);
  if (!isArchitectureName(arch) && arch !== GMM_DETECTOR.name)
    throw new DatasetError(`train: --arch=${JSON.stringify(arch)} must be one of ${DETECTOR_NAMES.join(', ')}`);
  if (arch !== GMM_DETECTOR.name && args.components !== undefined)
    throw new DatasetError('train: --components applies to --arch gmm only');
  if (arch !== GMM_DETECTOR.name && args['max-iter'] !== undefined)
    throw new DatasetError('train: --max-iter applies to --arch gmm only (networks take --epochs)');
  if (arch === GMM_DETECTOR.name && args.epochs !== undefined)
    throw new DatasetError('train: --epochs does not apply to --arch gmm (EM runs until the log-likelihood settles)');
  const cropSeconds = args['crop-seconds'] === undefined ? DEFAULT_CROP_SECONDS : Number(args['crop-seconds']);
  if (!(Number.isFinite(cropSeconds) && cropSeconds > 0))
    throw new DatasetError(
      `train: --crop-seconds=${JSON.stringify(args['crop-seconds'])} must be a number of seconds > 0`,
    );
  const workersArg = args.workers === undefined ? 'auto' : intOption(args, 'workers', 0, 0, 256);
  const cacheDir = cacheDirArg(args);
  const shard = shardArg(args, 'train', cacheDir);
  if (!shard && typeof args.out !== 'string') throw new DatasetError('train: --out MODEL_DIR is required');
  const out = String(args.out);
  const overwrite = args.overwrite === true;
  if (!shard) checkModelOutArg(out, overwrite);
  const config = typeof args.config === 'string' ? await readConfigFile(args.config) : DEFAULT_PIPELINE;
  const ds = selectSplit(await loadDataArgs(args, 'train'), args, 'train', 'train');
  const summary = datasetSummary(ds.items);
  process.stderr.write(
    `data: ${summary.n} clips (${summary.bonafide} bona fide, ${summary.spoof} spoof, ` +
      `${Object.keys(summary.attacks).length} attack systems) from ${ds.root}\n`,
  );
  if (shard) {
    const gmmConfig = async () => (await import('../model/gmmModel')).DEFAULT_GMM_PIPELINE;
    const pipeline = arch === GMM_DETECTOR.name && typeof args.config !== 'string' ? await gmmConfig() : config;
    await fillShard(
      ds.items.map((it) => it.path),
      [pipeline],
      shard,
      { cacheDir: cacheDir!, workers: workersArg },
    );
    return 0;
  }
  if (arch === GMM_DETECTOR.name) {
    // Loaded only now, like tfjs below: the GMM model folder code imports io.ts (and so tfjs).
    const { trainGmmCommandPart } = await import('./gmm');
    const { DEFAULT_GMM_PIPELINE } = await import('../model/gmmModel');
    const validationGmm = args.validation === undefined ? 0 : validation;
    const components = intOption(args, 'components', DEFAULT_GMM_COMPONENTS, 1, 65536);
    const maxIter = args['max-iter'] === undefined ? undefined : intOption(args, 'max-iter', 100, 0, 100000);
    return saveToOut(out, overwrite, () =>
      trainGmmCommandPart({
        maxIter,
        ds,
        out,
        config: typeof args.config === 'string' ? config : DEFAULT_GMM_PIPELINE,
        seed,
        validation: validationGmm,
        components,
        cacheDir,
        workers: workersArg,
        json: !!args.json,
      }),
    );
  }
  const resolved = resolvePipelineConfig(config);
  const excitation = resolved.excitation !== undefined;
  const lfccRows = resolved.lfcc !== undefined;
  const experts = excitation || lfccRows;
  process.stderr.write(
    `pipeline: ${pipelineFingerprint(config).slice(0, 12)} ` +
      `(${config.stages.map((s) => s.op).join(' -> ')}${lfccRows ? ' + lfcc' : ''}${excitation ? ' + excitation' : ''})\n`,
  );

  // selectSplit saw both classes, so only the validation part can have taken every clip of one;
  // the split needs no features, so this is said before any are computed.
  const indexed = ds.items.map((it, i) => ({ ...it, i }));
  const split = splitDataset(indexed, { validation, seed });
  for (const label of ['bonafide', 'spoof'] as const) {
    const n = split.validation.filter((it) => it.label === label).length;
    const clips = `${label === 'bonafide' ? 'bona fide' : 'spoof'} clip${n === 1 ? '' : 's'}`;
    if (!split.train.some((it) => it.label === label))
      throw new DatasetError(
        `${ds.root}: --validation=${validation} puts ${n === 1 ? 'the only' : `all ${n}`} ${clips} in the ` +
          'validation part, leaving none to train on; lower --validation or add data',
      );
  }

  // With a cache, features stay there and training streams batches from it (memory does not grow
  // with the corpus); with --no-cache there is nowhere to stream from, so they are held in memory.
  const files = ds.items.map((it) => it.path);
  const featureOpts: FeatureOptions = { workers: workersArg, onProgress: progressBar('features') };
  const feats = cacheDir
    ? await cacheFeatures(files, config, { ...featureOpts, cacheDir })
    : await computeFeatures(files, config, featureOpts);
  const features: GridSource = Array.isArray(feats.features) ? gridSource(feats.features) : feats.features;
  process.stderr.write(
    `features: ${feats.rows}x${feats.cols}, ${feats.cacheHits} from cache, ${feats.workers || 'no'} worker threads` +
      `${cacheDir ? ', streamed from the cache' : ', held in memory (--no-cache)'}\n`,
  );
  const duplicates = crossClassDuplicates(ds.items, feats.hashes);
  if (duplicates.length) process.stderr.write(`${crossClassWarning(duplicates)}\n`);

  // tfjs is loaded only now, after every argument and file has been checked.
  const { initBackend } = await import('./backend');
  // trainClassifier logs the backend line (and the GMM expert's fit) through `log`.
  const info = await initBackend();
  const { trainClassifier, predictScores } = await import('../model/train');
  const { saveModel } = await import('../model/io');

  const asData = (items: typeof split.train) => ({
    inputs: pickGrids(
      features,
      items.map((it) => it.i),
    ),
    labels: items.map((it) => (it.label === 'bonafide' ? 1 : 0)),
  });
  const val = split.validation;
  const cropFrames = cropFramesFor(config, feats.cols, cropSeconds);
  const { model, history, bestEpoch, stoppedEarly } = await trainClassifier(asData(split.train), {
    model: arch,
    epochs,
    patience,
    seed,
    cropFrames,
    // A pipeline with excitation or LFCC rows gets the experts that read them.
    modelOptions: {
      ...(excitation ? { excitation: { rows: excitationRowCount(resolved) } } : {}),
      ...(lfccRows ? { gmm: {} } : {}),
    },
    ...(args.augment ? { augment: DEFAULT_AUGMENT } : {}),
    ...(val.length ? { validationData: asData(val) } : {}),
    progress: false,
    log: (line) => process.stderr.write(`${line}\n`),
    onEpoch: (l) =>
      process.stderr.write(
        `epoch ${l.epoch + 1}/${l.epochs} loss ${l.loss.toFixed(4)}` +
          `${Number.isNaN(l.valEer) ? '' : ` validation EER ${(100 * l.valEer).toFixed(2)}%${experts ? ' (network)' : ''}`} ` +
          `(${(l.ms / 1000).toFixed(1)} s)\n`,
      ),
  });
  let validationEer: number | null = null;
  if (val.some((it) => it.label === 'bonafide') && val.some((it) => it.label === 'spoof')) {
    const scores = predictScores(
      model,
      pickGrids(
        features,
        val.map((it) => it.i),
      ),
    );
    const bona = val.flatMap((it, k) => (it.label === 'bonafide' ? [scores[k]] : []));
    const spoof = val.flatMap((it, k) => (it.label === 'spoof' ? [scores[k]] : []));
    validationEer = computeEer(bona, spoof).eer;
  }
  const clips = { train: split.train.map((it) => feats.hashes[it.i]), validation: val.map((it) => feats.hashes[it.i]) };
  const dataFp = dataFingerprint(ds.items.map((it, i) => ({ id: it.id, hash: feats.hashes[i], label: it.label })));
  const meta = await saveToOut(out, overwrite, () =>
    saveModel(out, model, {
      overwrite,
      pipeline: config,
      backend: info.name,
      seed,
      dataFingerprint: dataFp,
      labels: { classes: ['spoof', 'bonafide'], positive: 'bonafide' },
      extra: {
        architecture: arch,
        epochs,
        patience,
        bestEpoch,
        stoppedEarly,
        cropFrames,
        augment: args.augment === true,
        history,
        split: { by: split.by, train: split.train.length, validation: val.length },
        validationEer,
        data: ds.root,
        crossClassDuplicates: duplicates.length,
        clips,
      },
    }),
  );
  model.dispose();
  const result = {
    out,
    n: summary.n,
    train: split.train.length,
    validation: val.length,
    epochs: history.length,
    bestEpoch,
    seed,
    architecture: arch,
    backend: info.name,
    finalLoss: history[history.length - 1].loss,
    validationEer,
    crossClassDuplicates: duplicates.length,
    pipelineFingerprint: meta.pipelineFingerprint,
    dataFingerprint: dataFp,
  };
  process.stdout.write(
    `model written to ${out}: ${split.train.length} training clips, ` +
      `${history.length} epochs (best ${bestEpoch + 1}${stoppedEarly ? ', stopped early' : ''}), ` +
      `final loss ${result.finalLoss.toFixed(4)}` +
      `${validationEer === null ? '' : `, validation EER ${(100 * validationEer).toFixed(2)}%`}\n`,
  );
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
