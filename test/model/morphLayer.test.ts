import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { MORPH_OUTSIDE, MorphLayer, initialStructure, maxPlusMorphology, morphLayer } from '../../src/model/morphLayer';
import { loadModel, saveModel } from '../../src/model/io';
import { DEFAULT_PIPELINE, type FootprintSpec, MORPHOLOGY_OPS } from '../../src/pipeline/config';
import { footprintFromSpec } from '../../src/pipeline/footprintSpec';
import { createGrid } from '../../src/grid/grid';
import { dilate, erode, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient } from '../../src/morphology';
import { Random } from '../../src/random';
import { maxAbsDiff } from '../helpers/arrays';

const SPECMORPH = { erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient };

/** A dB-like image: negative values, plateaus where a topDb clip would put them. */
function dbImage(rows: number, cols: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const d = new Float32Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = Math.max(-80, -40 + 25 * rng.normal());
  return d;
}

/** A frozen one-layer model applying `operation` with a flat `init` footprint to [rows, cols, 1]. */
function frozen(
  operation: (typeof MORPHOLOGY_OPS)[number],
  init: FootprintSpec,
  rows: number,
  cols: number,
): tf.LayersModel {
  const input = tf.input({ shape: [rows, cols, 1] });
  const out = morphLayer({ operation, init, trainable: false }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`MorphLayer on ${backend}`, () => {
    before(async () => {
      await initBackend({ backend });
    });

    // The exactness target (rect 3x3, dilate/erode) and the rest: every operator, and
    // footprints that are not point-symmetric, where a missing reflection would show.
    const footprints: FootprintSpec[] = [
      { shape: 'rect', rows: 3, cols: 3 },
      { shape: 'cross', rows: 3, cols: 5 },
      { shape: 'disk', radius: 2 },
      {
        shape: 'mask',
        mask: [
          [1, 1, 0],
          [0, 1, 0],
          [0, 1, 1],
        ],
      },
      { shape: 'line', length: 7, axis: 'time' },
    ];
    for (const fp of footprints) {
      for (const op of MORPHOLOGY_OPS) {
        test(`frozen flat ${JSON.stringify(fp)} ${op} equals specmorph ${op} border=ignore to 1e-6`, () => {
          const [rows, cols] = [13, 17];
          const data = dbImage(rows, cols, rows + cols + op.length);
          const want = SPECMORPH[op](createGrid(rows, cols, data), footprintFromSpec(fp), { border: 'ignore' }).data;
          const model = frozen(op, fp, rows, cols);
          const x = tf.tensor4d(data, [1, rows, cols, 1]);
          const y = model.predict(x) as tf.Tensor;
          const got = y.dataSync();
          assert.ok(maxAbsDiff(got, want) <= 1e-6, `max |diff| ${maxAbsDiff(got, want)}`);
          tf.dispose([x, y]);
          model.dispose();
        });
      }
    }

    test("non-flat 3x5 structure: dilate and erode equal Soille's definitions by brute force (border ignore)", () => {
      const [rows, cols, sr, sc] = [7, 9, 3, 5];
      const rng = new Random(77);
      const f = Float32Array.from({ length: rows * cols }, () => rng.normal());
      const w = Float32Array.from({ length: sr * sc }, () => 0.5 * rng.normal());
      const x = tf.tensor4d(f, [1, rows, cols, 1]);
      const s = tf.tensor3d(w, [sr, sc, 1]);
      // dilation(p) = max over b of f(p - b) + w(b); erosion(p) = min over b of f(p + b) - w(b);
      // b = (i - 1, j - 2) for entry (i, j) of w; pixels off the image take no part.
      const brute = (isDilate: boolean) =>
        Float32Array.from({ length: rows * cols }, (_, p) => {
          const [r, c] = [Math.floor(p / cols), p % cols];
          let best = isDilate ? -Infinity : Infinity;
          for (let i = 0; i < sr; i++) {
            for (let j = 0; j < sc; j++) {
              const [dr, dc] = [i - 1, j - 2];
              const [qr, qc] = isDilate ? [r - dr, c - dc] : [r + dr, c + dc];
              if (qr < 0 || qr >= rows || qc < 0 || qc >= cols) continue;
              best = isDilate
                ? Math.max(best, f[qr * cols + qc] + w[i * sc + j])
                : Math.min(best, f[qr * cols + qc] - w[i * sc + j]);
            }
          }
          return best;
        });
      for (const op of ['dilate', 'erode'] as const) {
        const y = maxPlusMorphology(x, s, op);
        assert.ok(
          maxAbsDiff(y.dataSync(), brute(op === 'dilate')) <= 1e-6,
          `${op}: max |diff| ${maxAbsDiff(y.dataSync(), brute(op === 'dilate'))}`,
        );
        y.dispose();
      }
      tf.dispose([x, s]);
    });

    test('depthMultiplier=3 random init: channel k is the operator with structure channel k', () => {
      const layer = morphLayer({
        operation: 'opening',
        init: { shape: 'random', rows: 5, cols: 3, std: 0.5 },
        depthMultiplier: 3,
        seed: 4,
      });
      const x = tf.tensor4d(dbImage(9, 11, 1), [1, 9, 11, 1]);
      const y = layer.apply(x) as tf.Tensor4D;
      assert.deepEqual(y.shape, [1, 9, 11, 3]);
      const w = layer.getWeights()[0] as tf.Tensor3D;
      assert.deepEqual(w.shape, [5, 3, 3]);
      for (let k = 0; k < 3; k++) {
        const wk = tf.slice(w, [0, 0, k], [5, 3, 1]);
        const want = maxPlusMorphology(x, wk, 'opening');
        const got = tf.slice(y, [0, 0, 0, k], [1, 9, 11, 1]);
        assert.ok(maxAbsDiff(got.dataSync(), want.dataSync()) <= 1e-6);
        tf.dispose([wk, want, got]);
      }
      // Different draws per channel, and the same draw for the same seed.
      const again = initialStructure({ init: { shape: 'random', rows: 5, cols: 3, std: 0.5 }, seed: 4 }, 3);
      assert.deepEqual(Array.from(again.dataSync()), Array.from(w.dataSync()));
      const c = w.arraySync();
      assert.notEqual(c[0][0][0], c[0][0][1]);
      tf.dispose([x, y, again]);
      layer.dispose();
    });

    // Only the single-stage operators: in opening(x)(p) a pixel reached through the same offset in
    // both stages gives x - w(b) + w(b) exactly, for every b, so compositions sit on ties where
    // the gradient is one subgradient among several and finite differences need not match it.
    for (const op of ['dilate', 'erode', 'morphologicalGradient'] as const) {
      test(`gradient of sum(dy * ${op}) w.r.t. the structure equals central finite differences`, () => {
        // Distinct integer inputs and small heights: every window's arg-max is unique and stays
        // the arg-max under a 1e-2 perturbation, so finite differences are exact up to rounding.
        const [rows, cols, ch] = [6, 7, 2];
        const rng = new Random(21 + op.length);
        const order = rng.shuffle(Array.from({ length: rows * cols * ch }, (_, i) => i));
        const x = tf.tensor4d(Float32Array.from(order), [1, rows, cols, ch]);
        const w0 = Float32Array.from({ length: 3 * 3 * ch }, () => 0.1 * rng.normal());
        const dy = tf.tensor4d(
          Float32Array.from({ length: rows * cols * ch }, () => rng.normal()),
          [1, rows, cols, ch],
        );
        const f = (w: tf.Tensor) => tf.sum(tf.mul(dy, maxPlusMorphology(x, w as tf.Tensor3D, op)));
        const w = tf.tensor3d(w0, [3, 3, ch]);
        const g = tf.grad(f)(w).dataSync();
        const eps = 1e-2;
        for (let i = 0; i < w0.length; i++) {
          const at = (d: number) => {
            const v = w0.slice();
            v[i] += d;
            const t = tf.tensor3d(v, [3, 3, ch]);
            const s = f(t).dataSync()[0];
            t.dispose();
            return s;
          };
          const fd = (at(eps) - at(-eps)) / (2 * eps);
          assert.ok(
            Math.abs(fd - g[i]) <= 1e-2 * Math.max(1, Math.abs(fd)),
            `entry ${i}: grad ${g[i]} vs finite difference ${fd}`,
          );
        }
        tf.dispose([x, dy, w]);
      });
    }

    test('a training step of a model with a MorphLayer leaks no tensors', async () => {
      const input = tf.input({ shape: [12, 10, 1] });
      let h = morphLayer({ operation: 'closing', depthMultiplier: 2 }).apply(input) as tf.SymbolicTensor;
      h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
      const x = tf.tensor4d(dbImage(12, 10 * 4, 2), [4, 12, 10, 1]);
      const y = tf.tensor1d([0, 1, 0, 1]);
      await model.trainOnBatch(x, y);
      const before = tf.memory().numTensors;
      await model.trainOnBatch(x, y);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, y]);
      model.dispose();
    });
  });
}

describe('MorphLayer serialisation and options', () => {
  before(async () => {
    await initBackend({ backend: 'cpu' });
  });

  test('saveModel/loadModel round-trips the layer: config, learned structure, predictions', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'specmorph-morph-'));
    try {
      const input = tf.input({ shape: [10, 8, 1] });
      let h = morphLayer({
        operation: 'whiteTopHat',
        init: { shape: 'ellipse', rows: 3, cols: 5 },
        depthMultiplier: 2,
        name: 'morph',
      }).apply(input) as tf.SymbolicTensor;
      h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
      const model = tf.model({
        inputs: input,
        outputs: tf.layers
          .dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
          .apply(h) as tf.SymbolicTensor,
      });
      // Move the structure off its initial value so the test sees learned weights come back.
      const layer = model.getLayer('morph') as MorphLayer;
      const w = layer.getWeights()[0];
      layer.setWeights([tf.add(w, tf.randomUniform(w.shape, -0.3, 0.3, 'float32', 3))]);
      const dir = path.join(root, 'm');
      await saveModel(dir, model, { pipeline: DEFAULT_PIPELINE, seed: 0 });
      const loaded = await loadModel(dir);
      const l2 = loaded.model.getLayer('morph');
      assert.ok(l2 instanceof MorphLayer);
      assert.equal(l2.operation, 'whiteTopHat');
      assert.deepEqual(l2.getConfig(), layer.getConfig());
      assert.deepEqual(Array.from(l2.getWeights()[0].dataSync()), Array.from(layer.getWeights()[0].dataSync()));
      const x = tf.tensor4d(dbImage(10, 8 * 3, 5), [3, 10, 8, 1]);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (loaded.model.predict(x) as tf.Tensor).dataSync();
      assert.deepEqual(Array.from(b), Array.from(a));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('flat init: 0 on the footprint, MORPH_OUTSIDE off it, same for every channel', () => {
    const s = initialStructure({ init: { shape: 'cross', rows: 3, cols: 3 } }, 2).arraySync();
    const want = [
      [0, 1, 0],
      [1, 1, 1],
      [0, 1, 0],
    ];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) assert.deepEqual(s[i][j], want[i][j] ? [0, 0] : [MORPH_OUTSIDE, MORPH_OUTSIDE]);
    }
  });

  test('trainable: false leaves the structure out of the trainable weights', () => {
    const l = morphLayer({ trainable: false });
    l.apply(tf.input({ shape: [5, 5, 1] }));
    assert.equal(l.trainableWeights.length, 0);
    assert.equal(l.nonTrainableWeights.length, 1);
  });

  test('bad options throw ParameterErrors naming the value', () => {
    assert.throws(
      () => morphLayer({ init: { shape: 'rect', rows: 4, cols: 3 } }),
      /rows=4 must be an odd integer in \[1, 15\]/,
    );
    assert.throws(() => morphLayer({ init: { shape: 'random', rows: 3, cols: 17 } }), /cols=17 must be an odd integer/);
    assert.throws(() => morphLayer({ operation: 'thin' as 'erode' }), /operation="thin" must be one of 'erode'/);
    assert.throws(() => morphLayer({ depthMultiplier: 0 }), /depthMultiplier=0 must be a positive integer/);
    assert.throws(() => morphLayer({ init: { shape: 'mask', mask: [[1, 0, 1]] } }), /must contain its centre/);
    assert.throws(
      () => morphLayer({ init: { shape: 'random', rows: 3, cols: 3, std: -1 } }),
      /init.std=-1 must be a finite number >= 0/,
    );
    assert.throws(
      () => maxPlusMorphology(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 1]), 'erode'),
      /structure shape \[3,3,1\] must be \[rows, cols, 2\]/,
    );
  });
});
