// A small WebAssembly assembler. Every instruction the kernels use has one entry in `op`, named as
// in the text format with `.` written `_` (`op.i32_add` is `i32.add`, `op.f32x4_pmax(...)`...), and
// a module is one table of functions (named parameters and locals, results, body) from which the
// type, function, export and code sections are derived: adding a function is one table entry, a
// call or a local is by name. The kernels are emitted at run time from TypeScript that reads like
// the text format (no toolchain at build or run time); `npm run wat` writes the disassembly of each
// module to test/fixtures/wasm/, and a test checks it still matches the bytes.
// Internal: not re-exported from the package.

/** Value types (binary encodings). */
export const i32 = 0x7f;
export const f32 = 0x7d;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof f32 | typeof v128;

/** Instruction bytes. */
export type Code = readonly number[];

/**
 * `parts` (single bytes and byte runs) as one new array, each byte copied once: the emitters nest
 * blocks many levels deep, and spreading each level's body into the next copied it at every level.
 */
function join(parts: readonly (number | Code)[]): number[] {
  let n = 0;
  for (const p of parts) n += typeof p === 'number' ? 1 : p.length;
  const out = new Array<number>(n);
  let k = 0;
  for (const p of parts) {
    if (typeof p === 'number') out[k++] = p;
    else for (let i = 0; i < p.length; i++) out[k++] = p[i];
  }
  return out;
}

/** Unsigned LEB128. */
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

/** Signed LEB128 (i32 immediates). */
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

/**
 * A load's or store's `offset=` and `align=` (bytes, as in the text format); alignment defaults to
 * the access size. The kernels say `align: 1` where they have always said it: it is only a hint.
 */
export interface MemArg {
  offset?: number;
  align?: number;
}

function memarg(natural: number, m: MemArg = {}): number[] {
  const align = m.align ?? natural;
  if (!(align > 0 && (align & (align - 1)) === 0 && align <= natural)) {
    throw new Error(`wasm memarg align=${align} must be a power of two <= ${natural}`);
  }
  return [31 - Math.clz32(align), ...uleb(m.offset ?? 0)];
}

/** Structured instructions leave nothing on the stack (block type `[] -> []`). */
const VOID = 0x40;
const END = 0x0b;
const simd = (sub: number, ...immediates: number[]): Code => [0xfd, ...uleb(sub), ...immediates];
const lanes16 = (what: string, bytes: readonly number[]): number[] => {
  if (bytes.length !== 16 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new Error(`wasm ${what}: 16 byte values expected, got [${bytes.join(', ')}]`);
  }
  return [...bytes];
};

/**
 * Every instruction used, by its text-format name (WebAssembly core spec 5.4; SIMD ones carry the
 * 0xfd prefix). Plain instructions are their bytes; those with immediates are functions of them.
 * Structured ones take their bodies: `op.block(op.loop(...))` is `(block (loop ...))`.
 */
export const op = {
  // control
  block: (...body: Code[]): Code => join([0x02, VOID, ...body, END]),
  loop: (...body: Code[]): Code => join([0x03, VOID, ...body, END]),
  /** `(if (then ...) (else ...))` on the i32 on the stack. */
  if: (then: Code, otherwise?: Code): Code => join([0x04, VOID, then, ...(otherwise ? [0x05, otherwise] : []), END]),
  br: (depth: number): Code => [0x0c, ...uleb(depth)],
  br_if: (depth: number): Code => [0x0d, ...uleb(depth)],
  /** Takes the callee's index; in a body, `f.call(name)` looks it up in the module's table. */
  call: (fn: number): Code => [0x10, ...uleb(fn)],
  /** `select(a, b, cond)`: a when cond != 0, else b. */
  select: [0x1b],
  // variables: take the local's index; in a body, `f.get(name)` etc. look it up by name
  local_get: (i: number): Code => [0x20, ...uleb(i)],
  local_set: (i: number): Code => [0x21, ...uleb(i)],
  local_tee: (i: number): Code => [0x22, ...uleb(i)],
  // memory
  i32_load: (m?: MemArg): Code => [0x28, ...memarg(4, m)],
  f32_load: (m?: MemArg): Code => [0x2a, ...memarg(4, m)],
  i32_store: (m?: MemArg): Code => [0x36, ...memarg(4, m)],
  f32_store: (m?: MemArg): Code => [0x38, ...memarg(4, m)],
  // numeric
  i32_const: (n: number): Code => [0x41, ...sleb(n)],
  f32_const: (x: number): Code => {
    const bytes = new DataView(new ArrayBuffer(4));
    bytes.setFloat32(0, x, true);
    return [0x43, ...new Uint8Array(bytes.buffer)];
  },
  i32_eqz: [0x45],
  i32_eq: [0x46],
  i32_lt_u: [0x49],
  i32_gt_u: [0x4b],
  i32_le_s: [0x4c],
  i32_le_u: [0x4d],
  i32_ge_s: [0x4e],
  i32_ge_u: [0x4f],
  f32_eq: [0x5b],
  f32_lt: [0x5d],
  i32_add: [0x6a],
  i32_sub: [0x6b],
  i32_mul: [0x6c],
  i32_div_u: [0x6e],
  i32_and: [0x71],
  i32_shl: [0x74],
  i32_shr_u: [0x76],
  f32_add: [0x92],
  f32_sub: [0x93],
  // SIMD
  v128_load: (m?: MemArg): Code => simd(0x00, ...memarg(16, m)),
  v128_store: (m?: MemArg): Code => simd(0x0b, ...memarg(16, m)),
  /** The 16 bytes of the constant, lane 0 first. */
  v128_const: (bytes: readonly number[]): Code => simd(0x0c, ...lanes16('v128.const', bytes)),
  /** Byte i of the result is byte lanes[i] of the 32-byte concatenation of the two operands. */
  i8x16_shuffle: (lanes: readonly number[]): Code => simd(0x0d, ...lanes16('i8x16.shuffle', lanes)),
  /** Loads the f32 at the address on the stack into all four lanes. */
  v128_load32_splat: (m?: MemArg): Code => simd(0x09, ...memarg(4, m)),
  /** Loads the f64 at the address on the stack into both lanes. */
  v128_load64_splat: (m?: MemArg): Code => simd(0x0a, ...memarg(8, m)),
  f32x4_splat: simd(0x13),
  i32x4_extract_lane: (lane: number): Code => simd(0x1b, lane),
  f32x4_eq: simd(0x41),
  f32x4_ne: simd(0x42),
  f32x4_lt: simd(0x43),
  f32x4_gt: simd(0x44),
  v128_and: simd(0x4e),
  v128_andnot: simd(0x4f),
  v128_or: simd(0x50),
  /** `v128.bitselect(a, b, mask)`: bits of a where mask is 1, of b where it is 0. */
  v128_bitselect: simd(0x52),
  /** Replaces lane `lane` of the vector on the stack by the f32 at the address below it. */
  v128_load32_lane: (lane: number, m?: MemArg): Code => simd(0x56, ...memarg(4, m), lane),
  /** Stores lane `lane` of the vector at the address below it on the stack. */
  v128_store32_lane: (lane: number, m?: MemArg): Code => simd(0x5a, ...memarg(4, m), lane),
  /** Loads the f32 at the address on the stack into lane 0, zeroing the others. */
  v128_load32_zero: (m?: MemArg): Code => simd(0x5c, ...memarg(4, m)),
  i32x4_all_true: simd(0xa3),
  /** Shifts each lane right (unsigned) by the i32 on the stack. */
  i32x4_shr_u: simd(0xad),
  i32x4_add: simd(0xae),
  i32x4_sub: simd(0xb1),
  f32x4_sqrt: simd(0xe3),
  f32x4_add: simd(0xe4),
  f32x4_sub: simd(0xe5),
  f32x4_mul: simd(0xe6),
  /**
   * `f32x4.pmin`/`pmax` are `b < a ? b : a` / `a < b ? b : a`, the JS ternaries exactly (signed
   * zeros and NaN included), as one minps/maxps. The reconstruction keeps one float in lane 0 of a
   * v128 for them: an f32 `select` compiled to a branch (measured: the raster sweep went from 19
   * to 2.4 ms on 257 x 6001).
   */
  f32x4_pmin: simd(0xea),
  f32x4_pmax: simd(0xeb),
  f32x4_convert_i32x4_s: simd(0xfa),
  /** Lanes 0 and 1 of an f32x4, widened to an f64x2. */
  f64x2_promote_low_f32x4: simd(0x5f),
  f64x2_add: simd(0xf0),
  f64x2_sub: simd(0xf1),
  f64x2_mul: simd(0xf2),
} as const;

/** `(block (loop (br_if 1 (exit)) body (br 0)))`: a loop that runs until `exit` is true. */
export const whileNot = (exit: Code, ...body: Code[]): Code => op.block(op.loop(exit, op.br_if(1), ...body, op.br(0)));

/** `local += by` for an i32 local of `f`. */
export const addLocal = (f: Scope, local: string, by: Code): Code => [
  ...f.get(local),
  ...by,
  ...op.i32_add,
  ...f.set(local),
];

/** One function of a module's table. */
export interface WasmFunction {
  /** Its export name (and its name in the disassembly). */
  name: string;
  /** False for a helper only other functions call. @default true */
  exported?: boolean;
  params: Record<string, ValType>;
  locals: Record<string, ValType>;
  results: ValType[];
  body: (f: Scope) => Code;
}

/** What a function body refers to by name: its parameters and locals, the module's functions. */
export interface Scope {
  get: (local: string) => Code;
  set: (local: string) => Code;
  tee: (local: string) => Code;
  /** `call` of the function of this module named `fn`. */
  call: (fn: string) => Code;
}

/** A module section: id, byte length, payload. */
function section(id: number, payload: number[]): number[] {
  return join([id, uleb(payload.length), payload]);
}

/** A WebAssembly vector: count, then the items. */
function vec(items: number[][]): number[] {
  return join([uleb(items.length), ...items]);
}

/** A WebAssembly name (ASCII): length, bytes. */
function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** How {@link wasmModule} encodes a module. */
export interface ModuleOptions {
  /**
   * Declare consecutive locals of one type as one run-length entry (what wat2wasm writes), or
   * each local as its own entry. Only the bytes differ, not the code.
   * @default true
   */
  packLocals?: boolean;
  /**
   * Append a `name` section (function and local names) so a disassembly reads `$vhgwMin`,
   * `local.get $count`. Only for the disassembly: the kernels run without it.
   * @default false
   */
  names?: boolean;
  /**
   * Import `env.mem` as a shared memory (limits 1 to 65536 pages), to run on the memory of a
   * threaded Emscripten build such as tfjs-backend-wasm's; otherwise an unshared one of >= 1 page.
   * @default false
   */
  sharedMemory?: boolean;
}

/** The local declarations of a function body: run-length entries (count, type). */
function localDecls(types: ValType[], pack: boolean): number[] {
  const runs: [number, ValType][] = [];
  for (const t of types) {
    const last = runs[runs.length - 1];
    if (pack && last && last[1] === t) last[0]++;
    else runs.push([1, t]);
  }
  return vec(runs.map(([count, t]) => [...uleb(count), t]));
}

/**
 * The bytes of a module importing one memory as `env.mem`, with the functions of `functions` in
 * that order (function i has index i) and the exported ones exported under their names.
 * Identical signatures share one type, numbered in order of first use.
 */
export function wasmModule(functions: WasmFunction[], opts: ModuleOptions = {}): Uint8Array {
  const fnIndex = (fn: string): number => {
    const i = functions.findIndex((g) => g.name === fn);
    if (i < 0) throw new Error(`wasm module: no function named ${fn}`);
    return i;
  };
  functions.forEach((f, i) => {
    if (fnIndex(f.name) !== i) throw new Error(`wasm module: two functions named ${f.name}`);
  });
  const signatures: string[] = [];
  const types: number[][] = [];
  const typeOf = functions.map((f) => {
    const sig = [0x60, ...vec(Object.values<ValType>(f.params).map((t) => [t])), ...vec(f.results.map((t) => [t]))];
    const key = sig.join(',');
    let t = signatures.indexOf(key);
    if (t < 0) {
      t = signatures.push(key) - 1;
      types.push(sig);
    }
    return t;
  });
  const localNames = functions.map((f) => {
    const names = [...Object.keys(f.params), ...Object.keys(f.locals)];
    const twice = Object.keys(f.locals).find((l) => l in f.params);
    if (twice !== undefined) throw new Error(`wasm function ${f.name}: ${twice} is both a parameter and a local`);
    return names;
  });
  const bodies = functions.map((f, i) => {
    const at = (local: string): number => {
      const k = localNames[i].indexOf(local);
      if (k < 0) throw new Error(`wasm function ${f.name}: no local named ${local}`);
      return k;
    };
    const scope: Scope = {
      get: (l) => op.local_get(at(l)),
      set: (l) => op.local_set(at(l)),
      tee: (l) => op.local_tee(at(l)),
      call: (fn) => op.call(fnIndex(fn)),
    };
    const body = join([localDecls(Object.values<ValType>(f.locals), opts.packLocals ?? true), f.body(scope), END]);
    return join([uleb(body.length), body]);
  });
  const nameSection = (): number[] => {
    const subsection = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
    const functionNames = vec(functions.map((f, i) => [...uleb(i), ...name(f.name)]));
    const nameMap = (names: string[]): number[] => vec(names.map((n, k) => [...uleb(k), ...name(n)]));
    const locals = vec(localNames.map((names, i) => [...uleb(i), ...nameMap(names)]));
    return section(0, [...name('name'), ...subsection(1, functionNames), ...subsection(2, locals)]);
  };
  return new Uint8Array(
    join([
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      section(1, vec(types)),
      section(
        2,
        vec([
          [...name('env'), ...name('mem'), 0x02, ...(opts.sharedMemory ? [0x03, 0x01, ...uleb(65536)] : [0x00, 0x01])],
        ]),
      ),
      section(3, vec(typeOf.map((t) => uleb(t)))),
      section(7, vec(functions.flatMap((f, i) => ((f.exported ?? true) ? [[...name(f.name), 0x00, ...uleb(i)]] : [])))),
      section(10, vec(bodies)),
      opts.names ? nameSection() : [],
    ]),
  );
}

// tsconfig's lib "ES2022" (no DOM) carries no WebAssembly types; this is the slice used here.
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (compiled: object, imports: object) => { exports: Record<string, unknown> };
};

/** True when this runtime has WebAssembly at all. */
export function hasWasm(): boolean {
  return typeof WebAssembly === 'object';
}

/** A fresh memory of `pages` 64 KiB pages. */
export function newMemory(pages: number): WasmMemory {
  return new WebAssembly.Memory({ initial: pages });
}

/** Compiles `bytes` (synchronously: the modules here are a few kilobytes). */
export function compile(bytes: Uint8Array): object {
  return new WebAssembly.Module(bytes);
}

/** Instantiates a compiled module over `memory`; returns its exports. */
export function instantiate(compiled: object, memory: WasmMemory): Record<string, unknown> {
  return new WebAssembly.Instance(compiled, { env: { mem: memory } }).exports;
}

/**
 * A module over a fresh memory of its own (`pages` pages): the memory and the exported functions
 * (`fns`), or null when this runtime has no WebAssembly, or, after `onError` (the caller's warning),
 * when it rejects the module (no SIMD). The kernels that copy their data in and out start from this.
 */
export function instantiateOwn(
  bytes: () => Uint8Array,
  pages: number,
  onError: (e: Error) => void,
): { memory: WasmMemory; fns: Record<string, unknown> } | null {
  if (!hasWasm()) return null;
  try {
    const memory = newMemory(pages);
    return { memory, fns: instantiate(compile(bytes()), memory) };
  } catch (e) {
    onError(e as Error);
    return null;
  }
}
