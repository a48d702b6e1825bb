import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkOptionalString } from './checks';
import { shownRanges } from './ranges';
import type { Axis, Figure, Layout } from './types';

/** Options of {@link sliderFigure}. */
export interface SliderOptions {
  /** Parameter name shown on the slider, e.g. 'footprint size'. @default 'value' */
  label?: string;
  /** Index of the step shown first (and drawn in the PNG). @default 0 */
  active?: number;
}

const SLIDER_OPTIONS: OptionNames<SliderOptions> = { label: true, active: true };

/** Layout keys the slider figure sets itself (size, margins, the slider): frames leave them alone. */
const SLIDER_OWN = new Set(['width', 'height', 'margin', 'sliders']);

/** Layout arrays plotly.js merges element by element into the current layout (Plots.layoutArrayContainers). */
const ARRAY_CONTAINERS = new Set(['annotations', 'shapes', 'images', 'selections', 'updatemenus']);

/**
 * A figure with a slider over a parameter: `build(v)` makes the figure for each value, the first
 * (or `active`) one is shown and the others become Plotly frames switched by the slider (no
 * kernel round trip, so it works in saved notebooks and exported HTML).
 * Each frame carries its step's traces and every layout part that differs between steps (titles,
 * colour axis ranges, annotations...), with explicit axis ranges where the steps' ranges differ
 * (a Plotly animation does not autorange), so a step looks as its own figure does. The figure is
 * as large as the largest step's. The PNG fallback draws the active step.
 * Every step's data is embedded: keep steps few and figures small (pass a lower `maxCells` to
 * heatmaps), since the notebook carries all of them.
 */
export function sliderFigure<T>(values: readonly T[], build: (v: T) => Figure, opts: SliderOptions = {}): Figure {
  checkOptionNames(opts, SLIDER_OPTIONS, 'sliderFigure');
  checkOptionalString(opts.label, 'label');
  assert(Array.isArray(values) && values.length > 0, () => 'values must be an array of at least one parameter value');
  assert(typeof build === 'function', () => `build=${formatValue(build)} must be a function (value) => Figure`);
  const active = opts.active ?? 0;
  assert(
    Number.isInteger(active) && active >= 0 && active < values.length,
    () => `active=${formatValue(active)} must be an index into values (length ${values.length})`,
  );
  const label = opts.label ?? 'value';
  const figs = values.map((v) => {
    const f: unknown = build(v);
    assert(
      isFigure(f),
      () => `sliderFigure: build(${formatValue(v)}) returned ${formatValue(f)}; it must return a figure {data, layout}`,
    );
    return f;
  });
  const base = figs[active];
  const names = values.map((v) => String(v));
  const margin = { l: 70, r: 20, t: 48, b: 50, ...(base.layout.margin ?? {}) };
  const frameLayouts = stepLayouts(figs);
  return {
    data: base.data,
    layout: {
      ...base.layout,
      // Room for the largest step, and wide enough for the slider's steps and its caption.
      width: Math.max(...figs.map((f) => f.layout.width ?? 760), 420),
      height: Math.max(...figs.map((f) => f.layout.height ?? 380)) + 90,
      margin: { ...margin, b: margin.b + 90 },
      sliders: [
        {
          active,
          currentvalue: { prefix: `${label} = ` },
          pad: { t: 60 },
          steps: names.map((name) => ({
            label: name,
            method: 'animate',
            args: [[name], { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } }],
          })),
        },
      ],
    },
    config: base.config,
    frames: figs.map((f, i) => ({ name: names[i], data: f.data, layout: frameLayouts[i] })),
  };
}

function isFigure(f: unknown): f is Figure {
  const g = f as Partial<Figure> | null;
  return (
    g !== null &&
    typeof g === 'object' &&
    Array.isArray(g.data) &&
    g.layout !== null &&
    typeof g.layout === 'object' &&
    !Array.isArray(g.layout)
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * The layout of each step's frame: every layout key whose value differs between steps (axes with
 * their shown ranges filled in when those differ), as {@link replacing} writes it.
 */
function stepLayouts(figs: readonly Figure[]): Partial<Layout>[] {
  const shown = figs.map(shownRanges);
  const axisKeys = [...new Set(shown.flatMap(Object.keys))];
  const layouts = figs.map((f, i) => {
    const l: Record<string, unknown> = { ...f.layout };
    for (const key of axisKeys) {
      const ranges = shown.map((r) => JSON.stringify(r[key] ?? null));
      if (new Set(ranges).size > 1 && shown[i][key]) l[key] = { ...(l[key] as Axis | undefined), range: shown[i][key] };
    }
    return l;
  });
  const keys = [...new Set(layouts.flatMap(Object.keys))].filter((k) => !SLIDER_OWN.has(k));
  const differing = keys.filter((k) => new Set(layouts.map((l) => JSON.stringify(l[k] ?? null))).size > 1);
  return layouts.map((_, i) =>
    Object.fromEntries(
      differing.map((k) => [
        k,
        replacing(
          layouts.map((l) => l[k]),
          i,
          ARRAY_CONTAINERS.has(k),
        ),
      ]),
    ),
  );
}

/**
 * The value step `k`'s frame gives a layout part so that, merged into whichever step is showing,
 * the part becomes step k's. plotly.js merges a frame's layout into the current one: objects key by
 * key (so a key other steps have and step k lacks is sent as null, which restores the default) and
 * array containers element by element (so annotations step k lacks are sent hidden). `values` holds
 * the part in every step.
 */
function replacing(values: readonly unknown[], k: number, container = false): unknown {
  if (container) {
    const n = Math.max(0, ...values.map((a) => (Array.isArray(a) ? a.length : 0)));
    const padded = values.map((a) =>
      Array.from({ length: n }, (_, i) => (Array.isArray(a) && i < a.length ? a[i] : { visible: false })),
    );
    return padded[k].map((_, i) =>
      replacing(
        padded.map((a) => a[i]),
        k,
      ),
    );
  }
  const v = values[k];
  if (!isPlainObject(v)) return v === undefined ? null : v;
  const keys = new Set(values.flatMap((o) => (isPlainObject(o) ? Object.keys(o) : [])));
  return Object.fromEntries(
    [...keys].map((key) => [
      key,
      v[key] === undefined
        ? null
        : replacing(
            values.map((o) => (isPlainObject(o) ? o[key] : undefined)),
            k,
          ),
    ]),
  );
}
