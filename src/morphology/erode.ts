import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { assertFootprint, type Footprint } from './footprint';
import { nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level erosion: `out(p) = min over b in B of f(p + b)`, offsets b relative to the anchor
 * (Soille). Input and output are rows x cols (frequency x time for spectrograms); a Spectrogram
 * comes back as a Spectrogram with its metadata.
 *
 * Cost: rectangles and lines are separable; each direction costs O(1) comparisons per pixel
 * (van Herk/Gil-Werman, SIMD) from 13 rows or 48 columns on; below that one SIMD pass down the
 * columns ((L+1)/2 loads per pixel) and one to three along the rows, where those measured faster.
 * Other shapes use their chord (row-span)
 * decomposition: one pass per distinct chord length plus one per four chords. No per-pixel
 * allocation; pass `out` to reuse the output buffer.
 *
 * Notes: equals OpenCV `cv2.erode(f, mask, anchor=centre)` for every footprint; with the default
 * `border: 'ignore'` it equals OpenCV's default border and scipy `grey_erosion` with
 * `mode='constant', cval=+inf`.
 */
export function erode<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkGrid(g, 'grid');
  assertFootprint(fp);
  const out = outputBuffer(opts.out, g.data.length, g.data);
  extremumFilter(
    g.data,
    g.rows,
    g.cols,
    fp.chords,
    false,
    resolveBorder(opts.border),
    out,
    nonFiniteReporter(g, 'grid', opts.allowNonFinite),
  );
  return withData(g, out);
}
