// Line figures (lineFigure, trainingCurves, ROC/DET) as a reader sees them: the axis ranges the PNG
// draws are the ones plotly.js shows, user text shows as written in both, a perfect detector's DET
// plot is not blank, and values that cannot be plotted are refused. The Chromium tests render with
// the real plotly.js (skipped, naming what is missing, without it).
// biome-ignore-all lint/suspicious/noExplicitAny: page code reads untyped plotly.js internals (_fullLayout)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { detFigure, lineFigure, probit, rocFigure, trainingCurves } from '../../src/notebook/curves';
import { footprintFigure } from '../../src/notebook/footprint';
import { heatmap } from '../../src/notebook/heatmap';
import { pngAxisPixels, pngAxisRanges, renderPng, renderRaster } from '../../src/notebook/png';
import { stripTags } from '../../src/notebook/png/text';
import type { Axis, Figure } from '../../src/notebook/types';
import { footprint } from '../../src/morphology';
import { chromiumMissing, launchChromium, openPlotlyPage } from '../helpers/jupyter';

const axis = (fig: Figure, key: string): Axis => fig.layout[key] as Axis;

/** The figure as it would be without explicit axis ranges (what plotly.js autoranges). */
function unpinned(fig: Figure): Figure {
  const layout = JSON.parse(JSON.stringify(fig.layout));
  for (const k of Object.keys(layout)) if (/^[xy]axis\d*$/.test(k)) delete layout[k].range;
  return { ...fig, layout };
}

test('lineFigure y=[1, 2]: explicit ranges x [0, 1] (lines run edge to edge), y padded by 5% of the axis as plotly.js; the PNG draws them', () => {
  const fig = lineFigure([{ y: [1, 2] }]);
  assert.deepEqual(axis(fig, 'xaxis').range, [0, 1]);
  const [lo, hi] = axis(fig, 'yaxis').range as [number, number];
  // Each end 5% of the axis length inside the edge: span 1 / 0.9, pad 1/18 (plotly.js shows [0.944, 2.056]).
  assert.ok(Math.abs(lo - (1 - 1 / 18)) < 1e-12 && Math.abs(hi - (2 + 1 / 18)) < 1e-12, `y range ${lo}..${hi}`);
  assert.deepEqual(pngAxisRanges(fig), { x: [0, 1], y: [lo, hi] });
});

test('trainingCurves loss/acc: every axis range explicit and drawn by the PNG; epochs half an epoch wider', () => {
  const fig = trainingCurves({ loss: [1, 0.5, 0.4], valLoss: [1.1, 0.7, 0.6], acc: [0.5, 0.9, 0.95] });
  const png = pngAxisRanges(fig);
  for (const id of ['x', 'y', 'x2', 'y2']) {
    const key = `${id[0]}axis${id.slice(1)}`;
    assert.deepEqual(png[id], axis(fig, key).range, `${id}: PNG ${png[id]} vs layout ${axis(fig, key).range}`);
  }
  assert.deepEqual(axis(fig, 'xaxis').range, [0.5, 3.5]);
});

test('PNG autorange of a figure without ranges follows plotly.js: lines, markers (radius + 5%), a single point, no data', () => {
  const margin = { l: 70, r: 20, t: 48, b: 50 };
  const scatter = (t: Record<string, unknown>): Figure => ({
    data: [{ type: 'scatter', ...t }],
    layout: { width: 500, height: 400, margin },
    config: {},
  });
  // values read from plotly.js 3 in Chromium for these figures (the Chromium test below re-checks them)
  assert.deepEqual(pngAxisRanges(scatter({ mode: 'lines', x: [0.5, 3, 7], y: [-2, 5, 1] })), {
    x: [0.5, 7],
    y: [-2 - 7 / 18, 5 + 7 / 18],
  });
  const m = pngAxisRanges(scatter({ mode: 'markers', x: [1, 2, 3], y: [3, 1, 2], marker: { size: 12 } }));
  // pad = 12 / 1.6 px + 5% of 410 px (x) / 302 px (y)
  const pad = (len: number, span: number): number => (span * (7.5 + 0.05 * len)) / (len - 2 * (7.5 + 0.05 * len));
  assert.ok(
    Math.abs(m.x[0] - (1 - pad(410, 2))) < 1e-12 && Math.abs(m.y[1] - (3 + pad(302, 2))) < 1e-12,
    `${m.x} ${m.y}`,
  );
  assert.deepEqual(pngAxisRanges(scatter({ mode: 'markers', x: [1], y: [3] })), { x: [0, 2], y: [2, 4] });
  assert.deepEqual(pngAxisRanges(scatter({ mode: 'lines', x: [Number.NaN], y: [Number.NaN] })), {
    x: [-1, 6],
    y: [-1, 4],
  });
});

test('detFigure of a perfect detector (EER 0): axes extend below 0.05% to the 0.01% floor, the curve and EER marker are drawn, the label says where', () => {
  const fig = detFigure([0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.3]);
  const [lo, hi] = axis(fig, 'xaxis').range as [number, number];
  const floor = probit(0.0001);
  assert.ok(lo < floor && hi === probit(0.97), `x range ${lo}..${hi}`);
  assert.deepEqual(axis(fig, 'yaxis').range, [lo, hi]);
  const marker = fig.data[1] as unknown as { x: number[]; y: number[] };
  assert.ok(marker.x[0] > lo && marker.y[0] > lo, 'EER marker inside the axes');
  const curve = fig.data[0] as unknown as { x: number[]; y: number[] };
  assert.ok(
    curve.x.some((x, i) => x > lo && x < hi && curve.y[i] > lo && curve.y[i] < hi),
    'some of the curve inside the axes',
  );
  assert.equal((fig.layout.annotations as { text: string }[])[0].text, 'EER 0% (drawn at 0.01%)');
  assert.ok((axis(fig, 'xaxis').ticktext as string[]).includes('0.01'));
  assert.deepEqual(pngAxisRanges(fig), { x: [lo, hi], y: [lo, hi] });
  // What the PNG shows: the blue curve and the red EER marker inside the plot area.
  const img = renderRaster(fig);
  const px = pngAxisPixels(fig);
  const count = (rgb: [number, number, number]): number => {
    let n = 0;
    for (let y = Math.ceil(px.y[0]); y < px.y[1]; y++)
      for (let x = Math.ceil(px.x[0]); x < px.x[1]; x++) {
        const c = img.get(x, y);
        if (c[0] === rgb[0] && c[1] === rgb[1] && c[2] === rgb[2]) n++;
      }
    return n;
  };
  assert.ok(count([0x63, 0x6e, 0xfa]) > 100, 'DET curve pixels in the plot');
  assert.ok(count([0xef, 0x55, 0x3b]) > 20, 'EER marker pixels in the plot');
});

test('detFigure: an inverted detector (EER 100%) extends the axes up to 99.99%; an ordinary one keeps 0.05%-97%', () => {
  const inv = detFigure([0.1, 0.2, 0.3], [0.9, 0.8, 0.7, 0.6]);
  const [lo, hi] = axis(inv, 'xaxis').range as [number, number];
  assert.ok(lo === probit(0.0005) && hi > probit(0.9999), `x range ${lo}..${hi}`);
  assert.equal((inv.layout.annotations as { text: string }[])[0].text, 'EER 100% (drawn at 99.99%)');
  const ok = detFigure([3, 2, 1, 0.2], [2.5, 0, -1]);
  assert.deepEqual(axis(ok, 'xaxis').range, [probit(0.0005), probit(0.97)]);
  assert.deepEqual(axis(ok, 'xaxis').ticktext, ['0.1', '0.5', '1', '2', '5', '10', '20', '40', '60', '80', '95']);
});

test('titles, axis titles and series names show as written: escaped for Plotly, and the PNG text reads the literal', () => {
  const raw = 'p<0.05 & q>1';
  const figs: [string, Figure][] = [
    ['lineFigure', lineFigure([{ y: [1, 2], name: 'x<y>' }], { title: raw, xTitle: 'a<b>', yTitle: 'R&D' })],
    ['trainingCurves', trainingCurves({ 'loss<b>': [1, 0.5] }, { title: raw, xTitle: 'a<b>' })],
    ['rocFigure', rocFigure([1, 2, 3], [0, 1, 2], { title: raw, xTitle: 'a<b>', yTitle: 'R&D' })],
    ['detFigure', detFigure([1, 2, 3], [0, 1, 2], { title: raw, xTitle: 'a<b>', yTitle: 'R&D' })],
    ['footprintFigure', footprintFigure(footprint.rect(3, 3), { title: raw })],
  ];
  for (const [name, fig] of figs) {
    const title = fig.layout.title?.text ?? '';
    assert.equal(title, 'p&lt;0.05 &amp; q&gt;1', `${name} title`);
    assert.deepEqual(stripTags(title), [raw], `${name}: PNG title`);
    const xt = axis(fig, 'xaxis').title?.text ?? '';
    if (name !== 'footprintFigure') assert.deepEqual(stripTags(xt), ['a<b>'], `${name}: PNG x title`);
  }
  assert.equal(figs[0][1].data[0].name, 'x&lt;y&gt;');
  assert.equal(figs[1][1].data[0].name, 'loss&lt;b&gt;');
});

test('line figures refuse values that are not numbers, naming the series and index', () => {
  assert.throws(
    () => lineFigure([{ y: ['1', '2'] as never }]),
    /^ParameterError: series\[0\]\.y\[0\]="1" must be a number \(NaN or null for a gap\)/,
  );
  assert.throws(
    () => lineFigure([{ y: [1, 2] }, { x: [0, true as never], y: [1, 2] }]),
    /series\[1\]\.x\[1\]=true must be a number/,
  );
  // gaps stay allowed
  assert.deepEqual(lineFigure([{ y: [1, Number.NaN, null as never, 3] }]).data[0].y, [1, null, null, 3]);
  assert.throws(
    () => trainingCurves({ loss: 'abc' } as never),
    /^ParameterError: history\.loss="abc" must be an array of numbers/,
  );
  assert.throws(
    () => trainingCurves({ loss: [1, '0.5'] } as never),
    /^ParameterError: history\.loss\[1\]="0\.5" must be a number/,
  );
  assert.throws(
    () => trainingCurves([{ loss: 1 }, { loss: 'x' }] as never),
    /^ParameterError: history\[1\]\.loss="x" must be a number/,
  );
  assert.throws(() => trainingCurves(null as never), /^ParameterError: history=null must be/);
});

test('figure sizes are bounded: width/height above 8192 px refused by name and value, before any pixels are allocated', () => {
  const g = { rows: 4, cols: 5, data: new Float32Array(20) };
  assert.throws(
    () => heatmap(g, { width: 1e5, height: 1e5 }),
    /^ParameterError: width=100000 must be at most 8192 pixels/,
  );
  assert.throws(() => lineFigure([{ y: [1] }], { height: 9000 }), /height=9000 must be at most 8192 pixels/);
  const edited = heatmap(g);
  edited.layout.height = 1e5;
  assert.throws(
    () => renderPng(edited),
    /^ParameterError: fig\.layout\.height=100000 must be a number of pixels in \[1, 8192\]/,
  );
  assert.throws(() => renderPng(heatmap(g), { width: 20000 }), /width=20000 must be at most 8192 pixels/);
  edited.layout.height = 8192;
  edited.layout.width = 300;
  assert.equal(renderRaster(edited).height, 8192);
});

// ---- the real plotly.js ----

const missing = chromiumMissing();
let browser: Browser;
let page: Page;

before(async () => {
  if (missing) return;
  browser = await launchChromium();
  page = await openPlotlyPage(browser, { width: 1400, height: 1000 });
});

after(async () => {
  await browser?.close();
});

/** Axis ranges and the text plotly.js drew (title, axis titles, legend entries, annotations). */
async function render(fig: Figure): Promise<{ axes: Record<string, [number, number]>; texts: string[] }> {
  return (await page.evaluate(async (f: Figure) => {
    document.body.innerHTML = '';
    const gd: any = document.createElement('div');
    document.body.appendChild(gd);
    await (window as any).Plotly.newPlot(gd, f.data, f.layout, { ...f.config, responsive: false });
    const fl = gd._fullLayout;
    const axes: Record<string, unknown> = {};
    for (const k of Object.keys(fl)) {
      const m = /^([xy])axis(\d*)$/.exec(k);
      if (m) axes[`${m[1]}${m[2]}`] = fl[k].range.slice();
    }
    const texts = ['.gtitle', '.xtitle', '.ytitle', '.legendtext', '.annotation-text'].flatMap((sel) =>
      [...gd.querySelectorAll(sel)].map((e: Element) => e.textContent ?? ''),
    );
    return { axes, texts };
  }, fig as never)) as { axes: Record<string, [number, number]>; texts: string[] };
}

function near(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
}

test('chromium line figures: plotly.js shows the PNG ranges, and autoranges the unpinned figure to the same', {
  skip: missing ?? false,
}, async () => {
  const margin = { l: 70, r: 20, t: 48, b: 50 };
  const figs: Record<string, Figure> = {
    line: lineFigure([{ y: [1, 2] }]),
    lines: lineFigure([
      { x: [0.5, 3, 7], y: [-2, 5, 1], name: 'a' },
      { y: [0, 1, 2, 10], name: 'b' },
    ]),
    training: trainingCurves({ loss: [1, 0.5, 0.4], valLoss: [1.1, 0.7, 0.6], acc: [0.5, 0.9, 0.95] }),
    perfectDet: detFigure([0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.3]),
    markers: {
      data: [{ type: 'scatter', mode: 'markers', x: [1, 2, 3], y: [3, 1, 2], marker: { size: 12 } }],
      layout: { width: 500, height: 400, margin },
      config: {},
    },
    defaultMode: {
      data: [{ type: 'scatter', x: [1, 2, 3], y: [3, 1, 2] }],
      layout: { width: 500, height: 400, margin },
      config: {},
    },
    single: {
      data: [{ type: 'scatter', mode: 'markers', x: [1], y: [3] }],
      layout: { width: 500, height: 400, margin },
      config: {},
    },
  };
  for (const [k, fig] of Object.entries(figs)) {
    const shown = await render(fig);
    for (const [id, range] of Object.entries(pngAxisRanges(fig)))
      assert.ok(near(shown.axes[id], range), `${k} ${id}: Plotly ${shown.axes[id]} vs PNG ${range}`);
    // Without the explicit ranges plotly.js autoranges to the same (y of the line figures; the
    // epoch axis is deliberately half an epoch wider than autorange).
    const auto = await render(unpinned(fig));
    for (const [id, range] of Object.entries(pngAxisRanges(unpinned(fig)))) {
      if (k === 'perfectDet' || (k === 'training' && id.startsWith('x'))) continue;
      assert.ok(near(auto.axes[id], range), `${k} ${id} autorange: Plotly ${auto.axes[id]} vs PNG ${range}`);
    }
  }
});

test('chromium: user text in titles, axis titles and legends reads the same in Plotly as in the PNG', {
  skip: missing ?? false,
}, async () => {
  const raw = 'p<0.05 & q>1';
  const fig = lineFigure(
    [
      { y: [1, 2], name: 'x<y>' },
      { y: [2, 1], name: 'a & b' },
    ],
    { title: raw, xTitle: 'a<b>c', yTitle: 'R&D <i>' },
  );
  const { texts } = await render(fig);
  assert.deepEqual(texts.slice(0, 3), [raw, 'a<b>c', 'R&D <i>']);
  assert.deepEqual(texts.slice(3).sort(), ['a & b', 'x<y>']);
  const png = [fig.layout.title?.text, axis(fig, 'xaxis').title?.text, axis(fig, 'yaxis').title?.text].map((s) =>
    stripTags(s ?? '').join(' '),
  );
  assert.deepEqual(png, texts.slice(0, 3));
  const det = await render(detFigure([0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.3]));
  assert.ok(det.texts.includes('EER 0% (drawn at 0.01%)'), det.texts.join(' | '));
});
