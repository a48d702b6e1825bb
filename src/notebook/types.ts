/**
 * The plain-data figure specmorph hands to Plotly: what `Plotly.newPlot(div, data, layout, config)`
 * takes, so users can tweak any field before showing it. Only the parts our PNG renderer reads are
 * typed; everything else passes through untouched.
 */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config: Record<string, unknown>;
  /** Plotly animation frames (used by slider figures); frame `i` replaces `data` when step `i` is picked. */
  frames?: { name: string; data: Trace[]; layout?: Partial<Layout> }[];
}

/** Plotly's binary array form (plotly.js >= 2.28): base64 of little-endian values, `shape` "rows,cols". */
export interface TypedArraySpec {
  dtype: 'f4' | 'f8' | 'i4' | 'u1';
  bdata: string;
  shape?: string;
}

/** A Plotly trace. `type` picks its PNG drawer (the list: `DRAWERS` in src/notebook/png/traces/index.ts). */
export interface Trace {
  type: string;
  [key: string]: unknown;
}

/** A Plotly axis (subset read by the PNG renderer). */
export interface Axis {
  title?: { text?: string };
  domain?: [number, number];
  range?: [number, number];
  type?: 'linear' | 'log' | '-' | 'category';
  tickvals?: number[];
  ticktext?: string[];
  autorange?: boolean | 'reversed';
  matches?: string;
  anchor?: string;
  scaleanchor?: string;
  showgrid?: boolean;
  [key: string]: unknown;
}

/** A Plotly layout (subset read by the PNG renderer). */
export interface Layout {
  /** `y` with `yanchor: 'top'` pins the title's top at that fraction of the height (the PNG too). */
  title?: { text?: string; y?: number; yanchor?: 'auto' | 'top' | 'middle' | 'bottom' };
  width?: number;
  height?: number;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  [key: string]: unknown;
}

/**
 * Colour scales for heatmaps. `greys` runs black (low) to white (high); `diverging` is
 * blue-white-red for signed differences.
 */
export type ColorScaleName = 'viridis' | 'magma' | 'greys' | 'diverging';
