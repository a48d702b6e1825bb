import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { SeededDropout, lcnn } from '../../src/model/architectures';

const N = 20000;
const x = () => tf.tidy(() => tf.reshape(tf.add(tf.range(0, N, 1, 'float32'), 1), [4, 50, 100, 1]) as tf.Tensor4D);

/** One training-mode call: the output values. */
function trainCall(layer: SeededDropout, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (layer.apply(input, { training: true }) as tf.Tensor).dataSync() as Float32Array);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`SeededDropout on ${backend}`, () => {
    test('training zeroes about `rate` of the elements and scales the rest by 1 / (1 - rate)', async () => {
      await initBackend({ backend });
      const input = x();
      const inData = input.dataSync();
      for (const rate of [0.2, 0.7]) {
        const out = trainCall(new SeededDropout({ rate, seed: 5 }), input);
        let zeros = 0;
        for (let i = 0; i < N; i++) {
          if (out[i] === 0) zeros++;
          else assert.ok(Math.abs(out[i] - inData[i] / (1 - rate)) <= 1e-6 * out[i], `element ${i}: ${out[i]}`);
        }
        // Binomial(N, rate): 5 standard deviations.
        const sd = Math.sqrt(N * rate * (1 - rate));
        assert.ok(Math.abs(zeros - N * rate) < 5 * sd, `rate=${rate}: ${zeros} of ${N} zeroed`);
      }
      input.dispose();
    });

    test('a new mask every step; the same sequence for the same seed; inference is the identity', async () => {
      await initBackend({ backend });
      const input = x();
      const a = new SeededDropout({ rate: 0.5, seed: 3 });
      const b = new SeededDropout({ rate: 0.5, seed: 3 });
      const c = new SeededDropout({ rate: 0.5, seed: 4 });
      const a1 = trainCall(a, input);
      const a2 = trainCall(a, input);
      assert.notDeepEqual(a1, a2, 'two steps drew the same mask');
      assert.deepEqual(trainCall(b, input), a1);
      assert.deepEqual(trainCall(b, input), a2);
      assert.notDeepEqual(trainCall(c, input), a1);
      const inference = tf.tidy(() => (a.apply(input) as tf.Tensor).dataSync());
      assert.deepEqual(inference, input.dataSync());
      input.dispose();
    });

    test('the gradient passes through the kept elements only, scaled like them', async () => {
      await initBackend({ backend });
      const input = x();
      const layer = new SeededDropout({ rate: 0.7, seed: 9 });
      const twin = new SeededDropout({ rate: 0.7, seed: 9 });
      const g = tf.tidy(() =>
        tf
          .grad((v: tf.Tensor) => tf.sum(layer.apply(v, { training: true }) as tf.Tensor))(input)
          .dataSync(),
      );
      const out = trainCall(twin, input);
      const inData = input.dataSync();
      for (let i = 0; i < N; i++) assert.ok(Math.abs(g[i] - out[i] / inData[i]) <= 1e-5, `element ${i}`);
      input.dispose();
    });
  });
}

describe('lcnn dropout', () => {
  after(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('the baseline rate 0.7 after the last pooling block by default; 0 leaves it out; bad rates named', () => {
    const m = lcnn([32, 32, 1]);
    const d = m.layers.filter((l) => l instanceof SeededDropout) as SeededDropout[];
    assert.equal(d.length, 1);
    assert.equal(d[0].rate, 0.7);
    const names = m.layers.map((l) => l.name);
    assert.equal(names.indexOf('dropout9'), names.indexOf('pool9') + 1);
    m.dispose();
    const none = lcnn([32, 32, 1], { dropout: 0 });
    assert.equal(none.layers.filter((l) => l instanceof SeededDropout).length, 0);
    none.dispose();
    assert.throws(() => lcnn([32, 32, 1], { dropout: 1 }), /dropout=1 must be in \[0, 1\)/);
    assert.throws(() => new SeededDropout({ rate: -0.1 }), /dropout rate=-0.1 must be in \[0, 1\)/);
  });
});
