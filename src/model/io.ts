import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DatasetError, ParameterError } from '../errors';
import { PipelineConfig, pipelineFingerprint, pipelineToJson, parsePipelineConfig } from '../pipeline/config';
// Registers custom layers (MaxFeatureMap) so that saved LCNN models deserialise.
import './architectures';

/** File names inside a model folder. */
export const MODEL_FILES = {
  topology: 'model.json',
  weights: 'weights.bin',
  pipeline: 'pipeline.json',
  labels: 'labels.json',
  metadata: 'metadata.json',
} as const;

/** What a model's outputs mean: `classes[k]` is output unit k; `positive` is the class scores rank (bona fide). */
export interface ModelLabels {
  classes: string[];
  positive: string;
}

/** Provenance stored next to the weights. */
export interface ModelMetadata {
  /** specmorph package version that wrote the folder. */
  specmorph: string;
  /** tfjs version; null for models that do not use tfjs (architecture 'gmm'). */
  tfjs: string | null;
  /** tfjs backend the model was trained on (`tensorflow` | `wasm` | `cpu`), or `js-float64` for a GMM. */
  backend: string;
  /** Training seed, when known. */
  seed: number | null;
  /** Hash identifying the training data (e.g. of file content hashes), when known. */
  dataFingerprint: string | null;
  /** {@link pipelineFingerprint} of the stored pipeline: features must come from this exact config. */
  pipelineFingerprint: string;
  /** Model input shape without the batch axis, e.g. [128, 128, 1]. */
  inputShape: number[];
  /** ISO 8601 time of saving. */
  date: string;
  /** What the folder holds: a tfjs network (absent, or the architecture name) or `'gmm'` (gmm.json, see `saveGmmModel`). */
  architecture?: string;
  /** Anything else the trainer wants to keep (epochs, history, architecture name...). */
  extra?: Record<string, unknown>;
}

/** A model folder loaded back: the network plus everything needed to score raw audio the same way. */
export interface SavedModel {
  model: tf.LayersModel;
  pipeline: PipelineConfig;
  labels: ModelLabels;
  metadata: ModelMetadata;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** The feature pipeline the model was trained on (stored resolved). Required. */
  pipeline: PipelineConfig;
  /** @default {classes: ['bonafide'], positive: 'bonafide'} (one sigmoid unit = P(bona fide)) */
  labels?: ModelLabels;
  /** Backend name to record. @default tf.getBackend() */
  backend?: string;
  /** @default null */
  seed?: number | null;
  /** @default null */
  dataFingerprint?: string | null;
  /** @default undefined */
  extra?: Record<string, unknown>;
  /** Replace an existing model folder (one holding metadata.json); other non-empty folders are never replaced. @default true */
  overwrite?: boolean;
}

/** The specmorph version from package.json (src/ and dist/ are both two levels below it). */
export function specmorphVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

/**
 * Writes a model folder: `model.json` (tfjs layers-model format, loadable by `tf.loadLayersModel`),
 * `weights.bin`, `pipeline.json`, `labels.json`, `metadata.json`.
 *
 * Everything is written to a sibling temp folder first and renamed into place, so an interrupted save
 * leaves either the old folder or the new one, never a mix. Notes: tfjs's `file://` handler exists
 * only in tfjs-node, so the artifacts are captured with `tf.io.withSaveHandler` and written here.
 */
export async function saveModel(dir: string, model: tf.LayersModel, opts: SaveModelOptions): Promise<ModelMetadata> {
  if (!opts || !opts.pipeline) throw new ParameterError('opts.pipeline is required: a model is only usable with the features it was trained on');
  const pipelineJson = pipelineToJson(opts.pipeline);
  const labels = opts.labels ?? { classes: ['bonafide'], positive: 'bonafide' };
  if (!labels.classes.includes(labels.positive)) throw new ParameterError(`labels.positive=${JSON.stringify(labels.positive)} must be one of labels.classes=${JSON.stringify(labels.classes)}`);
  const overwrite = opts.overwrite ?? true;
  await checkModelFolderTarget(dir, overwrite);
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  const metadata: ModelMetadata = {
    specmorph: specmorphVersion(),
    tfjs: tf.version.tfjs,
    backend: opts.backend ?? tf.getBackend(),
    seed: opts.seed ?? null,
    dataFingerprint: opts.dataFingerprint ?? null,
    pipelineFingerprint: pipelineFingerprint(opts.pipeline),
    inputShape,
    date: new Date().toISOString(),
    ...(opts.extra ? { extra: opts.extra } : {}),
  };
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const art = artifacts as tf.io.ModelArtifacts | null;
  if (!art || !art.modelTopology || !art.weightSpecs || !art.weightData) throw new ParameterError('model.save produced no topology or weights');
  const weightData = Array.isArray(art.weightData) ? tf.io.concatenateArrayBuffers(art.weightData) : art.weightData;
  const modelJson = {
    format: art.format ?? 'layers-model',
    generatedBy: art.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: art.convertedBy ?? null,
    modelTopology: art.modelTopology,
    ...(art.trainingConfig ? { trainingConfig: art.trainingConfig } : {}),
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: art.weightSpecs }],
  };
  await writeModelFolder(dir, {
    [MODEL_FILES.topology]: JSON.stringify(modelJson),
    [MODEL_FILES.weights]: new Uint8Array(weightData),
    [MODEL_FILES.pipeline]: pipelineJson,
    [MODEL_FILES.labels]: `${JSON.stringify(labels, null, 2)}\n`,
    [MODEL_FILES.metadata]: `${JSON.stringify(metadata, null, 2)}\n`,
  }, overwrite);
  return metadata;
}

/** Throws unless `dir` is absent, an empty folder, or (with `overwrite`) a model folder (one holding metadata.json). */
async function checkModelFolderTarget(dir: string, overwrite: boolean): Promise<void> {
  const target = path.resolve(dir);
  if (!(await exists(target))) return;
  const entries = await fs.readdir(target).catch(() => null);
  if (entries === null) throw new DatasetError(`${dir}: exists and is not a folder`);
  if (entries.length > 0 && !(overwrite && entries.includes(MODEL_FILES.metadata))) {
    throw new DatasetError(`${dir}: folder exists and is not empty${overwrite ? ' (not a specmorph model folder; refusing to replace it)' : ''}`);
  }
}

/**
 * Writes a model folder holding exactly `files` (name -> content). Everything is written to a sibling
 * temp folder first and renamed into place, so an interrupted save leaves either the old folder or the
 * new one, never a mix; a non-empty folder that is not a model folder is never replaced.
 */
export async function writeModelFolder(dir: string, files: Record<string, string | Uint8Array>, overwrite = true): Promise<void> {
  await checkModelFolderTarget(dir, overwrite);
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
  try {
    for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), content);
    if (await exists(target)) {
      // Move the old folder aside first: rename cannot replace a non-empty directory.
      const old = `${tmp}-old`;
      await fs.rename(target, old);
      await fs.rename(tmp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads and parses `dir/name`; DatasetError naming the file when it is missing or not JSON. */
export async function readModelJson(dir: string, name: string): Promise<unknown> {
  const p = path.join(dir, name);
  let text: string;
  try {
    text = await fs.readFile(p, 'utf8');
  } catch (e) {
    throw new DatasetError(`${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is ${dir} a specmorph model folder?`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${p}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads only a model folder's metadata.json (cheap: no weights, no tfjs model), e.g. to check a pipeline first. */
export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new DatasetError(`${dir}: model folder does not exist`);
  return (await readModelJson(dir, MODEL_FILES.metadata)) as ModelMetadata;
}

/**
 * Loads a model folder written by {@link saveModel}: the tfjs model, its pipeline (checked against the
 * stored fingerprint), labels and metadata. DatasetError names the file that is missing or broken.
 */
export async function loadModel(dir: string): Promise<SavedModel> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new DatasetError(`${dir}: model folder does not exist`);
  // Only to name a GMM folder as such; a missing or broken metadata.json is reported below as before.
  const meta = (await readModelJson(dir, MODEL_FILES.metadata).catch(() => null)) as ModelMetadata | null;
  if (meta?.architecture === 'gmm') throw new DatasetError(`${dir}: holds a GMM detector (architecture 'gmm'), not a tfjs network; load it with loadDetector or loadGmmModel`);
  const modelJson = (await readModelJson(dir, MODEL_FILES.topology)) as { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format?: string; generatedBy?: string; convertedBy?: string | null };
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) throw new DatasetError(`${path.join(dir, MODEL_FILES.topology)}: missing modelTopology or weightsManifest`);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.join(dir, p);
      const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new DatasetError(`${file}: cannot read weights (${e.code ?? e.message})`);
      });
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  const { pipeline, labels, metadata } = await readModelDescription(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: tf.io.concatenateArrayBuffers(buffers), format: modelJson.format, generatedBy: modelJson.generatedBy, convertedBy: modelJson.convertedBy ?? undefined }),
    );
  } catch (e) {
    throw new DatasetError(`${path.join(dir, MODEL_FILES.topology)}: cannot build the model (${(e as Error).message.split('\n')[0]})`);
  }
  return { model, pipeline, labels, metadata };
}

/**
 * Reads what every model folder holds beside its weights: pipeline.json (checked against the
 * fingerprint in metadata.json), labels.json and metadata.json.
 */
export async function readModelDescription(dir: string): Promise<{ pipeline: PipelineConfig; labels: ModelLabels; metadata: ModelMetadata }> {
  const pipelinePath = path.join(dir, MODEL_FILES.pipeline);
  const pipelineText = await fs.readFile(pipelinePath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new DatasetError(`${pipelinePath}: cannot read (${e.code ?? e.message})`);
  });
  let pipeline: PipelineConfig;
  try {
    pipeline = parsePipelineConfig(pipelineText, pipelinePath);
  } catch (e) {
    throw new DatasetError((e as Error).message);
  }
  const labels = (await readModelJson(dir, MODEL_FILES.labels)) as ModelLabels;
  const metadata = (await readModelJson(dir, MODEL_FILES.metadata)) as ModelMetadata;
  if (metadata.pipelineFingerprint !== pipelineFingerprint(pipeline)) {
    throw new DatasetError(`${pipelinePath}: pipeline fingerprint ${pipelineFingerprint(pipeline).slice(0, 12)} differs from metadata.json's ${String(metadata.pipelineFingerprint).slice(0, 12)} (edited after training?)`);
  }
  return { pipeline, labels, metadata };
}

/**
 * Throws unless `config` is the pipeline the model was trained on (same fingerprint): a model must
 * never score features made differently. `what` names the config's origin in the message.
 */
export function assertSamePipeline(saved: Pick<SavedModel, 'metadata'>, config: PipelineConfig, what = 'config'): void {
  const fp = pipelineFingerprint(config);
  if (fp !== saved.metadata.pipelineFingerprint) {
    throw new DatasetError(`${what}: pipeline fingerprint ${fp.slice(0, 12)} differs from the model's ${saved.metadata.pipelineFingerprint.slice(0, 12)}; features must be computed with the model's own pipeline.json`);
  }
}
