import { assert } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { dilate } from './dilate';
import { erode } from './erode';
import { checkFootprint, footprint, type Footprint } from './footprint';
import { checkFinite } from './internal';
import type { BorderOptions } from './options';

/** Options of the reconstruction operators. */
export interface ReconstructionOptions {
  /**
   * Neighbourhood of one geodesic step: 4 (edge neighbours), 8 (edges and corners) or any
   * footprint B (geodesic dilation is max over b in B of J(p - b), Soille).
   * @default 8 (scikit-image's default: the 3x3 square)
   */
  connectivity?: 4 | 8 | Footprint;
  /**
   * Accept NaN / +-Infinity in marker and mask (results near NaN unspecified).
   * @default false
   */
  allowNonFinite?: boolean;
}

/** Offsets (dr, dc) that a pixel pulls from, for dilation (p - b) or erosion (p + b). */
function neighbourOffsets(connectivity: ReconstructionOptions['connectivity'], byDilation: boolean): [number, number][] {
  const c = connectivity ?? 8;
  let fp: Footprint;
  if (c === 8) fp = footprint.rect(3, 3);
  else if (c === 4) fp = footprint.cross(3, 3);
  else {
    checkFootprint(c as Footprint, 'connectivity');
    fp = c as Footprint;
  }
  const out: [number, number][] = [];
  for (const ch of fp.chords) {
    for (let k = 0; k < ch.length; k++) {
      const dr = ch.dr;
      const dc = ch.dc + k;
      if (dr === 0 && dc === 0) continue;
      out.push(byDilation ? [-dr, -dc] : [dr, dc]);
    }
  }
  return out;
}

let frameCache: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];

/**
 * Two scratch frames of `n` floats, reused across calls: fresh multi-megabyte buffers cost page
 * faults and GC work that, for a spectrogram, exceed the reconstruction itself. Never handed out.
 */
function frames(n: number): [Float32Array, Float32Array] {
  if (frameCache[0].length < n) frameCache = [new Float32Array(n), new Float32Array(n)];
  return [frameCache[0].subarray(0, n), frameCache[1].subarray(0, n)];
}

/** A ring buffer twice as long holding the same `size` items, oldest first. */
function grow(queue: Int32Array, head: number, size: number): Int32Array {
  const grown = new Int32Array(queue.length * 2);
  for (let i = 0; i < size; i++) grown[i] = queue[(head + i) & (queue.length - 1)];
  return grown;
}

/**
 * Vincent's (1993) hybrid algorithm for reconstruction by dilation: one raster and one
 * anti-raster sweep (each pixel pulls the max of the neighbours already visited, capped by the
 * mask), then a FIFO queue propagates what is left. `pulls` are the offsets a pixel takes its value
 * from; it pushes along the opposite ones. J and I are copied into frames padded with -Infinity,
 * which never propagates, so the inner loops need no bounds checks. J is updated in place.
 */
function hybrid(J: Float32Array, I: Float32Array, rows: number, cols: number, pulls: [number, number][]): void {
  const pad = Math.max(1, ...pulls.map(([dr, dc]) => Math.max(Math.abs(dr), Math.abs(dc))));
  const PW = cols + 2 * pad;
  const PH = rows + 2 * pad;
  const [j, m] = frames(PW * PH);
  j.fill(-Infinity);
  m.fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    j.set(J.subarray(r * cols, (r + 1) * cols), (r + pad) * PW + pad);
    m.set(I.subarray(r * cols, (r + 1) * cols), (r + pad) * PW + pad);
  }
  const isBefore = ([dr, dc]: [number, number]): boolean => dr < 0 || (dr === 0 && dc < 0);
  const flat = (o: [number, number][]): Int32Array => Int32Array.from(o, ([dr, dc]) => dr * PW + dc);
  const before = flat(pulls.filter(isBefore));
  const after = flat(pulls.filter((o) => !isBefore(o)));
  const pushList: [number, number][] = pulls.map(([dr, dc]) => [-dr, -dc]);
  const pushes = flat(pushList);
  // after the anti-raster sweep only pixels later in raster order can still be raised by p
  const pushesAfter = flat(pushList.filter((o) => !isBefore(o)));

  for (let r = 0; r < rows; r++) {
    const base = (r + pad) * PW + pad;
    for (let p = base; p < base + cols; p++) {
      let v = j[p];
      for (let k = 0; k < before.length; k++) {
        const w = j[p + before[k]];
        if (w > v) v = w;
      }
      const cap = m[p];
      j[p] = v > cap ? cap : v;
    }
  }

  // FIFO as a power-of-two ring; kept in locals (not closed over) so the loops stay optimised
  let queue: Int32Array = new Int32Array(1 << 12);
  let wrap = queue.length - 1;
  let head = 0;
  let size = 0;
  for (let r = rows - 1; r >= 0; r--) {
    const base = (r + pad) * PW + pad;
    for (let p = base + cols - 1; p >= base; p--) {
      let v = j[p];
      for (let k = 0; k < after.length; k++) {
        const w = j[p + after[k]];
        if (w > v) v = w;
      }
      const cap = m[p];
      v = v > cap ? cap : v;
      j[p] = v;
      for (let k = 0; k < pushesAfter.length; k++) {
        const q = p + pushesAfter[k];
        const jq = j[q];
        if (jq < v && jq < m[q]) {
          if (size === queue.length) {
            queue = grow(queue, head, size);
            wrap = queue.length - 1;
            head = 0;
          }
          queue[(head + size++) & wrap] = p;
          break;
        }
      }
    }
  }
  while (size > 0) {
    const p = queue[head];
    head = (head + 1) & wrap;
    size--;
    const v = j[p];
    for (let k = 0; k < pushes.length; k++) {
      const q = p + pushes[k];
      const jq = j[q];
      const mq = m[q];
      if (jq < v && mq !== jq) {
        j[q] = v < mq ? v : mq;
        if (size === queue.length) {
          queue = grow(queue, head, size);
          wrap = queue.length - 1;
          head = 0;
        }
        queue[(head + size++) & wrap] = q;
      }
    }
  }
  for (let r = 0; r < rows; r++) J.set(j.subarray((r + pad) * PW + pad, (r + pad) * PW + pad + cols), r * cols);
}

function reconstruct<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions, byDilation: boolean): G {
  checkGrid(marker, 'marker');
  checkGrid(mask, 'mask');
  assert(marker.rows === mask.rows && marker.cols === mask.cols,
    () => `marker is ${marker.rows}x${marker.cols} but mask is ${mask.rows}x${mask.cols}; they must match`);
  checkFinite(marker, 'marker', opts.allowNonFinite);
  checkFinite(mask, 'mask', opts.allowNonFinite);
  const J = marker.data.slice();
  const I = mask.data;
  for (let i = 0; i < J.length; i++) {
    const ok = byDilation ? J[i] <= I[i] : J[i] >= I[i];
    assert(ok || Number.isNaN(J[i]) || Number.isNaN(I[i]), () => {
      const r = Math.floor(i / mask.cols);
      return `marker.data[${i}]=${J[i]} ${byDilation ? '>' : '<'} mask.data[${i}]=${I[i]} (row ${r}, col ${i - r * mask.cols}): ` +
        `reconstruction by ${byDilation ? 'dilation needs marker <= mask' : 'erosion needs marker >= mask'}`;
    });
  }
  if (byDilation) {
    hybrid(J, I, mask.rows, mask.cols, neighbourOffsets(opts.connectivity, true));
    return withData(mask, J);
  }
  // by erosion = -(by dilation of -marker under -mask, pulling from p + b): negation is exact
  const negJ = J.map((v) => -v);
  hybrid(negJ, I.map((v) => -v), mask.rows, mask.cols, neighbourOffsets(opts.connectivity, false));
  return withData(mask, negJ.map((v) => -v));
}

/**
 * Morphological reconstruction by dilation of `mask` from `marker` (marker <= mask everywhere):
 * geodesic dilations of the marker, each capped by the mask, iterated to stability. Keeps every
 * mask "hill" that the marker touches, at its full shape. rows x cols in and out (mask's metadata).
 *
 * Notes: scikit-image `reconstruction(seed, mask, method='dilation', footprint)`; computed with
 * Vincent's hybrid raster / anti-raster / FIFO algorithm, O(pixels) in practice. Throws if some
 * marker pixel exceeds the mask (as scikit-image does) rather than clipping silently.
 */
export function reconstructionByDilation<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions = {}): G {
  return reconstruct(marker, mask, opts, true);
}

/**
 * Morphological reconstruction by erosion of `mask` from `marker` (marker >= mask): the dual of
 * {@link reconstructionByDilation}; fills every mask "valley" the marker does not reach into.
 *
 * Notes: scikit-image `reconstruction(seed, mask, method='erosion', footprint)`.
 */
export function reconstructionByErosion<G extends Grid>(marker: Grid, mask: G, opts: ReconstructionOptions = {}): G {
  return reconstruct(marker, mask, opts, false);
}

/** Options of opening / closing by reconstruction: border of the first erosion/dilation, neighbourhood of the reconstruction. */
export interface ByReconstructionOptions extends BorderOptions, ReconstructionOptions {}

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
  const marker = erode(g, fp, { border: opts.border, allowNonFinite: opts.allowNonFinite });
  const m = marker.data;
  for (let i = 0; i < m.length; i++) if (g.data[i] < m[i]) m[i] = g.data[i];
  return reconstructionByDilation(marker, g, opts);
}

/**
 * Closing by reconstruction: reconstruct `g` by erosion from `dilate(g, fp)`. Fills dark gaps the
 * footprint does not fit in, keeping the exact shape of larger dark regions. rows x cols in and
 * out; Spectrogram metadata kept.
 *
 * Notes: the dual of {@link openingByReconstruction}; the marker is max(dilate(g), g).
 */
export function closingByReconstruction<G extends Grid>(g: G, fp: Footprint, opts: ByReconstructionOptions = {}): G {
  const marker = dilate(g, fp, { border: opts.border, allowNonFinite: opts.allowNonFinite });
  const m = marker.data;
  for (let i = 0; i < m.length; i++) if (g.data[i] > m[i]) m[i] = g.data[i];
  return reconstructionByErosion(marker, g, opts);
}
