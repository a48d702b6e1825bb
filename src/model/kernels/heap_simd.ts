// WebAssembly SIMD passes that run on the tfjs wasm backend's own memory: the module imports the
// backend's WebAssembly.Memory, so kernels pass tensors' heap offsets and nothing is copied. Emitted
// byte by byte (src/wasm.ts), as the other kernels' modules.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  addLocal,
  compile,
  i32,
  instantiate,
  op,
  v128,
  wasmModule,
  type Code,
  type ModuleOptions,
  type Scope,
  type WasmFunction,
  type WasmMemory,
  whileNot,
} from '../../wasm';

const load = (offset = 0): Code => op.v128_load({ align: 1, offset });
const store = (offset = 0): Code => op.v128_store({ align: 1, offset });
const ZERO = op.v128_const(new Array<number>(16).fill(0));

/**
 * One register tile of {@link dwRowFunction}: channels c0..c0+ci-1 of x against 4*cv output
 * channels o0.. of dy, summed over the `count` positions in registers, then added to dw.
 */
function dwTile(f: Scope, ci: number, cv: number): Code {
  const acc = (r: number, k: number) => `a${r}${k}`;
  const body: number[] = [];
  for (let k = 0; k < cv; k++) body.push(...f.get('dp'), ...load(16 * k), ...f.set(`d${k}`));
  for (let r = 0; r < ci; r++) {
    body.push(...f.get('xp'), ...op.v128_load32_splat({ offset: 4 * r }), ...f.set('s'));
    for (let k = 0; k < cv; k++)
      body.push(
        ...f.get(acc(r, k)),
        ...f.get('s'),
        ...f.get(`d${k}`),
        ...op.f32x4_mul,
        ...op.f32x4_add,
        ...f.set(acc(r, k)),
      );
  }
  body.push(
    ...addLocal(f, 'xp', f.get('xStep')),
    ...addLocal(f, 'dp', f.get('coB')),
    ...f.get('q'),
    ...op.i32_const(1),
    ...op.i32_sub,
    ...f.set('q'),
  );
  const out: number[] = [];
  for (let r = 0; r < ci; r++) for (let k = 0; k < cv; k++) out.push(...ZERO, ...f.set(acc(r, k)));
  out.push(
    // xp = x + c0*4, dp = dy + o0*4, q = count
    ...f.get('x'),
    ...f.get('c0'),
    ...op.i32_const(2),
    ...op.i32_shl,
    ...op.i32_add,
    ...f.set('xp'),
    ...f.get('dy'),
    ...f.get('o0'),
    ...op.i32_const(2),
    ...op.i32_shl,
    ...op.i32_add,
    ...f.set('dp'),
    ...f.get('count'),
    ...f.set('q'),
    ...whileNot([...f.get('q'), ...op.i32_eqz], body),
  );
  for (let r = 0; r < ci; r++) {
    // wp = dw + ((c0 + r) * co + o0) * 4
    out.push(
      ...f.get('c0'),
      ...op.i32_const(r),
      ...op.i32_add,
      ...f.get('co'),
      ...op.i32_mul,
      ...f.get('o0'),
      ...op.i32_add,
      ...op.i32_const(2),
      ...op.i32_shl,
      ...f.get('dw'),
      ...op.i32_add,
      ...f.set('wp'),
    );
    for (let k = 0; k < cv; k++)
      out.push(...f.get('wp'), ...f.get('wp'), ...load(16 * k), ...f.get(acc(r, k)), ...op.f32x4_add, ...store(16 * k));
  }
  return out;
}

/**
 * For input channels c0..c0+ci-1, output channels in tiles of 4*widths[0] while they last, then at
 * most one tile of each narrower width (widths halve down to 1 vector).
 */
function dwChannelRow(f: Scope, ci: number, widths: number[]): Code {
  const [w0, ...rest] = widths;
  return [
    ...op.i32_const(0),
    ...f.set('o0'),
    ...whileNot(
      [...f.get('o0'), ...op.i32_const(4 * w0), ...op.i32_add, ...f.get('co'), ...op.i32_gt_u],
      [...dwTile(f, ci, w0), ...addLocal(f, 'o0', op.i32_const(4 * w0))],
    ),
    ...rest.flatMap((w) => [
      ...f.get('o0'),
      ...op.i32_const(4 * w),
      ...op.i32_add,
      ...f.get('co'),
      ...op.i32_le_u,
      ...op.if([...dwTile(f, ci, w), ...addLocal(f, 'o0', op.i32_const(4 * w))]),
    ]),
  ];
}

/**
 * `dwRow(x, xStep, dy, count, dw, ci, co)`: the filter gradient of one tap over one run of output
 * positions, dw[c, o] += sum over q < count of x[q*xStep + c] * dy[q*co + o] (x, dy, dw byte
 * addresses, xStep in bytes; dw is ci x co, co a multiple of 4). Input channels in tiles of 4
 * (by 8 output channels: 8 accumulators) then single ones (by 16 output channels, so that four
 * independent accumulators hide the add latency); each tile sums its run in registers (from zero)
 * before adding it to dw.
 */
const dwRowFunction: WasmFunction = {
  name: 'dwRow',
  params: { x: i32, xStep: i32, dy: i32, count: i32, dw: i32, ci: i32, co: i32 },
  locals: {
    c0: i32,
    o0: i32,
    q: i32,
    xp: i32,
    dp: i32,
    wp: i32,
    coB: i32,
    s: v128,
    d0: v128,
    d1: v128,
    d2: v128,
    d3: v128,
    ...Object.fromEntries([0, 1, 2, 3].flatMap((r) => [0, 1].map((k) => [`a${r}${k}`, v128] as const))),
    a02: v128,
    a03: v128,
  },
  results: [],
  body: (f) => [
    ...f.get('co'),
    ...op.i32_const(2),
    ...op.i32_shl,
    ...f.set('coB'),
    ...op.i32_const(0),
    ...f.set('c0'),
    ...whileNot(
      [...f.get('c0'), ...op.i32_const(4), ...op.i32_add, ...f.get('ci'), ...op.i32_gt_u],
      [...dwChannelRow(f, 4, [2, 1]), ...addLocal(f, 'c0', op.i32_const(4))],
    ),
    ...whileNot(
      [...f.get('c0'), ...f.get('ci'), ...op.i32_ge_u],
      [...dwChannelRow(f, 1, [4, 2, 1]), ...addLocal(f, 'c0', op.i32_const(1))],
    ),
  ],
};

/**
 * `poolGrad(x, dx, dy, rows, cols, rowStride, c, count, step)`: the max-pool gradient of `count`
 * windows of one output row, every channel (c a multiple of 4): x and dx at the first window's
 * first (clipped) position, each window rows x cols of positions (c floats each, rows rowStride
 * bytes apart), the next window `step` bytes on; dy at the first window's c gradients. Per lane
 * the maximum over the window by strict `>` from -Infinity, then dy goes to the first position
 * equal to it: the first strictly greater value in row-major order, as tfjs's cpu backend routes
 * (no route when nothing exceeds -Infinity, e.g. all NaN).
 */
const poolGradFunction: WasmFunction = {
  name: 'poolGrad',
  params: { x: i32, dx: i32, dy: i32, rows: i32, cols: i32, rowStride: i32, c: i32, count: i32, step: i32 },
  locals: { k: i32, r: i32, j: i32, p: i32, best: v128, v: v128, open: v128, m: v128 },
  results: [],
  body: (f) => {
    /** Over the window's positions of channel block k: `p` the byte offset from x (and dx). */
    const window = (inner: Code): Code => [
      ...op.i32_const(0),
      ...f.set('r'),
      ...whileNot(
        [...f.get('r'), ...f.get('rows'), ...op.i32_ge_u],
        [
          ...op.i32_const(0),
          ...f.set('j'),
          ...whileNot(
            [...f.get('j'), ...f.get('cols'), ...op.i32_ge_u],
            [
              // p = r * rowStride + j * c * 4 + k
              ...f.get('r'),
              ...f.get('rowStride'),
              ...op.i32_mul,
              ...f.get('j'),
              ...f.get('c'),
              ...op.i32_mul,
              ...op.i32_const(2),
              ...op.i32_shl,
              ...op.i32_add,
              ...f.get('k'),
              ...op.i32_add,
              ...f.set('p'),
              ...inner,
              ...addLocal(f, 'j', op.i32_const(1)),
            ],
          ),
          ...addLocal(f, 'r', op.i32_const(1)),
        ],
      ),
    ];
    const negInf = op.v128_const([0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0xff]);
    const oneWindow: Code = [
      ...op.i32_const(0),
      ...f.set('k'),
      ...whileNot(
        [...f.get('k'), ...f.get('c'), ...op.i32_const(2), ...op.i32_shl, ...op.i32_ge_u],
        [
          ...negInf,
          ...f.set('best'),
          ...window([
            ...f.get('x'),
            ...f.get('p'),
            ...op.i32_add,
            ...load(),
            ...f.tee('v'),
            ...f.get('best'),
            ...f.get('v'),
            ...f.get('best'),
            ...op.f32x4_gt,
            ...op.v128_bitselect,
            ...f.set('best'),
          ]),
          // Lanes still to route: those whose maximum exceeds -Infinity.
          ...f.get('best'),
          ...negInf,
          ...op.f32x4_gt,
          ...f.set('open'),
          ...window([
            ...f.get('x'),
            ...f.get('p'),
            ...op.i32_add,
            ...load(),
            ...f.get('best'),
            ...op.f32x4_eq,
            ...f.get('open'),
            ...op.v128_and,
            ...f.set('m'),
            ...f.get('dx'),
            ...f.get('p'),
            ...op.i32_add,
            ...f.get('dx'),
            ...f.get('p'),
            ...op.i32_add,
            ...load(),
            ...f.get('dy'),
            ...f.get('k'),
            ...op.i32_add,
            ...load(),
            ...f.get('m'),
            ...op.v128_and,
            ...op.f32x4_add,
            ...store(),
            ...f.get('open'),
            ...f.get('m'),
            ...op.v128_andnot,
            ...f.set('open'),
          ]),
          ...addLocal(f, 'k', op.i32_const(16)),
        ],
      ),
    ];
    return whileNot(
      [...f.get('count'), ...op.i32_eqz],
      [
        ...oneWindow,
        ...addLocal(f, 'x', f.get('step')),
        ...addLocal(f, 'dx', f.get('step')),
        ...addLocal(f, 'dy', [...f.get('c'), ...op.i32_const(2), ...op.i32_shl]),
        ...f.get('count'),
        ...op.i32_const(1),
        ...op.i32_sub,
        ...f.set('count'),
      ],
    );
  },
};

/**
 * `rows` times `body`, then every pointer local of `advance` moves on by `stride` bytes: a walk
 * down one 4-channel column of a [rows, c] (channels-last) block.
 */
const columnLoop = (f: Scope, advance: string[], body: Code): Code =>
  whileNot(
    [...f.get('rows'), ...op.i32_eqz],
    [
      ...body,
      ...advance.flatMap((p) => addLocal(f, p, f.get('stride'))),
      ...f.get('rows'),
      ...op.i32_const(1),
      ...op.i32_sub,
      ...f.set('rows'),
    ],
  );

/** The f64x2 of lanes 0, 1 (`high` false) or 2, 3 of the f32x4 in local `v`. */
const widen = (f: Scope, v: string, high: boolean): Code => [
  ...f.get(v),
  ...(high ? [...f.get(v), ...op.i8x16_shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])] : []),
  ...op.f64x2_promote_low_f32x4,
];

/** `acc[0..1] += s0, acc[2..3] += s1` (f64 at the byte address in local `acc`, from `offset`). */
const addF64 = (f: Scope, sums: string[], offset = 0): Code =>
  sums.flatMap((s, i) => [
    ...f.get('acc'),
    ...f.get('acc'),
    ...load(offset + 16 * i),
    ...f.get(s),
    ...op.f64x2_add,
    ...store(offset + 16 * i),
  ]);

/**
 * Batch-norm statistics of one 4-channel column of `rows` rows (`stride` bytes apart) of x, in
 * float64: `bnSum(x, rows, stride, acc)` adds the column sums to the 4 f64 at acc;
 * `bnSqDev(x, rows, stride, mean, acc)` adds the sums of (x - mean)^2 (mean: 4 f64).
 */
const bnSumFunction: WasmFunction = {
  name: 'bnSum',
  params: { x: i32, rows: i32, stride: i32, acc: i32 },
  locals: { v: v128, s0: v128, s1: v128 },
  results: [],
  body: (f) => [
    ...ZERO,
    ...f.set('s0'),
    ...ZERO,
    ...f.set('s1'),
    ...columnLoop(
      f,
      ['x'],
      [
        ...f.get('x'),
        ...load(),
        ...f.set('v'),
        ...f.get('s0'),
        ...widen(f, 'v', false),
        ...op.f64x2_add,
        ...f.set('s0'),
        ...f.get('s1'),
        ...widen(f, 'v', true),
        ...op.f64x2_add,
        ...f.set('s1'),
      ],
    ),
    ...addF64(f, ['s0', 's1']),
  ],
};

const bnSqDevFunction: WasmFunction = {
  name: 'bnSqDev',
  params: { x: i32, rows: i32, stride: i32, mean: i32, acc: i32 },
  locals: { v: v128, d: v128, m0: v128, m1: v128, s0: v128, s1: v128 },
  results: [],
  body: (f) => {
    const half = (s: string, m: string, high: boolean): Code => [
      ...widen(f, 'v', high),
      ...f.get(m),
      ...op.f64x2_sub,
      ...f.tee('d'),
      ...f.get('d'),
      ...op.f64x2_mul,
      ...f.get(s),
      ...op.f64x2_add,
      ...f.set(s),
    ];
    return [
      ...f.get('mean'),
      ...load(),
      ...f.set('m0'),
      ...f.get('mean'),
      ...load(16),
      ...f.set('m1'),
      ...ZERO,
      ...f.set('s0'),
      ...ZERO,
      ...f.set('s1'),
      ...columnLoop(
        f,
        ['x'],
        [...f.get('x'), ...load(), ...f.set('v'), ...half('s0', 'm0', false), ...half('s1', 'm1', true)],
      ),
      ...addF64(f, ['s0', 's1']),
    ];
  },
};

/**
 * `bnAffine(x, y, rows, stride, p)`: one 4-channel column, y = (x - m) * a + b in float32 with m,
 * a, b the f32x4 at p, p + 16, p + 32 (x and y laid out alike).
 */
const bnAffineFunction: WasmFunction = {
  name: 'bnAffine',
  params: { x: i32, y: i32, rows: i32, stride: i32, p: i32 },
  locals: { m: v128, a: v128, b: v128 },
  results: [],
  body: (f) => [
    ...f.get('p'),
    ...load(),
    ...f.set('m'),
    ...f.get('p'),
    ...load(16),
    ...f.set('a'),
    ...f.get('p'),
    ...load(32),
    ...f.set('b'),
    ...columnLoop(
      f,
      ['x', 'y'],
      [
        ...f.get('y'),
        ...f.get('x'),
        ...load(),
        ...f.get('m'),
        ...op.f32x4_sub,
        ...f.get('a'),
        ...op.f32x4_mul,
        ...f.get('b'),
        ...op.f32x4_add,
        ...store(),
      ],
    ),
  ],
};

/**
 * `bnGradSums(dy, x, rows, stride, mean, acc)`: one 4-channel column, in float64, adds the sums of
 * dy to acc[0..3] and of dy * (x - mean) to acc[4..7] (mean: 4 f64; dy and x laid out alike).
 */
const bnGradSumsFunction: WasmFunction = {
  name: 'bnGradSums',
  params: { dy: i32, x: i32, rows: i32, stride: i32, mean: i32, acc: i32 },
  locals: { v: v128, g: v128, gw: v128, m0: v128, m1: v128, s0: v128, s1: v128, t0: v128, t1: v128 },
  results: [],
  body: (f) => {
    const half = (s: string, t: string, m: string, high: boolean): Code => [
      ...widen(f, 'g', high),
      ...f.tee('gw'),
      ...f.get(s),
      ...op.f64x2_add,
      ...f.set(s),
      ...widen(f, 'v', high),
      ...f.get(m),
      ...op.f64x2_sub,
      ...f.get('gw'),
      ...op.f64x2_mul,
      ...f.get(t),
      ...op.f64x2_add,
      ...f.set(t),
    ];
    return [
      ...f.get('mean'),
      ...load(),
      ...f.set('m0'),
      ...f.get('mean'),
      ...load(16),
      ...f.set('m1'),
      ...['s0', 's1', 't0', 't1'].flatMap((s) => [...ZERO, ...f.set(s)]),
      ...columnLoop(
        f,
        ['dy', 'x'],
        [
          ...f.get('dy'),
          ...load(),
          ...f.set('g'),
          ...f.get('x'),
          ...load(),
          ...f.set('v'),
          ...half('s0', 't0', 'm0', false),
          ...half('s1', 't1', 'm1', true),
        ],
      ),
      ...addF64(f, ['s0', 's1', 't0', 't1']),
    ];
  },
};

/**
 * `bnGradDx(dy, x, dx, rows, stride, p)`: one 4-channel column, dx = a * dy + b * (x - m) + d in
 * float32 with m, a, b, d the f32x4 at p, p + 16, p + 32, p + 48.
 */
const bnGradDxFunction: WasmFunction = {
  name: 'bnGradDx',
  params: { dy: i32, x: i32, dx: i32, rows: i32, stride: i32, p: i32 },
  locals: { m: v128, a: v128, b: v128, d: v128 },
  results: [],
  body: (f) => [
    ...(['m', 'a', 'b', 'd'] as const).flatMap((l, i) => [...f.get('p'), ...load(16 * i), ...f.set(l)]),
    ...columnLoop(
      f,
      ['dy', 'x', 'dx'],
      [
        ...f.get('dx'),
        ...f.get('dy'),
        ...load(),
        ...f.get('a'),
        ...op.f32x4_mul,
        ...f.get('x'),
        ...load(),
        ...f.get('m'),
        ...op.f32x4_sub,
        ...f.get('b'),
        ...op.f32x4_mul,
        ...op.f32x4_add,
        ...f.get('d'),
        ...op.f32x4_add,
        ...store(),
      ],
    ),
  ],
};

/** The module's bytes: the unshared-memory variant unless `sharedMemory`. */
export function heapModuleBytes(opts: ModuleOptions = {}): Uint8Array {
  return wasmModule(
    [
      dwRowFunction,
      poolGradFunction,
      bnSumFunction,
      bnSqDevFunction,
      bnAffineFunction,
      bnGradSumsFunction,
      bnGradDxFunction,
    ],
    opts,
  );
}

export interface HeapKernels {
  dwRow(x: number, xStep: number, dy: number, count: number, dw: number, ci: number, co: number): void;
  poolGrad(
    x: number,
    dx: number,
    dy: number,
    rows: number,
    cols: number,
    rowStride: number,
    c: number,
    count: number,
    step: number,
  ): void;
  bnSum(x: number, rows: number, stride: number, acc: number): void;
  bnSqDev(x: number, rows: number, stride: number, mean: number, acc: number): void;
  bnAffine(x: number, y: number, rows: number, stride: number, p: number): void;
  bnGradSums(dy: number, x: number, rows: number, stride: number, mean: number, acc: number): void;
  bnGradDx(dy: number, x: number, dx: number, rows: number, stride: number, p: number): void;
}

type EmscriptenModule = { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };

const compiled = new Map<boolean, object>();
const instances = new WeakMap<WasmMemory, HeapKernels>();

/** The passes instantiated on `backend`'s memory (once per memory). */
export function heapKernels(backend: BackendWasm): HeapKernels {
  const m = backend.wasm as unknown as EmscriptenModule;
  const memory = m.wasmMemory ?? m.asm?.memory;
  if (!memory) throw new Error('tfjs wasm backend: its WebAssembly.Memory is not reachable');
  let k = instances.get(memory);
  if (!k) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    let c = compiled.get(shared);
    if (!c) {
      try {
        c = compile(heapModuleBytes({ sharedMemory: shared }));
      } catch (e) {
        throw new Error(
          `specmorph's wasm training kernels need WebAssembly SIMD, which this runtime lacks ` +
            `(${e instanceof Error ? e.message : String(e)}); use backend 'cpu'`,
        );
      }
      compiled.set(shared, c);
    }
    k = instantiate(c, memory) as unknown as HeapKernels;
    instances.set(memory, k);
  }
  return k;
}
