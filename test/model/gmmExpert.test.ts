import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../src/model/tf';
import { Random } from '../../src/random';
import type { Grid } from '../../src/grid/grid';
import { initBackend } from '../../src/model/backend';
import { expertModels, smallCnn } from '../../src/model/architectures';
import { GmmScore, setGmmScore } from '../../src/model/gmmExpert';
import { fitGmmDetector, scoreGmmDetector } from '../../src/model/gmm';
import { predictScores, trainClassifier, windowStarts } from '../../src/model/train';
import { loadModel, saveModel } from '../../src/model/io';
import { scoreExperts } from '../../src/model/detector';
import { computeEer } from '../../src/metrics/detection';
import { runPipeline } from '../../src/pipeline/run';
import type { PipelineConfig } from '../../src/pipeline/config';
import { atRandomLevel, pulseTrain, resonate } from '../helpers/voice';

const SR = 8000;
const PIPELINE: PipelineConfig = {
  stages: [{ op: 'stft', nFft: 256, hopLength: 80, winLength: 200 }, { op: 'db' }],
  lfcc: {},
  excitation: {},
};
const quiet = { progress: false, log: null } as const;

/** Frames `[dims x n]` (a Grid) from a mixture of two Gaussians far from the origin (LFCC-like offsets). */
function frames(n: number, dims: number, shift: number, rng: Random): Grid {
  const data = new Float32Array(dims * n);
  for (let j = 0; j < n; j++) {
    const c = rng.next() < 0.5 ? -1 : 1;
    for (let d = 0; d < dims; d++)
      data[d * n + j] = 40 - d + c * (1 + 0.1 * d) + shift + (0.05 + 0.02 * d) * rng.normal();
  }
  return { rows: dims, cols: n, data };
}

/**
 * "Bona fide": a jittered pulse train (random f0) through two low resonances; "spoof": the same
 * through resonances 1 kHz higher, a difference in the spectral envelope the LFCC-GMM sees. Level
 * random in both.
 */
function clip(label: number, rng: Random): Float32Array {
  const x = pulseTrain(SR, SR, rng);
  const up = label === 0 ? 1000 : 0;
  const resonances = [
    [300 + 400 * rng.next() + up, 90],
    [1200 + 800 * rng.next() + up, 150],
  ] as const;
  return atRandomLevel(resonate(x, SR, resonances), rng);
}

function dataset(n: number, seed: number): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  return {
    inputs: labels.map(
      (l) => runPipeline({ sampleRate: SR, channels: [clip(l, rng)] }, PIPELINE, { keep: false }).output,
    ),
    labels,
  };
}

describe('the GMM expert (wasm)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('GmmScore = the float64 LLR of scoreGmmDetector (mean over frames) to 1e-4 nats + 1e-5 relative, far from the origin', () => {
    const rng = new Random(5);
    const train = (shift: number) => Array.from({ length: 6 }, () => frames(80, 12, shift, rng));
    const detector = fitGmmDetector(train(0), train(0.7), { nComponents: 4, seed: 2 });
    const clips = [0, 0.3, 0.7, 2].map((shift) => frames(50, 12, shift, rng));
    const ref = scoreGmmDetector(detector, clips);
    const layer = new GmmScore({ components: 4, dims: 12 });
    const x = tf.stack(clips.map((c) => tf.tensor3d(c.data, [12, 50, 1]))) as tf.Tensor4D;
    const before = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(before.dataSync()), [0, 0, 0, 0], 'unset: every frame scores 0');
    setGmmScore(layer, detector);
    const got = (layer.apply(x) as tf.Tensor).dataSync();
    // The scores spread over many nats and the frames sit far from 0: a check of the float32 expansion.
    assert.ok(Math.max(...ref) - Math.min(...ref) > 1, `${ref}`);
    ref.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-4 + 1e-5 * Math.abs(v), `clip ${i}: ${got[i]} vs ${v}`));
    tf.dispose([x, before]);
  });

  test('GmmScore and setGmmScore reject wrong shapes, naming them', () => {
    const rng = new Random(6);
    const detector = fitGmmDetector([frames(60, 5, 0, rng)], [frames(60, 5, 1, rng)], { nComponents: 3, seed: 0 });
    const layer = new GmmScore({ components: 4, dims: 5, name: 'g' });
    assert.throws(() => setGmmScore(layer, detector), /g: build the layer/);
    layer.apply(tf.zeros([1, 5, 8, 1]));
    assert.throws(() => setGmmScore(layer, detector), /detector.bonafide has 3 components of 5 dims; g takes 4 of 5/);
    assert.throws(() => new GmmScore({ components: 0, dims: 5 }), /components/);
    assert.throws(() => layer.apply(tf.zeros([1, 6, 8, 1])), /GmmScore dims=5 must equal the input's 6 rows|takes 5/);
  });

  test('trained with LFCC and excitation rows: the GMM separates what it sees, is fitted on the training clips and calibrated on the validation ones, fused = min(mean(z_cnn, z_gmm), z_gmm, z_excitation), seeded, saved and loaded', async () => {
    const train = dataset(48, 31);
    const val = dataset(16, 32);
    const test = dataset(32, 33);
    const opts = {
      ...quiet,
      epochs: 2,
      batchSize: 16,
      cropFrames: 64,
      validationData: val,
      seed: 0,
      modelOptions: { excitation: {}, gmm: { components: 4 } },
    };
    const r = await trainClassifier(train, opts);
    const s = predictScores(r.model, test.inputs);
    const experts = expertModels(r.model)!;
    assert.ok(experts.gmm && experts.excitation);
    // The spectrogram standardisation covers the 129 STFT rows only (not the 60 LFCC, 3 excitation).
    assert.equal(r.standardization?.mean.length, 129);
    const of = (d: { inputs: Grid[]; labels: number[] }, label: number) =>
      d.inputs.filter((_, i) => d.labels[i] === label);
    // The GMM expert alone (its z-score: a monotone map of its log-likelihood ratio) separates the held-out clips.
    const zg = tf.model({
      inputs: r.model.inputs,
      outputs: r.model.getLayer('gmm_calibration').output as tf.SymbolicTensor,
    });
    const gmm = predictScores(zg, test.inputs);
    const eer = computeEer(
      gmm.filter((_, i) => test.labels[i] === 1),
      gmm.filter((_, i) => test.labels[i] === 0),
    ).eer;
    assert.ok(eer <= 0.05, `GMM expert held-out EER ${(100 * eer).toFixed(1)} %`);
    // The mixtures are those of the training clips' LFCC frames (not the validation clips'), and its
    // z-score is calibrated on the validation bona fide windows they score.
    // A clip's 60 LFCC rows (below the 129 STFT rows).
    const lfcc = (g: Grid): Grid => ({ rows: 60, cols: g.cols, data: g.data.slice(129 * g.cols, 189 * g.cols) });
    const trainOnly = fitGmmDetector(
      of(train, 1).map((g) => lfcc(g)),
      of(train, 0).map((g) => lfcc(g)),
      { nComponents: 4, seed: 0 },
    );
    const llr = tf.model({
      inputs: r.model.inputs,
      outputs: r.model.getLayer('gmm_score').output as tf.SymbolicTensor,
    });
    // Each test clip's first window: the GMM's LLR here, the experts' fusion below.
    const one = test.inputs.map((g) => ({ rows: g.rows, cols: 64, data: sliceCols(g, 64) }));
    const batch = tf.stack(one.map((g) => tf.tensor3d(g.data, [g.rows, 64, 1])));
    const out = llr.predict(batch) as tf.Tensor;
    const got = out.dataSync();
    tf.dispose([batch, out]);
    const expected = scoreGmmDetector(
      trainOnly,
      one.map((g) => lfcc(g)),
    );
    got.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-3 + 1e-4 * Math.abs(v), `clip ${i}: ${v} vs ${expected[i]}`),
    );
    const valWindows = of(val, 1).flatMap((g) =>
      windowStarts(g.cols, 64).map((start) => lfcc({ rows: g.rows, cols: 64, data: sliceCols(g, 64, start) })),
    );
    const ref = scoreGmmDetector(trainOnly, valWindows);
    const refMean = ref.reduce((a, b) => a + b, 0) / ref.length;
    const refStd = Math.sqrt(ref.reduce((a, b) => a + (b - refMean) ** 2, 0) / ref.length);
    const [calMean, calInv] = (r.model.getLayer('gmm_calibration').getWeights() as tf.Tensor[]).map(
      (w) => w.dataSync()[0],
    );
    assert.ok(
      Math.abs(calMean - refMean) < 1e-3 + 1e-4 * Math.abs(refMean),
      `calibration mean ${calMean} vs ${refMean}`,
    );
    assert.ok(Math.abs(1 / calInv - refStd) < 1e-3 * refStd, `calibration std ${1 / calInv} vs ${refStd}`);
    // The fused score is the formula of the three experts' z-scores, window by window (here one window).
    const zc = tf.model({
      inputs: r.model.inputs,
      outputs: r.model.getLayer('spectral_calibration').output as tf.SymbolicTensor,
    });
    const [a, b, c, fused] = [zc, zg, experts.excitation.logits, r.model].map((m) => predictScores(m, one));
    const formula = (i: number) => Math.min((a[i] + b[i]) / 2, b[i], c[i]);
    fused.forEach((v, i) => assert.ok(Math.abs(v - formula(i)) < 1e-5, `clip ${i}: ${v} vs ${formula(i)}`));
    // and the GMM's part decides some clips (where it is below both the mean and the excitation's)
    assert.ok(
      a.some((_, i) => b[i] < a[i] && b[i] < c[i]),
      'no test clip where the GMM z-score is the minimum: the formula was not exercised',
    );
    // Same seed, same backend: the same scores (the GMM's k-means++ is seeded too).
    const again = await trainClassifier(train, opts);
    assert.deepEqual(Array.from(predictScores(again.model, test.inputs)), Array.from(s));
    again.model.dispose();
    // Early stopping watches the network's own validation EER, not the fused one (which sits on the
    // experts' floor from the first epoch).
    const oneEpoch = await trainClassifier(train, { ...opts, epochs: 1, recalibrateBatchNorm: false });
    const own = predictScores(expertModels(oneEpoch.model)!.spectral, val.inputs);
    const ownEer = computeEer(
      own.filter((_, i) => val.labels[i] === 1),
      own.filter((_, i) => val.labels[i] === 0),
    ).eer;
    assert.equal(oneEpoch.history[0].valEer, ownEer);
    oneEpoch.model.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'specmorph-gmmx-'));
    try {
      await saveModel(join(dir, 'm'), r.model, { pipeline: PIPELINE });
      const loaded = await loadModel(join(dir, 'm'));
      assert.deepEqual(Array.from(predictScores(loaded.model, test.inputs)), Array.from(s));
      // scoreExperts: each expert alone, named, the same z-scores as above (one window per clip)
      const experts = scoreExperts({ kind: 'tfjs', ...loaded }, one);
      assert.deepEqual(
        experts.map((e) => e.name),
        ['network', 'gmm', 'network+gmm', 'excitation'],
      );
      // network+gmm = min(mean(network, gmm), gmm)
      const expected = [a, b, a.map((v, i) => Math.min((v + b[i]) / 2, b[i])), c];
      experts.forEach((e, k) =>
        e.scores.forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) < 1e-5, `${e.name} clip ${i}: ${v}`)),
      );
      loaded.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      r.model.dispose();
    }
  });

  test('a network with only the GMM expert: the output is min(mean of the two z-scores, the GMM z-score); too few rows are refused', () => {
    const m = smallCnn([70, 16, 1], { gmm: { components: 2 }, filters: [4, 4, 4], seed: 1 });
    assert.equal(m.getLayer('logits').getClassName(), 'MinScoreFusion');
    assert.equal(m.getLayer('spectral_mean').getClassName(), 'MeanScoreFusion');
    assert.equal(expertModels(m)?.excitation, null);
    m.dispose();
    assert.throws(
      () => smallCnn([62, 16, 1], { gmm: {}, excitation: {} }),
      /has 62 rows; the experts take 63 \(60 lfcc, 3 excitation\) and the network needs more/,
    );
  });
});

function sliceCols(g: Grid, width: number, start = 0): Float32Array {
  const out = new Float32Array(g.rows * width);
  for (let r = 0; r < g.rows; r++) out.set(g.data.subarray(r * g.cols + start, r * g.cols + start + width), r * width);
  return out;
}
