// WebAssembly SIMD max-plus passes for Dilation2D and its gradients at stride 1, dilation 1 (the
// learned morphology layer's case). The module is emitted byte by byte, as the morphology kernels'
// is (no toolchain), and runs on its own memory: inputs are copied in and results out, which costs
// one pass each against fh*fw passes of work.
import { name, section, sleb, uleb, vec } from '../../morphology/wasm';
import { warnOnce } from '../../errors';

const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, select: 0x1b, void: 0x40,
  localGet: 0x20, localSet: 0x21, i32Load: 0x28, f32Load: 0x2a, i32Store: 0x36, f32Store: 0x38,
  i32Const: 0x41, f32Const: 0x43, i32Eqz: 0x45, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71,
  i32Shl: 0x74, f32Eq: 0x5b, f32Lt: 0x5d, f32Add: 0x92,
} as const;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V = {
  load: [...simd(0x00), 0x00, 0x00], store: [...simd(0x0b), 0x00, 0x00],
  f32x4Add: simd(0xe4), f32x4Pmax: simd(0xeb), f32x4Eq: simd(0x41), and: simd(0x4e), andNot: simd(0x4f),
};
const memarg = [0x02, 0x00];
const get = (i: number) => [OP.localGet, i];
const set = (i: number) => [OP.localSet, i];
const addTo = (i: number, by: number[]) => [...get(i), ...by, OP.i32Add, ...set(i)];
const at = (base: number, t: number) => [...get(base), ...get(t), OP.i32Add];

/**
 * `rows` times: over the run of `len` floats, `t` in bytes from 0 (4-lane vectors, then a scalar
 * tail), run `vecBody` / `scalarBody`; then advance each pointer local by its stride local.
 * `lenB` and `lenV` are locals set here to len*4 and (len & ~3)*4.
 */
function rowsLoop(len: number, rows: number, t: number, lenB: number, lenV: number,
  vecBody: number[], scalarBody: number[], advance: [number, number][]): number[] {
  const inner = (limit: number, body: number[], step: number) => [
    OP.block, OP.void, OP.loop, OP.void,
    ...get(t), ...get(limit), OP.i32GeU, OP.brIf, 1,
    ...body, ...addTo(t, [OP.i32Const, ...sleb(step)]),
    OP.br, 0, OP.end, OP.end,
  ];
  return [
    ...get(len), OP.i32Const, 2, OP.i32Shl, ...set(lenB),
    ...get(len), OP.i32Const, ...sleb(-4), OP.i32And, OP.i32Const, 2, OP.i32Shl, ...set(lenV),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(rows), OP.i32Eqz, OP.brIf, 1,
    OP.i32Const, 0, ...set(t),
    ...inner(lenV, vecBody, 16), ...inner(lenB, scalarBody, 4),
    ...advance.flatMap(([p, stride]) => addTo(p, get(stride))),
    ...get(rows), OP.i32Const, 1, OP.i32Sub, ...set(rows),
    OP.br, 0, OP.end, OP.end,
  ];
}

/**
 * `maxplus(out, x, f, len, rows, outStride, xStride)`: for each of `rows` rows,
 * out[t] = max(out[t], x[t] + f[t]) for t < len (bytes strides between rows; `f` is one row).
 * max is `out < s ? s : out` (f32x4.pmax), so a NaN sum never replaces: the cpu kernel's `>`.
 */
function maxplusBody(): number[] {
  const [out, x, f, len, rows, outStride, xStride, t, lenB, lenV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const acc = 10;
  const s = 11;
  const vecBody = [
    ...at(out, t),
    ...at(out, t), ...V.load, ...at(x, t), ...V.load, ...at(f, t), ...V.load, ...V.f32x4Add, ...V.f32x4Pmax,
    ...V.store,
  ];
  const scalarBody = [
    ...at(out, t),
    ...at(x, t), OP.f32Load, ...memarg, ...at(f, t), OP.f32Load, ...memarg, OP.f32Add, ...set(s),
    ...at(out, t), OP.f32Load, ...memarg, ...set(acc),
    ...get(s), ...get(acc), ...get(acc), ...get(s), OP.f32Lt, OP.select,
    OP.f32Store, ...memarg,
  ];
  const code = [...rowsLoop(len, rows, t, lenB, lenV, vecBody, scalarBody, [[out, outStride], [x, xStride]]), OP.end];
  const body = [...vec([[3, 0x7f], [2, 0x7d]]), ...code];
  return [...uleb(body.length), ...body];
}

/**
 * `route(y, flag, dy, x, f, dst, len, rows, outStride, xStride, dstStride)`: per element, where
 * x + f equals the maximum y and the output's flag (all ones until routed) is still set,
 * dst += dy and the flag clears; taps called in row-major window order so the first arg-max takes
 * the gradient. y, flag, dy advance by outStride, x by xStride, dst by dstStride (0: one row of sums).
 */
function routeBody(): number[] {
  const [y, flag, dy, x, f, dst, len, rows, outStride, xStride, dstStride, t, lenB, lenV] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const m = 14;
  const fl = 15;
  const mi = 16;
  const fi = 17;
  const vecBody = [
    ...at(x, t), ...V.load, ...at(f, t), ...V.load, ...V.f32x4Add, ...at(y, t), ...V.load, ...V.f32x4Eq, ...set(m),
    ...at(flag, t), ...V.load, ...set(fl),
    ...at(dst, t), ...at(dst, t), ...V.load, ...get(m), ...get(fl), ...V.and, ...at(dy, t), ...V.load, ...V.and, ...V.f32x4Add, ...V.store,
    ...at(flag, t), ...get(fl), ...get(m), ...V.andNot, ...V.store,
  ];
  const scalarBody = [
    ...at(x, t), OP.f32Load, ...memarg, ...at(f, t), OP.f32Load, ...memarg, OP.f32Add, ...at(y, t), OP.f32Load, ...memarg, OP.f32Eq, ...set(mi),
    ...at(flag, t), OP.i32Load, ...memarg, ...set(fi),
    ...at(dst, t), ...at(dst, t), OP.f32Load, ...memarg,
    ...at(dy, t), OP.f32Load, ...memarg, OP.f32Const, 0, 0, 0, 0, ...get(mi), ...get(fi), OP.i32And, OP.select,
    OP.f32Add, OP.f32Store, ...memarg,
    ...at(flag, t), OP.i32Const, 0, ...get(fi), ...get(mi), OP.select, OP.i32Store, ...memarg,
  ];
  const code = [...rowsLoop(len, rows, t, lenB, lenV, vecBody, scalarBody,
    [[y, outStride], [flag, outStride], [dy, outStride], [x, xStride], [dst, dstStride]]), OP.end];
  const body = [...vec([[3, 0x7f], [2, 0x7b], [2, 0x7f]]), ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array {
  const i32 = [0x7f];
  const types = vec([[0x60, ...vec(new Array(7).fill(i32)), 0x00], [0x60, ...vec(new Array(11).fill(i32)), 0x00]]);
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]]);
  const funcs = vec([[0], [1]]);
  const exportSection = vec([[...name('maxplus'), 0x00, 0], [...name('route'), 0x00, 1]]);
  const code = vec([maxplusBody(), routeBody()]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exportSection), ...section(10, code),
  ]);
}

declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** Geometry of one stride-1, dilation-1 pass (as tf.backend_util.computeDilation2DInfo gives it). */
export interface MaxPlusGeometry {
  N: number; H: number; W: number; C: number; Ho: number; Wo: number; fh: number; fw: number; pt: number; pl: number;
}

/** What {@link maxPlusSimd} computes. */
export type MaxPlusPass = 'forward' | 'backpropInput' | 'backpropFilter';

type Fn = (...args: number[]) => void;
let compiled: { mem: { buffer: ArrayBuffer; grow(pages: number): number }; maxplus: Fn; route: Fn } | null | undefined;

function instance() {
  if (compiled !== undefined) return compiled;
  try {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const ex = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), { env: { mem } }).exports;
    compiled = { mem, maxplus: ex.maxplus as Fn, route: ex.route as Fn };
  } catch (e) {
    warnOnce(`specmorph: WebAssembly SIMD max-plus unavailable (${(e as Error).message}); Dilation2D on wasm uses slower JS loops`);
    compiled = null;
  }
  return compiled;
}

/**
 * One Dilation2D pass with SIMD, or `false` when WebAssembly SIMD is unavailable (the caller then
 * uses its JS loops). Results: forward = max-plus exactly as the cpu backend (the float32 maximum
 * of float32 sums is the rounded float64 maximum, rounding being monotone); gradients go to the
 * first tap in row-major window order whose float32 sum equals that maximum, which is the cpu
 * backend's choice except between sums that differ only below float32 resolution. Outputs no sum
 * beat (windows entirely off the image) get -2^53 and route as the cpu backend does, by `fallback`.
 */
export function maxPlusSimd(pass: MaxPlusPass, g: MaxPlusGeometry, x: Float32Array, filter: Float32Array,
  dy: Float32Array | null, out: Float32Array, fallback: (unrouted: Int32Array) => void): boolean {
  const m = instance();
  if (!m) return false;
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
    return true;
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
        m.route((oy + o) * 4, (ofl + o) * 4, (ody + o) * 4, (ox + xi) * 4, of * 4, (od + xi) * 4, tp.len, tp.rows, row * 4, W * C * 4, W * C * 4);
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
        m.route((oy + o) * 4, (ofl + o) * 4, (ody + o) * 4, (ox + xAt(n, tp)) * 4, of * 4, od * 4, tp.len, tp.rows, row * 4, W * C * 4, 0);
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
  return true;
}
