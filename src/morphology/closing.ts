import { checkOptionNames } from '../errors';
import type { Grid } from '../grid/grid';
import type { Footprint } from './footprint';
import { composeMinMax } from './compose';
import { MORPHOLOGY_OPTIONS } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level closing `erode(dilate(g, B), B)` (Soille): fills dark gaps smaller than the footprint,
 * e.g. bridges short breaks along a harmonic. rows x cols in and out, Spectrogram metadata kept.
 * With `border: 'ignore'` (the default) extensive (closing >= g) and idempotent for every footprint;
 * the other borders extend the dilated grid again before the erosion (as scipy's modes do), so next
 * to the edges the result can fall below g (see {@link opening}).
 *
 * Notes: equals scipy `grey_closing(g, footprint=B)` and scikit-image `closing`; equals OpenCV
 * `morphologyEx(MORPH_CLOSE)` only for point-symmetric footprints.
 */
export function closing<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'closing');
  return composeMinMax(g, fp, false, opts, opts.out);
}
