// Colour scales as the PNG applies them: quantised so a whole figure fits a 256-colour palette.
import { colorAt, colorAtStops } from '../colormap';
import { COLOR_LEVELS } from '../raster';

/** A trace's colour scale, value range and colour-bar title. */
export interface ColorSpec {
  stops: { t: number; rgb: [number, number, number] }[] | null;
  name: 'viridis';
  min: number;
  max: number;
  title: string;
}

/** Colour of value v under spec, quantised to COLOR_LEVELS steps (so a figure fits a PNG palette). */
export function quantisedColor(
  spec: { stops: ColorSpec['stops']; min: number; max: number },
  v: number,
): [number, number, number] {
  const t = (v - spec.min) / (spec.max - spec.min || 1);
  const q = Math.round(Math.min(1, Math.max(0, t)) * (COLOR_LEVELS - 1)) / (COLOR_LEVELS - 1);
  return spec.stops ? colorAtStops(spec.stops, q) : colorAt('viridis', q);
}
