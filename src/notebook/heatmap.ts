import { assert, checkOptionNames, formatValue, type OptionNames, ParameterError } from '../errors';
import { checkGrid, firstNonFinite, isSpectrogram, type Grid, type Spectrogram } from '../grid/grid';
import { hzToMel, melToHz } from '../spectral/mel';
import { checkFigureSize, checkOptionalBoolean, checkOptionalString } from './checks';
import { plotlyColorScale, COLOR_SCALES } from './colormap';
import { blockEdges, cellEdges, decimate, DEFAULT_MAX_CELLS, type Pooling } from './decimate';
import { encodeF4 } from './encode';
import { formatHz, formatTick, HZ_TICK_CANDIDATES, niceTicks } from './ticks';
import type { Axis, ColorScaleName, Figure, Trace } from './types';

/** Options shared by every heatmap-like figure. */
export interface HeatmapOptions {
  /**
   * Figure title; the decimation, if any, is added below it.
   * @default 'Spectrogram' for spectrograms, 'Grid' otherwise
   */
  title?: string;
  /**
   * What the y axis shows: `'hz'` (row frequencies, spectrograms only) or `'band'` (row index).
   * @default 'hz' for linear and mel spectrograms, 'band' for cepstral ones and plain grids
   */
  yAxis?: 'hz' | 'band';
  /**
   * Spacing of the Hz axis: `'linear'`, `'log'` (log10 of Hz; the 0 Hz row is drawn half a bin below
   * the first non-zero one) or `'mel'` (Slaney mel, ticks labelled in Hz).
   * @default 'mel' for mel spectrograms, 'linear' otherwise
   */
  yScale?: 'linear' | 'log' | 'mel';
  /** Colour scale. @default 'viridis' */
  colorScale?: ColorScaleName;
  /**
   * Value at the bottom of the colour scale; given alone it must not exceed the largest finite
   * value (the scale would run backwards: a ParameterError, as matplotlib's vmin > vmax).
   * @default the smallest finite value
   */
  zmin?: number;
  /**
   * Value at the top of the colour scale; given alone it must not be below the smallest finite value.
   * @default the largest finite value
   */
  zmax?: number;
  /** Colour bar title. @default the spectrogram's unit ('dB', 'power', ...), or 'value' */
  unit?: string;
  /** Most rows sent to the figure (rows are pooled above it). @default 512 */
  maxRows?: number;
  /** Most columns sent to the figure (columns are pooled above it). @default 512 */
  maxCols?: number;
  /** Most cells sent in total (the axis with more cells is pooled further). @default DEFAULT_MAX_CELLS (26000) */
  maxCells?: number;
  /**
   * Pooling used when decimating (named in the title): `'mean'` for images, `'absmax'` (largest
   * magnitude, sign kept) for signed maps; `'max'` would act as a dilation on what is shown.
   * @default 'absmax' with the diverging colour scale, else 'mean'
   */
  pooling?: Pooling;
  /** Send every cell, ignoring maxRows/maxCols. @default false */
  fullResolution?: boolean;
  /**
   * How `z` is written: `'f4'` as plotly.js's base64 float32 typed-array spec (4 bytes a cell +
   * base64), or `'array'` as nested JSON number arrays, for front ends whose bundled plotly.js is
   * older than 2.28 and cannot decode typed-array specs (larger: about 8 to 10 bytes a cell).
   * @default 'f4'
   */
  zEncoding?: 'f4' | 'array';
  /** Figure width in pixels. @default 760 */
  width?: number;
  /** Figure height in pixels. @default 380 */
  height?: number;
}

/** The names of {@link HeatmapOptions}, for `checkOptionNames`. */
export const HEATMAP_OPTIONS: OptionNames<HeatmapOptions> = {
  title: true,
  yAxis: true,
  yScale: true,
  colorScale: true,
  zmin: true,
  zmax: true,
  unit: true,
  maxRows: true,
  maxCols: true,
  maxCells: true,
  pooling: true,
  fullResolution: true,
  zEncoding: true,
  width: true,
  height: true,
};

/** Display coordinates of a heatmap's rows and the matching y-axis decoration. */
export interface YMapping {
  /** Display coordinate for a frequency (Hz) or band index. */
  toDisplay: (v: number) => number;
  axis: Axis;
  /** Label used in hover text. */
  hoverLabel: string;
}

/** Picks defaults and checks options for a grid; exported for compareStages/difference. */
export function resolveHeatmap(
  g: Grid,
  opts: HeatmapOptions,
  name = 'grid',
): Required<Pick<HeatmapOptions, 'yAxis' | 'yScale' | 'colorScale' | 'unit' | 'pooling'>> {
  checkGrid(g, name);
  checkOptionalString(opts.title, 'title');
  checkOptionalString(opts.unit, 'unit');
  checkOptionalBoolean(opts.fullResolution, 'fullResolution');
  checkFigureSize(opts);
  const spec = isSpectrogram(g) ? g : null;
  const yAxis = opts.yAxis ?? (spec && spec.scale !== 'cepstral' ? 'hz' : 'band');
  assert(yAxis === 'hz' || yAxis === 'band', () => `yAxis=${formatValue(yAxis)} must be 'hz' or 'band'`);
  if (yAxis === 'hz' && !spec)
    throw new ParameterError(`yAxis='hz' needs a Spectrogram (with frequencies); ${name} is a plain Grid`);
  const yScale = opts.yScale ?? (spec?.scale === 'mel' ? 'mel' : 'linear');
  assert(
    ['linear', 'log', 'mel'].includes(yScale),
    () => `yScale=${formatValue(yScale)} must be 'linear', 'log' or 'mel'`,
  );
  const colorScale = opts.colorScale ?? 'viridis';
  assert(
    COLOR_SCALES.includes(colorScale),
    () => `colorScale=${formatValue(colorScale)} must be one of ${COLOR_SCALES.join(', ')}`,
  );
  const unit = opts.unit ?? (spec ? spec.unit : 'value');
  const pooling = opts.pooling ?? (colorScale === 'diverging' ? 'absmax' : 'mean');
  for (const k of ['zmin', 'zmax'] as const) {
    const v = opts[k];
    assert(v === undefined || Number.isFinite(v), () => `${k}=${formatValue(v)} must be a finite number`);
  }
  return { yAxis, yScale, colorScale, unit, pooling };
}

/** The y mapping for a grid: Hz on a linear, log or mel axis, or the band index. */
export function yMapping(g: Grid, yAxis: 'hz' | 'band', yScale: 'linear' | 'log' | 'mel'): YMapping {
  if (yAxis === 'band') {
    const title = isSpectrogram(g) && g.scale === 'cepstral' ? 'Coefficient' : isSpectrogram(g) ? 'Band' : 'Row';
    return { toDisplay: (v) => v, axis: { title: { text: title } }, hoverLabel: title.toLowerCase() };
  }
  const f = (g as Spectrogram).frequencies;
  const lo = Math.min(f[0], f[f.length - 1]);
  const hi = Math.max(f[0], f[f.length - 1]);
  if (yScale === 'linear') {
    return { toDisplay: (v) => v, axis: { title: { text: 'Frequency (Hz)' } }, hoverLabel: 'Hz' };
  }
  let toDisplay: (v: number) => number;
  // odd about 0 Hz, so a display edge below 0 Hz (half a bin below a linear grid's 0 Hz row) still
  // has a place; a wrapper, so map's index never reaches hzToMel's htk
  if (yScale === 'mel') toDisplay = (v) => (v < 0 ? -hzToMel(-v) : hzToMel(v));
  else {
    const firstPositive = Array.from(f).find((v) => v > 0) ?? 1;
    const floorHz = f.length > 1 && f[0] <= 0 ? firstPositive / 2 : firstPositive;
    toDisplay = (v) => Math.log10(Math.max(v, floorHz));
  }
  const candidates = HZ_TICK_CANDIDATES.filter((h) => h >= lo && h <= hi && (yScale === 'mel' || h > 0));
  if (yScale === 'mel' && lo <= 0) candidates.unshift(0);
  // Keep ticks at least 1/12 of the axis apart, preferring the higher ones (low ones crowd on mel/log).
  const span = toDisplay(hi) - toDisplay(lo);
  const vals: number[] = [];
  for (const h of candidates.reverse())
    if (vals.length === 0 || toDisplay(vals[0]) - toDisplay(h) >= span / 12) vals.unshift(h);
  return {
    toDisplay,
    axis: {
      title: { text: yScale === 'mel' ? 'Frequency (Hz, mel-spaced)' : 'Frequency (Hz, log)' },
      tickvals: vals.map(toDisplay),
      ticktext: vals.map(formatHz),
    },
    hoverLabel: yScale === 'mel' ? 'mel' : 'log10 Hz',
  };
}

/** Smallest and largest finite values of `data` (NaN, NaN when none). */
export function finiteRange(data: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo && v > -Infinity) lo = v;
    if (v > hi && v < Infinity) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** How many cells of a grid are not finite, by kind. */
export interface NonFiniteCount {
  nan: number;
  negInf: number;
  posInf: number;
  total: number;
}

/** Counts the NaN, -Infinity and +Infinity values of `data`. */
export function countNonFinite(data: ArrayLike<number>): NonFiniteCount {
  const c = { nan: 0, negInf: 0, posInf: 0, total: 0 };
  if (firstNonFinite(data) < 0) return c;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === -Infinity) c.negInf++;
    else if (v === Infinity) c.posInf++;
    else if (Number.isNaN(v)) c.nan++;
  }
  c.total = c.nan + c.negInf + c.posInf;
  return c;
}

/**
 * What a figure says about the cells it cannot colour, e.g. '12 of 1542257 cells not finite (-inf),
 * left out' ('12 cells not finite (-inf)' when `brief`, for a subplot's title); '' when every cell
 * is finite. The kinds are named as numpy prints them.
 */
export function nonFiniteNote(c: NonFiniteCount, cells: number, brief = false): string {
  if (c.total === 0) return '';
  const kinds = (
    [
      ['NaN', c.nan],
      ['-inf', c.negInf],
      ['+inf', c.posInf],
    ] as const
  ).filter(([, k]) => k > 0);
  const what = kinds.length === 1 ? kinds[0][0] : kinds.map(([name, k]) => `${name} ${k}`).join(', ');
  if (c.total === cells) return `all ${cells} cells not finite (${what})${brief ? '' : ': nothing to draw'}`;
  return brief
    ? `${c.total} cells not finite (${what})`
    : `${c.total} of ${cells} cells not finite (${what}), left out`;
}

/** One heatmap trace plus its axes, before any layout; used by every heatmap figure. */
export interface HeatmapPart {
  trace: Trace;
  xaxis: Axis;
  yaxis: Axis;
  /**
   * Human note on decimation and non-finite cells ('' when neither), e.g.
   * 'mean-pooled 2×5 for display: 257×1001 → 129×201 cells; 12 of 257257 cells not finite (-inf), left out'.
   */
  note: string;
  shape: [number, number];
  sourceShape: [number, number];
  /** Colour range of this part alone (see {@link colorRange}). */
  range: [number, number];
  /** Smallest and largest finite value of the source grid (NaN, NaN when it has none). */
  dataRange: [number, number];
  /** Non-finite cells of the source grid (drawn blank, left out of pooled blocks). */
  nonFinite: NonFiniteCount;
  colorScale: ColorScaleName;
  unit: string;
  /** Pooling factors [rows, cols] and method ([1, 1] when every cell is sent). */
  factor: [number, number];
  pooling: Pooling;
}

/** Argument names used in colour-range errors (compareStages names a stage's own zmin/zmax). */
export interface RangeNames {
  zmin: string;
  zmax: string;
  /** What the data is, e.g. 'grid' or 'stages[1] (opening)'. */
  data: string;
}

/**
 * Builds the heatmap trace of `g` with its axes and colour range.
 * x / y are the cell centres (display coordinates) when every cell of that axis is sent, and the
 * n + 1 cell edges (which plotly.js reads as edges, as does the PNG renderer) when the axis is
 * pooled or has one cell: pooled blocks then cover exactly the source cells (a partial last
 * block does not stretch the axis), and a single frame is one hop long, not 1 s.
 */
export function heatmapPart(
  g: Grid,
  opts: HeatmapOptions,
  name = 'grid',
  names: RangeNames = { zmin: 'zmin', zmax: 'zmax', data: name },
): HeatmapPart {
  const r = resolveHeatmap(g, opts, name);
  const spec = isSpectrogram(g) ? g : null;
  const d = opts.fullResolution
    ? decimate(g, { maxRows: g.rows, maxCols: g.cols, maxCells: g.rows * g.cols, pooling: r.pooling })
    : decimate(g, {
        maxRows: opts.maxRows ?? 512,
        maxCols: opts.maxCols ?? 512,
        maxCells: opts.maxCells ?? DEFAULT_MAX_CELLS,
        pooling: r.pooling,
      });
  const map = yMapping(g, r.yAxis, r.yScale);
  const rowCentres = Float64Array.from({ length: g.rows }, (_, i) =>
    map.toDisplay(r.yAxis === 'hz' ? (spec as Spectrogram).frequencies[i] : i),
  );
  const colCentres = spec ? spec.times : Float64Array.from({ length: g.cols }, (_, i) => i);
  const frame = spec && spec.hopLength > 0 && spec.sampleRate > 0 ? spec.hopLength / spec.sampleRate : 1;
  const ys = axisCoords(rowCentres, d.factor[0], singleRowEdges(g, r.yAxis, map));
  const xs = axisCoords(colCentres, d.factor[1], [colCentres[0] - frame / 2, colCentres[0] + frame / 2]);
  const z = new Float32Array(d.grid.data.length);
  for (let i = 0; i < z.length; i++) z[i] = Number.isFinite(d.grid.data[i]) ? d.grid.data[i] : NaN;
  // The source's range, not the pooled one: pooling changes resolution, never the colours.
  const dataRange = finiteRange(g.data);
  const range = colorRange(dataRange, r.colorScale, opts, names);
  const zEncoding = opts.zEncoding ?? 'f4';
  assert(
    zEncoding === 'f4' || zEncoding === 'array',
    () => `zEncoding=${formatValue(zEncoding)} must be 'f4' or 'array'`,
  );
  const pooled = d.factor[0] > 1 || d.factor[1] > 1;
  const nonFinite = countNonFinite(g.data);
  const note = [
    pooled
      ? `${d.pooling}-pooled ${d.factor[0]}×${d.factor[1]} for display: ` +
        `${g.rows}×${g.cols} → ${d.grid.rows}×${d.grid.cols} cells`
      : '',
    nonFiniteNote(nonFinite, g.data.length),
  ]
    .filter(Boolean)
    .join('; ');
  const xTitle = spec ? 'Time (s)' : 'Column';
  const unit = escapeHtml(r.unit);
  const trace: Trace = {
    type: 'heatmap',
    name,
    x: xs,
    y: ys,
    z: zEncoding === 'f4' ? encodeF4(z, [d.grid.rows, d.grid.cols]) : nested(z, d.grid.rows, d.grid.cols),
    colorscale: plotlyColorScale(r.colorScale),
    zmin: range[0],
    zmax: range[1],
    colorbar: { title: { text: unit } },
    hovertemplate:
      `${spec ? 't=%{x:.3f} s' : 'col %{x}'}<br>${map.hoverLabel} %{y:.4~g}<br>%{z:.4~g} ${unit}` +
      `<extra>${escapeHtml(name)}</extra>`,
  };
  // With no finite value and no zmin/zmax there is no colour range to show, only an invented one.
  if (!hasColors(dataRange, opts)) trace.showscale = false;
  return {
    trace,
    xaxis: { title: { text: xTitle } },
    yaxis: map.axis,
    note,
    shape: [d.grid.rows, d.grid.cols],
    sourceShape: [g.rows, g.cols],
    range,
    dataRange,
    nonFinite,
    colorScale: r.colorScale,
    unit: r.unit,
    factor: d.factor,
    pooling: d.pooling,
  };
}

/** Whether a colour bar over `dataRange` with these zmin/zmax shows a real range (data, or both ends given). */
export function hasColors(dataRange: [number, number], opts: { zmin?: number; zmax?: number }): boolean {
  return dataRange[0] <= dataRange[1] || (opts.zmin !== undefined && opts.zmax !== undefined);
}

/**
 * What a trace's x or y carries for cells centred on `centres` (display coordinates) pooled by `f`:
 * the centres themselves when every cell is sent (so hover shows each cell's own coordinate), else
 * the block edges, n + 1 values.
 */
function axisCoords(centres: ArrayLike<number>, f: number, single: [number, number]): number[] {
  const out = f === 1 && centres.length > 1 ? centres : blockEdges(cellEdges(centres, single), f);
  return Array.from(out, round6);
}

/**
 * Display edges of a grid's only row. A spectrogram's row on a Hz axis spans what its scale implies:
 * one linear bin comes from nFft = 1, so it is sampleRate wide; one mel band sits between fMin and
 * fMax, taken as Nyquist (librosa's default), equally spaced in mel. Otherwise ±0.5 about the index.
 */
function singleRowEdges(g: Grid, yAxis: 'hz' | 'band', map: YMapping): [number, number] {
  const hz = yAxis === 'hz' && isSpectrogram(g) ? g.frequencies[0] : 0;
  const centre = map.toDisplay(hz);
  const unitCell: [number, number] = [centre - 0.5, centre + 0.5];
  if (yAxis !== 'hz' || !isSpectrogram(g) || g.scale === 'cepstral' || !(hz >= 0 && g.sampleRate > 0)) return unitCell;
  let lo = hz - g.sampleRate / 2;
  let hi = hz + g.sampleRate / 2;
  if (g.scale === 'mel') {
    const m = hzToMel(hz);
    const spacing = hzToMel(g.sampleRate / 2) - m;
    if (!(spacing > 0)) return unitCell;
    lo = melToHz(Math.max(0, m - spacing / 2));
    hi = melToHz(m + spacing / 2);
  }
  let a = map.toDisplay(lo);
  let b = map.toDisplay(hi);
  // On a log axis an edge at or below 0 Hz has no place: mirror the other one about the centre.
  if (!(a < centre)) a = 2 * centre - b;
  if (!(b > centre)) b = 2 * centre - a;
  return a < centre && centre < b ? [a, b] : unitCell;
}

/**
 * The colour range a heatmap shows for data spanning `[lo, hi]`: zmin/zmax when given, else the
 * data's range; on the diverging scale symmetric about 0 (white = 0), so a signed map reads by
 * colour alone. Degenerate ranges widen to +/-0.5 (or +/-1 about 0) so colour bars stay readable;
 * a given end stays put (zmin equal to the data's maximum gives [zmin, zmin + 1]).
 * Notes: zmin alone above the data (or zmax alone below it) is a ParameterError, as matplotlib's
 * vmin > vmax: the other end would default to the data's and the scale would run backwards.
 */
export function colorRange(
  [lo, hi]: [number, number],
  colorScale: ColorScaleName,
  opts: { zmin?: number; zmax?: number },
  names: RangeNames = { zmin: 'zmin', zmax: 'zmax', data: 'grid' },
): [number, number] {
  const { zmin, zmax } = opts;
  if (colorScale === 'diverging' && zmin === undefined && zmax === undefined) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return Number.isFinite(m) && m > 0 ? [-m, m] : [-1, 1];
  }
  const hasData = lo <= hi;
  const span = (): string => `${names.data} spans ${round4(lo)}…${round4(hi)}`;
  // One end given: the other is the data's, and must stay on its own side.
  if (zmin !== undefined && zmax === undefined && hasData)
    assert(
      zmin <= hi,
      () =>
        `${names.zmin}=${zmin} is above the largest finite value ${round4(hi)}, where ${names.zmax} defaults ` +
        `(${span()}): the colour scale would run backwards; give ${names.zmax} too, or ${names.zmin} <= ${round4(hi)}`,
    );
  if (zmax !== undefined && zmin === undefined && hasData)
    assert(
      zmax >= lo,
      () =>
        `${names.zmax}=${zmax} is below the smallest finite value ${round4(lo)}, where ${names.zmin} defaults ` +
        `(${span()}): the colour scale would run backwards; give ${names.zmin} too, or ${names.zmax} >= ${round4(lo)}`,
    );
  if (zmin !== undefined && zmax !== undefined)
    assert(zmin < zmax, () => `${names.zmin}=${zmin} must be below ${names.zmax}=${zmax}`);
  let a = zmin ?? (hasData ? lo : zmax !== undefined ? zmax - 1 : 0);
  let b = zmax ?? (hasData ? hi : zmin !== undefined ? zmin + 1 : 1);
  if (a === b) {
    if (zmin !== undefined) b = a + 1;
    else if (zmax !== undefined) a = b - 1;
    else [a, b] = [a - 0.5, b + 0.5];
  }
  return [a, b];
}

/** Title text with an optional smaller second line (Plotly `<sub>`; the PNG draws it smaller). */
export function titleWithNote(title: string, note: string): string {
  return note ? `${escapeHtml(title)}<br><sub>${escapeHtml(note)}</sub>` : escapeHtml(title);
}

/**
 * A Plotly heatmap figure of a Grid or Spectrogram (rows x cols, row 0 at the bottom).
 * x is time in seconds (frame centres) for spectrograms, the column index otherwise; y is Hz on a
 * linear, log or mel-spaced axis, or the band index. Grids larger than maxRows x maxCols are pooled
 * for display (said in the title); `z` is sent as a float32 typed-array spec (`{dtype:'f4', bdata,
 * shape}`), which plotly.js >= 2.28 decodes.
 * NaN and ±Inf cells are drawn blank and left out of pooled blocks (as matplotlib's imshow masks
 * them), and the title note (hence the text/plain summary) says how many there are; a grid with no
 * finite cell is drawn empty with that note and no colour bar, not refused, as imshow draws it.
 * Notes: like librosa.display.specshow the image is cell-centred on the frame times and bin
 * frequencies; the axes span the grid's cells edge to edge (a single frame is hopLength/sampleRate
 * wide, a single bin the width its scale implies), pooled or not. Pooling averages blocks by
 * default (`'absmax'` on the diverging scale), so what is shown is neither dilated nor eroded;
 * `fullResolution` sends every cell.
 */
export function heatmap(g: Grid, opts: HeatmapOptions = {}): Figure {
  checkOptionNames(opts, HEATMAP_OPTIONS, 'heatmap');
  const part = heatmapPart(g, opts);
  const title = opts.title ?? (isSpectrogram(g) ? 'Spectrogram' : 'Grid');
  return {
    data: [part.trace],
    layout: {
      title: { text: titleWithNote(title, part.note) },
      width: opts.width ?? 760,
      height: opts.height ?? 380,
      margin: { l: 70, r: 20, t: part.note ? 64 : 48, b: 50 },
      xaxis: { ...part.xaxis },
      yaxis: { ...part.yaxis },
    },
    config: { responsive: true, displaylogo: false },
  };
}

/**
 * Heatmap of `a - b` (same shape) on the diverging scale, symmetric about 0 so that white means no
 * change. `unit` defaults to `Δ <unit of a>`.
 */
export function difference(a: Grid, b: Grid, opts: HeatmapOptions = {}): Figure {
  checkOptionNames(opts, HEATMAP_OPTIONS, 'difference');
  checkGrid(a, 'a');
  checkGrid(b, 'b');
  assert(
    a.rows === b.rows && a.cols === b.cols,
    () => `a is ${a.rows}x${a.cols} but b is ${b.rows}x${b.cols}; difference needs equal shapes`,
  );
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  const unit = opts.unit ?? `Δ ${isSpectrogram(a) ? a.unit : 'value'}`;
  const diff: Grid = isSpectrogram(a) ? { ...a, data } : { rows: a.rows, cols: a.cols, data };
  return heatmap(diff, { colorScale: 'diverging', title: 'Difference a − b', ...opts, unit });
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rows of float32 values as JSON numbers (shortest decimal that reads back as the same float32), NaN as null. */
function nested(z: Float32Array, rows: number, cols: number): (number | null)[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(z.subarray(r * cols, (r + 1) * cols), shortestF32));
}

function shortestF32(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  for (let p = 1; p < 9; p++) {
    const x = Number(v.toPrecision(p));
    if (Math.fround(x) === v) return x;
  }
  return v;
}

function round4(v: number): number {
  return Number(v.toPrecision(4));
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

export { formatTick, niceTicks };
