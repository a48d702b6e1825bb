import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { Random } from '../../src/random';
import { spectrogram } from '../../src/spectral/spectrogram';
import { powerToDb } from '../../src/spectral/db';
import type { Grid } from '../../src/grid/grid';
import { initBackend } from '../../src/model/backend';
import { Standardization, recalibrateBatchNorm, smallCnn } from '../../src/model/architectures';
import { predictScores, trainClassifier, windowStarts } from '../../src/model/train';
import { computeEer } from '../../src/metrics/detection';

const SR = 8000;

/**
 * A small two-class task with the structure of the real one: "bona fide" clips are voiced (a
 * harmonic series on a random f0 with a random spectral tilt, vibrato and an amplitude envelope,
 * plus noise at 15 dB SNR); "spoof" clips have the same tilt and envelope but are noise-excited
 * (no harmonics). Loudness is randomised in both, so the level alone tells nothing.
 */
function clip(label: number, rng: Random, seconds = 1): Float32Array {
  const n = Math.round(seconds * SR);
  const x = new Float32Array(n);
  const f0 = 100 + 150 * rng.next();
  const tilt = 0.6 + 0.35 * rng.next();
  const vib = 0.02 * rng.next();
  const gain = 10 ** ((-30 + 20 * rng.next()) / 20);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * (1.5 + rng.next() * 0.01) * t) ** 2;
    let v = 0;
    if (label === 1) {
      phase += (2 * Math.PI * f0 * (1 + vib * Math.sin(2 * Math.PI * 5 * t))) / SR;
      for (let h = 1; h * f0 < 3500; h++) v += tilt ** h * Math.sin(h * phase);
    } else {
      // Noise shaped by the same tilt: a one-pole low-pass whose pole follows it.
      v = rng.normal() * 0.7 + tilt * (i > 0 ? x[i - 1] / (gain * env || 1) : 0);
    }
    x[i] = gain * env * v;
  }
  for (let i = 0; i < n; i++) x[i] += gain * 0.18 * rng.normal();
  return x;
}

function features(xs: Float32Array[]): Grid[] {
  return xs.map((x) => powerToDb(spectrogram(x, { sampleRate: SR, nFft: 256, hopLength: 80, winLength: 200 })));
}

function dataset(n: number, seed: number): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  return { inputs: features(labels.map((l) => clip(l, rng))), labels };
}

const quiet = { progress: false, log: null } as const;

describe('the default detector learns (wasm)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('default trainClassifier: harmonic vs noise-excited clips -> held-out EER <= 5 %, loss falls below 0.3', async () => {
    const train = dataset(96, 1);
    const val = dataset(24, 2);
    const test = dataset(64, 3);
    const r = await trainClassifier(train, {
      ...quiet,
      epochs: 8,
      batchSize: 16,
      cropFrames: 64,
      validationData: val,
      seed: 0,
    });
    const losses = r.history.map((h) => h.loss);
    assert.ok(losses[0] > 0.5, `first-epoch loss ${losses[0]} should start near ln 2`);
    assert.ok(Math.min(...losses) < 0.3, `loss never fell below 0.3: ${losses.map((l) => l.toFixed(3))}`);
    const s = predictScores(r.model, test.inputs);
    const eer = computeEer(
      s.filter((_, i) => test.labels[i] === 1),
      s.filter((_, i) => test.labels[i] === 0),
    ).eer;
    assert.ok(eer <= 0.05, `held-out EER ${(100 * eer).toFixed(1)} %`);
    r.model.dispose();
  });

  test('input standardisation: fitted on training inputs only, first layer outputs mean 0 / std 1 per row on them', async () => {
    const train = dataset(16, 4);
    const val = dataset(8, 5);
    for (const v of val.inputs) v.data.fill(1000); // would shift the statistics if they were used
    const r = await trainClassifier(train, { ...quiet, epochs: 1, batchSize: 8, validationData: val, seed: 0 });
    const layer = r.model.getLayer('standardization') as Standardization;
    const rows = train.inputs[0].rows;
    const cols = train.inputs[0].cols;
    const x = tf.tensor4d(Float32Array.from(train.inputs.flatMap((g) => [...g.data])), [16, rows, cols, 1]);
    const probe = tf.model({ inputs: r.model.inputs, outputs: layer.output as tf.SymbolicTensor });
    // The model's input is cropFrames (= cols) wide, so the whole grids fit.
    const z = probe.predict(x) as tf.Tensor4D;
    const { mean, variance } = tf.moments(z, [0, 2, 3]);
    const m = mean.dataSync();
    const v = variance.dataSync();
    for (let rIdx = 0; rIdx < rows; rIdx++) {
      assert.ok(Math.abs(m[rIdx]) < 1e-3, `row ${rIdx} mean ${m[rIdx]}`);
      if (r.standardization!.std[rIdx] > 1e-3)
        assert.ok(Math.abs(Math.sqrt(v[rIdx]) - 1) < 1e-3, `row ${rIdx} std ${Math.sqrt(v[rIdx])}`);
    }
    tf.dispose([x, z, mean, variance]);
    r.model.dispose();
  });

  test('recalibrateBatchNorm: inference-mode BN outputs on the training inputs have mean beta and std |gamma|', async () => {
    const train = dataset(24, 6);
    const r = await trainClassifier(train, { ...quiet, epochs: 2, batchSize: 8, seed: 0, learningRate: 3e-3 });
    const rows = train.inputs[0].rows;
    const cols = train.inputs[0].cols;
    const x = tf.tensor4d(Float32Array.from(train.inputs.flatMap((g) => [...g.data])), [24, rows, cols, 1]);
    for (const name of ['bn1', 'bn2', 'bn3']) {
      const layer = r.model.getLayer(name);
      const [gamma, beta] = layer.getWeights().map((w) => w.dataSync());
      const probe = tf.model({ inputs: r.model.inputs, outputs: layer.output as tf.SymbolicTensor });
      const out = probe.predict(x) as tf.Tensor4D;
      const { mean, variance } = tf.moments(out, [0, 1, 2]);
      const m = mean.dataSync();
      const sd = variance.dataSync().map(Math.sqrt);
      for (let c = 0; c < m.length; c++) {
        assert.ok(
          Math.abs(m[c] - beta[c]) < 2e-3 * Math.max(1, Math.abs(gamma[c])),
          `${name}[${c}] mean ${m[c]} vs beta ${beta[c]}`,
        );
        assert.ok(
          Math.abs(sd[c] - Math.abs(gamma[c])) < 2e-2 * Math.max(1, Math.abs(gamma[c])),
          `${name}[${c}] std ${sd[c]} vs |gamma| ${Math.abs(gamma[c])}`,
        );
      }
      tf.dispose([out, mean, variance]);
    }
    // Without recalibration the running statistics lag (momentum, few steps): a visible gap.
    const model = smallCnn([rows, cols, 1], { seed: 0 });
    const before = tf.memory().numTensors;
    recalibrateBatchNorm(model, [x]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(x);
    model.dispose();
    r.model.dispose();
  });

  test('cropFrames: predictScores of a wide input = mean logit ratio over windows (hop half a window, last flush right)', async () => {
    assert.deepEqual(windowStarts(10, 4), [0, 2, 4, 6]);
    assert.deepEqual(windowStarts(11, 4), [0, 2, 4, 6, 7]);
    assert.deepEqual(windowStarts(4, 4), [0]);
    assert.deepEqual(windowStarts(3, 4), [0]);
    const train = dataset(8, 7);
    const rows = train.inputs[0].rows;
    const cols = train.inputs[0].cols;
    const model = smallCnn([rows, 40, 1], { seed: 1 });
    const whole = predictScores(model, train.inputs);
    const starts = windowStarts(cols, 40);
    const windows = train.inputs.flatMap((g) =>
      starts.map((s) => {
        const out = new Float32Array(rows * 40);
        for (let r = 0; r < rows; r++) out.set(g.data.subarray(r * cols + s, r * cols + s + 40), r * 40);
        return out;
      }),
    );
    const logits = tf.tidy(() =>
      (
        model.predict(
          tf.tensor4d(Float32Array.from(windows.flatMap((w) => [...w])), [windows.length, rows, 40, 1]),
        ) as tf.Tensor2D
      ).arraySync(),
    );
    train.inputs.forEach((_, i) => {
      let m0 = 0;
      let m1 = 0;
      starts.forEach((_, k) => {
        m0 += logits[i * starts.length + k][0] / starts.length;
        m1 += logits[i * starts.length + k][1] / starts.length;
      });
      assert.ok(Math.abs(whole[i] - (m1 - m0)) < 1e-4, `clip ${i}: ${whole[i]} vs ${m1 - m0}`);
    });
    model.dispose();
  });

  test('augmentation is seeded: same seed, same history; masks and noise change the run', async () => {
    const train = dataset(16, 8);
    const run = async (augment?: object, seed = 0) => {
      const r = await trainClassifier(train, { ...quiet, epochs: 2, batchSize: 8, cropFrames: 48, seed, augment });
      r.model.dispose();
      return r.history.map((h) => h.loss);
    };
    const aug = { timeMasks: 2, freqMasks: 2, gainDb: 6, noiseSnrDb: [10, 30] as [number, number] };
    const a = await run(aug);
    assert.deepEqual(await run(aug), a);
    assert.notDeepEqual(await run(), a);
    await assert.rejects(run({ timeMasks: -1 }), /augment.timeMasks=-1 must be an integer >= 0/);
    await assert.rejects(run({ noiseSnrDb: [30, 10] }), /augment.noiseSnrDb=\[30,10\] must be \[lo, hi\]/);
  });
});
