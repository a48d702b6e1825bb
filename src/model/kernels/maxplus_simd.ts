// WebAssembly SIMD max-plus passes for Dilation2D and its gradients at stride 1, dilation 1 (the
// learned morphology layer's case). The module is emitted byte by byte, as the morphology kernels'
// is (no toolchain), and runs on its own memory: inputs are copied in and results out, which costs
// one pass each against fh*fw passes of work.
import {
  compile,
  f32,
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
} from '../../wasm';
import { warnOnce } from '../../errors';
import { RETAIN_BYTES } from '../../memory';

/** Unaligned 4-lane load and store at the address on the stack. */
const load = op.v128_load({ align: 1 });
const store = op.v128_store({ align: 1 });

/**
 * `rows` times: over the run of `len` floats, `t` in bytes from 0 (4-lane vectors, then a scalar
 * tail), run `vecBody` / `scalarBody`; then advance each pointer local by its stride local.
 * Sets the locals `lenB` and `lenV` to len*4 and (len & ~3)*4.
 */
function rowsLoop(f: Scope, vecBody: Code, scalarBody: Code, advance: [string, string][]): Code {
  const inner = (limit: string, body: Code, step: number): Code =>
    op.block(
      op.loop(
        f.get('t'),
        f.get(limit),
        op.i32_ge_u,
        op.br_if(1),
        body,
        f.get('t'),
        op.i32_const(step),
        op.i32_add,
        f.set('t'),
        op.br(0),
      ),
    );
  return [
    ...f.get('len'),
    ...op.i32_const(2),
    ...op.i32_shl,
    ...f.set('lenB'),
    ...f.get('len'),
    ...op.i32_const(-4),
    ...op.i32_and,
    ...op.i32_const(2),
    ...op.i32_shl,
    ...f.set('lenV'),
    ...op.block(
      op.loop(
        f.get('rows'),
        op.i32_eqz,
        op.br_if(1),
        op.i32_const(0),
        f.set('t'),
        inner('lenV', vecBody, 16),
        inner('lenB', scalarBody, 4),
        advance.flatMap(([p, stride]) => [...f.get(p), ...f.get(stride), ...op.i32_add, ...f.set(p)]),
        f.get('rows'),
        op.i32_const(1),
        op.i32_sub,
        f.set('rows'),
        op.br(0),
      ),
    ),
  ];
}

/** `base + t`: the address of element t of a row. */
const at = (f: Scope, base: string): Code => [...f.get(base), ...f.get('t'), ...op.i32_add];

/**
 * `maxplus(out, x, f, len, rows, outStride, xStride)`: for each of `rows` rows,
 * out[t] = max(out[t], x[t] + f[t]) for t < len (bytes strides between rows; `f` is one row).
 * max is `out < s ? s : out` (f32x4.pmax), so a NaN sum never replaces: the cpu kernel's `>`.
 */
const maxplusFunction: WasmFunction = {
  name: 'maxplus',
  params: { out: i32, x: i32, f: i32, len: i32, rows: i32, outStride: i32, xStride: i32 },
  locals: { t: i32, lenB: i32, lenV: i32, acc: f32, s: f32 },
  results: [],
  body: (f) =>
    rowsLoop(
      f,
      [
        ...at(f, 'out'),
        ...at(f, 'out'),
        ...load,
        ...at(f, 'x'),
        ...load,
        ...at(f, 'f'),
        ...load,
        ...op.f32x4_add,
        ...op.f32x4_pmax,
        ...store,
      ],
      [
        ...at(f, 'out'),
        ...at(f, 'x'),
        ...op.f32_load(),
        ...at(f, 'f'),
        ...op.f32_load(),
        ...op.f32_add,
        ...f.set('s'),
        ...at(f, 'out'),
        ...op.f32_load(),
        ...f.set('acc'),
        ...f.get('s'),
        ...f.get('acc'),
        ...f.get('acc'),
        ...f.get('s'),
        ...op.f32_lt,
        ...op.select,
        ...op.f32_store(),
      ],
      [
        ['out', 'outStride'],
        ['x', 'xStride'],
      ],
    ),
};

/**
 * `route(y, flag, dy, x, f, dst, len, rows, outStride, xStride, dstStride)`: per element, where
 * x + f equals the maximum y and the output's flag (all ones until routed) is still set,
 * dst += dy and the flag clears; taps called in row-major window order so the first arg-max takes
 * the gradient. y, flag, dy advance by outStride, x by xStride, dst by dstStride (0: one row of sums).
 */
const routeFunction: WasmFunction = {
  name: 'route',
  params: {
    y: i32,
    flag: i32,
    dy: i32,
    x: i32,
    f: i32,
    dst: i32,
    len: i32,
    rows: i32,
    outStride: i32,
    xStride: i32,
    dstStride: i32,
  },
  // m, fl: lane masks (x + f == y, flag); mi, fi: the same for the scalar tail
  locals: { t: i32, lenB: i32, lenV: i32, m: v128, fl: v128, mi: i32, fi: i32 },
  results: [],
  body: (f) =>
    rowsLoop(
      f,
      [
        ...at(f, 'x'),
        ...load,
        ...at(f, 'f'),
        ...load,
        ...op.f32x4_add,
        ...at(f, 'y'),
        ...load,
        ...op.f32x4_eq,
        ...f.set('m'),
        ...at(f, 'flag'),
        ...load,
        ...f.set('fl'),
        ...at(f, 'dst'),
        ...at(f, 'dst'),
        ...load,
        ...f.get('m'),
        ...f.get('fl'),
        ...op.v128_and,
        ...at(f, 'dy'),
        ...load,
        ...op.v128_and,
        ...op.f32x4_add,
        ...store,
        ...at(f, 'flag'),
        ...f.get('fl'),
        ...f.get('m'),
        ...op.v128_andnot,
        ...store,
      ],
      [
        ...at(f, 'x'),
        ...op.f32_load(),
        ...at(f, 'f'),
        ...op.f32_load(),
        ...op.f32_add,
        ...at(f, 'y'),
        ...op.f32_load(),
        ...op.f32_eq,
        ...f.set('mi'),
        ...at(f, 'flag'),
        ...op.i32_load(),
        ...f.set('fi'),
        ...at(f, 'dst'),
        ...at(f, 'dst'),
        ...op.f32_load(),
        ...at(f, 'dy'),
        ...op.f32_load(),
        ...op.f32_const(0),
        ...f.get('mi'),
        ...f.get('fi'),
        ...op.i32_and,
        ...op.select,
        ...op.f32_add,
        ...op.f32_store(),
        ...at(f, 'flag'),
        ...op.i32_const(0),
        ...f.get('fi'),
        ...f.get('mi'),
        ...op.select,
        ...op.i32_store(),
      ],
      [
        ['y', 'outStride'],
        ['flag', 'outStride'],
        ['dy', 'outStride'],
        ['x', 'xStride'],
        ['dst', 'dstStride'],
      ],
    ),
};

/** The bytes of the max-plus module (exported for the disassembly test). */
export function maxplusModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([maxplusFunction, routeFunction], opts);
}

/** Geometry of one stride-1, dilation-1 pass (as tf.backend_util.computeDilation2DInfo gives it). */
export interface MaxPlusGeometry {
  N: number;
  H: number;
  W: number;
  C: number;
  Ho: number;
  Wo: number;
  fh: number;
  fw: number;
  pt: number;
  pl: number;
}

/** What {@link maxPlusSimd} computes. */
export type MaxPlusPass = 'forward' | 'backpropInput' | 'backpropFilter';

type Fn = (...args: number[]) => void;
interface MaxPlus {
  mem: WasmMemory;
  maxplus: Fn;
  route: Fn;
}
/** The compiled module: undefined until first use, null when WebAssembly SIMD is unavailable. */
let compiled: object | null | undefined;
/** The instance over its memory, kept between passes while the memory holds <= RETAIN_BYTES. */
let live: MaxPlus | null = null;

function instance(): MaxPlus | null {
  if (live || compiled === null) return live;
  try {
    compiled ??= compile(maxplusModuleBytes());
    const mem = newMemory(1);
    const ex = instantiate(compiled, mem);
    live = { mem, maxplus: ex.maxplus as Fn, route: ex.route as Fn };
  } catch (e) {
    warnOnce(
      `specmorph: WebAssembly SIMD max-plus unavailable (${(e as Error).message}); Dilation2D on wasm uses slower JS loops`,
    );
    compiled = null;
  }
  return live;
}

/** Bytes of WebAssembly memory the max-plus passes hold between calls (for tests of the bound). */
export function maxPlusMemoryBytes(): number {
  return live?.mem.buffer.byteLength ?? 0;
}

/**
 * One Dilation2D pass with SIMD, or `false` when WebAssembly SIMD is unavailable (the caller then
 * uses its JS loops). Results: forward = max-plus exactly as the cpu backend (the float32 maximum
 * of float32 sums is the rounded float64 maximum, rounding being monotone); gradients go to the
 * first tap in row-major window order whose float32 sum equals that maximum, which is the cpu
 * backend's choice except between sums that differ only below float32 resolution. Outputs no sum
 * beat (windows entirely off the image) get -2^53 and route as the cpu backend does, by `fallback`.
 */
export function maxPlusSimd(
  pass: MaxPlusPass,
  g: MaxPlusGeometry,
  x: Float32Array,
  filter: Float32Array,
  dy: Float32Array | null,
  out: Float32Array,
  fallback: (unrouted: Int32Array) => void,
): boolean {
  const m = instance();
  if (!m) return false;
  try {
    runPass(m, pass, g, x, filter, dy, out, fallback);
  } finally {
    // a memory cannot shrink: past the bound, drop the instance so the memory can be collected
    if (m.mem.buffer.byteLength > RETAIN_BYTES) live = null;
  }
  return true;
}

function runPass(
  m: MaxPlus,
  pass: MaxPlusPass,
  g: MaxPlusGeometry,
  x: Float32Array,
  filter: Float32Array,
  dy: Float32Array | null,
  out: Float32Array,
  fallback: (unrouted: Int32Array) => void,
): void {
  const { N, H, W, C, Ho, Wo, fh, fw, pt, pl } = g;
  const nx = N * H * W * C;
  const ny = N * Ho * Wo * C;
  const row = Wo * C;
  // Float offsets in our memory: x | one filter row | y | dy | flag | dst (dx or one row of sums).
  const ox = 0;
  const of = ox + nx;
  const oy = of + row + 4;
  const ody = oy + ny;
  const ofl = ody + ny;
  const od = ofl + ny;
  const total = od + (pass === 'backpropInput' ? nx : row + 4);
  const need = total * 4 - m.mem.buffer.byteLength;
  if (need > 0) m.mem.grow(Math.ceil(need / 65536));
  const heap = new Float32Array(m.mem.buffer);
  heap.set(x, ox);
  heap.fill(Number.MIN_SAFE_INTEGER, oy, oy + ny);
  const taps: { i: number; j: number; len: number; hoLo: number; rows: number; woLo: number }[] = [];
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const woLo = Math.max(0, pl - j);
      const woHi = Math.min(Wo, W + pl - j);
      const hoLo = Math.max(0, pt - i);
      const hoHi = Math.min(Ho, H + pt - i);
      if (woHi > woLo && hoHi > hoLo) taps.push({ i, j, len: (woHi - woLo) * C, hoLo, rows: hoHi - hoLo, woLo });
    }
  }
  const filterRow = (i: number, j: number, len: number) => {
    const fb = (i * fw + j) * C;
    for (let t = 0; t < len; t++) heap[of + t] = filter[fb + (t % C)];
  };
  const outAt = (n: number, tp: (typeof taps)[number]) => ((n * Ho + tp.hoLo) * Wo + tp.woLo) * C;
  const xAt = (n: number, tp: (typeof taps)[number]) => ((n * H + tp.hoLo + tp.i - pt) * W + tp.woLo + tp.j - pl) * C;
  for (const tp of taps) {
    filterRow(tp.i, tp.j, tp.len);
    for (let n = 0; n < N; n++) {
      m.maxplus((oy + outAt(n, tp)) * 4, (ox + xAt(n, tp)) * 4, of * 4, tp.len, tp.rows, row * 4, W * C * 4);
    }
  }
  if (pass === 'forward') {
    out.set(heap.subarray(oy, oy + ny));
    return;
  }
  heap.set(dy!, ody);
  new Int32Array(m.mem.buffer, ofl * 4, ny).fill(-1);
  if (pass === 'backpropInput') {
    heap.fill(0, od, od + nx);
    for (const tp of taps) {
      filterRow(tp.i, tp.j, tp.len);
      for (let n = 0; n < N; n++) {
        const o = outAt(n, tp);
        const xi = xAt(n, tp);
        m.route(
          (oy + o) * 4,
          (ofl + o) * 4,
          (ody + o) * 4,
          (ox + xi) * 4,
          of * 4,
          (od + xi) * 4,
          tp.len,
          tp.rows,
          row * 4,
          W * C * 4,
          W * C * 4,
        );
      }
    }
    out.set(heap.subarray(od, od + nx));
  } else {
    out.fill(0);
    for (const tp of taps) {
      filterRow(tp.i, tp.j, tp.len);
      heap.fill(0, od, od + tp.len);
      for (let n = 0; n < N; n++) {
        const o = outAt(n, tp);
        m.route(
          (oy + o) * 4,
          (ofl + o) * 4,
          (ody + o) * 4,
          (ox + xAt(n, tp)) * 4,
          of * 4,
          od * 4,
          tp.len,
          tp.rows,
          row * 4,
          W * C * 4,
          0,
        );
      }
      const fb = (tp.i * fw + tp.j) * C;
      for (let t = 0; t < tp.len; t++) out[fb + (t % C)] += heap[od + t];
    }
  }
  const flags = new Int32Array(m.mem.buffer, ofl * 4, ny);
  let unrouted = 0;
  for (let o = 0; o < ny; o++) if (flags[o] !== 0) unrouted++;
  if (unrouted > 0) {
    const list = new Int32Array(unrouted);
    for (let o = 0, k = 0; o < ny; o++) if (flags[o] !== 0) list[k++] = o;
    fallback(list);
  }
}
