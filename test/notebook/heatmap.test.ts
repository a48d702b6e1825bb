// What a reader sees of a heatmap, checked on the figure itself: the Plotly trace and layout, the
// 16-bit copy its text/html part carries (decoded as the page script decodes it), the PNG's ranges
// and colour bars, the text/plain summary; and, when Chromium is there, what plotly.js draws.
// biome-ignore-all lint/suspicious/noExplicitAny: page code reads untyped plotly.js internals (_fullLayout)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Spectrogram } from '../../src/grid/grid';
import { figureHtml, plotlyJs, summary } from '../../src/notebook/bundle';
import { compareStages } from '../../src/notebook/compare';
import { type CompactZ, decodeTypedArray, expandZ } from '../../src/notebook/encode';
import { heatmap } from '../../src/notebook/heatmap';
import { pngAxisRanges, pngColorbarRanges, renderPng } from '../../src/notebook/png';
import type { Figure, TypedArraySpec } from '../../src/notebook/types';
import { melSpectrogram, powerToDb, spectrogram } from '../../src/spectral';
import { chromiumMissing, launchChromium } from '../helpers/jupyter';

/** A linear dB spectrogram of rows x cols at 16 kHz, hop 160 (10 ms frames), values (i % 97) - 80. */
function spec(rows: number, cols: number): Spectrogram {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (i % 97) - 80;
  return {
    rows,
    cols,
    data,
    sampleRate: 16000,
    hopLength: 160,
    frequencies: Float64Array.from({ length: rows }, (_, r) => (r * 8000) / (rows - 1)),
    times: Float64Array.from({ length: cols }, (_, c) => (c * 160) / 16000),
    scale: 'linear',
    unit: 'dB',
  };
}

/** The figure the text/html part's script draws (before it expands the 16-bit z). */
function htmlFigure(fig: Figure): Figure {
  const m = /var fig = (.*);\n {2}function expand/.exec(figureHtml(fig, ''));
  assert.ok(m, 'figure JSON in the HTML part');
  return JSON.parse(m[1]) as Figure;
}

/** Where a value sits on a colour range, as both renderers colour it: clamped to [0, 1]. */
function position(v: number, [lo, hi]: [number, number]): number {
  return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
}

function ramp100(): Float32Array {
  const d = new Float32Array(100 * 100).map((_, i) => (i % 100) / 100);
  d[0] = 1e6; // one outlier, e.g. a click in a power spectrogram
  d[1] = NaN;
  return d;
}

test('heatmap 100x100 ramp 0..0.99 + one 1e6 outlier, zmin=0 zmax=1: the text/html copy colours every cell as the PNG (ramp kept, outlier at the top colour, NaN blank)', () => {
  const fig = heatmap({ rows: 100, cols: 100, data: ramp100() }, { zmin: 0, zmax: 1 });
  const sent = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
  const back = expandZ(htmlFigure(fig).data[0].z as unknown as CompactZ);
  assert.equal(back.length, sent.length);
  let worst = 0;
  for (let i = 0; i < sent.length; i++) {
    if (Number.isNaN(sent[i])) {
      assert.ok(Number.isNaN(back[i]), `cell ${i} stays a gap`);
      continue;
    }
    worst = Math.max(worst, Math.abs(position(back[i], [0, 1]) - position(sent[i], [0, 1])));
  }
  assert.ok(worst <= 1 / 122876, `worst colour position error ${worst}`);
  assert.ok(back[0] >= 1, `the outlier ${back[0]} is still above zmax`);
  assert.equal(new Set(Array.from(back.subarray(100, 200), (v) => Math.round(v * 100))).size, 100, 'ramp kept');
});

test('compareStages stage zmin=0 zmax=1 over a ramp with a 1e6 outlier: the text/html copy is fine over the colour axis range', () => {
  const fig = compareStages([{ name: 'ramp', grid: { rows: 100, cols: 100, data: ramp100() }, zmin: 0, zmax: 1 }]);
  const ca = fig.layout.coloraxis as { cmin: number; cmax: number };
  assert.deepEqual([ca.cmin, ca.cmax], [0, 1]);
  const sent = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
  const back = expandZ(htmlFigure(fig).data[0].z as unknown as CompactZ);
  for (let i = 2; i < sent.length; i++) assert.ok(Math.abs(back[i] - sent[i]) <= 1 / 122876, `cell ${i}`);
});

test('heatmap 257x6001 with 1 % -Infinity cells: pooling skips them (no blank display cell), the title note and text/plain count them', () => {
  const s = spec(257, 6001);
  let n = 0;
  for (let i = 0; i < s.data.length; i += 97) (s.data[i] = -Infinity), n++;
  const fig = heatmap(s);
  const z = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
  assert.equal(z.filter((v) => !Number.isFinite(v)).length, 0, 'every pooled block has finite cells: none is blank');
  const note = `${n} of ${257 * 6001} cells not finite (-inf), left out`;
  assert.ok(String(fig.layout.title?.text).includes(note), String(fig.layout.title?.text));
  assert.ok(summary(fig).includes(note), summary(fig));
  // Unpooled: the cells themselves are blank, and said to be.
  const small = heatmap({ rows: 2, cols: 2, data: new Float32Array([-Infinity, 0, NaN, 5]) });
  assert.match(String(small.layout.title?.text), /2 of 4 cells not finite \(NaN 1, -inf 1\), left out/);
  assert.deepEqual([small.data[0].zmin, small.data[0].zmax], [0, 5]);
});

test('heatmap of an all -Infinity 2x2 grid: an empty plot that says so, with no invented colour bar (Plotly or PNG)', () => {
  const fig = heatmap({ rows: 2, cols: 2, data: new Float32Array(4).fill(-Infinity) });
  assert.match(String(fig.layout.title?.text), /all 4 cells not finite \(-inf\): nothing to draw/);
  assert.equal(fig.data[0].showscale, false);
  assert.deepEqual(pngColorbarRanges(fig), []);
  assert.match(summary(fig), /^Figure 'Grid': heatmap 2×2, no finite values \[all 4 cells not finite \(-inf\)/);
  // With zmin and zmax given the colour bar is real and shown.
  assert.equal(
    heatmap({ rows: 1, cols: 1, data: new Float32Array([NaN]) }, { zmin: 0, zmax: 1 }).data[0].showscale,
    undefined,
  );
  // compareStages: the panel says it too, and its colour axis has no bar.
  const cmp = compareStages([
    { name: 'silence', grid: { rows: 2, cols: 2, data: new Float32Array(4).fill(-Infinity) } },
  ]);
  assert.match(JSON.stringify(cmp.layout.annotations), /all 4 cells not finite \(-inf\)/);
  assert.equal((cmp.layout.coloraxis as { showscale?: boolean }).showscale, false);
  assert.deepEqual(pngColorbarRanges(cmp), []);
});

test('heatmap zmin alone above the data (or zmax alone below it) is a ParameterError naming it, its value and the data range', () => {
  const g = { rows: 2, cols: 2, data: new Float32Array([-80, -40, -20, 0]) };
  assert.throws(
    () => heatmap(g, { zmin: 10 }),
    /^ParameterError: zmin=10 is above the largest finite value 0, where zmax defaults \(grid spans -80…0\)/,
  );
  assert.throws(
    () => heatmap(g, { zmax: -100 }),
    /^ParameterError: zmax=-100 is below the smallest finite value -80, where zmin defaults \(grid spans -80…0\)/,
  );
  assert.throws(
    () => compareStages([{ name: 'dB', grid: g, zmin: 10 }]),
    /^ParameterError: stages\[0\]\.zmin=10 is above the largest finite value 0, where zmax defaults \(stages\[0\] \(dB\) spans -80…0\)/,
  );
  assert.throws(() => compareStages({ dB: g }, { zmax: -100 }), /^ParameterError: zmax=-100 is below/);
  // A valid single end: Plotly's range and the PNG's colour bar agree, and run upwards.
  const fig = heatmap(g, { zmin: -40 });
  assert.deepEqual([fig.data[0].zmin, fig.data[0].zmax], [-40, 0]);
  assert.deepEqual(pngColorbarRanges(fig), [[-40, 0]]);
  // zmin at the data's maximum stays put (everything at the bottom colour), the range is not inverted.
  assert.deepEqual(pngColorbarRanges(heatmap(g, { zmin: 0 })), [[0, 1]]);
});

test('heatmap of a 1-frame spectrogram (512 samples, nFft=512 hop=512 center=false): the frame is hop/sr = 32 ms wide in Plotly and the PNG', () => {
  const s = spectrogram(new Float32Array(512).fill(0.1), {
    sampleRate: 16000,
    nFft: 512,
    hopLength: 512,
    center: false,
  });
  assert.deepEqual([s.rows, s.cols, s.times[0]], [257, 1, 0.016]);
  const fig = heatmap(powerToDb(s));
  // One column, two x values: plotly.js reads them as the cell's edges.
  assert.deepEqual(fig.data[0].x, [0, 0.032]);
  assert.deepEqual(pngAxisRanges(fig), { x: [0, 0.032], y: [-15.625, 8015.625] });
});

test('heatmap of a linear spectrogram with yScale=mel (as display.ipynb): rows at their Slaney mel, the 0 Hz row half a bin below 0 mel', () => {
  const x = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i / 3));
  const s = powerToDb(spectrogram(x, { sampleRate: 16000, nFft: 512, hopLength: 160 }));
  const fig = heatmap(s, { yScale: 'mel' });
  const y = fig.data[0].y as number[];
  assert.equal(y.length, 257);
  assert.equal(y[0], 0);
  assert.ok(Math.abs(y[256] - (15 + Math.log(8) / (Math.log(6.4) / 27))) < 1e-4, `top row ${y[256]} mel`);
  const [lo, hi] = pngAxisRanges(fig).y;
  assert.ok(Math.abs(lo - -(31.25 / 2) * (3 / 200)) < 1e-6, `low edge ${lo} mel`);
  assert.ok(hi > y[256]);
  assert.doesNotThrow(() => compareStages([{ name: 'dB', grid: s }], { yScale: 'mel' }));
});

test('heatmap of a 1-row mel spectrogram (nMels=1): the band spans half a mel spacing either side, spacing up to Nyquist', () => {
  const x = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i / 3));
  const m = powerToDb(melSpectrogram(x, { sampleRate: 16000, nFft: 512, hopLength: 160, nMels: 1 }));
  const fig = heatmap(m);
  const y = fig.data[0].y as number[];
  assert.equal(y.length, 2);
  const centre = (y[0] + y[1]) / 2;
  const nyquistMel = 15 + Math.log(8) / (Math.log(6.4) / 27); // Slaney mel of 8000 Hz
  assert.ok(Math.abs(centre - nyquistMel / 2) < 1e-4, `band centre ${centre} mel`);
  assert.ok(Math.abs(y[1] - y[0] - nyquistMel / 2) < 1e-4, `band width ${y[1] - y[0]} mel`);
  assert.deepEqual(pngAxisRanges(fig).y, y);
});

test('heatmap 257x6001 (60 s) pooled 2x30 with partial last blocks: x spans -0.005..60.005 s and y -15.625..8015.625 Hz, as the full grid', () => {
  const s = spec(257, 6001);
  const fig = heatmap(s);
  assert.match(String(fig.layout.title?.text), /mean-pooled 2×30/);
  const want = { x: [-0.005, 60.005], y: [-15.625, 8015.625] };
  const near = (got: Record<string, number[]>, label: string): void => {
    for (const a of ['x', 'y'] as const)
      assert.ok(
        got[a].every((v, i) => Math.abs(v - want[a][i]) < 1e-9),
        `${label} ${a}: ${got[a]} vs the full grid's ${want[a]}`,
      );
  };
  near(pngAxisRanges(fig), 'pooled');
  near(pngAxisRanges(heatmap(s, { fullResolution: true })), 'full resolution');
  const x = fig.data[0].x as number[];
  const y = fig.data[0].y as number[];
  near({ x: [x[0], x[x.length - 1]], y: [y[0], y[y.length - 1]] }, 'trace edges');
  // A plain grid pooled 4x6 (37x101 -> 10x17): the blocks cover rows -0.5..36.5 and columns -0.5..100.5.
  const g = { rows: 37, cols: 101, data: new Float32Array(37 * 101).map((_, i) => i % 7) };
  assert.deepEqual(pngAxisRanges(heatmap(g, { maxRows: 10, maxCols: 20 })), { x: [-0.5, 100.5], y: [-0.5, 36.5] });
});

test('heatmap unit="<dB>": the colour bar title and hover are escaped as titles are, text/plain shows <dB>', () => {
  const fig = heatmap(spec(3, 4), { unit: '<dB>', title: 'Tom & Jerry' });
  assert.deepEqual(fig.data[0].colorbar, { title: { text: '&lt;dB&gt;' } });
  assert.match(String(fig.data[0].hovertemplate), /%\{z:\.4~g\} &lt;dB&gt;/);
  assert.equal(summary(fig), "Figure 'Tom & Jerry': heatmap 3×4, z -80…-69 <dB>");
});

test('summary of a pooled heatmap reports the colour bar range (the data range, or zmin..zmax), not the pooled cells', () => {
  const s = spec(257, 1001);
  const fig = heatmap(s);
  const z = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
  assert.ok(Math.max(...z) < 16, 'pooling averages the peaks away');
  assert.match(summary(fig), /^Figure 'Spectrogram': heatmap 129×201, z -80…16 dB \[mean-pooled 2×5/);
  assert.match(summary(heatmap(s, { zmin: -60, zmax: 0 })), /z -60…0 dB/);
  assert.match(
    summary(compareStages({ 'a & b': s }, { title: 'Q&A <test>' })),
    /^Figure 'Q&A <test>': heatmap 129×201, z -80…16 dB$/,
  );
});

const missing = chromiumMissing();
let browser: Browser;
let page: Page;

before(async () => {
  if (missing) return;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
});

after(async () => {
  await browser?.close();
});

test('chromium: plotly.js draws the 1-frame, 1-mel-band, pooled 60 s and outlier heatmaps on the PNG axis ranges, and decodes the HTML copy to the shown colours', {
  skip: missing ?? false,
  timeout: 120_000,
}, async () => {
  const x = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i / 3));
  const figs: Record<string, Figure> = {
    oneFrame: heatmap(
      powerToDb(
        spectrogram(new Float32Array(512).fill(0.1), { sampleRate: 16000, nFft: 512, hopLength: 512, center: false }),
      ),
    ),
    oneBand: heatmap(powerToDb(melSpectrogram(x, { sampleRate: 16000, nFft: 512, hopLength: 160, nMels: 1 }))),
    pooled: heatmap(spec(257, 6001)),
    outlier: heatmap({ rows: 100, cols: 100, data: ramp100() }, { zmin: 0, zmax: 1 }),
  };
  for (const [name, fig] of Object.entries(figs)) {
    await page.setContent(
      `<!DOCTYPE html><html><body><script>${plotlyJs().replace(/<\/(script)/gi, '<\\/$1')}</script>${figureHtml(
        fig,
        renderPng(fig).toString('base64'),
        'under-test',
      )}</body></html>`,
    );
    await page.waitForSelector('#under-test .specmorph-plotly .main-svg', { timeout: 60_000 });
    const got = (await page.evaluate(`(function () {
      var gd = document.querySelector('#under-test .specmorph-plotly'), fl = gd._fullLayout, z = gd._fullData[0].z;
      return { x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice(), z: Array.from(z, function (r) { return Array.from(r); }) };
    })()`)) as { x: [number, number]; y: [number, number]; z: (number | null)[][] };
    const png = pngAxisRanges(fig);
    for (const a of ['x', 'y'] as const)
      assert.ok(
        Math.abs(got[a][0] - png[a][0]) < 1e-6 && Math.abs(got[a][1] - png[a][1]) < 1e-6,
        `${name} ${a}: Plotly ${got[a]} vs PNG ${png[a]}`,
      );
    const sent = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
    const range: [number, number] = [fig.data[0].zmin as number, fig.data[0].zmax as number];
    const flat = got.z.flat();
    flat.forEach((v, i) => {
      if (Number.isNaN(sent[i])) assert.ok(v === null || Number.isNaN(v), `${name} cell ${i} is a gap`);
      else
        assert.ok(
          Math.abs(position(v as number, range) - position(sent[i], range)) <= 1e-5,
          `${name} cell ${i}: plotly.js has ${v}, the figure ${sent[i]}`,
        );
    });
  }
});
