import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { Random } from '../../src/random';
import type { Grid } from '../../src/grid/grid';
import { initBackend } from '../../src/model/backend';
import {
  BonafideZScore,
  ExcitationPooling,
  MinScoreFusion,
  expertModels,
  setBonafideZScore,
  smallCnn,
} from '../../src/model/architectures';
import { predictScores, trainClassifier } from '../../src/model/train';
import { gradCam } from '../../src/model/saliency';
import { computeEer } from '../../src/metrics/detection';
import { runPipeline } from '../../src/pipeline/run';
import type { PipelineConfig } from '../../src/pipeline/config';
import { atRandomLevel, pulseTrain, resonate } from '../helpers/voice';
import { assertSameScoresAfterSaveAndLoad } from '../helpers/savedModel';
import { harmonicPhaseFeatures, phaseConcentration } from '../../src/spectral/harmonicPhase';

const SR = 8000;
const PIPELINE: PipelineConfig = {
  stages: [{ op: 'stft', nFft: 256, hopLength: 80, winLength: 200 }, { op: 'db' }],
  excitation: {},
};

/**
 * Two classes with the same magnitude spectrum and different excitation: "bona fide" = a jittered
 * pulse train (random f0) through two random resonances; "spoof" = the same through a chain of
 * all-pass sections, which leaves |X(f)| unchanged but smears each pulse in time (what Griffin-Lim
 * phase does to real speech). Level and f0 are random in both.
 */
function clip(label: number, rng: Random, seconds = 1): Float32Array {
  const n = Math.round(seconds * SR);
  let x = pulseTrain(n, SR, rng);
  if (label === 0) {
    // 12 first-order all-pass sections y[n] = -a x[n] + x[n-1] + a y[n-1], a in [0.5, 0.9].
    for (let s = 0; s < 12; s++) {
      const a = 0.5 + 0.4 * rng.next();
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) y[i] = -a * x[i] + (i > 0 ? x[i - 1] + a * y[i - 1] : 0);
      x = y;
    }
  }
  const resonances = [
    [300 + 600 * rng.next(), 90],
    [1200 + 1200 * rng.next(), 150],
  ] as const;
  return atRandomLevel(resonate(x, SR, resonances), rng);
}

function dataset(n: number, seed: number, config = PIPELINE): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  return {
    inputs: labels.map(
      (l) => runPipeline({ sampleRate: SR, channels: [clip(l, rng)] }, config, { keep: false }).output,
    ),
    labels,
  };
}

async function heldOutEer(
  config: PipelineConfig,
  modelOptions: object,
): Promise<{
  eer: number;
  losses: number[];
  test: Grid[];
  train: { inputs: Grid[]; labels: number[] };
  val: { inputs: Grid[]; labels: number[] };
  r: Awaited<ReturnType<typeof trainClassifier>>;
}> {
  const train = dataset(96, 11, config);
  const val = dataset(24, 12, config);
  const test = dataset(64, 13, config);
  const r = await trainClassifier(train, {
    ...quiet,
    epochs: 8,
    batchSize: 16,
    cropFrames: 64,
    validationData: val,
    seed: 0,
    modelOptions,
  });
  const s = predictScores(r.model, test.inputs);
  const eer = computeEer(
    s.filter((_, i) => test.labels[i] === 1),
    s.filter((_, i) => test.labels[i] === 0),
  ).eer;
  return { eer, losses: r.history.map((h) => h.loss), test: test.inputs, train, val, r };
}

const quiet = { progress: false, log: null } as const;

describe('the excitation branch (wasm)', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('ExcitationPooling: mean log kurtosis and crest over frames within gateDb of the loudest, per example', () => {
    // rows: kurtosis, crest, energy dB; 4 frames; energies 0, -5, -20, -8 dB -> gate 10 keeps frames 0, 1, 3.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 0, -5, -20, -8], [1, 3, 4, 1]);
    const y = new ExcitationPooling({ gateDb: 10 }).apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [Math.fround((1 + 2 + 4) / 3), Math.fround((5 + 6 + 8) / 3)]);
    tf.dispose([x, y]);
    assert.throws(() => new ExcitationPooling({ gateDb: 0 }), /gateDb=0 must be a finite number > 0/);
  });

  test('MinScoreFusion: output [0, min of the bona fide scores], of two or more experts', () => {
    const a = tf.tensor2d([
      [0, 2],
      [1, -1],
    ]);
    const b = tf.tensor2d([
      [1, 4],
      [0, 0.5],
    ]);
    const y = new MinScoreFusion({}).apply([a, b]) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [0, 2, 0, -2]);
    const c = tf.tensor2d([
      [0, 2.5],
      [3, 0],
    ]);
    const z = new MinScoreFusion({}).apply([a, b, c]) as tf.Tensor;
    assert.deepEqual(Array.from(z.dataSync()), [0, 2, 0, -3]);
    assert.throws(() => new MinScoreFusion({}).apply([a]), /MinScoreFusion takes two or more logit tensors/);
    tf.dispose([a, b, c, y, z]);
  });

  test('BonafideZScore: [0, mean z] with the statistics of the bona fide rows it was set from', () => {
    const layer = new BonafideZScore({ size: 2 });
    const x = tf.tensor2d([
      [1, 10],
      [3, 14],
      [2, 6],
    ]);
    let y = layer.apply(x) as tf.Tensor; // built, identity statistics: z = mean of the values
    assert.deepEqual(Array.from(y.dataSync()), [0, 5.5, 0, 8.5, 0, 4]);
    y.dispose();
    // Bona fide rows: column means 2 and 10, population stds sqrt(2/3) and 2 sqrt(2/3).
    setBonafideZScore(layer, [
      [1, 8],
      [3, 12],
      [2, 10],
    ]);
    y = layer.apply(x) as tf.Tensor;
    const got = Array.from(y.dataSync());
    const sd = Math.sqrt(2 / 3);
    const want = [0, (-1 / sd + 0) / 2, 0, (1 / sd + 4 / (2 * sd)) / 2, 0, (0 - 4 / (2 * sd)) / 2];
    assert.ok(
      got.every((v, i) => Math.abs(v - want[i]) < 1e-6),
      `${got}`,
    );
    tf.dispose([x, y]);
    // A constant column keeps std 1; a non-finite value or a wrong width is refused.
    setBonafideZScore(layer, [
      [5, 1],
      [5, 3],
    ]);
    assert.deepEqual(Array.from(layer.getWeights()[1].dataSync()), [1, 1]);
    assert.throws(() => setBonafideZScore(layer, [[1, Number.NaN]]), /value 1 is NaN/);
    assert.throws(() => setBonafideZScore(layer, [[1]]), /has 1 values, the layer takes 2/);
    assert.throws(() => setBonafideZScore(layer, []), /no bona fide examples/);
  });

  test("ExcitationPooling with the harmonic-phase rows: a third value, the window's phase concentration (NaN when < 5 voiced frames)", () => {
    const rng = new Random(5);
    const voice = atRandomLevel(resonate(pulseTrain(4000, SR, rng), SR, [[500, 80]]), rng);
    const times = Float64Array.from({ length: 40 }, (_, j) => 0.05 + j * 0.01);
    const phase = harmonicPhaseFeatures(voice, { sampleRate: SR, times });
    const n = times.length;
    // rows: kurtosis 1, crest 2, energy 0 dB (all kept), then the five phase rows
    const rows = new Float32Array(8 * n);
    rows.fill(1, 0, n);
    rows.fill(2, n, 2 * n);
    rows.set(phase.data, 3 * n);
    const silent = new Float32Array(8 * n); // no voiced frame
    const x = tf.tensor4d([...rows, ...silent], [2, 8, n, 1]);
    const y = new ExcitationPooling({ gateDb: 10 }).apply(x) as tf.Tensor;
    const got = Array.from(y.dataSync());
    const want = phaseConcentration(phase.data, n);
    assert.ok(want > 0.5, `a steady pulse train is concentrated: ${want}`);
    assert.deepEqual(got.slice(0, 2), [1, 2]);
    assert.ok(Math.abs(got[2] - want) < 1e-5, `${got[2]} vs ${want}`);
    assert.ok(Number.isNaN(got[5]), `no voiced frame: ${got[5]}`);
    tf.dispose([x, y]);
    assert.throws(
      () => (new ExcitationPooling({ gateDb: 10 }).apply(tf.zeros([1, 5, 4, 1])) as tf.Tensor).dispose(),
      /ExcitationPooling input has 5 rows; it takes 3 .* or 8/,
    );
  });

  test('BonafideZScore skipNaN: a NaN value is left out of the mean, none measured gives 0; fitted on the measured values', () => {
    const layer = new BonafideZScore({ size: 2, skipNaN: true });
    const x = tf.tensor2d([
      [1, 10],
      [3, Number.NaN],
      [Number.NaN, Number.NaN],
    ]);
    (layer.apply(x) as tf.Tensor).dispose();
    setBonafideZScore(layer, [
      [1, Number.NaN],
      [3, 12],
      [2, 8],
    ]);
    // column 0: mean 2, std sqrt(2/3); column 1 (two measured values): mean 10, std 2
    const y = layer.apply(x) as tf.Tensor;
    const got = Array.from(y.dataSync());
    const sd = Math.sqrt(2 / 3);
    const want = [0, (-1 / sd + 0) / 2, 0, 1 / sd, 0, 0];
    assert.ok(
      got.every((v, i) => Math.abs(v - want[i]) < 1e-6),
      `${got}`,
    );
    tf.dispose([x, y]);
    assert.throws(() => setBonafideZScore(layer, [[1, Number.NaN]]), /no bona fide example measured value 1/);
    assert.equal(layer.getConfig().skipNaN, true);
    assert.equal(new BonafideZScore({ size: 2 }).getConfig().skipNaN, undefined, 'not written when off');
  });

  test('same magnitude spectrum, smeared pulses: the spectrogram CNN alone >= 25 % EER, with the excitation expert <= 10 %', async () => {
    const plain = await heldOutEer({ stages: PIPELINE.stages }, {});
    plain.r.model.dispose();
    assert.ok(
      plain.eer >= 0.25,
      `without the branch the task should be hard: held-out EER ${(100 * plain.eer).toFixed(1)} %`,
    );
    const { eer, losses, test, train, val, r } = await heldOutEer(PIPELINE, { excitation: {} });
    assert.equal(test[0].rows, 129 + 3);
    assert.ok(eer <= 0.1, `held-out EER ${(100 * eer).toFixed(1)} %`);
    // The epoch loss is the network's own (it cannot learn this task, so it stays near ln 2).
    assert.ok(
      losses.every((l) => l > 0.5 && l < 1),
      `${losses}`,
    );
    // The standardisation covers the spectrogram rows only.
    assert.equal(r.standardization?.mean.length, 129);
    // Each expert is a z-score of bona fide speech's: the excitation expert's on the training bona
    // fide windows (every clip has the same windows, so the clip means average to 0 as well), the
    // network's on the validation bona fide windows; spoofs lie below.
    const experts = expertModels(r.model)!;
    const bonafide = (d: { inputs: Grid[]; labels: number[] }, label = 1) =>
      d.inputs.filter((_, i) => d.labels[i] === label);
    const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
    const calibrated = tf.model({
      inputs: r.model.inputs,
      outputs: r.model.getLayer('spectral_calibration').output as tf.SymbolicTensor,
    });
    assert.ok(Math.abs(mean(predictScores(experts.excitation!.logits, bonafide(train)))) < 1e-4);
    assert.ok(Math.abs(mean(predictScores(calibrated, bonafide(val)))) < 1e-4);
    assert.ok(mean(predictScores(experts.excitation!.logits, bonafide(val, 0))) < -1);

    await assertSameScoresAfterSaveAndLoad(r.model, PIPELINE, test);
    r.model.dispose();
  });

  test("the same task with the rows measured against each clip's own Griffin-Lim copy (the default pipeline's reference): <= 10 %", async () => {
    const config: PipelineConfig = { ...PIPELINE, excitation: { reference: 'griffin-lim' } };
    const { eer, test, train, r } = await heldOutEer(config, { excitation: {} });
    r.model.dispose();
    assert.equal(test[0].rows, 129 + 3);
    assert.ok(eer <= 0.1, `held-out EER ${(100 * eer).toFixed(1)} %`);
    // the rows are differences: a pulse train is much peakier than its copy, the smeared pulses less so
    const pooledCrest = (g: Grid): number => {
      const n = g.cols;
      const energy = g.data.subarray((g.rows - 1) * n);
      const top = Math.max(...energy);
      let sum = 0;
      let count = 0;
      for (let j = 0; j < n; j++) {
        if (energy[j] < top - 10) continue;
        sum += g.data[(g.rows - 2) * n + j];
        count++;
      }
      return sum / count;
    };
    const mean = (label: number) => {
      const v = train.inputs.filter((_, i) => train.labels[i] === label).map(pooledCrest);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    assert.ok(mean(1) > mean(0) + 0.4, `crest difference: pulses ${mean(1)}, smeared ${mean(0)}`);
  });

  test('harmonic phases redrawn every 20 ms (same magnitudes): the excitation expert alone >= 40 % EER without the harmonic-phase rows, <= 10 % with them', async () => {
    // bona fide: harmonics of a steady f0 with fixed phases; spoof: the same harmonics, each one's
    // phase redrawn every 20 ms (smoothly, over 5 ms): what phase reconstruction does to the pulses
    const scrambled = (label: number, rng: Random): Float32Array => {
      const n = SR;
      const f0 = 90 + 140 * rng.next();
      const x = new Float32Array(n);
      const seg = 0.02 * SR;
      for (let k = 1; k * f0 < 0.45 * SR; k++) {
        let from = 0.3 * k * k;
        let to = from;
        for (let i = 0; i < n; i++) {
          if (label === 0 && i % seg === 0) {
            from = to;
            to = 2 * Math.PI * rng.next();
          }
          const ramp = Math.min(1, (i % seg) / (0.005 * SR));
          const ph = label === 0 ? from + ramp * (((to - from + 3 * Math.PI) % (2 * Math.PI)) - Math.PI) : from;
          x[i] += Math.cos((2 * Math.PI * k * f0 * i) / SR + ph) / k;
        }
      }
      return atRandomLevel(
        resonate(x, SR, [
          [300 + 600 * rng.next(), 90],
          [1200 + 1200 * rng.next(), 150],
        ]),
        rng,
      );
    };
    const run = async (harmonicPhase: boolean) => {
      const config: PipelineConfig = { ...PIPELINE, excitation: { harmonicPhase } };
      const make = (count: number, seed: number) => {
        const rng = new Random(seed);
        const labels = Array.from({ length: count }, (_, i) => i % 2);
        const inputs = labels.map(
          (l) => runPipeline({ sampleRate: SR, channels: [scrambled(l, rng)] }, config, { keep: false }).output,
        );
        return { inputs, labels };
      };
      const train = make(48, 31);
      const test = make(40, 33);
      assert.equal(test.inputs[0].rows, 129 + (harmonicPhase ? 8 : 3));
      const r = await trainClassifier(train, {
        ...quiet,
        epochs: 2,
        batchSize: 16,
        cropFrames: 64,
        validationData: make(16, 32),
        seed: 0,
        modelOptions: { excitation: { rows: harmonicPhase ? 8 : 3 } },
      });
      const s = predictScores(expertModels(r.model)!.excitation!.logits, test.inputs);
      const eer = computeEer(
        s.filter((_, i) => test.labels[i] === 1),
        s.filter((_, i) => test.labels[i] === 0),
      ).eer;
      return { eer, r, test, config };
    };
    // the redrawn phases click, so the residual alone takes them for sharper pulses than speech's
    const without = await run(false);
    without.r.model.dispose();
    assert.ok(without.eer >= 0.4, `without the phase rows: held-out EER ${(100 * without.eer).toFixed(1)} %`);
    const { eer, r, test, config } = await run(true);
    assert.ok(eer <= 0.1, `the excitation expert alone: held-out EER ${(100 * eer).toFixed(1)} %`);
    // its third statistic is the one that sees it: concentrated for the steady phases, not for the redrawn
    const conc = (label: number) => {
      const v = test.inputs
        .filter((_, i) => test.labels[i] === label)
        .map((g) => phaseConcentration(g.data.subarray((g.rows - 5) * g.cols), g.cols));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    assert.ok(conc(1) > conc(0) + 0.3, `phase concentration: steady ${conc(1)}, redrawn ${conc(0)}`);
    await assertSameScoresAfterSaveAndLoad(r.model, config, test.inputs);
    r.model.dispose();
  });

  test('a validation set without bona fide clips: the network is calibrated on the training bona fide windows', async () => {
    const train = dataset(24, 21);
    const val = dataset(8, 22);
    const spoofOnly = { inputs: val.inputs.filter((_, i) => val.labels[i] === 0), labels: [0, 0, 0, 0] };
    const r = await trainClassifier(train, {
      ...quiet,
      epochs: 1,
      batchSize: 8,
      cropFrames: 64,
      validationData: spoofOnly,
      seed: 0,
      modelOptions: { excitation: {} },
    });
    const calibrated = tf.model({
      inputs: r.model.inputs,
      outputs: r.model.getLayer('spectral_calibration').output as tf.SymbolicTensor,
    });
    const z = predictScores(
      calibrated,
      train.inputs.filter((_, i) => train.labels[i] === 1),
    );
    assert.ok(Math.abs(z.reduce((a, b) => a + b, 0) / z.length) < 1e-4, `${z}`);
    r.model.dispose();
  });

  test('gradCam of a model with the branch: a map over the spectrogram rows, 0 on the excitation rows', () => {
    const m = smallCnn([20, 16, 1], { excitation: {}, filters: [4, 4, 4], seed: 3 });
    const g = {
      rows: 20,
      cols: 16,
      data: Float32Array.from({ length: 320 }, (_, i) => Math.sin(i) + (i >= 17 * 16 ? 5 : 0)),
    };
    const cam = gradCam(m, g);
    assert.equal(cam.rows, 20);
    assert.ok(cam.data.subarray(17 * 16).every((v) => v === 0));
    assert.ok(cam.data.subarray(0, 17 * 16).some((v) => v > 0) && cam.data.every((v) => v >= 0));
    m.dispose();
  });

  test('the branch rejects inputs without room for its rows and a wrong row count', () => {
    assert.throws(
      () => smallCnn([3, 16, 1], { excitation: {} }),
      /has 3 rows; the experts take 3 \(3 excitation\) and the network needs more/,
    );
    assert.throws(
      () => smallCnn([20, 16, 1], { excitation: { rows: 2 } }),
      /excitation.rows=2 must be 3 .*, 8 \(with the harmonic-phase rows\), or either plus 2/,
    );
  });
});
