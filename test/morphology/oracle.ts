// Brute-force test oracle: the definitions, pixel by pixel, with no decomposition and no scratch
// heap. Deliberately naive so that it is obviously right.
import type { Grid } from '../../src/grid/grid';
import type { Footprint } from '../../src/morphology/footprint';
import { mapIndex, resolveBorder, type ResolvedBorder } from '../../src/morphology/internal';
import type { Border } from '../../src/morphology/options';

function sample(g: Grid, r: number, c: number, b: ResolvedBorder, isMax: boolean): number {
  const y = mapIndex(r, g.rows, b.kind);
  const x = mapIndex(c, g.cols, b.kind);
  if (y >= 0 && x >= 0) return g.data[y * g.cols + x];
  return b.kind === 'ignore' ? (isMax ? -Infinity : Infinity) : b.value;
}

/** Soille erosion (min of f(p + b)) or dilation (max of f(p - b)), straight from the definition. */
export function bruteForce(g: Grid, fp: Footprint, op: 'erode' | 'dilate', border?: Border): Float32Array {
  const out = new Float32Array(g.rows * g.cols);
  const isMax = op === 'dilate';
  const sign = isMax ? -1 : 1;
  const b = resolveBorder(border);
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      let acc = isMax ? -Infinity : Infinity;
      for (let i = 0; i < fp.rows; i++) {
        for (let j = 0; j < fp.cols; j++) {
          if (!fp.mask[i * fp.cols + j]) continue;
          const v = sample(g, r + sign * (i - fp.anchorRow), c + sign * (j - fp.anchorCol), b, isMax);
          acc = isMax ? Math.max(acc, v) : Math.min(acc, v);
        }
      }
      out[r * g.cols + c] = acc;
    }
  }
  return out;
}

/** Index of the first element where `a` and `b` differ (NaN equal to NaN), or -1. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}
