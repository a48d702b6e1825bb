import { DatasetError } from '../errors';
import { Dataset } from '../dataset/types';
import { splitDataset } from '../dataset/split';
import { cacheClips, computeFeatures, dataFingerprint } from '../dataset/features';
import { PipelineConfig, pipelineFingerprint } from '../pipeline/config';
import type { CachedClips } from '../dataset/cache';
import type { Grid } from '../grid/grid';
import { fitGmmDetectorAsync, scoreGmmDetector, GmmIteration } from '../model/gmm';
import { saveGmmModel } from '../model/gmmModel';
import { computeEer } from '../metrics/detection';
import { progressBar } from './progress';

/** What `specmorph train --arch gmm` needs once its arguments are parsed. */
export interface GmmTrainRequest {
  /** The clips to train on (already restricted to the training split, when there is one). */
  ds: Dataset;
  out: string;
  /** The feature pipeline (DEFAULT_GMM_PIPELINE unless --config). */
  config: PipelineConfig;
  seed: number;
  /** Fraction held out to report a validation EER; 0 trains on every clip (the baseline's way). */
  validation: number;
  /** Mixture components per class. */
  components: number;
  /** Most EM iterations per class (fitGmm's default when undefined). */
  maxIter?: number;
  cacheDir: string | null;
  workers: number | 'auto';
  json: boolean;
}

/**
 * The `--arch gmm` part of `specmorph train`: LFCC features of every clip (whole clips, any length),
 * one diagonal GMM per class by EM (the two fitted at once on two threads), written as a GMM model
 * folder. With a cache, the features stay there and every EM pass streams them from it (memory does
 * not grow with the corpus); with --no-cache they are held in memory. Returns the exit code.
 */
export async function trainGmmCommandPart(req: GmmTrainRequest): Promise<number> {
  const { ds, config, seed } = req;
  process.stderr.write(
    `pipeline: ${pipelineFingerprint(config).slice(0, 12)} (${config.stages.map((s) => s.op).join(' -> ')})\n`,
  );
  const files = ds.items.map((it) => it.path);
  const featureOpts = { workers: req.workers, onProgress: progressBar('features') };
  const feats = req.cacheDir
    ? await cacheClips(files, config, { ...featureOpts, cacheDir: req.cacheDir })
    : await computeFeatures(files, config, { ...featureOpts, cacheDir: null, sameShape: false });
  process.stderr.write(
    `features: ${feats.rows} coefficients per frame, ${feats.cacheHits} from cache, ` +
      `${feats.workers || 'no'} worker threads` +
      `${req.cacheDir ? ', streamed from the cache' : ', held in memory (--no-cache)'}\n`,
  );
  const { features } = feats;
  const framesOf = (i: number) => (Array.isArray(features) ? features[i].cols : (feats.cols as Int32Array)[i]);
  /** The features of `items` (indices into ds.items), read from the cache when there is one. */
  const clipsOf = (items: readonly { i: number }[]): Grid[] | CachedClips =>
    Array.isArray(features) ? items.map((it) => features[it.i]) : features.pick(items.map((it) => it.i));
  const indexed = ds.items.map((it, i) => ({ ...it, i }));
  const split =
    req.validation > 0
      ? splitDataset(indexed, { validation: req.validation, seed })
      : { train: indexed, validation: [] as typeof indexed, by: 'none' };
  for (const label of ['bonafide', 'spoof'] as const) {
    if (!split.train.some((it) => it.label === label))
      throw new DatasetError(
        `${ds.root}: the training clips hold no ${label} clip${req.validation > 0 ? '; lower --validation' : ''}`,
      );
  }
  const ofClass = (items: typeof indexed, label: string) => clipsOf(items.filter((it) => it.label === label));
  const t0 = Date.now();
  const emSeconds = { bonafide: 0, spoof: 0 };
  const detector = await fitGmmDetectorAsync(ofClass(split.train, 'bonafide'), ofClass(split.train, 'spoof'), {
    nComponents: req.components,
    seed,
    ...(req.maxIter === undefined ? {} : { maxIter: req.maxIter }),
    onIteration: (cls: 'bonafide' | 'spoof', it: GmmIteration) => {
      emSeconds[cls] += it.seconds;
      if (it.iter === 1 || it.iter % 10 === 0)
        process.stderr.write(
          `gmm ${cls} iteration ${it.iter}/${it.maxIter} mean log-likelihood ${it.lowerBound.toFixed(4)}` +
            `${Number.isNaN(it.change) ? '' : ` (change ${it.change.toExponential(2)})`} (${it.seconds.toFixed(1)} s)\n`,
        );
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  const fits = { bonafide: detector.bonafide.fit!, spoof: detector.spoof.fit! };
  for (const [cls, f] of Object.entries(fits))
    process.stderr.write(
      `gmm ${cls}: ${f.converged ? 'converged' : 'stopped at maxIter'} after ${f.nIter} iterations, ` +
        `mean log-likelihood ${f.lowerBound.toFixed(4)}\n`,
    );
  const val = split.validation;
  let validationEer: number | null = null;
  if (val.some((it) => it.label === 'bonafide') && val.some((it) => it.label === 'spoof')) {
    const scores = scoreGmmDetector(detector, clipsOf(val));
    validationEer = computeEer(
      val.flatMap((it, k) => (it.label === 'bonafide' ? [scores[k]] : [])),
      val.flatMap((it, k) => (it.label === 'spoof' ? [scores[k]] : [])),
    ).eer;
  }
  const dataFp = dataFingerprint(ds.items.map((it, i) => ({ id: it.id, hash: feats.hashes[i], label: it.label })));
  const meta = await saveGmmModel(req.out, detector, {
    pipeline: config,
    seed,
    dataFingerprint: dataFp,
    extra: {
      architecture: 'gmm',
      components: req.components,
      fit: fits,
      fitSeconds: seconds,
      split: { by: split.by, train: split.train.length, validation: val.length },
      validationEer,
      data: ds.root,
      clips: { train: split.train.map((it) => feats.hashes[it.i]), validation: val.map((it) => feats.hashes[it.i]) },
    },
  });
  const result = {
    out: req.out,
    n: ds.items.length,
    train: split.train.length,
    validation: val.length,
    seed,
    architecture: 'gmm',
    components: req.components,
    backend: meta.backend,
    fitSeconds: seconds,
    iterations: { bonafide: fits.bonafide.nIter, spoof: fits.spoof.nIter },
    frames: {
      bonafide: split.train.reduce((a, it) => a + (it.label === 'bonafide' ? framesOf(it.i) : 0), 0),
      spoof: split.train.reduce((a, it) => a + (it.label === 'spoof' ? framesOf(it.i) : 0), 0),
    },
    // Mean wall seconds of one EM pass over every frame of the class (both classes run at once).
    secondsPerIteration: {
      bonafide: emSeconds.bonafide / Math.max(1, fits.bonafide.nIter),
      spoof: emSeconds.spoof / Math.max(1, fits.spoof.nIter),
    },
    validationEer,
    pipelineFingerprint: meta.pipelineFingerprint,
    dataFingerprint: dataFp,
  };
  process.stdout.write(
    `model written to ${req.out}: ${split.train.length} training clips, ` +
      `2 x ${req.components}-component GMMs in ${seconds.toFixed(1)} s` +
      `${validationEer === null ? '' : `, validation EER ${(100 * validationEer).toFixed(2)}%`}\n`,
  );
  if (req.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
