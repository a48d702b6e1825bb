// Colours of the PNG fallback, shared by every drawer so a picture reads as one figure.
import type { RGB } from '../raster';

export const WHITE: RGB = [255, 255, 255];
export const INK: RGB = [42, 63, 95]; // Plotly's default font colour #2a3f5f
export const AXIS: RGB = [90, 90, 90];
export const GRID: RGB = [232, 232, 232];
/** Plotly's default colorway, so line colours match the interactive figure. */
export const COLORWAY = [
  '#636efa',
  '#EF553B',
  '#00cc96',
  '#ab63fa',
  '#FFA15A',
  '#19d3f3',
  '#FF6692',
  '#B6E880',
  '#FF97FF',
  '#FECB52',
];
