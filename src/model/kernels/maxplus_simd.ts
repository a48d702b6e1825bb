// WebAssembly SIMD max-plus pass for Dilation2D at stride 1, dilation 1 (the learned morphology
// layer's case): the maxima and, per output, which tap reached it, from which the gradients are one
// scatter of dy (dilation2d.ts). The module is emitted byte by byte, as the morphology kernels' is
// (no toolchain), and runs on its own memory: inputs are copied in and results out, which costs
// one pass each against fh*fw passes of work.
import {
  addLocal,
  compile,
  i32,
  instantiate,
  newMemory,
  op,
  v128,
  wasmModule,
  type Code,
  type ModuleOptions,
  type WasmFunction,
  type WasmMemory,
  whileNot,
} from '../../wasm';
import { warnOnce } from '../../errors';
import { RETAIN_BYTES } from '../../memory';

/** Unaligned 4-lane load and store at the address on the stack, `offset` bytes further. */
const load = (offset = 0): Code => op.v128_load({ align: 1, offset });
const store = (offset = 0): Code => op.v128_store({ align: 1, offset });

/** Where every window's max starts, as the cpu kernel's (`Number.MIN_SAFE_INTEGER`, as a float32). */
const START = Math.fround(Number.MIN_SAFE_INTEGER);

/** `v128.const` of one float32 in every lane. */
function splat(x: number): Code {
  const bytes = new Uint8Array(new Float32Array([x]).buffer);
  return op.v128_const([0, 1, 2, 3].flatMap(() => Array.from(bytes)));
}

/**
 * `window(out, arg, x, taps, tapsEnd, len, rows, outStride, xStride)`: for each of `rows` output
 * rows of `len` floats, 8 floats at a time: the maximum over the taps of x + filter, and which tap
 * gave it. A tap is 16 bytes of the table `[taps, tapsEnd)`: its offset in bytes into x from the
 * row start, the address of its filter row (the filter value of each float's channel), its index
 * + 1 as the bits of an f32 (see {@link tapTable}). Each output starts at {@link START} and 0, and a tap replaces them where
 * x + filter > the max so far, taps in row-major window order: the first tap that reaches the
 * maximum is kept, and a NaN sum never replaces (the cpu kernel's `>`). `x` is padded with
 * -Infinity where the window leaves the image, which never replaces either. The 8 floats of the
 * last step of a row may run past it into the next row (which is written after) or the slack at
 * the end. Rows advance by `outStride` (out and arg) and `xStride` bytes.
 */
const windowFunction: WasmFunction = {
  name: 'window',
  params: {
    out: i32,
    arg: i32,
    x: i32,
    taps: i32,
    tapsEnd: i32,
    len: i32,
    rows: i32,
    outStride: i32,
    xStride: i32,
  },
  // two 4-lane outputs at once (y0/a0, y1/a1: max and arg) so the tap loop has two independent chains
  locals: {
    t: i32,
    lenB: i32,
    p: i32,
    xa: i32,
    fa: i32,
    y0: v128,
    y1: v128,
    a0: v128,
    a1: v128,
    s: v128,
    m: v128,
    tv: v128,
  },
  results: [],
  body: (f) => {
    /**
     * One 4-lane half: s = x + filter at byte `offset`; where s > y: y = s, a = tap + 1. `y < s ?
     * s : y` is f32x4.pmax; tap + 1, as f32 bits a positive subnormal, grows from tap to tap, so
     * where s > y it is the max of a and itself, elsewhere a is the max of a and +0 (bits 0).
     */
    const half = (offset: number, y: string, a: string): Code => [
      ...f.get('xa'),
      ...load(offset),
      ...f.get('fa'),
      ...load(offset),
      ...op.f32x4_add,
      ...f.set('s'),
      ...f.get(a),
      ...f.get('s'),
      ...f.get(y),
      ...op.f32x4_gt,
      ...f.get('tv'),
      ...op.v128_and,
      ...op.f32x4_pmax,
      ...f.set(a),
      ...f.get(y),
      ...f.get('s'),
      ...op.f32x4_pmax,
      ...f.set(y),
    ];
    const tapLoop = whileNot(
      [...f.get('p'), ...f.get('tapsEnd'), ...op.i32_ge_u],
      // xa = x + t + tap offset, fa = filter row + t, tv = tap index + 1 in every lane
      [...f.get('x'), ...f.get('t'), ...op.i32_add, ...f.get('p'), ...op.i32_load(), ...op.i32_add, ...f.set('xa')],
      [...f.get('p'), ...op.i32_load({ offset: 4 }), ...f.get('t'), ...op.i32_add, ...f.set('fa')],
      [...f.get('p'), ...op.v128_load32_splat({ offset: 8 }), ...f.set('tv')],
      half(0, 'y0', 'a0'),
      half(16, 'y1', 'a1'),
      addLocal(f, 'p', op.i32_const(16)),
    );
    const step = [
      ...splat(START),
      ...f.set('y0'),
      ...splat(START),
      ...f.set('y1'),
      ...splat(0),
      ...f.set('a0'),
      ...splat(0),
      ...f.set('a1'),
      ...f.get('taps'),
      ...f.set('p'),
      ...tapLoop,
      ...f.get('out'),
      ...f.get('t'),
      ...op.i32_add,
      ...f.get('y0'),
      ...store(0),
      ...f.get('out'),
      ...f.get('t'),
      ...op.i32_add,
      ...f.get('y1'),
      ...store(16),
      ...f.get('arg'),
      ...f.get('t'),
      ...op.i32_add,
      ...f.get('a0'),
      ...store(0),
      ...f.get('arg'),
      ...f.get('t'),
      ...op.i32_add,
      ...f.get('a1'),
      ...store(16),
      ...addLocal(f, 't', op.i32_const(32)),
    ];
    return [
      ...f.get('len'),
      ...op.i32_const(2),
      ...op.i32_shl,
      ...f.set('lenB'),
      ...whileNot(
        [...f.get('rows'), ...op.i32_eqz],
        op.i32_const(0),
        f.set('t'),
        whileNot([...f.get('t'), ...f.get('lenB'), ...op.i32_ge_u], step),
        addLocal(f, 'out', f.get('outStride')),
        addLocal(f, 'arg', f.get('outStride')),
        addLocal(f, 'x', f.get('xStride')),
        addLocal(f, 'rows', op.i32_const(-1)),
      ),
    ];
  },
};

/**
 * `scatter(acc, arg, dy, taps, len, rows, rowStride, accStride)`: for each of `rows` rows of `len`
 * outputs and each output t with arg[t] = k + 1 > 0 (i32): acc[t + off] += dy[t], where `off`
 * (bytes) is the i32 at `taps + 16 * k` (a tap table column: the window's offset of tap k in a
 * padded input for dx, a row of sums per tap for the filter). Outputs with arg 0 are left to the
 * caller. arg and dy advance by `rowStride` bytes, acc by `accStride`. One output after another,
 * in float32: several outputs can send to one place.
 */
const scatterFunction: WasmFunction = {
  name: 'scatter',
  params: { acc: i32, arg: i32, dy: i32, taps: i32, len: i32, rows: i32, rowStride: i32, accStride: i32 },
  locals: { t: i32, lenB: i32, k: i32, a: i32 },
  results: [],
  body: (f) => [
    ...f.get('len'),
    ...op.i32_const(2),
    ...op.i32_shl,
    ...f.set('lenB'),
    // taps - 16: the entry of arg k + 1 is at k + 1 entries from it
    ...addLocal(f, 'taps', op.i32_const(-16)),
    ...whileNot(
      [...f.get('rows'), ...op.i32_eqz],
      op.i32_const(0),
      f.set('t'),
      whileNot(
        [...f.get('t'), ...f.get('lenB'), ...op.i32_ge_u],
        [...f.get('arg'), ...f.get('t'), ...op.i32_add, ...op.i32_load(), ...f.tee('k')],
        op.if([
          // a = acc + t + off(k)
          ...f.get('acc'),
          ...f.get('t'),
          ...op.i32_add,
          ...f.get('taps'),
          ...f.get('k'),
          ...op.i32_const(4),
          ...op.i32_shl,
          ...op.i32_add,
          ...op.i32_load(),
          ...op.i32_add,
          ...f.set('a'),
          ...f.get('a'),
          ...f.get('a'),
          ...op.f32_load(),
          ...f.get('dy'),
          ...f.get('t'),
          ...op.i32_add,
          ...op.f32_load(),
          ...op.f32_add,
          ...op.f32_store(),
        ]),
        addLocal(f, 't', op.i32_const(4)),
      ),
      addLocal(f, 'arg', f.get('rowStride')),
      addLocal(f, 'dy', f.get('rowStride')),
      addLocal(f, 'acc', f.get('accStride')),
      addLocal(f, 'rows', op.i32_const(-1)),
    ),
  ],
};

/** The bytes of the max-plus module (exported for the disassembly test). */
export function maxplusModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([windowFunction, scatterFunction], opts);
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

/**
 * Per output, 1 + the filter index `i * fw + j` of its arg-max tap, or 0 where no sum won (a
 * window entirely off the image, or all its sums at or below -2^53, or NaN).
 */
export type ArgMax = Uint8Array | Uint16Array | Uint32Array;

/** An arg-max array for `outputs` outputs of a filter with `taps` positions: the narrowest that fits. */
export function argMaxArray(taps: number, outputs: number): ArgMax {
  if (taps <= 0xff) return new Uint8Array(outputs);
  if (taps <= 0xffff) return new Uint16Array(outputs);
  return new Uint32Array(outputs);
}

type Fn = (...args: number[]) => void;
interface MaxPlus {
  mem: WasmMemory;
  window: Fn;
  scatter: Fn;
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
    live = { mem, window: ex.window as Fn, scatter: ex.scatter as Fn };
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

/** Runs `pass` on the instance, or returns false when WebAssembly SIMD is unavailable. */
function withInstance(g: MaxPlusGeometry, pass: (m: MaxPlus) => void): boolean {
  // Tap indices travel as i32 lanes and f32 subnormals: any count below 2^23 is exact.
  const m = g.fh * g.fw < 2 ** 23 ? instance() : null;
  if (!m) return false;
  try {
    pass(m);
  } finally {
    // a memory cannot shrink: past the bound, drop the instance so the memory can be collected
    if (m.mem.buffer.byteLength > RETAIN_BYTES) live = null;
  }
  return true;
}

/** Grows `m`'s memory to at least `floats` floats and returns a view of all of it. */
function reserve(m: MaxPlus, floats: number): Float32Array {
  const need = floats * 4 - m.mem.buffer.byteLength;
  if (need > 0) m.mem.grow(Math.ceil(need / 65536));
  return new Float32Array(m.mem.buffer);
}

/** Float offset of the tap table in our memory: after 16 bytes, so `table - 16` is an address. */
const TABLE = 4;

/**
 * The tap table at {@link TABLE}: per tap k = i * fw + j, 4 i32 (16 bytes): the window's offset
 * of the tap in bytes in a padded image of rows `Wp` pixels wide; the address of its filter row
 * (`fl` floats from float offset `of`); k + 1, which `window` compares as an f32 (a subnormal:
 * f32 order is i32 order for positive floats) and writes as arg; the offset in bytes of its row of
 * `fl` sums (the filter gradient). Returns the float offset after it.
 */
function tapTable(m: MaxPlus, g: MaxPlusGeometry, Wp: number, of: number, fl: number): number {
  const { C, fh, fw } = g;
  const table = new Int32Array(m.mem.buffer, TABLE * 4, 4 * fh * fw);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const k = i * fw + j;
      table.set([(i * Wp + j) * C * 4, (of + k * fl) * 4, k + 1, k * fl * 4], 4 * k);
    }
  }
  return TABLE + 4 * fh * fw;
}

/**
 * Dilation2D forward with SIMD, and the arg-max of every output, or `false` when WebAssembly SIMD
 * is unavailable (the caller then uses its JS loops). `y` is max-plus exactly as the cpu backend
 * (the float32 maximum of float32 sums is the rounded float64 maximum, rounding being monotone);
 * `arg` (see {@link ArgMax}) gets the first tap in row-major window order whose float32 sum
 * equals that maximum, which is the cpu backend's arg-max except between sums that differ only
 * below float32 resolution. Outputs no sum beat (windows entirely off the image) get -2^53, as on
 * the cpu backend, and 0.
 */
export function maxPlusSimd(
  g: MaxPlusGeometry,
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  arg: ArgMax,
): boolean {
  return withInstance(g, (m) => forward(m, g, x, filter, y, arg));
}

function forward(
  m: MaxPlus,
  g: MaxPlusGeometry,
  x: Float32Array,
  filter: Float32Array,
  y: Float32Array,
  arg: ArgMax,
): void {
  const { N, H, W, C, Ho, Wo, fh, fw, pt, pl } = g;
  const taps = fh * fw;
  const len = Wo * C;
  // One image at a time, so that its padded x, y and arg stay in cache from copy-in to copy-out.
  // x padded with -Infinity to every window's extent: Hp x Wp pixels.
  const Hp = Ho + fh - 1;
  const Wp = Wo + fw - 1;
  const nxp = Hp * Wp * C;
  const ny = Ho * Wo * C;
  // One filter row per tap, as long as a row's steps of 8 floats reach.
  const fl = Math.ceil(len / 8) * 8;
  // Float offsets in our memory: tap table | filter rows | x padded | y | arg (i32), of one
  // image; 8 floats of slack after x, y and arg for a row's last step.
  const of = TABLE + 4 * taps;
  const ox = of + taps * fl;
  const oy = ox + nxp + 8;
  const oa = oy + ny + 8;
  const heap = reserve(m, oa + ny + 8);
  const tapsEnd = tapTable(m, g, Wp, of, fl);
  for (let k = 0; k < taps; k++) for (let t = 0; t < fl; t++) heap[of + k * fl + t] = filter[k * C + (t % C)];
  // Input row r is padded row r + pt, column q padded column q + pl (those past the windows are
  // never read); every image overwrites the same pixels, so the -Infinity border is filled once.
  heap.fill(Number.NEGATIVE_INFINITY, ox, ox + nxp + 8);
  const rows = Math.min(H, Hp - pt);
  const run = Math.min(W, Wp - pl) * C;
  const args = new Int32Array(m.mem.buffer, oa * 4, ny);
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < rows; r++) {
      const xr = (n * H + r) * W * C;
      heap.set(x.subarray(xr, xr + run), ox + ((r + pt) * Wp + pl) * C);
    }
    m.window(oy * 4, oa * 4, ox * 4, TABLE * 4, tapsEnd * 4, len, Ho, len * 4, Wp * C * 4);
    y.set(heap.subarray(oy, oy + ny), n * ny);
    arg.set(args, n * ny);
  }
}

/**
 * A Dilation2D gradient from the arg-maxima with SIMD-module loops, or `false` when WebAssembly
 * SIMD is unavailable: each output's dy goes to the input position (`'input'`: out is dx) or the
 * filter position (`'filter'`: out is dFilter) of its arg-max. dx sums in float32 (a pixel gets at
 * most fh * fw terms); the filter sums in float32 over one image's rows, then in float64 over
 * images. Outputs with arg 0 send theirs where the cpu kernel's do (the window's first in-image
 * pixel / tap 0).
 */
export function scatterSimd(
  pass: 'input' | 'filter',
  g: MaxPlusGeometry,
  arg: ArgMax,
  dy: Float32Array,
  out: Float32Array,
): boolean {
  return withInstance(g, (m) => scatter(m, pass, g, arg, dy, out));
}

function scatter(
  m: MaxPlus,
  pass: 'input' | 'filter',
  g: MaxPlusGeometry,
  arg: ArgMax,
  dy: Float32Array,
  out: Float32Array,
): void {
  const { N, H, W, C, Ho, Wo, fh, fw, pt, pl } = g;
  const taps = fh * fw;
  const len = Wo * C;
  const ny = Ho * Wo * C;
  const Hp = Ho + fh - 1;
  const Wp = Wo + fw - 1;
  const toInput = pass === 'input';
  // Float offsets: tap table | sums (dx of one image, padded as the forward's x, or one row of
  // len floats per tap) | arg (i32) | dy, of one image.
  const of = TABLE + 4 * taps;
  const nAcc = toInput ? Hp * Wp * C : taps * len;
  const oa = of + nAcc;
  const od = oa + ny;
  const heap = reserve(m, od + ny);
  tapTable(m, g, Wp, of, len);
  const args = new Int32Array(m.mem.buffer, oa * 4, ny);
  const sums = toInput ? null : new Float64Array(taps * C);
  // Rows of x past the padded image (pad 'valid') get no gradient.
  const rows = Math.min(H, Hp - pt);
  const run = Math.min(W, Wp - pl) * C;
  if (toInput) out.fill(0);
  for (let n = 0; n < N; n++) {
    heap.fill(0, of, of + nAcc);
    args.set(arg.subarray(n * ny, (n + 1) * ny));
    heap.set(dy.subarray(n * ny, (n + 1) * ny), od);
    // toInput: the window's tap offsets in the padded dx; else each tap's row of sums (slot 3)
    m.scatter(of * 4, oa * 4, od * 4, (TABLE + (toInput ? 0 : 3)) * 4, len, Ho, len * 4, toInput ? Wp * C * 4 : 0);
    if (toInput) {
      for (let r = 0; r < rows; r++) {
        const p = of + ((r + pt) * Wp + pl) * C;
        out.set(heap.subarray(p, p + run), (n * H + r) * W * C);
      }
    } else {
      for (let k = 0; k < taps; k++) for (let t = 0; t < len; t++) sums![k * C + (t % C)] += heap[of + k * len + t];
    }
  }
  if (sums) out.set(sums);
  if (arg.indexOf(0) < 0) return;
  for (let o = 0; o < arg.length; o++) {
    if (arg[o] !== 0) continue;
    const c = o % C;
    const p = (o - c) / C;
    const wo = p % Wo;
    const ho = ((p - wo) / Wo) % Ho;
    const n = Math.floor(p / (Wo * Ho));
    out[toInput ? ((n * H + Math.max(ho - pt, 0)) * W + Math.max(wo - pl, 0)) * C + c : c] += dy[o];
  }
}
