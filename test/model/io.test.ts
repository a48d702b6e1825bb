import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  rmSync,
  readdirSync,
  writeFileSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/model/tf';
import { saveModel, loadModel, assertSamePipeline, readModelMetadata, MODEL_FILES } from '../../src/model/io';
// As the package entry does: its backend module keeps tfjs's console banner out of the log.
import '../../src/model/backend';
import { DEFAULT_PIPELINE, pipelineFingerprint, PipelineConfig } from '../../src/pipeline/config';

function tinyModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [8, 6, 1],
      filters: 2,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  );
  m.add(tf.layers.flatten());
  m.add(
    tf.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return m;
}

test('saveModel/loadModel round-trips weights, predictions, pipeline, labels and metadata', async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    const model = tinyModel(3);
    const dir = path.join(root, 'm');
    const meta = await saveModel(dir, model, {
      pipeline: DEFAULT_PIPELINE,
      seed: 5,
      dataFingerprint: 'abc',
      extra: { epochs: 2 },
    });
    assert.deepEqual(readdirSync(root), ['m']);
    assert.deepEqual(readdirSync(dir).sort(), Object.values(MODEL_FILES).sort());
    const loaded = await loadModel(dir);
    assert.equal(loaded.metadata.pipelineFingerprint, pipelineFingerprint(DEFAULT_PIPELINE));
    assert.deepEqual(loaded.metadata.inputShape, [8, 6, 1]);
    assert.equal(loaded.metadata.seed, 5);
    assert.equal(loaded.metadata.backend, 'cpu');
    assert.equal(loaded.metadata.tfjs, tf.version_core);
    assert.deepEqual(loaded.metadata, meta);
    assert.deepEqual(loaded.labels, { classes: ['bonafide'], positive: 'bonafide' });
    const x = tf.randomNormal([4, 8, 6, 1], 0, 1, 'float32', 9);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.model.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
    // The stored model.json is the standard tfjs layers format.
    const mj = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(mj.format, 'layers-model');
    assert.deepEqual(mj.weightsManifest[0].paths, ['weights.bin']);
    // Overwriting an existing model folder replaces it atomically.
    await saveModel(dir, tinyModel(4), { pipeline: DEFAULT_PIPELINE });
    const c = (await loadModel(dir)).model.predict(x) as tf.Tensor;
    assert.notDeepEqual(Array.from(c.dataSync()), Array.from(a));
    assert.deepEqual(readdirSync(root), ['m']);
    tf.dispose([x]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('saveModel refuses to replace a folder that is not a model folder; loadModel names missing files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    const other = path.join(root, 'precious');
    mkdirSync(other);
    writeFileSync(path.join(other, 'thesis.tex'), 'x');
    await assert.rejects(
      saveModel(other, tinyModel(1), { pipeline: DEFAULT_PIPELINE }),
      /precious: folder exists and is not a specmorph model folder \(it holds thesis\.tex\); refusing to replace it/,
    );
    assert.deepEqual(readdirSync(root), ['precious']);
    await assert.rejects(loadModel(path.join(root, 'none')), /none: model folder does not exist/);
    await assert.rejects(
      loadModel(other),
      /model\.json: cannot read model file \(ENOENT\); is .*precious a specmorph model folder\?$/,
    );
    const dir = path.join(root, 'm');
    await saveModel(dir, tinyModel(1), { pipeline: DEFAULT_PIPELINE });
    rmSync(path.join(dir, 'weights.bin'));
    await assert.rejects(loadModel(dir), /weights\.bin: cannot read weights file \(ENOENT\)$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadModel refuses a file as the folder, non-regular files (link to /dev/zero, FIFO) and weights of the wrong size before reading them', {
  timeout: 60_000,
}, async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    const dir = path.join(root, 'm');
    await saveModel(dir, tinyModel(1), { pipeline: DEFAULT_PIPELINE });
    const weights = path.join(dir, 'weights.bin');
    const size = readFileSync(weights).byteLength;
    await assert.rejects(loadModel(weights), /weights\.bin: is a file, not a model folder$/);
    await assert.rejects(readModelMetadata(weights), /weights\.bin: is a file, not a model folder$/);
    // Read, /dev/zero never ends (QA saw 6.7 GB of memory) and a FIFO without a writer never opens.
    rmSync(weights);
    symlinkSync('/dev/zero', weights);
    await assert.rejects(loadModel(dir), /weights\.bin: not a regular file \(a device, FIFO or socket\)/);
    rmSync(weights);
    execFileSync('mkfifo', [weights]);
    await assert.rejects(loadModel(dir), /weights\.bin: not a regular file \(a device, FIFO or socket\)/);
    // 8 GiB (sparse): refused by its size against the manifest, not read (readFile would fail at 2 GiB).
    rmSync(weights);
    writeFileSync(weights, '');
    truncateSync(weights, 2 ** 33);
    await assert.rejects(
      loadModel(dir),
      new RegExp(`weights\\.bin: 8589934592 bytes \\(8192 MiB\\), but model\\.json's manifest describes ${size};`),
    );
    rmSync(weights);
    const meta = path.join(dir, 'metadata.json');
    rmSync(meta);
    symlinkSync('/dev/zero', meta);
    await assert.rejects(readModelMetadata(dir), /metadata\.json: not a regular file \(a device, FIFO or socket\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('assertSamePipeline refuses features from a different config', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    const dir = path.join(root, 'm');
    await saveModel(dir, tinyModel(1), { pipeline: DEFAULT_PIPELINE });
    const saved = await loadModel(dir);
    assertSamePipeline(saved, DEFAULT_PIPELINE);
    const other: PipelineConfig = { stages: [{ op: 'mel' }, { op: 'db' }] };
    assert.throws(
      () => assertSamePipeline(saved, other, 'cfg.json'),
      /cfg\.json: pipeline fingerprint [0-9a-f]{12} differs from the model's/,
    );
    const edited = JSON.parse(readFileSync(path.join(dir, 'pipeline.json'), 'utf8'));
    edited.stages[1].sampleRate = 8000;
    writeFileSync(path.join(dir, 'pipeline.json'), JSON.stringify(edited));
    await assert.rejects(loadModel(dir), /pipeline\.json: pipeline fingerprint .* differs from metadata\.json's/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadModel then scoring raw audio through the stored pipeline reproduces the scores', async () => {
  const { runPipeline } = await import('../../src/pipeline/run');
  const { sine, whiteNoise } = await import('../../src/audio');
  const { toInputTensor } = await import('../../src/model/train');
  const pipeline: PipelineConfig = {
    stages: [
      { op: 'crop', seconds: 0.1 },
      { op: 'mel', nFft: 256, hopLength: 100, winLength: 256, nMels: 8 },
      { op: 'db' },
      { op: 'closing', footprint: { shape: 'cross', rows: 3, cols: 3 } },
      { op: 'resize', rows: 8, cols: 6 },
      { op: 'normalise', method: 'zscore' },
    ],
  };
  const clips = [
    sine(300, { sampleRate: 16000, duration: 0.1 }),
    whiteNoise({ sampleRate: 16000, duration: 0.07, seed: 2 }),
  ].map((x) => ({ sampleRate: 16000, channels: [x] }));
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    const model = tinyModel(7);
    const score = (m: tf.LayersModel, p: PipelineConfig) => {
      const x = toInputTensor(clips.map((a) => runPipeline(a, p).output));
      const y = Array.from((m.predict(x) as tf.Tensor).dataSync());
      x.dispose();
      return y;
    };
    const before = score(model, pipeline);
    await saveModel(path.join(root, 'm'), model, { pipeline });
    const loaded = await loadModel(path.join(root, 'm'));
    assert.deepEqual(score(loaded.model, loaded.pipeline), before);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an LCNN (custom MaxFeatureMap layer) saves and loads with identical predictions', async () => {
  const { buildModel } = await import('../../src/model/architectures');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-io-'));
  try {
    await tf.setBackend('cpu');
    const model = buildModel('lcnn', [16, 16, 1], { seed: 3 });
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 4);
    const a = Array.from((model.predict(x) as tf.Tensor).dataSync());
    await saveModel(path.join(root, 'l'), model, {
      pipeline: DEFAULT_PIPELINE,
      labels: { classes: ['spoof', 'bonafide'], positive: 'bonafide' },
    });
    const loaded = await loadModel(path.join(root, 'l'));
    assert.deepEqual(Array.from((loaded.model.predict(x) as tf.Tensor).dataSync()), a);
    assert.deepEqual(loaded.labels.classes, ['spoof', 'bonafide']);
    x.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
