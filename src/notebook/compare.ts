import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { isSpectrogram, type Grid } from '../grid/grid';
import { plotlyColorScale } from './colormap';
import { checkOptionalString } from './checks';
import {
  colorRange,
  escapeHtml,
  HEATMAP_OPTIONS,
  hasColors,
  heatmapPart,
  nonFiniteNote,
  type HeatmapOptions,
  type HeatmapPart,
} from './heatmap';
import type { Axis, ColorScaleName, Figure, Trace } from './types';

/** A named pipeline stage to compare, with optional settings of its own panel. */
export interface Stage {
  /** Panel title. */
  name: string;
  grid: Grid;
  /** Colour scale of this panel (e.g. 'diverging' for a signed saliency map). @default the figure's */
  colorScale?: ColorScaleName;
  /** Bottom of this panel's colour scale. @default the figure's zmin, else the data's */
  zmin?: number;
  /** Top of this panel's colour scale. @default the figure's zmax, else the data's */
  zmax?: number;
  /** This panel's colour bar title. @default the figure's unit, else the grid's */
  unit?: string;
}

/** Options of {@link compareStages}. */
export interface CompareOptions extends HeatmapOptions {
  /** Subplots per row. @default the number of stages up to 2 */
  columns?: number;
  /**
   * Which panels share a colour scale: `true` all of them (one colour bar, range over every
   * stage); `false` none (a colour bar beside each panel, each on its own range); `'auto'` panels
   * with the same unit, colour scale and zmin/zmax share one range and the others get their own.
   * Whenever panels do not all share one scale each panel has its colour bar beside it.
   * Axes are linked (zoom one, all follow) only between panels with identical coordinates
   * (same shape, times and frequencies), and not at all with `false`.
   * @default 'auto'
   */
  sharedScale?: 'auto' | boolean;
}

/** The names of {@link CompareOptions}, for `checkOptionNames`. */
export const COMPARE_OPTIONS: OptionNames<CompareOptions> = { ...HEATMAP_OPTIONS, columns: true, sharedScale: true };

/** The fields of a {@link Stage}. */
const STAGE_FIELDS: OptionNames<Stage> = {
  name: true,
  grid: true,
  colorScale: true,
  zmin: true,
  zmax: true,
  unit: true,
};

/** Checks the stages given as a list: objects of Stage fields, with a string name. */
function checkStages(list: Stage[]): void {
  list.forEach((s, i) => {
    assert(
      s !== null && typeof s === 'object',
      () => `stages[${i}]=${formatValue(s)} must be a stage {name, grid, ...}`,
    );
    checkOptionNames(s, STAGE_FIELDS, `compareStages: stages[${i}]`);
    assert(typeof s.name === 'string', () => `stages[${i}].name=${formatValue(s.name)} must be a string`);
    checkOptionalString(s.unit, `stages[${i}].unit`);
  });
}

/** What a compareStages figure shows, computed once for both renderings (Plotly and PNG). */
export interface ComparePanel {
  name: string;
  part: HeatmapPart;
  /** Colour range drawn (shared within the panel's colour group). */
  zRange: [number, number];
  /** Whether zRange is real (some finite value in the group, or zmin and zmax given), so its colour bar is shown. */
  showScale: boolean;
  /** Index of the colour group (panels sharing one scale). */
  colorGroup: number;
  /** Index of the first panel with the same x (and y) coordinates; the panel's own index if none. */
  xGroup: number;
  yGroup: number;
}

/** Panels of {@link compareStages}: each stage's heatmap, its colour group and range, its axis links. */
export function comparePanels(stages: Stage[] | Record<string, Grid>, opts: CompareOptions = {}): ComparePanel[] {
  assert(
    stages !== null && typeof stages === 'object',
    () => `stages=${formatValue(stages)} must be [{name, grid}, ...] or {name: grid, ...}`,
  );
  const list: Stage[] = Array.isArray(stages) ? stages : Object.entries(stages).map(([name, grid]) => ({ name, grid }));
  assert(list.length > 0, () => 'stages must hold at least one stage');
  if (Array.isArray(stages)) checkStages(list);
  const shared = opts.sharedScale ?? 'auto';
  assert(
    shared === 'auto' || shared === true || shared === false,
    () => `sharedScale=${formatValue(shared)} must be 'auto', true or false`,
  );
  const parts = list.map((s, i) => {
    const own = {
      colorScale: s.colorScale ?? opts.colorScale,
      zmin: s.zmin ?? opts.zmin,
      zmax: s.zmax ?? opts.zmax,
      unit: s.unit ?? opts.unit,
    };
    // `stages[i] (name)` names the grid in error messages; the trace (legend, hover) carries the stage's own name.
    const data = `stages[${i}] (${s.name})`;
    const names = {
      zmin: s.zmin !== undefined ? `stages[${i}].zmin` : 'zmin',
      zmax: s.zmax !== undefined ? `stages[${i}].zmax` : 'zmax',
      data,
    };
    const part = heatmapPart(s.grid, { ...opts, ...own, pooling: opts.pooling }, data, names);
    return { own, part: { ...part, trace: { ...part.trace, name: s.name } } };
  });
  const keyOf = (i: number): string => {
    if (shared === true) return 'all';
    if (shared === false) return String(i);
    const { own, part } = parts[i];
    // A plain Grid has no unit to compare: unless the caller names one, it keeps its own scale.
    if (own.unit === undefined && !isSpectrogram(list[i].grid)) return `own ${i}`;
    return JSON.stringify([part.unit, part.colorScale, own.zmin ?? null, own.zmax ?? null]);
  };
  const groupKeys = [...new Set(parts.map((_, i) => keyOf(i)))];
  const groups = groupKeys.map((k) => {
    const members = parts.filter((_, i) => keyOf(i) === k);
    const lo = Math.min(...members.map((m) => m.part.dataRange[0]).filter(Number.isFinite));
    const hi = Math.max(...members.map((m) => m.part.dataRange[1]).filter(Number.isFinite));
    const first = members[0];
    const range: [number, number] = [lo, hi];
    return { range: colorRange(range, first.part.colorScale, first.own), show: hasColors(range, first.own) };
  });
  const coordKey = (p: HeatmapPart, axis: 'x' | 'y'): string =>
    JSON.stringify([p.trace[axis], axis === 'x' ? p.xaxis : p.yaxis]);
  return parts.map(({ part }, i) => {
    const colorGroup = groupKeys.indexOf(keyOf(i));
    const link = (axis: 'x' | 'y'): number =>
      shared === false ? i : parts.findIndex((q) => coordKey(q.part, axis) === coordKey(part, axis));
    return {
      name: list[i].name,
      part,
      zRange: groups[colorGroup].range,
      showScale: groups[colorGroup].show,
      colorGroup,
      xGroup: link('x'),
      yGroup: link('y'),
    };
  });
}

/**
 * Pipeline stages (e.g. dB spectrogram, opening, top-hat) side by side as heatmap subplots.
 * Stages are given in order as `[{name, grid, colorScale?, zmin?, zmax?, unit?}]` or `{name: grid}`.
 * Panels of the same shape and coordinates have linked axes (zooming one zooms all); panels of the
 * same unit share one colour scale (see `sharedScale`), others get their own colour bar. Each
 * panel title gives the grid's shape and, when pooled for display (like {@link heatmap}, each
 * panel on the full cell budget), what was sent.
 */
export function compareStages(stages: Stage[] | Record<string, Grid>, opts: CompareOptions = {}): Figure {
  checkOptionNames(opts, COMPARE_OPTIONS, 'compareStages');
  const panels = comparePanels(stages, opts);
  const n = panels.length;
  const columns = opts.columns ?? Math.min(n, 2);
  assertPositiveInt(columns, 'columns');
  const rowsOfPlots = Math.ceil(n / columns);
  const oneScale = new Set(panels.map((p) => p.colorGroup)).size === 1 && opts.sharedScale !== false;
  // Geometry in pixels, then in paper fractions, so a colour bar sits beside its own panel.
  const margin = { l: 70, r: oneScale ? 90 : 20, t: 90, b: 50 };
  const barPx = oneScale ? 0 : 78; // a panel's colour bar: gap, 12 px bar, tick labels
  const yLabelPx = 66; // tick labels and title of the next column's y axis
  const panelPx = columns <= 2 ? 360 : 250;
  const width = opts.width ?? margin.l + margin.r + columns * (panelPx + barPx) + (columns - 1) * yLabelPx;
  const height = opts.height ?? margin.t + margin.b + rowsOfPlots * 250 + (rowsOfPlots - 1) * 80;
  const plotW = width - margin.l - margin.r;
  const plotH = height - margin.t - margin.b;
  const gapX = (barPx + yLabelPx) / plotW;
  const w = (1 - gapX * (columns - 1) - barPx / plotW) / columns;
  const gapY = 80 / plotH;
  const h = (1 - gapY * (rowsOfPlots - 1)) / rowsOfPlots;
  assert(w > 0 && h > 0, () => `width=${width} height=${height} leave no room for ${rowsOfPlots}x${columns} panels`);
  const layout: Figure['layout'] = {
    title: { text: escapeHtml(opts.title ?? 'Pipeline stages') },
    width,
    height,
    margin,
    annotations: [] as unknown[],
  };
  const data: Trace[] = [];
  const suffixOf = (i: number): string => (i === 0 ? '' : String(i + 1));
  panels.forEach((p, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    const suffix = suffixOf(i);
    const x0 = col * (w + gapX);
    const y1 = 1 - row * (h + gapY);
    const xaxis: Axis = { ...p.part.xaxis, domain: [x0, x0 + w], anchor: `y${suffix}` };
    const yaxis: Axis = { ...p.part.yaxis, domain: [y1 - h, y1], anchor: `x${suffix}` };
    if (p.xGroup !== i) xaxis.matches = `x${suffixOf(p.xGroup)}`;
    if (p.yGroup !== i) yaxis.matches = `y${suffixOf(p.yGroup)}`;
    // Axis titles only where they differ from the neighbour's: below in the column, left in the row.
    const below = i + columns < n ? panels[i + columns] : undefined;
    if (below && below.xGroup === p.xGroup) xaxis.title = { text: '' };
    if (col > 0 && panels[i - 1].yGroup === p.yGroup) yaxis.title = { text: '' };
    layout[`xaxis${suffix}`] = xaxis;
    layout[`yaxis${suffix}`] = yaxis;
    const ca = oneScale ? 'coloraxis' : `coloraxis${suffix}`;
    if (!oneScale || i === 0) {
      layout[ca] = {
        colorscale: plotlyColorScale(p.part.colorScale),
        cmin: p.zRange[0],
        cmax: p.zRange[1],
        ...(p.showScale ? {} : { showscale: false }),
        colorbar: oneScale
          ? {
              title: { text: escapeHtml([...new Set(panels.map((q) => q.part.unit))].join(' / ')) },
              x: 1 + 12 / plotW,
              xanchor: 'left',
              y: 0.5,
              yanchor: 'middle',
              len: 1,
              thickness: 14,
            }
          : {
              title: { text: escapeHtml(p.part.unit) },
              x: x0 + w + 8 / plotW,
              xanchor: 'left',
              y: y1 - h / 2,
              yanchor: 'middle',
              len: h,
              thickness: 12,
            },
      };
    }
    const { colorscale: _c, zmin: _lo, zmax: _hi, colorbar: _b, ...rest } = p.part.trace;
    data.push({ ...rest, xaxis: `x${suffix}`, yaxis: `y${suffix}`, coloraxis: ca });
    const [sr, sc] = p.part.sourceShape;
    const pooled = p.part.factor[0] > 1 || p.part.factor[1] > 1;
    const shape = pooled
      ? `${sr}×${sc}, shown ${p.part.shape[0]}×${p.part.shape[1]} (${p.part.pooling}-pooled)`
      : `${sr}×${sc}`;
    const gaps = nonFiniteNote(p.part.nonFinite, sr * sc, true);
    (layout.annotations as unknown[]).push({
      text: `<b>${escapeHtml(p.name)}</b><br>${shape}${gaps ? `<br>${escapeHtml(gaps)}` : ''}`,
      x: x0 + w / 2,
      y: y1,
      xref: 'paper',
      yref: 'paper',
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 12 },
    });
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}
