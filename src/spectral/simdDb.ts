// Decibels in WebAssembly SIMD: 10 log10(max(v, amin)) - offset over four floats per vector, with
// the running maximum for the top-dB clip. Math.log10 on every value was most of a log-mel's time
// (480,080 calls, ~8 ms, for one minute of 80-band log-mel) after the SIMD spectrogram kernel.
// The logarithm is Cephes' logf (exponent/mantissa split, a degree-8 polynomial in the mantissa,
// ln 2 in two parts), in float32: within ~2 ulp of float32's ln, i.e. ~1e-5 dB at 100 dB, against
// the 1e-3 dB the librosa fixtures allow. Internal.
import { warnOnce } from '../errors';
import {
  type Code,
  f32,
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

// ---- WebAssembly module (`npm run wat` writes its disassembly to test/fixtures/wasm/) ----

const f32Bytes = (x: number): number[] => [...new Uint8Array(new Float32Array([x]).buffer)];
const i32Bytes = (x: number): number[] => [...new Uint8Array(new Int32Array([x]).buffer)];
/** The f32 (i32) constant x in all four lanes. */
const splat = (x: number): Code => op.v128_const([0, 1, 2, 3].flatMap(() => f32Bytes(x)));
const splatI = (x: number): Code => op.v128_const([0, 1, 2, 3].flatMap(() => i32Bytes(x)));
const mul = (a: Code, b: Code): Code => [...a, ...b, ...op.f32x4_mul];

// Cephes logf: ln(1 + x) = x - x^2/2 + x^3 P(x) for the mantissa's x in [sqrt(1/2) - 1, sqrt(2) - 1).
const P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
];
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const DB_PER_NEPER = 10 / Math.LN10;

/**
 * The loop's constant vectors, set into locals once before it: V8 rematerialises a `v128.const`
 * inside a loop on every iteration (measured: the loop ran ~1.3x slower).
 */
const CONSTANTS: Record<string, Code> = {
  cMant: splatI(0x007fffff),
  cHalfExp: splatI(0x3f000000),
  cBias: splatI(126),
  cSqrtHalf: splat(Math.SQRT1_2),
  cOne: splat(1),
  cMinusHalf: splat(-0.5),
  cLn2Lo: splat(LN2_LO),
  cLn2Hi: splat(LN2_HI),
  cDb: splat(DB_PER_NEPER),
  cInf: splat(Infinity),
  ...Object.fromEntries(P.map((c, i) => [`cP${i}`, splat(c)])),
};

/**
 * `dbPower(p, end, amin, offset)` (`dbAmplitude` squares each value first): for the floats from byte
 * address `p` to `end` (a multiple of 16 bytes apart), v = max(v, amin) (NaN and values <= amin
 * become amin, as `v > amin ? v : amin`), then `10 log10(v) - offset` in place (+Infinity stays
 * +Infinity). The four lanes' maxima of the results are stored at address 0. `amin` must be a
 * normal float32 (the exponent split does not handle subnormals).
 */
function dbFunction(square: boolean): WasmFunction {
  return {
    name: square ? 'dbAmplitude' : 'dbPower',
    params: { p: i32, end: i32, amin: f32, offset: f32 },
    locals: {
      amin4: v128,
      off4: v128,
      mx: v128,
      v: v128,
      e: v128,
      m: v128,
      x: v128,
      z: v128,
      lo: v128,
      ...Object.fromEntries(Object.keys(CONSTANTS).map((k) => [k, v128])),
    },
    results: [],
    body: (f: Scope) => [
      ...Object.entries(CONSTANTS).flatMap(([k, c]) => [...c, ...f.set(k)]),
      ...f.get('amin'),
      ...op.f32x4_splat,
      ...f.set('amin4'),
      ...f.get('offset'),
      ...op.f32x4_splat,
      ...f.set('off4'),
      ...splat(-Infinity),
      ...f.set('mx'),
      ...op.block(
        op.loop(
          [...f.get('p'), ...f.get('end'), ...op.i32_ge_u],
          op.br_if(1),
          f.get('p'),
          op.v128_load(),
          f.tee('v'),
          square ? [...f.get('v'), ...op.f32x4_mul, ...f.tee('v')] : [],
          f.get('amin4'),
          // max(v, amin) as `v > amin ? v : amin`
          f.get('v'),
          f.get('amin4'),
          op.f32x4_gt,
          op.v128_bitselect,
          f.tee('v'),
          // v = m 2^e with m in [1/2, 1): e = biased exponent - 126, m's exponent set to -1
          op.i32_const(23),
          op.i32x4_shr_u,
          f.get('cBias'),
          op.i32x4_sub,
          f.set('e'),
          f.get('v'),
          f.get('cMant'),
          op.v128_and,
          f.get('cHalfExp'),
          op.v128_or,
          f.tee('m'),
          // m < sqrt(1/2): x = 2m - 1 and e - 1 (the mask is -1), else x = m - 1
          f.get('cSqrtHalf'),
          op.f32x4_lt,
          f.tee('lo'),
          f.get('e'),
          op.i32x4_add,
          op.f32x4_convert_i32x4_s,
          f.set('e'),
          f.get('m'),
          f.get('m'),
          f.get('lo'),
          op.v128_and,
          op.f32x4_add,
          f.get('cOne'),
          op.f32x4_sub,
          f.tee('x'),
          f.get('x'),
          op.f32x4_mul,
          f.set('z'),
          // x^3 P(x) by Horner, then - z/2 + e ln2_lo, + x, + e ln2_hi
          f.get('cP0'),
          P.slice(1).flatMap((_, i) => [...f.get('x'), ...op.f32x4_mul, ...f.get(`cP${i + 1}`), ...op.f32x4_add]),
          f.get('x'),
          op.f32x4_mul,
          f.get('z'),
          op.f32x4_mul,
          mul(f.get('e'), f.get('cLn2Lo')),
          op.f32x4_add,
          mul(f.get('z'), f.get('cMinusHalf')),
          op.f32x4_add,
          f.get('x'),
          op.f32x4_add,
          mul(f.get('e'), f.get('cLn2Hi')),
          op.f32x4_add,
          // dB, with +Infinity kept (its exponent split reads as 2^128)
          f.get('cDb'),
          op.f32x4_mul,
          f.get('off4'),
          op.f32x4_sub,
          f.set('x'),
          f.get('p'),
          f.get('cInf'),
          f.get('x'),
          f.get('v'),
          f.get('cInf'),
          op.f32x4_eq,
          op.v128_bitselect,
          f.tee('x'),
          op.v128_store(),
          // running max as `mx < x ? x : mx`
          f.get('mx'),
          f.get('x'),
          op.f32x4_pmax,
          f.set('mx'),
          f.get('p'),
          op.i32_const(16),
          op.i32_add,
          f.set('p'),
          op.br(0),
        ),
      ),
      ...op.i32_const(0),
      ...f.get('mx'),
      ...op.v128_store(),
    ],
  };
}

/** `clip(p, end, floor)`: the floats from byte address `p` to `end` below `floor` become `floor`. */
const clipFunction: WasmFunction = {
  name: 'clip',
  params: { p: i32, end: i32, floor: f32 },
  locals: { floor4: v128 },
  results: [],
  body: (f: Scope) => [
    ...f.get('floor'),
    ...op.f32x4_splat,
    ...f.set('floor4'),
    ...op.block(
      op.loop(
        [...f.get('p'), ...f.get('end'), ...op.i32_ge_u],
        op.br_if(1),
        // `x < floor ? floor : x`
        f.get('p'),
        f.get('p'),
        op.v128_load(),
        f.get('floor4'),
        op.f32x4_pmax,
        op.v128_store(),
        f.get('p'),
        op.i32_const(16),
        op.i32_add,
        f.set('p'),
        op.br(0),
      ),
    ),
  ],
};

/** The bytes of the dB module (exported for the disassembly test). */
export function dbModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([dbFunction(false), dbFunction(true), clipFunction], opts);
}

// ---- run time ----

type DbKernel = (p: number, end: number, amin: number, offset: number) => void;
type ClipKernel = (p: number, end: number, floor: number) => void;

/** Floats converted per call: the chunk is copied into the module's memory and back. */
const CHUNK = 1 << 14;
const AT = 16;

interface Runtime {
  memory: WasmMemory;
  heap: Float32Array;
  power: DbKernel;
  amplitude: DbKernel;
  clip: ClipKernel;
}

let runtime: Runtime | null | undefined;

function getRuntime(): Runtime | null {
  if (runtime !== undefined) return runtime;
  const own = instantiateOwn(dbModuleBytes, Math.ceil((AT + 4 * CHUNK + 16) / 65536), (e) =>
    warnOnce(`specmorph spectral: WebAssembly SIMD dB kernel unavailable (${e.message}); using Math.log10`),
  );
  runtime = own && {
    memory: own.memory,
    heap: new Float32Array(own.memory.buffer),
    power: own.fns.dbPower as DbKernel,
    amplitude: own.fns.dbAmplitude as DbKernel,
    clip: own.fns.clip as ClipKernel,
  };
  return runtime;
}

const MIN_NORMAL = 2 ** -126;
const MAX_F32 = (2 - 2 ** -23) * 2 ** 127;

/**
 * `dst[i] = 10 log10(max(s, amin)) - offset` with s = src[i] (`square`: src[i]^2, in float32) for
 * every i, in float32, then with `topDb` every value below max(dst) - topDb raised to it. False
 * (nothing written) when the kernel does not apply: no WebAssembly SIMD, or amin / offset outside
 * float32's normal range; the caller then uses Math.log10. `dst` may be `src`.
 */
export function simdDb(
  src: Float32Array,
  dst: Float32Array,
  amin: number,
  offset: number,
  square: boolean,
  topDb: number | null,
): boolean {
  const a = Math.fround(amin);
  if (!(a >= MIN_NORMAL && a <= MAX_F32 && Math.abs(offset) <= MAX_F32)) return false;
  const rt = getRuntime();
  if (!rt) return false;
  const { heap } = rt;
  const kernel = square ? rt.amplitude : rt.power;
  const at = AT >> 2;
  let max = -Infinity;
  for (let i = 0; i < src.length; i += CHUNK) {
    const n = Math.min(CHUNK, src.length - i);
    heap.set(src.subarray(i, i + n), at);
    // the last vector's spare lanes repeat the chunk's first value, so they cannot raise the max
    const n4 = (n + 3) & ~3;
    heap.fill(heap[at], at + n, at + n4);
    kernel(AT, AT + 4 * n4, a, offset);
    dst.set(heap.subarray(at, at + n), i);
    max = Math.max(max, heap[0], heap[1], heap[2], heap[3]);
  }
  if (topDb === null) return true;
  // threshold from the float32 values actually stored, so the clip agrees with max(dst) - topDb
  const floor = Math.fround(max - topDb);
  for (let i = 0; i < dst.length; i += CHUNK) {
    const n = Math.min(CHUNK, dst.length - i);
    heap.set(dst.subarray(i, i + n), at);
    rt.clip(AT, AT + 4 * ((n + 3) & ~3), floor);
    dst.set(heap.subarray(at, at + n), i);
  }
  return true;
}
