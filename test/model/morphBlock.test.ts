import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { smallCnn } from '../../src/model/architectures';
import { morphBlock, morphCnn } from '../../src/model/morphBlock';
import { MorphLayer, maxPlusMorphology, morphLayers } from '../../src/model/morphLayer';
import { loadModel, saveModel } from '../../src/model/io';
import { DEFAULT_PIPELINE } from '../../src/pipeline/config';
import { Random } from '../../src/random';

const backbone = (h: tf.SymbolicTensor) =>
  smallCnn(h.shape.slice(1) as number[], { seed: 0, filters: [4, 4, 4] }).apply(h) as tf.SymbolicTensor;

function batch(n: number, rows: number, cols: number, seed: number): tf.Tensor4D {
  const rng = new Random(seed);
  return tf.tensor4d(
    Float32Array.from({ length: n * rows * cols }, () => -40 + 20 * rng.normal()),
    [n, rows, cols, 1],
  );
}

before(async () => {
  await initBackend({ backend: 'cpu' });
});

test("morphBlock combine='concat': input channels, then each operation's depthMultiplier channels, in order", () => {
  const input = tf.input({ shape: [8, 9, 1] });
  const out = morphBlock(input, { operations: ['erode', 'dilate', 'closing'], depthMultiplier: 2, name: 'mb' });
  const model = tf.model({ inputs: input, outputs: out });
  assert.deepEqual(out.shape, [null, 8, 9, 7]);
  const x = batch(2, 8, 9, 1);
  const y = model.predict(x) as tf.Tensor4D;
  assert.deepEqual(Array.from(tf.slice(y, [0, 0, 0, 0], [2, 8, 9, 1]).dataSync()), Array.from(x.dataSync()));
  const layers = morphLayers(model);
  assert.deepEqual(
    layers.map((l) => l.name),
    ['mb_erode', 'mb_dilate', 'mb_closing'],
  );
  layers.forEach((l, i) => {
    const want = maxPlusMorphology(tf.tile(x, [1, 1, 1, 2]), l.getWeights()[0] as tf.Tensor3D, l.operation);
    const got = tf.slice(y, [0, 0, 0, 1 + 2 * i], [2, 8, 9, 2]);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
  });
  model.dispose();
});

test("morphBlock combine='replace' with one operation is that layer's output alone", () => {
  const input = tf.input({ shape: [6, 6, 1] });
  const out = morphBlock(input, { operations: ['whiteTopHat'], combine: 'replace', depthMultiplier: 3 });
  assert.deepEqual(out.shape, [null, 6, 6, 3]);
  assert.ok(out.sourceLayer instanceof MorphLayer);
});

test('morphBlock seeds: same seed, same random structures; another seed, others', () => {
  const structures = (seed: number) => {
    const input = tf.input({ shape: [6, 6, 1] });
    const m = tf.model({
      inputs: input,
      outputs: morphBlock(input, { seed, init: { shape: 'random', rows: 3, cols: 3 } }),
    });
    const v = morphLayers(m).map((l) => Array.from(l.getWeights()[0].dataSync()));
    m.dispose();
    return v;
  };
  assert.deepEqual(structures(3), structures(3));
  assert.notDeepEqual(structures(3), structures(4));
  const [erode, dilate] = structures(3);
  assert.notDeepEqual(erode, dilate, 'each layer draws its own seed');
});

test('morphCnn trains a step on wasm and cpu alike, and saves/loads with its nested backbone', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-morphcnn-'));
  try {
    const x = batch(4, 16, 16, 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const stepLoss = async (backend: 'cpu' | 'wasm') => {
      await initBackend({ backend });
      const model = morphCnn([16, 16, 1], { backbone, block: { operations: ['opening', 'closing'] } });
      const opt = tf.train.sgd(0.1);
      const losses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const l = opt.minimize(
          () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        )!;
        losses.push(l.dataSync()[0]);
        l.dispose();
      }
      return { model, losses };
    };
    const cpu = await stepLoss('cpu');
    const wasm = await stepLoss('wasm');
    // The second loss depends on the first step's gradients, morph layers included.
    for (let i = 0; i < 2; i++)
      assert.ok(
        Math.abs(cpu.losses[i] - wasm.losses[i]) <= 1e-4,
        `step ${i}: cpu ${cpu.losses[i]} vs wasm ${wasm.losses[i]}`,
      );
    const a = morphLayers(cpu.model).map((l) => Array.from(l.getWeights()[0].dataSync()));
    const b = morphLayers(wasm.model).map((l) => Array.from(l.getWeights()[0].dataSync()));
    a.forEach((w, i) =>
      w.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= 1e-4, `layer ${i} entry ${j}: ${v} vs ${b[i][j]}`)),
    );
    await initBackend({ backend: 'cpu' });
    const dir = path.join(root, 'm');
    await saveModel(dir, cpu.model, { pipeline: DEFAULT_PIPELINE, seed: 0 });
    const loaded = await loadModel(dir);
    assert.deepEqual(
      morphLayers(loaded.model).map((l) => l.operation),
      ['opening', 'closing'],
    );
    assert.deepEqual(
      Array.from((loaded.model.predict(x) as tf.Tensor).dataSync()),
      Array.from((cpu.model.predict(x) as tf.Tensor).dataSync()),
    );
    cpu.model.dispose();
    wasm.model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('morphBlock / morphCnn reject bad options with the value in the message', () => {
  const input = tf.input({ shape: [6, 6, 1] });
  assert.throws(() => morphBlock(input, { operations: [] }), /operations=\[\] must be a non-empty array/);
  assert.throws(
    () => morphBlock(input, { operations: ['erode', 'erode'] }),
    /operations=\["erode","erode"\] has a repeated operator/,
  );
  assert.throws(() => morphBlock(input, { combine: 'add' as 'concat' }), /combine="add" must be 'concat' or 'replace'/);
  assert.throws(() => morphCnn([6, 6], { backbone }), /inputShape=\[6,6\] must be \[rows, cols, channels\]/);
  assert.throws(() => morphCnn([6, 6, 1], {} as never), /backbone must be a function/);
});
