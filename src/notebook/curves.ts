import { assert, checkOptionNames, formatValue, type OptionNames, ParameterError } from '../errors';
import { detCurve, eerPoint } from '../metrics/detection';
import { checkFigureSize, checkNumberArray, checkOptionalString } from './checks';
import { encodeF4 } from './encode';
import { escapeHtml } from './heatmap';
import { pinAxisRanges } from './ranges';
import { formatTick } from './ticks';
import type { Figure, Trace } from './types';

/** One line of a line figure. */
export interface Series {
  name?: string;
  /** x values; @default 0, 1, 2, ... */
  x?: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Options of line figures. */
export interface LineOptions {
  /** Shown as written (`<` and `&` are not markup). @default '' */
  title?: string;
  /** Shown as written. @default '' */
  xTitle?: string;
  /** Shown as written. @default '' */
  yTitle?: string;
  /** @default 760 */
  width?: number;
  /** @default 380 */
  height?: number;
}

/** The names of {@link LineOptions}, for `checkOptionNames`. */
export const LINE_OPTIONS: OptionNames<LineOptions> = {
  title: true,
  xTitle: true,
  yTitle: true,
  width: true,
  height: true,
};

/** The fields of a {@link Series}. */
const SERIES_FIELDS: OptionNames<Series> = { name: true, x: true, y: true };

/** Checks the names and values of line-figure options; `where` names the function. */
export function checkLineOptions(opts: LineOptions, where: string): void {
  checkOptionNames(opts, LINE_OPTIONS, where);
  checkOptionalString(opts.title, 'title');
  checkOptionalString(opts.xTitle, 'xTitle');
  checkOptionalString(opts.yTitle, 'yTitle');
  checkFigureSize(opts);
}

/**
 * Every value of `a` is a number (NaN and ±Infinity are drawn as gaps) or null (a gap, as in Plotly):
 * a string such as '1' would otherwise become an invisible null. `name` names the array.
 */
function checkSeriesValues(a: ArrayLike<unknown>, name: string): void {
  if (ArrayBuffer.isView(a)) return;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' && v !== null)
      throw new ParameterError(`${name}[${i}]=${formatValue(v)} must be a number (NaN or null for a gap)`);
  }
}

/**
 * Series longer than this travel as float32 typed arrays (a 2 s waveform: ~170 KB instead of
 * ~700 KB of JSON numbers).
 */
const TYPED_ABOVE = 1000;

function lineTrace(s: Series, extra: Record<string, unknown> = {}): Trace {
  const n = s.y.length;
  const finite = (a: ArrayLike<number>): boolean => Array.prototype.every.call(a, Number.isFinite);
  if (n > TYPED_ABOVE && finite(s.y) && (!s.x || finite(s.x))) {
    const x = s.x ? Float32Array.from(s.x) : Float32Array.from({ length: n }, (_, i) => i);
    return {
      type: 'scatter',
      mode: 'lines',
      name: escapeHtml(s.name ?? ''),
      x: encodeF4(x),
      y: encodeF4(Float32Array.from(s.y)),
      ...extra,
    };
  }
  // Short series (and any with gaps, drawn as null) stay plain JSON.
  const y = Array.from(s.y, (v) => (Number.isFinite(v) ? v : null));
  return {
    type: 'scatter',
    mode: 'lines',
    name: escapeHtml(s.name ?? ''),
    x: s.x ? Array.from(s.x) : y.map((_, i) => i),
    y,
    ...extra,
  };
}

/** Hover text naming both axes by their titles, e.g. `time (s) 0.513<br>amplitude -0.021`. */
function hoverOf(xTitle: string, yTitle: string, name: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `${esc(xTitle || 'x')} %{x:.4~g}<br>${esc(yTitle || 'y')} %{y:.4~g}<extra>${esc(name)}</extra>`;
}

/**
 * Tick values for an axis of whole numbers (epochs, counts): integers only, a 1-2-5 step giving at
 * most `maxTicks` ticks, so no 0.5 epoch appears.
 */
export function integerTicks(lo: number, hi: number, maxTicks = 10): number[] {
  assert(
    Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi,
    () => `integerTicks needs finite lo <= hi, got ${lo}, ${hi}`,
  );
  let step = 1;
  for (let k = 0; Math.floor(hi / step) - Math.ceil(lo / step) + 1 > maxTicks; k++)
    step = [2, 5, 10][k % 3] * 10 ** Math.floor(k / 3);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

/**
 * A plain line figure, one trace per series; hovering a point names both axes. Titles and series
 * names are shown as written. The axis ranges are explicit, the ones plotly.js's autorange picks
 * (lines: x edge to edge, y padded by 5% of the axis), so the PNG fallback draws the same.
 */
export function lineFigure(series: Series[], opts: LineOptions = {}): Figure {
  checkLineOptions(opts, 'lineFigure');
  assert(Array.isArray(series), () => `series=${formatValue(series)} must be an array of lines [{y, x?, name?}]`);
  assert(series.length > 0, () => 'series must hold at least one line');
  series.forEach((s, i) => {
    assert(s !== null && typeof s === 'object', () => `series[${i}]=${formatValue(s)} must be a line {y, x?, name?}`);
    checkOptionNames(s, SERIES_FIELDS, `lineFigure: series[${i}]`);
    checkNumberArray(s.y, `series[${i}].y`);
    checkSeriesValues(s.y, `series[${i}].y`);
    if (s.x !== undefined) checkNumberArray(s.x, `series[${i}].x`);
    if (s.x !== undefined) checkSeriesValues(s.x, `series[${i}].x`);
    checkOptionalString(s.name, `series[${i}].name`);
    assert(
      !s.x || s.x.length === s.y.length,
      () => `series[${i}].x.length=${s.x?.length} must equal y.length=${s.y.length}`,
    );
  });
  return pinAxisRanges({
    data: series.map((s) =>
      lineTrace(s, { hovertemplate: hoverOf(opts.xTitle ?? '', opts.yTitle ?? '', s.name ?? '') }),
    ),
    layout: {
      title: { text: escapeHtml(opts.title ?? '') },
      width: opts.width ?? 760,
      height: opts.height ?? 380,
      margin: { l: 70, r: 20, t: 48, b: 50 },
      xaxis: { title: { text: escapeHtml(opts.xTitle ?? '') } },
      yaxis: { title: { text: escapeHtml(opts.yTitle ?? '') } },
    },
    config: { responsive: true, displaylogo: false },
  });
}

/**
 * Training curves: metrics whose name contains 'loss' on the left panel, the others (accuracy, EER...)
 * on the right; x is the epoch (1-based, or `history.epoch` when given). `history` is either
 * `{loss: [...], valLoss: [...], acc: [...]}` (tfjs `History.history` shape) or one record per epoch.
 * Values must be numbers (NaN for a missing epoch). Axis ranges are explicit, as in {@link lineFigure}.
 */
export function trainingCurves(
  history: Record<string, ArrayLike<number>> | Record<string, number>[],
  opts: LineOptions = {},
): Figure {
  checkLineOptions(opts, 'trainingCurves');
  assert(
    history !== null && typeof history === 'object',
    () => `history=${formatValue(history)} must be {metric: [values per epoch]} or [{metric: value}, ...]`,
  );
  const cols: Record<string, number[]> = {};
  if (Array.isArray(history)) {
    history.forEach((rec, i) => {
      assert(
        rec !== null && typeof rec === 'object',
        () => `history[${i}]=${formatValue(rec)} must be a record {metric: value}`,
      );
      for (const [k, v] of Object.entries(rec)) {
        if (typeof v !== 'number' && v !== null)
          throw new ParameterError(`history[${i}].${k}=${formatValue(v)} must be a number (NaN for none)`);
        cols[k] ??= new Array(history.length).fill(NaN);
        cols[k][i] = v ?? NaN;
      }
    });
  } else {
    for (const [k, v] of Object.entries(history)) {
      checkNumberArray(v, `history.${k}`);
      checkSeriesValues(v, `history.${k}`);
      cols[k] = Array.from(v, (x) => x ?? NaN);
    }
  }
  const epochs = cols.epoch ?? cols.epochs;
  const names = Object.keys(cols).filter((k) => k !== 'epoch' && k !== 'epochs');
  assert(names.length > 0, () => 'history must hold at least one metric');
  const n = Math.max(...names.map((k) => cols[k].length));
  const x = epochs ?? Array.from({ length: n }, (_, i) => i + 1);
  const losses = names.filter((k) => /loss/i.test(k));
  const others = names.filter((k) => !/loss/i.test(k));
  const split = losses.length > 0 && others.length > 0;
  const data: Trace[] = names.map((k, i) =>
    lineTrace(
      { name: k, x: x.slice(0, cols[k].length), y: cols[k] },
      {
        hovertemplate: hoverOf(opts.xTitle ?? 'epoch', k, k),
        mode: cols[k].length < 30 ? 'lines+markers' : 'lines',
        marker: { size: 5 },
        ...(split && !/loss/i.test(k) ? { xaxis: 'x2', yaxis: 'y2' } : {}),
        line: { width: 2, color: undefined, dash: /val/i.test(k) ? 'dash' : 'solid' },
        legendrank: i,
      },
    ),
  );
  for (const t of data) delete (t.line as Record<string, unknown>).color;
  // Epochs are whole: explicit integer ticks (Plotly would put one at 0.5 for two epochs), and a
  // range half an epoch wider than the data so the end points and their markers show.
  const xs = (x as number[]).filter(Number.isFinite);
  const whole = xs.length > 0 && xs.every(Number.isInteger);
  const epochAxis = whole
    ? {
        tickvals: integerTicks(Math.min(...xs), Math.max(...xs)),
        range: [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5],
      }
    : {};
  const xTitle = escapeHtml(opts.xTitle ?? 'epoch');
  const layout: Figure['layout'] = {
    title: { text: escapeHtml(opts.title ?? 'Training') },
    width: opts.width ?? 760,
    height: opts.height ?? 360,
    margin: { l: 60, r: 20, t: 48, b: 50 },
    xaxis: { title: { text: xTitle }, ...epochAxis, ...(split ? { domain: [0, 0.45] } : {}) },
    yaxis: { title: { text: split || others.length === 0 ? 'loss' : escapeHtml(opts.yTitle ?? '') } },
  };
  if (split) {
    layout.xaxis2 = { title: { text: xTitle }, ...epochAxis, domain: [0.55, 1], anchor: 'y2' };
    layout.yaxis2 = { title: { text: escapeHtml(opts.yTitle ?? 'metric') }, anchor: 'x2' };
  }
  return pinAxisRanges({ data, layout, config: { responsive: true, displaylogo: false } });
}

function thin(n: number, keep: number, max = 2000): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = (n - 1) / (max - 1);
  const idx = new Set(Array.from({ length: max }, (_, i) => Math.round(i * step)));
  idx.add(keep);
  return [...idx].sort((a, b) => a - b);
}

/**
 * ROC curve of a bona fide vs spoof detector: true acceptance rate (1 - FRR) against false
 * acceptance rate, with the EER point marked and labelled. Curves above 2000 points are thinned
 * for display (the EER point is kept).
 */
export function rocFigure(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, opts: LineOptions = {}): Figure {
  checkLineOptions(opts, 'rocFigure');
  const d = detCurve(bonafide, spoof);
  const e = eerPoint(d);
  const idx = thin(d.frr.length, e.index);
  const pct = `${formatTick(e.eer * 100, 0.01)}%`;
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'ROC',
        x: idx.map((i) => d.far[i]),
        y: idx.map((i) => 1 - d.frr[i]),
        line: { width: 2 },
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'EER line',
        x: [0, 1],
        y: [1, 0],
        line: { width: 1, dash: 'dash', color: '#aaaaaa' },
        showlegend: false,
        hoverinfo: 'skip',
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: `EER ${pct}`,
        x: [e.eer],
        y: [1 - e.eer],
        marker: { size: 10, color: '#EF553B' },
      },
    ],
    layout: {
      title: { text: escapeHtml(opts.title ?? `ROC (EER ${pct})`) },
      width: opts.width ?? 480,
      height: opts.height ?? 440,
      margin: { l: 70, r: 20, t: 48, b: 50 },
      showlegend: false,
      xaxis: { title: { text: escapeHtml(opts.xTitle ?? 'false acceptance rate (spoof)') }, range: [0, 1] },
      yaxis: { title: { text: escapeHtml(opts.yTitle ?? 'true acceptance rate (bona fide)') }, range: [0, 1] },
      annotations: [
        {
          x: e.eer,
          y: 1 - e.eer,
          xref: 'x',
          yref: 'y',
          text: `EER ${pct} (threshold ${formatTick(e.threshold, 0.001)})`,
          showarrow: true,
          ax: 40,
          ay: 30,
          xanchor: 'left',
          yanchor: 'top',
        },
      ],
    },
    config: { responsive: true, displaylogo: false },
  };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function probit(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - lowP) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Rates are clipped to [DET_FLOOR, 1 - DET_FLOOR] for a DET plot: a probit axis has no 0 or 1. */
const DET_FLOOR = 0.0001;

/**
 * DET curve: miss rate (bona fide rejected) against false alarm rate (spoof accepted) on normal
 * deviate (probit) axes labelled in %, as NIST/ASVspoof DET plots; EER point marked.
 * Axes span 0.05% to 97%. Rates of exactly 0 or 1 are clipped to 0.01% / 99.99% for display; when
 * the EER point falls outside 0.05%-97% (a perfect or near-perfect detector, or an inverted one) the
 * axes extend to show it, and the label says where an EER of 0% or 100% is drawn.
 */
export function detFigure(bonafide: ArrayLike<number>, spoof: ArrayLike<number>, opts: LineOptions = {}): Figure {
  checkLineOptions(opts, 'detFigure');
  const d = detCurve(bonafide, spoof);
  const e = eerPoint(d);
  const clipped = (p: number): number => Math.min(1 - DET_FLOOR, Math.max(DET_FLOOR, p));
  const clip = (p: number): number => probit(clipped(p));
  const idx = thin(d.frr.length, e.index);
  // A margin of 0.15 normal deviates keeps the EER marker off the axis edge.
  const range = [Math.min(clip(0.0005), clip(e.eer) - 0.15), Math.max(clip(0.97), clip(e.eer) + 0.15)];
  const pctTicks = [0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 40, 60, 80, 95, 99, 99.99].filter((p) => {
    const v = clip(p / 100);
    return v > range[0] && v < range[1];
  });
  const axis = (title: string): Record<string, unknown> => ({
    title: { text: escapeHtml(title) },
    zeroline: false,
    tickvals: pctTicks.map((p) => clip(p / 100)),
    ticktext: pctTicks.map((p) => `${p}`),
    range,
  });
  const pct = `${formatTick(e.eer * 100, 0.01)}%`;
  const drawnAt = clipped(e.eer) !== e.eer ? ` (drawn at ${formatTick(clipped(e.eer) * 100, 0.01)}%)` : '';
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'DET',
        x: idx.map((i) => clip(d.far[i])),
        y: idx.map((i) => clip(d.frr[i])),
        line: { width: 2 },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: `EER ${pct}`,
        x: [clip(e.eer)],
        y: [clip(e.eer)],
        marker: { size: 10, color: '#EF553B' },
      },
    ],
    layout: {
      title: { text: escapeHtml(opts.title ?? `DET (EER ${pct})`) },
      width: opts.width ?? 480,
      height: opts.height ?? 440,
      margin: { l: 70, r: 20, t: 48, b: 50 },
      showlegend: false,
      xaxis: axis(opts.xTitle ?? 'false acceptance rate (%)'),
      yaxis: axis(opts.yTitle ?? 'false rejection rate (%)'),
      annotations: [
        {
          x: clip(e.eer),
          y: clip(e.eer),
          xref: 'x',
          yref: 'y',
          text: `EER ${pct}${drawnAt}`,
          showarrow: true,
          // up and right of the point; down and left above 50%, where that would leave the plot
          ...(e.eer > 0.5
            ? { ax: -30, ay: 30, xanchor: 'right', yanchor: 'top' }
            : { ax: 30, ay: -30, xanchor: 'left', yanchor: 'bottom' }),
        },
      ],
    },
    config: { responsive: true, displaylogo: false },
  };
}
