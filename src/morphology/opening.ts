import type { Grid } from '../grid/grid';
import { composeMinMax } from './compose';
import type { Footprint } from './footprint';
import type { MorphologyOptions } from './options';

/**
 * Grey-level opening `dilate(erode(g, B), B)` (Soille): removes bright details smaller than the
 * footprint, e.g. isolated noise peaks above a spectrogram's harmonics. rows x cols in and out,
 * Spectrogram metadata kept. Anti-extensive (opening <= g) and idempotent for every footprint,
 * including even-sized and asymmetric ones, because the dilation uses the reflected footprint.
 *
 * Notes: equals scipy `grey_opening(g, footprint=B)` and scikit-image `opening`; equals OpenCV
 * `morphologyEx(MORPH_OPEN)` only for point-symmetric footprints (OpenCV does not reflect).
 */
export function opening<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  return composeMinMax(g, fp, true, opts, opts.out);
}
