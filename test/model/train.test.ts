import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { createGrid, type Grid } from '../../src/grid/grid';
import { Random } from '../../src/random';
import { initBackend } from '../../src/model/backend';
import { MaxFeatureMap, lcnn, smallCnn } from '../../src/model/architectures';
import { predictScores, trainClassifier } from '../../src/model/train';

/**
 * Synthetic spectrogram-like task: every grid is noise; bona fide ones (label 1) also carry a
 * bright 4x4 patch at rows 2-5, cols 9-12, so only that region tells the classes apart.
 */
function syntheticSet(n: number, seed: number, rows = 16, cols = 16): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const inputs: Grid[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const g = createGrid(rows, cols);
    for (let k = 0; k < g.data.length; k++) g.data[k] = 0.3 * rng.normal();
    if (label === 1) for (let r = 2; r < 6; r++) for (let c = 9; c < 13; c++) g.data[r * cols + c] += 2;
    inputs.push(g);
    labels.push(label);
  }
  return { inputs, labels };
}

const quiet = { progress: false, log: null } as const;

describe('trainClassifier / predictScores', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('cnn learns the planted patch: training accuracy > 0.9 and scores separate the classes', async () => {
    const data = syntheticSet(64, 1);
    const { model, history } = await trainClassifier(data, {
      ...quiet,
      epochs: 6,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 3,
    });
    assert.equal(history.length, 6);
    assert.ok(history[5].accuracy > 0.9, `accuracy ${history[5].accuracy}`);
    assert.ok(history[5].loss < history[0].loss);
    const test = syntheticSet(32, 2);
    const scores = predictScores(model, test.inputs);
    let correct = 0;
    scores.forEach((s, i) => {
      if ((s > 0 ? 1 : 0) === test.labels[i]) correct++;
    });
    assert.ok(correct / 32 > 0.9, `held-out accuracy ${correct / 32}`);
    model.dispose();
  });

  test('same seed and backend give identical histories and scores; another seed differs', async () => {
    const data = syntheticSet(32, 4);
    const run = async (seed: number) => {
      const r = await trainClassifier(data, { ...quiet, epochs: 2, batchSize: 8, seed, validationSplit: 0.25 });
      const s = predictScores(r.model, data.inputs);
      r.model.dispose();
      return { losses: r.history.map((h) => [h.loss, h.valLoss]), s };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.s, b.s);
    assert.notDeepEqual(a.s, c.s);
  });

  test('no tensor leaks across epochs, predictions and after disposal', async () => {
    const data = syntheticSet(24, 5);
    const before = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const { model } = await trainClassifier(data, {
      ...quiet,
      epochs: 4,
      batchSize: 8,
      validationSplit: 0.25,
      patience: 10,
      onEpoch: () => perEpoch.push(tf.memory().numTensors),
    });
    // Epoch 0 creates Adam's slots; from then on the count must not move.
    assert.deepEqual(
      perEpoch.slice(1),
      perEpoch.slice(1).map(() => perEpoch[1]),
    );
    const afterTrain = tf.memory().numTensors;
    assert.equal(afterTrain - before, model.getWeights().length);
    predictScores(model, data.inputs);
    predictScores(model, data.inputs, { batchSize: 5 });
    assert.equal(tf.memory().numTensors, afterTrain);
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test('early stopping restores the weights of the best validation epoch', async () => {
    const data = syntheticSet(48, 6);
    const val = syntheticSet(16, 7);
    // A learning rate this high makes the validation loss climb after the first epochs.
    const r = await trainClassifier(data, {
      ...quiet,
      epochs: 12,
      batchSize: 8,
      learningRate: 0.3,
      patience: 1,
      validationData: val,
      seed: 1,
      monitor: 'loss',
      recalibrateBatchNorm: false,
    });
    const best = Math.min(...r.history.map((h) => h.valLoss));
    assert.equal(r.history[r.bestEpoch].valLoss, best);
    // Recompute the validation loss of the returned model from its scores: CE = softplus(-s) for
    // label 1 and softplus(s) for label 0, with s = logit1 - logit0.
    const s = predictScores(r.model, val.inputs);
    let ce = 0;
    s.forEach((v, i) => {
      const z = val.labels[i] === 1 ? -v : v;
      ce += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    });
    assert.ok(Math.abs(ce / s.length - best) <= 1e-4 * Math.max(1, best), `${ce / s.length} vs ${best}`);
    if (r.stoppedEarly) assert.ok(r.history.length < 12);
    r.model.dispose();
  });

  test('classWeight [0, 1] ignores spoof samples, so every training input scores bona fide', async () => {
    const data = syntheticSet(32, 8);
    // Without batch norm the cheapest way to lower a bona-fide-only loss is the output bias.
    const model = smallCnn([16, 16, 1], { seed: 0, batchNorm: false });
    const r = await trainClassifier(data, {
      ...quiet,
      model,
      epochs: 3,
      batchSize: 8,
      learningRate: 1e-2,
      classWeight: [0, 1],
    });
    const s = predictScores(r.model, data.inputs);
    assert.ok(
      s.every((v) => v > 0),
      `min score ${Math.min(...s)}`,
    );
    r.model.dispose();
  });

  test("classWeight 'balanced' trains on a 3:1 imbalanced set", async () => {
    const d = syntheticSet(48, 9);
    const keep = d.labels.map((l, i) => l === 0 || i % 6 === 1);
    const data = { inputs: d.inputs.filter((_, i) => keep[i]), labels: d.labels.filter((_, i) => keep[i]) };
    const r = await trainClassifier(data, {
      ...quiet,
      epochs: 4,
      batchSize: 8,
      learningRate: 3e-3,
      classWeight: 'balanced',
    });
    assert.ok(Number.isFinite(r.history[3].loss));
    r.model.dispose();
  });

  test('Float32Array inputs with inputShape and rank-3 tensors give the same scores as Grids', async () => {
    const data = syntheticSet(8, 10);
    const model = smallCnn([16, 16, 1], { seed: 2 });
    const fromGrids = predictScores(model, data.inputs);
    const fromArrays = predictScores(
      model,
      data.inputs.map((g) => g.data),
      { inputShape: [16, 16, 1] },
    );
    const t = tf.tensor3d(Float32Array.from(data.inputs.flatMap((g) => [...g.data])), [8, 16, 16]);
    const fromTensor = predictScores(model, t);
    assert.deepEqual(fromArrays, fromGrids);
    assert.deepEqual(fromTensor, fromGrids);
    t.dispose();
    model.dispose();
  });

  test('lcnn trains on wasm and its step matches cpu', async () => {
    const data = syntheticSet(16, 11);
    const losses: Record<string, number> = {};
    for (const name of ['cpu', 'wasm'] as const) {
      const r = await trainClassifier(data, {
        ...quiet,
        model: 'lcnn',
        epochs: 1,
        batchSize: 16,
        seed: 4,
        backend: { backend: name },
      });
      losses[name] = r.history[0].loss;
      assert.deepEqual(r.model.outputs[0].shape, [null, 2]);
      r.model.dispose();
    }
    assert.ok(Math.abs(losses.wasm - losses.cpu) <= 1e-4 * Math.abs(losses.cpu), JSON.stringify(losses));
    await initBackend({ backend: 'wasm' });
  });

  test('MaxFeatureMap halves channels with the element-wise max of the two halves', () => {
    const x = tf.tensor4d([1, -2, 3, 4, 5, 6, -7, 0], [1, 1, 2, 4]);
    const y = new MaxFeatureMap({}).apply(x) as tf.Tensor;
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.dataSync()), [3, 4, 5, 6]);
    tf.dispose([x, y]);
  });

  test('lcnn output shape and input-size check', () => {
    const m = lcnn([32, 20, 1]);
    assert.deepEqual(m.outputs[0].shape, [null, 2]);
    m.dispose();
    assert.throws(() => lcnn([8, 32, 1]), /inputShape=\[8,32,1\] must have rows, cols >= 16/);
  });

  test('bad arguments name the argument and value', async () => {
    const data = syntheticSet(4, 12);
    await assert.rejects(trainClassifier(data.inputs, quiet), /labels are required/);
    await assert.rejects(
      trainClassifier({ inputs: data.inputs, labels: [0, 1, 2, 0] }, quiet),
      /labels\[2\]=2 must be an integer class index/,
    );
    await assert.rejects(
      trainClassifier({ inputs: data.inputs, labels: [0, 1] }, quiet),
      /labels.length=2 must equal the number of inputs 4/,
    );
    await assert.rejects(trainClassifier(data, { ...quiet, epochs: 0 }), /epochs=0 must be a positive integer/);
    await assert.rejects(
      trainClassifier(data, { ...quiet, validationSplit: 1 }),
      /validationSplit=1 must be in \[0, 1\)/,
    );
    assert.throws(() => smallCnn([16, 16]), /inputShape=\[16,16\] must be \[rows, cols, channels\]/);
    const m = smallCnn([16, 16, 1]);
    assert.throws(
      () =>
        predictScores(
          m,
          data.inputs.map((g) => g.data),
        ),
      /inputShape=undefined must be \[rows, cols, channels\]/,
    );
    m.dispose();
  });
});
