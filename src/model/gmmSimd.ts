// A diagonal GMM's EM passes in WebAssembly SIMD, bit-identical to the typed-array loops of gmm.ts
// (which stay the fallback):
// - E-step: for every frame x and component k, q = sum_j (x_j - mean_kj)^2 * prec_kj. Blocks of 8
//   frames are stored dimension-major, so one f64x2 vector holds one dimension of two frames and each
//   lane does the scalar loop's float64 operations in its order ((d * d) * p, added from j = 0 up).
// - M-step sums: r x and (r x) x added to each component's rows, two dimensions per f64x2, frames in
//   order, so every element sees the scalar loop's additions in the scalar loop's order.
// Internal.
import { warnOnce } from '../errors';
import {
  addLocal,
  type Code,
  i32,
  instantiateOwn,
  type ModuleOptions,
  op,
  type Scope,
  v128,
  type WasmFunction,
  type WasmMemory,
  wasmModule,
} from '../wasm';

/** Frames per block: four f64x2 vectors, enough independent sums to hide the add latency. */
export const SIMD_FRAMES = 8;
const VECTORS = SIMD_FRAMES / 2;

/** `local += by` for an i32 local. */
const bump = (f: Scope, local: string, by: number): Code => addLocal(f, local, op.i32_const(by));

/**
 * `quadForms(xt, blocks, means, prec, K, D, out)` (byte addresses): for each block b < blocks of
 * SIMD_FRAMES frames, the frame f's dimension j at `xt + ((b * D + j) * SIMD_FRAMES + f) * 8`, and
 * each component k < K (means and precisions row-major, K x D float64), stores q of frame f at
 * `out + ((b * K + k) * SIMD_FRAMES + f) * 8`.
 */
const quadFormsFunction: WasmFunction = {
  name: 'quadForms',
  params: { xt: i32, blocks: i32, means: i32, prec: i32, K: i32, D: i32, out: i32 },
  locals: {
    b: i32,
    k: i32,
    j: i32,
    px: i32,
    pm: i32,
    pp: i32,
    m: v128,
    p: v128,
    d: v128,
    ...Object.fromEntries(Array.from({ length: VECTORS }, (_, u) => [`a${u}`, v128])),
  },
  results: [],
  body: (f) => {
    const zero = op.v128_const(new Array<number>(16).fill(0));
    const sums = Array.from({ length: VECTORS }, (_, u) => `a${u}`);
    // one dimension of the block's frames: a_u += ((x - m) * (x - m)) * p
    const dimension: Code = [
      ...f.get('pm'),
      ...op.v128_load64_splat(),
      ...f.set('m'),
      ...f.get('pp'),
      ...op.v128_load64_splat(),
      ...f.set('p'),
      ...sums.flatMap((a, u) => [
        ...f.get('px'),
        ...op.v128_load({ offset: 16 * u, align: 1 }),
        ...f.get('m'),
        ...op.f64x2_sub,
        ...f.tee('d'),
        ...f.get('d'),
        ...op.f64x2_mul,
        ...f.get('p'),
        ...op.f64x2_mul,
        ...f.get(a),
        ...op.f64x2_add,
        ...f.set(a),
      ]),
      ...bump(f, 'pm', 8),
      ...bump(f, 'pp', 8),
      ...bump(f, 'px', 8 * SIMD_FRAMES),
    ];
    // the sum starts at +0 and adds each term: q + t, as the scalar `q += t` from q = 0
    const component: Code = [
      ...sums.flatMap((a) => [...zero, ...f.set(a)]),
      ...f.get('xt'),
      ...f.set('px'),
      ...op.i32_const(0),
      ...f.set('j'),
      ...op.block(
        op.loop([...f.get('j'), ...f.get('D'), ...op.i32_ge_u], op.br_if(1), dimension, bump(f, 'j', 1), op.br(0)),
      ),
      ...sums.flatMap((a, u) => [...f.get('out'), ...f.get(a), ...op.v128_store({ offset: 16 * u, align: 1 })]),
      ...bump(f, 'out', 8 * SIMD_FRAMES),
    ];
    return [
      ...op.i32_const(0),
      ...f.set('b'),
      ...op.block(
        op.loop(
          [...f.get('b'), ...f.get('blocks'), ...op.i32_ge_u],
          op.br_if(1),
          f.get('means'),
          f.set('pm'),
          f.get('prec'),
          f.set('pp'),
          op.i32_const(0),
          f.set('k'),
          op.block(
            op.loop([...f.get('k'), ...f.get('K'), ...op.i32_ge_u], op.br_if(1), component, bump(f, 'k', 1), op.br(0)),
          ),
          // the next block's frames
          f.get('xt'),
          f.get('D'),
          op.i32_const(8 * SIMD_FRAMES),
          op.i32_mul,
          op.i32_add,
          f.set('xt'),
          bump(f, 'b', 1),
          op.br(0),
        ),
      ),
    ];
  },
};

/**
 * `stats(x, pairs, K, counts, idx, rr, s1, s2)` (byte addresses): the M-step sums. For each component
 * k < K, its `counts[k]` entries (frame f = idx[e] as i32, responsibility r = rr[e] as f64, the
 * entries of component 0 first, each component's in frame order) add r x to row k of s1 and (r x) x
 * to row k of s2, as the scalar loop's `rv = r * v; s1 += rv; s2 += rv * v`. Frames (rows of x) and
 * the rows of s1 and s2 are `pairs` f64x2 vectors long (dims padded to even with zeros).
 */
const statsFunction: WasmFunction = {
  name: 'stats',
  params: { x: i32, pairs: i32, K: i32, counts: i32, idx: i32, rr: i32, s1: i32, s2: i32 },
  locals: { k: i32, c: i32, jj: i32, px: i32, p1: i32, p2: i32, row: i32, r: v128, v: v128, rv: v128 },
  results: [],
  body: (f) => {
    const pair: Code = [
      ...f.get('px'),
      ...op.v128_load({ align: 1 }),
      ...f.tee('v'),
      ...f.get('r'),
      ...op.f64x2_mul,
      ...f.set('rv'),
      ...f.get('p1'),
      ...f.get('p1'),
      ...op.v128_load({ align: 1 }),
      ...f.get('rv'),
      ...op.f64x2_add,
      ...op.v128_store({ align: 1 }),
      ...f.get('p2'),
      ...f.get('p2'),
      ...op.v128_load({ align: 1 }),
      ...f.get('rv'),
      ...f.get('v'),
      ...op.f64x2_mul,
      ...op.f64x2_add,
      ...op.v128_store({ align: 1 }),
      ...bump(f, 'px', 16),
      ...bump(f, 'p1', 16),
      ...bump(f, 'p2', 16),
    ];
    const entry: Code = [
      // px = x + idx[e] * pairs * 16; r = rr[e] in both lanes
      ...f.get('x'),
      ...f.get('idx'),
      ...op.i32_load(),
      ...f.get('row'),
      ...op.i32_mul,
      ...op.i32_add,
      ...f.set('px'),
      ...f.get('rr'),
      ...op.v128_load64_splat(),
      ...f.set('r'),
      ...bump(f, 'idx', 4),
      ...bump(f, 'rr', 8),
      ...f.get('s1'),
      ...f.set('p1'),
      ...f.get('s2'),
      ...f.set('p2'),
      ...op.i32_const(0),
      ...f.set('jj'),
      ...op.block(
        op.loop([...f.get('jj'), ...f.get('pairs'), ...op.i32_ge_u], op.br_if(1), pair, bump(f, 'jj', 1), op.br(0)),
      ),
    ];
    return [
      // bytes per row
      ...f.get('pairs'),
      ...op.i32_const(16),
      ...op.i32_mul,
      ...f.set('row'),
      ...op.i32_const(0),
      ...f.set('k'),
      ...op.block(
        op.loop(
          [...f.get('k'), ...f.get('K'), ...op.i32_ge_u],
          op.br_if(1),
          f.get('counts'),
          op.i32_load(),
          f.set('c'),
          op.block(op.loop([...f.get('c'), ...op.i32_eqz], op.br_if(1), entry, bump(f, 'c', -1), op.br(0))),
          bump(f, 'counts', 4),
          f.get('s1'),
          f.get('row'),
          op.i32_add,
          f.set('s1'),
          f.get('s2'),
          f.get('row'),
          op.i32_add,
          f.set('s2'),
          bump(f, 'k', 1),
          op.br(0),
        ),
      ),
    ];
  },
};

/** The bytes of the module (exported for the disassembly test). */
export function gmmModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([quadFormsFunction, statsFunction], opts);
}

// ---- run time ----

type QuadForms = (xt: number, blocks: number, means: number, prec: number, K: number, D: number, out: number) => void;
type Stats = (
  x: number,
  pairs: number,
  K: number,
  counts: number,
  idx: number,
  rr: number,
  s1: number,
  s2: number,
) => void;

interface Runtime {
  memory: WasmMemory;
  heap: Float64Array;
  quadForms: QuadForms;
  stats: Stats;
}

/** Grows the runtime's memory to `bytes` at least. */
function reserve(rt: Runtime, bytes: number): void {
  if (bytes > rt.memory.buffer.byteLength) {
    rt.memory.grow(Math.ceil((bytes - rt.memory.buffer.byteLength) / 65536));
    rt.heap = new Float64Array(rt.memory.buffer);
  }
}

let runtime: Runtime | null | undefined;

function getRuntime(): Runtime | null {
  if (runtime !== undefined) return runtime;
  const own = instantiateOwn(gmmModuleBytes, 1, (e) =>
    warnOnce(`specmorph gmm: WebAssembly SIMD E-step unavailable (${e.message}); using the typed-array loop`),
  );
  runtime = own && {
    memory: own.memory,
    heap: new Float64Array(own.memory.buffer),
    quadForms: own.fns.quadForms as QuadForms,
    stats: own.fns.stats as Stats,
  };
  return runtime;
}

let disabled = false;

/** Runs `fn` with the typed-array loop forced (tests check both give the same bits). Internal. */
export function withoutGmmSimd<T>(fn: () => T): T {
  const previous = disabled;
  disabled = true;
  try {
    return fn();
  } finally {
    disabled = previous;
  }
}

/**
 * `q[f * K + k] = sum_j (x[(i + f) * D + j] - means[k * D + j])^2 * prec[k * D + j]` for f < count,
 * frames past `n - 1` read as frame `n - 1`. Returns false (writing nothing) when WebAssembly SIMD is
 * unavailable, so the caller runs its own loop.
 */
export function simdQuadraticForms(
  x: Float64Array,
  i: number,
  count: number,
  n: number,
  D: number,
  K: number,
  means: Float64Array,
  prec: Float64Array,
  q: Float64Array,
): boolean {
  const rt = disabled ? null : getRuntime();
  if (!rt) return false;
  const blocks = Math.ceil(count / SIMD_FRAMES);
  const padded = blocks * SIMD_FRAMES;
  // float64 offsets: frames (dimension-major blocks), means, precisions, results
  const xt = 0;
  const mAt = xt + padded * D;
  const pAt = mAt + K * D;
  const outAt = pAt + K * D;
  reserve(rt, 8 * (outAt + padded * K));
  const h = rt.heap;
  for (let f = 0; f < padded; f++) {
    const src = Math.min(i + f, n - 1) * D;
    const dst = xt + Math.floor(f / SIMD_FRAMES) * D * SIMD_FRAMES + (f % SIMD_FRAMES);
    for (let j = 0; j < D; j++) h[dst + j * SIMD_FRAMES] = x[src + j];
  }
  h.set(means.subarray(0, K * D), mAt);
  h.set(prec.subarray(0, K * D), pAt);
  rt.quadForms(8 * xt, blocks, 8 * mAt, 8 * pAt, K, D, 8 * outAt);
  for (let f = 0; f < count; f++) {
    const from = outAt + Math.floor(f / SIMD_FRAMES) * K * SIMD_FRAMES + (f % SIMD_FRAMES);
    for (let k = 0; k < K; k++) q[f * K + k] = h[from + k * SIMD_FRAMES];
  }
  return true;
}

/**
 * The M-step sums of frames `i .. i+count-1` of `x` (frame-major, D dims): for every component k and
 * frame f in order whose responsibility `resp[f * K + k]` is not negative (negative = skipped), adds
 * r x to `s1[k * D ..]` and (r x) x to `s2[k * D ..]`, bit-identical to the scalar loop. Returns false
 * (adding nothing) when WebAssembly SIMD is unavailable.
 */
export function simdAccumulate(
  x: Float64Array,
  i: number,
  count: number,
  D: number,
  K: number,
  resp: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
): boolean {
  const rt = disabled ? null : getRuntime();
  if (!rt) return false;
  const pairs = Math.ceil(D / 2);
  const Dp = 2 * pairs;
  // entries per component (start[k + 1]), then their start offsets: grouped by component, each
  // group in frame order
  const start = new Int32Array(K + 1);
  for (let f = 0; f < count; f++) for (let k = 0; k < K; k++) if (resp[f * K + k] >= 0) start[k + 1]++;
  const counts = start.slice(1);
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  const entries = start[K];
  // float64 offsets: frames, s1, s2, responsibilities; then i32 frame indices and per-component counts
  const xAt = 0;
  const s1At = xAt + count * Dp;
  const s2At = s1At + K * Dp;
  const rrAt = s2At + K * Dp;
  const idxAt = 2 * (rrAt + entries); // in i32 units
  const countsAt = idxAt + entries;
  reserve(rt, 4 * (countsAt + K));
  const h = rt.heap;
  const h32 = new Int32Array(rt.memory.buffer);
  for (let f = 0; f < count; f++) {
    const src = (i + f) * D;
    const dst = xAt + f * Dp;
    for (let j = 0; j < D; j++) h[dst + j] = x[src + j];
    if (Dp > D) h[dst + D] = 0;
  }
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < D; j++) {
      h[s1At + k * Dp + j] = s1[k * D + j];
      h[s2At + k * Dp + j] = s2[k * D + j];
    }
    if (Dp > D) {
      h[s1At + k * Dp + D] = 0;
      h[s2At + k * Dp + D] = 0;
    }
  }
  h32.set(counts, countsAt);
  for (let f = 0; f < count; f++)
    for (let k = 0; k < K; k++) {
      const r = resp[f * K + k];
      if (r < 0) continue;
      const e = start[k]++;
      h[rrAt + e] = r;
      h32[idxAt + e] = f;
    }
  rt.stats(8 * xAt, pairs, K, 4 * countsAt, 4 * idxAt, 8 * rrAt, 8 * s1At, 8 * s2At);
  for (let k = 0; k < K; k++)
    for (let j = 0; j < D; j++) {
      s1[k * D + j] = h[s1At + k * Dp + j];
      s2[k * D + j] = h[s2At + k * Dp + j];
    }
  return true;
}
