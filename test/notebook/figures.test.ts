import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Grid, Spectrogram } from '../../src/grid/grid';
import { colorAt, plotlyColorScale } from '../../src/notebook/colormap';
import { compareStages } from '../../src/notebook/compare';
import { detFigure, lineFigure, probit, rocFigure, trainingCurves } from '../../src/notebook/curves';
import { computeEer } from '../../src/metrics/detection';
import { decimate } from '../../src/notebook/decimate';
import { decodeTypedArray } from '../../src/notebook/encode';
import { footprintFigure } from '../../src/notebook/footprint';
import { difference, heatmap } from '../../src/notebook/heatmap';
import { renderPng } from '../../src/notebook/png';
import { sliderFigure } from '../../src/notebook/slider';
import { resultsTable } from '../../src/notebook/table';
import { hzToMel } from '../../src/spectral/mel';
import type { Axis, Trace, TypedArraySpec } from '../../src/notebook/types';
import { Random } from '../../src/random';

const fixtures = join(__dirname, '..', 'fixtures');

function spectrogram(rows: number, cols: number, seed = 1, scale: Spectrogram['scale'] = 'linear'): Spectrogram {
  const rng = new Random(seed);
  return {
    rows,
    cols,
    data: Float32Array.from({ length: rows * cols }, () => -80 * rng.next()),
    sampleRate: 16000,
    hopLength: 160,
    frequencies: Float64Array.from({ length: rows }, (_, r) =>
      scale === 'mel' ? 700 * (10 ** ((r * 2840) / (rows - 1) / 2595) - 1) : (r * 8000) / (rows - 1),
    ),
    times: Float64Array.from({ length: cols }, (_, c) => (c * 160) / 16000),
    scale,
    unit: 'dB',
  };
}

test('colour maps: 52 stops interpolate matplotlib 3.6 viridis/magma/gray within 1/255 and RdBu_r within 3/255', () => {
  const ref = JSON.parse(readFileSync(join(fixtures, 'colormaps.json'), 'utf8')) as {
    tables: Record<string, number[][]>;
  };
  for (const name of ['viridis', 'magma', 'greys', 'diverging'] as const) {
    let worst = 0;
    ref.tables[name].forEach((want, i) => {
      const got = colorAt(name, i / 255);
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]));
    });
    // RdBu's segments bend between our stops (it is an 11-colour ramp), hence its looser bound.
    assert.ok(worst <= (name === 'diverging' ? 3 : 1), `${name}: max channel error ${worst}`);
  }
});

test('heatmap 257x1001 dB spectrogram default: mean-pooled 2x5 to 129x201, f4 z equals decimate, axes in s and Hz, colorbar dB', () => {
  const s = spectrogram(257, 1001);
  const fig = heatmap(s);
  const t = fig.data[0];
  assert.equal(t.type, 'heatmap');
  const z = t.z as TypedArraySpec;
  assert.equal(z.dtype, 'f4');
  assert.equal(z.shape, '129,201');
  const want = decimate(s, {}, s.frequencies, s.times);
  assert.deepEqual(Float32Array.from(decodeTypedArray(z).values), want.grid.data);
  // Pooled axes carry the block edges (n + 1 values): 0.05 s blocks of 5 frames, half a frame
  // before the first frame centre to half a frame after the last, as the full grid spans.
  assert.deepEqual(
    t.x,
    Array.from({ length: 202 }, (_, i) => Math.round((Math.min(1001, 5 * i) * 0.01 - 0.005) * 1e6) / 1e6),
  );
  assert.equal((t.y as number[]).length, 130);
  assert.equal((t.y as number[])[129], 8000 + 15.625);
  assert.match(String(fig.layout.title?.text), /mean-pooled 2×5 for display: 257×1001 → 129×201 cells/);
  assert.deepEqual(t.colorbar, { title: { text: 'dB' } });
  assert.equal((fig.layout.xaxis as Axis).title?.text, 'Time (s)');
  assert.equal((fig.layout.yaxis as Axis).title?.text, 'Frequency (Hz)');
  // The colour range is the source's, not the pooled grid's: pooling never changes the colours.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.equal(t.zmin, lo);
  assert.equal(t.zmax, hi);
  assert.deepEqual(t.colorscale, plotlyColorScale('viridis'));
});

test('heatmap fullResolution=true sends all 257x1001 cells and no pooling note', () => {
  const s = spectrogram(257, 1001);
  const fig = heatmap(s, { fullResolution: true, pooling: 'mean' });
  assert.equal((fig.data[0].z as TypedArraySpec).shape, '257,1001');
  assert.deepEqual(Float32Array.from(decodeTypedArray(fig.data[0].z as TypedArraySpec).values), s.data);
  assert.doesNotMatch(String(fig.layout.title?.text), /pooled/);
});

test('heatmap pooling=mean says mean-pooled in the title', () => {
  assert.match(
    String(heatmap(spectrogram(64, 600), { pooling: 'mean', maxCols: 300 }).layout.title?.text),
    /mean-pooled 1×2/,
  );
});

test('heatmap mel spectrogram yScale=mel (default): y in mel, ticks labelled in Hz at their mel positions', () => {
  const s = spectrogram(40, 50, 2, 'mel');
  const fig = heatmap(s);
  const y = fig.data[0].y as number[];
  y.forEach((v, r) => assert.ok(Math.abs(v - hzToMel(s.frequencies[r])) < 1e-5));
  const ax = fig.layout.yaxis as Axis;
  const hz = (ax.ticktext as string[]).map((l) => (l.endsWith('k') ? Number(l.slice(0, -1)) * 1000 : Number(l)));
  (ax.tickvals as number[]).forEach((v, i) => assert.ok(Math.abs(v - hzToMel(hz[i])) < 1e-9));
  assert.ok(hz.includes(1000) && hz.includes(4000));
});

test('heatmap yScale=log: y = log10 Hz, the 0 Hz row half a bin below the first', () => {
  const s = spectrogram(9, 4);
  const y = heatmap(s, { yScale: 'log' }).data[0].y as number[];
  assert.ok(Math.abs(y[1] - Math.log10(1000)) < 1e-6);
  assert.ok(Math.abs(y[0] - Math.log10(500)) < 1e-6);
});

test('heatmap of a plain Grid: band axis; yAxis=hz, colorScale=jet and zmin>=zmax throw with the value', () => {
  const g: Grid = { rows: 3, cols: 4, data: new Float32Array(12).map((_, i) => i) };
  const fig = heatmap(g, { colorScale: 'magma', zmin: 0, zmax: 20 });
  assert.equal((fig.layout.yaxis as Axis).title?.text, 'Row');
  assert.equal(fig.data[0].zmax, 20);
  assert.throws(() => heatmap(g, { yAxis: 'hz' }), /yAxis='hz' needs a Spectrogram/);
  assert.throws(
    () => heatmap(g, { colorScale: 'jet' as 'viridis' }),
    /colorScale="jet" must be one of viridis, magma, greys, diverging/,
  );
  assert.throws(() => heatmap(g, { zmin: 3, zmax: 3 }), /zmin=3 must be below zmax=3/);
  assert.throws(
    () => heatmap({ rows: 2, cols: 2, data: new Float32Array(3) }),
    /grid.data.length=3 must equal rows\*cols=4/,
  );
});

test('difference a-b: diverging scale symmetric about 0, values a-b, Δ unit; shapes must match', () => {
  const a = spectrogram(10, 12, 1);
  const b = spectrogram(10, 12, 2);
  const fig = difference(a, b);
  const z = decodeTypedArray(fig.data[0].z as TypedArraySpec).values;
  z.forEach((v, i) => assert.equal(v, Math.fround(a.data[i] - b.data[i])));
  assert.equal(fig.data[0].zmin, -(fig.data[0].zmax as number));
  assert.deepEqual(fig.data[0].colorscale, plotlyColorScale('diverging'));
  assert.deepEqual(fig.data[0].colorbar, { title: { text: 'Δ dB' } });
  assert.throws(() => difference(a, spectrogram(10, 11)), /a is 10x12 but b is 10x11/);
});

test('compareStages 3 stages columns=2: one shared coloraxis over all stages, matched axes, titled subplots', () => {
  const s1 = spectrogram(20, 30, 1);
  const s2 = { ...s1, data: s1.data.map((v) => v + 50) };
  const fig = compareStages({ input: s1, shifted: s2, again: s1 });
  assert.equal(fig.data.length, 3);
  fig.data.forEach((t, i) => {
    assert.equal(t.coloraxis, 'coloraxis');
    assert.equal(t.colorscale, undefined);
    assert.equal(t.xaxis, i === 0 ? 'x' : `x${i + 1}`);
  });
  const ca = fig.layout.coloraxis as { cmin: number; cmax: number; colorbar: unknown };
  assert.equal(ca.cmin, Math.min(...s1.data));
  assert.equal(ca.cmax, Math.max(...s2.data));
  assert.equal((fig.layout.xaxis3 as Axis).matches, 'x');
  assert.equal((fig.layout.yaxis2 as Axis).matches, 'y');
  assert.deepEqual(
    (fig.layout.annotations as { text: string }[]).map((a) => a.text),
    ['<b>input</b><br>20×30', '<b>shifted</b><br>20×30', '<b>again</b><br>20×30'],
  );
  assert.deepEqual((fig.layout.xaxis3 as Axis).domain, (fig.layout.xaxis as Axis).domain);
});

test('footprintFigure accepts {rows, cols, mask}, {rows, cols, data} and nested rows alike', () => {
  const mask = [0, 1, 0, 1, 1, 1, 0, 1, 0];
  const a = footprintFigure({ rows: 3, cols: 3, mask });
  const b = footprintFigure({ rows: 3, cols: 3, data: Float32Array.from(mask) });
  const c = footprintFigure([
    [false, true, false],
    [true, true, true],
    [false, true, false],
  ]);
  for (const f of [a, b, c]) assert.deepEqual(Array.from(decodeTypedArray(f.data[0].z as TypedArraySpec).values), mask);
  assert.deepEqual(a.data[0].x, [-1, 0, 1]);
  assert.match(String(a.layout.title?.text), /3×3 \(5 members\)/);
  assert.throws(() => footprintFigure({ rows: 2, cols: 2, mask: [1, 1, 1] }), /length rows\*cols=4, got 3/);
});

test('sliderFigure over footprint size 1,3,5: frames per value, animate steps, first step shown', () => {
  const fig = sliderFigure([1, 3, 5], (k) => footprintFigure({ rows: k, cols: k, mask: new Array(k * k).fill(1) }), {
    label: 'size',
  });
  assert.deepEqual(
    fig.frames?.map((f) => f.name),
    ['1', '3', '5'],
  );
  const slider = (
    fig.layout.sliders as {
      steps: { label: string; method: string; args: unknown[] }[];
      currentvalue: { prefix: string };
    }[]
  )[0];
  assert.deepEqual(
    slider.steps.map((s) => [s.label, s.method, (s.args[0] as string[])[0]]),
    [
      ['1', 'animate', '1'],
      ['3', 'animate', '3'],
      ['5', 'animate', '5'],
    ],
  );
  assert.equal(slider.currentvalue.prefix, 'size = ');
  assert.equal((fig.data[0].z as TypedArraySpec).shape, '1,1');
  assert.equal((fig.frames![2].data[0].z as TypedArraySpec).shape, '5,5');
});

test('probit matches scipy.stats.norm.ppf within 1e-8 relative', () => {
  const ref = JSON.parse(readFileSync(join(fixtures, 'notebook.json'), 'utf8')) as {
    probit: { p: number[]; ppf: number[] };
  };
  ref.probit.p.forEach((p, i) =>
    assert.ok(Math.abs(probit(p) - ref.probit.ppf[i]) <= 1e-8 * Math.max(1, Math.abs(ref.probit.ppf[i])), `p=${p}`),
  );
});

test('rocFigure and detFigure mark the EER point on the curve', () => {
  const bona = [2, 3, 1.5, 2.5, 0.2, 4, 3.3];
  const spoof = [0, 1, -1, 0.5, 2.2, -0.3];
  const { eer } = computeEer(bona, spoof);
  const roc = rocFigure(bona, spoof);
  assert.deepEqual([roc.data[2].x, roc.data[2].y], [[eer], [1 - eer]]);
  assert.match(String(roc.layout.title?.text), new RegExp(`EER ${Number((eer * 100).toFixed(2))}%`));
  const det = detFigure(bona, spoof);
  assert.deepEqual(det.data[1].x, [probit(eer)]);
  assert.throws(() => rocFigure([], [1]), /bonafide is empty/);
  assert.throws(() => detFigure([1], [NaN]), /spoof\[0\]=NaN must be a finite number/);
});

test('trainingCurves {loss, valLoss, acc}: losses left, accuracy on the right subplot, epochs from 1', () => {
  const fig = trainingCurves({ loss: [1, 0.5], valLoss: [1.2, 0.7], acc: [0.6, 0.8] });
  assert.deepEqual(
    fig.data.map((t) => [t.name, t.xaxis ?? 'x']),
    [
      ['loss', 'x'],
      ['valLoss', 'x'],
      ['acc', 'x2'],
    ],
  );
  assert.deepEqual(fig.data[0].x, [1, 2]);
  const perEpoch = trainingCurves([
    { epoch: 3, loss: 1 },
    { epoch: 4, loss: 0.5 },
  ]);
  assert.deepEqual(perEpoch.data[0].x, [3, 4]);
});

test('resultsTable formats numbers to 4 significant digits, columns in first-seen order', () => {
  const fig = resultsTable([
    { model: 'a', eer: 0.0312345 },
    { model: 'b', eer: 0.05, n: 3 },
  ]);
  const t = fig.data[0] as Trace & { header: { values: string[] }; cells: { values: string[][] } };
  assert.deepEqual(t.header.values, ['<b>model</b>', '<b>eer</b>', '<b>n</b>']);
  assert.deepEqual(t.cells.values, [
    ['a', 'b'],
    ['0.03123', '0.05'],
    ['', '3'],
  ]);
});

test('heatmap zEncoding=array: nested rows that read back as the same float32 values, NaN as null', () => {
  const s = spectrogram(7, 9, 4);
  s.data[3] = NaN;
  const fig = heatmap(s, { zEncoding: 'array' });
  const z = fig.data[0].z as (number | null)[][];
  assert.equal(z.length, 7);
  z.forEach((row, r) =>
    row.forEach((v, c) =>
      r * 9 + c === 3 ? assert.equal(v, null) : assert.equal(Math.fround(v as number), s.data[r * 9 + c]),
    ),
  );
  assert.throws(() => heatmap(s, { zEncoding: 'f2' as 'f4' }), /zEncoding="f2"/);
});

test('trainingCurves 2 epochs: integer epoch ticks only (no 0.5), range half an epoch either side', () => {
  const fig = trainingCurves({ loss: [0.7, 0.5], acc: [0.6, 0.7] });
  for (const k of ['xaxis', 'xaxis2']) {
    const ax = fig.layout[k] as Axis;
    assert.deepEqual(ax.tickvals, [1, 2], k);
    assert.deepEqual(ax.range, [0.5, 2.5], k);
  }
  assert.deepEqual(
    (trainingCurves({ loss: Array.from({ length: 12 }, () => 1) }).layout.xaxis as Axis).tickvals,
    [2, 4, 6, 8, 10, 12],
  );
});

test('lineFigure hover names both axes by their titles (waveform: time (s), amplitude)', () => {
  const fig = lineFigure([{ name: 'waveform', x: [0, 0.1], y: [0.5, -0.5] }], {
    xTitle: 'time (s)',
    yTitle: 'amplitude',
  });
  assert.equal(fig.data[0].hovertemplate, 'time (s) %{x:.4~g}<br>amplitude %{y:.4~g}<extra>waveform</extra>');
});

test('lineFigure of a 16000-sample waveform: x and y as f4 typed arrays (values kept), short or gapped series as JSON', () => {
  const y = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 9) * 0.4);
  const t = Float64Array.from(y, (_, i) => i / 8000);
  const fig = lineFigure([{ name: 'waveform', x: t, y }]);
  const tr = fig.data[0];
  assert.deepEqual(Float32Array.from(decodeTypedArray(tr.y as TypedArraySpec).values), y);
  assert.deepEqual(Float32Array.from(decodeTypedArray(tr.x as TypedArraySpec).values), Float32Array.from(t));
  assert.ok(JSON.stringify(fig).length < 200_000, `${JSON.stringify(fig).length} bytes`);
  const gapped = lineFigure([{ y: Float32Array.from({ length: 2000 }, (_, i) => (i === 7 ? NaN : i)) }]);
  assert.equal((gapped.data[0].y as (number | null)[])[7], null);
});

test('heatmap and difference refuse unknown options, naming the near miss', () => {
  const g: Grid = { rows: 1, cols: 2, data: new Float32Array([1, 2]) };
  assert.throws(
    () => heatmap(g, { colorscale: 'magma' } as never),
    /^ParameterError: heatmap: unknown option colorscale; did you mean colorScale\? \(options: title, yAxis, yScale, colorScale, zmin, zmax, unit, maxRows, maxCols, maxCells, pooling, fullResolution, zEncoding, width, height\)$/,
  );
  assert.throws(
    () => difference(g, g, { zMin: 0 } as never),
    /^ParameterError: difference: unknown option zMin; did you mean zmin\?/,
  );
});

test('heatmap options of the wrong type or size are ParameterErrors naming them, not TypeErrors or broken layouts', () => {
  const g: Grid = { rows: 1, cols: 2, data: new Float32Array([1, 2]) };
  assert.throws(() => heatmap(g, { title: 5 as never }), /^ParameterError: title=5 must be a string$/);
  assert.throws(() => heatmap(g, { unit: 5 as never }), /^ParameterError: unit=5 must be a string$/);
  assert.throws(() => heatmap(g, { width: -5 }), /^ParameterError: width=-5 must be a finite number > 0 \(pixels\)$/);
  assert.throws(() => heatmap(g, { height: 0 }), /^ParameterError: height=0 must be a finite number > 0 \(pixels\)$/);
  assert.throws(
    () => heatmap(g, { width: '760' as never }),
    /^ParameterError: width="760" must be a finite number > 0 \(pixels\)$/,
  );
  assert.throws(() => heatmap(g, { width: Infinity }), /^ParameterError: width=Infinity must be a finite number > 0/);
  assert.throws(
    () => heatmap(g, { fullResolution: 'no' as never }),
    /^ParameterError: fullResolution="no" must be a boolean$/,
  );
  assert.throws(() => heatmap(g, { zmin: '0' as never }), /^ParameterError: zmin="0" must be a finite number$/);
  const f = heatmap(g, { width: 500, height: 300, fullResolution: false, title: 'x' });
  assert.deepEqual([f.layout.width, f.layout.height], [500, 300]);
});

test('line figures check their series and options: data arrays, string titles, sizes, known names', () => {
  assert.throws(
    () => lineFigure([{ y: 5 as never }]),
    /^ParameterError: series\[0\]\.y=5 must be an array of numbers$/,
  );
  assert.throws(
    () => lineFigure([{ y: [1], x: 'abc' as never }]),
    /^ParameterError: series\[0\]\.x="abc" must be an array of numbers$/,
  );
  assert.throws(
    () => lineFigure([{ y: [1], name: 3 as never }]),
    /^ParameterError: series\[0\]\.name=3 must be a string$/,
  );
  assert.throws(
    () => lineFigure([{ ys: [1] } as never]),
    /^ParameterError: lineFigure: series\[0\]: unknown option ys; did you mean y\?/,
  );
  assert.throws(
    () => lineFigure({ y: [1] } as never),
    /^ParameterError: series=\{"y":\[1\]\} must be an array of lines/,
  );
  assert.throws(
    () => lineFigure([{ y: [1] }], { xtitle: 'x' } as never),
    /^ParameterError: lineFigure: unknown option xtitle; did you mean xTitle\? \(options: title, xTitle, yTitle, width, height\)$/,
  );
  assert.throws(
    () => lineFigure([{ y: [1] }], { height: 0 }),
    /^ParameterError: height=0 must be a finite number > 0 \(pixels\)$/,
  );
  assert.throws(
    () => trainingCurves({ loss: [1] }, { titel: 't' } as never),
    /^ParameterError: trainingCurves: unknown option titel; did you mean title\?/,
  );
  assert.throws(
    () => rocFigure([1, 2], [0, 1], { width: -1 }),
    /^ParameterError: width=-1 must be a finite number > 0/,
  );
  assert.throws(
    () => detFigure([1, 2], [0, 1], { ytitle: 'y' } as never),
    /^ParameterError: detFigure: unknown option ytitle; did you mean yTitle\?/,
  );
  assert.equal(lineFigure([{ y: new Float32Array([1, 2]), x: [0, 1], name: 'a' }]).data.length, 1);
});

test('footprint, slider and table figures and renderPng refuse unknown options and bad values', () => {
  const g: Grid = { rows: 1, cols: 2, data: new Float32Array([1, 2]) };
  assert.throws(
    () => footprintFigure([[1]], { cellsize: 20 } as never),
    /^ParameterError: footprintFigure: unknown option cellsize; did you mean cellSize\?/,
  );
  assert.throws(
    () => footprintFigure([[1]], { showAnchor: 'no' as never }),
    /^ParameterError: showAnchor="no" must be a boolean$/,
  );
  assert.throws(
    () => sliderFigure([1], () => heatmap(g), { lable: 'k' } as never),
    /^ParameterError: sliderFigure: unknown option lable; did you mean label\?/,
  );
  assert.throws(
    () => resultsTable([{ a: 1 }], { column: ['a'] } as never),
    /^ParameterError: resultsTable: unknown option column; did you mean columns\?/,
  );
  assert.throws(
    () => resultsTable([{ a: 1 }], { digits: 0 }),
    /^ParameterError: digits=0 must be an integer in 1\.\.100$/,
  );
  assert.throws(
    () => renderPng(heatmap(g), { widht: 100 } as never),
    /^ParameterError: renderPng: unknown option widht; did you mean width\? \(options: width, height\)$/,
  );
  assert.throws(
    () => renderPng(heatmap(g), { height: '380' as never }),
    /^ParameterError: height="380" must be a finite number > 0 \(pixels\)$/,
  );
});

test('sliderFigure without a figure builder is a ParameterError, not a TypeError', () => {
  const g: Grid = { rows: 1, cols: 2, data: new Float32Array([1, 2]) };
  assert.throws(
    () => sliderFigure([g, g] as never, undefined as never),
    /^ParameterError: build=undefined must be a function \(value\) => Figure$/,
  );
  assert.throws(
    () => sliderFigure([], () => heatmap(g)),
    /^ParameterError: values must be an array of at least one parameter value$/,
  );
});
