// Element-wise min/max kernels that every grey-level operator reduces to. Erosion and dilation by
// any footprint become a few passes `dst[i] = min(a[i], b[i](, c[i]))` over contiguous stretches of
// one scratch heap with constant offsets between the operands (row-major layout makes a vertical
// shift a constant offset too), so the whole cost sits in these loops. They run as WebAssembly
// SIMD (4 float32 lanes; Node >= 16.4 has it on by default) with a plain typed-array fallback that
// computes bit-identical results. No per-pixel allocation anywhere.
//
// Beside those element-wise passes the module holds the van Herk/Gil-Werman recurrence (a driver
// that runs a whole tile in one call, plus a variant whose elements are 16-row strip columns kept
// in registers), 4x4-block SIMD transposes to turn row strips column-major for it, one-pass
// running windows (vlog down the columns and ladder along the rows, doubling ladders kept in
// registers; hwindow along the rows for lengths 4..7; box3, a 3 x L box), and variants that fold
// the finite-input check into the loads of a pass.
//
// Ties and signed zeros: both back ends use the pseudo-min `b < a ? b : a` (and pseudo-max
// `a < b ? b : a`), which is what x86 `minps`/`maxps` and OpenCV's SIMD paths do.

import {
  compile,
  f32,
  hasWasm,
  i32,
  instantiate,
  newMemory,
  op,
  v128,
  wasmModule,
  type Code,
  type MemArg,
  type ModuleOptions,
  type Scope,
  type WasmFunction,
  addLocal,
  whileNot,
} from '../wasm';
import { warnOnce } from '../errors';
import { RETAIN_BYTES } from '../memory';

/**
 * Most operands one reduce pass takes. The chord path reduces up to this many chords a pass: an
 * ellipse 7x7's 7 chords in one pass took 0.56 ms against 0.65 for 5 and then the accumulator and
 * 2 (bench image, 65-row tiles). The log passes along the rows take fewer (LOG_OPERANDS).
 */
export const MAX_OPERANDS = 8;

/**
 * Most windows one log pass combines. A window of length L costs about log_m(L) passes. Measured
 * on 257x6001 (noisy, shared machine), 3..8 operands ran within noise of each other and 16 ran
 * slower on 15x15 and 31x31 (a pass with 15 unaligned loads per vector is load-bound), so 5:
 * windows up to 5 in one pass, 25 in two.
 */
export const LOG_OPERANDS = 5;

/**
 * Vectors per element of the strip driver: the horizontal vHGW path turns strips of
 * 4 * STRIP_VECTORS rows column-major. 4 independent min chains cover pmin's latency.
 */
export const STRIP_VECTORS = 4;

/** Window lengths {@link Kernels.hwindow} takes: one 4-element block plus 0..3. */
export const HWINDOW_LENGTHS = { min: 4, max: 7 };

/** Vectors per step of {@link Kernels.hwindow}'s main loop. */
const HWINDOW_UNROLL = 4;

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
   * Running min (max) of length L (HWINDOW_LENGTHS) along a stretch: `heap[dst + i]` = min of
   * `heap[src + i + k]` for k < L, i < n; in place (dst == src) is fine. Per vector of 4 results,
   * one block of 4 shifted loads gives both the next block's minimum and the prefix this block
   * needs, so L = 4..7 costs 4 loads and 4 comparisons per vector (two log passes cost 7 and 5).
   * With `check`, returns whether the source stretch (n + L - 1 elements) held only finite values
   * (the check rides on the pass's loads); else true.
   */
  hwindow(isMax: boolean, dst: number, src: number, n: number, L: number, check?: boolean): boolean;
  /**
   * Running min (max) of length P (LADDER_LENGTHS) along a stretch: `heap[dst + i]` = min of
   * `heap[src + i + k]` for k < P, i < n; in place (dst == src) is fine. A doubling ladder in
   * registers: two loads, log2(P) comparisons and a shuffle per vector of 4 results, where log
   * passes of up to 5 operands take 2 (P = 8, 16) or 3 (P = 32) passes. With `check`, returns
   * whether the source stretch (n + P - 1 elements) held only finite values; else true.
   */
  ladder(isMax: boolean, dst: number, src: number, n: number, P: number, check?: boolean): boolean;
  /**
   * Running min (max) of length L (2 <= L <= VLOG_MAX_LENGTH) down the rows of a row-major block:
   * `heap[dst + i*step + c]` = min of `heap[src + (i+k)*step + c]` for k < L, for rows i < count
   * and columns c < width. In place (dst == src) is fine. A doubling ladder kept in registers while
   * a column strip walks down the rows: one load, log2(L) + 1 comparisons and one store per vector.
   */
  vlog(isMax: boolean, dst: number, src: number, step: number, width: number, count: number, L: number): void;
  /**
   * Running min (max) over L rows (2 <= L <= VLOG_MAX_LENGTH) and 3 columns in one pass:
   * `heap[dst + i*step + c]` = min of `heap[src + (i+k)*step + c + j]` for k < L, j < 3, for rows
   * i < count and columns c < width. In place (dst == src) is fine. {@link Kernels.vlog} whose
   * rows are first reduced over three columns: against a 3-operand pass then vlog, it saves a
   * store and a load per vector and a pass over the tile. With `check`, returns whether every
   * element read (rows count + L - 1, columns width + 2) was finite; else true.
   */
  box3(
    isMax: boolean,
    dst: number,
    src: number,
    step: number,
    width: number,
    count: number,
    L: number,
    check?: boolean,
  ): boolean;
  /**
   * `heap[dst + c*dstStride + r] = heap[src + r*srcStride + c]` for r < rows, c < cols (regions
   * must not overlap): turns a row-major tile column-major so a horizontal window becomes a
   * vertical one, which {@link Kernels.vhgw} runs SIMD across rows.
   */
  transpose(dst: number, src: number, rows: number, cols: number, srcStride: number, dstStride: number): void;
  /** True when heap[p .. p+n) holds no NaN or +-Infinity. */
  allFinite(p: number, n: number): boolean;
}

// ---- WebAssembly module: one table of functions (see ./wasm; `npm run wat` disassembles it) ----

/** pmin or pmax: the pseudo-min `b < a ? b : a` (pseudo-max `a < b ? b : a`) on 4 lanes. */
const lanesOp = (isMax: boolean): Code => (isMax ? op.f32x4_pmax : op.f32x4_pmin);
const minMax = (isMax: boolean): string => (isMax ? 'Max' : 'Min');
/** `local += by` for an i32 local. */
const bump = (f: Scope, local: string, by: number): Code => [
  ...f.get(local),
  ...op.i32_const(by),
  ...op.i32_add,
  ...f.set(local),
];
/** `local -= by` for an i32 local. */
const drop = (f: Scope, local: string, by: number): Code => [
  ...f.get(local),
  ...op.i32_const(by),
  ...op.i32_sub,
  ...f.set(local),
];

/**
 * Scalar tail of a one-pass row window of `count` columns: while n > 0, acc = x[0], then
 * acc = pick(acc, x[k]) for 0 < k < count with the vector lanes' operand order, stored at dst; src
 * and dst advance one float. Locals: src, dst, n, acc, x.
 */
function scalarWindowTail(f: Scope, isMax: boolean, count: number): Code {
  const pick = (k: number): Code => [
    ...f.get('src'),
    ...op.f32_load({ offset: 4 * k }),
    ...f.set('x'),
    ...f.get('x'),
    ...f.get('acc'),
    ...(isMax ? [...f.get('acc'), ...f.get('x')] : [...f.get('x'), ...f.get('acc')]),
    ...op.f32_lt,
    ...op.select,
    ...f.set('acc'),
  ];
  return whileNot(
    [...f.get('n'), ...op.i32_eqz],
    f.get('src'),
    op.f32_load(),
    f.set('acc'),
    range(1, count - 1).flatMap(pick),
    f.get('dst'),
    f.get('acc'),
    op.f32_store(),
    bump(f, 'src', 4),
    bump(f, 'dst', 4),
    drop(f, 'n', 1),
  );
}
/**
 * The finite check of the one-pass kernels: `vacc |= v - v` on the bits. v - v is +0 (no bits set)
 * for a finite lane and NaN for NaN or +-Infinity, so vacc stays all zero while the input is finite
 * and is a NaN in any lane that saw a non-finite value (its exponent bits are all set and a quiet
 * NaN's mantissa is not zero): `vacc == vacc` at the end tells. An or, not a float add: one
 * accumulator's add chain (3-4 cycles a step) bounded the checked box3 at about 1.35x the unchecked
 * pass; the or's one-cycle chain leaves it near 1.1x (bench image, 65-row tiles).
 */
const orFinite = (f: Scope, vacc: string, v: string): Code => [
  ...f.get(vacc),
  ...f.get(v),
  ...f.get(v),
  ...op.f32x4_sub,
  ...op.v128_or,
  ...f.set(vacc),
];
const times = (n: number, f: (u: number) => Code): Code => Array.from({ length: n }, (_, u) => f(u)).flat();
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * `min{k}` / `max{k}` `(dst, p1..pk, n)`, and with `checked` `checked_min{k}` ... returning whether
 * pk's stretch was all finite: a loop of four 4-lane vectors per iteration (loop overhead, not
 * memory, bounds these passes when the stripe is in cache), then single vectors, then a scalar
 * tail. In-place use with dst == p1 and p2..pk at higher addresses is safe: every load happens at
 * or above the address being stored.
 */
function reduceFunction(k: number, isMax: boolean, checked: boolean): WasmFunction {
  const p = range(1, k).map((j) => `p${j}`);
  const pointers = ['dst', ...p];
  const unaligned = (offset: number): MemArg => ({ offset, align: 1 });
  return {
    name: `${checked ? 'checked_' : ''}${isMax ? 'max' : 'min'}${k}`,
    params: { dst: i32, ...Object.fromEntries(p.map((name) => [name, i32])), n: i32 },
    // acc, tmp: the scalar tail; chk, vacc*, vt: the finiteness sums of the checked variant
    locals: { acc: f32, tmp: f32, chk: f32, vacc0: v128, vacc1: v128, vacc2: v128, vacc3: v128, vt: v128 },
    results: checked ? [i32] : [],
    body: (f) => [
      ...[4, 1].flatMap((unroll) =>
        whileNot(
          [...f.get('n'), ...op.i32_const(4 * unroll), ...op.i32_lt_u],
          times(unroll, (u) => [
            ...f.get('dst'),
            ...p.flatMap((pj, j) => [
              ...f.get(pj),
              ...op.v128_load(unaligned(16 * u)),
              ...(checked && j === k - 1 ? f.tee('vt') : []),
              ...(j >= 1 ? lanesOp(isMax) : []),
            ]),
            ...op.v128_store(unaligned(16 * u)),
            // checked: v - v is 0 for finite lanes, NaN for NaN/Inf; one sum per unroll slot so the
            // adds don't form one long latency chain
            ...(checked
              ? [
                  ...f.get(`vacc${u}`),
                  ...f.get('vt'),
                  ...f.get('vt'),
                  ...op.f32x4_sub,
                  ...op.f32x4_add,
                  ...f.set(`vacc${u}`),
                ]
              : []),
          ]),
          pointers.flatMap((ptr) => bump(f, ptr, 16 * unroll)),
          drop(f, 'n', 4 * unroll),
        ),
      ),
      // scalar tail: acc = first; acc = (x < acc) ? x : acc for min, (acc < x) ? x : acc for max
      ...whileNot(
        [...f.get('n'), ...op.i32_eqz],
        f.get('p1'),
        op.f32_load(),
        f.set('acc'),
        p.slice(1).flatMap((pj, j) => [
          ...f.get(pj),
          ...op.f32_load(),
          ...f.set('tmp'),
          ...(checked && j === k - 2
            ? [...f.get('chk'), ...f.get('tmp'), ...f.get('tmp'), ...op.f32_sub, ...op.f32_add, ...f.set('chk')]
            : []),
          // select(v1, v2, cond) yields v1 when cond != 0
          ...f.get('tmp'),
          ...f.get('acc'),
          ...(isMax ? [...f.get('acc'), ...f.get('tmp')] : [...f.get('tmp'), ...f.get('acc')]),
          ...op.f32_lt,
          ...op.select,
          ...f.set('acc'),
        ]),
        f.get('dst'),
        f.get('acc'),
        op.f32_store(),
        pointers.flatMap((ptr) => bump(f, ptr, 4)),
        drop(f, 'n', 1),
      ),
      ...(checked
        ? [
            ...f.get('vacc0'),
            ...f.get('vacc1'),
            ...op.f32x4_add,
            ...f.get('vacc2'),
            ...op.f32x4_add,
            ...f.get('vacc3'),
            ...op.f32x4_add,
            ...f.tee('vt'),
            ...f.get('vt'),
            ...op.f32x4_eq,
            ...op.i32x4_all_true,
            ...f.get('chk'),
            ...f.get('chk'),
            ...op.f32_eq,
            ...op.i32_and,
          ]
        : []),
    ],
  };
}

/**
 * `allFinite(p, n) -> i32` for n a multiple of 4: accumulates v - v (0 when finite, NaN for
 * NaN/Inf) and reports whether every lane of the sum is still a number. Four accumulators over
 * four vectors per iteration: one accumulator's add chain (3-4 cycles a step) made the
 * single-vector loop latency-bound at about a float per cycle.
 */
const allFiniteFunction: WasmFunction = {
  name: 'allFinite',
  params: { p: i32, n: i32 },
  locals: { acc0: v128, acc1: v128, acc2: v128, acc3: v128, v: v128 },
  results: [i32],
  body: (f) => [
    ...times(4, (a) => [...op.v128_const(new Array(16).fill(0)), ...f.set(`acc${a}`)]),
    ...[4, 1].flatMap((unroll) =>
      whileNot(
        [...f.get('n'), ...op.i32_const(4 * unroll), ...op.i32_lt_u],
        times(unroll, (u) => [
          ...f.get(`acc${u}`),
          ...f.get('p'),
          ...op.v128_load({ offset: 16 * u, align: 1 }),
          ...f.tee('v'),
          ...f.get('v'),
          ...op.f32x4_sub,
          ...op.f32x4_add,
          ...f.set(`acc${u}`),
        ]),
        bump(f, 'p', 16 * unroll),
        drop(f, 'n', 4 * unroll),
      ),
    ),
    ...f.get('acc0'),
    ...f.get('acc1'),
    ...op.f32x4_add,
    ...f.get('acc2'),
    ...op.f32x4_add,
    ...f.get('acc3'),
    ...op.f32x4_add,
    ...f.tee('v'),
    ...f.get('v'),
    ...op.f32x4_eq,
    ...op.i32x4_all_true,
  ],
};

/**
 * The forward step of van Herk/Gil-Werman, `forwardMin(pe, prev, ph, pi, n)` (internal), per
 * element j < n: g = min(a[pe+j], a[prev+j]); a[pe+j] = g; a[pi+j] = min(h[ph+j], g). prev == pe
 * restarts the prefix at a block start (min(x, x) = x). Rows pe, prev, pi are equal or disjoint,
 * so loading each vector before storing to it keeps in-place use (pi == prev when L = 2) exact.
 */
function forwardFunction(isMax: boolean): WasmFunction {
  const load = (f: Scope, p: string, offset: number): Code => [...f.get(p), ...op.v128_load({ offset, align: 1 })];
  const store = (offset: number): Code => op.v128_store({ offset, align: 1 });
  // scalar tail with the same pseudo-min/max as the SIMD lanes: min(p, q) = q < p ? q : p
  const pick = (f: Scope, p: string, q: string): Code => [
    ...f.get(q),
    ...f.get(p),
    ...(isMax ? [...f.get(p), ...f.get(q)] : [...f.get(q), ...f.get(p)]),
    ...op.f32_lt,
    ...op.select,
  ];
  const pointers = ['pe', 'prev', 'ph', 'pi'];
  return {
    name: `forward${minMax(isMax)}`,
    exported: false,
    params: { pe: i32, prev: i32, ph: i32, pi: i32, n: i32 },
    locals: { g: v128, x: f32, y: f32, gs: f32 },
    results: [],
    body: (f) => [
      ...[4, 1].flatMap((unroll) =>
        whileNot(
          [...f.get('n'), ...op.i32_const(4 * unroll), ...op.i32_lt_u],
          times(unroll, (u) => [
            ...f.get('pe'),
            ...load(f, 'pe', 16 * u),
            ...load(f, 'prev', 16 * u),
            ...lanesOp(isMax),
            ...f.tee('g'),
            ...store(16 * u),
            ...f.get('pi'),
            ...load(f, 'ph', 16 * u),
            ...f.get('g'),
            ...lanesOp(isMax),
            ...store(16 * u),
          ]),
          pointers.flatMap((ptr) => bump(f, ptr, 16 * unroll)),
          bump(f, 'n', -4 * unroll),
        ),
      ),
      ...whileNot(
        [...f.get('n'), ...op.i32_eqz],
        f.get('pe'),
        op.f32_load(),
        f.set('x'),
        f.get('prev'),
        op.f32_load(),
        f.set('y'),
        pick(f, 'x', 'y'),
        f.set('gs'),
        f.get('pe'),
        f.get('gs'),
        op.f32_store(),
        f.get('ph'),
        op.f32_load(),
        f.set('x'),
        f.get('pi'),
        pick(f, 'x', 'gs'),
        op.f32_store(),
        pointers.flatMap((ptr) => bump(f, ptr, 4)),
        bump(f, 'n', -1),
      ),
    ],
  };
}

/** Prologue of both vHGW drivers: `n = count + L - 1` (padded length), `b = (count - 1) / L` (last block). */
function vhgwBlocks(f: Scope): Code {
  const one = op.i32_const(1);
  return [
    ...f.get('count'),
    ...f.get('L'),
    ...op.i32_add,
    ...one,
    ...op.i32_sub,
    ...f.set('n'),
    ...f.get('count'),
    ...one,
    ...op.i32_sub,
    ...f.get('L'),
    ...op.i32_div_u,
    ...f.set('b'),
  ];
}

/** Head of both drivers' block loop: block `b` spans `start = b * L` to `e = start + L - 1`. */
function vhgwBlockBounds(f: Scope): Code {
  return [
    ...f.get('b'),
    ...f.get('L'),
    ...op.i32_mul,
    ...f.set('start'),
    ...f.get('start'),
    ...f.get('L'),
    ...op.i32_add,
    ...op.i32_const(1),
    ...op.i32_sub,
    ...f.set('e'),
  ];
}

/**
 * The van Herk/Gil-Werman driver `vhgwMin(a, h, step, width, count, L)` (a, h, step in bytes): the
 * whole recurrence in one call, so a tile costs one JS-to-WebAssembly transition instead of about
 * three per row. It calls `min2` for the backward pass and `forwardMin` for the forward one.
 */
function vhgwFunction(isMax: boolean): WasmFunction {
  const row = isMax ? 'max2' : 'min2';
  const forward = `forward${minMax(isMax)}`;
  return {
    name: `vhgw${minMax(isMax)}`,
    params: { a: i32, h: i32, step: i32, width: i32, count: i32, L: i32 },
    locals: { b: i32, e: i32, pa: i32, ph: i32, start: i32, n: i32, m: i32, pi: i32, phi: i32 },
    results: [],
    body: (f) => {
      const subFrom = (local: string, by: Code): Code => [...f.get(local), ...by, ...op.i32_sub, ...f.set(local)];
      const one = op.i32_const(1);
      return [
        ...vhgwBlocks(f),
        // backward: h[e] = min(a[e], h[e+1]) within each block, h[end] = a[end]
        ...op.block(
          op.loop(
            vhgwBlockBounds(f),
            f.get('a'),
            f.get('e'),
            f.get('step'),
            op.i32_mul,
            op.i32_add,
            f.set('pa'),
            f.get('h'),
            f.get('e'),
            f.get('step'),
            op.i32_mul,
            op.i32_add,
            f.set('ph'),
            f.get('ph'),
            f.get('pa'),
            f.get('pa'),
            f.get('width'),
            f.call(row),
            whileNot(
              [...f.get('e'), ...f.get('start'), ...op.i32_le_s],
              subFrom('e', one),
              subFrom('pa', f.get('step')),
              subFrom('ph', f.get('step')),
              f.get('ph'),
              f.get('pa'),
              f.get('ph'),
              f.get('step'),
              op.i32_add,
              f.get('width'),
              f.call(row),
            ),
            f.get('b'),
            op.i32_eqz,
            op.br_if(1),
            subFrom('b', one),
            op.br(0),
          ),
        ),
        // window 0 is block 0: a[0] = h[0]
        ...f.get('a'),
        ...f.get('h'),
        ...f.get('h'),
        ...f.get('width'),
        ...f.call(row),
        // forward from block 1: prefix in place, result i = e-L+1 right behind
        ...f.get('L'),
        ...f.set('e'),
        ...f.get('a'),
        ...f.get('L'),
        ...f.get('step'),
        ...op.i32_mul,
        ...op.i32_add,
        ...f.set('pa'),
        ...f.get('a'),
        ...f.get('step'),
        ...op.i32_add,
        ...f.set('pi'),
        ...f.get('h'),
        ...f.get('step'),
        ...op.i32_add,
        ...f.set('phi'),
        ...op.i32_const(0),
        ...f.set('m'),
        ...whileNot(
          [...f.get('e'), ...f.get('n'), ...op.i32_ge_s],
          f.get('pa'),
          // prev = m ? pa - step : pa (m = 0 at a block start)
          f.get('pa'),
          f.get('step'),
          op.i32_sub,
          f.get('pa'),
          f.get('m'),
          op.select,
          f.get('phi'),
          f.get('pi'),
          f.get('width'),
          f.call(forward),
          addLocal(f, 'e', one),
          addLocal(f, 'pa', f.get('step')),
          addLocal(f, 'pi', f.get('step')),
          addLocal(f, 'phi', f.get('step')),
          addLocal(f, 'm', one),
          // m = m == L ? 0 : m
          op.i32_const(0),
          f.get('m'),
          f.get('m'),
          f.get('L'),
          op.i32_eq,
          op.select,
          f.set('m'),
        ),
      ];
    },
  };
}

/**
 * `transpose4(dst, src, rowBlocks, colBlocks, srcStride, dstStride)` (bytes): transposes 4x4
 * blocks of floats with eight two-operand shuffles each (the classic unpacklo/unpackhi network);
 * the caller does the ragged edges.
 */
const transposeFunction: WasmFunction = {
  name: 'transpose4',
  params: { dst: i32, src: i32, rowBlocks: i32, colBlocks: i32, srcStride: i32, dstStride: i32 },
  // r*: four rows of a block; t*: after the first shuffle stage
  locals: {
    i: i32,
    j: i32,
    ps: i32,
    pd: i32,
    r0: v128,
    r1: v128,
    r2: v128,
    r3: v128,
    t0: v128,
    t1: v128,
    t2: v128,
    t3: v128,
  },
  results: [],
  body: (f) => {
    /** Floats `ls` of the 8-float concatenation of vectors a and b, as byte lanes. */
    const shuffle = (a: string, b: string, ls: number[]): Code => [
      ...f.get(a),
      ...f.get(b),
      ...op.i8x16_shuffle(ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])),
    ];
    /** `base + k * stride` */
    const rowAt = (base: string, stride: string, k: number): Code => [
      ...f.get(base),
      ...times(k, () => [...f.get(stride), ...op.i32_add]),
    ];
    const outs: [string, string, number[]][] = [
      ['t0', 't2', [0, 1, 4, 5]],
      ['t0', 't2', [2, 3, 6, 7]],
      ['t1', 't3', [0, 1, 4, 5]],
      ['t1', 't3', [2, 3, 6, 7]],
    ];
    return [
      ...op.i32_const(0),
      ...f.set('i'),
      ...whileNot(
        [...f.get('i'), ...f.get('rowBlocks'), ...op.i32_ge_s],
        f.get('src'),
        f.get('i'),
        f.get('srcStride'),
        op.i32_mul,
        op.i32_const(2),
        op.i32_shl,
        op.i32_add,
        f.set('ps'),
        f.get('dst'),
        f.get('i'),
        op.i32_const(4),
        op.i32_shl,
        op.i32_add,
        f.set('pd'),
        f.get('colBlocks'),
        f.set('j'),
        whileNot(
          [...f.get('j'), ...op.i32_eqz],
          times(4, (k) => [...rowAt('ps', 'srcStride', k), ...op.v128_load({ align: 4 }), ...f.set(`r${k}`)]),
          shuffle('r0', 'r1', [0, 4, 1, 5]),
          f.set('t0'),
          shuffle('r0', 'r1', [2, 6, 3, 7]),
          f.set('t1'),
          shuffle('r2', 'r3', [0, 4, 1, 5]),
          f.set('t2'),
          shuffle('r2', 'r3', [2, 6, 3, 7]),
          f.set('t3'),
          outs.flatMap(([a, b, ls], k) => [
            ...rowAt('pd', 'dstStride', k),
            ...shuffle(a, b, ls),
            ...op.v128_store({ align: 4 }),
          ]),
          bump(f, 'ps', 16),
          f.get('pd'),
          f.get('dstStride'),
          op.i32_const(2),
          op.i32_shl,
          op.i32_add,
          f.set('pd'),
          drop(f, 'j', 1),
        ),
        bump(f, 'i', 1),
      ),
    ];
  },
};

/**
 * `vhgwStripMin(a, h, count, L)` (bytes): {@link vhgwFunction} specialised to elements of exactly
 * STRIP_VECTORS vectors (a strip of 4*STRIP_VECTORS rows turned column-major), with the running
 * extrema kept in registers instead of a call per element. Several independent vectors per element
 * hide the latency of the min chain, which bounds a one-vector recurrence. Same operand order as
 * the general driver and the typed-array twin.
 */
function vhgwStripFunction(isMax: boolean): WasmFunction {
  const K = STRIP_VECTORS;
  const bytes = 16 * K;
  const acc = Array.from({ length: K }, (_, u) => `acc${u}`);
  return {
    name: `vhgwStrip${minMax(isMax)}`,
    params: { a: i32, h: i32, count: i32, L: i32 },
    locals: {
      n: i32,
      b: i32,
      start: i32,
      e: i32,
      pa: i32,
      ph: i32,
      m: i32,
      pi: i32,
      phi: i32,
      ...Object.fromEntries(acc.map((name) => [name, v128])),
      // never used; declared since the first version, so it stays until the bytes may change
      spare: v128,
    },
    results: [],
    body: (f) => {
      const load = (o: number): Code => op.v128_load({ offset: o });
      const store = (o: number): Code => op.v128_store({ offset: o });
      const timesBytes = [...op.i32_const(bytes), ...op.i32_mul];
      const each = (g: (u: number) => Code): Code => times(K, g);
      return [
        ...vhgwBlocks(f),
        ...op.block(
          op.loop(
            vhgwBlockBounds(f),
            f.get('a'),
            f.get('e'),
            timesBytes,
            op.i32_add,
            f.set('pa'),
            f.get('h'),
            f.get('e'),
            timesBytes,
            op.i32_add,
            f.set('ph'),
            each((u) => [
              ...f.get('pa'),
              ...load(16 * u),
              ...f.set(acc[u]),
              ...f.get('ph'),
              ...f.get(acc[u]),
              ...store(16 * u),
            ]),
            whileNot(
              [...f.get('e'), ...f.get('start'), ...op.i32_le_s],
              bump(f, 'e', -1),
              bump(f, 'pa', -bytes),
              bump(f, 'ph', -bytes),
              each((u) => [
                ...f.get('ph'),
                ...f.get('pa'),
                ...load(16 * u),
                ...f.get(acc[u]),
                ...lanesOp(isMax),
                ...f.tee(acc[u]),
                ...store(16 * u),
              ]),
            ),
            f.get('b'),
            op.i32_eqz,
            op.br_if(1),
            bump(f, 'b', -1),
            op.br(0),
          ),
        ),
        ...each((u) => [...f.get('a'), ...f.get('h'), ...load(16 * u), ...store(16 * u)]),
        ...f.get('L'),
        ...f.set('e'),
        ...f.get('a'),
        ...f.get('L'),
        ...timesBytes,
        ...op.i32_add,
        ...f.set('pa'),
        ...f.get('a'),
        ...op.i32_const(bytes),
        ...op.i32_add,
        ...f.set('pi'),
        ...f.get('h'),
        ...op.i32_const(bytes),
        ...op.i32_add,
        ...f.set('phi'),
        ...op.i32_const(0),
        ...f.set('m'),
        ...whileNot(
          [...f.get('e'), ...f.get('n'), ...op.i32_ge_s],
          f.get('m'),
          op.if(
            each((u) => [...f.get('pa'), ...load(16 * u), ...f.get(acc[u]), ...lanesOp(isMax), ...f.set(acc[u])]),
            each((u) => [...f.get('pa'), ...load(16 * u), ...f.set(acc[u])]),
          ),
          each((u) => [
            ...f.get('pi'),
            ...f.get('phi'),
            ...load(16 * u),
            ...f.get(acc[u]),
            ...lanesOp(isMax),
            ...store(16 * u),
          ]),
          bump(f, 'e', 1),
          bump(f, 'pa', bytes),
          bump(f, 'pi', bytes),
          bump(f, 'phi', bytes),
          bump(f, 'm', 1),
          op.i32_const(0),
          f.get('m'),
          f.get('m'),
          f.get('L'),
          op.i32_eq,
          op.select,
          f.set('m'),
        ),
      ];
    },
  };
}

/**
 * `hwindow{L}Min(dst, src, n)` (bytes, n in floats), L = 4 + r: see {@link Kernels.hwindow}. The
 * vector at i is min(F_i, P_i) with F_i = min of the loads at i..i+3 (kept from the previous step)
 * and P_i = min of the loads at i+4..i+3+r, the prefix of the block whose minimum is F_{i+4}. The
 * steady loop stops one vector early so no load reaches past element n+L-2; the last vector loads
 * only its prefix, and the last n % 4 results are scalar. In the steady loops of L = 5..7 the loads
 * at i+4..i+7 are one load of that block and shuffles of it with the next block, which the next
 * vector reuses (one load instead of four, three of them split across blocks: hwindow7 over the
 * bench image's 4 tiles 0.30 -> 0.28 ms). `checked_hwindow{L}Min` also returns
 * whether elements [0, {@link hwindowCheckedPrefix}(n)) were all finite (the loads at i, see {@link orFinite}).
 */
function hwindowFunction(L: number, isMax: boolean, checked: boolean): WasmFunction {
  const r = L - 4;
  return {
    name: `${checked ? 'checked_' : ''}hwindow${L}${minMax(isMax)}`,
    params: { dst: i32, src: i32, n: i32 },
    locals: {
      F: v128,
      P: v128,
      ...Object.fromEntries(range(0, HWINDOW_UNROLL).map((u) => [`B${u}`, v128])),
      vacc: v128,
      vt: v128,
      acc: f32,
      x: f32,
    },
    results: checked ? [i32] : [],
    body: (f) => {
      const at = (o: number): Code => [...f.get('src'), ...op.v128_load({ offset: 4 * o, align: 1 })];
      const pick = (a: Code, b: Code): Code => [...a, ...b, ...lanesOp(isMax)];
      /** min of the loads at first..first+count-1, left to right */
      const chain = (first: number, count: number, start: Code = at(first)): Code => {
        let code = start;
        for (let o = first + 1; o < first + count; o++) code = pick(code, at(o));
        return code;
      };
      const store = (value: Code, at = 0): Code => [
        ...f.get('dst'),
        ...value,
        ...op.v128_store({ offset: 16 * at, align: 1 }),
      ];
      const result = r === 0 ? f.get('F') : pick(f.get('F'), f.get('P'));
      const step = (vectors: number): Code => [
        ...bump(f, 'src', 16 * vectors),
        ...bump(f, 'dst', 16 * vectors),
        ...drop(f, 'n', 4 * vectors),
      ];
      // checked: the chain's first load at `o` is kept in vt (seen), then vacc |= vt - vt (see
      // {@link orFinite}): the check reuses the load the window makes anyway
      const seen = (o: number): Code => (checked ? [...at(o), ...f.tee('vt')] : at(o));
      const tally: Code = checked ? orFinite(f, 'vacc', 'vt') : [];
      /**
       * The 4 elements from k (< 4) on of the block of vector u of a step (elements 4u + 4 on, in
       * local Bu; the next block in B(u+1)): the block itself, else a shuffle of the two
       */
      const shifted = (u: number, k: number): Code =>
        k === 0
          ? f.get(`B${u}`)
          : [...f.get(`B${u}`), ...f.get(`B${u + 1}`), ...op.i8x16_shuffle(range(4 * k, 4 * k + 15))];
      const chainOf = (u: number, from: number, count: number, start: Code = shifted(u, from)): Code => {
        let code = start;
        for (let k = from + 1; k < from + count; k++) code = pick(code, shifted(u, k));
        return code;
      };
      /** The steady loop's vector u of a step: result u stored, F of vector u + 1 from block u + 1. */
      const vector = (u: number): Code => {
        const b = 4 * (u + 1);
        if (r === 0) return [...store(result, u), ...chain(b, 4, seen(b)), ...f.set('F'), ...tally];
        return [
          // the next block (its loads stay within the n + L - 1 elements for L >= 5)
          ...at(b + 4),
          ...f.set(`B${u + 1}`),
          ...(checked ? orFinite(f, 'vacc', `B${u}`) : []),
          ...chainOf(u, 0, r),
          ...f.set('P'),
          ...store(result, u),
          // F of the next vector: the prefix continued through the block
          ...chainOf(u, r - 1, 4 - r + 1, f.get('P')),
          ...f.set('F'),
        ];
      };
      return [
        ...f.get('n'),
        ...op.i32_const(4),
        ...op.i32_ge_u,
        ...op.if([
          ...chain(0, 4, seen(0)),
          ...f.set('F'),
          ...tally,
          // HWINDOW_UNROLL vectors a step while they fit, then one: the loop's bookkeeping (three
          // pointer bumps, a compare) is shared by 4 vectors (4 loads and 4 picks each when measured:
          // 7x7 erosion 2-3% faster)
          ...(r > 0 ? [...at(4), ...f.set('B0')] : []),
          ...[HWINDOW_UNROLL, 1].flatMap((u) =>
            whileNot(
              [...f.get('n'), ...op.i32_const(4 * u + 4), ...op.i32_lt_u],
              range(0, u - 1).flatMap(vector),
              r > 0 ? [...f.get(`B${u}`), ...f.set('B0')] : [],
              step(u),
            ),
          ),
          ...(r > 0 ? [...chain(4, r), ...f.set('P')] : []),
          ...store(result),
          ...step(1),
        ]),
        ...scalarWindowTail(f, isMax, L),
        ...(checked ? [...f.get('vacc'), ...f.get('vacc'), ...op.f32x4_eq, ...op.i32x4_all_true] : []),
      ];
    },
  };
}

/**
 * How many leading elements `checked_hwindow` checks for n results: 4 per vector of the steady
 * loop plus the first vector's 4 (the remaining n + L - 1 - prefix are the caller's to check).
 */
export function hwindowCheckedPrefix(n: number): number {
  return n < 4 ? 0 : n < 8 ? 4 : 8 + 4 * ((n - 8) >> 2);
}

/** Window lengths {@link Kernels.ladder} takes: powers of two. */
export const LADDER_LENGTHS = [4, 8, 16, 32] as const;

/**
 * Vectors a ladder of length P runs behind its loads: level 4 needs the next vector's level 2, and
 * level 2s (s >= 4) pairs vectors s/4 apart.
 */
function ladderLag(P: number): number {
  let lag = 1;
  for (let s = 4; s < P; s *= 2) lag += s / 4;
  return lag;
}

/**
 * Vectors per warm-up step (the longest register ring, P/8 from P = 16, so ring slots are static)
 * and per main-loop step (at least 4: loop overhead, measured) of a ladder of length P.
 */
function ladderUnroll(P: number): { ring: number; main: number } {
  const ring = Math.max(1, P / 8);
  return { ring, main: Math.max(4, ring) };
}

/**
 * Vector iterations of a ladder of length P over n results: while its loads (elements 4t .. 4t+4)
 * stay inside the n + P - 1 it may read, and no further than the last whole vector of results,
 * rounded down to whole loop steps (the lag is a whole number of warm-up steps). The results
 * from 4 * (iterations - lag) on are the scalar tail's.
 */
export function ladderIterations(n: number, P: number): number {
  const lag = ladderLag(P);
  const { ring, main } = ladderUnroll(P);
  const most = Math.max(0, Math.min((n >> 2) + lag, Math.floor((n + P - 6) / 4) + 1));
  return most <= lag ? most - (most % ring) : lag + main * Math.floor((most - lag) / main);
}

/** First result of the scalar tail of a ladder of length P over n results. */
export function ladderVectorResults(n: number, P: number): number {
  return 4 * Math.max(0, ladderIterations(n, P) - ladderLag(P));
}

/**
 * `ladder{P}Min(dst, src, n, iterations)` (bytes, n in floats): see {@link Kernels.ladder}. Vector
 * t loads elements 4t .. 4t+3 and 4t+1 .. 4t+4, so m2 = min of the two; m4 of vector t-1 pairs
 * m2 of vectors t-1 and t (the second shifted two lanes by a shuffle); m_{2s} (s >= 4) pairs m_s
 * of vectors s/4 apart, kept in registers. One pass, two loads, log2(P) comparisons, a shuffle and
 * a store per vector. The last results (see {@link ladderVectorResults}) are scalar chains.
 * `checked_ladder{P}Min` also returns whether elements [0, 4 * iterations) were all finite.
 */
function ladderFunction(P: number, isMax: boolean, checked: boolean): WasmFunction {
  const lag = ladderLag(P);
  const { ring, main } = ladderUnroll(P);
  // history per level s = 2, 4, ..., P/2: how many older vectors of that level the next one pairs with
  const levels: number[] = [];
  for (let s = 2; s < P; s *= 2) levels.push(s);
  const hist = (s: number): number => (s === 2 ? 1 : s / 4);
  const histNames = (s: number): string[] => range(0, hist(s) - 1).map((k) => `m${s}_${k}`);
  if (lag % ring !== 0 || main % ring !== 0)
    throw new Error(`ladder ${P}: steps do not keep the register rings aligned`);
  return {
    name: `${checked ? 'checked_' : ''}ladder${P}${minMax(isMax)}`,
    params: { dst: i32, src: i32, n: i32, iterations: i32 },
    locals: {
      j: i32,
      ...Object.fromEntries(levels.flatMap((s) => histNames(s)).map((name) => [name, v128])),
      cur: v128,
      next: v128,
      vacc: v128,
      vt: v128,
      acc: f32,
      x: f32,
    },
    results: checked ? [i32] : [],
    body: (f) => {
      const load = (offset: number): Code => [...f.get('src'), ...op.v128_load({ offset, align: 1 })];
      const pick = (a: Code, b: Code): Code => [...a, ...b, ...lanesOp(isMax)];
      // elements 2..5 of the 8-element concatenation a:b
      const shifted2 = (a: Code, b: Code): Code => [...a, ...b, ...op.i8x16_shuffle(range(8, 23))];
      /**
       * Vector g (mod ladderUnroll(P)): cur climbs from level 2 to P and is left at level P, lag
       * vectors back. Each level's history is a ring of registers whose oldest entry, the one
       * paired with, is at g mod its length and takes the new value: no moves between registers.
       */
      const climb = (g: number): Code => [
        ...(checked
          ? [...load(0), ...f.tee('vt'), ...f.set('cur'), ...orFinite(f, 'vacc', 'vt'), ...pick(f.get('cur'), load(4))]
          : pick(load(0), load(4))),
        ...f.set('cur'),
        ...levels.flatMap((s) => {
          const older = histNames(s)[g % hist(s)];
          const up =
            s === 2 ? pick(f.get(older), shifted2(f.get(older), f.get('cur'))) : pick(f.get(older), f.get('cur'));
          return [...up, ...f.set('next'), ...f.get('cur'), ...f.set(older), ...f.get('next'), ...f.set('cur')];
        }),
        ...bump(f, 'src', 16),
      ];
      return [
        // warm-up: the first `lag` vectors only fill the histories
        ...f.get('iterations'),
        ...op.i32_const(lag),
        ...f.get('iterations'),
        ...op.i32_const(lag),
        ...op.i32_lt_u,
        ...op.select,
        ...f.set('j'),
        ...whileNot([...f.get('j'), ...op.i32_eqz], times(ring, climb), drop(f, 'j', ring)),
        ...f.get('iterations'),
        ...op.i32_const(lag),
        ...op.i32_sub,
        ...f.set('j'),
        ...whileNot(
          [...f.get('j'), ...op.i32_const(0), ...op.i32_le_s],
          times(main, (g) => [
            ...climb(g),
            ...f.get('dst'),
            ...f.get('cur'),
            ...op.v128_store({ align: 1 }),
            ...bump(f, 'dst', 16),
          ]),
          drop(f, 'n', 4 * main),
          drop(f, 'j', main),
        ),
        // the scalar tail starts at the first result not stored: rewind src to it
        ...f.get('iterations'),
        ...op.i32_const(lag),
        ...op.i32_gt_u,
        ...op.if(
          [...f.get('src'), ...op.i32_const(16 * lag), ...op.i32_sub, ...f.set('src')],
          [...f.get('src'), ...f.get('iterations'), ...op.i32_const(4), ...op.i32_shl, ...op.i32_sub, ...f.set('src')],
        ),
        ...scalarWindowTail(f, isMax, P),
        ...(checked ? [...f.get('vacc'), ...f.get('vacc'), ...op.f32x4_eq, ...op.i32x4_all_true] : []),
      ];
    },
  };
}

/** Longest window {@link Kernels.vlog} takes (one specialised function per length). */
export const VLOG_MAX_LENGTH = 16;

/**
 * The doubling ladder of {@link Kernels.vlog} for window length L >= 2: level sizes 1, 2, 4, ...,
 * P (P the largest power of two below L); the window is the extremum of the level-P windows at
 * rows i and i + L - P, which overlap and cover i .. i+L-1.
 */
export function vlogLevels(L: number): { sizes: number[]; last: number } {
  const sizes = [1];
  while (2 * sizes[sizes.length - 1] < L) sizes.push(2 * sizes[sizes.length - 1]);
  return { sizes, last: L - sizes[sizes.length - 1] };
}

/**
 * `vlog{L}Min(dst, src, step, width, count)` (dst, src, step in bytes; width in floats): see
 * {@link Kernels.vlog}. A column strip (one vector, then single floats) walks down the rows once,
 * loading each row once: at row t, m1 = x_t, m_{2s}[t-2s+1] = min(m_s[t-2s+1], m_s[t-s+1]), and
 * the window ending at t is min(m_P[t-L+1], m_P[t-P+1]). So a window costs one load, log2(L) + 1
 * comparisons and one store per vector (output rows in pairs sharing their L-1 common rows cost
 * (L+1)/2 loads). The older operands wait in rings of registers, one per level, whose slots are
 * fixed by the row's index modulo the ring: the first L-1 rows of a strip are straight-line code
 * and the loop is unrolled by the longest ring, so no value moves between registers (against a
 * shifting history: level up to 7, 12% faster at 9, 17% at 15, 31% at 16; 65-row tiles of the
 * bench image). Those first rows only fill the rings (what the previous strip left there never
 * reaches an output). Where both fit the registers (L <= 5), two vectors walk side by side,
 * halving the loop's bookkeeping per vector (10-20% faster). `vlog{L}w3Min` (w = 3, {@link Kernels.box3}) first takes each row's minimum
 * of three neighbouring columns, so a 3 x L box is one pass; a vector's two shifted operands are
 * shuffles of its block and the next, loaded once for both vectors of a strip (3 x 3 box over the
 * bench image's 4 tiles: 0.25 -> 0.22 ms against three loads a vector), so its strips stop while
 * fewer than two columns remain beyond them; `checked_` variants also
 * return whether the first of those loads, over every row read, saw only finite values. Row i is stored after
 * every load at or above it, so dst == src is safe.
 */
function vlogFunction(L: number, isMax: boolean, w: 1 | 3 = 1, checked = false): WasmFunction {
  const { sizes, last } = vlogLevels(L);
  const P = sizes[sizes.length - 1];
  // ring length per level: level s < P pairs with the value s rows back, level P with `last` back
  const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(n));
  const ring = sizes.map((s) => (s === P ? pow2(last) : s));
  const period = Math.max(...ring);
  // vectors per strip: two while both ladders fit the registers (rings of at most 4 values), else one
  const K = ring.reduce((a, b) => a + b, 0) <= 4 ? 2 : 1;
  const names = (prefix: string): string[][] =>
    sizes.map((s, l) => range(0, ring[l] - 1).map((k) => `${prefix}${s}_${k}`));
  const units = range(0, K - 1).map((u) => ({ ring: names(`v${u}_`), cur: `vc${u}`, next: `vn${u}` }));
  // the scalar walk (the last width % 4 columns) keeps a shifting history instead of rings, so its
  // code is one row in a loop: the same operands in the same order, in a fraction of the bytes
  const scalarUnit = {
    ring: sizes.map((s) => range(0, (s === P ? last : s) - 1).map((k) => `s${s}_${k}`)),
    cur: 'sc',
    next: 'sn',
  };
  const mod = (a: number, m: number): number => ((a % m) + m) % m;
  return {
    name: `${checked ? 'checked_' : ''}vlog${L}${w === 3 ? 'w3' : ''}${minMax(isMax)}`,
    params: { dst: i32, src: i32, step: i32, width: i32, count: i32 },
    locals: {
      col: i32,
      ps: i32,
      pd: i32,
      j: i32,
      ...Object.fromEntries(units.flatMap((u) => [...u.ring.flat(), u.cur, u.next]).map((n) => [n, v128])),
      ...Object.fromEntries([...scalarUnit.ring.flat(), 'sc', 'sn'].map((n) => [n, f32])),
      x: f32,
      y: f32,
      vacc: v128,
      vt: v128,
      chk: f32,
      st: f32,
      ...(w === 3 ? Object.fromEntries(range(0, K).map((u) => [`w${u}`, v128])) : {}),
    },
    results: checked ? [i32] : [],
    body: (f) => {
      const walk = (lanes: number): Code => {
        const scalar = lanes === 1;
        const strip = scalar ? [scalarUnit] : units.slice(0, lanes / 4);
        // min(a, b) with the kernels' pseudo-min `b < a ? b : a` (max: `a < b ? b : a`), a the older row
        const pick = (a: Code, b: Code): Code =>
          scalar
            ? [
                ...b,
                ...f.set('x'),
                ...f.get('x'),
                ...a,
                ...f.tee('y'),
                ...(isMax ? [...f.get('y'), ...f.get('x')] : [...f.get('x'), ...f.get('y')]),
                ...op.f32_lt,
                ...op.select,
              ]
            : [...a, ...b, ...lanesOp(isMax)];
        const load = (offset: number): Code => [
          ...f.get('ps'),
          ...(scalar ? op.f32_load({ offset }) : op.v128_load({ offset, align: 1 })),
        ];
        /** Vector u's part of row g: cur climbs the ladder; at level P the window ending here is stored. */
        const unitRow = (u: number, g: number, store: boolean): Code => {
          const { ring: h, cur, next } = strip[u];
          const at = 16 * u;
          // checked: the row's first load or-ed into vacc as v - v (see {@link orFinite}; the scalar walk sums)
          const first: Code = !checked
            ? load(at)
            : scalar
              ? [
                  ...load(at),
                  ...f.tee('st'),
                  ...f.get('chk'),
                  ...f.get('st'),
                  ...f.get('st'),
                  ...op.f32_sub,
                  ...op.f32_add,
                  ...f.set('chk'),
                ]
              : [...load(at), ...f.tee('vt'), ...orFinite(f, 'vacc', 'vt')];
          // the row's value: its element, or the extremum of its three from the column on (w = 3)
          // (one pick at a time: the scalar pick keeps its operands in x and y). Vectors take the
          // two shifted ones by shuffles of their block and the next, which the next vector of the
          // strip reuses as its own: K + 1 loads a row instead of 3K, none split across blocks.
          const shifted = (k: number): Code => [
            ...f.get(`w${u}`),
            ...f.get(`w${u + 1}`),
            ...op.i8x16_shuffle(range(4 * k, 4 * k + 15)),
          ];
          const rowValue: Code =
            w === 1
              ? [...first, ...f.set(cur)]
              : scalar
                ? [
                    ...first,
                    ...f.set(cur),
                    ...pick(f.get(cur), load(at + 4)),
                    ...f.set(cur),
                    ...pick(f.get(cur), load(at + 8)),
                    ...f.set(cur),
                  ]
                : [
                    ...(u === 0 ? [...first, ...f.set('w0')] : checked ? orFinite(f, 'vacc', `w${u}`) : []),
                    ...load(at + 16),
                    ...f.set(`w${u + 1}`),
                    ...pick(f.get(`w${u}`), shifted(1)),
                    ...f.set(cur),
                    ...pick(f.get(cur), shifted(2)),
                    ...f.set(cur),
                  ];
          return [
            ...rowValue,
            ...sizes.flatMap((s, l) => {
              if (scalar) {
                // oldest first: pair with h[0], then shift the history by one
                const shift = [
                  ...h[l].slice(1).flatMap((n, k) => [...f.get(n), ...f.set(h[l][k])]),
                  ...f.get(cur),
                  ...f.set(h[l][h[l].length - 1]),
                ];
                if (s < P)
                  return [...pick(f.get(h[l][0]), f.get(cur)), ...f.set(next), ...shift, ...f.get(next), ...f.set(cur)];
                return [
                  ...(store ? [...f.get('pd'), ...pick(f.get(h[l][0]), f.get(cur)), ...op.f32_store()] : []),
                  ...shift,
                ];
              }
              const slot = h[l][g % ring[l]];
              if (s < P)
                return [
                  ...pick(f.get(slot), f.get(cur)),
                  ...f.set(next),
                  ...f.get(cur),
                  ...f.set(slot),
                  ...f.get(next),
                  ...f.set(cur),
                ];
              const older = h[l][mod(g - last, ring[l])];
              return [
                ...(store
                  ? [
                      ...f.get('pd'),
                      ...pick(f.get(older), f.get(cur)),
                      ...(scalar ? op.f32_store() : op.v128_store({ offset: at, align: 1 })),
                    ]
                  : []),
                ...f.get(cur),
                ...f.set(slot),
              ];
            }),
          ];
        };
        const row = (g: number, store: boolean): Code => [
          ...strip.flatMap((_, u) => unitRow(u, g, store)),
          ...(store ? [...f.get('pd'), ...f.get('step'), ...op.i32_add, ...f.set('pd')] : []),
          ...f.get('ps'),
          ...f.get('step'),
          ...op.i32_add,
          ...f.set('ps'),
        ];
        // a w = 3 vector strip also loads the block after it: at most width + 2 columns are read
        const spare = w === 3 && !scalar ? 2 : 0;
        return whileNot(
          [...f.get('width'), ...f.get('col'), ...op.i32_sub, ...op.i32_const(lanes + spare), ...op.i32_lt_u],
          f.get('src'),
          f.get('col'),
          op.i32_const(2),
          op.i32_shl,
          op.i32_add,
          f.set('ps'),
          f.get('dst'),
          f.get('col'),
          op.i32_const(2),
          op.i32_shl,
          op.i32_add,
          f.set('pd'),
          scalar
            ? [
                ...op.i32_const(L - 1),
                ...f.set('j'),
                ...whileNot([...f.get('j'), ...op.i32_eqz], row(0, false), drop(f, 'j', 1)),
                ...f.get('count'),
                ...f.set('j'),
                ...whileNot([...f.get('j'), ...op.i32_eqz], row(0, true), drop(f, 'j', 1)),
              ]
            : [
                ...range(0, L - 2).flatMap((g) => row(g, false)),
                ...f.get('count'),
                ...f.set('j'),
                // `period` rows a turn, each leaving the loop once `count` rows are stored
                ...op.block(
                  op.loop(
                    range(0, period - 1).flatMap((u) => [
                      ...f.get('j'),
                      ...op.i32_eqz,
                      ...op.br_if(1),
                      ...row(L - 1 + u, true),
                      ...drop(f, 'j', 1),
                    ]),
                    op.br(0),
                  ),
                ),
              ],
          bump(f, 'col', lanes),
        );
      };
      return [
        ...(K > 1 ? walk(4 * K) : []),
        ...walk(4),
        ...walk(1),
        ...(checked
          ? [
              ...f.get('vacc'),
              ...f.get('vacc'),
              ...op.f32x4_eq,
              ...op.i32x4_all_true,
              ...f.get('chk'),
              ...f.get('chk'),
              ...op.f32_eq,
              ...op.i32_and,
            ]
          : []),
      ];
    },
  };
}

/** The reduce kernels for 2..MAX_OPERANDS operands, min then max for each count. */
const reduceFunctions = (checked: boolean): WasmFunction[] =>
  range(2, MAX_OPERANDS).flatMap((k) => [reduceFunction(k, false, checked), reduceFunction(k, true, checked)]);

/** The module's function table (the order fixes the function indices and so the bytes). */
function kernelFunctions(): WasmFunction[] {
  return [
    ...reduceFunctions(false),
    allFiniteFunction,
    forwardFunction(false),
    forwardFunction(true),
    vhgwFunction(false),
    vhgwFunction(true),
    transposeFunction,
    vhgwStripFunction(false),
    vhgwStripFunction(true),
    ...reduceFunctions(true),
    ...[false, true].flatMap((checked) =>
      range(HWINDOW_LENGTHS.min, HWINDOW_LENGTHS.max).flatMap((L) => [
        hwindowFunction(L, false, checked),
        hwindowFunction(L, true, checked),
      ]),
    ),
    ...range(2, VLOG_MAX_LENGTH).flatMap((L) => [vlogFunction(L, false), vlogFunction(L, true)]),
    ...[false, true].flatMap((checked) =>
      range(2, VLOG_MAX_LENGTH).flatMap((L) => [vlogFunction(L, false, 3, checked), vlogFunction(L, true, 3, checked)]),
    ),
    ...[false, true].flatMap((checked) =>
      LADDER_LENGTHS.flatMap((P) => [ladderFunction(P, false, checked), ladderFunction(P, true, checked)]),
    ),
  ];
}

/** The bytes of the kernel module (exported for the disassembly test). */
export function kernelModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule(kernelFunctions(), opts);
}

type WasmKernel = (...args: number[]) => void;

/** The compiled kernel module, kept when a kernel set is dropped for its memory (see {@link releaseKernelHeap}). */
let compiledKernels: object | null = null;

function wasmKernels(): Kernels | null {
  if (!hasWasm()) return null;
  try {
    const memory = newMemory(1);
    compiledKernels ??= compile(kernelModuleBytes());
    // Not `exports`: in the CommonJS build that name is the module's, and tsc rewrites the
    // module-level MAX_OPERANDS below to `exports.MAX_OPERANDS`, which a local would shadow.
    const instance = instantiate(compiledKernels, memory);
    const ex = instance as Record<string, WasmKernel>;
    const allFinite = instance.allFinite as (p: number, n: number) => number;
    // byIndex[isMax ? 1 : 0][k] is the k-operand kernel
    const byIndex: WasmKernel[][] = [[], []];
    const checkedByIndex: ((...args: number[]) => number)[][] = [[], []];
    for (let k = 2; k <= MAX_OPERANDS; k++) {
      byIndex[0][k] = ex[`min${k}`];
      byIndex[1][k] = ex[`max${k}`];
      checkedByIndex[0][k] = instance[`checked_min${k}`] as (...args: number[]) => number;
      checkedByIndex[1][k] = instance[`checked_max${k}`] as (...args: number[]) => number;
    }
    const vhgwMin = ex.vhgwMin;
    const vhgwMax = ex.vhgwMax;
    const transpose4 = ex.transpose4;
    const vhgwStripMin = ex.vhgwStripMin;
    const vhgwStripMax = ex.vhgwStripMax;
    // hwindowByLength[checked ? 1 : 0][isMax ? 1 : 0][L]
    const hwindowByLength: ((...args: number[]) => number)[][][] = [
      [[], []],
      [[], []],
    ];
    for (let L = HWINDOW_LENGTHS.min; L <= HWINDOW_LENGTHS.max; L++) {
      for (const [c, prefix] of ['', 'checked_'].entries()) {
        hwindowByLength[c][0][L] = instance[`${prefix}hwindow${L}Min`] as (...args: number[]) => number;
        hwindowByLength[c][1][L] = instance[`${prefix}hwindow${L}Max`] as (...args: number[]) => number;
      }
    }
    // ladderByLength[checked ? 1 : 0][isMax ? 1 : 0][P]
    const ladderByLength: ((...args: number[]) => number)[][][] = [
      [[], []],
      [[], []],
    ];
    for (const P of LADDER_LENGTHS) {
      for (const [c, prefix] of ['', 'checked_'].entries()) {
        ladderByLength[c][0][P] = instance[`${prefix}ladder${P}Min`] as (...args: number[]) => number;
        ladderByLength[c][1][P] = instance[`${prefix}ladder${P}Max`] as (...args: number[]) => number;
      }
    }
    // box3ByLength[checked ? 1 : 0][isMax ? 1 : 0][L]
    const box3ByLength: ((...args: number[]) => number)[][][] = [
      [[], []],
      [[], []],
    ];
    for (let L = 2; L <= VLOG_MAX_LENGTH; L++) {
      for (const [c, prefix] of ['', 'checked_'].entries()) {
        box3ByLength[c][0][L] = instance[`${prefix}vlog${L}w3Min`] as (...args: number[]) => number;
        box3ByLength[c][1][L] = instance[`${prefix}vlog${L}w3Max`] as (...args: number[]) => number;
      }
    }
    // vlogByLength[isMax ? 1 : 0][L]
    const vlogByLength: WasmKernel[][] = [[], []];
    for (let L = 2; L <= VLOG_MAX_LENGTH; L++) {
      vlogByLength[0][L] = ex[`vlog${L}Min`];
      vlogByLength[1][L] = ex[`vlog${L}Max`];
    }
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
          case 1:
            fn(dst << 2, a, a, n);
            break;
          case 2:
            fn(dst << 2, a, srcs[1] << 2, n);
            break;
          case 3:
            fn(dst << 2, a, srcs[1] << 2, srcs[2] << 2, n);
            break;
          default:
            fn(dst << 2, ...srcs.map((x) => x << 2), n);
        }
      },
      reduceChecked(isMax, dst, srcs, n): boolean {
        if (n <= 0) return true;
        const fn = checkedByIndex[isMax ? 1 : 0][Math.max(2, srcs.length)];
        const a = srcs[0] << 2;
        switch (srcs.length) {
          case 1:
            return fn(dst << 2, a, a, n) !== 0;
          case 2:
            return fn(dst << 2, a, srcs[1] << 2, n) !== 0;
          case 3:
            return fn(dst << 2, a, srcs[1] << 2, srcs[2] << 2, n) !== 0;
          default:
            return fn(dst << 2, ...srcs.map((x) => x << 2), n) !== 0;
        }
      },
      vhgw(isMax, a, h, step, width, count, L): void {
        if (L <= 1 || count <= 0 || width <= 0) return;
        if (step === stripWidth && width === stripWidth)
          (isMax ? vhgwStripMax : vhgwStripMin)(a << 2, h << 2, count, L);
        else (isMax ? vhgwMax : vhgwMin)(a << 2, h << 2, step << 2, width, count, L);
      },
      hwindow(isMax, dst, src, n, L, check = false): boolean {
        if (n <= 0) return true;
        if (!check) {
          hwindowByLength[0][isMax ? 1 : 0][L](dst << 2, src << 2, n);
          return true;
        }
        // the tail the kernel does not check, before it runs (in place, it overwrites some)
        const prefix = hwindowCheckedPrefix(n);
        if (!this.allFinite(src + prefix, n + L - 1 - prefix)) return false;
        return hwindowByLength[1][isMax ? 1 : 0][L](dst << 2, src << 2, n) !== 0;
      },
      ladder(isMax, dst, src, n, P, check = false): boolean {
        if (n <= 0) return true;
        const iterations = ladderIterations(n, P);
        if (!check) {
          ladderByLength[0][isMax ? 1 : 0][P](dst << 2, src << 2, n, iterations);
          return true;
        }
        // the tail the kernel does not check, before it runs (in place, it overwrites some)
        const prefix = 4 * iterations;
        if (!this.allFinite(src + prefix, n + P - 1 - prefix)) return false;
        return ladderByLength[1][isMax ? 1 : 0][P](dst << 2, src << 2, n, iterations) !== 0;
      },
      box3(isMax, dst, src, step, width, count, L, check = false): boolean {
        if (count <= 0 || width <= 0) return true;
        const fn = box3ByLength[check ? 1 : 0][isMax ? 1 : 0][L];
        if (!check) {
          fn(dst << 2, src << 2, step << 2, width, count);
          return true;
        }
        // the kernel checks the first of each row's three loads; the last two columns are left
        for (let r = 0; r < count + L - 1; r++) {
          if (!this.allFinite(src + r * step + width, 2)) return false;
        }
        return fn(dst << 2, src << 2, step << 2, width, count) !== 0;
      },
      vlog(isMax, dst, src, step, width, count, L): void {
        if (count <= 0 || width <= 0) return;
        vlogByLength[isMax ? 1 : 0][L](dst << 2, src << 2, step << 2, width, count);
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
    warnOnce(
      `specmorph morphology: WebAssembly SIMD kernels unavailable (${(e as Error).message}); using slower typed-array loops`,
    );
    return null;
  }
}

/** Transposes rows [r0, r1) x columns [c0, c1) element by element (see {@link Kernels.transpose}). */
function transposeScalar(
  h: Float32Array,
  dst: number,
  src: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  srcStride: number,
  dstStride: number,
): void {
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
    hwindow(isMax, dst, src, n, L, check = false): boolean {
      if (n <= 0) return true;
      if (check && !this.allFinite(src, n + L - 1)) return false;
      // the WebAssembly kernel's order of operands (block minimum, then the prefix after it)
      const h = view;
      const pick = (a: number, b: number): number => (isMax ? (a < b ? b : a) : b < a ? b : a);
      const vectors = n >= 4 ? n & ~3 : 0;
      for (let i = 0; i < n; i++) {
        let acc = h[src + i];
        if (i < vectors) {
          for (let k = 1; k < 4; k++) acc = pick(acc, h[src + i + k]);
          if (L > 4) {
            let p = h[src + i + 4];
            for (let k = 5; k < L; k++) p = pick(p, h[src + i + k]);
            acc = pick(acc, p);
          }
        } else {
          for (let k = 1; k < L; k++) acc = pick(acc, h[src + i + k]);
        }
        h[dst + i] = acc;
      }
      return true;
    },
    ladder(isMax, dst, src, n, P, check = false): boolean {
      if (n <= 0) return true;
      if (check && !this.allFinite(src, n + P - 1)) return false;
      // the WebAssembly kernel's operands: the ladder m_2s(i) = pick(m_s(i), m_s(i + s)) for the
      // vector results, then left-to-right chains for its scalar tail
      const h = view;
      const pick = (a: number, b: number): number => (isMax ? (a < b ? b : a) : b < a ? b : a);
      const m = (i: number, s: number): number =>
        s === 2 ? pick(h[src + i], h[src + i + 1]) : pick(m(i, s / 2), m(i + s / 2, s / 2));
      const vectors = ladderVectorResults(n, P);
      const res = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (i < vectors) res[i] = m(i, P);
        else {
          let acc = h[src + i];
          for (let k = 1; k < P; k++) acc = pick(acc, h[src + i + k]);
          res[i] = acc;
        }
      }
      for (let i = 0; i < n; i++) h[dst + i] = res[i];
      return true;
    },
    box3(isMax, dst, src, step, width, count, L, check = false): boolean {
      if (count <= 0 || width <= 0) return true;
      const h = view;
      const rows = count + L - 1;
      if (check) {
        for (let r = 0; r < rows; r++) if (!this.allFinite(src + r * step, width + 2)) return false;
      }
      // each row's three columns with the kernel's operands, then vlog over a scratch copy
      const pick = (a: number, b: number): number => (isMax ? (a < b ? b : a) : b < a ? b : a);
      const reduced = new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < width; c++) {
          const p = src + r * step + c;
          reduced[r * width + c] = pick(pick(h[p], h[p + 1]), h[p + 2]);
        }
      }
      const out = new Float32Array(count * width);
      const m = new Float64Array(rows);
      const { sizes, last } = vlogLevels(L);
      for (let c = 0; c < width; c++) {
        let lv = m;
        for (let t = 0; t < rows; t++) lv[t] = reduced[t * width + c];
        for (const s of sizes.slice(0, -1)) {
          const up = new Float64Array(rows);
          for (let j = 0; j + s < rows; j++) up[j] = pick(lv[j], lv[j + s]);
          lv = up;
        }
        for (let i = 0; i < count; i++) out[i * width + c] = pick(lv[i], lv[i + last]);
      }
      for (let i = 0; i < count; i++) h.set(out.subarray(i * width, (i + 1) * width), dst + i * step);
      return true;
    },
    vlog(isMax, dst, src, step, width, count, L): void {
      // the WebAssembly ladder's operands (older row first), column by column
      const h = view;
      const pick = (a: number, b: number): number => (isMax ? (a < b ? b : a) : b < a ? b : a);
      const { sizes, last } = vlogLevels(L);
      const n = count + L - 1;
      let m = new Float64Array(n);
      for (let c = 0; c < width; c++) {
        for (let t = 0; t < n; t++) m[t] = h[src + t * step + c];
        // m[j] = extremum of rows j .. j+s-1, level by level
        for (const s of sizes.slice(0, -1)) {
          const up = new Float64Array(n);
          for (let j = 0; j + s < n; j++) up[j] = pick(m[j], m[j + s]);
          m = up;
        }
        for (let i = 0; i < count; i++) h[dst + i * step + c] = pick(m[i], m[i + last]);
      }
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
        for (let e = end - 1; e >= start; e--)
          reduce2(view, isMax, h + e * step, a + e * step, h + (e + 1) * step, width);
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
 * Drops the shared kernel set once its scratch heap holds more than {@link RETAIN_BYTES} (a
 * WebAssembly memory cannot shrink), so that the memory can be collected; the next
 * {@link kernels} call makes a fresh set over a one-page memory from the compiled module.
 * Called after every filter, so one huge grid does not pin its scratch for the session.
 */
export function releaseKernelHeap(): void {
  if (shared && 4 * shared.heap().length > RETAIN_BYTES) shared = null;
}

/** Bytes of scratch heap the shared kernel set holds between calls (for tests of the bound). */
export function kernelHeapBytes(): number {
  return shared ? 4 * shared.heap().length : 0;
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
