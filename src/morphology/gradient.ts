import { checkOptionNames } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { assertFootprint, reflectedChords, type Footprint } from './footprint';
import { MORPHOLOGY_OPTIONS, nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';

/**
 * Morphological (Beucher) gradient `dilate(g, B) - erode(g, B)` (float32 arithmetic), >= 0 when
 * B contains its anchor: large where the level changes within the footprint, e.g. onsets and
 * formant edges. rows x cols in and out; Spectrogram metadata kept.
 *
 * Notes: as OpenCV `MORPH_GRADIENT` and scikit-image `morphological_gradient` for symmetric
 * footprints (for asymmetric ones the dilation here uses the reflected footprint, Soille).
 */
export function morphologicalGradient<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkGrid(g, 'grid');
  assertFootprint(fp);
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'morphologicalGradient');
  const border = resolveBorder(opts.border);
  const out = outputBuffer(opts.out, g.data.length, g.data);
  const ero = new Float32Array(g.data.length);
  extremumFilter(
    g.data,
    g.rows,
    g.cols,
    fp.chords,
    false,
    border,
    ero,
    nonFiniteReporter(g, 'grid', opts.allowNonFinite),
  );
  extremumFilter(g.data, g.rows, g.cols, reflectedChords(fp), true, border, out);
  for (let i = 0; i < out.length; i++) out[i] -= ero[i];
  return withData(g, out);
}
