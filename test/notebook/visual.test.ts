// What a reader sees: every figure type rendered by plotly.js in headless Chromium, with assertions
// on the rendered layout (axis ranges and pixel extents, colour bars, zero lines, table rows, tick
// labels, hover text) and on agreement with the PNG fallback drawn from the same figure.
// Skips, naming what is missing, without Chromium (CI installs Debian's `chromium`).
// biome-ignore-all lint/suspicious/noExplicitAny: page code reads untyped plotly.js internals (_fullLayout, Fx)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { figureHtml } from '../../src/notebook/bundle';
import { decodeTypedArray } from '../../src/notebook/encode';
import { pngAxisPixels, pngAxisRanges, pngColorbarRanges, pngLegendBox, renderPng } from '../../src/notebook/png';
import { TABLE_METRICS } from '../../src/notebook/table';
import type { Figure } from '../../src/notebook/types';
import { figureCatalog, type CatalogEntry } from '../helpers/figureCatalog';
import { chromiumMissing, launchChromium, openPlotlyPage } from '../helpers/jupyter';

const missing = chromiumMissing();
let browser: Browser;
let page: Page;
let catalog: Record<string, CatalogEntry>;

/** What plotly.js drew, read back from the page. */
interface Rendered {
  width: number;
  height: number;
  axes: Record<string, { range: [number, number]; offset: number; length: number }>;
  colorbars: { left: number; right: number; top: number; bottom: number }[];
  colorRanges: Record<string, [number, number]>;
  zerolines: number;
  xticks: string[];
  tables: { rows: { top: number; bottom: number; text: string }[]; width: number; textWidth: number }[][];
  svgTop: number;
  /** The legend's box, page pixels (null without one). */
  legend: { left: number; right: number; top: number; bottom: number } | null;
  errors: string[];
}

before(async () => {
  if (missing) return;
  catalog = await figureCatalog();
  browser = await launchChromium();
  page = await openPlotlyPage(browser, { width: 1600, height: 1200 });
});

after(async () => {
  await browser?.close();
});

async function render(fig: Figure): Promise<Rendered> {
  return (await page.evaluate(async (f: Figure) => {
    document.body.innerHTML = '';
    const gd = document.createElement('div');
    document.body.appendChild(gd);
    const errors: string[] = [];
    const P = (window as unknown as { Plotly: any }).Plotly;
    try {
      await P.newPlot(gd, f.data, f.layout, { ...f.config, responsive: false });
      if (f.frames) await P.addFrames(gd, f.frames);
    } catch (e) {
      errors.push(String(e));
    }
    const fl = (gd as any)._fullLayout;
    const axes: Record<string, unknown> = {};
    for (const k of Object.keys(fl)) {
      const m = /^([xy])axis(\d*)$/.exec(k);
      if (m) axes[`${m[1]}${m[2]}`] = { range: fl[k].range.slice(), offset: fl[k]._offset, length: fl[k]._length };
    }
    const colorRanges: Record<string, [number, number]> = {};
    for (const k of Object.keys(fl)) if (/^coloraxis\d*$/.test(k)) colorRanges[k] = [fl[k].cmin, fl[k].cmax];
    (gd as any)._fullData.forEach((t: any, i: number) => {
      if (t.type === 'heatmap' && !t.coloraxis) colorRanges[`trace${i}`] = [t.zmin, t.zmax];
    });
    const box = (e: Element) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
    };
    const tables = [...gd.querySelectorAll('g.table')].map((tb) =>
      [...tb.querySelectorAll('g.y-column')].map((col) => {
        const cells = [...col.querySelectorAll('g.column-cell')];
        const texts = cells.map((c) => c.querySelector('text') as SVGTextElement | null);
        return {
          rows: cells.map((c) => ({ ...box(c), text: c.textContent ?? '' })),
          width: Number((col.querySelector('rect.cell-rect') as SVGRectElement | null)?.getAttribute('width') ?? 0),
          textWidth: Math.max(0, ...texts.map((t) => (t ? t.getComputedTextLength() : 0))),
        };
      }),
    );
    return {
      width: fl.width,
      height: fl.height,
      axes,
      colorbars: [...gd.querySelectorAll('g.colorbar')].map((e) => box(e.querySelector('rect.cbbg') ?? e)),
      colorRanges,
      zerolines: [...gd.querySelectorAll('path.xzl, path.yzl')].filter((p) => (p as SVGPathElement).getAttribute('d'))
        .length,
      xticks: [...gd.querySelectorAll('g.xtick text')].map((t) => t.textContent ?? ''),
      tables,
      svgTop: gd.getBoundingClientRect().top,
      legend: gd.querySelector('g.legend')
        ? box(gd.querySelector('g.legend rect.bg') ?? gd.querySelector('g.legend')!)
        : null,
      errors,
    };
  }, fig as never)) as Rendered;
}

function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/** The PNG draws as many colour bars as Plotly, with the same ranges (as a set: order may differ). */
function assertColorbarsAgree(fig: Figure, r: Rendered, label: string): void {
  const png = pngColorbarRanges(fig)
    .map((x) => x.join(','))
    .sort();
  const plotly = Object.values(r.colorRanges)
    .map((x) => x.join(','))
    .sort();
  assert.equal(
    r.colorbars.length,
    png.length,
    `${label}: ${r.colorbars.length} colour bars drawn by Plotly, ${png.length} in the PNG`,
  );
  assert.deepEqual(png, plotly, `${label}: colour bar ranges`);
}

/** Every axis the PNG draws has the same range in the rendered Plotly layout. */
function assertRangesAgree(fig: Figure, r: Rendered, label: string): void {
  const png = pngAxisRanges(fig);
  for (const [id, range] of Object.entries(png)) {
    const got = r.axes[id]?.range;
    assert.ok(got, `${label}: Plotly has axis ${id}`);
    const reversed = range[0] > range[1] !== got[0] > got[1];
    const want = reversed ? [range[1], range[0]] : range;
    assert.ok(
      close(got[0], want[0], 1e-6) && close(got[1], want[1], 1e-6),
      `${label} ${id}: Plotly ${got} vs PNG ${range}`,
    );
  }
}

const skip = missing ?? false;

test('chromium heatmap 129x201 dB: full resolution, one colour bar, axis ranges = cell edges = PNG ranges', {
  skip,
}, async () => {
  const { figure } = catalog.heatmap;
  const r = await render(figure);
  assert.deepEqual(r.errors, []);
  assert.equal((figure.data[0].z as { shape: string }).shape, '129,201');
  assert.equal(r.colorbars.length, 1);
  assertRangesAgree(figure, r, 'heatmap');
  assertColorbarsAgree(figure, r, 'heatmap');
  const x = figure.data[0].x as number[];
  assert.ok(
    close(r.axes.x.range[0], x[0] - (x[1] - x[0]) / 2, 1e-9),
    'x starts half a frame before the first frame centre',
  );
});

test('chromium compareStages pipeline (mixed shapes and units): 4 panels >= 200x150 px, ranges = own data = PNG, 4 colour bars beside their panels', {
  skip,
}, async () => {
  const { figure } = catalog.stages;
  const r = await render(figure);
  assert.deepEqual(r.errors, []);
  assertRangesAgree(figure, r, 'stages');
  assertColorbarsAgree(figure, r, 'stages');
  const panels = ['', '2', '3', '4'];
  for (const s of panels) {
    assert.ok(
      r.axes[`x${s}`].length >= 200 && r.axes[`y${s}`].length >= 150,
      `panel ${s || 1} is ${r.axes[`x${s}`].length}x${r.axes[`y${s}`].length} px`,
    );
  }
  // stft/db in seconds (0..2), resize/normalise in columns (0..64): no panel squashed on another's axis.
  assert.ok(r.axes.x.range[1] < 3 && r.axes.x3.range[1] > 60, `x ranges ${r.axes.x.range} / ${r.axes.x3.range}`);
  assert.equal(r.colorbars.length, 4);
  assert.equal(Object.keys(r.colorRanges).length, 4);
  // Each colour bar lies right of its panel and left of the next panel in the row.
  const bars = [...r.colorbars].sort((a, b) => a.top - b.top || a.left - b.left);
  panels.forEach((s, i) => {
    const right = r.axes[`x${s}`].offset + r.axes[`x${s}`].length;
    assert.ok(bars[i].left >= right - 1, `bar ${i} at ${bars[i].left} starts right of panel end ${right}`);
    if (i % 2 === 0)
      assert.ok(bars[i].right <= r.axes[`x${panels[i + 1]}`].offset, `bar ${i} ends before the next panel`);
  });
  for (const [k, [lo, hi]] of Object.entries(r.colorRanges)) assert.ok(lo < hi, `${k} range ${lo}..${hi}`);
  assert.notDeepEqual(r.colorRanges.coloraxis, r.colorRanges.coloraxis2, 'power and dB have different ranges');
});

test('chromium compareStages morphology (one shape, one unit): axes linked, one colour bar', { skip }, async () => {
  const { figure } = catalog.morphology;
  const r = await render(figure);
  assertRangesAgree(figure, r, 'morphology');
  assertColorbarsAgree(figure, r, 'morphology');
  assert.equal(r.colorbars.length, 1);
  for (const s of ['2', '3', '4', '5']) assert.deepEqual(r.axes[`x${s}`].range, r.axes.x.range);
});

test('chromium difference and saliency: signed maps on ranges symmetric about 0; Grad-CAM from 0 on its own bar', {
  skip,
}, async () => {
  const d = await render(catalog.difference.figure);
  assertRangesAgree(catalog.difference.figure, d, 'difference');
  assertColorbarsAgree(catalog.difference.figure, d, 'difference');
  const [lo, hi] = d.colorRanges.trace0;
  assert.ok(lo < 0 && close(lo, -hi, 1e-9), `difference colour range ${lo}..${hi}`);
  const s = await render(catalog.saliency.figure);
  assertRangesAgree(catalog.saliency.figure, s, 'saliency');
  assertColorbarsAgree(catalog.saliency.figure, s, 'saliency');
  assert.equal(s.colorbars.length, 3);
  const [glo, ghi] = s.colorRanges.coloraxis2;
  assert.ok(glo < 0 && close(glo, -ghi, 1e-9), `gradient × input ${glo}..${ghi}`);
  assert.equal(s.colorRanges.coloraxis3[0], 0);
  assert.deepEqual(s.colorRanges.coloraxis, [0, 1]);
});

test('chromium ROC and DET: ranges agree with the PNG', { skip }, async () => {
  for (const k of ['roc', 'det']) assertRangesAgree(catalog[k].figure, await render(catalog[k].figure), k);
});

test('chromium ablation and paired plots: no zero line drawn, y on the data range, same ranges as the PNG', {
  skip,
}, async () => {
  for (const k of ['ablation', 'paired']) {
    const { figure } = catalog[k];
    const r = await render(figure);
    assert.deepEqual(r.errors, []);
    assert.equal(r.zerolines, 0, `${k}: Plotly zero lines drawn`);
    assertRangesAgree(figure, r, k);
    assert.deepEqual(r.axes.x.range, [-0.5, 15.5 - (k === 'paired' ? 1 : 0)]);
  }
  const r = await render(catalog.ablation.figure);
  assert.ok(r.axes.y.range[0] > 5, `EER axis starts at ${r.axes.y.range[0]}, not forced to 0`);
});

test('chromium ablation plot: the legend sits above the plot area at any width, however it wraps (and in the PNG)', {
  skip,
}, async () => {
  const { figure } = catalog.ablation;
  for (const width of [560, 760, 1000, 1200]) {
    const fig = { ...figure, layout: { ...figure.layout, width } };
    const r = await render(fig);
    assert.deepEqual(r.errors, []);
    assert.ok(r.legend, `width ${width}: no legend drawn`);
    const plotTop = r.svgTop + r.axes.y.offset;
    assert.ok(
      r.legend.bottom <= plotTop + 1,
      `width ${width}: legend bottom ${r.legend.bottom} below plot top ${plotTop}`,
    );
    assert.ok(r.legend.top >= r.svgTop, `width ${width}: legend top ${r.legend.top} above the figure ${r.svgTop}`);
    const png = pngLegendBox(fig);
    assert.ok(png, `width ${width}: no PNG legend`);
    assert.ok(png.bottom <= pngAxisPixels(fig).y[0], `width ${width}: PNG legend over the plot`);
    assert.ok(png.top >= 0, `width ${width}: PNG legend above the image`);
  }
});

test('chromium tables: every row rendered inside the figure, one line each (no wrap), text narrower than its column', {
  skip,
}, async () => {
  for (const k of ['ablationTable', 'perAttackTable']) {
    const { figure } = catalog[k];
    const nRows = (figure.data[0].cells as { values: unknown[][] }).values[0].length;
    const r = await render(figure);
    assert.equal(r.tables.length, 1);
    for (const col of r.tables[0]) {
      // Plotly puts the header as the last column-cell of each column.
      const body = col.rows.filter(
        (row) => row.top >= r.svgTop + TABLE_METRICS.margin.t + TABLE_METRICS.headerHeight - 1,
      );
      assert.equal(body.length, nRows, `${k}: rows rendered in column '${col.rows[col.rows.length - 1]?.text}'`);
      for (const row of body) {
        assert.ok(
          row.bottom <= r.svgTop + r.height - TABLE_METRICS.margin.b + 1,
          `${k}: row '${row.text}' ends at ${row.bottom}, below the figure`,
        );
        assert.ok(
          Math.abs(row.bottom - row.top - TABLE_METRICS.rowHeight) <= 1,
          `${k}: row '${row.text}' is ${row.bottom - row.top} px tall (wrapped)`,
        );
      }
      // Text starts 8 px into its cell (Plotly's padding) and must end inside it.
      assert.ok(
        col.width > 0 && col.textWidth + 8 <= col.width,
        `${k}: text ${col.textWidth} px in a ${col.width} px column`,
      );
    }
  }
});

test('chromium live training chart: x tick labels are whole epochs', { skip }, async () => {
  const r = await render(catalog.training.figure);
  assert.ok(r.xticks.length >= 3);
  for (const t of r.xticks) assert.match(t, /^\d+$/);
});

test('chromium slider: animating to step 3 swaps the heatmap to that step', { skip }, async () => {
  const { figure } = catalog.slider;
  await render(figure);
  const title = await page.evaluate(async () => {
    const gd = document.querySelector('body > div') as any;
    const P = (window as unknown as { Plotly: any }).Plotly;
    await P.animate(gd, ['7'], {
      mode: 'immediate',
      frame: { duration: 0, redraw: true },
      transition: { duration: 0 },
    });
    return [gd.data[0].z.bdata ?? 'typed', gd.layout.title.text];
  });
  assert.match(String(title[1]), /rect 7×7/);
});

test('chromium waveform hover: the label names time (s) and amplitude', { skip }, async () => {
  await render(catalog.waveform.figure);
  const text = await page.evaluate(() => {
    const gd = document.querySelector('body > div') as any;
    (window as any).Plotly.Fx.hover(gd, [{ curveNumber: 0, pointNumber: 400 }]);
    return [...gd.querySelectorAll('g.hovertext')].map((e: Element) => e.textContent).join(' | ');
  });
  assert.match(text, /time \(s\) 0\.05/);
  assert.match(text, /amplitude/);
});

test('chromium figure HTML (the text/html part): 16-bit z expands to the f4 values within the quantisation step; slider frames too', {
  skip,
}, async () => {
  const { figure } = catalog.heatmap;
  const spec = figure.data[0].z as { dtype: 'f4'; bdata: string; shape: string };
  const html = figureHtml(figure, renderPng(figure).toString('base64'), 'fig-under-test');
  assert.match(html, /"specmorph":"u2"/);
  assert.ok(!html.includes(spec.bdata), 'the HTML copy does not carry the f4 bytes');
  await page.setContent(`<!DOCTYPE html><html><body>${html}</body></html>`);
  await page.waitForSelector('#fig-under-test .specmorph-plotly .main-svg');
  const z = (await page.evaluate(
    'Array.from(document.querySelector("#fig-under-test .specmorph-plotly")._fullData[0].z, function (r) { return Array.from(r); })',
  )) as number[][];
  const { values } = decodeTypedArray(spec);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const bound = (hi - lo) / 131068 + 1e-4;
  let worst = 0;
  z.forEach((row, r) => row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - values[r * row.length + c])))));
  assert.equal(z.length * z[0].length, values.length);
  assert.ok(worst <= bound, `worst cell error ${worst} > ${bound}`);
  // Slider: animate to the 7x7 step; its frame's z was expanded as well.
  const slider = catalog.slider.figure;
  await page.setContent(
    `<!DOCTYPE html><html><body>${figureHtml(slider, renderPng(slider).toString('base64'), 'slider-under-test')}</body></html>`,
  );
  await page.waitForSelector('#slider-under-test .specmorph-plotly .main-svg');
  await page.waitForFunction(
    'document.querySelector("#slider-under-test .specmorph-plotly")._transitionData._frames.length === 4',
  );
  const rows = await page.evaluate(`(async function () {
    var gd = document.querySelector('#slider-under-test .specmorph-plotly');
    await Plotly.animate(gd, ['7'], { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } });
    return [gd._fullData[0].z.length, gd.layout.title.text];
  })()`);
  const want = Number((slider.frames![3].data[0].z as { shape: string }).shape.split(',')[0]);
  assert.equal((rows as [number, string])[0], want);
  assert.match((rows as [number, string])[1], /rect 7×7/);
});

test('chromium every cartesian figure: each panel sits where the PNG draws it (pixel extents within 5 px; 16 px beside a vertical legend)', {
  skip,
}, async () => {
  for (const [k, { figure }] of Object.entries(catalog)) {
    if (figure.data.every((t) => t.type === 'table')) continue;
    const r = await render(figure);
    const png = pngAxisPixels(figure);
    // The legend's width comes from each renderer's own font metrics.
    const tol = k === 'training' ? 16 : 5;
    for (const [id, [a, b]] of Object.entries(png)) {
      const got = r.axes[id];
      assert.ok(
        Math.abs(got.offset - a) <= tol && Math.abs(got.offset + got.length - b) <= tol,
        `${k} ${id}: Plotly ${got.offset}..${got.offset + got.length} px, PNG ${a}..${b} px`,
      );
    }
  }
});
