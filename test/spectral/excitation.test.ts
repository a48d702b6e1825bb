import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { excitationFeatures, levinsonDurbin } from '../../src/spectral/excitation';
import { lpcResidual } from '../../src/pipeline/audioPrep';
import { runPipeline } from '../../src/pipeline/run';
import { resample } from '../../src/audio/resample';
import { resolvePipelineConfig, pipelineFingerprint } from '../../src/pipeline/config';
import { melSpectrogram, powerToDb } from '../../src/spectral';
import { maxAbsDiff } from '../helpers/arrays';

// Reference values: test/fixtures/gen_excitation.py (numpy + scipy solve_toeplitz / lfilter).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'excitation', 'cases.json'), 'utf8')) as {
  cases: {
    sampleRate: number;
    frameLength: number;
    order: number;
    hop: number;
    x: number[];
    features: number[];
    residual: number[];
  }[];
};

for (const c of fixture.cases) {
  const name = `sampleRate=${c.sampleRate} frameLength=${c.frameLength} order=${c.order} hop=${c.hop}`;
  test(`excitationFeatures ${name} equals scipy solve_toeplitz + lfilter`, () => {
    const x = Float32Array.from(c.x);
    const times = Float64Array.from({ length: 1 + Math.floor(x.length / c.hop) }, (_, j) => (j * c.hop) / c.sampleRate);
    const g = excitationFeatures(x, { sampleRate: c.sampleRate, times, frameLength: c.frameLength, order: c.order });
    assert.equal(g.rows, 3);
    assert.equal(g.cols, times.length);
    // float32 output of log statistics and dB: 1e-4 absolute.
    assert.ok(maxAbsDiff(g.data, c.features) < 1e-4, `max |diff| ${maxAbsDiff(g.data, c.features)}`);
    // The signal has a silent gap: its frames get the Gaussian values, and voiced frames are peakier.
    const k = g.data.subarray(0, g.cols);
    assert.ok(k.some((v) => Math.abs(v - Math.log(3)) < 1e-6));
    assert.ok(Math.max(...k) > Math.log(10));
  });
  test(`lpcResidual order=${c.order} frameLength=${c.frameLength} = scipy inverse filter, Hann cross-fade`, () => {
    const e = lpcResidual(Float32Array.from(c.x), { order: c.order, frameLength: c.frameLength });
    assert.ok(maxAbsDiff(e, c.residual) < 1e-5, `max |diff| ${maxAbsDiff(e, c.residual)}`);
  });
}

test('levinsonDurbin recovers an AR(2) predictor from its exact autocorrelation', () => {
  // x[n] = 1.2 x[n-1] - 0.5 x[n-2] + w[n]: r(k) from the Yule-Walker equations with r(0) = 1.
  const r1 = 1.2 / 1.5;
  const r = [1, r1, 1.2 * r1 - 0.5, 1.2 * (1.2 * r1 - 0.5) - 0.5 * r1];
  const a = new Float64Array(4);
  levinsonDurbin(r, 3, a, new Float64Array(4));
  assert.ok(Math.abs(a[1] - 1.2) < 1e-12 && Math.abs(a[2] + 0.5) < 1e-12 && Math.abs(a[3]) < 1e-12, `a = ${[...a]}`);
  levinsonDurbin([0, 0, 0, 0], 3, a, new Float64Array(4));
  assert.deepEqual([...a], [0, 0, 0, 0]);
});

test('excitationFeatures rejects bad options, naming them', () => {
  const x = new Float32Array(1000);
  assert.throws(() => excitationFeatures(x, { sampleRate: 0, times: [0] }), /sampleRate=0/);
  assert.throws(() => excitationFeatures(x, { sampleRate: 8000, times: [] }), /times is empty/);
  assert.throws(
    () => excitationFeatures(x, { sampleRate: 8000, times: [0], frameLength: 20, order: 10 }),
    /frameLength=20 must be > 2 \* order=20/,
  );
  assert.throws(() => excitationFeatures(x, { sampleRate: 8000, times: [NaN] }), /times\[0\]=NaN/);
});

test('pipeline excitation: three rows below the mel dB grid, one per frame, morphology leaves them alone', () => {
  const c = fixture.cases[0];
  const audio = { sampleRate: c.sampleRate, channels: [Float32Array.from(c.x)] };
  const stages = [{ op: 'stft' as const, nFft: 256, hopLength: 80, winLength: 200 }, { op: 'db' as const }];
  const plain = runPipeline(audio, { stages });
  const withExc = runPipeline(audio, {
    stages: [...stages, { op: 'erode', footprint: { shape: 'rect', rows: 3, cols: 3 } }],
    excitation: {},
  });
  const spec = plain.output;
  assert.equal(withExc.output.rows, spec.rows + 3);
  assert.equal(withExc.output.cols, spec.cols);
  const times = Float64Array.from({ length: spec.cols }, (_, j) => (j * 80) / c.sampleRate);
  const exc = excitationFeatures(audio.channels[0], { sampleRate: c.sampleRate, times });
  assert.deepEqual(withExc.output.data.subarray(spec.rows * spec.cols), exc.data);
  assert.equal(withExc.stages.at(-1)?.name, 'excitation');
  // The erosion ran on the spectrogram rows only: they differ from the plain dB rows.
  assert.notDeepEqual(withExc.output.data.subarray(0, spec.rows * spec.cols), spec.data);
  // Default mel pipeline at 16 kHz: 80 + 3 rows.
  const mel = runPipeline(
    { sampleRate: 16000, channels: [new Float32Array(16000).map((_, i) => Math.sin(i / 7))] },
    { stages: [{ op: 'mel', nMels: 80 }, { op: 'db' }], excitation: {} },
  );
  const ref = powerToDb(
    melSpectrogram(
      new Float32Array(16000).map((_, i) => Math.sin(i / 7)),
      { sampleRate: 16000, nFft: 512, hopLength: 160, winLength: 400, nMels: 80 },
    ),
  );
  assert.equal(mel.output.rows, 83);
  assert.deepEqual(mel.output.data.subarray(0, 80 * ref.cols), ref.data);
});

test('pipeline excitation at its own sampleRate: the rows of the audio resampled to it, at the spectral frames', () => {
  const c = fixture.cases[0];
  const audio = { sampleRate: c.sampleRate, channels: [Float32Array.from(c.x)] };
  const up = 2 * c.sampleRate;
  const stages = [
    { op: 'resample' as const, sampleRate: up },
    { op: 'mel' as const, nMels: 40 },
    { op: 'db' as const },
  ];
  const at = (excitation: object) => runPipeline(audio, { stages, excitation }, { keep: false }).output;
  const native = at({ sampleRate: c.sampleRate });
  const upsampled = at({});
  const rows = native.rows;
  const times = Float64Array.from({ length: native.cols }, (_, j) => (j * 160) / up);
  // Resampled back to the clip's own rate (what the stage does), analysed there at the mel frames.
  const back = resample(resample(audio.channels[0], c.sampleRate, up), up, c.sampleRate);
  const want = excitationFeatures(back, { sampleRate: c.sampleRate, times });
  assert.deepEqual(native.data.subarray((rows - 3) * native.cols), want.data);
  // The spectrogram rows are the same either way; the excitation rows are not.
  assert.deepEqual(
    native.data.subarray(0, (rows - 3) * native.cols),
    upsampled.data.subarray(0, (rows - 3) * native.cols),
  );
  assert.notDeepEqual(
    native.data.subarray((rows - 3) * native.cols),
    upsampled.data.subarray((rows - 3) * native.cols),
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { sampleRate: 0 } }),
    /excitation.sampleRate=0 must be a positive integer/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { rate: 8000 } }),
    /excitation.rate is not a field \(fields: frameLength, order, sampleRate\)/,
  );
});

test('pipeline excitation config: validated, fingerprinted, refused with resize', () => {
  const stages = [{ op: 'mel' as const }, { op: 'db' as const }];
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { order: 12 } }).excitation, { order: 12 });
  assert.equal(resolvePipelineConfig({ stages, excitation: null }).excitation, undefined);
  assert.notEqual(pipelineFingerprint({ stages, excitation: {} }), pipelineFingerprint({ stages }));
  assert.equal(pipelineFingerprint({ stages, excitation: null }), pipelineFingerprint({ stages }));
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { order: 0 } }),
    /excitation.order=0 must be a positive integer/,
  );
  assert.throws(() => resolvePipelineConfig({ stages, excitation: { lag: 1 } }), /excitation.lag is not a field/);
  assert.throws(() => resolvePipelineConfig({ stages, excitation: 3 }), /excitation=3 must be null or an object/);
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { frameLength: 20, order: 10 } }),
    /excitation.frameLength=20 must be > 2 \* excitation.order=20/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages: [...stages, { op: 'resize', rows: 8, cols: 8 }], excitation: {} }),
    /excitation cannot be combined with stages\[2\].op="resize"/,
  );
});
