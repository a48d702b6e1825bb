// The engine behind erosion and dilation: out(r, c) = min (or max) over chords (dr, dc, L) of
// min_{k<L} f(r + dr, c + dc + k), with f extended beyond the image by the border rule.
//
// Work is done tile by tile (rows x columns sized so the scratch tables stay in cache). Per tile:
// 1. the needed input pixels, padded by the border rule, are copied into the scratch heap (table T1);
// 2. rectangles (all chords alike, rows consecutive) go separable: T1 becomes in place the running
//    min over w columns, then over h rows. Long sides use van Herk/Gil-Werman (3 comparisons per
//    pixel whatever the length; Kernels.vhgw): down the columns it runs SIMD across whole rows,
//    along the rows through 16-row strips turned column-major. Short sides use log passes: a
//    window of length m*cur is the min of m overlapping windows of length cur, so a length L takes
//    about log_5(L) passes of at most 5 in-cache loads per pixel. The crossover is measured (see
//    VHGW_MIN_LENGTH);
// 3. other footprints get one table per distinct chord length, each derived from a shorter one
//    (Urbach & Wilkinson 2008), and the output is the min of the chords' tables read at constant
//    offsets, up to four chords per pass.
// Every pass is one kernels().reduce call over one contiguous stretch, because in a row-major
// layout a shift by (dr, dc) is the constant offset dr*W + dc.
import { firstNonFinite } from '../grid/grid';
import type { Chord } from './footprint';
import { kernels, MAX_OPERANDS, STRIP_VECTORS, type Kernels } from './kernels';
import { mapIndex, type ResolvedBorder } from './internal';
import { assertMemory, formatBytes } from '../memory';
import { ParameterError } from '../errors';

/** Rows per strip of the horizontal vHGW path (one element of the strip driver). */
const SW = 4 * STRIP_VECTORS;

/**
 * Scratch budget per tile in float32 elements: 512 K floats = 2 MiB. Taller tiles cut the rows
 * recomputed at tile seams, which costs more than leaving L2: on the bench image (medians of 21,
 * noisy shared machine) 2 MiB beat 1 MiB by 4-10% for 7x7 .. 31x31, 31x1 and ellipse 7x7 and tied
 * for 1x31; 3x3 tied on the minimum; 4 MiB gained little more.
 */
let TILE_BUDGET = 1 << 19;

/** Internal: overrides the tile budget (tests use tiny tiles to exercise tiling); returns the old one. */
export function setTileBudget(floats: number): number {
  const old = TILE_BUDGET;
  TILE_BUDGET = floats;
  return old;
}

/**
 * Shortest rectangle side that takes the van Herk/Gil-Werman path (3 comparisons per pixel for
 * any length); shorter ones take the log passes of {@link widen} (one pass of <= 5 loads up to 5,
 * two up to 25, three up to 125). Crossover measured on the 257 x 6001 bench image (Node 20, AMD
 * EPYC, shared and noisy machine, minimum of 21 runs each):
 * - down the columns (`rows`), vHGW runs SIMD across whole rows straight away: the log passes
 *   were ahead up to 9 (1.27 vs 1.51 ms), level at 11, behind from 15 on (31: 1.98 vs 1.62 ms).
 * - along the rows (`cols`), vHGW pays two 4x4-block transposes per 16-row strip: the log passes
 *   were well ahead up to 15, within 3% at 31, level at 61, behind from 121 (2.04 vs 1.86 ms at
 *   241, where vHGW stays flat and the log passes keep growing).
 */
let VHGW_MIN_LENGTH = { rows: 11, cols: 48 };

/** Internal: overrides the crossover (tests force either path); returns the old one. */
export function setVhgwMinLength(next: { rows: number; cols: number }): { rows: number; cols: number } {
  const old = VHGW_MIN_LENGTH;
  VHGW_MIN_LENGTH = next;
  return old;
}

interface Plan {
  rowMin: number;
  rowMax: number;
  colMin: number;
  colMax: number;
  /** Rectangle: chord length (width) and number of rows; null for general footprints. */
  rect: { w: number; h: number } | null;
  lengths: number[];
}

function plan(chords: readonly Chord[]): Plan {
  let rowMin = Infinity;
  let rowMax = -Infinity;
  let colMin = Infinity;
  let colMax = -Infinity;
  for (const ch of chords) {
    rowMin = Math.min(rowMin, ch.dr);
    rowMax = Math.max(rowMax, ch.dr);
    colMin = Math.min(colMin, ch.dc);
    colMax = Math.max(colMax, ch.dc + ch.length - 1);
  }
  const first = chords[0];
  const isRect = chords.length === rowMax - rowMin + 1 &&
    chords.every((ch) => ch.dc === first.dc && ch.length === first.length) &&
    new Set(chords.map((ch) => ch.dr)).size === chords.length;
  const lengths = [...new Set(chords.map((ch) => ch.length))].sort((a, b) => a - b);
  return { rowMin, rowMax, colMin, colMax, rect: isRect ? { w: first.length, h: chords.length } : null, lengths };
}

/**
 * Grows running windows from length `from` to `to`, elements `step` apart (1 along a row, W down
 * a column): the first pass reads `src`, later ones work in place on `dst`. Each pass takes
 * m <= MAX_OPERANDS windows of the current length at spacings <= the current length, so they
 * overlap and cover the longer window. Only the first `need` results are wanted, so each pass
 * computes just what the passes after it read.
 */
function widen(k: Kernels, isMax: boolean, dst: number, src: number, need: number, step: number, from: number, to: number, check = false): boolean {
  const passes: { m: number; cur: number; t: number }[] = [];
  for (let cur = from; cur < to;) {
    const m = Math.min(MAX_OPERANDS, Math.ceil(to / cur));
    const t = Math.min(to, m * cur);
    passes.push({ m, cur, t });
    cur = t;
  }
  if (passes.length === 0) {
    if (src !== dst) k.reduce(isMax, dst, [src], need);
    return !check || k.allFinite(src, need);
  }
  // a pass growing cur -> t reads up to (t - cur) * step beyond each result it writes
  let n = need;
  const counts = passes.map(() => 0);
  for (let i = passes.length - 1; i >= 0; i--) {
    counts[i] = n;
    n += (passes[i].t - passes[i].cur) * step;
  }
  const srcs: number[] = [];
  let s = src;
  let finite = true;
  passes.forEach(({ m, cur, t }, i) => {
    srcs.length = 0;
    for (let j = 0; j < m; j++) srcs.push(s + Math.floor((j * (t - cur)) / (m - 1)) * step);
    if (check && i === 0) {
      // the first pass reads all of src: its last operand covers all but the first few elements
      const head = srcs[m - 1] - s;
      finite = k.allFinite(s, head) && k.reduceChecked(isMax, dst, srcs, counts[i]);
      if (!finite) return;
    } else if (finite) {
      k.reduce(isMax, dst, srcs, counts[i]);
    }
    s = dst;
  });
  return finite;
}

/**
 * Writes into `out` (rows*cols) the min (isMax false) or max over `chords` of the border-extended
 * `src`. Chords are in gather form: offsets are added to the output position. When `onNonFinite` is
 * given, a NaN/Inf in `src` calls it with the first bad index before the tile holding it is
 * written (checked on the copies already in cache, so it costs almost nothing).
 */
export function extremumFilter(
  src: Float32Array, rows: number, cols: number, chords: readonly Chord[], isMax: boolean,
  border: ResolvedBorder, out: Float32Array, onNonFinite?: (index: number) => never,
): void {
  const k = kernels();
  const p = plan(chords);
  const rowExt = p.rowMax - p.rowMin;
  const colExt = p.colMax - p.colMin;
  const vertical = p.rect !== null && p.rect.h >= VHGW_MIN_LENGTH.rows;
  const horizontal = p.rect !== null && p.rect.w >= VHGW_MIN_LENGTH.cols;
  // rectangles: the tile, plus the vertical vHGW scratch when that path runs
  const nTables = p.rect ? (vertical ? 2 : 1) : p.lengths.length + (p.lengths[0] === 1 ? 1 : 2); // + accumulator
  const budget = Math.floor(TILE_BUDGET / nTables);
  // Tile shape: full width when a few times the row extension fits, else narrower and taller,
  // keeping the padding overhead small in both directions.
  let tileRows = Math.max(1, Math.floor(budget / (cols + colExt)) - rowExt);
  let tileCols = cols;
  if (tileRows < 4 * rowExt && tileRows < rows) {
    tileRows = Math.min(rows, Math.max(32, 4 * rowExt));
    tileCols = Math.min(cols, Math.max(64, 4 * colExt, Math.floor(budget / (tileRows + rowExt)) - colExt));
  }
  // equal tiles: a short last tile would pay the full padding for few output rows
  tileRows = Math.ceil(rows / Math.ceil(rows / Math.min(tileRows, rows)));
  tileCols = Math.ceil(cols / Math.ceil(cols / tileCols));
  const Wmax = tileCols + colExt;
  // the horizontal vHGW path transposes whole groups of 4 rows, so tables get 3 spare rows
  const tableSize = (tileRows + rowExt + (horizontal ? 3 : 0)) * Wmax;
  // after the tables: a 4-row strip turned column-major and its vHGW scratch (horizontal path)
  const strip = tableSize * nTables;
  const scratch = 4 * (strip + (horizontal ? 2 * SW * Wmax : 0));
  const what = () => `footprint of ${rowExt + 1}x${colExt + 1} on a ${rows}x${cols} grid`;
  assertMemory(scratch, what, 'the morphology scratch');
  // WebAssembly memory ends at 4 GiB whatever the limit; its own error would name nothing.
  if (scratch >= 2 ** 32) throw new ParameterError(`${what()}: the morphology scratch would need ${formatBytes(scratch)}, beyond the 4 GiB of WebAssembly memory; use a smaller footprint`);
  k.reserve(strip + (horizontal ? 2 * SW * Wmax : 0));
  // Rectangles fold the finite check into their first horizontal pass when every pad is finite.
  // 'ignore' then pads with +-FLT_MAX instead of +-Infinity: a rectangle holding the anchor always
  // holds the (finite, checked) pixel itself, which is <= FLT_MAX, so the results are the same.
  const holdsAnchor = p.rowMin <= 0 && p.rowMax >= 0 && p.colMin <= 0 && p.colMax >= 0;
  const foldCheck = onNonFinite !== undefined && p.rect !== null && holdsAnchor && p.rect.w > 1 && !horizontal &&
    (border.kind === 'ignore' || Number.isFinite(border.value));
  const FLT_MAX = 3.4028234663852886e38;
  const fill = border.kind === 'ignore' ? (foldCheck ? (isMax ? -FLT_MAX : FLT_MAX) : (isMax ? -Infinity : Infinity)) : border.value;
  const fillsConstant = border.kind === 'ignore' || border.kind === 'constant';
  // Footprints that miss the anchor's row or column never copy some input pixels: check those up front.
  if (onNonFinite && (p.colMin > 0 || p.colMax < 0 || p.rowMin > 0 || p.rowMax < 0)) {
    const bad = firstNonFinite(src);
    if (bad >= 0) onNonFinite(bad);
  }
  const srcs: number[] = [];

  for (let c0 = 0; c0 < cols; c0 += tileCols) {
    const T = Math.min(tileCols, cols - c0);
    const W = T + colExt;
    // padded column j is image column xs + j; image columns [x0, x1) are copied, the rest are pads
    const xs = c0 + p.colMin;
    const x0 = Math.max(0, xs);
    const x1 = Math.min(cols, xs + W);
    const j0 = x0 - xs;
    const j1 = Math.max(j0, x1 - xs);
    for (let r0 = 0; r0 < rows; r0 += tileRows) {
      const S = Math.min(tileRows, rows - r0);
      const pr = S + rowExt;
      const heap = k.heap();
      // 1. padded input into table 0
      for (let i = 0; i < pr; i++) {
        const base = i * W;
        const y = mapIndex(r0 + p.rowMin + i, rows, border.kind);
        if (y < 0) {
          heap.fill(fill, base, base + W);
          continue;
        }
        const rowStart = y * cols;
        if (x1 > x0) {
          heap.set(src.subarray(rowStart + x0, rowStart + x1), base + j0);
          if (onNonFinite && !foldCheck && !k.allFinite(base + j0, x1 - x0)) onNonFinite(firstNonFinite(src));
        }
        if (fillsConstant) {
          if (j0 > 0) heap.fill(fill, base, base + j0);
          if (j1 < W) heap.fill(fill, base + j1, base + W);
        } else {
          for (let j = 0; j < j0; j++) heap[base + j] = src[rowStart + mapIndex(xs + j, cols, border.kind)];
          for (let j = j1; j < W; j++) heap[base + j] = src[rowStart + mapIndex(xs + j, cols, border.kind)];
        }
      }
      let result = 0; // where output (r, c) sits: result + (r - r0) * W + (c - c0)
      if (p.rect) {
        // 2. separable: rows then columns, in place
        const need = (S - 1) * W + T;
        if (horizontal) {
          // along rows, a strip of SW rows at a time turned column-major: each element of the
          // recurrence is then a column of the strip (SW/4 vectors) and vHGW runs SIMD across rows
          for (let r = 0; r < pr; r += SW) {
            const rs = Math.min(SW, pr - r);
            // a ragged last group moves 4 rows anyway (SIMD); the rows past pr are spare, never read
            for (let q = 0; q < rs; q += 4) k.transpose(strip + q, (r + q) * W, 4, W, W, SW);
            k.vhgw(isMax, strip, strip + SW * Wmax, SW, SW, T, p.rect.w);
            for (let q = 0; q < rs; q += 4) k.transpose((r + q) * W, strip + q, T, 4, SW, W);
          }
        } else {
          const finite = widen(k, isMax, 0, 0, need + rowExt * W, 1, 1, p.rect.w, foldCheck);
          if (!finite) onNonFinite!(firstNonFinite(src));
        }
        if (vertical) k.vhgw(isMax, 0, tableSize, W, T, S, p.rect.h);
        else widen(k, isMax, 0, 0, need, W, 1, p.rect.h);
      } else {
        // 3. one table per distinct chord length, each from the longest shorter one
        const tableOf = new Map<number, number>([[1, 0]]);
        let built = 1;
        let slot = 1;
        for (const L of p.lengths) {
          if (L === 1) continue;
          const dst = slot++ * tableSize;
          widen(k, isMax, dst, tableOf.get(built)!, pr * W - (L - 1), 1, built, L);
          tableOf.set(L, dst);
          built = L;
        }
        result = slot * tableSize;
        const n = (S - 1) * W + T;
        let first = true;
        for (let i = 0; i < chords.length;) {
          srcs.length = 0;
          if (!first) srcs.push(result);
          while (srcs.length < MAX_OPERANDS && i < chords.length) {
            const ch = chords[i++];
            srcs.push(tableOf.get(ch.length)! + (ch.dr - p.rowMin) * W + (ch.dc - p.colMin));
          }
          k.reduce(isMax, result, srcs, n);
          first = false;
        }
      }
      const h = k.heap();
      for (let r = 0; r < S; r++) {
        const from = result + r * W;
        out.set(h.subarray(from, from + T), (r0 + r) * cols + c0);
      }
    }
  }
}
