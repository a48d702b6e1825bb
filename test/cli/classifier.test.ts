import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { trainOnFeatures, scoreFeatures } from '../../src/cli/classifier';
import { createGrid } from '../../src/grid';
import { Label } from '../../src/dataset';
import { Random } from '../../src/random';

function data(n: number, seed: number) {
  const rng = new Random(seed);
  const labels: Label[] = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'bonafide' : 'spoof'));
  const features = labels.map((l) => createGrid(8, 8, Float32Array.from({ length: 64 }, (_, k) => (l === 'bonafide' ? Math.sin(k) : 0) + 0.1 * rng.normal())));
  return { labels, features };
}

test('CLI classifier: seeded training is reproducible, scoring leaks no tensors', async () => {
  await tf.setBackend('cpu');
  const { labels, features } = data(12, 1);
  const a = await trainOnFeatures(features, labels, { epochs: 2, seed: 5, batchSize: 4 });
  const b = await trainOnFeatures(features, labels, { epochs: 2, seed: 5, batchSize: 4 });
  assert.deepEqual(a.history, b.history);
  const before = tf.memory().numTensors;
  const s1 = scoreFeatures(a.model, features, 5);
  const s2 = scoreFeatures(a.model, features, 5);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(s1, s2);
  assert.deepEqual(Array.from(scoreFeatures(b.model, features)), Array.from(s1));
  assert.ok(s1.every((v) => v > 0 && v < 1));
  a.model.dispose();
  b.model.dispose();
});
