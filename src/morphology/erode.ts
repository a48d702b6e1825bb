import { checkOptionNames } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { assertFootprint, type Footprint } from './footprint';
import { MORPHOLOGY_OPTIONS, nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Grey-level erosion: `out(p) = min over b in B of f(p + b)`, offsets b relative to the anchor
 * (Soille). Input and output are rows x cols (frequency x time for spectrograms); a Spectrogram
 * comes back as a Spectrogram with its metadata.
 *
 * Cost: rectangles and lines are separable, all in WebAssembly SIMD. Down the columns, up to 16
 * rows take one pass of a doubling ladder kept in registers (one load and log2(L) + 1 comparisons
 * per pixel), longer sides van Herk/Gil-Werman (3 comparisons per pixel whatever the length);
 * 3-column boxes up to 16 rows take both directions in that one pass. Along the rows, one pass up
 * to 7, a ladder to 8, 16 or 32 plus log passes beyond it, van Herk/Gil-Werman from 961 columns.
 * Other shapes use their chord (row-span) decomposition: one pass per distinct chord length plus
 * one per 8 chords, so O(radius) per pixel for discs and ellipses. No per-pixel allocation; pass
 * `out` to reuse the output buffer.
 *
 * Notes: equals OpenCV `cv2.erode(f, mask, anchor=centre)` for every footprint; with the default
 * `border: 'ignore'` it equals OpenCV's default border and scipy `grey_erosion` with
 * `mode='constant', cval=+inf`.
 */
export function erode<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkGrid(g, 'grid');
  assertFootprint(fp);
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'erode');
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
