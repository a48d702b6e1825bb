import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { BatchNormalization, batchNormTraining } from '../../src/model/kernels/batch_norm';
import { Random } from '../../src/random';
import { relErr } from '../helpers/arrays';

// The fused batch-norm kernels (wasm) against tfjs's own moments + batchNorm on the cpu backend,
// and our inference FusedBatchNorm (wasm) against the cpu backend's.
const TOL = 1e-5;

function randomTensor(shape: number[], rng: Random, scale = 1, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => offset + scale * rng.normal()),
    shape,
  );
}

/** tfjs-layers' training path: moments over every axis but the last, then batchNorm. */
function reference(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number) {
  const { mean, variance } = tf.moments(
    x,
    x.shape.slice(0, -1).map((_, i) => i),
  );
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, eps), mean, variance };
}

describe('fused training batch norm (wasm) vs tfjs moments + batchNorm (cpu)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  for (const shape of [
    [4, 6, 5, 3],
    [32, 2],
    [3, 7, 1],
    [2, 9, 11, 16],
    [3, 5, 7, 8],
    [1029, 4],
    [2, 2049, 12],
  ]) {
    test(`outputs, statistics and gradients of x, gamma, beta: x [${shape}]`, async () => {
      const rng = new Random(shape.length * 100 + shape[shape.length - 1]);
      // An offset far from 0 and a small spread: the variance must not come from E[x^2] - E[x]^2.
      const x = randomTensor(shape, rng, 0.5, 20);
      const c = shape[shape.length - 1];
      const gamma = randomTensor([c], rng) as tf.Tensor1D;
      const beta = randomTensor([c], rng) as tf.Tensor1D;
      const w = randomTensor(shape, rng);
      const eps = 1e-5;
      const run = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const f = backend === 'wasm' ? batchNormTraining : reference;
        // A loss that weights every output differently, so every gradient term matters.
        const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.square(f(a, g as tf.Tensor1D, b as tf.Tensor1D, eps).y), w));
        const grads = tf.grads(loss)([x, gamma, beta]);
        const out = tf.tidy(() => {
          const r = f(x, gamma, beta, eps);
          return [r.y, r.mean, r.variance];
        });
        const data = await Promise.all([...out, ...grads].map((t) => t.data() as Promise<Float32Array>));
        tf.dispose([...out, ...grads]);
        return data;
      };
      const ref = await run('cpu');
      const got = await run('wasm');
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      for (let i = 0; i < ref.length; i++) {
        const e = relErr(got[i], ref[i]);
        assert.ok(e <= TOL, `${names[i]}: relative error ${e}`);
      }
      tf.dispose([x, gamma, beta, w]);
    });
  }

  test('the layer: training outputs, running averages and gradients match tfjs-layers on cpu; inference unchanged', async () => {
    const rng = new Random(5);
    const x = randomTensor([8, 5, 4, 6], rng, 2, 1);
    const args = { momentum: 0.9, epsilon: 1e-5 };
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const layer =
        backend === 'wasm' ? new BatchNormalization({ ...args, name: 'ours' }) : tf.layers.batchNormalization(args);
      const input = tf.input({ shape: [5, 4, 6] });
      const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
      model.setWeights([
        tf.tensor1d([1, 2, 0.5, -1, 3, 1]),
        tf.tensor1d([0, 1, -1, 2, 0.5, 0]),
        tf.zeros([6]),
        tf.ones([6]),
      ]);
      const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      const out = [
        value,
        ...vars.map((v) => grads[v.name]),
        ...model
          .getWeights()
          .slice(2)
          .map((t) => tf.clone(t)),
        model.predict(x) as tf.Tensor,
      ];
      const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(out);
      model.dispose();
      return data;
    };
    const ref = await run('cpu');
    const got = await run('wasm');
    const names = ['loss', 'dgamma', 'dbeta', 'moving mean', 'moving variance', 'inference output'];
    assert.equal(got.length, names.length);
    for (let i = 0; i < ref.length; i++) {
      const e = relErr(got[i], ref[i]);
      assert.ok(e <= TOL, `${names[i]}: relative error ${e}`);
    }
    tf.dispose(x);
  });

  for (const [name, xShape, statShape, withAffine] of [
    ['per-channel statistics, offset and scale', [3, 5, 4, 6], [6], true],
    ['[1, 1, C] statistics, no offset or scale', [2, 7, 5], [1, 1, 5], false],
    ['scalar statistics', [4, 3], [1], true],
    ['per-row statistics (broadcast over other axes: upstream)', [2, 5, 3], [5, 1], true],
  ] as [string, number[], number[], boolean][]) {
    test(`FusedBatchNorm (inference) on wasm equals cpu: ${name}`, async () => {
      const rng = new Random(xShape.length * 31 + statShape.length);
      const x = randomTensor(xShape, rng, 3, 10);
      const mean = randomTensor(statShape, rng, 1, 10);
      const variance = tf.abs(randomTensor(statShape, rng, 2));
      const offset = withAffine ? randomTensor(statShape, rng) : undefined;
      const scale = withAffine ? randomTensor(statShape, rng) : undefined;
      const run = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const y = tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
        const data = (await y.data()) as Float32Array;
        y.dispose();
        return data;
      };
      const ref = await run('cpu');
      const got = await run('wasm');
      assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
      tf.dispose([x, mean, variance, ...(offset ? [offset] : []), ...(scale ? [scale] : [])]);
    });
  }

  test('the layer saves as tfjs BatchNormalization and loads as ours', async () => {
    await tf.setBackend('wasm');
    const layer = new BatchNormalization({ name: 'bn' });
    assert.equal(layer.getClassName(), 'BatchNormalization');
    const input = tf.input({ shape: [3] });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(null, false) as { config: { layers: { class_name: string }[] } };
    assert.equal(json.config.layers[1].class_name, 'BatchNormalization');
    const loaded = await tf.models.modelFromJSON(json as unknown as tf.io.ModelJSON['modelTopology'] as never);
    assert.ok(loaded.layers[1] instanceof BatchNormalization);
    model.dispose();
    loaded.dispose();
  });
});
