import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../../src/model/tf';
import { Random } from '../../src/random';
import { initBackend } from '../../src/model/backend';
import { ProsodyPooling, expertModels, smallCnn } from '../../src/model/architectures';
import { predictScores, trainClassifier } from '../../src/model/train';
import { scoreExperts } from '../../src/model/detector';
import { computeEer } from '../../src/metrics/detection';
import { runPipeline } from '../../src/pipeline/run';
import type { PipelineConfig } from '../../src/pipeline/config';
import { atRandomLevel, resonate } from '../helpers/voice';
import { assertSameScoresAfterSaveAndLoad } from '../helpers/savedModel';

const SR = 8000;
const PIPELINE: PipelineConfig = {
  stages: [{ op: 'stft', nFft: 256, hopLength: 80, winLength: 200 }, { op: 'db' }],
  excitation: { prosody: true },
};
const quiet = { progress: false, log: null } as const;

// Reference values: test/fixtures/gen_harmonic_phase.py (prosody rows and their pooling, numpy).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'harmonicPhase', 'cases.json'), 'utf8')) as {
  cases: { name: string; times: number[]; prosody: number[]; prosodyPooled: (number | null)[] }[];
};

/**
 * A voice of 1 s: harmonics of a time-varying f0 through two random resonances. "Bona fide" (1):
 * f0 moves as speech does, a 2-5 Hz swing of ±6-10 % plus a random walk; "spoof" (0): a smooth
 * glide of at most ±4 % over the clip (what rule-driven synthesis draws). Same spectral envelope.
 */
function voice(label: number, rng: Random): Float32Array {
  const n = SR;
  const base = 100 + 100 * rng.next();
  const rate = 2 + 3 * rng.next();
  const depth = 0.06 + 0.04 * rng.next();
  const glide = 0.08 * (rng.next() - 0.5);
  const x = new Float32Array(n);
  let phase = 0;
  let walk = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    if (i % 80 === 0) walk += 0.006 * rng.normal();
    const f0 =
      label === 1 ? base * Math.exp(depth * Math.sin(2 * Math.PI * rate * t) + walk) : base * Math.exp(glide * t);
    phase += (2 * Math.PI * f0) / SR;
    for (let k = 1; k * f0 < 0.45 * SR; k++) x[i] += Math.cos(k * phase) / k;
  }
  return atRandomLevel(
    resonate(x, SR, [
      [300 + 600 * rng.next(), 90],
      [1200 + 1200 * rng.next(), 150],
    ]),
    rng,
  );
}

function dataset(count: number, seed: number) {
  const rng = new Random(seed);
  const labels = Array.from({ length: count }, (_, i) => i % 2);
  const inputs = labels.map(
    (l) => runPipeline({ sampleRate: SR, channels: [voice(l, rng)] }, PIPELINE, { keep: false }).output,
  );
  return { inputs, labels };
}

describe('the prosody expert (wasm)', () => {
  before(async () => {
    await initBackend();
  });

  test('ProsodyPooling equals numpy: mean ln(|step| + 1e-3) over voiced steps < 0.1, ln(std + 1e-4) near the median; NaN under 5', () => {
    for (const c of fixture.cases) {
      const n = c.times.length;
      const x = tf.tensor4d(c.prosody, [1, 2, n, 1]);
      const y = new ProsodyPooling({}).apply(x) as tf.Tensor;
      const got = Array.from(y.dataSync());
      c.prosodyPooled.forEach((want, k) => {
        if (want === null) assert.ok(Number.isNaN(got[k]), `${c.name}: value ${k} is ${got[k]}, want NaN`);
        else assert.ok(Math.abs(got[k] - want) < 1e-4, `${c.name}: value ${k} is ${got[k]}, want ${want}`);
      });
      tf.dispose([x, y]);
    }
    assert.throws(
      () => (new ProsodyPooling({}).apply(tf.zeros([1, 3, 4, 1])) as tf.Tensor).dispose(),
      /ProsodyPooling input has 3 rows; it takes 2 \(voiced, log f0\)/,
    );
  });

  test('fusion: min(mean(n, p), e) without a GMM expert, min(mean(n, g, p), g, e) with one', () => {
    const rng = new Random(4);
    for (const gmm of [false, true]) {
      const rows = 12 + (gmm ? 60 : 0) + 5;
      const m = smallCnn([rows, 16, 1], {
        excitation: { rows: 5 },
        ...(gmm ? { gmm: {} } : {}),
        filters: [4, 4, 4],
        seed: 1,
      });
      const x = tf.tensor4d(
        Float32Array.from({ length: 3 * rows * 16 }, () => rng.normal()),
        [3, rows, 16, 1],
      );
      const out = (name: string) => {
        const sub = tf.model({ inputs: m.inputs, outputs: m.getLayer(name).output as tf.SymbolicTensor });
        const y = sub.predict(x) as tf.Tensor;
        const v = Array.from(y.dataSync()).filter((_, i) => i % 2 === 1);
        y.dispose();
        return v;
      };
      const [n, p, e, fused] = ['spectral_calibration', 'logits_prosody', 'logits_excitation', 'logits'].map(out);
      const g = gmm ? out('gmm_calibration') : null;
      fused.forEach((f, i) => {
        const want = g ? Math.min((n[i] + g[i] + p[i]) / 3, g[i], e[i]) : Math.min((n[i] + p[i]) / 2, e[i]);
        assert.ok(Math.abs(f - want) < 1e-5, `gmm=${gmm} example ${i}: ${f} vs ${want}`);
      });
      x.dispose();
      m.dispose();
    }
    assert.throws(
      () => smallCnn([20, 16, 1], { excitation: { rows: 4 } }),
      /excitation.rows=4 must be 3 .*, 8 \(with the harmonic-phase rows\), or either plus 2 \(voiced, log f0\)/,
    );
  });

  test('same spectral envelope, a smooth narrow pitch contour: the prosody expert alone <= 10 % held-out EER, a z-score of the training bona fide windows', async () => {
    const train = dataset(48, 41);
    const test = dataset(40, 43);
    assert.equal(test.inputs[0].rows, 129 + 5);
    const r = await trainClassifier(train, {
      ...quiet,
      epochs: 1,
      batchSize: 16,
      cropFrames: 64,
      validationData: dataset(16, 42),
      seed: 0,
      modelOptions: { excitation: { rows: 5 } },
    });
    const prosody = expertModels(r.model)!.prosody!;
    const s = predictScores(prosody.logits, test.inputs);
    const eer = computeEer(
      s.filter((_, i) => test.labels[i] === 1),
      s.filter((_, i) => test.labels[i] === 0),
    ).eer;
    assert.ok(eer <= 0.1, `the prosody expert alone: held-out EER ${(100 * eer).toFixed(1)} %`);
    const bonafide = train.inputs.filter((_, i) => train.labels[i] === 1);
    const z = predictScores(prosody.logits, bonafide);
    assert.ok(
      Math.abs(z.reduce((a, b) => a + b, 0) / z.length) < 1e-4,
      'z-score mean 0 on the training bona fide windows',
    );
    const spoofMean = s.filter((_, i) => test.labels[i] === 0).reduce((a, b) => a + b, 0) / (test.labels.length / 2);
    assert.ok(spoofMean < -2, `smooth contours lie below speech: mean z ${spoofMean}`);
    // evaluate --experts reports it, and it survives a save and a load
    const detector = { kind: 'tfjs' as const, model: r.model };
    const experts = scoreExperts(detector as Parameters<typeof scoreExperts>[0], test.inputs);
    assert.deepEqual(
      experts.map((e) => e.name),
      ['network', 'excitation', 'prosody'],
    );
    assert.ok(experts[2].scores.every((v, i) => Math.abs(v - s[i]) < 1e-5));
    await assertSameScoresAfterSaveAndLoad(r.model, PIPELINE, test.inputs);
    r.model.dispose();
  });
});
