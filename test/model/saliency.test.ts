import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { createGrid, isSpectrogram, type Grid } from '../../src/grid/grid';
import { sine } from '../../src/audio';
import { compareStages } from '../../src/notebook/compare';
import { melSpectrogram, powerToDb } from '../../src/spectral';
import { Random } from '../../src/random';
import { initBackend } from '../../src/model/backend';
import { lcnn, smallCnn } from '../../src/model/architectures';
import { trainClassifier } from '../../src/model/train';
import { gradCam, gradientTimesInput } from '../../src/model/saliency';

const ROWS = 16;
const COLS = 24;
const inPatch = (r: number, c: number) => r >= 2 && r < 6 && c >= 14 && c < 18;

/** Noise everywhere; bona fide (label 1) inputs also carry a bright patch at rows 2-5, cols 14-17. */
function syntheticSet(n: number, seed: number): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const inputs: Grid[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = createGrid(ROWS, COLS);
    for (let k = 0; k < g.data.length; k++) g.data[k] = 0.3 * rng.normal();
    if (i % 2 === 1)
      for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) if (inPatch(r, c)) g.data[r * COLS + c] += 2;
    inputs.push(g);
    labels.push(i % 2);
  }
  return { inputs, labels };
}

/** Mean of |map| inside the planted patch divided by its mean outside. */
function patchContrast(map: Grid): number {
  let inside = 0;
  let nIn = 0;
  let outside = 0;
  let nOut = 0;
  for (let r = 0; r < map.rows; r++) {
    for (let c = 0; c < map.cols; c++) {
      const v = Math.abs(map.data[r * map.cols + c]);
      if (inPatch(r, c)) {
        inside += v;
        nIn++;
      } else {
        outside += v;
        nOut++;
      }
    }
  }
  return inside / nIn / (outside / nOut);
}

describe('saliency', () => {
  let model: tf.LayersModel;
  let probe: Grid;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    const data = syntheticSet(64, 1);
    ({ model } = await trainClassifier(data, {
      epochs: 6,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 2,
      progress: false,
      log: null,
    }));
    probe = syntheticSet(2, 99).inputs[1];
  });

  test('gradientTimesInput: same rows x cols as the input, concentrated on the planted patch', () => {
    const s = gradientTimesInput(model, probe);
    assert.equal(s.rows, ROWS);
    assert.equal(s.cols, COLS);
    assert.ok(s.data.every(Number.isFinite));
    assert.ok(patchContrast(s) > 3, `contrast ${patchContrast(s)}`);
  });

  test('gradCam: same rows x cols, non-negative, peak inside the planted patch region', () => {
    const cam = gradCam(model, probe);
    assert.equal(cam.rows, ROWS);
    assert.equal(cam.cols, COLS);
    assert.ok(cam.data.every((v) => v >= 0 && Number.isFinite(v)));
    let arg = 0;
    for (let i = 1; i < cam.data.length; i++) if (cam.data[i] > cam.data[arg]) arg = i;
    const [r, c] = [Math.floor(arg / COLS), arg % COLS];
    // conv3 sees the input through two 2x2 pools: allow one pooled cell (4 px) around the patch.
    assert.ok(r >= 0 && r < 10 && c >= 10 && c < 22, `peak at (${r}, ${c})`);
    assert.ok(patchContrast(cam) > 2, `contrast ${patchContrast(cam)}`);
  });

  test('gradCam works on the LCNN (MaxFeatureMap block) and on a tensor input', () => {
    const m = lcnn([ROWS, COLS, 1], { seed: 1 });
    const t = tf.tensor3d(probe.data, [ROWS, COLS, 1]);
    const cam = gradCam(m, t, { target: 1 });
    assert.equal(cam.rows, ROWS);
    assert.equal(cam.cols, COLS);
    const before = tf.memory().numTensors;
    gradCam(m, t);
    gradientTimesInput(m, t);
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
    m.dispose();
  });

  test('bad arguments name the argument', () => {
    const m = smallCnn([ROWS, COLS, 1]);
    assert.throws(() => gradCam(m, probe, { layer: 'nope' }), /layer=nope is not a layer of/);
    assert.throws(
      () => gradientTimesInput(m, probe, { target: 5 }),
      /target=5 must be 'bonafide' or a class index in \[0, 2\)/,
    );
    m.dispose();
  });
});

describe('saliency of a Spectrogram', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  test('gradientTimesInput and gradCam of a mel Spectrogram keep its metadata (unit score); compareStages draws both on Hz/s axes', () => {
    const audio = sine(440, { duration: 0.1, sampleRate: 8000 });
    const S = powerToDb(melSpectrogram(audio, { sampleRate: 8000, nFft: 256, hopLength: 80, nMels: 16 }));
    const m = smallCnn([S.rows, S.cols, 1], { seed: 1 });
    for (const [name, map] of [
      ['gradientTimesInput', gradientTimesInput(m, S)],
      ['gradCam', gradCam(m, S)],
    ] as const) {
      assert.ok(isSpectrogram(map), `${name}: a Spectrogram`);
      assert.deepEqual(
        [map.rows, map.cols, map.sampleRate, map.hopLength, map.scale, map.unit],
        [S.rows, S.cols, S.sampleRate, S.hopLength, S.scale, 'score'],
        name,
      );
      assert.deepEqual(map.frequencies, S.frequencies, `${name} frequencies`);
      assert.deepEqual(map.times, S.times, `${name} times`);
      assert.notEqual(map.data, S.data);
      // What a reader sees: both panels in seconds and Hz, each map on its own colour scale.
      const fig = compareStages([
        { name: 'input', grid: S },
        { name, grid: map },
      ]);
      const layout = fig.layout as Record<string, { title?: { text?: string } } | undefined>;
      assert.equal(layout.xaxis?.title?.text, layout.xaxis2?.title?.text, `${name}: x titles`);
      assert.match(String(layout.xaxis2?.title?.text), /\(s\)/, `${name}: x in seconds`);
      assert.deepEqual(fig.data[1].x, fig.data[0].x, `${name}: same time coordinates`);
      assert.deepEqual(fig.data[1].y, fig.data[0].y, `${name}: same frequency coordinates`);
      assert.notEqual(fig.data[0].coloraxis, fig.data[1].coloraxis, `${name}: own colour scale (score, not dB)`);
    }
    // a plain Grid stays a plain Grid
    assert.ok(!isSpectrogram(gradientTimesInput(m, createGrid(S.rows, S.cols, S.data))));
    m.dispose();
  });
});
