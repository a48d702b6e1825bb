// The real front ends: test/notebook/display.ipynb executed by the tslab kernel (nbconvert), exported
// to HTML by nbconvert and opened in headless Chromium. Skips, naming what is missing, when Jupyter or
// Chromium is absent (CI installs both).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { decodeTypedArray } from '../../src/notebook/encode';
import type { Figure, TypedArraySpec } from '../../src/notebook/types';
import {
  ARTIFACTS,
  buildDist,
  cellSource,
  chromiumMissing,
  executeNotebook,
  exportHtml,
  jupyterMissing,
  launchChromium,
  type Notebook,
  type NotebookOutput,
} from '../helpers/jupyter';

const NOTEBOOK = join(__dirname, 'display.ipynb');
const REQUIRE_JS = '/usr/share/javascript/requirejs/require.js';
const FOUR = ['application/vnd.plotly.v1+json', 'image/png', 'text/html', 'text/plain'];
const noJupyter = jupyterMissing();
const noChromium = noJupyter ?? chromiumMissing();

let nb: Notebook;
let htmlPath: string;

before(() => {
  if (noJupyter) return;
  buildDist(); // the notebook imports ../../dist: it must be today's src
  const run = executeNotebook(NOTEBOOK);
  nb = run.nb;
  htmlPath = exportHtml(run.path);
});

function outputsOf(marker: string): NotebookOutput[] {
  const cell = nb.cells.find((c) => c.cell_type === 'code' && cellSource(c).includes(marker));
  assert.ok(cell, `cell containing ${marker}`);
  return cell.outputs ?? [];
}

const isLoader = (o: NotebookOutput): boolean => String(o.data?.['text/html'] ?? '').includes('embedded by specmorph');

test('tslab kernel runs display.ipynb with no error output', { skip: noJupyter ?? false }, () => {
  for (const c of nb.cells)
    for (const o of c.outputs ?? []) assert.notEqual(o.output_type, 'error', `${o.ename}: ${o.evalue}`);
});

test('tslab: show(heatmap) gives ONE display_data with all four MIME types; plotly.js once per notebook', {
  skip: noJupyter ?? false,
}, (t) => {
  const outs = outputsOf('sm.heatmap(spec').filter((o) => !isLoader(o));
  assert.equal(outs.length, 1, JSON.stringify(outs.map((o) => o.output_type)));
  assert.equal(outs[0].output_type, 'display_data');
  assert.deepEqual(Object.keys(outs[0].data ?? {}).sort(), FOUR);
  const loaders = nb.cells.flatMap((c) => c.outputs ?? []).filter(isLoader);
  assert.equal(loaders.length, 1, 'plotly.js embedded exactly once');
  const d = outs[0].data as Record<string, unknown>;
  const sizes = {
    'application/vnd.plotly.v1+json': Buffer.byteLength(JSON.stringify(d['application/vnd.plotly.v1+json'])),
    'text/html': Buffer.byteLength(String(d['text/html'])),
    'image/png': Buffer.byteLength(String(d['image/png'])),
    'text/plain': Buffer.byteLength(String(d['text/plain'])),
  };
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  t.diagnostic(
    `heatmap output sizes in the saved notebook: ${JSON.stringify(sizes)}, total ${total} B; plotly.js loader ${Buffer.byteLength(String(loaders[0].data?.['text/html']))} B (once)`,
  );
  assert.ok(total <= 400 * 1024, `heatmap MIME parts total ${total} B > 400 KB`);
  for (const marker of [
    'sm.compareStages(',
    'sm.difference(',
    'sm.footprintFigure({ rows: 3',
    'sm.rocFigure(',
    'sm.sliderFigure(',
    'sm.resultsTable(',
  ]) {
    const figs = outputsOf(marker).filter((o) => !isLoader(o) && o.output_type === 'display_data');
    assert.equal(figs.length, 1, marker);
    assert.deepEqual(Object.keys(figs[0].data ?? {}).sort(), FOUR, marker);
  }
});

test('tslab: progress and liveChart each leave ONE output updated in place to the final state', {
  skip: noJupyter ?? false,
}, () => {
  const bar = outputsOf('sm.progress(').filter((o) => o.output_type === 'display_data');
  assert.equal(bar.length, 1);
  assert.match(String(bar[0].data?.['text/plain']), /100% 5\/5 finished$/);
  const chart = outputsOf('sm.liveChart(').filter((o) => o.output_type === 'display_data');
  assert.equal(chart.length, 1);
  assert.deepEqual(Object.keys(chart[0].data ?? {}).sort(), FOUR);
  const fig = chart[0].data?.['application/vnd.plotly.v1+json'] as Figure;
  assert.deepEqual(
    fig.data.map((tr) => tr.y),
    [
      [0.9, 0.6, 0.45],
      [0.55, 0.7, 0.8],
    ],
  );
  const audio = outputsOf('sm.listen(').filter((o) => o.output_type === 'display_data');
  assert.equal(audio.length, 1);
  assert.match(String(audio[0].data?.['text/html']), /<audio controls[^>]+src="data:audio\/wav;base64,UklGR/);
});

test('Chromium: exported notebook draws the Plotly heatmap from the f4 typed array, no page errors, under an AMD define', {
  skip: noChromium ?? false,
  timeout: 180_000,
}, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // The classic Notebook loads require.js, whose global AMD `define` captures UMD bundles that test
    // for it. Load the real require.js (Debian's libjs-requirejs, a jupyter-notebook dependency) before
    // the page, or a stand-in `define` when it is absent, and check plotly.js still lands on window.Plotly.
    // (Strings, not functions: tsx would add helpers the page does not have.)
    // Init scripts may run wrapped in a function, so require.js's top-level vars are published by hand.
    const requireJs = existsSync(REQUIRE_JS)
      ? `${readFileSync(REQUIRE_JS, 'utf8')}\n;window.requirejs = requirejs; window.require = require; window.define = define;`
      : 'window.define = function () {}; window.define.amd = { jQuery: true };';
    await page.addInitScript(
      `${requireJs}\n;(function (d) { window.define = function () { window.__amdCalled = true; return d.apply(this, arguments); }; window.define.amd = d.amd; })(window.define);`,
    );
    await page.goto(`file://${htmlPath}`);
    await page.waitForSelector('.specmorph-plotly .heatmaplayer image', { timeout: 120_000 });
    await page.waitForFunction(() => document.querySelectorAll('img.specmorph-png').length === 0, undefined, {
      timeout: 60_000,
    });
    const state = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const gd = document.querySelector('.specmorph-plotly') as unknown as { _fullData: { z: ArrayLike<number>[] }[] };
      const z = gd._fullData[0].z;
      let sum = 0;
      let n = 0;
      for (const row of z) for (let i = 0; i < row.length; i++) if (Number.isFinite(row[i])) (sum += row[i]), n++;
      return {
        plotly: typeof w.Plotly,
        amd: w.__amdCalled === true,
        requirejs: typeof w.requirejs,
        plots: document.querySelectorAll('.specmorph-plotly').length,
        rows: z.length,
        cols: z[0].length,
        sum,
        n,
      };
    });
    assert.equal(state.plotly, 'object');
    assert.equal(state.amd, false, 'plotly.js must not go through an AMD define');
    assert.equal(state.requirejs, existsSync(REQUIRE_JS) ? 'function' : 'undefined');
    assert.equal(
      state.plots,
      8,
      'eight interactive figures (heatmap, stages, difference, footprint, chart, ROC, slider, table)',
    );
    const spec = (
      outputsOf('sm.heatmap(spec').filter((o) => !isLoader(o))[0].data!['application/vnd.plotly.v1+json'] as Figure
    ).data[0].z as TypedArraySpec;
    const { values, shape } = decodeTypedArray(spec);
    assert.deepEqual([state.rows, state.cols], shape);
    let sum = 0;
    let n = 0;
    for (const v of values) if (Number.isFinite(v)) (sum += v), n++;
    assert.equal(state.n, n);
    // The HTML copy carries 16-bit codes (compactZ): each cell within (max - min) / 131068.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const bound = n * ((hi - lo) / 131068) + 1e-6 * Math.abs(sum);
    assert.ok(Math.abs(state.sum - sum) <= bound, `plotly.js decoded sum ${state.sum} vs ${sum} (bound ${bound})`);
    // The slider figure: animating to the frame '5' swaps in its 5x5 typed-array z.
    const slid = await page.evaluate(async () => {
      const w = window as unknown as {
        Plotly: { animate(gd: unknown, frames: string[], opts: unknown): Promise<unknown> };
      };
      const gd = [...document.querySelectorAll('.specmorph-plotly')].find(
        (el) => (el as unknown as { layout: { sliders?: unknown[] } }).layout.sliders,
      ) as unknown as { _fullData: { z: ArrayLike<number>[] }[] };
      const before = [gd._fullData[0].z.length, gd._fullData[0].z[0].length];
      await w.Plotly.animate(gd, ['5'], {
        mode: 'immediate',
        frame: { duration: 0, redraw: true },
        transition: { duration: 0 },
      });
      return { before, after: [gd._fullData[0].z.length, gd._fullData[0].z[0].length] };
    });
    assert.deepEqual(slid, { before: [1, 1], after: [5, 5] });
    assert.deepEqual(errors, []);
    await page
      .locator('.specmorph-figure')
      .first()
      .screenshot({ path: join(ARTIFACTS, 'chromium-heatmap.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'chromium-notebook.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('Chromium with JavaScript disabled: the PNG <img> is what shows', {
  skip: noChromium ?? false,
  timeout: 120_000,
}, async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await page.goto(`file://${htmlPath}`);
    const img = page.locator('.specmorph-figure img.specmorph-png').first();
    await img.waitFor({ state: 'visible', timeout: 60_000 });
    const box = await img.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 150, `img box ${JSON.stringify(box)}`);
    assert.equal(await page.locator('.specmorph-plotly').count(), 0);
    assert.equal(await page.locator('img.specmorph-png').count(), 8);
    await img.screenshot({ path: join(ARTIFACTS, 'chromium-nojs-heatmap.png') });
  } finally {
    await browser.close();
  }
});
