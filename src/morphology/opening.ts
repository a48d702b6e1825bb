import { checkOptionNames } from '../errors';
import type { Grid } from '../grid/grid';
import { composeMinMax } from './compose';
import type { Footprint } from './footprint';
import { MORPHOLOGY_OPTIONS } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level opening `dilate(erode(g, B), B)` (Soille): removes bright details smaller than the
 * footprint, e.g. isolated noise peaks above a spectrogram's harmonics. rows x cols in and out,
 * Spectrogram metadata kept. With `border: 'ignore'` (the default) anti-extensive (opening <= g) and
 * idempotent for every footprint, including even-sized and asymmetric ones, because the dilation
 * uses the reflected footprint. The other borders extend the eroded grid again before the dilation
 * (as scipy's modes do), so next to the edges the result can exceed g: with `'replicate'`, footprint
 * `[[1,1],[0,1]]` opens `[[2,3],[0,3]]` to `[[2,2],[2,2]]`.
 *
 * Notes: equals scipy `grey_opening(g, footprint=B)` and scikit-image `opening`; equals OpenCV
 * `morphologyEx(MORPH_OPEN)` only for point-symmetric footprints (OpenCV does not reflect).
 */
export function opening<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'opening');
  return composeMinMax(g, fp, true, opts, opts.out);
}
