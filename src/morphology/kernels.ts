// Element-wise min/max kernels that every grey-level operator reduces to. Erosion and dilation by
// any footprint become a few passes `dst[i] = min(a[i], b[i](, c[i]))` over contiguous stretches of
// one scratch heap with constant offsets between the operands (row-major layout makes a vertical
// shift a constant offset too), so the whole cost sits in these loops. They run as WebAssembly
// SIMD (4 float32 lanes; Node >= 16.4 has it on by default) with a plain typed-array fallback that
// computes bit-identical results. No per-pixel allocation anywhere.
//
// Ties and signed zeros: both back ends use the pseudo-min `b < a ? b : a` (and pseudo-max
// `a < b ? b : a`), which is what x86 `minps`/`maxps` and OpenCV's SIMD paths do.

import { warnOnce } from '../errors';

/** Most operands one kernel pass takes. */
// A window of length L costs about log_MAX(L) passes. Measured on 257x6001 (noisy, shared machine),
// 3..8 operands ran within noise of each other and 16 ran slower on 15x15 and 31x31 (a pass with
// 15 unaligned loads per vector is load-bound), so 5: windows up to 5 in one pass, 25 in two.
export const MAX_OPERANDS = 5;

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
  /** `reduce(isMax, dst, [a, b], n)` without building an array (the van Herk/Gil-Werman passes make many such calls). */
  reduce2(isMax: boolean, dst: number, a: number, b: number, n: number): void;
  /** True when heap[p .. p+n) holds no NaN or +-Infinity. */
  allFinite(p: number, n: number): boolean;
}

// ---- WebAssembly module, emitted byte by byte (no toolchain needed at build or run time) ----

const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, select: 0x1b,
  localGet: 0x20, localSet: 0x21, f32Load: 0x2a, f32Store: 0x38, i32Const: 0x41,
  i32Eqz: 0x45, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, f32Lt: 0x5d, void: 0x40,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/**
 * Body of `(dst, p1..pk, n)`: a loop of four 4-lane vectors per iteration (loop overhead, not
 * memory, bounds these passes when the stripe is in cache), then single vectors, then a scalar
 * tail. `isMax` picks pmax/pmin. In-place use with dst == p1 and p2..pk at higher addresses is safe:
 * every load happens at or above the address being stored.
 */
function kernelBody(k: number, isMax: boolean): number[] {
  const nIdx = k + 1;
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
        if (j >= 2) code.push(...simdOp);
      }
      code.push(...v128Store(16 * u));
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
  code.push(OP.end);
  const locals = vec([[2, 0x7d]]); // two f32 locals
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `allFinite(p, n) -> i32` for n a multiple of 4: accumulates v - v (0 when finite, NaN
 * for NaN/Inf) and reports whether every lane of the sum is still a number.
 */
function allFiniteBody(): number[] {
  const acc = 2;
  const code: number[] = [
    0xfd, 0x0c, ...new Array(16).fill(0), OP.localSet, acc,
    OP.block, OP.void, OP.loop, OP.void,
    OP.localGet, 1, OP.i32Eqz, OP.brIf, 1,
    OP.localGet, acc,
    OP.localGet, 0, 0xfd, 0x00, 0x00, 0x00,
    OP.localGet, 0, 0xfd, 0x00, 0x00, 0x00,
    0xfd, ...uleb(0xe5), // f32x4.sub
    0xfd, ...uleb(0xe4), // f32x4.add
    OP.localSet, acc,
    OP.localGet, 0, OP.i32Const, 16, OP.i32Add, OP.localSet, 0,
    OP.localGet, 1, OP.i32Const, 4, OP.i32Sub, OP.localSet, 1,
    OP.br, 0, OP.end, OP.end,
    OP.localGet, acc, OP.localGet, acc, 0xfd, ...uleb(0x41), // f32x4.eq
    0xfd, ...uleb(0xa3), // i32x4.all_true
    OP.end,
  ];
  const body = [...vec([[1, 0x7b]]), ...code];
  return [...uleb(body.length), ...body];
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const EXPORTS: { name: string; k: number; isMax: boolean }[] = [];
for (let k = 2; k <= MAX_OPERANDS; k++) {
  EXPORTS.push({ name: `min${k}`, k, isMax: false }, { name: `max${k}`, k, isMax: true });
}

function moduleBytes(): Uint8Array {
  const i32 = 0x7f;
  // type t (t = 0..MAX_OPERANDS-2) takes dst, t+2 sources and n; the last type is allFinite's
  const kernelTypes = Array.from({ length: MAX_OPERANDS - 1 }, (_, t) => [0x60, ...vec(new Array(t + 4).fill([i32])), 0x00]);
  const types = vec([...kernelTypes, [0x60, ...vec([[i32], [i32]]), ...vec([[i32]])]]);
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]]);
  const funcs = vec([...EXPORTS.map((e) => [e.k - 2]), [MAX_OPERANDS - 1]]);
  const exportSection = vec([...EXPORTS.map((e, i) => [...name(e.name), 0x00, i]), [...name('allFinite'), 0x00, EXPORTS.length]]);
  const code = vec([...EXPORTS.map((e) => kernelBody(e.k, e.isMax)), allFiniteBody()]);
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
    for (let k = 2; k <= MAX_OPERANDS; k++) {
      byIndex[0][k] = ex[`min${k}`];
      byIndex[1][k] = ex[`max${k}`];
    }
    const min2 = byIndex[0][2];
    const max2 = byIndex[1][2];
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
      reduce2(isMax, dst, a, b, n): void {
        if (n > 0) (isMax ? max2 : min2)(dst << 2, a << 2, b << 2, n);
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
    reduce2(isMax, dst, a, b, n): void {
      const h = view;
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
