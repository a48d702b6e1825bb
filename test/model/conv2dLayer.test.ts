import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { Conv2D, conv2d } from '../../src/model/kernels/conv2d_layer';
import { Random } from '../../src/random';

// Our Conv2D layer against tfjs-layers' own: identical outputs and weight gradients, and without
// bias or activation no gradient of the network input (the backward convolution nobody reads).

function randomTensor(shape: number[], rng: Random): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

type Args = Parameters<typeof tf.layers.conv2d>[0];

/** Loss, kernel (and bias) gradients of conv -> square -> sum, and the kernels the step ran. */
async function step(make: (a: Args) => tf.layers.Layer, args: Args, x: tf.Tensor, weights: tf.Tensor[]) {
  const input = tf.input({ shape: x.shape.slice(1) });
  const model = tf.model({ inputs: input, outputs: make(args).apply(input) as tf.SymbolicTensor });
  model.setWeights(weights);
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    out = [value, ...vars.map((v) => grads[v.name]), model.predict(x) as tf.Tensor];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  model.dispose();
  return { data, kernels: profile.kernelNames };
}

describe('Conv2D layer', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [name, args] of [
      ['no bias, linear (as before batch norm)', { filters: 5, kernelSize: 3, padding: 'same', useBias: false }],
      [
        'no bias, linear, stride 2, valid',
        { filters: 4, kernelSize: [2, 3], strides: 2, padding: 'valid', useBias: false },
      ],
      ['bias, linear (tfjs fused path)', { filters: 5, kernelSize: 3, padding: 'same' }],
      ['no bias, relu (tfjs path)', { filters: 5, kernelSize: 3, padding: 'same', useBias: false, activation: 'relu' }],
    ] as [string, Args][]) {
      test(`${backend}: ${name}: values and gradients bitwise tfjs's; input gradient only on tfjs's paths`, async () => {
        await initBackend({ backend });
        const rng = new Random(name.length);
        const x = randomTensor([3, 9, 7, 2], rng);
        const k = Array.isArray(args.kernelSize) ? args.kernelSize : [args.kernelSize, args.kernelSize];
        const weights = [randomTensor([k[0], k[1], 2, args.filters], rng)];
        if (args.useBias !== false) weights.push(randomTensor([args.filters], rng));
        const ours = await step(conv2d, args, x, weights);
        const theirs = await step((a) => tf.layers.conv2d(a), args, x, weights);
        assert.equal(ours.data.length, theirs.data.length);
        ours.data.forEach((d, i) => assert.deepEqual(d, theirs.data[i], `output ${i}`));
        const plain = args.useBias === false && args.activation === undefined;
        // tfjs's fused op differentiates the input too; the relu path (unfused in training) does not.
        assert.equal(theirs.kernels.includes('Conv2DBackpropInput'), args.activation === undefined);
        assert.equal(ours.kernels.includes('Conv2DBackpropInput'), !plain && args.activation === undefined);
        tf.dispose([x, ...weights]);
      });
    }
  }

  test('saves as tfjs Conv2D and loads as ours', async () => {
    const layer = conv2d({ filters: 2, kernelSize: 3, useBias: false, name: 'c' });
    assert.equal(layer.getClassName(), 'Conv2D');
    const input = tf.input({ shape: [6, 6, 1] });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(null, false) as { config: { layers: { class_name: string }[] } };
    assert.equal(json.config.layers[1].class_name, 'Conv2D');
    const loaded = await tf.models.modelFromJSON(json as unknown as tf.io.ModelJSON['modelTopology'] as never);
    assert.ok(loaded.layers[1] instanceof Conv2D);
    model.dispose();
    loaded.dispose();
  });
});
