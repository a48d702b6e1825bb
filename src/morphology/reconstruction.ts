import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { dilate } from './dilate';
import { erode } from './erode';
import { assertFootprint, footprint, type Footprint } from './footprint';
import { BORDER_OPTIONS, checkFinite } from './internal';
import { hybrid, type Offsets } from './hybrid';
import type { BorderOptions } from './options';

/** Options of the reconstruction operators. */
export interface ReconstructionOptions {
  /**
   * Neighbourhood of one geodesic step: 4 (edge neighbours), 8 (edges and corners) or any
   * footprint B. Both geodesic steps gather over p - b for b in B, as scikit-image's
   * `reconstruction` does: dilation takes max J(p - b) (Soille), erosion min J(p - b), so
   * reconstruction by erosion is the negated reconstruction by dilation of the negated images
   * with the same B. (For an asymmetric B the erosion step is thus `erode` by B reflected; a
   * symmetric B, such as 4 and 8, is its own reflection.)
   * @default 8 (scikit-image's default: the 3x3 square)
   */
  connectivity?: 4 | 8 | Footprint;
  /**
   * Accept NaN / +-Infinity in marker and mask (results near NaN unspecified).
   * @default false
   */
  allowNonFinite?: boolean;
}

const RECONSTRUCTION_OPTIONS: OptionNames<ReconstructionOptions> = { connectivity: true, allowNonFinite: true };

/** Offsets (dr, dc) that a pixel pulls from in either geodesic step: p - b for b in the neighbourhood. */
function neighbourOffsets(connectivity: ReconstructionOptions['connectivity']): Offsets {
  const c = connectivity ?? 8;
  let fp: Footprint;
  if (c === 8) fp = footprint.rect(3, 3);
  else if (c === 4) fp = footprint.cross(3, 3);
  else {
    assert(
      c !== null && typeof c === 'object',
      () => `connectivity=${formatValue(c)} must be 4, 8 or a Footprint (footprint.rect, .disk, ...)`,
    );
    assertFootprint(c, 'connectivity');
    fp = c;
  }
  const out: [number, number][] = [];
  for (const ch of fp.chords) {
    for (let k = 0; k < ch.length; k++) {
      const dr = ch.dr;
      const dc = ch.dc + k;
      if (dr === 0 && dc === 0) continue;
      out.push([-dr, -dc]);
    }
  }
  return out;
}

function reconstruct<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions, byDilation: boolean): G {
  checkGrid(marker, 'marker');
  checkGrid(mask, 'mask');
  assert(
    marker.rows === mask.rows && marker.cols === mask.cols,
    () => `marker is ${marker.rows}x${marker.cols} but mask is ${mask.rows}x${mask.cols}; they must match`,
  );
  checkFinite(marker, 'marker', opts.allowNonFinite);
  checkFinite(mask, 'mask', opts.allowNonFinite);
  const J = marker.data;
  const I = mask.data;
  for (let i = 0; i < J.length; i++) {
    if (byDilation ? J[i] <= I[i] : J[i] >= I[i]) continue;
    assert(Number.isNaN(J[i]) || Number.isNaN(I[i]), () => {
      const r = Math.floor(i / mask.cols);
      return (
        `marker.data[${i}]=${J[i]} ${byDilation ? '>' : '<'} mask.data[${i}]=${I[i]} (row ${r}, col ${i - r * mask.cols}): ` +
        `reconstruction by ${byDilation ? 'dilation needs marker <= mask' : 'erosion needs marker >= mask'}`
      );
    });
  }
  const result = new Float32Array(J.length);
  hybrid(result, J, I, mask.rows, mask.cols, neighbourOffsets(opts.connectivity), byDilation);
  return withData(mask, result);
}

/**
 * Morphological reconstruction by dilation of `mask` from `marker` (marker <= mask everywhere):
 * geodesic dilations of the marker, each capped by the mask, iterated to stability. Keeps every
 * mask "hill" that the marker touches, at its full shape. rows x cols in and out (mask's metadata).
 *
 * Notes: scikit-image `reconstruction(seed, mask, method='dilation', footprint)`; computed with
 * Vincent's hybrid raster / anti-raster / FIFO algorithm, O(pixels) in practice, in WebAssembly
 * (a typed-array twin with identical results where WebAssembly is missing). Throws if some
 * marker pixel exceeds the mask (as scikit-image does) rather than clipping silently.
 */
export function reconstructionByDilation<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions = {}): G {
  checkOptionNames(opts, RECONSTRUCTION_OPTIONS, 'reconstructionByDilation');
  return reconstruct(marker, mask, opts, true);
}

/**
 * Morphological reconstruction by erosion of `mask` from `marker` (marker >= mask): the dual of
 * {@link reconstructionByDilation}; fills every mask "valley" the marker does not reach into.
 *
 * Notes: scikit-image `reconstruction(seed, mask, method='erosion', footprint)`, also for an
 * asymmetric `connectivity` footprint (see {@link ReconstructionOptions.connectivity}):
 * `reconstructionByErosion(m, g, o)` = −`reconstructionByDilation(−m, −g, o)`.
 */
export function reconstructionByErosion<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions = {}): G {
  checkOptionNames(opts, RECONSTRUCTION_OPTIONS, 'reconstructionByErosion');
  return reconstruct(marker, mask, opts, false);
}

/** Options of opening / closing by reconstruction: border of the first erosion/dilation, neighbourhood of the reconstruction. */
export interface ByReconstructionOptions extends BorderOptions, ReconstructionOptions {}

const BY_RECONSTRUCTION_OPTIONS: OptionNames<ByReconstructionOptions> = {
  ...BORDER_OPTIONS,
  ...RECONSTRUCTION_OPTIONS,
};

/**
 * Opening by reconstruction: reconstruct `g` by dilation from `erode(g, fp)`. Removes bright
 * structures the footprint does not fit in (noise specks) while keeping the exact shape of the
 * ones it fits in (harmonic ridges), unlike a plain opening which rounds them off. rows x cols in
 * and out; Spectrogram metadata kept.
 *
 * Notes: Soille 2003, 6.3.5; the marker is min(erode(g), g) so footprints that miss their anchor are
 * accepted too.
 */
export function openingByReconstruction<G extends Grid>(g: G, fp: Footprint, opts: ByReconstructionOptions = {}): G {
  checkOptionNames(opts, BY_RECONSTRUCTION_OPTIONS, 'openingByReconstruction');
  const marker = erode(g, fp, { border: opts.border, allowNonFinite: opts.allowNonFinite });
  const m = marker.data;
  for (let i = 0; i < m.length; i++) if (g.data[i] < m[i]) m[i] = g.data[i];
  // erode checked g; marker <= g by construction: the result can take the marker's place
  hybrid(m, m, g.data, g.rows, g.cols, neighbourOffsets(opts.connectivity), true);
  return withData(g, m);
}

/**
 * Closing by reconstruction: reconstruct `g` by erosion from `dilate(g, fp)`. Fills dark gaps the
 * footprint does not fit in, keeping the exact shape of larger dark regions. rows x cols in and
 * out; Spectrogram metadata kept.
 *
 * Notes: the dual of {@link openingByReconstruction}; the marker is max(dilate(g), g).
 */
export function closingByReconstruction<G extends Grid>(g: G, fp: Footprint, opts: ByReconstructionOptions = {}): G {
  checkOptionNames(opts, BY_RECONSTRUCTION_OPTIONS, 'closingByReconstruction');
  const marker = dilate(g, fp, { border: opts.border, allowNonFinite: opts.allowNonFinite });
  const m = marker.data;
  for (let i = 0; i < m.length; i++) if (g.data[i] > m[i]) m[i] = g.data[i];
  hybrid(m, m, g.data, g.rows, g.cols, neighbourOffsets(opts.connectivity), false);
  return withData(g, m);
}
