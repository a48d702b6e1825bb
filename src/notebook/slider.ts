import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkOptionalString } from './checks';
import type { Figure } from './types';

/** Options of {@link sliderFigure}. */
export interface SliderOptions {
  /** Parameter name shown on the slider, e.g. 'footprint size'. @default 'value' */
  label?: string;
  /** Index of the step shown first (and drawn in the PNG). @default 0 */
  active?: number;
}

const SLIDER_OPTIONS: OptionNames<SliderOptions> = { label: true, active: true };

/**
 * A figure with a slider over a parameter: `build(v)` makes the figure for each value, the first
 * (or `active`) one is shown and the others become Plotly frames switched by the slider (no
 * kernel round trip, so it works in saved notebooks and exported HTML).
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
  const figs = values.map((v) => build(v));
  const base = figs[active];
  const names = values.map((v) => String(v));
  const margin = { l: 70, r: 20, t: 48, b: 50, ...(base.layout.margin ?? {}) };
  return {
    data: base.data,
    layout: {
      ...base.layout,
      // Wide enough for the slider's steps and its caption.
      width: Math.max(base.layout.width ?? 760, 420),
      height: (base.layout.height ?? 380) + 90,
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
    frames: figs.map((f, i) => ({ name: names[i], data: f.data, layout: { title: f.layout.title } })),
  };
}
