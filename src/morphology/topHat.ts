import { checkOptionNames } from '../errors';
import type { Grid } from '../grid/grid';
import type { Footprint } from './footprint';
import { composeMinMax } from './compose';
import { MORPHOLOGY_OPTIONS } from './internal';
import type { MorphologyOptions } from './options';

/**
 * White top-hat `g - opening(g, B)` (float32 arithmetic): the bright details narrower than the
 * footprint, >= 0. On a dB spectrogram with a `line(n, 'time')` footprint it keeps short bursts;
 * with `line(n, 'frequency')` it keeps narrow-band components such as harmonics. rows x cols in and
 * out; Spectrogram metadata kept (same unit).
 *
 * Notes: as scikit-image `white_tophat` and OpenCV `MORPH_TOPHAT` (symmetric footprints).
 */
export function whiteTopHat<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'whiteTopHat');
  const res = composeMinMax(g, fp, true, opts, opts.out);
  const d = res.data;
  const f = g.data;
  for (let i = 0; i < d.length; i++) d[i] = f[i] - d[i];
  return res;
}

/**
 * Black top-hat `closing(g, B) - g` (float32 arithmetic): the dark details narrower than the
 * footprint, >= 0. rows x cols in and out; Spectrogram metadata kept.
 *
 * Notes: as scikit-image `black_tophat` and OpenCV `MORPH_BLACKHAT` (symmetric footprints).
 */
export function blackTopHat<G extends Grid>(g: G, fp: Footprint, opts: MorphologyOptions = {}): G {
  checkOptionNames(opts, MORPHOLOGY_OPTIONS, 'blackTopHat');
  const res = composeMinMax(g, fp, false, opts, opts.out);
  const d = res.data;
  const f = g.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i] - f[i];
  return res;
}
