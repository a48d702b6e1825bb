import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { MORPH_OUTSIDE, type MorphLayer, morphLayer, structureSnapshot } from '../../src/model/morphLayer';
import {
  learnedOperatorFigure,
  structureEvolutionFigure,
  structureViews,
  structuringElementsFigure,
} from '../../src/notebook/learnedMorphology';
import { decodeTypedArray } from '../../src/notebook/encode';
import { renderPng } from '../../src/notebook/png';
import type { TypedArraySpec } from '../../src/notebook/types';
import { createGrid } from '../../src/grid/grid';
import { dilate, erode, footprint } from '../../src/morphology';
import { Random } from '../../src/random';

/** A built layer over 1-channel input whose structure is set to `values` (or left at its init). */
function built(opts: Parameters<typeof morphLayer>[0], values?: (i: number) => number): MorphLayer {
  const layer = morphLayer(opts);
  layer.apply(tf.input({ shape: [12, 10, 1] }));
  if (values) {
    const w = layer.getWeights()[0];
    const v = w.dataSync().map((x, i) => (x <= MORPH_OUTSIDE / 2 ? x : values(i)));
    layer.setWeights([tf.tensor(v, w.shape)]);
  }
  return layer;
}

function z(trace: unknown): number[] {
  return Array.from(decodeTypedArray((trace as { z: TypedArraySpec }).z).values);
}

function dbGrid(rows: number, cols: number, seed: number) {
  const rng = new Random(seed);
  return createGrid(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => Math.max(-80, -40 + 20 * rng.normal())),
  );
}

describe('learned morphology figures', () => {
  before(async () => {
    await initBackend({ backend: 'cpu' });
  });

  test('structureViews: off-support entries NaN, heights kept, range symmetric over every snapshot', () => {
    const a = structureSnapshot(
      built({ init: { shape: 'cross', rows: 3, cols: 5 }, depthMultiplier: 2 }, (i) => 0.01 * i),
    );
    const b = structureSnapshot(
      built({ init: { shape: 'cross', rows: 3, cols: 5 }, depthMultiplier: 2 }, (i) => -0.02 * i),
    );
    const [va, vb] = structureViews([a, b]);
    const cross = footprint.cross(3, 5).mask;
    for (let k = 0; k < 2; k++) {
      for (let p = 0; p < 15; p++) {
        if (cross[p]) assert.equal(va.channels[k][p], Math.fround(0.01 * (p * 2 + k)));
        else assert.ok(Number.isNaN(va.channels[k][p]) && Number.isNaN(vb.channels[k][p]));
      }
    }
    // The largest |height| on the support over both snapshots: b's last on-support entry.
    let peak = 0;
    for (let p = 0; p < 15; p++) if (cross[p]) peak = Math.max(peak, Math.abs(Math.fround(-0.02 * (p * 2 + 1))));
    assert.deepEqual(va.range, [-peak, peak]);
    assert.deepEqual(vb.range, va.range);
    // A flat structuring function (all 0) gets ±1, so 0 sits at the white centre of the scale.
    assert.deepEqual(structureViews([structureSnapshot(built({}))])[0].range, [-1, 1]);
  });

  test('structuringElementsFigure: one heatmap per channel with its heights, offsets from the anchor, shared colour axis', () => {
    const layer = built({ init: { shape: 'random', rows: 5, cols: 3, std: 0.3 }, depthMultiplier: 3, seed: 2 });
    const s = structureSnapshot(layer);
    const fig = structuringElementsFigure(s);
    const heat = fig.data.filter((t) => t.type === 'heatmap');
    assert.equal(heat.length, 3);
    heat.forEach((t, k) => {
      assert.deepEqual(
        z(t),
        Array.from({ length: 15 }, (_, p) => s.values[p * 3 + k]),
      );
      assert.deepEqual(t.x, [-1, 0, 1]);
      assert.deepEqual(t.y, [-2, -1, 0, 1, 2]);
      assert.equal(t.coloraxis, 'coloraxis');
    });
    const peak = Math.max(...Array.from(s.values, Math.abs));
    const ca = fig.layout.coloraxis as { cmin: number; cmax: number };
    assert.deepEqual([ca.cmin, ca.cmax], [-peak, peak]);
    assert.equal((fig.layout.yaxis as { autorange: string }).autorange, 'reversed');
    assert.ok(renderPng(fig).length > 0);
    // a user's title is text, not markup: escaped, as heatmap titles are
    const titled = structuringElementsFigure(s, { title: 'p<0.05 & <b>' });
    assert.equal((titled.layout.title as { text: string }).text, 'p&lt;0.05 &amp; &lt;b&gt;');
  });

  test('structureEvolutionFigure: one slider step per epoch, frame k shows epoch k, one range for all', () => {
    const layer = built({ init: { shape: 'rect', rows: 3, cols: 3 } });
    const history = [0, 1, 2].map((epoch) => {
      layer.setWeights([tf.fill([3, 3, 1], 0.5 * epoch - 0.2)]);
      return { epoch, snapshot: structureSnapshot(layer) };
    });
    const fig = structureEvolutionFigure(history);
    assert.deepEqual(
      fig.frames!.map((f) => f.name),
      ['1', '2', '3'],
    );
    fig.frames!.forEach((f, k) => assert.deepEqual(z(f.data[0]), new Array(9).fill(Math.fround(0.5 * k - 0.2))));
    // The layout's colour axis is shared by every frame: it spans the largest |height| of any epoch.
    const ca = fig.layout.coloraxis as { cmin: number; cmax: number };
    assert.deepEqual([ca.cmin, ca.cmax], [-Math.fround(0.8), Math.fround(0.8)]);
    // The last epoch is shown first.
    assert.equal((fig.layout.sliders as { active: number }[])[0].active, 2);
  });

  test('learnedOperatorFigure: bona fide and spoof side by side, each channel equal to specmorph erode/dilate at init', () => {
    const bona = dbGrid(12, 10, 1);
    const spoof = dbGrid(12, 10, 2);
    for (const [op, ref] of [
      ['erode', erode],
      ['dilate', dilate],
    ] as const) {
      const layer = built({ operation: op, depthMultiplier: 2 });
      const fig = learnedOperatorFigure(layer, { bonafide: bona, spoof });
      assert.deepEqual(
        fig.data.map((t) => t.name),
        [
          'bona fide',
          'spoof',
          `bona fide · ${op} ch 0`,
          `spoof · ${op} ch 0`,
          `bona fide · ${op} ch 1`,
          `spoof · ${op} ch 1`,
        ],
      );
      const want = [bona, spoof].map((g) => Array.from(ref(g, footprint.rect(3, 3), { border: 'ignore' }).data));
      assert.deepEqual(z(fig.data[0]), Array.from(bona.data));
      for (const i of [2, 4]) assert.deepEqual(z(fig.data[i]), want[0]);
      for (const i of [3, 5]) assert.deepEqual(z(fig.data[i]), want[1]);
      // Column 1 bona fide, column 2 spoof: the subplots' x domains.
      const dom = (s: string) => (fig.layout[`xaxis${s}`] as { domain: [number, number] }).domain;
      assert.ok(dom('')[1] < dom('2')[0] && dom('3')[0] === dom('')[0] && dom('4')[0] === dom('2')[0]);
      assert.throws(
        () => learnedOperatorFigure(layer, { bonafide: bona, spoof }, { channels: [2] }),
        /channels\[0\]=2 must be a channel index in \[0, 2\)/,
      );
      assert.throws(
        () => learnedOperatorFigure(layer, { bonafide: bona, spoof }, { channel: [0] } as never),
        /^ParameterError: learnedOperatorFigure: unknown option channel; did you mean channels\?/,
      );
      assert.throws(
        () => structuringElementsFigure(structureSnapshot(layer), { cellsize: 10 } as never),
        /^ParameterError: structuringElementsFigure: unknown option cellsize; did you mean cellSize\?/,
      );
      assert.throws(
        () => structureEvolutionFigure([{ epoch: 0, snapshot: structureSnapshot(layer) }], { title: 3 as never }),
        /^ParameterError: title=3 must be a string$/,
      );
    }
  });
});
