// A small WebAssembly assembler: named instructions, named locals and a function table from which
// the type, function, export and code sections are derived. The kernels are emitted at run time
// (no toolchain needed at build or run time) from TypeScript that reads like the text format:
// `[...L.get('p'), ...SIMD.load32Zero(), ...L.set('v')]` is
// `(local.set $v (v128.load32_zero (local.get $p)))`.
// Internal: not re-exported from the package.

/** Value types (binary encodings). */
export const i32 = 0x7f;
export const f32 = 0x7d;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof f32 | typeof v128;

/** Instruction bytes, one name per opcode used (WebAssembly core spec, section 5.4.1-5.4.7). */
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Load: 0x28, i32Store: 0x36, i32Const: 0x41,
  i32Eqz: 0x45, i32GtU: 0x4b, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74,
  /** Block type of a block/loop/if that leaves nothing on the stack. */
  void: 0x40,
} as const;

/**
 * SIMD instructions (prefix 0xfd). The reconstruction keeps one float in lane 0 of a v128 for
 * `f32x4.pmax`/`pmin`: they are `a < b ? b : a` / `b < a ? b : a`, the JS ternaries exactly
 * (signed zeros and NaN included), as one maxss/minss, where an f32 `select` compiled to a branch
 * (measured: the raster sweep went from 19 to 2.4 ms on 257 x 6001). Lane comparisons give
 * all-ones/zero masks for branch-free conditional updates.
 */
export const SIMD = {
  /** Loads the f32 at the address on the stack into lane 0, zeroing the others. */
  load32Zero: (): number[] => [0xfd, ...uleb(0x5c), 0x02, 0x00],
  /** Stores lane 0 at the address below the vector on the stack. */
  store32Lane0: (): number[] => [0xfd, ...uleb(0x5a), 0x02, 0x00, 0x00],
  i32x4ExtractLane0: (): number[] => [0xfd, ...uleb(0x1b), 0x00],
  f32x4Ne: (): number[] => [0xfd, ...uleb(0x42)],
  f32x4Lt: (): number[] => [0xfd, ...uleb(0x43)],
  f32x4Gt: (): number[] => [0xfd, ...uleb(0x44)],
  v128And: (): number[] => [0xfd, ...uleb(0x4e)],
  v128Or: (): number[] => [0xfd, ...uleb(0x50)],
  f32x4Pmin: (): number[] => [0xfd, ...uleb(0xea)],
  f32x4Pmax: (): number[] => [0xfd, ...uleb(0xeb)],
};

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
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
export function sleb(n: number): number[] {
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

/** `i32.const n`. */
export const i32Const = (n: number): number[] => [OP.i32Const, ...sleb(n)];

/** i32 loads and stores at the address on the stack plus `offset` (alignment hint 4 bytes). */
export const mem = {
  i32Load: (offset = 0): number[] => [OP.i32Load, 0x02, ...uleb(offset)],
  i32Store: (offset = 0): number[] => [OP.i32Store, 0x02, ...uleb(offset)],
};

/** Structured control: `(block ...)`, `(loop ...)`, `(if (then ...) (else ...))`, no results. */
export const block = (...body: number[][]): number[] => [OP.block, OP.void, ...body.flat(), OP.end];
export const loop = (...body: number[][]): number[] => [OP.loop, OP.void, ...body.flat(), OP.end];
export const ifThen = (then: number[], otherwise?: number[]): number[] =>
  [OP.if, OP.void, ...then, ...(otherwise ? [OP.else, ...otherwise] : []), OP.end];

/** One function of a module: named parameters and locals, exported under `name`. */
export interface WasmFunction {
  name: string;
  params: Record<string, ValType>;
  locals: Record<string, ValType>;
  results: ValType[];
  /** Builds the body; `at(name)` is the index of a parameter or local (throws for an unknown name). */
  body: (at: (local: string) => number) => number[];
}

/** Accessors for a function body: `get('p')`, `set('v')`, `tee('w')` by local name. */
export interface Locals {
  get: (n: string) => number[];
  set: (n: string) => number[];
  tee: (n: string) => number[];
}

export function locals(at: (local: string) => number): Locals {
  return {
    get: (n) => [OP.localGet, ...uleb(at(n))],
    set: (n) => [OP.localSet, ...uleb(at(n))],
    tee: (n) => [OP.localTee, ...uleb(at(n))],
  };
}

/** A module section: id, byte length, payload. */
export function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** A WebAssembly vector: count, then the items. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A WebAssembly name (ASCII): length, bytes. */
export function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/**
 * The bytes of a module importing one memory as `env.mem` and exporting every function of
 * `functions` under its name; function i has index i. Identical signatures share one type.
 */
export function wasmModule(functions: WasmFunction[]): Uint8Array {
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
  const bodies = functions.map((f) => {
    const names = [...Object.keys(f.params), ...Object.keys(f.locals)];
    const at = (local: string): number => {
      const i = names.indexOf(local);
      if (i < 0) throw new Error(`wasm function ${f.name}: no local named ${local}`);
      return i;
    };
    // one run-length entry per local, in declaration order
    const decl = vec(Object.values<ValType>(f.locals).map((t) => [1, t]));
    const body = [...decl, ...f.body(at), OP.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(typeOf.map((t) => uleb(t)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

// tsconfig's lib "ES2022" (no DOM) carries no WebAssembly types; this is the slice used here.
export interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
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
export function instantiate(module: object, memory: WasmMemory): Record<string, unknown> {
  return new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
}
