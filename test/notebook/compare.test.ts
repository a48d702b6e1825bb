// compareStages with panels of different shapes, units and scales: what each panel shows, in the
// Plotly figure and in the PNG drawn from it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import type { Grid, Spectrogram } from '../../src/grid/grid';
import { colorAt, plotlyColorScale } from '../../src/notebook/colormap';
import { compareStages } from '../../src/notebook/compare';
import { plotRect, renderPng } from '../../src/notebook/png';
import { COLOR_LEVELS } from '../../src/notebook/raster';
import type { Axis, Figure } from '../../src/notebook/types';
import { Random } from '../../src/random';

function spec(rows: number, cols: number, unit: Spectrogram['unit'], f: (r: number, c: number) => number): Spectrogram {
  return {
    rows,
    cols,
    data: Float32Array.from({ length: rows * cols }, (_, i) => f(Math.floor(i / cols), i % cols)),
    sampleRate: 8000,
    hopLength: 80,
    unit,
    scale: 'linear',
    frequencies: Float64Array.from({ length: rows }, (_, r) => (r * 4000) / (rows - 1)),
    times: Float64Array.from({ length: cols }, (_, c) => (c * 80) / 8000),
  };
}

/** The four grid stages of the ablation pipeline: power 129x201, dB 129x201, resized 64x64 dB, min-max [0, 1]. */
function pipelineStages(): { name: string; grid: Grid }[] {
  const rng = new Random(3);
  const power = spec(129, 201, 'power', () => 50 * rng.next() ** 4);
  const db = { ...power, unit: 'dB' as const, data: power.data.map((v) => 10 * Math.log10(Math.max(v, 1e-10) / 50)) };
  const resized: Grid = {
    rows: 64,
    cols: 64,
    data: Float32Array.from({ length: 4096 }, (_, i) => -80 + (80 * ((i * 37) % 101)) / 100),
  };
  const norm: Grid = { rows: 64, cols: 64, data: resized.data.map((v) => (v + 80) / 80) };
  return [
    { name: 'stft', grid: power },
    { name: 'db', grid: db },
    { name: 'resize', grid: resized },
    { name: 'normalise', grid: norm },
  ];
}

function range(g: Grid): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of g.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return [lo, hi];
}

const ax = (fig: Figure, k: string): Axis => fig.layout[k] as Axis;
const coloraxis = (fig: Figure, k: string) =>
  fig.layout[k] as {
    cmin: number;
    cmax: number;
    colorscale: unknown;
    colorbar: { x: number; y: number; len: number; title: { text: string } };
  };

test('compareStages pipeline (129x201 power, 129x201 dB, 64x64, 64x64 [0,1]) sharedScale=auto: own colour bar and range per panel, axes linked only between equal shapes', () => {
  const stages = pipelineStages();
  const fig = compareStages(stages, { columns: 2 });
  assert.deepEqual(
    fig.data.map((t) => t.coloraxis),
    ['coloraxis', 'coloraxis2', 'coloraxis3', 'coloraxis4'],
  );
  stages.forEach((s, i) => {
    const ca = coloraxis(fig, i === 0 ? 'coloraxis' : `coloraxis${i + 1}`);
    assert.deepEqual([ca.cmin, ca.cmax], range(s.grid), `${s.name} colour range`);
  });
  assert.equal(coloraxis(fig, 'coloraxis').colorbar.title.text, 'power');
  assert.equal(coloraxis(fig, 'coloraxis2').colorbar.title.text, 'dB');
  // Axes: stft and db share time/Hz axes; resize and normalise share row/column axes; never across.
  assert.equal(ax(fig, 'xaxis').matches, undefined);
  assert.equal(ax(fig, 'xaxis2').matches, 'x');
  assert.equal(ax(fig, 'yaxis2').matches, 'y');
  assert.equal(ax(fig, 'xaxis3').matches, undefined);
  assert.equal(ax(fig, 'yaxis3').matches, undefined);
  assert.equal(ax(fig, 'xaxis4').matches, 'x3');
  assert.equal(ax(fig, 'xaxis3').title?.text, 'Column');
  assert.equal(
    ax(fig, 'xaxis').title?.text,
    'Time (s)',
    'the stft panel keeps its own time axis title: the panel below has other axes',
  );
  // Each colour bar sits right of its own panel, within the gap before the next one.
  for (let i = 0; i < 4; i++) {
    const s = i === 0 ? '' : String(i + 1);
    const cb = coloraxis(fig, `coloraxis${s}`).colorbar;
    const dom = ax(fig, `xaxis${s}`).domain as [number, number];
    const ydom = ax(fig, `yaxis${s}`).domain as [number, number];
    assert.ok(cb.x > dom[1] && cb.x < dom[1] + 0.05, `colour bar ${i} x=${cb.x} beside domain ${dom}`);
    assert.ok(
      Math.abs(cb.y - (ydom[0] + ydom[1]) / 2) < 1e-9 && Math.abs(cb.len - (ydom[1] - ydom[0])) < 1e-9,
      `colour bar ${i} spans its panel`,
    );
  }
  const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
  assert.deepEqual(titles, [
    '<b>stft</b><br>129×201',
    '<b>db</b><br>129×201',
    '<b>resize</b><br>64×64',
    '<b>normalise</b><br>64×64',
  ]);
});

test('compareStages pipeline PNG: every panel filled with its own data on its own scale (no strip on a shared axis)', () => {
  const stages = pipelineStages();
  const fig = compareStages(stages, { columns: 2 });
  const png = PNG.sync.read(renderPng(fig));
  const r = plotRect(fig);
  stages.forEach((s, i) => {
    const xd = ax(fig, i === 0 ? 'xaxis' : `xaxis${i + 1}`).domain as [number, number];
    const yd = ax(fig, i === 0 ? 'yaxis' : `yaxis${i + 1}`).domain as [number, number];
    const [lo, hi] = range(s.grid);
    // The pixel at 3/4 of the panel's width and height (the old shared axes left it blank), and
    // the cell whose extent holds that pixel's centre.
    const left = r.x0 + xd[0] * (r.x1 - r.x0);
    const right = r.x0 + xd[1] * (r.x1 - r.x0);
    const bottom = r.y1 - yd[0] * (r.y1 - r.y0);
    const top = r.y1 - yd[1] * (r.y1 - r.y0);
    const px = Math.round(left + 0.75 * (right - left));
    const py = Math.round(top + 0.25 * (bottom - top));
    const col = Math.floor(((px + 0.5 - left) / (right - left)) * s.grid.cols);
    const row = Math.floor(((bottom - (py + 0.5)) / (bottom - top)) * s.grid.rows);
    const i4 = (py * png.width + px) * 4;
    const t = (s.grid.data[row * s.grid.cols + col] - lo) / (hi - lo);
    assert.deepEqual(
      [png.data[i4], png.data[i4 + 1], png.data[i4 + 2]],
      colorAt('viridis', Math.round(t * (COLOR_LEVELS - 1)) / (COLOR_LEVELS - 1)),
      `${s.name} cell (${row}, ${col}) at pixel (${px}, ${py})`,
    );
  });
});

test('compareStages sharedScale=true: one colour axis over every stage; sharedScale=false: a bar per panel and no linked axes', () => {
  const stages = pipelineStages();
  const one = compareStages(stages, { sharedScale: true });
  assert.deepEqual(new Set(one.data.map((t) => t.coloraxis)), new Set(['coloraxis']));
  const all = stages.map((s) => range(s.grid));
  const ca = coloraxis(one, 'coloraxis');
  assert.deepEqual([ca.cmin, ca.cmax], [Math.min(...all.map((x) => x[0])), Math.max(...all.map((x) => x[1]))]);
  assert.ok(ca.colorbar.x > 1, 'the single colour bar sits right of all panels');
  assert.equal(ca.colorbar.title.text, 'power / dB / value', 'a forced shared scale names every unit it spans');
  const db = stages[1].grid as Spectrogram;
  const none = compareStages(
    [
      { name: 'a', grid: db },
      { name: 'b', grid: { ...db, data: db.data.map((v) => v - 20) } },
    ],
    { sharedScale: false },
  );
  assert.deepEqual(
    none.data.map((t) => t.coloraxis),
    ['coloraxis', 'coloraxis2'],
  );
  assert.equal(ax(none, 'xaxis2').matches, undefined);
  const auto = compareStages([
    { name: 'a', grid: db },
    { name: 'b', grid: { ...db, data: db.data.map((v) => v - 20) } },
  ]);
  assert.deepEqual(
    auto.data.map((t) => t.coloraxis),
    ['coloraxis', 'coloraxis'],
    'two dB spectrograms of one shape share scale and axes',
  );
  assert.equal(ax(auto, 'xaxis2').matches, 'x');
  assert.throws(
    () => compareStages(stages, { sharedScale: 'yes' as 'auto' }),
    /sharedScale="yes" must be 'auto', true or false/,
  );
});

test('compareStages per-stage colorScale/zmin/zmax/unit: saliency input [0,1], gradient x input diverging about 0, Grad-CAM magma from 0', () => {
  const input: Grid = { rows: 8, cols: 8, data: Float32Array.from({ length: 64 }, (_, i) => i / 63) };
  const grad: Grid = { rows: 8, cols: 8, data: Float32Array.from({ length: 64 }, (_, i) => (i % 7) * 0.01 - 0.02) };
  const cam: Grid = { rows: 8, cols: 8, data: Float32Array.from({ length: 64 }, (_, i) => (i % 5) * 0.3) };
  const fig = compareStages(
    [
      { name: 'input', grid: input },
      { name: 'gradient × input', grid: grad, colorScale: 'diverging', unit: 'score' },
      { name: 'Grad-CAM', grid: cam, colorScale: 'magma', zmin: 0, unit: 'score' },
    ],
    { columns: 3 },
  );
  const [a, b, c] = ['coloraxis', 'coloraxis2', 'coloraxis3'].map((k) => coloraxis(fig, k));
  assert.deepEqual([a.cmin, a.cmax], [0, 1]);
  assert.deepEqual(b.colorscale, plotlyColorScale('diverging'));
  assert.ok(
    Math.abs(b.cmin + 0.04) < 1e-7 && Math.abs(b.cmax - 0.04) < 1e-7,
    `diverging range symmetric about 0: ${b.cmin}..${b.cmax}`,
  );
  assert.deepEqual(c.colorscale, plotlyColorScale('magma'));
  assert.equal(c.cmin, 0);
  assert.ok(Math.abs(c.cmax - 1.2) < 1e-6);
  assert.equal(b.colorbar.title.text, 'score');
  // PNG: the zero of the signed map is white-ish (the diverging scale's centre).
  const png = PNG.sync.read(renderPng(fig));
  const r = plotRect(fig);
  const xd = ax(fig, 'xaxis2').domain as [number, number];
  const yd = ax(fig, 'yaxis2').domain as [number, number];
  const k = grad.data.findIndex((v) => Math.abs(v) < 1e-9);
  const px = r.x0 + (xd[0] + (((k % 8) + 0.5) / 8) * (xd[1] - xd[0])) * (r.x1 - r.x0);
  const py = r.y1 - (yd[0] + ((Math.floor(k / 8) + 0.5) / 8) * (yd[1] - yd[0])) * (r.y1 - r.y0);
  const i4 = (Math.round(py) * png.width + Math.round(px)) * 4;
  assert.deepEqual(
    [png.data[i4], png.data[i4 + 1], png.data[i4 + 2]],
    colorAt('diverging', 0.5 * 0 + Math.round(0.5 * (COLOR_LEVELS - 1)) / (COLOR_LEVELS - 1)),
  );
});

test('compareStages checks its stages and options: string names, known fields, sizes', () => {
  const g: Grid = { rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) };
  assert.throws(
    () => compareStages([{ name: 5 as never, grid: g }]),
    /^ParameterError: stages\[0\]\.name=5 must be a string$/,
  );
  assert.throws(
    () => compareStages([{ name: 'a', grid: g, colorscale: 'magma' } as never]),
    /^ParameterError: compareStages: stages\[0\]: unknown option colorscale; did you mean colorScale\? \(options: name, grid, colorScale, zmin, zmax, unit\)$/,
  );
  assert.throws(
    () => compareStages([{ name: 'a', grid: g, unit: 1 as never }]),
    /^ParameterError: stages\[0\]\.unit=1 must be a string$/,
  );
  assert.throws(
    () => compareStages({ a: g }, { column: 2 } as never),
    /^ParameterError: compareStages: unknown option column; did you mean columns\?/,
  );
  assert.throws(() => compareStages({ a: g }, { title: 5 as never }), /^ParameterError: title=5 must be a string$/);
  assert.throws(
    () => compareStages({ a: g }, { width: -5 }),
    /^ParameterError: width=-5 must be a finite number > 0 \(pixels\)$/,
  );
  assert.throws(() => compareStages(null as never), /^ParameterError: stages=null must be/);
});
