import { assert, assertPositiveInt } from '../errors';
import type { Grid } from '../grid/grid';
import { plotlyColorScale } from './colormap';
import { escapeHtml, heatmapPart, resolveHeatmap, titleWithNote, type HeatmapOptions } from './heatmap';
import type { Axis, Figure, Trace } from './types';

/** A named pipeline stage to compare. */
export interface Stage {
  name: string;
  grid: Grid;
}

/** Options of {@link compareStages}. */
export interface CompareOptions extends HeatmapOptions {
  /** Subplots per row. @default the number of stages up to 2 */
  columns?: number;
}

/**
 * Pipeline stages (e.g. dB spectrogram, opening, top-hat) side by side as subplots with shared,
 * linked x and y axes (zooming one zooms all) and one colour scale whose range spans every stage
 * unless zmin/zmax are given. Stages are given in order as `[{name, grid}]` or `{name: grid}`.
 * Each stage is pooled like {@link heatmap}, with the cell budget split between the subplots.
 */
export function compareStages(stages: Stage[] | Record<string, Grid>, opts: CompareOptions = {}): Figure {
  const list: Stage[] = Array.isArray(stages) ? stages : Object.entries(stages).map(([name, grid]) => ({ name, grid }));
  assert(list.length > 0, () => 'stages must hold at least one stage');
  const n = list.length;
  const columns = opts.columns ?? Math.min(n, 2);
  assertPositiveInt(columns, 'columns');
  const rowsOfPlots = Math.ceil(n / columns);
  const first = resolveHeatmap(list[0].grid, opts, `stages[0] (${list[0].name})`);
  const perStage = Math.max(1024, Math.floor((opts.maxCells ?? 24576) / n));
  const parts = list.map((s, i) => heatmapPart(s.grid, { ...opts, maxCells: perStage }, s.name || `stage ${i}`));
  const lo = opts.zmin ?? Math.min(...parts.map((p) => p.range[0]));
  const hi = opts.zmax ?? Math.max(...parts.map((p) => p.range[1]));
  const gapX = 0.06;
  const gapY = 0.14;
  const w = (1 - gapX * (columns - 1)) / columns;
  const h = (1 - gapY * (rowsOfPlots - 1)) / rowsOfPlots;
  const layout: Figure['layout'] = {
    title: { text: titleWithNote(opts.title ?? 'Pipeline stages', parts.find((p) => p.note)?.note.replace(/^/, 'each ') ?? '') },
    width: opts.width ?? Math.min(960, 430 * columns + 100),
    height: opts.height ?? 300 * rowsOfPlots + 90,
    // Room on top for the title, its pooling note and the subplot titles; on the right for the colour bar.
    margin: { l: 70, r: 40, t: 100, b: 50 },
    coloraxis: {
      colorscale: plotlyColorScale(first.colorScale),
      cmin: lo,
      cmax: hi,
      colorbar: { title: { text: first.unit } },
    },
    annotations: [] as unknown[],
  };
  const data: Trace[] = [];
  parts.forEach((p, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const suffix = i === 0 ? '' : String(i + 1);
    const x0 = col * (w + gapX);
    const y1 = 1 - row * (h + gapY);
    const xaxis: Axis = { ...p.xaxis, domain: [x0, x0 + w], anchor: `y${suffix}` };
    const yaxis: Axis = { ...p.yaxis, domain: [y1 - h, y1], anchor: `x${suffix}` };
    if (i > 0) {
      xaxis.matches = 'x';
      yaxis.matches = 'y';
    }
    if (row < rowsOfPlots - 1 && i + columns < n) xaxis.title = { text: '' };
    if (col > 0) yaxis.title = { text: '' };
    layout[`xaxis${suffix}`] = xaxis;
    layout[`yaxis${suffix}`] = yaxis;
    const { colorscale: _c, zmin: _lo, zmax: _hi, colorbar: _b, ...rest } = p.trace;
    data.push({ ...rest, xaxis: `x${suffix}`, yaxis: `y${suffix}`, coloraxis: 'coloraxis' });
    (layout.annotations as unknown[]).push({
      text: `<b>${escapeHtml(list[i].name)}</b>`,
      x: x0 + w / 2,
      y: y1,
      xref: 'paper',
      yref: 'paper',
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
    });
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}
