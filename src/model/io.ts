import { createHash } from 'node:crypto';
import { type Stats, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { specmorphVersion } from '../version';
import * as tf from './tf';
import { DatasetError, ParameterError, warnOnce } from '../errors';
import { readBoundedFile, writeError } from '../atomicFile';
import { PipelineConfig, pipelineFingerprint, pipelineToJson, parsePipelineConfig } from '../pipeline/config';
// Registers custom layers (MaxFeatureMap) so that saved LCNN models deserialise.
import './architectures';
import './morphLayer';
import {
  MODEL_FILES,
  MODEL_FORMAT,
  MODEL_JSON_MAX_BYTES,
  applyFolderAttributes,
  checkModelOutput,
  modelFolderAttributes,
  modelTempPrefix,
  sweepModelLeftovers,
} from './folder';

export { MODEL_FILES, MODEL_FORMAT } from './folder';

/** What a model's outputs mean: `classes[k]` is output unit k; `positive` is the class scores rank (bona fide). */
export interface ModelLabels {
  classes: string[];
  positive: string;
}

/** Provenance stored next to the weights. */
export interface ModelMetadata {
  /** {@link MODEL_FORMAT}: marks the folder as a specmorph model, the only kind `saveModel` replaces. */
  format: typeof MODEL_FORMAT;
  /** specmorph package version that wrote the folder. */
  specmorph: string;
  /** tfjs-core version; null for models that do not use tfjs (architecture 'gmm'). */
  tfjs: string | null;
  /** tfjs backend the model was trained on (`tensorflow` | `wasm` | `cpu`). */
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
  /**
   * What the folder holds: a tfjs network (absent, or the architecture name) or `'gmm'` (gmm.json,
   * see `saveGmmModel`).
   */
  architecture?: string;
  /**
   * SHA-256 (hex) of the folder's payload by file name: `weights.bin`, or a GMM's `gmm.json`.
   * Checked on load, since finite garbage of the right size would load and score nonsense; folders
   * written before it was recorded have none and load unchecked.
   */
  sha256?: Record<string, string>;
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
  /**
   * Replace an existing specmorph model folder (exactly the five model files, metadata.json with the
   * format marker); any other non-empty folder is never replaced. @default true
   */
  overwrite?: boolean;
}

// Defined in ../version so the command line can print it without loading tfjs.
export { specmorphVersion };

/**
 * Writes a model folder: `model.json` (tfjs layers-model format, loadable by `tf.loadLayersModel`),
 * `weights.bin`, `pipeline.json`, `labels.json`, `metadata.json` (with the SHA-256 of weights.bin,
 * which {@link loadModel} checks).
 *
 * Everything is written to a sibling temp folder first and renamed into place, so an interrupted save
 * leaves either the old folder or the new one, never a mix. Notes: tfjs's `file://` handler exists
 * only in tfjs-node, so the artifacts are captured with `tf.io.withSaveHandler` and written here.
 */
export async function saveModel(dir: string, model: tf.LayersModel, opts: SaveModelOptions): Promise<ModelMetadata> {
  if (!opts?.pipeline)
    throw new ParameterError('opts.pipeline is required: a model is only usable with the features it was trained on');
  const pipelineJson = pipelineToJson(opts.pipeline);
  const labels = opts.labels ?? { classes: ['bonafide'], positive: 'bonafide' };
  if (!labels.classes.includes(labels.positive))
    throw new ParameterError(
      `labels.positive=${JSON.stringify(labels.positive)} ` +
        `must be one of labels.classes=${JSON.stringify(labels.classes)}`,
    );
  // Fail before the (possibly long) serialisation when the folder may not be written.
  checkModelOutput(dir, { overwrite: opts.overwrite ?? true });
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  const metadata: ModelMetadata = {
    format: MODEL_FORMAT,
    specmorph: specmorphVersion(),
    tfjs: tf.version_core,
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
  if (!art?.modelTopology || !art.weightSpecs || !art.weightData)
    throw new ParameterError('model.save produced no topology or weights');
  const weightData = Array.isArray(art.weightData) ? tf.io.concatenateArrayBuffers(art.weightData) : art.weightData;
  const weights = new Uint8Array(weightData);
  metadata.sha256 = { [MODEL_FILES.weights]: contentSha256(weights) };
  const modelJson = {
    format: art.format ?? 'layers-model',
    generatedBy: art.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: art.convertedBy ?? null,
    modelTopology: art.modelTopology,
    ...(art.trainingConfig ? { trainingConfig: art.trainingConfig } : {}),
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: art.weightSpecs }],
  };
  await writeModelFolder(
    dir,
    {
      [MODEL_FILES.topology]: JSON.stringify(modelJson),
      [MODEL_FILES.weights]: weights,
      [MODEL_FILES.pipeline]: pipelineJson,
      [MODEL_FILES.labels]: `${JSON.stringify(labels, null, 2)}\n`,
      [MODEL_FILES.metadata]: `${JSON.stringify(metadata, null, 2)}\n`,
    },
    opts.overwrite ?? true,
  );
  return metadata;
}

/**
 * Writes a model folder holding exactly `files` (name -> content) at `dir`: checked first (a new or
 * empty folder, or with `overwrite` a specmorph model folder; never anything else), written to a
 * sibling temp folder and renamed into place, so an interrupted save leaves the old folder or the
 * new one, never a mix; leftovers of killed saves are swept first.
 */
export async function writeModelFolder(
  dir: string,
  files: Record<string, string | Uint8Array>,
  overwrite = true,
): Promise<void> {
  const target = path.resolve(dir);
  sweepModelLeftovers(target);
  const real = checkModelOutput(dir, { overwrite });
  if (real !== target) sweepModelLeftovers(real);
  const attrs = modelFolderAttributes(dir);
  await fs.mkdir(path.dirname(real), { recursive: true }).catch((e: unknown) => {
    throw writeError(dir, e);
  });
  const tmp = await fs.mkdtemp(modelTempPrefix(real)).catch((e: unknown) => {
    throw writeError(dir, e);
  });
  const old = `${tmp}-old`;
  let movedAside = false;
  try {
    for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), content);
    // mkdtemp made it 0700: give it the replaced folder's mode, owner and group, or a new folder's
    const failed = applyFolderAttributes({ ...attrs, target: tmp });
    if (failed) warnOnce(failed);
    if ((await fs.readdir(real).catch(() => [])).length > 0) {
      // Move the old folder aside first: rename cannot replace a non-empty directory. A kill between
      // the two renames is undone by sweepModelLeftovers on the next save.
      // ENOENT: a concurrent save moved it aside first; ours then goes in (or meets theirs below).
      movedAside = await fs.rename(real, old).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return false;
          throw e;
        },
      );
    }
    await fs.rename(tmp, real);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOTEMPTY' || c === 'EEXIST') {
      // Another save to the same folder got in between: its whole model stays, ours is dropped.
      await fs.rm(old, { recursive: true, force: true });
      throw new DatasetError(
        `${dir}: another process wrote a model folder there at the same time; this run's model was not kept`,
      );
    }
    if (movedAside) await fs.rename(old, real).catch(() => undefined);
    throw writeError(dir, e);
  }
  if (movedAside) await fs.rm(old, { recursive: true, force: true });
}

/**
 * Throws a DatasetError unless `dir` is a folder: `model folder does not exist`, or what it is instead
 * (`is a file, not a model folder`).
 */
export async function checkModelFolder(dir: string): Promise<void> {
  let st: Stats;
  try {
    st = await fs.stat(dir);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') throw new DatasetError(`${dir}: model folder does not exist`);
    throw new DatasetError(`${dir}: cannot read the model folder (${c ?? (e as Error).message})`);
  }
  if (!st.isDirectory())
    throw new DatasetError(`${dir}: is ${st.isFile() ? 'a file' : 'a device, FIFO or socket'}, not a model folder`);
}

/** A JSON file of a model folder, bounded and regular files only (see `readBoundedFile`). */
function readModelFile(file: string, dir: string): Promise<Buffer> {
  return readBoundedFile(file, {
    maxBytes: MODEL_JSON_MAX_BYTES,
    what: 'model file',
    hint: `; is ${dir} a specmorph model folder?`,
  });
}

/** The SHA-256 (hex) of a model folder file's content, as metadata.json's `sha256` records it. */
export function contentSha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Throws a DatasetError unless `bytes`, the content of the model folder's file `name`, has the
 * SHA-256 that `metadata` recorded for it when the folder was written; a file with no recorded hash
 * (a folder written before hashes were recorded) passes.
 */
function checkSha256(dir: string, name: string, bytes: Uint8Array, metadata: ModelMetadata | null): void {
  const expected = metadata?.sha256?.[name];
  if (expected === undefined) return;
  const actual = contentSha256(bytes);
  if (actual !== expected)
    throw new DatasetError(
      `${path.join(dir, name)}: SHA-256 ${actual}, but metadata.json recorded ${expected} when the model ` +
        'was saved; the model folder is corrupted or was edited',
    );
}

/**
 * Reads and parses one JSON file of a model folder (bounded, regular files only); DatasetError names
 * the file. With `metadata`, the file must have the SHA-256 it records for `name`, if any.
 */
export async function readModelJson(dir: string, name: string, metadata?: ModelMetadata): Promise<unknown> {
  const p = path.join(dir, name);
  const bytes = await readModelFile(p, dir);
  if (metadata) checkSha256(dir, name, bytes, metadata);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new DatasetError(`${p}: not valid JSON (${(e as Error).message})`);
  }
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  string: 0,
};

/** The bytes one manifest entry takes in the weights file. */
function weightBytes(s: tf.io.WeightsManifestEntry): number {
  const n = s.shape.reduce((a, b) => a * b, 1);
  return n * (DTYPE_BYTES[s.quantization?.dtype ?? s.dtype] ?? 4);
}

/** The weights files' `size` (`40 bytes`) is not the `expected` bytes model.json's manifest describes. */
function sizeMismatch(file: string, size: string, expected: number): DatasetError {
  return new DatasetError(
    `${file}: ${size}, but model.json's manifest describes ${expected}; ` +
      'the file is truncated or has trailing bytes',
  );
}

/**
 * Checks that the weights (`data`, already of exactly the manifest's bytes) hold no NaN or infinite
 * float32 weight: a diverged training would otherwise score everything NaN.
 */
function checkWeights(file: string, specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer): void {
  let offset = 0;
  for (const s of specs) {
    const size = weightBytes(s);
    if (s.dtype === 'float32' && !s.quantization) {
      const w = new Float32Array(data.slice(offset, offset + size));
      const bad = w.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new DatasetError(
          `${file}: weight ${s.name}[${bad}]=${w[bad]} is not finite; ` +
            'the model is unusable (did its training diverge?)',
        );
    }
    offset += size;
  }
}

/** labels.json must be `{"classes": [non-empty distinct strings], "positive": one of them}`. */
function checkLabels(v: unknown, file: string): ModelLabels {
  const o = v as Partial<ModelLabels> | null;
  const ok =
    o !== null &&
    typeof o === 'object' &&
    !Array.isArray(o) &&
    Array.isArray(o.classes) &&
    o.classes.length > 0 &&
    o.classes.every((c) => typeof c === 'string' && c !== '') &&
    new Set(o.classes).size === o.classes.length &&
    typeof o.positive === 'string' &&
    o.classes.includes(o.positive);
  if (!ok)
    throw new DatasetError(
      `${file}: ${JSON.stringify(v)} must be {"classes": [distinct class names], "positive": one of them}`,
    );
  return { classes: o.classes as string[], positive: o.positive as string };
}

/** Reads only a model folder's metadata.json (cheap: no weights, no tfjs model), e.g. to check a pipeline first. */
export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  await checkModelFolder(dir);
  return (await readModelJson(dir, MODEL_FILES.metadata)) as ModelMetadata;
}

/**
 * Loads a model folder written by {@link saveModel}: the tfjs model, its pipeline (checked against the
 * stored fingerprint), labels and metadata. DatasetError names the file that is missing or broken,
 * or whose SHA-256 is not the one metadata.json recorded (a folder written before hashes were
 * recorded loads unchecked).
 */
export async function loadModel(dir: string): Promise<SavedModel> {
  await checkModelFolder(dir);
  const meta = (await readModelJson(dir, MODEL_FILES.metadata).catch(() => null)) as ModelMetadata | null;
  if (meta?.architecture === 'gmm')
    throw new DatasetError(
      `${dir}: holds a GMM detector (architecture 'gmm'), not a tfjs network; ` +
        'load it with loadDetector or loadGmmModel',
    );
  const modelJson = (await readModelJson(dir, MODEL_FILES.topology)) as {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
  };
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest))
    throw new DatasetError(`${path.join(dir, MODEL_FILES.topology)}: missing modelTopology or weightsManifest`);
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const weightsFile = path.join(dir, modelJson.weightsManifest[0]?.paths[0] ?? MODEL_FILES.weights);
  const expected = weightSpecs.reduce((a, s) => a + weightBytes(s), 0);
  const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
  const contents: Buffer[] = [];
  let size = 0;
  for (const p of paths) {
    const file = path.join(dir, p);
    // Bounded by the manifest: a weights.bin linked to /dev/zero or grown huge is refused unread.
    const bytes = await readBoundedFile(file, {
      maxBytes: expected - size,
      what: 'weights file',
      tooLarge: (words) => sizeMismatch(file, words, expected),
    });
    contents.push(bytes);
    size += bytes.byteLength;
  }
  if (size !== expected) throw sizeMismatch(weightsFile, `${size} bytes`, expected);
  paths.forEach((p, i) => checkSha256(dir, p, contents[i], meta));
  const weightData = tf.io.concatenateArrayBuffers(
    contents.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
  );
  checkWeights(weightsFile, weightSpecs, weightData);
  const { pipeline, labels, metadata } = await readModelDescription(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy ?? undefined,
      }),
    );
  } catch (e) {
    throw new DatasetError(
      `${path.join(dir, MODEL_FILES.topology)}: cannot build the model (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const actual = (model.inputs[0].shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  if (!Array.isArray(metadata.inputShape) || JSON.stringify(metadata.inputShape) !== JSON.stringify(actual)) {
    model.dispose();
    throw new DatasetError(
      `${path.join(dir, MODEL_FILES.metadata)}: inputShape=${JSON.stringify(metadata.inputShape)} ` +
        `differs from the network's input ${JSON.stringify(actual)} in model.json`,
    );
  }
  return { model, pipeline, labels, metadata };
}

/** A model folder's pipeline (checked against metadata.json's fingerprint), labels (checked) and metadata. */
export async function readModelDescription(
  dir: string,
): Promise<{ pipeline: PipelineConfig; labels: ModelLabels; metadata: ModelMetadata }> {
  const pipelinePath = path.join(dir, MODEL_FILES.pipeline);
  const pipelineText = (await readModelFile(pipelinePath, dir)).toString('utf8');
  let pipeline: PipelineConfig;
  try {
    pipeline = parsePipelineConfig(pipelineText, pipelinePath);
  } catch (e) {
    throw new DatasetError((e as Error).message);
  }
  const labels = checkLabels(await readModelJson(dir, MODEL_FILES.labels), path.join(dir, MODEL_FILES.labels));
  const metadata = (await readModelJson(dir, MODEL_FILES.metadata)) as ModelMetadata;
  if (metadata.pipelineFingerprint !== pipelineFingerprint(pipeline)) {
    throw new DatasetError(
      `${pipelinePath}: pipeline fingerprint ${pipelineFingerprint(pipeline).slice(0, 12)} ` +
        `differs from metadata.json's ${String(metadata.pipelineFingerprint).slice(0, 12)} (edited after training?)`,
    );
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
    throw new DatasetError(
      `${what}: pipeline fingerprint ${fp.slice(0, 12)} ` +
        `differs from the model's ${saved.metadata.pipelineFingerprint.slice(0, 12)}; ` +
        "features must be computed with the model's own pipeline.json",
    );
  }
}
