import { checkOptionNames } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { assertFootprint, reflectedChords, type Footprint } from './footprint';
import { MORPHOLOGY_OPTIONS, nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level dilation: `out(p) = max over b in B of f(p - b)`, offsets b relative to the anchor,
 * i.e. a max filter over the footprint reflected through its anchor (Soille). rows x cols in and
 * out; Spectrogram metadata is kept.
 *
 * Notes: Soille's / scikit-image's convention. Equals `scipy.ndimage.grey_dilation(f, footprint=B)`
 * for every footprint, even-sized included (scipy reflects B and shifts the origin of even sides,
 * which is exactly the point reflection about our anchor; checked by the fixtures). OpenCV
 * `cv2.dilate` does not reflect: it matches ours for point-symmetric odd footprints, otherwise only
 * when given the reflected mask and the reflected anchor `(cols-1-ac, rows-1-ar)`.
 */
export function dilate<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkGrid(g, 'grid');
  assertFootprint(fp);
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'dilate');
  const out = outputBuffer(opts.out, g.data.length, g.data);
  extremumFilter(
    g.data,
    g.rows,
    g.cols,
    reflectedChords(fp),
    true,
    resolveBorder(opts.border),
    out,
    nonFiniteReporter(g, 'grid', opts.allowNonFinite),
  );
  return withData(g, out);
}
