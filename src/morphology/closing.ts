import type { Grid } from '../grid/grid';
import type { Footprint } from './footprint';
import { composeMinMax } from './compose';
import type { MorphologyOptions } from './options';

/**
 * Grey-level closing `erode(dilate(g, B), B)` (Soille): fills dark gaps smaller than the footprint,
 * e.g. bridges short breaks along a harmonic. rows x cols in and out, Spectrogram metadata kept.
 * Extensive (closing >= g) and idempotent for every footprint.
 *
 * Notes: equals scipy `grey_closing(g, footprint=B)` and scikit-image `closing`; equals OpenCV
 * `morphologyEx(MORPH_CLOSE)` only for point-symmetric footprints.
 */
export function closing<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  return composeMinMax(g, fp, false, opts, opts.out);
}
