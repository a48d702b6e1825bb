import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, PipelineConfig, footprintFromSpec, MORPHOLOGY_OPS, type FootprintSpec } from '../../src/pipeline';
import { sine, whiteNoise, resample, toMono } from '../../src/audio';
import { spectrogram, melSpectrogram, powerToDb, mfcc, lfcc } from '../../src/spectral';
import {
  footprint,
  opening,
  erode,
  dilate,
  closing,
  whiteTopHat,
  blackTopHat,
  morphologicalGradient,
} from '../../src/morphology';
import { resize, minMaxNormalise, zScoreNormalise, Grid, type Spectrogram } from '../../src/grid';

const sr = 8000;
const x = Float32Array.from(sine(440, { sampleRate: sr, duration: 0.3 }), (v, i) => v * 0.5 + 0.01 * Math.sin(i));
const stereo = { sampleRate: sr, channels: [x, Float32Array.from(x, (v) => -0.5 * v)] };

test('runPipeline mono resample mel db opening resize zscore equals the same calls made by hand', () => {
  const cfg: PipelineConfig = {
    stages: [
      { op: 'mono' },
      { op: 'resample', sampleRate: 16000 },
      { op: 'mel', nFft: 256, hopLength: 128, winLength: 256, nMels: 32 },
      { op: 'db', ref: 'max' },
      { op: 'opening', footprint: { shape: 'rect', rows: 3, cols: 5 }, border: 'replicate' },
      { op: 'resize', rows: 20, cols: 24, method: 'bilinear' },
      { op: 'normalise', method: 'zscore' },
    ],
  };
  const r = runPipeline(stereo, cfg);
  const mono = toMono(stereo).channels[0];
  const y = resample(mono, sr, 16000);
  const mel = melSpectrogram(y, {
    sampleRate: 16000,
    nFft: 256,
    hopLength: 128,
    winLength: 256,
    nMels: 32,
    fMin: 0,
    htk: false,
    norm: 'slaney',
    window: 'hann',
    center: true,
    padMode: 'constant',
    power: 2,
  });
  const db = powerToDb(mel, { ref: 'max', topDb: 80 });
  const op = opening(db, footprint.rect(3, 5), { border: 'replicate' });
  const rs = resize(op, 20, 24, { method: 'bilinear' });
  const z = zScoreNormalise(rs);
  const outs = r.stages.map((s) => s.output as Grid);
  assert.deepEqual((r.stages[1].output as { channels: Float32Array[] }).channels[0], y);
  assert.deepEqual(outs[2].data, mel.data);
  assert.deepEqual(outs[3].data, db.data);
  assert.deepEqual(outs[4].data, op.data);
  assert.deepEqual(outs[5].data, rs.data);
  assert.deepEqual(r.output.data, z.data);
  assert.equal((outs[4] as { unit?: string }).unit, 'dB');
  assert.deepEqual(r.stages[1].params, { sampleRate: 16000, fromRate: 8000 });
});

test('runPipeline mfcc and lfcc stages equal mfcc() / lfcc()', () => {
  const a = runPipeline(
    { sampleRate: sr, channels: [x] },
    { stages: [{ op: 'mfcc', nFft: 256, hopLength: 80, winLength: 200, nMels: 40, nMfcc: 13 }] },
  );
  const m = mfcc(x, { sampleRate: sr, nFft: 256, hopLength: 80, winLength: 200, nMels: 40, nMfcc: 13 });
  assert.deepEqual(a.output.data, m.data);
  const b = runPipeline(
    { sampleRate: sr, channels: [x] },
    { stages: [{ op: 'lfcc', nFft: 256, hopLength: 80, winLength: 160, deltas: true }] },
  );
  const l = lfcc(x, {
    sampleRate: sr,
    nFft: 256,
    hopLength: 80,
    winLength: 160,
    deltas: true,
    window: 'hann',
    center: true,
    padMode: 'constant',
  });
  assert.deepEqual(b.output.data, l.data);
  assert.equal(b.output.rows, 60);
});

test('runPipeline every morphology op with every footprint shape equals the direct call', () => {
  const spec = spectrogram(x, { sampleRate: sr, nFft: 128, hopLength: 64 });
  const db = powerToDb(spec);
  const fns = { erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient };
  const shapes: FootprintSpec[] = [
    { shape: 'rect', rows: 3, cols: 1 },
    { shape: 'cross', rows: 3, cols: 3 },
    { shape: 'ellipse', rows: 5, cols: 3 },
    { shape: 'line', length: 4, axis: 'time' },
    { shape: 'disk', radius: 1 },
    {
      shape: 'mask',
      mask: [
        [0, 1],
        [1, 1],
      ],
    },
  ];
  for (const op of MORPHOLOGY_OPS) {
    for (const fp of shapes) {
      const r = runPipeline(
        { sampleRate: sr, channels: [x] },
        {
          stages: [
            { op: 'stft', nFft: 128, hopLength: 64, winLength: 128 },
            { op: 'db' },
            { op, footprint: fp, border: { constant: -50 } },
          ],
        },
      );
      const want = fns[op](db, footprintFromSpec(fp), { border: { constant: -50 } });
      assert.deepEqual(r.output.data, want.data, `${op} ${fp.shape}`);
    }
  }
});

test('runPipeline: trimSilence, normaliseLoudness, preEmphasis, crop centre zeros; min-max with fixed stats', () => {
  const padded = new Float32Array(2000 + x.length + 3000);
  padded.set(x, 2000);
  const r = runPipeline(
    { sampleRate: sr, channels: [padded] },
    {
      stages: [
        { op: 'trimSilence', topDb: 40, frameLength: 512, hopLength: 128 },
        { op: 'normaliseLoudness', targetDb: -26 },
        { op: 'preEmphasis', coef: 0.9 },
        { op: 'crop', seconds: 0.1, position: 'centre', pad: 'zeros' },
        { op: 'stft', nFft: 64, hopLength: 32, winLength: 64, power: 1 },
        { op: 'db', amin: 1e-4, topDb: null },
        { op: 'normalise', method: 'minmax', min: -100, max: 0 },
      ],
    },
  );
  const t = r.stages[0].params as { start: number; end: number };
  assert.ok(t.start > 2000 - 512 && t.start <= 2000, `start ${t.start}`);
  assert.equal((r.stages[3].output as { channels: Float32Array[] }).channels[0].length, 800);
  assert.equal((r.stages[4].output as Spectrogram).unit, 'amplitude');
  const db = r.stages[5].output as Grid;
  assert.deepEqual(r.output.data, minMaxNormalise(db, { min: -100, max: 0 }).data);
});

test('runPipeline rejects bad configs and bad audio, naming them', () => {
  const audio = { sampleRate: sr, channels: [whiteNoise({ sampleRate: sr, duration: 0.05 })] };
  assert.throws(
    () =>
      runPipeline(audio, {
        stages: [{ op: 'stft' }, { op: 'opening', footprint: { shape: 'rect', rows: 0, cols: 3 } }],
      } as PipelineConfig),
    /stages\[1\]\.footprint\.rows=0 must be a positive integer/,
  );
  assert.throws(
    () => runPipeline({ sampleRate: sr, channels: [new Float32Array(0)] }, { stages: [{ op: 'stft' }] }),
    /audio has no samples/,
  );
  assert.throws(
    () =>
      runPipeline(
        { sampleRate: sr, channels: [Float32Array.from([0, NaN, 0])] },
        { stages: [{ op: 'stft', nFft: 2, hopLength: 1, winLength: 2 }] },
      ),
    /stages\[0\] \(stft\): .*NaN/,
  );
});
