// Notebook layer: Plotly figures, MIME bundles with a PNG fallback, audio player, progress, live charts.
export type { Figure, Trace, Layout, Axis, TypedArraySpec, ColorScaleName } from './types';
export { COLOR_SCALES, plotlyColorScale, colorAt } from './colormap';
export { encodeF4, encodeF8, decodeTypedArray } from './encode';
export { decimate, type DecimateOptions, type Decimated, type Pooling } from './decimate';
export { heatmap, difference, type HeatmapOptions } from './heatmap';
export * from './compare';
export * from './footprint';
export * from './learnedMorphology';
export * from './slider';
export { lineFigure, trainingCurves, rocFigure, detFigure, type Series, type LineOptions } from './curves';
export * from './table';
export { renderPng, savePng, plotRect, type RenderPngOptions } from './png';
export { mimeBundle, toHtml, summary, plotlyLoaderHtml, isFigure, type MimeBundle } from './bundle';
export * from './show';
export * from './widgets';
export { inKernel } from './kernel';
