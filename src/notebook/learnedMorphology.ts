// Figures of learned morphology: the structuring functions a MorphLayer learned, their evolution
// over training, and the learned operator applied to a bona fide and a spoofed spectrogram.
import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import type { Grid } from '../grid/grid';
import { MORPH_OUTSIDE, type MorphLayer, type StructureSnapshot, applyMorphLayer } from '../model/morphLayer';
import { checkOptionalSize, checkOptionalString } from './checks';
import { plotlyColorScale } from './colormap';
import { COMPARE_OPTIONS, type CompareOptions, compareStages } from './compare';
import { encodeF4 } from './encode';
import { escapeHtml } from './heatmap';
import { sliderFigure } from './slider';
import type { Figure, Trace } from './types';

/** What a structuring-function figure shows: one rows x cols grid of heights per channel. */
export interface StructureView {
  rows: number;
  cols: number;
  /** Per channel, row-major rows x cols heights; NaN off the support (entries at {@link MORPH_OUTSIDE}). */
  channels: Float32Array[];
  /**
   * Colour range, symmetric about 0 (a flat structuring function is 0, white): ±max |height|, or ±1
   * when all are 0.
   */
  range: [number, number];
}

/**
 * Heights per channel of one or more snapshots of the same layer (several: one range covering
 * all, so colours compare across epochs). Off-support entries (at or below MORPH_OUTSIDE / 2)
 * become NaN, drawn as gaps.
 */
export function structureViews(snapshots: readonly StructureSnapshot[]): StructureView[] {
  assert(snapshots.length > 0, () => 'snapshots must hold at least one StructureSnapshot');
  const { rows, cols, channels } = snapshots[0];
  let peak = 0;
  const views = snapshots.map((s, i) => {
    assert(
      s.rows === rows && s.cols === cols && s.channels === channels,
      () => `snapshots[${i}] is ${s.rows}x${s.cols}x${s.channels}, snapshots[0] is ${rows}x${cols}x${channels}`,
    );
    const per = Array.from({ length: channels }, (_, k) => {
      const v = new Float32Array(rows * cols);
      for (let p = 0; p < rows * cols; p++) {
        const h = s.values[p * channels + k];
        v[p] = h <= MORPH_OUTSIDE / 2 ? NaN : h;
        if (Math.abs(v[p]) > peak) peak = Math.abs(v[p]);
      }
      return v;
    });
    return { rows, cols, channels: per };
  });
  const r = peak > 0 ? peak : 1;
  return views.map((v) => ({ ...v, range: [-r, r] as [number, number] }));
}

/** Options of {@link structuringElementsFigure}. */
export interface StructureFigureOptions {
  /** Title. @default '<layer>: learned structuring functions (<operation>)' */
  title?: string;
  /** Subplots per row. @default min(channels, 4) */
  columns?: number;
  /** Pixel size of one element. @default 26 */
  cellSize?: number;
}

const STRUCTURE_FIGURE_OPTIONS: OptionNames<StructureFigureOptions> = { title: true, columns: true, cellSize: true };

/** Checks the names and values of StructureFigureOptions; `where` names the function. */
function checkStructureOptions(opts: StructureFigureOptions, where: string): void {
  checkOptionNames(opts, STRUCTURE_FIGURE_OPTIONS, where);
  checkOptionalString(opts.title, 'title');
  checkOptionalSize(opts.cellSize, 'cellSize');
}

function structureFigure(s: StructureSnapshot, view: StructureView, opts: StructureFigureOptions): Figure {
  const { rows, cols } = view;
  const n = view.channels.length;
  const columns = opts.columns ?? Math.min(n, 4);
  assertPositiveInt(columns, 'columns');
  const cell = opts.cellSize ?? 26;
  assert(Number.isFinite(cell) && cell > 0, () => `cellSize=${formatValue(cell)} must be a finite number > 0`);
  const gridRows = Math.ceil(n / columns);
  const [ar, ac] = [Math.floor(rows / 2), Math.floor(cols / 2)];
  const plotW = cols * cell;
  const plotH = rows * cell;
  const gap = 40;
  const margin = { l: 50, r: 90, t: 70, b: 30 };
  const width = margin.l + margin.r + columns * plotW + (columns - 1) * gap;
  const height = margin.t + margin.b + gridRows * (plotH + gap);
  const innerW = width - margin.l - margin.r;
  const innerH = height - margin.t - margin.b;
  const layout: Figure['layout'] = {
    title: { text: escapeHtml(opts.title ?? `${s.name}: learned structuring functions (${s.operation})`) },
    width,
    height,
    margin,
    coloraxis: {
      colorscale: plotlyColorScale('diverging'),
      cmin: view.range[0],
      cmax: view.range[1],
      colorbar: { title: { text: 'height' } },
    },
    annotations: [] as unknown[],
  };
  const data: Trace[] = [];
  view.channels.forEach((v, k) => {
    const col = k % columns;
    const row = Math.floor(k / columns);
    const suffix = k === 0 ? '' : String(k + 1);
    const x0 = (col * (plotW + gap)) / innerW;
    const y1 = 1 - (row * (plotH + gap)) / innerH;
    const y0 = y1 - plotH / innerH;
    layout[`xaxis${suffix}`] = {
      domain: [x0, x0 + plotW / innerW],
      anchor: `y${suffix}`,
      showgrid: false,
      zeroline: false,
      tickvals: [-ac, 0, cols - 1 - ac].filter((t, i, a) => a.indexOf(t) === i),
    };
    layout[`yaxis${suffix}`] = {
      domain: [y0, y1],
      anchor: `x${suffix}`,
      showgrid: false,
      zeroline: false,
      autorange: 'reversed',
      tickvals: [-ar, 0, rows - 1 - ar].filter((t, i, a) => a.indexOf(t) === i),
    };
    data.push({
      type: 'heatmap',
      z: encodeF4(v, [rows, cols]),
      x: Array.from({ length: cols }, (_, c) => c - ac),
      y: Array.from({ length: rows }, (_, r) => r - ar),
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      coloraxis: 'coloraxis',
      xgap: 1,
      ygap: 1,
      hovertemplate: `channel ${k}<br>offset (row %{y}, col %{x})<br>height %{z:.4~g}<extra></extra>`,
    });
    (layout.annotations as unknown[]).push({
      text: `ch ${k}`,
      x: x0 + plotW / innerW / 2,
      y: y1,
      xref: 'paper',
      yref: 'paper',
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
    });
  });
  return { data, layout, config: { displaylogo: false } };
}

/**
 * A MorphLayer's structuring functions as small heatmaps, one per channel: rows are frequency
 * offsets and columns time offsets from the anchor (row 0 on top, as footprints are written),
 * height on a diverging scale symmetric about 0, entries off the support left blank.
 * Take the snapshot with `structureSnapshot(layer)`.
 */
export function structuringElementsFigure(snapshot: StructureSnapshot, opts: StructureFigureOptions = {}): Figure {
  checkStructureOptions(opts, 'structuringElementsFigure');
  return structureFigure(snapshot, structureViews([snapshot])[0], opts);
}

/** One entry of a structuring-function history: the snapshot taken after `epoch` (0-based). */
export interface StructureHistoryEntry {
  epoch: number;
  snapshot: StructureSnapshot;
}

/**
 * The structuring functions over training: a slider over epochs, one colour range for all of
 * them so a colour means the same height at every step. Collect the history with
 * `onEpoch: ({epoch}) => history.push({epoch, snapshot: structureSnapshot(layer)})`.
 */
export function structureEvolutionFigure(
  history: readonly StructureHistoryEntry[],
  opts: StructureFigureOptions = {},
): Figure {
  checkStructureOptions(opts, 'structureEvolutionFigure');
  assert(history.length > 0, () => 'history must hold at least one epoch');
  const views = structureViews(history.map((h) => h.snapshot));
  const steps = history.map((h, i) => ({ epoch: h.epoch, i }));
  return sliderFigure(
    steps.map((s) => s.epoch + 1),
    (epoch) => {
      const i = steps.find((s) => s.epoch + 1 === epoch)!.i;
      const s = history[i].snapshot;
      return structureFigure(s, views[i], {
        ...opts,
        title: opts.title ?? `${s.name} (${s.operation}) after epoch ${epoch}`, // escaped by structureFigure
      });
    },
    { label: 'epoch', active: history.length - 1 },
  );
}

/** Options of {@link learnedOperatorFigure}. */
export interface LearnedOperatorOptions extends CompareOptions {
  /** Output channels of the layer to show. @default every channel */
  channels?: number[];
}

const LEARNED_OPERATOR_OPTIONS: OptionNames<LearnedOperatorOptions> = { ...COMPARE_OPTIONS, channels: true };

/**
 * The learned operator on a bona fide and a spoofed spectrogram side by side: column 1 bona fide,
 * column 2 spoof; row 1 the inputs, then one row per channel of `layer` (applied with
 * `applyMorphLayer`), linked axes and one colour scale (see `compareStages`).
 */
export function learnedOperatorFigure(
  layer: MorphLayer,
  inputs: { bonafide: Grid; spoof: Grid },
  opts: LearnedOperatorOptions = {},
): Figure {
  checkOptionNames(opts, LEARNED_OPERATOR_OPTIONS, 'learnedOperatorFigure');
  const a = applyMorphLayer(layer, inputs.bonafide);
  const b = applyMorphLayer(layer, inputs.spoof);
  const channels = opts.channels ?? a.map((_, k) => k);
  channels.forEach((k, i) =>
    assert(
      Number.isInteger(k) && k >= 0 && k < a.length,
      () => `channels[${i}]=${formatValue(k)} must be a channel index in [0, ${a.length})`,
    ),
  );
  const stages = [
    { name: 'bona fide', grid: inputs.bonafide },
    { name: 'spoof', grid: inputs.spoof },
  ];
  for (const k of channels) {
    stages.push(
      { name: `bona fide · ${layer.operation} ch ${k}`, grid: a[k] },
      { name: `spoof · ${layer.operation} ch ${k}`, grid: b[k] },
    );
  }
  const { channels: _c, ...rest } = opts;
  return compareStages(stages, { title: `${layer.name}: learned ${layer.operation}`, ...rest, columns: 2 });
}
