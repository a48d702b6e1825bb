import * as path from 'node:path';
import { DatasetError, ParameterError } from '../errors';
import { PipelineConfig, pipelineFingerprint, pipelineToJson } from '../pipeline/config';
import { Gmm, GmmDetector } from './gmm';
import {
  MODEL_FILES,
  MODEL_FORMAT,
  ModelLabels,
  ModelMetadata,
  checkModelFolder,
  contentSha256,
  readModelDescription,
  readModelJson,
  specmorphVersion,
  writeModelFolder,
} from './io';

/**
 * The feature pipeline of the `gmm` architecture: the ASVspoof 2019 LFCC front end at the clip's own
 * sample rate (60 rows: 20 LFCC + deltas + double deltas; 20 ms windows, 10 ms hop), every frame of the
 * whole clip kept (no crop, no resize: a GMM scores a clip of any length).
 */
export const DEFAULT_GMM_PIPELINE: PipelineConfig = Object.freeze({
  stages: Object.freeze([Object.freeze({ op: 'mono' }), Object.freeze({ op: 'lfcc', preset: 'asvspoof2019' })]),
}) as PipelineConfig;

/** The file of a GMM model folder that holds both mixtures (beside pipeline.json, labels.json, metadata.json). */
export const GMM_FILE = 'gmm.json';

const GMM_FORMAT = 'specmorph-gmm';

/** A GMM model folder loaded back. */
export interface SavedGmmModel {
  detector: GmmDetector;
  pipeline: PipelineConfig;
  labels: ModelLabels;
  metadata: ModelMetadata;
}

/** Options of {@link saveGmmModel}. */
export interface SaveGmmModelOptions {
  /** The feature pipeline the mixtures were trained on (stored resolved). Required. */
  pipeline: PipelineConfig;
  /** @default null */
  seed?: number | null;
  /** @default null */
  dataFingerprint?: string | null;
  /** @default undefined */
  extra?: Record<string, unknown>;
  /** Replace an existing model folder; other non-empty folders are never replaced. @default true */
  overwrite?: boolean;
}

function gmmToJson(g: Gmm): Record<string, unknown> {
  return {
    nComponents: g.nComponents,
    weights: Array.from(g.weights),
    // Row-major nComponents x dims, as in memory; JSON numbers keep every float64 bit.
    means: Array.from(g.means),
    variances: Array.from(g.variances),
    ...(g.fit ? { fit: g.fit } : {}),
  };
}

function gmmFromJson(v: unknown, dims: number, where: string): Gmm {
  const o = (v ?? {}) as Record<string, unknown>;
  const K = o.nComponents;
  if (!Number.isInteger(K) || (K as number) <= 0)
    throw new DatasetError(`${where}.nComponents=${JSON.stringify(K)} must be a positive integer`);
  const arr = (name: string, len: number, positive: boolean): Float64Array => {
    const a = o[name];
    if (!Array.isArray(a) || a.length !== len)
      throw new DatasetError(
        `${where}.${name} must be an array of ${len} numbers (nComponents=${K}, dims=${dims}), ` +
          `got ${Array.isArray(a) ? `length ${a.length}` : typeof a}`,
      );
    const out = Float64Array.from(a as number[]);
    const bad = out.findIndex((x, i) => typeof a[i] !== 'number' || !Number.isFinite(x) || (positive && x <= 0));
    if (bad >= 0)
      throw new DatasetError(
        `${where}.${name}[${bad}]=${JSON.stringify(a[bad])} must be a finite number${positive ? ' > 0' : ''}`,
      );
    return out;
  };
  const k = K as number;
  const fit = o.fit as Gmm['fit'] | undefined;
  return {
    nComponents: k,
    dims,
    weights: arr('weights', k, true),
    means: arr('means', k * dims, false),
    variances: arr('variances', k * dims, true),
    ...(fit ? { fit } : {}),
  };
}

/**
 * Writes a GMM detector as a model folder: `gmm.json` (both mixtures), `pipeline.json`, `labels.json`
 * and `metadata.json` (`architecture: 'gmm'`, `tfjs: null`, `inputShape: [dims, -1]`: any number of
 * frames). Atomic like the CNN folders ({@link writeModelFolder}).
 */
export async function saveGmmModel(
  dir: string,
  detector: GmmDetector,
  opts: SaveGmmModelOptions,
): Promise<ModelMetadata> {
  if (!opts?.pipeline)
    throw new ParameterError('opts.pipeline is required: a model is only usable with the features it was trained on');
  const { bonafide, spoof } = detector ?? ({} as GmmDetector);
  if (!bonafide || !spoof) throw new ParameterError('detector must be a GmmDetector {bonafide, spoof}');
  if (bonafide.dims !== spoof.dims)
    throw new ParameterError(`detector.bonafide has ${bonafide.dims} dims, detector.spoof ${spoof.dims}`);
  const labels: ModelLabels = { classes: ['spoof', 'bonafide'], positive: 'bonafide' };
  const metadata: ModelMetadata = {
    format: MODEL_FORMAT,
    specmorph: specmorphVersion(),
    tfjs: null,
    backend: 'js-float64',
    seed: opts.seed ?? null,
    dataFingerprint: opts.dataFingerprint ?? null,
    pipelineFingerprint: pipelineFingerprint(opts.pipeline),
    inputShape: [bonafide.dims, -1],
    date: new Date().toISOString(),
    architecture: 'gmm',
    ...(opts.extra ? { extra: opts.extra } : {}),
  };
  const gmm = JSON.stringify({
    format: GMM_FORMAT,
    version: 1,
    covarianceType: 'diag',
    dims: bonafide.dims,
    bonafide: gmmToJson(bonafide),
    spoof: gmmToJson(spoof),
  });
  metadata.sha256 = { [GMM_FILE]: contentSha256(gmm) };
  await writeModelFolder(
    dir,
    {
      [GMM_FILE]: gmm,
      [MODEL_FILES.pipeline]: pipelineToJson(opts.pipeline),
      [MODEL_FILES.labels]: `${JSON.stringify(labels, null, 2)}\n`,
      [MODEL_FILES.metadata]: `${JSON.stringify(metadata, null, 2)}\n`,
    },
    opts.overwrite ?? true,
  );
  return metadata;
}

/**
 * Loads a folder written by {@link saveGmmModel}; DatasetError names the file that is missing or
 * broken, or whose SHA-256 is not the one metadata.json recorded.
 */
export async function loadGmmModel(dir: string): Promise<SavedGmmModel> {
  await checkModelFolder(dir);
  const { pipeline, labels, metadata } = await readModelDescription(dir);
  if (metadata.architecture !== 'gmm')
    throw new DatasetError(
      `${dir}: metadata.json architecture=${JSON.stringify(metadata.architecture ?? null)}, not a GMM model folder`,
    );
  const file = path.join(dir, GMM_FILE);
  const o = (await readModelJson(dir, GMM_FILE, metadata)) as Record<string, unknown>;
  if (o?.format !== GMM_FORMAT || o.version !== 1 || o.covarianceType !== 'diag') {
    throw new DatasetError(
      `${file}: not a specmorph GMM file (format=${JSON.stringify(o?.format)}, ` +
        `version=${JSON.stringify(o?.version)}, covarianceType=${JSON.stringify(o?.covarianceType)}; ` +
        `expected "${GMM_FORMAT}", 1, "diag")`,
    );
  }
  const dims = o.dims;
  if (!Number.isInteger(dims) || (dims as number) <= 0)
    throw new DatasetError(`${file}: dims=${JSON.stringify(dims)} must be a positive integer`);
  const detector = {
    bonafide: gmmFromJson(o.bonafide, dims as number, `${file}: bonafide`),
    spoof: gmmFromJson(o.spoof, dims as number, `${file}: spoof`),
  };
  return { detector, pipeline, labels, metadata };
}
