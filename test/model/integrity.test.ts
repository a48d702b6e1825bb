// A model folder whose files disagree with each other is refused at load, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as tf from '../../src/model/tf';
import { saveModel, loadModel } from '../../src/model/io';
import { DEFAULT_PIPELINE } from '../../src/pipeline/config';

function tinyModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [4, 3, 1] }));
  m.add(
    tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  );
  return m;
}

async function fresh(root: string, name: string): Promise<string> {
  const dir = path.join(root, name);
  await saveModel(dir, tinyModel(), { pipeline: DEFAULT_PIPELINE });
  return dir;
}

test('loadModel refuses weights.bin with trailing or missing bytes, naming the sizes', async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-integrity-'));
  try {
    const a = await fresh(root, 'a');
    appendFileSync(path.join(a, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
    await assert.rejects(
      loadModel(a),
      /a[/\\]weights\.bin: 56 bytes, but model\.json's manifest describes 52; the file is truncated or has trailing bytes/,
    );
    const b = await fresh(root, 'b');
    writeFileSync(path.join(b, 'weights.bin'), readFileSync(path.join(b, 'weights.bin')).subarray(0, 40));
    await assert.rejects(loadModel(b), /b[/\\]weights\.bin: 40 bytes, but model\.json's manifest describes 52/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadModel refuses NaN weights (a diverged training, saved so), naming the weights file and the weight', async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-integrity-'));
  try {
    const dir = path.join(root, 'nan');
    const m = tinyModel();
    m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, Number.NaN)));
    await saveModel(dir, m, { pipeline: DEFAULT_PIPELINE });
    await assert.rejects(
      loadModel(dir),
      /nan[/\\]weights\.bin: weight dense_\w+\/kernel\[0\]=NaN is not finite; the model is unusable/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('loadModel checks weights.bin against the SHA-256 in metadata.json: a flipped byte is refused, an unchanged folder loads', async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-integrity-'));
  try {
    const dir = await fresh(root, 'm');
    const weights = path.join(dir, 'weights.bin');
    const good = readFileSync(weights);
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    assert.deepEqual(meta.sha256, { 'weights.bin': sha256(good) });
    (await loadModel(dir)).model.dispose();
    // The lowest mantissa bit of the first weight: still finite, of the right size, and wrong.
    const bad = Buffer.from(good);
    bad[0] ^= 1;
    assert.ok(Number.isFinite(new Float32Array(bad.buffer, bad.byteOffset, 13)[0]));
    writeFileSync(weights, bad);
    await assert.rejects(
      loadModel(dir),
      new RegExp(
        `m[/\\\\]weights\\.bin: SHA-256 ${sha256(bad)}, but metadata\\.json recorded ${sha256(good)} when the ` +
          'model was saved; the model folder is corrupted or was edited$',
      ),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadModel loads a folder written before the SHA-256 was recorded (no sha256 in metadata.json)', async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-integrity-'));
  try {
    const dir = await fresh(root, 'old');
    const metaFile = path.join(dir, 'metadata.json');
    const { sha256: _, ...old } = JSON.parse(readFileSync(metaFile, 'utf8'));
    writeFileSync(metaFile, `${JSON.stringify(old, null, 2)}\n`);
    const loaded = await loadModel(dir);
    assert.equal(loaded.metadata.sha256, undefined);
    loaded.model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("loadModel refuses labels.json of {} or [] and an inputShape that is not the network's", async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-integrity-'));
  try {
    const dir = await fresh(root, 'm');
    for (const bad of [
      '{}',
      '[]',
      '{"classes": ["bonafide"], "positive": "spoof"}',
      '{"classes": ["a", "a"], "positive": "a"}',
    ]) {
      writeFileSync(path.join(dir, 'labels.json'), bad);
      await assert.rejects(loadModel(dir), (e: Error) =>
        e.message.includes(
          `labels.json: ${JSON.stringify(JSON.parse(bad))} must be {"classes": [distinct class names], "positive": one of them}`,
        ),
      );
    }
    writeFileSync(path.join(dir, 'labels.json'), '{"classes": ["bonafide"], "positive": "bonafide"}');
    const metaFile = path.join(dir, 'metadata.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    writeFileSync(metaFile, JSON.stringify({ ...meta, inputShape: [128, 128, 1] }));
    await assert.rejects(
      loadModel(dir),
      /metadata\.json: inputShape=\[128,128,1\] differs from the network's input \[4,3,1\] in model\.json/,
    );
    writeFileSync(metaFile, JSON.stringify(meta));
    (await loadModel(dir)).model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
