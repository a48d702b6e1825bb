// The ablation figures and tables show what the numbers say, the same way in Plotly and the PNG.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { hasGlyph } from '../../src/notebook/font';
import { renderPng, renderRaster } from '../../src/notebook/png';
import { resultsTable, TABLE_METRICS } from '../../src/notebook/table';
import type { Axis } from '../../src/notebook/types';
import { conclusion } from '../../src/report/conclusion';
import { ablationFigure, ablationRows, pairedFigure, perAttackRows } from '../../src/report/figures';
import { ablationTableFigure, reportHtml, reportTiming } from '../../src/report/html';
import { syntheticAblation } from '../helpers/syntheticAblation';

const r = syntheticAblation();

test('ablationFigure 16 arms: no x zero line, y range = padded span of every plotted EER (not forced to 0)', () => {
  const fig = ablationFigure(r);
  const x = fig.layout.xaxis as Axis;
  const y = fig.layout.yaxis as Axis;
  assert.equal(x.zeroline, false);
  assert.equal(y.rangemode, undefined);
  const ys = fig.data.flatMap((t) => (t.y as (number | null)[]).filter((v): v is number => v !== null));
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  assert.ok(lo > 5, 'the synthetic EERs are far from 0, where tozero squashed them');
  const [a, b] = y.range as [number, number];
  assert.ok(
    Math.abs(a - (lo - 0.08 * (hi - lo))) < 1e-9 && Math.abs(b - (hi + 0.08 * (hi - lo))) < 1e-9,
    `range ${a}..${b} for data ${lo}..${hi}`,
  );
});

test('pairedFigure: y range holds 0 and every difference, no zero lines of Plotly (the dashed trace marks 0)', () => {
  const fig = pairedFigure(r);
  const y = fig.layout.yaxis as Axis;
  assert.equal((fig.layout.xaxis as Axis).zeroline, false);
  assert.equal(y.zeroline, false);
  const ys = fig.data.flatMap((t) => (t.y as (number | null)[]).filter((v): v is number => v !== null));
  const [a, b] = y.range as [number, number];
  assert.ok(a < Math.min(0, ...ys) && b > Math.max(0, ...ys));
});

test('ablation table (16 arms): figure tall enough for header + 16 rows, columns wide enough for the longest entry', () => {
  const fig = ablationTableFigure(r);
  const t = fig.data[0];
  const m = TABLE_METRICS;
  const rows = ablationRows(r);
  assert.equal(fig.layout.height, m.margin.t + m.margin.b + m.headerHeight + rows.length * m.rowHeight + 6);
  assert.equal((t.cells as { height: number }).height, m.rowHeight);
  const widths = t.columnwidth as number[];
  const cols = Object.keys(rows[0]);
  cols.forEach((c, j) => {
    const longest = Math.max(c.length, ...rows.map((row) => String(row[c]).length));
    assert.ok(widths[j] >= longest * m.charWidth, `column ${c}: ${widths[j]} px for ${longest} characters`);
  });
  assert.ok((fig.layout.width as number) >= widths.reduce((a, b) => a + b, 0) + m.margin.l + m.margin.r);
});

test('ablation table PNG: the last (16th) row is drawn (its stripe colour) inside the image', () => {
  const fig = ablationTableFigure(r);
  const png = PNG.sync.read(renderPng(fig));
  const m = TABLE_METRICS;
  const n = ablationRows(r).length;
  const lastRowMid = m.margin.t + m.headerHeight + (n - 1) * m.rowHeight + m.rowHeight / 2;
  assert.ok(lastRowMid < png.height - m.margin.b);
  // Row n-1 (odd index) is striped #ebf0f8; look at its left padding.
  const i = (Math.round(lastRowMid) * png.width + m.margin.l + 3) * 4;
  assert.deepEqual([png.data[i], png.data[i + 1], png.data[i + 2]], n % 2 === 0 ? [235, 240, 248] : [255, 255, 255]);
});

test('bitmap font has every character the report tables, conclusion and figure titles use', () => {
  const texts = [
    ...ablationRows(r).flatMap((row) => [...Object.keys(row), ...Object.values(row).map(String)]),
    ...perAttackRows(r).flatMap((row) => [...Object.keys(row), ...Object.values(row).map(String)]),
    conclusion(r),
    String(ablationFigure(r).layout.title?.text),
    String(pairedFigure(r).layout.title?.text),
    ...[ablationFigure(r), pairedFigure(r)].flatMap((f) => [
      String((f.layout.xaxis as Axis).title?.text),
      String((f.layout.yaxis as Axis).title?.text),
      ...((f.layout.xaxis as Axis).ticktext ?? []),
    ]),
  ];
  const missing = [...new Set(texts.join('').replace(/[\n*]/g, ''))].filter((ch) => !hasGlyph(ch));
  assert.deepEqual(missing, []);
});

test('resultsTable of 40 rows keeps all 40 (no 900 px cap); PNG height equals the layout height', () => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ attack: `attack-system-with-a-long-name-${i}`, eer: i / 3 }));
  const fig = resultsTable(rows);
  assert.equal(
    fig.layout.height,
    TABLE_METRICS.margin.t + TABLE_METRICS.margin.b + TABLE_METRICS.headerHeight + 40 * TABLE_METRICS.rowHeight + 6,
  );
  assert.equal(renderRaster(fig).height, fig.layout.height);
});

test('report timing: report.html states the same total as the timing object summary.json holds, and counts cached runs', () => {
  const cached = structuredClone(r);
  cached.arms.forEach((a, i) => a.runs.forEach((run) => (run.cached = i < 4)));
  cached.seconds = { features: 3, training: 100, total: 25 };
  const timing = reportTiming(cached, 240.2, 764.4);
  const runsCached = cached.arms.slice(0, 4).reduce((n, a) => n + a.runs.length, 0);
  const runsTrained = cached.arms.slice(4).reduce((n, a) => n + a.runs.length, 0);
  assert.ok(runsCached > 0 && runsTrained > 0);
  assert.deepEqual(timing, { features: 3, training: 100, runsTrained, runsCached, notebooks: 240.2, total: 764.4 });
  const html = reportHtml(cached, { timing });
  assert.ok(
    html.includes(
      `total 764 s: features 3 s, training 100 s (${runsTrained} runs trained, ${runsCached} read from the run cache), notebooks 240 s`,
    ),
  );
  assert.doesNotMatch(html, /total 25 s/);
});
