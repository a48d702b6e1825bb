// The PNG fallback of figures (no browser): render.ts composes layout (layout.ts, axes.ts), one
// drawer per trace type (traces/), colour bars, legend and text. A new trace type is one file in
// traces/ and one line in traces/index.ts.
export { renderPng, savePng, renderRaster, pngAxisRanges, pngAxisPixels } from './render';
export { plotRect, type RenderPngOptions } from './layout';
export { pngColorbarRanges } from './colorbar';
