// Vincent's (1993) hybrid reconstruction algorithm, in WebAssembly with the FIFO in linear memory,
// and its typed-array twin (the reference, and the fallback without WebAssembly). Both visit pixels
// and queue entries in the same order and pick values with the same comparisons, so they agree bit
// for bit, signed zeros and NaN included. Internal: not re-exported from the package.

import { warnOnce } from '../errors';
import { RETAIN_BYTES } from '../memory';
import {
  compile,
  hasWasm,
  i32,
  instantiate,
  newMemory,
  op,
  v128,
  wasmModule,
  type Code,
  type ModuleOptions,
  type Scope,
  type WasmFunction,
  type WasmMemory,
} from '../wasm';

/** Offsets (dr, dc) that a pixel pulls its value from; it pushes along the opposite ones. */
export type Offsets = readonly (readonly [number, number])[];

/** Queue entries popped per WebAssembly call: V8 tiers a function up between calls, not within one. */
const DRAIN_BUDGET = 1 << 15;

/** Initial FIFO capacity in entries (a power of two; doubled when full). */
const QUEUE_START = 1 << 14;

/** Frame geometry: the image padded on every side by the largest offset, so loops need no bounds checks. */
function geometry(rows: number, cols: number, pulls: Offsets): { pad: number; PW: number; PH: number } {
  let pad = 1;
  for (const [dr, dc] of pulls) pad = Math.max(pad, Math.abs(dr), Math.abs(dc));
  return { pad, PW: cols + 2 * pad, PH: rows + 2 * pad };
}

/** Pulls from pixels already visited by a raster scan (earlier rows, or earlier in the row). */
const isBefore = ([dr, dc]: readonly [number, number]): boolean => dr < 0 || (dr === 0 && dc < 0);

/** Copies `src` (rows x cols) into the padded frame at `at` in `h`, the padding set to `fill`. */
function padInto(
  h: Float32Array,
  at: number,
  src: Float32Array,
  rows: number,
  cols: number,
  pad: number,
  fill: number,
): void {
  const PW = cols + 2 * pad;
  h.fill(fill, at, at + pad * PW + pad);
  for (let r = 0; r < rows; r++) {
    const p = at + (r + pad) * PW + pad;
    h.set(src.subarray(r * cols, (r + 1) * cols), p);
    // right padding of this row and left padding of the next are contiguous
    h.fill(fill, p + cols, p + cols + 2 * pad);
  }
  h.fill(fill, at + (rows + pad) * PW + pad, at + (rows + 2 * pad) * PW);
}

function unpad(out: Float32Array, h: Float32Array, at: number, rows: number, cols: number, pad: number): void {
  const PW = cols + 2 * pad;
  for (let r = 0; r < rows; r++) {
    const p = at + (r + pad) * PW + pad;
    out.set(h.subarray(p, p + cols), r * cols);
  }
}

// ---- typed-array twin ----

let frameCache: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];

/**
 * Two scratch frames of `n` floats, reused across calls up to RETAIN_BYTES: fresh multi-megabyte
 * buffers cost page faults and GC work that, for a spectrogram, exceed the reconstruction itself.
 */
function frames(n: number): [Float32Array, Float32Array] {
  if (frameCache[0].length >= n) return [frameCache[0].subarray(0, n), frameCache[1].subarray(0, n)];
  const fresh: [Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n)];
  if (8 * n <= RETAIN_BYTES) frameCache = fresh;
  return fresh;
}

/** A ring buffer twice as long holding the same `size` items, oldest first. */
function grow(queue: Int32Array, head: number, size: number): Int32Array {
  const grown = new Int32Array(queue.length * 2);
  for (let i = 0; i < size; i++) grown[i] = queue[(head + i) & (queue.length - 1)];
  return grown;
}

/**
 * Reconstruction by dilation of I from J (rows x cols, J <= I), J updated in place: one raster and
 * one anti-raster sweep (each pixel pulls the max of the neighbours already visited, capped by the
 * mask), then a FIFO queue propagates what is left. J and I are copied into frames padded with
 * -Infinity, which never propagates.
 */
function twinByDilation(J: Float32Array, I: Float32Array, rows: number, cols: number, pulls: Offsets): void {
  const { pad, PW, PH } = geometry(rows, cols, pulls);
  const [j, m] = frames(PW * PH);
  padInto(j, 0, J, rows, cols, pad, -Infinity);
  padInto(m, 0, I, rows, cols, pad, -Infinity);
  const flat = (o: Offsets): Int32Array => Int32Array.from(o, ([dr, dc]) => dr * PW + dc);
  const before = flat(pulls.filter(isBefore));
  const after = flat(pulls.filter((o) => !isBefore(o)));
  const pushList: Offsets = pulls.map(([dr, dc]) => [-dr, -dc]);
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
  let queue: Int32Array = new Int32Array(QUEUE_START);
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
  unpad(J, j, 0, rows, cols, pad);
}

/**
 * The typed-array twin of {@link hybrid}. By erosion it reconstructs the negated images by
 * dilation: negation is exact, and `-a > -b` is `a < b`, so it picks the same values (and zeros)
 * as the WebAssembly min variant.
 */
export function hybridTwin(
  out: Float32Array,
  marker: Float32Array,
  mask: Float32Array,
  rows: number,
  cols: number,
  pulls: Offsets,
  byDilation: boolean,
): void {
  if (byDilation) {
    if (out !== marker) out.set(marker);
    twinByDilation(out, mask, rows, cols, pulls);
    return;
  }
  const negJ = marker.map((v) => -v);
  twinByDilation(
    negJ,
    mask.map((v) => -v),
    rows,
    cols,
    pulls,
  );
  for (let i = 0; i < out.length; i++) out[i] = -negJ[i];
}

// ---- WebAssembly ----
//
// Memory: a header (FIFO head, size, capacity - 1 as i32 at bytes 0, 4, 8), the padded marker frame
// j at J0, the padded mask frame m right after it (mOff bytes further), then the FIFO ring of byte
// addresses into j, last so that doubling it only grows the memory. Per footprint one module holds
// both variants: `Max` reconstructs by dilation, `Min` by erosion (every comparison mirrored,
// padding +Infinity), which picks exactly what the twin's negated dilation picks.

const J0 = 64;

/** The three phases for one footprint, max (by dilation) or min (by erosion) variant. */
function phaseFunctions(pulls: Offsets, byDilation: boolean): WasmFunction[] {
  const suffix = byDilation ? 'Max' : 'Min';
  // beyondLanes(a, b): lane masks of `a > b` by dilation, `a < b` by erosion (stack: a, b)
  const beyondLanes = byDilation ? op.f32x4_gt : op.f32x4_lt;
  const before = pulls.filter(isBefore);
  const after = pulls.filter((o) => !isBefore(o));
  const pushes: Offsets = pulls.map(([dr, dc]) => [-dr, -dc]);
  const pushesAfter = pushes.filter((o) => !isBefore(o));
  const named = (prefix: string, list: Offsets): Record<string, typeof i32> =>
    Object.fromEntries(list.map((_, k) => [`${prefix}${k}`, i32]));
  /** `prefix{k} = (dr * pw + dc) * 4`: byte offsets for this image width. */
  const byteOffsets = (L: Scope, prefix: string, list: Offsets): number[] =>
    list.flatMap(([dr, dc], k) => [
      ...op.i32_const(dr),
      ...L.get('pw'),
      ...op.i32_mul,
      ...op.i32_const(dc),
      ...op.i32_add,
      ...op.i32_const(2),
      ...op.i32_shl,
      ...L.set(`${prefix}${k}`),
    ]);
  // the sweeps hold v in lane 0 of a v128: pmax(v, w) is the twin's `w > v ? w : v` exactly
  const pull = byDilation ? op.f32x4_pmax : op.f32x4_pmin;
  const clamp = byDilation ? op.f32x4_pmin : op.f32x4_pmax;
  /**
   * v = w if w is beyond v, for every offset of `prefix` around p in order; the pixel the sweep
   * just wrote (offset `adjacent`) comes from `prev` instead of a reload through memory.
   */
  const pullAll = (L: Scope, prefix: string, list: Offsets, adjacent: number): number[] =>
    list.flatMap((_, k) => [
      ...L.get('v'),
      ...(k === adjacent
        ? L.get('prev')
        : [...L.get('p'), ...L.get(`${prefix}${k}`), ...op.i32_add, ...op.v128_load32_zero()]),
      ...pull,
      ...L.set('v'),
    ]);
  /** v = m[p] if v is beyond it; stores v at p and keeps it as the next pixel's `prev`. */
  const capAndStore = (L: Scope): number[] => [
    ...L.get('p'),
    ...L.get('v'),
    ...L.get('p'),
    ...L.get('mOff'),
    ...op.i32_add,
    ...op.v128_load32_zero(),
    ...clamp,
    ...L.tee('v'),
    ...L.tee('prev'),
    ...op.v128_store32_lane(0),
  ];
  /** prev = the padded pixel next to the sweep's first one. */
  const initPrev = (L: Scope, prefix: string, adjacent: number): number[] =>
    adjacent < 0
      ? []
      : [...L.get('p'), ...L.get(`${prefix}${adjacent}`), ...op.i32_add, ...op.v128_load32_zero(), ...L.set('prev')];
  const loadHeader = (L: Scope): number[] => [
    ...op.i32_const(0),
    ...op.i32_load({ offset: 0 }),
    ...L.set('head'),
    ...op.i32_const(0),
    ...op.i32_load({ offset: 4 }),
    ...L.set('size'),
    ...op.i32_const(0),
    ...op.i32_load({ offset: 8 }),
    ...L.set('wrap'),
  ];
  const storeHeader = (L: Scope): number[] => [
    ...op.i32_const(0),
    ...L.get('head'),
    ...op.i32_store({ offset: 0 }),
    ...op.i32_const(0),
    ...L.get('size'),
    ...op.i32_store({ offset: 4 }),
  ];
  /** queue[(head + size) & wrap] = local x, then size -= `count` (the stack's i32: -1 or 0). */
  const pushCounting = (L: Scope, x: string, count: Code): number[] => [
    ...L.get('qBase'),
    ...L.get('head'),
    ...L.get('size'),
    ...op.i32_add,
    ...L.get('wrap'),
    ...op.i32_and,
    ...op.i32_const(2),
    ...op.i32_shl,
    ...op.i32_add,
    ...L.get(x),
    ...op.i32_store(),
    ...L.get('size'),
    ...count,
    ...op.i32_sub,
    ...L.set('size'),
  ];
  /** queue[(head + size) & wrap] = local x; size++. */
  const push = (L: Scope, x: string): number[] => pushCounting(L, x, op.i32_const(-1));
  /**
   * The same slot written whatever lane 0 of the mask `c` says, counted only when it is set: the
   * slot is free either way, and this needs no data-dependent branch.
   */
  const pushIf = (L: Scope, x: string): number[] => pushCounting(L, x, [...L.get('c'), ...op.i32x4_extract_lane(0)]);

  const raster: WasmFunction = {
    name: `raster${suffix}`,
    params: { p: i32, end: i32, pw: i32, mOff: i32 },
    locals: { v: v128, prev: v128, ...named('b', before) },
    results: [],
    body: (L) => {
      const left = before.findIndex(([dr, dc]) => dr === 0 && dc === -1);
      return [
        ...byteOffsets(L, 'b', before),
        ...initPrev(L, 'b', left),
        ...op.block(
          op.loop(
            L.get('p'),
            L.get('end'),
            op.i32_ge_u,
            op.br_if(1),
            L.get('p'),
            op.v128_load32_zero(),
            L.set('v'),
            pullAll(L, 'b', before, left),
            capAndStore(L),
            L.get('p'),
            op.i32_const(4),
            op.i32_add,
            L.set('p'),
            op.br(0),
          ),
        ),
      ];
    },
  };

  // From p down n pixels; stops early, returning the pixels left, when the FIFO is full.
  const antiRaster: WasmFunction = {
    name: `antiRaster${suffix}`,
    params: { p: i32, n: i32, pw: i32, mOff: i32, qBase: i32 },
    locals: {
      v: v128,
      prev: v128,
      jq: v128,
      c: v128,
      q: i32,
      head: i32,
      size: i32,
      wrap: i32,
      ...named('a', after),
      ...named('s', pushesAfter),
    },
    results: [i32],
    body: (L) => {
      const right = after.findIndex(([dr, dc]) => dr === 0 && dc === 1);
      // p is queued if it can still raise a pixel later in raster order (the twin stops at the
      // first such pixel; here the conditions are or-ed without branches, the same decision)
      const queueIfNeeded =
        pushesAfter.length === 0
          ? []
          : [
              ...pushesAfter.flatMap((_, k) => [
                ...L.get('p'),
                ...L.get(`s${k}`),
                ...op.i32_add,
                ...L.tee('q'),
                ...op.v128_load32_zero(),
                ...L.set('jq'),
                ...L.get('v'),
                ...L.get('jq'),
                ...beyondLanes,
                ...L.get('q'),
                ...L.get('mOff'),
                ...op.i32_add,
                ...op.v128_load32_zero(),
                ...L.get('jq'),
                ...beyondLanes,
                ...op.v128_and,
                ...(k > 0 ? [...L.get('c'), ...op.v128_or] : []),
                ...L.set('c'),
              ]),
              ...pushIf(L, 'p'),
            ];
      return [
        ...byteOffsets(L, 'a', after),
        ...byteOffsets(L, 's', pushesAfter),
        ...loadHeader(L),
        ...initPrev(L, 'a', right),
        ...op.block(
          op.loop(
            L.get('n'),
            op.i32_eqz,
            op.br_if(1),
            L.get('size'),
            L.get('wrap'),
            op.i32_gt_u,
            op.br_if(1),
            L.get('p'),
            op.v128_load32_zero(),
            L.set('v'),
            pullAll(L, 'a', after, right),
            capAndStore(L),
            queueIfNeeded,
            L.get('p'),
            op.i32_const(4),
            op.i32_sub,
            L.set('p'),
            L.get('n'),
            op.i32_const(1),
            op.i32_sub,
            L.set('n'),
            op.br(0),
          ),
        ),
        ...storeHeader(L),
        ...L.get('n'),
      ];
    },
  };

  // Pops up to `budget` entries. Returns 0 when the FIFO is empty, 1 when the budget ran out,
  // 2 when it must grow first (the next pixel could push more than there is room for).
  const drain: WasmFunction = {
    name: `drain${suffix}`,
    params: { pw: i32, mOff: i32, qBase: i32, budget: i32 },
    locals: {
      v: v128,
      jq: v128,
      mq: v128,
      p: i32,
      q: i32,
      head: i32,
      size: i32,
      wrap: i32,
      status: i32,
      ...named('o', pushes),
    },
    results: [i32],
    body: (L) => {
      // the twin's `if (jq < v && mq !== jq) { j[q] = v < mq ? v : mq; push q }` (a branch-free
      // version, storing jq back when the mask is clear, measured no faster)
      const raise = pushes.flatMap((_, k) => [
        ...L.get('p'),
        ...L.get(`o${k}`),
        ...op.i32_add,
        ...L.tee('q'),
        ...op.v128_load32_zero(),
        ...L.set('jq'),
        ...L.get('q'),
        ...L.get('mOff'),
        ...op.i32_add,
        ...op.v128_load32_zero(),
        ...L.set('mq'),
        ...L.get('v'),
        ...L.get('jq'),
        ...beyondLanes,
        ...L.get('mq'),
        ...L.get('jq'),
        ...op.f32x4_ne,
        ...op.v128_and,
        ...op.i32x4_extract_lane(0),
        ...op.if([...L.get('q'), ...L.get('mq'), ...L.get('v'), ...clamp, ...op.v128_store32_lane(0), ...push(L, 'q')]),
      ]);
      return [
        ...byteOffsets(L, 'o', pushes),
        ...loadHeader(L),
        ...op.block(
          op.loop(
            op.i32_const(0),
            L.set('status'),
            L.get('size'),
            op.i32_eqz,
            op.br_if(1),
            op.i32_const(1),
            L.set('status'),
            L.get('budget'),
            op.i32_eqz,
            op.br_if(1),
            // after the pop, room for every push: size - 1 + pushes <= wrap + 1
            op.i32_const(2),
            L.set('status'),
            L.get('size'),
            op.i32_const(pushes.length - 2),
            op.i32_add,
            L.get('wrap'),
            op.i32_gt_u,
            op.br_if(1),
            op.i32_const(0),
            L.set('status'),
            L.get('qBase'),
            L.get('head'),
            op.i32_const(2),
            op.i32_shl,
            op.i32_add,
            op.i32_load(),
            L.tee('p'),
            op.v128_load32_zero(),
            L.set('v'),
            L.get('head'),
            op.i32_const(1),
            op.i32_add,
            L.get('wrap'),
            op.i32_and,
            L.set('head'),
            L.get('size'),
            op.i32_const(1),
            op.i32_sub,
            L.set('size'),
            L.get('budget'),
            op.i32_const(1),
            op.i32_sub,
            L.set('budget'),
            raise,
            op.br(0),
          ),
        ),
        ...storeHeader(L),
        ...L.get('status'),
      ];
    },
  };
  return [raster, antiRaster, drain];
}

/**
 * The module bytes for one footprint (both variants). Its locals are declared one per entry, as
 * they were when it was first written (packing them changes the bytes, not the compiled code).
 */
export function hybridModuleBytes(pulls: Offsets, opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([...phaseFunctions(pulls, true), ...phaseFunctions(pulls, false)], { ...opts, packLocals: false });
}

type Phase = (...args: number[]) => number;
interface Phases {
  raster: Phase;
  antiRaster: Phase;
  drain: Phase;
}

/** Compiled modules by footprint; a notebook uses a handful, so the oldest goes beyond this many. */
const MAX_MODULES = 16;
const compiled = new Map<string, object>();
let memory: WasmMemory | null = null;
let instances = new Map<string, [Phases, Phases]>();
let unavailable = false;

/** The phases for `pulls` over the shared memory, or null without WebAssembly. */
function phases(pulls: Offsets, byDilation: boolean): Phases | null {
  if (unavailable) return null;
  if (!hasWasm()) {
    unavailable = true;
    return null;
  }
  const key = JSON.stringify(pulls);
  let pair = instances.get(key);
  if (!pair) {
    try {
      let mod = compiled.get(key);
      if (!mod) {
        mod = compile(hybridModuleBytes(pulls));
        if (compiled.size >= MAX_MODULES) compiled.delete(compiled.keys().next().value as string);
        compiled.set(key, mod);
      }
      memory ??= newMemory(1);
      const ex = instantiate(mod, memory) as Record<string, Phase>;
      pair = [
        { raster: ex.rasterMin, antiRaster: ex.antiRasterMin, drain: ex.drainMin },
        { raster: ex.rasterMax, antiRaster: ex.antiRasterMax, drain: ex.drainMax },
      ];
      if (instances.size >= MAX_MODULES) instances.delete(instances.keys().next().value as string);
      instances.set(key, pair);
    } catch (e) {
      // no SIMD (Node < 16.4) or a broken build: results stay identical, only slower
      unavailable = true;
      warnOnce(
        `specmorph reconstruction: WebAssembly unavailable (${(e as Error).message}); using the slower typed-array loops`,
      );
      return null;
    }
  }
  return pair[byDilation ? 1 : 0];
}

/** Grows the shared memory to at least `bytes` (throws RangeError past what the runtime allows). */
function reserve(bytes: number): void {
  const m = memory!;
  const need = bytes - m.buffer.byteLength;
  if (need > 0) m.grow(Math.ceil(need / 65536));
}

/** Drops the shared memory and the instances bound to it once it holds more than RETAIN_BYTES. */
function release(force = false): void {
  if (memory && (force || memory.buffer.byteLength > RETAIN_BYTES)) {
    memory = null;
    instances = new Map();
  }
}

/** Bytes of scratch memory (WebAssembly and the twin's frames) held between calls. */
export function retainedBytes(): number {
  return (memory?.buffer.byteLength ?? 0) + 4 * (frameCache[0].length + frameCache[1].length);
}

/**
 * The WebAssembly run of {@link hybrid}; false (out untouched) without WebAssembly SIMD or when
 * the memory could not be had. `queueStart`: initial FIFO capacity (a power of two; tests make it
 * tiny so that every growth path runs).
 */
export function hybridWasm(
  out: Float32Array,
  marker: Float32Array,
  mask: Float32Array,
  rows: number,
  cols: number,
  pulls: Offsets,
  byDilation: boolean,
  queueStart = QUEUE_START,
): boolean {
  const f = phases(pulls, byDilation);
  if (!f) return false;
  const { pad, PW, PH } = geometry(rows, cols, pulls);
  const frameBytes = 4 * PW * PH;
  const mOff = frameBytes;
  const qBase = J0 + 2 * frameBytes;
  let capacity = queueStart;
  /** Doubles the FIFO in place: entries that had wrapped round move to the new upper half. */
  const growQueue = (): void => {
    reserve(qBase + 8 * capacity);
    const q = new Int32Array(memory!.buffer);
    const head = q[0];
    const wrapped = head + q[1] - capacity;
    if (wrapped > 0) q.copyWithin(qBase / 4 + capacity, qBase / 4, qBase / 4 + wrapped);
    capacity *= 2;
    q[2] = capacity - 1;
  };
  try {
    reserve(qBase + 4 * capacity);
    const h = new Float32Array(memory!.buffer);
    const fill = byDilation ? -Infinity : Infinity;
    padInto(h, J0 / 4, marker, rows, cols, pad, fill);
    padInto(h, J0 / 4 + PW * PH, mask, rows, cols, pad, fill);
    new Int32Array(memory!.buffer, 0, 3).set([0, 0, capacity - 1]);
    for (let r = 0; r < rows; r++) {
      const p = J0 + 4 * ((r + pad) * PW + pad);
      f.raster(p, p + 4 * cols, PW, mOff);
    }
    for (let r = rows - 1; r >= 0; r--) {
      let p = J0 + 4 * ((r + pad) * PW + pad + cols - 1);
      let n = cols;
      for (;;) {
        const left = f.antiRaster(p, n, PW, mOff, qBase);
        if (left === 0) break;
        growQueue();
        p -= 4 * (n - left);
        n = left;
      }
    }
    for (;;) {
      const status = f.drain(PW, mOff, qBase, DRAIN_BUDGET);
      if (status === 0) break;
      if (status === 2) growQueue();
    }
    unpad(out, new Float32Array(memory!.buffer), J0 / 4, rows, cols, pad);
    release();
    return true;
  } catch (e) {
    // past the memory the runtime allows: the twin's typed arrays may still fit
    if (!(e instanceof RangeError)) throw e;
    release(true);
    return false;
  }
}

/**
 * Reconstruction of `mask` from `marker` (rows x cols, row-major) into `out` (may be `marker`):
 * by dilation (marker <= mask) or by erosion (marker >= mask), a pixel pulling from the `pulls`
 * offsets. Vincent's hybrid algorithm: one raster and one anti-raster sweep (each pixel pulls the
 * extremum of the neighbours already visited, capped by the mask), then a FIFO propagates what is
 * left. O(pixels) in practice. WebAssembly when the runtime has it, else {@link hybridTwin}.
 */
export function hybrid(
  out: Float32Array,
  marker: Float32Array,
  mask: Float32Array,
  rows: number,
  cols: number,
  pulls: Offsets,
  byDilation: boolean,
): void {
  if (!hybridWasm(out, marker, mask, rows, cols, pulls, byDilation))
    hybridTwin(out, marker, mask, rows, cols, pulls, byDilation);
}
