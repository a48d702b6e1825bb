// Element-wise min/max kernels that every grey-level operator reduces to. Erosion and dilation by
// any footprint become a few passes `dst[i] = min(a[i], b[i](, c[i]))` over contiguous stretches of
// one scratch heap with constant offsets between the operands (row-major layout makes a vertical
// shift a constant offset too), so the whole cost sits in these loops. They run as WebAssembly
// SIMD (4 float32 lanes; Node >= 16.4 has it on by default) with a plain typed-array fallback that
// computes bit-identical results. No per-pixel allocation anywhere.
//
// Beside those element-wise passes the module holds the van Herk/Gil-Werman recurrence (a driver
// that runs a whole tile in one call, plus a variant whose elements are 16-row strip columns kept
// in registers), 4x4-block SIMD transposes to turn row strips column-major for it, and reduce
// variants that fold the finite-input check into the loads of a pass.
//
// Ties and signed zeros: both back ends use the pseudo-min `b < a ? b : a` (and pseudo-max
// `a < b ? b : a`), which is what x86 `minps`/`maxps` and OpenCV's SIMD paths do.

import { name, section, sleb, uleb, vec } from './wasm';
import { warnOnce } from '../errors';

/** Most operands one kernel pass takes. */
// A window of length L costs about log_MAX(L) passes. Measured on 257x6001 (noisy, shared machine),
// 3..8 operands ran within noise of each other and 16 ran slower on 15x15 and 31x31 (a pass with
// 15 unaligned loads per vector is load-bound), so 5: windows up to 5 in one pass, 25 in two.
export const MAX_OPERANDS = 5;

/**
 * Vectors per element of the strip driver: the horizontal vHGW path turns strips of
 * 4 * STRIP_VECTORS rows column-major. 4 independent min chains cover pmin's latency.
 */
export const STRIP_VECTORS = 4;

/** The kernel set; offsets and counts are in float32 elements of `heap()`. */
export interface Kernels {
  readonly simd: boolean;
  /** Current view of the scratch heap (re-read after `reserve`, which may replace it). */
  heap(): Float32Array;
  /** Ensures the heap holds at least `floats` elements. */
  reserve(floats: number): void;
  /**
   * `heap[dst + i] = min (or max) over s in srcs of heap[s + i]` for i < n; 1 to MAX_OPERANDS
   * sources. In place is fine when dst equals the lowest source and every source is >= dst.
   */
  reduce(isMax: boolean, dst: number, srcs: readonly number[], n: number): void;
  /**
   * {@link Kernels.reduce} that also reports whether the last source's stretch (the one read
   * furthest ahead) held only finite values: the finite check rides on loads the pass makes anyway.
   */
  reduceChecked(isMax: boolean, dst: number, srcs: readonly number[], n: number): boolean;
  /**
   * van Herk/Gil-Werman running min (max) of length L >= 2 down a sequence whose element e is the
   * stretch of `width` floats at `a + e*step` (width <= step): result i = min of elements
   * i..i+L-1, written over element i for i < count. Reads and clobbers elements 0..count+L-2;
   * `h` is scratch laid out like `a` (count+L-1 elements). 3 comparisons per element whatever L.
   *
   * Blocks of L elements start at 0. h[e] = min from e to its block's end (backward pass),
   * g[e] = min from its block's start to e (forward, in place in `a`); window i spans the end of
   * one block and the start of the next, so it is min(h[i], g[i+L-1]). Window 0 is exactly
   * block 0, i.e. h[0], so g is never needed in block 0. Results are written over `a` right behind
   * the forward scan (i = e-L+1 < e), after the g values they replace were last read.
   */
  vhgw(isMax: boolean, a: number, h: number, step: number, width: number, count: number, L: number): void;
  /**
   * `heap[dst + c*dstStride + r] = heap[src + r*srcStride + c]` for r < rows, c < cols (regions
   * must not overlap): turns a row-major tile column-major so a horizontal window becomes a
   * vertical one, which {@link Kernels.vhgw} runs SIMD across rows.
   */
  transpose(dst: number, src: number, rows: number, cols: number, srcStride: number, dstStride: number): void;
  /** True when heap[p .. p+n) holds no NaN or +-Infinity. */
  allFinite(p: number, n: number): boolean;
}

// ---- WebAssembly module, emitted byte by byte (no toolchain needed at build or run time) ----

const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, f32Load: 0x2a, f32Store: 0x38, i32Const: 0x41,
  i32Eqz: 0x45, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, f32Lt: 0x5d, void: 0x40,
  call: 0x10, i32Eq: 0x46, i32LeS: 0x4c, i32GeS: 0x4e, i32Mul: 0x6c, i32DivU: 0x6e,
} as const;

/**
 * Body of `(dst, p1..pk, n)`: a loop of four 4-lane vectors per iteration (loop overhead, not
 * memory, bounds these passes when the stripe is in cache), then single vectors, then a scalar
 * tail. `isMax` picks pmax/pmin. In-place use with dst == p1 and p2..pk at higher addresses is safe:
 * every load happens at or above the address being stored.
 */
function kernelBody(k: number, isMax: boolean, checked = false): number[] {
  const nIdx = k + 1;
  const chk = k + 4; // f32: scalar-tail finiteness sum
  const vacc = [k + 5, k + 6, k + 7, k + 8]; // v128: per-slot finiteness sums
  const vt = k + 9;
  const vsub = [0xfd, ...uleb(0xe5)];
  const vadd = [0xfd, ...uleb(0xe4)];
  const simdOp = isMax ? [0xfd, ...uleb(0xeb)] : [0xfd, ...uleb(0xea)];
  const v128Load = (offset: number): number[] => [0xfd, 0x00, 0x00, ...uleb(offset)];
  const v128Store = (offset: number): number[] => [0xfd, ...uleb(0x0b), 0x00, ...uleb(offset)];
  const bump = (idx: number, by: number): number[] => [OP.localGet, idx, OP.i32Const, ...sleb(by), OP.i32Add, OP.localSet, idx];
  const code: number[] = [];
  for (const unroll of [4, 1]) {
    code.push(OP.block, OP.void, OP.loop, OP.void);
    code.push(OP.localGet, nIdx, OP.i32Const, ...sleb(4 * unroll), OP.i32LtU, OP.brIf, 1);
    for (let u = 0; u < unroll; u++) {
      code.push(OP.localGet, 0);
      for (let j = 1; j <= k; j++) {
        code.push(OP.localGet, j, ...v128Load(16 * u));
        if (checked && j === k) code.push(OP.localTee, vt);
        if (j >= 2) code.push(...simdOp);
      }
      code.push(...v128Store(16 * u));
      // checked: v - v is 0 for finite lanes, NaN for NaN/Inf; one sum per unroll slot so the
      // adds don't form one long latency chain
      if (checked) code.push(OP.localGet, vacc[u], OP.localGet, vt, OP.localGet, vt, ...vsub, ...vadd, OP.localSet, vacc[u]);
    }
    for (let j = 0; j <= k; j++) code.push(...bump(j, 16 * unroll));
    code.push(OP.localGet, nIdx, OP.i32Const, ...sleb(4 * unroll), OP.i32Sub, OP.localSet, nIdx);
    code.push(OP.br, 0, OP.end, OP.end);
  }
  // scalar tail: acc = first; acc = (x < acc) ? x : acc for min, (acc < x) ? x : acc for max
  const acc = k + 2;
  const tmp = k + 3;
  code.push(OP.block, OP.void, OP.loop, OP.void);
  code.push(OP.localGet, nIdx, OP.i32Eqz, OP.brIf, 1);
  code.push(OP.localGet, 1, OP.f32Load, 0x02, 0x00, OP.localSet, acc);
  for (let j = 2; j <= k; j++) {
    code.push(OP.localGet, j, OP.f32Load, 0x02, 0x00, OP.localSet, tmp);
    if (checked && j === k) code.push(OP.localGet, chk, OP.localGet, tmp, OP.localGet, tmp, 0x93 /* f32.sub */, 0x92 /* f32.add */, OP.localSet, chk);
    // select(v1, v2, cond) yields v1 when cond != 0
    code.push(OP.localGet, tmp, OP.localGet, acc);
    if (isMax) code.push(OP.localGet, acc, OP.localGet, tmp, OP.f32Lt);
    else code.push(OP.localGet, tmp, OP.localGet, acc, OP.f32Lt);
    code.push(OP.select, OP.localSet, acc);
  }
  code.push(OP.localGet, 0, OP.localGet, acc, OP.f32Store, 0x02, 0x00);
  for (let j = 0; j <= k; j++) code.push(...bump(j, 4));
  code.push(OP.localGet, nIdx, OP.i32Const, 1, OP.i32Sub, OP.localSet, nIdx);
  code.push(OP.br, 0, OP.end, OP.end);
  if (checked) {
    code.push(OP.localGet, vacc[0], OP.localGet, vacc[1], ...vadd, OP.localGet, vacc[2], ...vadd, OP.localGet, vacc[3], ...vadd, OP.localTee, vt);
    code.push(OP.localGet, vt, 0xfd, ...uleb(0x41), 0xfd, ...uleb(0xa3)); // f32x4.eq, i32x4.all_true
    code.push(OP.localGet, chk, OP.localGet, chk, 0x5b /* f32.eq */, 0x71 /* i32.and */);
  }
  code.push(OP.end);
  const locals = vec([[3, 0x7d], [5, 0x7b]]); // f32 acc, tmp, chk; v128 vacc[4], vt
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `allFinite(p, n) -> i32` for n a multiple of 4: accumulates v - v (0 when finite, NaN
 * for NaN/Inf) and reports whether every lane of the sum is still a number. Four accumulators
 * over four vectors per iteration: one accumulator's add chain (3-4 cycles a step) made the
 * single-vector loop latency-bound at about a float per cycle.
 */
function allFiniteBody(): number[] {
  const t = 2; // locals 2..5 are the accumulators, 6 the loaded vector
  const v = 6;
  const zero = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const load = (offset: number): number[] => [OP.localGet, 0, 0xfd, 0x00, 0x00, ...uleb(offset)];
  const sub = [0xfd, ...uleb(0xe5)];
  const add = [0xfd, ...uleb(0xe4)];
  const accumulate = (acc: number, offset: number): number[] =>
    [OP.localGet, acc, ...load(offset), OP.localTee, v, OP.localGet, v, ...sub, ...add, OP.localSet, acc];
  const code: number[] = [];
  for (let a = 0; a < 4; a++) code.push(...zero, OP.localSet, t + a);
  for (const unroll of [4, 1]) {
    code.push(OP.block, OP.void, OP.loop, OP.void);
    code.push(OP.localGet, 1, OP.i32Const, ...sleb(4 * unroll), OP.i32LtU, OP.brIf, 1);
    for (let u = 0; u < unroll; u++) code.push(...accumulate(t + u, 16 * u));
    code.push(OP.localGet, 0, OP.i32Const, ...sleb(16 * unroll), OP.i32Add, OP.localSet, 0);
    code.push(OP.localGet, 1, OP.i32Const, ...sleb(4 * unroll), OP.i32Sub, OP.localSet, 1);
    code.push(OP.br, 0, OP.end, OP.end);
  }
  code.push(OP.localGet, t, OP.localGet, t + 1, ...add, OP.localGet, t + 2, ...add, OP.localGet, t + 3, ...add, OP.localTee, v);
  code.push(OP.localGet, v, 0xfd, ...uleb(0x41), 0xfd, ...uleb(0xa3), OP.end); // f32x4.eq, i32x4.all_true
  const body = [...vec([[5, 0x7b]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of the forward step of van Herk/Gil-Werman, `(pe, prev, ph, pi, n)`, per element j < n:
 * g = min(a[pe+j], a[prev+j]); a[pe+j] = g; a[pi+j] = min(h[ph+j], g). prev == pe restarts the
 * prefix at a block start (min(x, x) = x). Rows pe, prev, pi are equal or disjoint, so loading
 * each vector before storing to it keeps in-place use (pi == prev when L = 2) exact.
 */
function forwardBody(isMax: boolean): number[] {
  const simdOp = isMax ? [0xfd, ...uleb(0xeb)] : [0xfd, ...uleb(0xea)];
  const load = (p: number, offset: number): number[] => [OP.localGet, p, 0xfd, 0x00, 0x00, ...uleb(offset)];
  const store = (offset: number): number[] => [0xfd, ...uleb(0x0b), 0x00, ...uleb(offset)];
  const bump = (idx: number, by: number): number[] => [OP.localGet, idx, OP.i32Const, ...sleb(by), OP.i32Add, OP.localSet, idx];
  const n = 4;
  const g = 5; // v128 local
  const x = 6; // f32 locals 6..8
  const y = 7;
  const gs = 8;
  const code: number[] = [];
  for (const unroll of [4, 1]) {
    code.push(OP.block, OP.void, OP.loop, OP.void);
    code.push(OP.localGet, n, OP.i32Const, ...sleb(4 * unroll), OP.i32LtU, OP.brIf, 1);
    for (let u = 0; u < unroll; u++) {
      const o = 16 * u;
      code.push(OP.localGet, 0, ...load(0, o), ...load(1, o), ...simdOp, OP.localTee, g, ...store(o));
      code.push(OP.localGet, 3, ...load(2, o), OP.localGet, g, ...simdOp, ...store(o));
    }
    for (let j = 0; j < 4; j++) code.push(...bump(j, 16 * unroll));
    code.push(...bump(n, -4 * unroll));
    code.push(OP.br, 0, OP.end, OP.end);
  }
  // scalar tail with the same pseudo-min/max as the SIMD lanes: min(p, q) = q < p ? q : p
  const pick = (p: number, q: number): number[] => isMax
    ? [OP.localGet, q, OP.localGet, p, OP.localGet, p, OP.localGet, q, OP.f32Lt, OP.select]
    : [OP.localGet, q, OP.localGet, p, OP.localGet, q, OP.localGet, p, OP.f32Lt, OP.select];
  code.push(OP.block, OP.void, OP.loop, OP.void);
  code.push(OP.localGet, n, OP.i32Eqz, OP.brIf, 1);
  code.push(OP.localGet, 0, OP.f32Load, 0x02, 0x00, OP.localSet, x, OP.localGet, 1, OP.f32Load, 0x02, 0x00, OP.localSet, y);
  code.push(...pick(x, y), OP.localSet, gs, OP.localGet, 0, OP.localGet, gs, OP.f32Store, 0x02, 0x00);
  code.push(OP.localGet, 2, OP.f32Load, 0x02, 0x00, OP.localSet, x);
  code.push(OP.localGet, 3, ...pick(x, gs), OP.f32Store, 0x02, 0x00);
  for (let j = 0; j < 4; j++) code.push(...bump(j, 4));
  code.push(...bump(n, -1));
  code.push(OP.br, 0, OP.end, OP.end);
  code.push(OP.end);
  const body = [...vec([[1, 0x7b], [3, 0x7d]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of the van Herk/Gil-Werman driver `(a, h, step, width, count, L)` (a, h, step in bytes):
 * the whole recurrence in one call, so a tile costs one JS-to-WebAssembly transition instead of
 * about three per row. `row` is the 2-operand kernel's function index, `fwd` the forward step's.
 */
function vhgwBody(row: number, fwd: number): number[] {
  const [a, h, step, width, count, L] = [0, 1, 2, 3, 4, 5];
  const [b, e, pa, ph, start, n, m, pi, phi] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
  const get = (i: number): number[] => [OP.localGet, i];
  const set = (i: number): number[] => [OP.localSet, i];
  const addTo = (i: number, by: number[]): number[] => [...get(i), ...by, OP.i32Add, ...set(i)];
  const subFrom = (i: number, by: number[]): number[] => [...get(i), ...by, OP.i32Sub, ...set(i)];
  const one = [OP.i32Const, 1];
  const code: number[] = [
    ...get(count), ...get(L), OP.i32Add, ...one, OP.i32Sub, ...set(n),
    ...get(count), ...one, OP.i32Sub, ...get(L), OP.i32DivU, ...set(b),
    // backward: h[e] = min(a[e], h[e+1]) within each block, h[end] = a[end]
    OP.block, OP.void, OP.loop, OP.void,
    ...get(b), ...get(L), OP.i32Mul, ...set(start),
    ...get(start), ...get(L), OP.i32Add, ...one, OP.i32Sub, ...set(e),
    ...get(a), ...get(e), ...get(step), OP.i32Mul, OP.i32Add, ...set(pa),
    ...get(h), ...get(e), ...get(step), OP.i32Mul, OP.i32Add, ...set(ph),
    ...get(ph), ...get(pa), ...get(pa), ...get(width), OP.call, ...uleb(row),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(e), ...get(start), OP.i32LeS, OP.brIf, 1,
    ...subFrom(e, one), ...subFrom(pa, get(step)), ...subFrom(ph, get(step)),
    ...get(ph), ...get(pa), ...get(ph), ...get(step), OP.i32Add, ...get(width), OP.call, ...uleb(row),
    OP.br, 0, OP.end, OP.end,
    ...get(b), OP.i32Eqz, OP.brIf, 1,
    ...subFrom(b, one),
    OP.br, 0, OP.end, OP.end,
    // window 0 is block 0: a[0] = h[0]
    ...get(a), ...get(h), ...get(h), ...get(width), OP.call, ...uleb(row),
    // forward from block 1: prefix in place, result i = e-L+1 right behind
    ...get(L), ...set(e),
    ...get(a), ...get(L), ...get(step), OP.i32Mul, OP.i32Add, ...set(pa),
    ...get(a), ...get(step), OP.i32Add, ...set(pi),
    ...get(h), ...get(step), OP.i32Add, ...set(phi),
    OP.i32Const, 0, ...set(m),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(e), ...get(n), OP.i32GeS, OP.brIf, 1,
    ...get(pa),
    ...get(pa), ...get(step), OP.i32Sub, ...get(pa), ...get(m), OP.select,
    ...get(phi), ...get(pi), ...get(width), OP.call, ...uleb(fwd),
    ...addTo(e, one), ...addTo(pa, get(step)), ...addTo(pi, get(step)), ...addTo(phi, get(step)), ...addTo(m, one),
    OP.i32Const, 0, ...get(m), ...get(m), ...get(L), OP.i32Eq, OP.select, ...set(m),
    OP.br, 0, OP.end, OP.end,
    OP.end,
  ];
  const body = [...vec([[9, 0x7f]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `transpose4(dst, src, rowBlocks, colBlocks, srcStride, dstStride)` (bytes): transposes
 * 4x4 blocks of floats with eight two-operand shuffles each (the classic unpacklo/unpackhi
 * network); the caller does the ragged edges.
 */
function transposeBody(): number[] {
  const [dst, src, rowBlocks, colBlocks, srcStride, dstStride] = [0, 1, 2, 3, 4, 5];
  const [i, j, ps, pd] = [6, 7, 8, 9];
  const r = [10, 11, 12, 13]; // v128 locals
  const t = [14, 15, 16, 17];
  const get = (x: number): number[] => [OP.localGet, x];
  const set = (x: number): number[] => [OP.localSet, x];
  const load = (): number[] => [0xfd, 0x00, 0x02, 0x00];
  const store = (): number[] => [0xfd, ...uleb(0x0b), 0x02, 0x00];
  const lanes = (ls: number[]): number[] => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  const shuffle = (a: number, b: number, ls: number[]): number[] => [...get(a), ...get(b), 0xfd, 0x0d, ...lanes(ls)];
  const code: number[] = [
    OP.i32Const, 0, ...set(i),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(i), ...get(rowBlocks), OP.i32GeS, OP.brIf, 1,
    ...get(src), ...get(i), ...get(srcStride), OP.i32Mul, OP.i32Const, 2, 0x74 /* i32.shl */, OP.i32Add, ...set(ps),
    ...get(dst), ...get(i), OP.i32Const, 4, 0x74, OP.i32Add, ...set(pd),
    ...get(colBlocks), ...set(j),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(j), OP.i32Eqz, OP.brIf, 1,
  ];
  for (let k = 0; k < 4; k++) {
    code.push(...get(ps));
    for (let m = 0; m < k; m++) code.push(...get(srcStride), OP.i32Add);
    code.push(...load(), ...set(r[k]));
  }
  code.push(...shuffle(r[0], r[1], [0, 4, 1, 5]), ...set(t[0]));
  code.push(...shuffle(r[0], r[1], [2, 6, 3, 7]), ...set(t[1]));
  code.push(...shuffle(r[2], r[3], [0, 4, 1, 5]), ...set(t[2]));
  code.push(...shuffle(r[2], r[3], [2, 6, 3, 7]), ...set(t[3]));
  const outs: [number, number, number[]][] = [[t[0], t[2], [0, 1, 4, 5]], [t[0], t[2], [2, 3, 6, 7]], [t[1], t[3], [0, 1, 4, 5]], [t[1], t[3], [2, 3, 6, 7]]];
  outs.forEach(([a, b, ls], k) => {
    code.push(...get(pd));
    for (let m = 0; m < k; m++) code.push(...get(dstStride), OP.i32Add);
    code.push(...shuffle(a, b, ls), ...store());
  });
  code.push(
    ...get(ps), OP.i32Const, 16, OP.i32Add, ...set(ps),
    ...get(pd), ...get(dstStride), OP.i32Const, 2, 0x74, OP.i32Add, ...set(pd),
    ...get(j), OP.i32Const, 1, OP.i32Sub, ...set(j),
    OP.br, 0, OP.end, OP.end,
    ...get(i), OP.i32Const, 1, OP.i32Add, ...set(i),
    OP.br, 0, OP.end, OP.end,
    OP.end,
  );
  const body = [...vec([[4, 0x7f], [8, 0x7b]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `vhgwStrip(a, h, count, L)` (bytes): {@link vhgwBody} specialised to elements of exactly
 * STRIP_VECTORS vectors (a strip of 4*STRIP_VECTORS rows turned column-major), with the running
 * extrema kept in registers instead of a call per element. Several independent vectors per element
 * hide the latency of the min chain, which bounds a one-vector recurrence. Same operand order as
 * the general driver and the typed-array twin.
 */
function vhgwStripBody(isMax: boolean): number[] {
  const K = STRIP_VECTORS;
  const [a, h, count, L] = [0, 1, 2, 3];
  const [n, b, start, e, pa, ph, m, pi, phi] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const acc = Array.from({ length: K }, (_, u) => 13 + u); // v128
  const x = 13 + K;
  const get = (i: number): number[] => [OP.localGet, i];
  const set = (i: number): number[] => [OP.localSet, i];
  const add = (i: number, by: number): number[] => [...get(i), OP.i32Const, ...sleb(by), OP.i32Add, ...set(i)];
  const load = (o: number): number[] => [0xfd, 0x00, 0x04, ...uleb(o)];
  const store = (o: number): number[] => [0xfd, ...uleb(0x0b), 0x04, ...uleb(o)];
  const op = isMax ? [0xfd, ...uleb(0xeb)] : [0xfd, ...uleb(0xea)];
  const bytes = 16 * K;
  const timesBytes = [OP.i32Const, ...sleb(bytes), OP.i32Mul];
  const each = (f: (u: number) => number[]): number[] => Array.from({ length: K }, (_, u) => f(u)).flat();
  const code: number[] = [
    ...get(count), ...get(L), OP.i32Add, OP.i32Const, 1, OP.i32Sub, ...set(n),
    ...get(count), OP.i32Const, 1, OP.i32Sub, ...get(L), OP.i32DivU, ...set(b),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(b), ...get(L), OP.i32Mul, ...set(start),
    ...get(start), ...get(L), OP.i32Add, OP.i32Const, 1, OP.i32Sub, ...set(e),
    ...get(a), ...get(e), ...timesBytes, OP.i32Add, ...set(pa),
    ...get(h), ...get(e), ...timesBytes, OP.i32Add, ...set(ph),
    ...each((u) => [...get(pa), ...load(16 * u), ...set(acc[u]), ...get(ph), ...get(acc[u]), ...store(16 * u)]),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(e), ...get(start), OP.i32LeS, OP.brIf, 1,
    ...add(e, -1), ...add(pa, -bytes), ...add(ph, -bytes),
    ...each((u) => [...get(ph), ...get(pa), ...load(16 * u), ...get(acc[u]), ...op, OP.localTee, acc[u], ...store(16 * u)]),
    OP.br, 0, OP.end, OP.end,
    ...get(b), OP.i32Eqz, OP.brIf, 1,
    ...add(b, -1),
    OP.br, 0, OP.end, OP.end,
    ...each((u) => [...get(a), ...get(h), ...load(16 * u), ...store(16 * u)]),
    ...get(L), ...set(e),
    ...get(a), ...get(L), ...timesBytes, OP.i32Add, ...set(pa),
    ...get(a), OP.i32Const, ...sleb(bytes), OP.i32Add, ...set(pi),
    ...get(h), OP.i32Const, ...sleb(bytes), OP.i32Add, ...set(phi),
    OP.i32Const, 0, ...set(m),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(e), ...get(n), OP.i32GeS, OP.brIf, 1,
    ...get(m), 0x04 /* if */, OP.void,
    ...each((u) => [...get(pa), ...load(16 * u), ...get(acc[u]), ...op, ...set(acc[u])]),
    0x05 /* else */,
    ...each((u) => [...get(pa), ...load(16 * u), ...set(acc[u])]),
    OP.end,
    ...each((u) => [...get(pi), ...get(phi), ...load(16 * u), ...get(acc[u]), ...op, ...store(16 * u)]),
    ...add(e, 1), ...add(pa, bytes), ...add(pi, bytes), ...add(phi, bytes), ...add(m, 1),
    OP.i32Const, 0, ...get(m), ...get(m), ...get(L), OP.i32Eq, OP.select, ...set(m),
    OP.br, 0, OP.end, OP.end,
    OP.end,
  ];
  const body = [...vec([[9, 0x7f], [K + 1, 0x7b]]), ...code];
  return [...uleb(body.length), ...body];
}

const EXPORTS: { name: string; k: number; isMax: boolean }[] = [];
for (let k = 2; k <= MAX_OPERANDS; k++) {
  EXPORTS.push({ name: `min${k}`, k, isMax: false }, { name: `max${k}`, k, isMax: true });
}

/** Function indices after the reduce kernels: allFinite, then the van Herk/Gil-Werman pieces. */
const FN = { allFinite: EXPORTS.length, fwdMin: EXPORTS.length + 1, fwdMax: EXPORTS.length + 2, vhgwMin: EXPORTS.length + 3, vhgwMax: EXPORTS.length + 4, transpose4: EXPORTS.length + 5, vhgwStripMin: EXPORTS.length + 6, vhgwStripMax: EXPORTS.length + 7, checked: EXPORTS.length + 8 };

function moduleBytes(): Uint8Array {
  const i32 = 0x7f;
  // type t (t = 0..MAX_OPERANDS-2) takes t+4 i32 (dst, t+2 sources, n); the last type is allFinite's.
  // The forward step (5 i32) shares type 1, the driver (6 i32) type 2.
  const kernelTypes = Array.from({ length: MAX_OPERANDS - 1 }, (_, t) => [0x60, ...vec(new Array(t + 4).fill([i32])), 0x00]);
  const checkedTypes = Array.from({ length: MAX_OPERANDS - 1 }, (_, t) => [0x60, ...vec(new Array(t + 4).fill([i32])), ...vec([[i32]])]);
  const types = vec([...kernelTypes, [0x60, ...vec([[i32], [i32]]), ...vec([[i32]])], ...checkedTypes]);
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]]);
  const funcs = vec([...EXPORTS.map((e) => [e.k - 2]), [MAX_OPERANDS - 1], [1], [1], [2], [2], [2], [0], [0],
    ...EXPORTS.map((e) => [MAX_OPERANDS + e.k - 2])]);
  const exportSection = vec([
    ...EXPORTS.map((e, i) => [...name(e.name), 0x00, i]),
    [...name('allFinite'), 0x00, FN.allFinite], [...name('vhgwMin'), 0x00, FN.vhgwMin], [...name('vhgwMax'), 0x00, FN.vhgwMax],
    [...name('transpose4'), 0x00, FN.transpose4], [...name('vhgwStripMin'), 0x00, FN.vhgwStripMin], [...name('vhgwStripMax'), 0x00, FN.vhgwStripMax],
    ...EXPORTS.map((e, i) => [...name(`checked_${e.name}`), 0x00, FN.checked + i]),
  ]);
  const min2 = EXPORTS.findIndex((e) => e.k === 2 && !e.isMax);
  const max2 = EXPORTS.findIndex((e) => e.k === 2 && e.isMax);
  const code = vec([
    ...EXPORTS.map((e) => kernelBody(e.k, e.isMax)), allFiniteBody(),
    forwardBody(false), forwardBody(true), vhgwBody(min2, FN.fwdMin), vhgwBody(max2, FN.fwdMax), transposeBody(),
    vhgwStripBody(false), vhgwStripBody(true),
    ...EXPORTS.map((e) => kernelBody(e.k, e.isMax, true)),
  ]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs),
    ...section(7, exportSection), ...section(10, code),
  ]);
}

// tsconfig's lib "ES2022" (no DOM) carries no WebAssembly types; this is the slice used here.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

type WasmKernel = (...args: number[]) => void;

function wasmKernels(): Kernels | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), { env: { mem: memory } });
    const ex = instance.exports as Record<string, WasmKernel>;
    const allFinite = instance.exports.allFinite as (p: number, n: number) => number;
    // byIndex[isMax ? 1 : 0][k] is the k-operand kernel
    const byIndex: WasmKernel[][] = [[], []];
    const checkedByIndex: ((...args: number[]) => number)[][] = [[], []];
    for (let k = 2; k <= MAX_OPERANDS; k++) {
      byIndex[0][k] = ex[`min${k}`];
      byIndex[1][k] = ex[`max${k}`];
      checkedByIndex[0][k] = instance.exports[`checked_min${k}`] as (...args: number[]) => number;
      checkedByIndex[1][k] = instance.exports[`checked_max${k}`] as (...args: number[]) => number;
    }
    const vhgwMin = ex.vhgwMin;
    const vhgwMax = ex.vhgwMax;
    const transpose4 = ex.transpose4;
    const vhgwStripMin = ex.vhgwStripMin;
    const vhgwStripMax = ex.vhgwStripMax;
    const stripWidth = 4 * STRIP_VECTORS;
    let view = new Float32Array(memory.buffer);
    return {
      simd: true,
      heap: () => view,
      reserve(floats: number): void {
        const need = floats * 4 - memory.buffer.byteLength;
        if (need > 0) {
          memory.grow(Math.ceil(need / 65536));
          view = new Float32Array(memory.buffer);
        }
      },
      reduce(isMax, dst, srcs, n): void {
        if (n <= 0) return;
        const fn = byIndex[isMax ? 1 : 0][Math.max(2, srcs.length)];
        const a = srcs[0] << 2;
        switch (srcs.length) {
          case 1: fn(dst << 2, a, a, n); break;
          case 2: fn(dst << 2, a, srcs[1] << 2, n); break;
          case 3: fn(dst << 2, a, srcs[1] << 2, srcs[2] << 2, n); break;
          default: fn(dst << 2, ...srcs.map((x) => x << 2), n);
        }
      },
      reduceChecked(isMax, dst, srcs, n): boolean {
        if (n <= 0) return true;
        const fn = checkedByIndex[isMax ? 1 : 0][Math.max(2, srcs.length)];
        const a = srcs[0] << 2;
        switch (srcs.length) {
          case 1: return fn(dst << 2, a, a, n) !== 0;
          case 2: return fn(dst << 2, a, srcs[1] << 2, n) !== 0;
          case 3: return fn(dst << 2, a, srcs[1] << 2, srcs[2] << 2, n) !== 0;
          default: return fn(dst << 2, ...srcs.map((x) => x << 2), n) !== 0;
        }
      },
      vhgw(isMax, a, h, step, width, count, L): void {
        if (L <= 1 || count <= 0 || width <= 0) return;
        if (step === stripWidth && width === stripWidth) (isMax ? vhgwStripMax : vhgwStripMin)(a << 2, h << 2, count, L);
        else (isMax ? vhgwMax : vhgwMin)(a << 2, h << 2, step << 2, width, count, L);
      },
      transpose(dst, src, rows, cols, srcStride, dstStride): void {
        const rb = rows >> 2;
        const cb = cols >> 2;
        if (rb > 0 && cb > 0) transpose4(dst << 2, src << 2, rb, cb, srcStride << 2, dstStride << 2);
        // ragged edges: the last rows % 4 rows, and the last cols % 4 columns of the block rows
        transposeScalar(view, dst, src, 4 * rb, rows, 0, cols, srcStride, dstStride);
        transposeScalar(view, dst, src, 0, 4 * rb, 4 * cb, cols, srcStride, dstStride);
      },
      allFinite(p: number, n: number): boolean {
        const body = n & ~3;
        if (body > 0 && !allFinite(p << 2, body)) return false;
        for (let i = p + body; i < p + n; i++) if (!Number.isFinite(view[i])) return false;
        return true;
      },
    };
  } catch (e) {
    // no SIMD support (or a broken build): results stay identical, only slower, so warn, don't throw
    warnOnce(`specmorph morphology: WebAssembly SIMD kernels unavailable (${(e as Error).message}); using slower typed-array loops`);
    return null;
  }

}

/** Transposes rows [r0, r1) x columns [c0, c1) element by element (see {@link Kernels.transpose}). */
function transposeScalar(h: Float32Array, dst: number, src: number, r0: number, r1: number, c0: number, c1: number, srcStride: number, dstStride: number): void {
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) h[dst + c * dstStride + r] = h[src + r * srcStride + c];
  }
}

/** `h[dst + i] = min (max) of h[a + i], h[b + i]`, with the kernels' pseudo-min `b < a ? b : a`. */
function reduce2(h: Float32Array, isMax: boolean, dst: number, a: number, b: number, n: number): void {
  if (isMax) {
    for (let i = 0; i < n; i++) {
      const x = h[a + i];
      const y = h[b + i];
      h[dst + i] = x < y ? y : x;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = h[a + i];
      const y = h[b + i];
      h[dst + i] = y < x ? y : x;
    }
  }
}

/** Plain typed-array kernels, same contract and results as the SIMD ones. */
export function jsKernels(): Kernels {
  let view = new Float32Array(1 << 14);
  return {
    simd: false,
    heap: () => view,
    reserve(floats: number): void {
      if (floats > view.length) {
        const next = new Float32Array(Math.max(floats, view.length * 2));
        next.set(view);
        view = next;
      }
    },
    allFinite(p, n): boolean {
      const h = view;
      for (let i = p; i < p + n; i++) if (!Number.isFinite(h[i])) return false;
      return true;
    },
    reduceChecked(isMax, dst, srcs, n): boolean {
      const last = srcs[srcs.length - 1];
      let finite = true;
      for (let i = last; i < last + n; i++) {
        if (!Number.isFinite(view[i])) {
          finite = false;
          break;
        }
      }
      this.reduce(isMax, dst, srcs, n);
      return finite;
    },
    transpose(dst, src, rows, cols, srcStride, dstStride): void {
      transposeScalar(view, dst, src, 0, rows, 0, cols, srcStride, dstStride);
    },
    vhgw(isMax, a, h, step, width, count, L): void {
      if (L <= 1 || count <= 0 || width <= 0) return;
      // same order of operands as the WebAssembly driver, so results match bit for bit
      const n = count + L - 1;
      for (let b = Math.floor((count - 1) / L); b >= 0; b--) {
        const start = b * L;
        const end = start + L - 1;
        view.copyWithin(h + end * step, a + end * step, a + end * step + width);
        for (let e = end - 1; e >= start; e--) reduce2(view, isMax, h + e * step, a + e * step, h + (e + 1) * step, width);
      }
      view.copyWithin(a, h, h + width);
      for (let e = L; e < n; e++) {
        if (e % L !== 0) reduce2(view, isMax, a + e * step, a + e * step, a + (e - 1) * step, width);
        const i = e - L + 1;
        reduce2(view, isMax, a + i * step, h + i * step, a + e * step, width);
      }
    },
    reduce(isMax, dst, srcs, n): void {
      const h = view;
      const m = srcs.length;
      const a = srcs[0];
      for (let i = 0; i < n; i++) {
        let acc = h[a + i];
        for (let j = 1; j < m; j++) {
          const x = h[srcs[j] + i];
          if (isMax ? acc < x : x < acc) acc = x;
        }
        h[dst + i] = acc;
      }
    },
  };
}

let shared: Kernels | null = null;
let forced: Kernels | null = null;

/** The kernel set in use: SIMD when the runtime has it, else typed arrays. Created once, reused. */
export function kernels(): Kernels {
  if (forced) return forced;
  if (!shared) shared = wasmKernels() ?? jsKernels();
  return shared;
}

/**
 * Runs `fn` with the typed-array kernels forced (tests use it to check both back ends agree).
 * Internal: not re-exported from the package.
 */
export function withJsKernels<T>(fn: () => T): T {
  const previous = forced;
  forced = jsKernels();
  try {
    return fn();
  } finally {
    forced = previous;
  }
}
