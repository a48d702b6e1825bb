import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { checkFootprint, reflectedChords, type Footprint } from './footprint';
import { nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level dilation: `out(p) = max over b in B of f(p - b)`, offsets b relative to the anchor,
 * i.e. a max filter over the footprint reflected through its anchor (Soille). rows x cols in and
 * out; Spectrogram metadata is kept.
 *
 * Notes: Soille's / scikit-image's convention. For symmetric footprints this equals OpenCV
 * `cv2.dilate`; for asymmetric ones OpenCV does not reflect, so `cv2.dilate` matches ours only when
 * given the reflected mask and reflected anchor. `scipy.ndimage.grey_dilation(f, footprint=B)`
 * equals ours (it reflects too) for odd sizes; for even sizes scipy's reflected anchor moves by one.
 */
export function dilate<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkGrid(g, 'grid');
  checkFootprint(fp);
  const out = outputBuffer(opts.out, g.data.length, g.data);
  extremumFilter(g.data, g.rows, g.cols, reflectedChords(fp), true, resolveBorder(opts.border), out, nonFiniteReporter(g, 'grid', opts.allowNonFinite));
  return withData(g, out);
}
