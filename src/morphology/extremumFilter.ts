// The engine behind erosion and dilation: out(r, c) = min (or max) over chords (dr, dc, L) of
// min_{k<L} f(r + dr, c + dc + k), with f extended beyond the image by the border rule.
//
// Work is done tile by tile (rows x columns sized so the scratch tables stay in cache). Per tile:
// 1. the needed input pixels, padded by the border rule, are copied into the scratch heap (table T1);
// 2. rectangles (all chords alike, rows consecutive) go separable: T1 becomes in place the running
//    min over w columns, then over h rows (3 x L boxes up to 16 rows both at once: Kernels.box3).
//    Long sides use van Herk/Gil-Werman (3 comparisons per
//    pixel whatever the length; Kernels.vhgw): down the columns it runs SIMD across whole rows,
//    along the rows through 16-row strips turned column-major. Shorter sides down the columns take
//    one vlog pass (a doubling ladder in registers, one load per pixel); along the rows, a first
//    pass (a doubling ladder in registers to 8, 16 or 32, or one hwindow pass for 5 to 7), then
//    log passes: a window of length m*cur is the min of m overlapping windows of length cur, at
//    most 5 in-cache loads per pixel a pass. The crossovers are measured (see VHGW_MIN_LENGTH);
// 3. other footprints get one table per distinct chord length, each derived from a shorter one
//    (Urbach & Wilkinson 2008), and the output is the min of the chords' tables read at constant
//    offsets, up to 8 chords per pass (7 after the first, which also reads the accumulator).
// Opening and closing run both steps on each tile before the next (fusedExtremumFilter).
// Passes over a tile are kernel calls over contiguous stretches, because in a row-major layout a
// shift by (dr, dc) is the constant offset dr*W + dc.
import { firstNonFinite } from '../grid/grid';
import type { Chord } from './footprint';
import {
  HWINDOW_LENGTHS,
  kernels,
  LADDER_LENGTHS,
  LOG_OPERANDS,
  MAX_OPERANDS,
  releaseKernelHeap,
  STRIP_VECTORS,
  VLOG_MAX_LENGTH,
  type Kernels,
} from './kernels';
import { mapIndex, type ResolvedBorder } from './internal';
import { assertMemory, formatBytes } from '../memory';
import { ParameterError } from '../errors';

/** Rows per strip of the horizontal vHGW path (one element of the strip driver). */
const SW = 4 * STRIP_VECTORS;

/**
 * Scratch budget per tile in float32 elements: 512 K floats = 2 MiB, four times that where full-
 * width tiles would be too short (see {@link tiling}). Taller tiles cut the rows recomputed at tile
 * seams, which costs more than leaving L2: on the bench image (medians of 21, noisy shared
 * machine) 2 MiB beat 1 MiB by 4-10% for 7x7 .. 31x31, 31x1 and ellipse 7x7 and tied for 1x31;
 * 3x3 tied on the minimum. With the one-pass kernels (and fused openings, whose blocks carry both
 * steps' margins), 8 MiB beat 2 MiB by 7-20% for 15x15, 31x31, 31x1 and ellipse 7x7 (erosion and
 * opening; medians of 5 rounds), all of which got narrow tiles at 2 MiB, and lost 4-9% for 3x3
 * and 7x7, which did not; 32 MiB lost again (disk(10), ellipse 9x9).
 */
const TILE_BUDGET = 1 << 19;

/** A fixed budget instead of the rule above (tests use tiny tiles to exercise tiling). */
let budgetOverride: number | null = null;

/** Internal: fixes the tile budget (null: back to the rule); returns the previous setting. */
export function setTileBudget(floats: number | null): number | null {
  const old = budgetOverride;
  budgetOverride = floats;
  return old;
}

/**
 * Shortest rectangle side that takes the van Herk/Gil-Werman path (3 comparisons per pixel for
 * any length). Below it, down the columns a side takes one vlog pass (one load and log2(L) + 1
 * comparisons per pixel), along the rows the log passes of {@link widen} (one pass of <= 5 loads
 * up to 5, two up to 25, three up to 125). Crossover measured on the 257 x 6001 bench image
 * (Node 20, AMD EPYC, shared and noisy machine, 65-row tiles, medians of 31 runs):
 * - down the columns (`rows`), vHGW runs SIMD across whole rows straight away; vlog was ahead
 *   up to 16 (0.45 vs 0.51 ms at 16, 0.22 vs 0.53 at 7) and behind from 17 (0.51 vs 0.48 ms; 31:
 *   1.56 vs 0.55 ms: its ladder no longer fits the registers), hence VLOG_MAX_LENGTH + 1. Where
 *   tests force the short path on longer sides, those take several vlog passes.
 * - along the rows (`cols`), vHGW pays two 4x4-block transposes per 16-row strip. Since the
 *   first pass is a doubling ladder to 32 ({@link firstPass}), the passes of {@link widen} were
 *   ahead up to 481 (erosion by a 1 x L line, process CPU, medians of 21: 1.46 vs 2.18 ms at 61,
 *   1.36 vs 1.82 at 121, 2.11 vs 2.67 at 481), level at 961 and behind at 1921 (3.49 vs 2.85 ms),
 *   where vHGW stays flat and the passes keep growing.
 */
let VHGW_MIN_LENGTH = { rows: VLOG_MAX_LENGTH + 1, cols: 961 };

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
  /** The footprint holds its anchor (offset 0, 0). */
  holdsAnchor: boolean;
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
  const isRect =
    chords.length === rowMax - rowMin + 1 &&
    chords.every((ch) => ch.dc === first.dc && ch.length === first.length) &&
    new Set(chords.map((ch) => ch.dr)).size === chords.length;
  const lengths = [...new Set(chords.map((ch) => ch.length))].sort((a, b) => a - b);
  const holdsAnchor = chords.some((ch) => ch.dr === 0 && ch.dc <= 0 && ch.dc + ch.length > 0);
  return {
    rowMin,
    rowMax,
    colMin,
    colMax,
    rect: isRect ? { w: first.length, h: chords.length } : null,
    lengths,
    holdsAnchor,
  };
}

/**
 * The first pass from length 1 towards `to`: a doubling ladder (two loads, log2(P) comparisons
 * and a shuffle per vector) to the longest of LADDER_LENGTHS that fits, from 8 on; an hwindow
 * pass (4 loads and 4 comparisons per vector) for 5 to 7; else one log pass. Measured on 67-row
 * tiles of the bench image (noisy machine): ladder 8 and a 2-operand pass 0.48 ms against 0.63
 * for 5 then 3 operands (15), ladder 16 and a 2-operand pass 0.5 against about 1.0 for three log
 * passes (31); hwindow 7 beat ladder 4 and a 2-operand pass; hwindow 5 took 0.33 ms (0.35 with
 * the finite check) against 0.42 (0.43) for 5 operands; hwindow 4 and 4 operands were level.
 */
function firstPass(to: number): { kind: 'ladder' | 'hwindow' | 'log'; t: number } {
  const P = LADDER_LENGTHS.filter((L) => L <= to).pop();
  if (to >= 8 && P !== undefined) return { kind: 'ladder', t: P };
  if (to >= 5 && to <= HWINDOW_LENGTHS.max) return { kind: 'hwindow', t: to };
  return { kind: 'log', t: Math.min(to, LOG_OPERANDS) };
}

/**
 * Grows running windows along the rows from length `from` to `to`: the first pass reads `src`,
 * later ones work in place on `dst`. From length 1, the first pass is {@link firstPass}. Each
 * other (log) pass takes m <= LOG_OPERANDS windows of the current length at spacings <= the
 * current length, so they overlap and cover the longer window. Only the first `need` results are
 * wanted, so each pass computes just what the passes after it read. With `check`, returns whether
 * src was all finite (the first pass reads all of it); else true.
 */
function widen(
  k: Kernels,
  isMax: boolean,
  dst: number,
  src: number,
  need: number,
  from: number,
  to: number,
  check = false,
): boolean {
  const passes: { kind: 'ladder' | 'hwindow' | 'log'; m: number; cur: number; t: number }[] = [];
  for (let cur = from; cur < to; ) {
    const m = Math.min(LOG_OPERANDS, Math.ceil(to / cur));
    const pass = cur === 1 ? { ...firstPass(to), m } : { kind: 'log' as const, m, t: Math.min(to, m * cur) };
    passes.push({ ...pass, cur });
    cur = pass.t;
  }
  if (passes.length === 0) {
    if (src !== dst) k.reduce(isMax, dst, [src], need);
    return !check || k.allFinite(src, need);
  }
  // a pass growing cur -> t reads up to t - cur beyond each result it writes
  let n = need;
  const counts = passes.map(() => 0);
  for (let i = passes.length - 1; i >= 0; i--) {
    counts[i] = n;
    n += passes[i].t - passes[i].cur;
  }
  const srcs: number[] = [];
  let s = src;
  for (const [i, { kind, m, cur, t }] of passes.entries()) {
    const checkHere = check && i === 0;
    if (kind === 'hwindow') {
      if (!k.hwindow(isMax, dst, s, counts[i], t, checkHere)) return false;
    } else if (kind === 'ladder') {
      if (!k.ladder(isMax, dst, s, counts[i], t, checkHere)) return false;
    } else {
      srcs.length = 0;
      for (let j = 0; j < m; j++) srcs.push(s + Math.floor((j * (t - cur)) / (m - 1)));
      if (checkHere) {
        // the first pass reads all of src: its last operand covers all but the first few elements
        if (!k.allFinite(s, srcs[m - 1] - s) || !k.reduceChecked(isMax, dst, srcs, counts[i])) return false;
      } else {
        k.reduce(isMax, dst, srcs, counts[i]);
      }
    }
    s = dst;
  }
  return true;
}

/** Bytes of scratch heap {@link extremumFilter} needs for `chords` on a rows x cols grid (for tests of the bound). */
export function scratchBytes(rows: number, cols: number, chords: readonly Chord[]): number {
  return 4 * tiling(plan(chords), rows, cols).floats;
}

/** Tile shape and scratch layout of one call: tables of `tableSize` floats, then the strip scratch. */
interface Tiling {
  tileRows: number;
  tileCols: number;
  /** Rectangles tall enough for vHGW down the columns (needs a second table as scratch). */
  vertical: boolean;
  /** Rectangles wide enough for vHGW along the rows (strips turned column-major). */
  horizontal: boolean;
  /** Widest padded tile row. */
  Wmax: number;
  tableSize: number;
  /** Float offset of the strip scratch, after the tables. */
  strip: number;
  /** Floats of scratch heap the call needs. */
  floats: number;
}

/**
 * Floats from one row of a table to the next for rows of `width` floats: a multiple of 4, so rows
 * start on 16-byte boundaries and the column walks' vectors (columns a multiple of 4 apart) never
 * straddle two (vlog7 over the bench image's tiles: stride 6007 0.188 ms, 6008 0.175; erosion by a
 * 7x7 rectangle 2-3% faster, interleaved runs), but not of 16: rows a multiple of 64 bytes apart
 * fall on few cache sets (stride 6016: 0.248 ms). The spare columns are padded like the others.
 */
function rowStride(width: number): number {
  const w = (width + 3) & ~3;
  return w % 16 === 0 ? w + 4 : w;
}

/**
 * Tiles sized to the scratch budget: full width when a few times the row extension fits, else
 * narrower and taller, keeping the padding overhead small in both directions. Throws before the
 * scratch exceeds the memory limit or WebAssembly's 4 GiB.
 */
function tiling(p: Plan, rows: number, cols: number): Tiling {
  const rowExt = p.rowMax - p.rowMin;
  const colExt = p.colMax - p.colMin;
  const vertical = p.rect !== null && p.rect.h >= VHGW_MIN_LENGTH.rows;
  const horizontal = p.rect !== null && p.rect.w >= VHGW_MIN_LENGTH.cols;
  // rectangles: the tile, plus the vertical vHGW scratch when that path runs
  const nTables = p.rect ? (vertical ? 2 : 1) : p.lengths.length + (p.lengths[0] === 1 ? 1 : 2); // + accumulator
  const fullWidthRows = (budget: number) => Math.max(1, Math.floor(budget / (cols + colExt)) - rowExt);
  const short = (tileRows: number) => tileRows < 4 * rowExt && tileRows < rows;
  let budget = Math.floor((budgetOverride ?? TILE_BUDGET) / nTables);
  if (budgetOverride === null && short(fullWidthRows(budget))) budget *= 4;
  let tileRows = fullWidthRows(budget);
  let tileCols = cols;
  if (short(tileRows)) {
    tileRows = Math.min(rows, Math.max(32, 4 * rowExt));
    tileCols = Math.min(cols, Math.max(64, 4 * colExt, Math.floor(budget / (tileRows + rowExt)) - colExt));
  }
  // equal tiles: a short last tile would pay the full padding for few output rows
  tileRows = Math.ceil(rows / Math.ceil(rows / Math.min(tileRows, rows)));
  tileCols = Math.ceil(cols / Math.ceil(cols / tileCols));
  const Wmax = rowStride(tileCols + colExt);
  // the horizontal vHGW path transposes whole groups of 4 rows, so tables get 3 spare rows
  const tableSize = (tileRows + rowExt + (horizontal ? 3 : 0)) * Wmax;
  // after the tables: a 4-row strip turned column-major and its vHGW scratch (horizontal path)
  const strip = tableSize * nTables;
  const floats = strip + (horizontal ? 2 * SW * Wmax : 0);
  const what = () => `footprint of ${rowExt + 1}x${colExt + 1} on a ${rows}x${cols} grid`;
  assertMemory(4 * floats, what, 'the morphology scratch');
  // WebAssembly memory ends at 4 GiB whatever the limit; its own error would name nothing.
  if (4 * floats >= 2 ** 32)
    throw new ParameterError(
      `${what()}: the morphology scratch would need ${formatBytes(4 * floats)}, beyond the 4 GiB of WebAssembly memory; use a smaller footprint`,
    );
  return { tileRows, tileCols, vertical, horizontal, Wmax, tableSize, strip, floats };
}

/** What pads the image beyond its edges, and whether the finite check rides on the first pass. */
interface Padding {
  fill: number;
  /** 'ignore' and 'constant' pad with `fill`; the others copy image pixels. */
  fillsConstant: boolean;
  /** The finite check is folded into the first pass along the rows. */
  foldCheck: boolean;
}

function padding(p: Plan, border: ResolvedBorder, isMax: boolean, horizontal: boolean, checks: boolean): Padding {
  // The finite check rides the first pass along the rows, which reads the whole padded block (a
  // rectangle's first horizontal pass, the chord path's first table), when every pad is finite.
  // 'ignore' then pads with +-FLT_MAX instead of +-Infinity: a footprint holding the anchor always
  // holds the (finite, checked) pixel itself, which is <= FLT_MAX, so the results are the same.
  const widens = p.rect ? p.rect.w > 1 && !horizontal : p.lengths[p.lengths.length - 1] > 1;
  const foldCheck = checks && widens && p.holdsAnchor && (border.kind === 'ignore' || Number.isFinite(border.value));
  const FLT_MAX = 3.4028234663852886e38;
  const fill =
    border.kind === 'ignore' ? (foldCheck ? (isMax ? -FLT_MAX : FLT_MAX) : isMax ? -Infinity : Infinity) : border.value;
  return { fill, foldCheck, fillsConstant: border.kind === 'ignore' || border.kind === 'constant' };
}

/**
 * One tile: output rows [r0, r0 + S) x columns [c0, c0 + T), read from a padded block of
 * `pr` rows x `W` columns whose column j is image column `xs + j`; image columns [x0, x1) are
 * copied (padded columns [j0, j1)), the rest are pads.
 */
interface Tile {
  r0: number;
  S: number;
  c0: number;
  T: number;
  W: number;
  pr: number;
  xs: number;
  x0: number;
  x1: number;
  j0: number;
  j1: number;
}

function tileAt(p: Plan, rows: number, cols: number, t: Tiling, r0: number, c0: number): Tile {
  const T = Math.min(t.tileCols, cols - c0);
  const W = rowStride(T + (p.colMax - p.colMin));
  const xs = c0 + p.colMin;
  const x0 = Math.max(0, xs);
  const x1 = Math.min(cols, xs + W);
  const j0 = x0 - xs;
  const S = Math.min(t.tileRows, rows - r0);
  return { r0, S, c0, T, W, pr: S + (p.rowMax - p.rowMin), xs, x0, x1, j0, j1: Math.max(j0, x1 - xs) };
}

/**
 * `h.fill(value, from, to)` for the few pad columns beside each row: a loop, because a fill call
 * costs more than the pads it writes (two a row, over a thousand a call: the bench image's copies
 * for a 3x3 footprint took 0.163 ms with fill calls, 0.144 with loops, 10th percentiles).
 */
function fillShort(h: Float32Array, value: number, from: number, to: number): void {
  if (to - from > 16) h.fill(value, from, to);
  else for (let i = from; i < to; i++) h[i] = value;
}

/** Step 1: the tile's input pixels, padded by the border rule, into table 0 (checked unless folded). */
function copyPadded(
  k: Kernels,
  src: Float32Array,
  rows: number,
  cols: number,
  p: Plan,
  border: ResolvedBorder,
  pad: Padding,
  tile: Tile,
  onNonFinite?: (index: number) => never,
): void {
  const { W, xs, x0, x1, j0, j1 } = tile;
  const heap = k.heap();
  for (let i = 0; i < tile.pr; i++) {
    const base = i * W;
    const y = mapIndex(tile.r0 + p.rowMin + i, rows, border.kind);
    if (y < 0) {
      heap.fill(pad.fill, base, base + W);
      continue;
    }
    const rowStart = y * cols;
    if (x1 > x0) {
      heap.set(src.subarray(rowStart + x0, rowStart + x1), base + j0);
      if (onNonFinite && !pad.foldCheck && !k.allFinite(base + j0, x1 - x0)) onNonFinite(firstNonFinite(src));
    }
    if (pad.fillsConstant) {
      fillShort(heap, pad.fill, base, base + j0);
      fillShort(heap, pad.fill, base + j1, base + W);
    } else {
      for (let j = 0; j < j0; j++) heap[base + j] = src[rowStart + mapIndex(xs + j, cols, border.kind)];
      for (let j = j1; j < W; j++) heap[base + j] = src[rowStart + mapIndex(xs + j, cols, border.kind)];
    }
  }
}

/**
 * Step 2, rectangles: table 0 becomes in place the running extremum over w columns, then over h
 * rows. Returns false when the folded finite check found a NaN/Inf.
 */
function separable(
  k: Kernels,
  isMax: boolean,
  rect: { w: number; h: number },
  tile: Tile,
  t: Tiling,
  foldCheck: boolean,
): boolean {
  const { W, T, S, pr } = tile;
  const rowExt = pr - S;
  const need = (S - 1) * W + T;
  // 3 x L boxes (3 x 3 above all) in one pass: no intermediate tile to store and read again
  if (rect.w === 3 && rect.h >= 2 && rect.h <= VLOG_MAX_LENGTH && !t.vertical)
    return k.box3(isMax, 0, 0, W, T, S, rect.h, foldCheck);
  let finite = true;
  if (t.horizontal) {
    // along rows, a strip of SW rows at a time turned column-major: each element of the
    // recurrence is then a column of the strip (SW/4 vectors) and vHGW runs SIMD across rows
    for (let r = 0; r < pr; r += SW) {
      const rs = Math.min(SW, pr - r);
      // a ragged last group moves 4 rows anyway (SIMD); the rows past pr are spare, never read
      for (let q = 0; q < rs; q += 4) k.transpose(t.strip + q, (r + q) * W, 4, W, W, SW);
      k.vhgw(isMax, t.strip, t.strip + SW * t.Wmax, SW, SW, T, rect.w);
      for (let q = 0; q < rs; q += 4) k.transpose((r + q) * W, t.strip + q, T, 4, SW, W);
    }
  } else {
    finite = widen(k, isMax, 0, 0, need + rowExt * W, 1, rect.w, foldCheck);
    if (!finite) return false;
  }
  if (t.vertical) k.vhgw(isMax, 0, t.tableSize, W, T, S, rect.h);
  else {
    // a window of length a + b - 1 is a window of b over windows of a
    for (let L = rect.h; L > 1; ) {
      const a = Math.min(L, VLOG_MAX_LENGTH);
      L -= a - 1;
      k.vlog(isMax, 0, 0, W, T, S + L - 1, a);
    }
  }
  return finite;
}

/**
 * Step 3, other footprints: one table per distinct chord length, each from the longest shorter
 * one, then the extremum of the chords' tables at their offsets, up to MAX_OPERANDS per pass into
 * an accumulator. The length-1 table is slot `base` (the padded block, or the previous step's
 * accumulator when two steps are fused); the others take the free slots in order, the accumulator
 * the last one. With `check`, the first table's pass (which reads all of slot `base`) checks it is
 * finite. Returns the accumulator's offset, or -1 when that check found a NaN/Inf.
 */
function chordExtremum(
  k: Kernels,
  isMax: boolean,
  chords: readonly Chord[],
  p: Plan,
  tile: Tile,
  tableSize: number,
  base = 0,
  check = false,
): number {
  const { W, T, S, pr } = tile;
  const tableOf = new Map<number, number>([[1, base * tableSize]]);
  let built = 1;
  let slot = 0;
  const nextSlot = (): number => (slot === base ? ++slot : slot);
  for (const L of p.lengths) {
    if (L === 1) continue;
    const dst = nextSlot() * tableSize;
    slot++;
    if (!widen(k, isMax, dst, tableOf.get(built)!, pr * W - (L - 1), built, L, check && built === 1)) return -1;
    tableOf.set(L, dst);
    built = L;
  }
  const result = nextSlot() * tableSize;
  const n = (S - 1) * W + T;
  const srcs: number[] = [];
  for (let i = 0; i < chords.length; ) {
    srcs.length = 0;
    if (i > 0) srcs.push(result);
    while (srcs.length < MAX_OPERANDS && i < chords.length) {
      const ch = chords[i++];
      srcs.push(tableOf.get(ch.length)! + (ch.dr - p.rowMin) * W + (ch.dc - p.colMin));
    }
    k.reduce(isMax, result, srcs, n);
  }
  return result;
}

/** One filter step: the min (isMax false) or max over `chords` (gather form). */
export interface FilterStep {
  chords: readonly Chord[];
  isMax: boolean;
}

interface PlannedStep extends FilterStep {
  plan: Plan;
}

/**
 * Writes into `out` (rows*cols) the min (isMax false) or max over `chords` of the border-extended
 * `src`. Chords are in gather form: offsets are added to the output position. When `onNonFinite` is
 * given, a NaN/Inf in `src` calls it with the first bad index before the tile holding it is
 * written (checked on the copies already in cache, so it costs almost nothing).
 */
export function extremumFilter(
  src: Float32Array,
  rows: number,
  cols: number,
  chords: readonly Chord[],
  isMax: boolean,
  border: ResolvedBorder,
  out: Float32Array,
  onNonFinite?: (index: number) => never,
): void {
  const p = plan(chords);
  run(src, rows, cols, [{ chords, isMax, plan: p }], p, tiling(p, rows, cols), border, out, onNonFinite);
}

/**
 * `second(first(src))` (each step border-extended, as two {@link extremumFilter} calls) in one pass
 * over tiles: each tile's block is read with the margin of both steps, the first step runs on the
 * tile grown by the second's extent, the intermediate pixels outside the image are padded again by
 * the border rule, and the second step runs on that, all in the scratch heap: the intermediate image
 * never leaves the cache. The first step reports non-finite input like extremumFilter.
 *
 * Returns false, having done nothing, when the steps' footprints are not of one kind (rectangles,
 * or chords with the same lengths), or when 'replicate'/'reflect' would pad an edge tile's
 * intermediate from pixels the tile does not hold (images smaller than the footprint, tiny tiles);
 * the caller then runs the steps one after the other.
 */
export function fusedExtremumFilter(
  src: Float32Array,
  rows: number,
  cols: number,
  first: FilterStep,
  second: FilterStep,
  border: ResolvedBorder,
  out: Float32Array,
  onNonFinite?: (index: number) => never,
): boolean {
  const p1 = plan(first.chords);
  const p2 = plan(second.chords);
  const sameRect = p1.rect && p2.rect ? p1.rect.w === p2.rect.w && p1.rect.h === p2.rect.h : p1.rect === p2.rect;
  if (!sameRect || p1.lengths.join() !== p2.lengths.join()) return false;
  const both: Plan = {
    ...p1,
    rowMin: p1.rowMin + p2.rowMin,
    rowMax: p1.rowMax + p2.rowMax,
    colMin: p1.colMin + p2.colMin,
    colMax: p1.colMax + p2.colMax,
  };
  const t = tiling(both, rows, cols);
  if (!repaddable(p2, border, rows, cols, t)) return false;
  const steps = [
    { ...first, plan: p1 },
    { ...second, plan: p2 },
  ];
  run(src, rows, cols, steps, both, t, border, out, onNonFinite);
  return true;
}

/** Reserves the scratch, runs the tiles, and lets go of a scratch heap too large to keep. */
function run(
  src: Float32Array,
  rows: number,
  cols: number,
  steps: readonly PlannedStep[],
  block: Plan,
  t: Tiling,
  border: ResolvedBorder,
  out: Float32Array,
  onNonFinite?: (index: number) => never,
): void {
  const k = kernels();
  try {
    k.reserve(t.floats);
    filterTiles(k, src, rows, cols, steps, block, t, border, out, onNonFinite);
  } finally {
    releaseKernelHeap();
  }
}

/**
 * Whether every edge tile of a fused filter holds the intermediate pixels that 'replicate' or
 * 'reflect' copies into its margin (the other borders pad with a constant).
 */
function repaddable(p2: Plan, border: ResolvedBorder, rows: number, cols: number, t: Tiling): boolean {
  if (border.kind === 'ignore' || border.kind === 'constant') return true;
  const holds = (n: number, tileLength: number, lo: number, hi: number): boolean => {
    for (let a0 = 0; a0 < n; a0 += tileLength) {
      const first = a0 + lo;
      const last = a0 + Math.min(tileLength, n - a0) - 1 + hi;
      for (let y = first; y <= last; y++) {
        const m = mapIndex(y, n, border.kind);
        if (m < first || m > last) return false;
      }
    }
    return true;
  };
  return holds(rows, t.tileRows, p2.rowMin, p2.rowMax) && holds(cols, t.tileCols, p2.colMin, p2.colMax);
}

/**
 * One step on a tile whose (padded) input is slot `base`: steps 2 or 3. Returns the offset of the
 * result (row stride tile.W), or -1 when the folded finite check found a NaN/Inf.
 */
function applyStep(k: Kernels, step: PlannedStep, tile: Tile, t: Tiling, base: number, foldCheck: boolean): number {
  const { plan: p, isMax } = step;
  // rectangles run in place in slot 0, which is where a fused first step leaves them
  if (p.rect) return separable(k, isMax, p.rect, tile, t, foldCheck) ? 0 : -1;
  return chordExtremum(k, isMax, step.chords, p, tile, t.tableSize, base, foldCheck);
}

/**
 * Between two fused steps: the intermediate pixels outside the image (at `at`, row stride tile.W,
 * the tile grown by the second step's extent `p2`) get what the border rule pads there, as if the
 * intermediate image had been written out and padded again for the second step.
 */
function repad(
  h: Float32Array,
  at: number,
  tile: Tile,
  p2: Plan,
  rows: number,
  cols: number,
  border: ResolvedBorder,
  fill: number,
): void {
  const { W } = tile;
  const S2 = tile.S + p2.rowMax - p2.rowMin;
  const T2 = tile.T + p2.colMax - p2.colMin;
  const y0 = tile.r0 + p2.rowMin;
  const x0 = tile.c0 + p2.colMin;
  const constant = border.kind === 'ignore' || border.kind === 'constant';
  // columns [j0, j1) lie inside the image
  const j0 = Math.min(T2, Math.max(0, -x0));
  const j1 = Math.max(j0, Math.min(T2, cols - x0));
  // first the outside columns of the rows inside, so the outside rows copy finished rows (corners)
  if (j0 > 0 || j1 < T2) {
    for (let i = 0; i < S2; i++) {
      if (y0 + i < 0 || y0 + i >= rows) continue;
      const base = at + i * W;
      if (constant) {
        fillShort(h, fill, base, base + j0);
        fillShort(h, fill, base + j1, base + T2);
      } else {
        for (let j = 0; j < j0; j++) h[base + j] = h[base + mapIndex(x0 + j, cols, border.kind) - x0];
        for (let j = j1; j < T2; j++) h[base + j] = h[base + mapIndex(x0 + j, cols, border.kind) - x0];
      }
    }
  }
  for (let i = 0; i < S2; i++) {
    const y = y0 + i;
    if (y >= 0 && y < rows) continue;
    const base = at + i * W;
    if (constant) h.fill(fill, base, base + T2);
    else {
      const from = at + (mapIndex(y, rows, border.kind) - y0) * W;
      h.copyWithin(base, from, from + T2);
    }
  }
}

/** Steps 1-3 tile by tile (a fused second step after the first), each tile's result copied to `out`. */
function filterTiles(
  k: Kernels,
  src: Float32Array,
  rows: number,
  cols: number,
  steps: readonly PlannedStep[],
  block: Plan,
  t: Tiling,
  border: ResolvedBorder,
  out: Float32Array,
  onNonFinite?: (index: number) => never,
): void {
  const [first, second] = steps;
  const pad = padding(first.plan, border, first.isMax, t.horizontal, onNonFinite !== undefined);
  // what the second step pads with, as a second extremumFilter call (no check, so no FLT_MAX) would
  const fill2 = second ? padding(second.plan, border, second.isMax, t.horizontal, false).fill : 0;
  const grow = second
    ? { rows: second.plan.rowMax - second.plan.rowMin, cols: second.plan.colMax - second.plan.colMin }
    : { rows: 0, cols: 0 };
  // Footprints that miss the anchor's row or column never copy some input pixels: check those up front.
  if (onNonFinite && (block.colMin > 0 || block.colMax < 0 || block.rowMin > 0 || block.rowMax < 0)) {
    const bad = firstNonFinite(src);
    if (bad >= 0) onNonFinite(bad);
  }
  for (let c0 = 0; c0 < cols; c0 += t.tileCols) {
    for (let r0 = 0; r0 < rows; r0 += t.tileRows) {
      const tile = tileAt(block, rows, cols, t, r0, c0);
      copyPadded(k, src, rows, cols, block, border, pad, tile, onNonFinite);
      // where output (r, c) sits: result + (r - r0) * W + (c - c0)
      let result = applyStep(k, first, { ...tile, S: tile.S + grow.rows, T: tile.T + grow.cols }, t, 0, pad.foldCheck);
      if (result < 0) onNonFinite!(firstNonFinite(src));
      if (second) {
        repad(k.heap(), result, tile, second.plan, rows, cols, border, fill2);
        result = applyStep(k, second, { ...tile, pr: tile.S + grow.rows }, t, result / t.tableSize, false);
      }
      const h = k.heap();
      for (let r = 0; r < tile.S; r++) {
        const from = result + r * tile.W;
        out.set(h.subarray(from, from + tile.T), (r0 + r) * cols + c0);
      }
    }
  }
}
