import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { smallCnn } from '../../src/model/architectures';
import { Random } from '../../src/random';

// Own file: the wasm thread count can only be chosen once per process.
test('threaded wasm build initialises under Node with 2 threads and trains (batch norm in training mode) like the cpu backend', async () => {
  const info = await initBackend({ backend: 'wasm', threads: 2 });
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 2);
  assert.match(info.why, /2 threads/);
  const rng = new Random(3);
  const x = tf.tensor4d(
    Float32Array.from({ length: 4 * 16 * 16 }, () => rng.normal()),
    [4, 16, 16, 1],
  );
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  const lossOn = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    const model = smallCnn([16, 16, 1], { seed: 1 });
    const opt = tf.train.sgd(0.1);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const l = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
      losses.push((await l.data())[0]);
      l.dispose();
    }
    model.dispose();
    opt.dispose();
    return losses;
  };
  const ref = await lossOn('cpu');
  const got = await lossOn('wasm');
  ref.forEach((r, i) => assert.ok(Math.abs(got[i] - r) <= 1e-4 * Math.abs(r), `step ${i}: ${got[i]} vs ${r}`));
  tf.dispose([x, y]);
});
