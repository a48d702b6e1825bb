import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { createGrid, type Grid } from '../../src/grid/grid';
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
