// The power / magnitude spectrogram kernel in WebAssembly SIMD: framing, window, real FFT and |.|^p
// of four frames at once, one frame per f32x4 lane. Every butterfly is the same for all frames, so
// the transform is plain scalar radix-2^2 code on 4-lane vectors with no shuffles, and |X[k]|^p of
// four consecutive frames is one vector: four consecutive columns of row k of the (bins x frames,
// row-major) output, stored as they are. Float32 arithmetic throughout (as torch.stft and PFFFT);
// the float64 fft.js path in ./fft stays the fallback and the reference in the tests.
// Internal: not part of the public API.
import {
  i32,
  instantiateOwn,
  op,
  v128,
  wasmModule,
  type Code,
  type ModuleOptions,
  type Scope,
  type WasmFunction,
  type WasmMemory,
  addLocal,
  whileNot,
} from '../wasm';
import { warnOnce } from '../errors';
import type { SparseBank } from './mel';
import type { ResolvedStft } from './options';

// ---- WebAssembly module (`npm run wat` writes its disassembly to test/fixtures/wasm/) ----

const load = (f: Scope, local: string, offset = 0): Code => [...f.get(local), ...op.v128_load({ offset })];
const mul = (a: Code, b: Code): Code => [...a, ...b, ...op.f32x4_mul];
const add = (a: Code, b: Code): Code => [...a, ...b, ...op.f32x4_add];
const sub = (a: Code, b: Code): Code => [...a, ...b, ...op.f32x4_sub];
/** Zeros at z + rev[m] for the pairs m from the one at `r` up to the rev entry at `end`. */
const zeroPairs = (f: Scope, end: Code): Code =>
  whileNot(
    [...f.get('r'), ...end, ...op.i32_ge_u],
    f.get('z'),
    f.get('r'),
    op.i32_load(),
    op.i32_add,
    f.tee('zp'),
    op.v128_const(new Array(16).fill(0)),
    op.v128_store(),
    f.get('zp'),
    op.v128_const(new Array(16).fill(0)),
    op.v128_store({ offset: 16 }),
    addLocal(f, 'r', op.i32_const(4)),
  );
/** (tr, ti) = (re + i im) (wr + i wi), through the locals cr, ci. */
const cmul = (f: Scope, re: Code, im: Code, wr: string, wi: string): Code => [
  ...re,
  ...f.set('cr'),
  ...im,
  ...f.set('ci'),
  ...sub(mul(f.get('cr'), f.get(wr)), mul(f.get('ci'), f.get(wi))),
  ...f.set('tr'),
  ...add(mul(f.get('cr'), f.get(wi)), mul(f.get('ci'), f.get(wr))),
  ...f.set('ti'),
];

/**
 * `power(z, win, rev, tw, spl, sig, hop, groups, blk, row, n, odd, lo, hi)` (`amplitude` with `sqrt`): for each
 * of `groups` groups of four frames (frame l of a group starts at `sig + l*hop`, byte addresses;
 * the next group at `sig + 4*hop`), |X[k]|^2 (|X[k]|) of every bin k = 0..n of the 2n-point real
 * DFT into the four floats at `blk + k*row` (the next group 16 bytes further on).
 *
 * The 2n real samples of a frame are read as n complex points x[2m] + i x[2m+1], each multiplied by
 * the window (`win`: per m the splatted window values of samples 2m and 2m+1, 32 bytes) and stored
 * at `z + rev[m]` (`rev`: i32 byte offsets, bit-reversed m times 32): `z` holds n complex vectors
 * (re, im: 32 bytes). Pairs outside [lo, hi) lie in the window's zero padding and are stored as
 * zeros. Then the log2(n) radix-2 decimation-in-time stages, two per sweep (radix-2^2), after a
 * first one alone when `odd` (log2(n) mod 2) is 1 (`tw`: the splatted e^{-2 pi i j/n}, j < n/2, as
 * (cos, -sin) pairs), then the split of the even/odd spectra into
 * the real spectrum (`spl`: cos and sin of 2 pi k / 2n, k <= n/2), as RealFft.forwardPower does.
 */
function powerFunction(sqrt: boolean): WasmFunction {
  const finish = (v: Code): Code => (sqrt ? [...v, ...op.f32x4_sqrt] : v);
  const gather = (f: Scope, offset: number): Code => [
    // the addresses of lanes 3, 2, 1 wait on the stack under the lane-0 load
    ...f.get('a3'),
    ...f.get('a2'),
    ...f.get('a1'),
    ...f.get('a'),
    ...op.v128_load32_zero({ offset }),
    ...op.v128_load32_lane(1, { offset }),
    ...op.v128_load32_lane(2, { offset }),
    ...op.v128_load32_lane(3, { offset }),
  ];
  return {
    name: sqrt ? 'amplitude' : 'power',
    params: {
      z: i32,
      win: i32,
      rev: i32,
      tw: i32,
      spl: i32,
      sig: i32,
      hop: i32,
      groups: i32,
      blk: i32,
      row: i32,
      n: i32,
      odd: i32,
      lo: i32,
      hi: i32,
    },
    locals: {
      a: i32,
      a1: i32,
      a2: i32,
      a3: i32,
      w: i32,
      r: i32,
      rend: i32,
      zp: i32,
      zend: i32,
      hb: i32,
      hb4: i32,
      tstep: i32,
      jb: i32,
      tp: i32,
      tq: i32,
      p: i32,
      q: i32,
      q2: i32,
      q3: i32,
      ok: i32,
      oj: i32,
      half: v128,
      wr: v128,
      wi: v128,
      vr: v128,
      vi: v128,
      xr: v128,
      xi: v128,
      cr: v128,
      ci: v128,
      ar: v128,
      ai: v128,
      br: v128,
      bi: v128,
      tr: v128,
      ti: v128,
      er: v128,
      ei: v128,
      or: v128,
      oi: v128,
      c: v128,
      s: v128,
      pr: v128,
      pi: v128,
    },
    results: [],
    body: (f) => [
      ...op.v128_const(Array.from(new Uint8Array(new Float32Array([0.5, 0.5, 0.5, 0.5]).buffer))),
      ...f.set('half'),
      ...f.get('z'),
      ...f.get('n'),
      ...op.i32_const(5),
      ...op.i32_shl,
      ...op.i32_add,
      ...f.set('zend'),
      ...f.get('rev'),
      ...f.get('n'),
      ...op.i32_const(2),
      ...op.i32_shl,
      ...op.i32_add,
      ...f.set('rend'),
      ...whileNot(
        [...f.get('groups'), ...op.i32_eqz],
        // framing: windowed, paired and bit-reversed into z; the pairs outside the window's span
        // [lo, hi) are zeros, stored without reading the signal
        f.get('rev'),
        f.set('r'),
        zeroPairs(f, [...f.get('rev'), ...f.get('lo'), ...op.i32_const(2), ...op.i32_shl, ...op.i32_add]),
        f.get('sig'),
        f.get('lo'),
        op.i32_const(3),
        op.i32_shl,
        op.i32_add,
        f.set('a'),
        f.get('win'),
        f.get('lo'),
        op.i32_const(5),
        op.i32_shl,
        op.i32_add,
        f.set('w'),
        whileNot(
          [
            ...f.get('r'),
            ...f.get('rev'),
            ...f.get('hi'),
            ...op.i32_const(2),
            ...op.i32_shl,
            ...op.i32_add,
            ...op.i32_ge_u,
          ],
          f.get('a'),
          f.get('hop'),
          op.i32_add,
          f.tee('a1'),
          f.get('hop'),
          op.i32_add,
          f.tee('a2'),
          f.get('hop'),
          op.i32_add,
          f.set('a3'),
          f.get('z'),
          f.get('r'),
          op.i32_load(),
          op.i32_add,
          f.tee('zp'),
          mul(gather(f, 0), load(f, 'w')),
          op.v128_store(),
          f.get('zp'),
          mul(gather(f, 4), load(f, 'w', 16)),
          op.v128_store({ offset: 16 }),
          addLocal(f, 'a', op.i32_const(8)),
          addLocal(f, 'w', op.i32_const(32)),
          addLocal(f, 'r', op.i32_const(4)),
        ),
        zeroPairs(f, f.get('rend')),
        // one radix-2 stage of trivial twiddles when log2(n) is odd, so radix-2^2 passes do the rest
        f.get('odd'),
        op.if([
          ...f.get('z'),
          ...f.set('p'),
          ...whileNot(
            [...f.get('p'), ...f.get('zend'), ...op.i32_ge_u],
            load(f, 'p'),
            f.set('ar'),
            load(f, 'p', 16),
            f.set('ai'),
            load(f, 'p', 32),
            f.set('br'),
            load(f, 'p', 48),
            f.set('bi'),
            f.get('p'),
            add(f.get('ar'), f.get('br')),
            op.v128_store(),
            f.get('p'),
            add(f.get('ai'), f.get('bi')),
            op.v128_store({ offset: 16 }),
            f.get('p'),
            sub(f.get('ar'), f.get('br')),
            op.v128_store({ offset: 32 }),
            f.get('p'),
            sub(f.get('ai'), f.get('bi')),
            op.v128_store({ offset: 48 }),
            addLocal(f, 'p', op.i32_const(64)),
          ),
        ]),
        // radix-2^2 passes: the radix-2 stages of half-spans h and 2h in one sweep over four points
        // p0..p3 (hb = 32h bytes apart). Stage h: a0,1 = x0 +- w1 x1, a2,3 = x2 +- w1 x3 with
        // w1 = e^{-2 pi i j / 2h} = tw[j n / 2h]; stage 2h: y0,2 = a0 +- w2 a2, y1,3 = a1 +- (-i) w2 a3
        // with w2 = e^{-2 pi i j / 4h} = tw[j n / 4h] (e^{-2 pi i (j + h) / 4h} = -i w2).
        op.i32_const(32),
        f.get('odd'),
        op.i32_shl,
        f.set('hb'),
        f.get('n'),
        op.i32_const(4),
        op.i32_shl,
        f.get('odd'),
        op.i32_shr_u,
        f.set('tstep'),
        whileNot(
          [
            ...f.get('hb'),
            ...op.i32_const(2),
            ...op.i32_shl,
            ...f.get('z'),
            ...op.i32_add,
            ...f.get('zend'),
            ...op.i32_gt_u,
          ],
          f.get('hb'),
          op.i32_const(2),
          op.i32_shl,
          f.set('hb4'),
          op.i32_const(0),
          f.set('jb'),
          f.get('tw'),
          f.set('tp'),
          f.get('tw'),
          f.set('tq'),
          whileNot(
            [...f.get('jb'), ...f.get('hb'), ...op.i32_ge_u],
            load(f, 'tp'),
            f.set('wr'),
            load(f, 'tp', 16),
            f.set('wi'),
            load(f, 'tq'),
            f.set('vr'),
            load(f, 'tq', 16),
            f.set('vi'),
            f.get('z'),
            f.get('jb'),
            op.i32_add,
            f.set('p'),
            whileNot(
              [...f.get('p'), ...f.get('zend'), ...op.i32_ge_u],
              f.get('p'),
              f.get('hb'),
              op.i32_add,
              f.tee('q'),
              f.get('hb'),
              op.i32_add,
              f.tee('q2'),
              f.get('hb'),
              op.i32_add,
              f.set('q3'),
              // t = w1 x1; a0 = x0 + t (ar, ai); a1 = x0 - t (br, bi)
              cmul(f, load(f, 'q'), load(f, 'q', 16), 'wr', 'wi'),
              load(f, 'p'),
              f.tee('xr'),
              f.get('tr'),
              op.f32x4_add,
              f.set('ar'),
              load(f, 'p', 16),
              f.tee('xi'),
              f.get('ti'),
              op.f32x4_add,
              f.set('ai'),
              sub(f.get('xr'), f.get('tr')),
              f.set('br'),
              sub(f.get('xi'), f.get('ti')),
              f.set('bi'),
              // t = w1 x3; a2 = x2 + t (er, ei); a3 = x2 - t (or, oi)
              cmul(f, load(f, 'q3'), load(f, 'q3', 16), 'wr', 'wi'),
              load(f, 'q2'),
              f.tee('xr'),
              f.get('tr'),
              op.f32x4_add,
              f.set('er'),
              load(f, 'q2', 16),
              f.tee('xi'),
              f.get('ti'),
              op.f32x4_add,
              f.set('ei'),
              sub(f.get('xr'), f.get('tr')),
              f.set('or'),
              sub(f.get('xi'), f.get('ti')),
              f.set('oi'),
              // t = w2 a2: y0 = a0 + t at p0, y2 = a0 - t at p2
              cmul(f, f.get('er'), f.get('ei'), 'vr', 'vi'),
              f.get('p'),
              add(f.get('ar'), f.get('tr')),
              op.v128_store(),
              f.get('p'),
              add(f.get('ai'), f.get('ti')),
              op.v128_store({ offset: 16 }),
              f.get('q2'),
              sub(f.get('ar'), f.get('tr')),
              op.v128_store(),
              f.get('q2'),
              sub(f.get('ai'), f.get('ti')),
              op.v128_store({ offset: 16 }),
              // t = w2 a3, -i t = (ti, -tr): y1 = a1 + (ti, -tr) at p1, y3 = a1 - (ti, -tr) at p3
              cmul(f, f.get('or'), f.get('oi'), 'vr', 'vi'),
              f.get('q'),
              add(f.get('br'), f.get('ti')),
              op.v128_store(),
              f.get('q'),
              sub(f.get('bi'), f.get('tr')),
              op.v128_store({ offset: 16 }),
              f.get('q3'),
              sub(f.get('br'), f.get('ti')),
              op.v128_store(),
              f.get('q3'),
              add(f.get('bi'), f.get('tr')),
              op.v128_store({ offset: 16 }),
              addLocal(f, 'p', f.get('hb4')),
            ),
            addLocal(f, 'jb', op.i32_const(32)),
            addLocal(f, 'tp', f.get('tstep')),
            f.get('tq'),
            f.get('tstep'),
            op.i32_const(1),
            op.i32_shr_u,
            op.i32_add,
            f.set('tq'),
          ),
          f.get('hb4'),
          f.set('hb'),
          f.get('tstep'),
          op.i32_const(2),
          op.i32_shr_u,
          f.set('tstep'),
        ),
        // split: DC and Nyquist from z[0], then bins k and n-k from z[k] and z[n-k]
        load(f, 'z'),
        f.set('ar'),
        load(f, 'z', 16),
        f.set('ai'),
        f.get('blk'),
        finish(mul(add(f.get('ar'), f.get('ai')), add(f.get('ar'), f.get('ai')))),
        op.v128_store(),
        f.get('blk'),
        f.get('n'),
        f.get('row'),
        op.i32_mul,
        op.i32_add,
        f.tee('oj'),
        finish(mul(sub(f.get('ar'), f.get('ai')), sub(f.get('ar'), f.get('ai')))),
        op.v128_store(),
        f.get('z'),
        op.i32_const(32),
        op.i32_add,
        f.set('p'),
        f.get('zend'),
        op.i32_const(32),
        op.i32_sub,
        f.set('q'),
        f.get('spl'),
        op.i32_const(32),
        op.i32_add,
        f.set('tp'),
        f.get('blk'),
        f.get('row'),
        op.i32_add,
        f.set('ok'),
        f.get('oj'),
        f.get('row'),
        op.i32_sub,
        f.set('oj'),
        whileNot(
          [...f.get('p'), ...f.get('q'), ...op.i32_gt_u],
          load(f, 'p'),
          f.set('ar'),
          load(f, 'p', 16),
          f.set('ai'),
          load(f, 'q'),
          f.set('br'),
          load(f, 'q', 16),
          f.set('bi'),
          mul(f.get('half'), add(f.get('ar'), f.get('br'))),
          f.set('er'),
          mul(f.get('half'), sub(f.get('ai'), f.get('bi'))),
          f.set('ei'),
          mul(f.get('half'), add(f.get('ai'), f.get('bi'))),
          f.set('or'),
          mul(f.get('half'), sub(f.get('br'), f.get('ar'))),
          f.set('oi'),
          load(f, 'tp'),
          f.set('c'),
          load(f, 'tp', 16),
          f.set('s'),
          add(mul(f.get('c'), f.get('or')), mul(f.get('s'), f.get('oi'))),
          f.set('pr'),
          sub(mul(f.get('c'), f.get('oi')), mul(f.get('s'), f.get('or'))),
          f.set('pi'),
          // X[k] = (er + pr, ei + pi), X[n-k] = (er - pr, pi - ei)
          add(f.get('er'), f.get('pr')),
          f.set('tr'),
          add(f.get('ei'), f.get('pi')),
          f.set('ti'),
          f.get('ok'),
          finish(add(mul(f.get('tr'), f.get('tr')), mul(f.get('ti'), f.get('ti')))),
          op.v128_store(),
          sub(f.get('er'), f.get('pr')),
          f.set('tr'),
          sub(f.get('pi'), f.get('ei')),
          f.set('ti'),
          f.get('oj'),
          finish(add(mul(f.get('tr'), f.get('tr')), mul(f.get('ti'), f.get('ti')))),
          op.v128_store(),
          addLocal(f, 'p', op.i32_const(32)),
          addLocal(f, 'q', op.i32_const(-32)),
          addLocal(f, 'tp', op.i32_const(32)),
          addLocal(f, 'ok', f.get('row')),
          f.get('oj'),
          f.get('row'),
          op.i32_sub,
          f.set('oj'),
        ),
        addLocal(f, 'sig', [...f.get('hop'), ...op.i32_const(2), ...op.i32_shl]),
        addLocal(f, 'blk', op.i32_const(16)),
        addLocal(f, 'groups', op.i32_const(-1)),
      ),
    ],
  };
}

/**
 * `project(blk, row, groups, bank, bands, out)`: a filterbank applied to `groups` groups of four
 * columns of the power block at `blk` (rows `row` bytes apart): band b of column group g, at
 * `out + b*row + 16g`, is the sum over j of w[j] * blk row s+j, in the order of j. `bank` holds
 * the `bands` bands one after another: i32 byte offset s*row of the first row, i32 count, 8 bytes
 * of padding, then the count weights splatted (16 bytes each).
 */
const projectFunction: WasmFunction = {
  name: 'project',
  params: { blk: i32, row: i32, groups: i32, bank: i32, bands: i32, out: i32 },
  locals: { g: i32, col: i32, first: i32, count: i32, w: i32, wend: i32, p: i32, acc: v128 },
  results: [],
  body: (f) =>
    whileNot(
      [...f.get('bands'), ...op.i32_eqz],
      f.get('bank'),
      op.i32_load(),
      f.get('blk'),
      op.i32_add,
      f.set('first'),
      f.get('bank'),
      op.i32_load({ offset: 4 }),
      f.set('count'),
      f.get('bank'),
      op.i32_const(16),
      op.i32_add,
      f.get('count'),
      op.i32_const(4),
      op.i32_shl,
      op.i32_add,
      f.set('wend'),
      f.get('groups'),
      f.set('g'),
      op.i32_const(0),
      f.set('col'),
      whileNot(
        [...f.get('g'), ...op.i32_eqz],
        op.v128_const(new Array(16).fill(0)),
        f.set('acc'),
        f.get('first'),
        f.get('col'),
        op.i32_add,
        f.set('p'),
        f.get('bank'),
        op.i32_const(16),
        op.i32_add,
        f.set('w'),
        whileNot(
          [...f.get('w'), ...f.get('wend'), ...op.i32_ge_u],
          add(f.get('acc'), mul(load(f, 'w'), load(f, 'p'))),
          f.set('acc'),
          addLocal(f, 'w', op.i32_const(16)),
          addLocal(f, 'p', f.get('row')),
        ),
        f.get('out'),
        f.get('col'),
        op.i32_add,
        f.get('acc'),
        op.v128_store(),
        addLocal(f, 'col', op.i32_const(16)),
        addLocal(f, 'g', op.i32_const(-1)),
      ),
      f.get('wend'),
      f.set('bank'),
      addLocal(f, 'out', f.get('row')),
      addLocal(f, 'bands', op.i32_const(-1)),
    ),
};

/** The bytes of the spectrogram module (exported for the disassembly test). */
export function powerModuleBytes(opts: Pick<ModuleOptions, 'names'> = {}): Uint8Array {
  return wasmModule([powerFunction(false), powerFunction(true), projectFunction], opts);
}

// ---- run time ----

type PowerKernel = (
  z: number,
  win: number,
  rev: number,
  tw: number,
  spl: number,
  sig: number,
  hop: number,
  groups: number,
  blk: number,
  row: number,
  n: number,
  odd: number,
  lo: number,
  hi: number,
) => void;

type ProjectKernel = (blk: number, row: number, groups: number, bank: number, bands: number, out: number) => void;

interface Runtime {
  memory: WasmMemory;
  power: PowerKernel;
  amplitude: PowerKernel;
  project: ProjectKernel;
  /** The plan whose tables the memory holds. */
  owner: SimdPower | null;
}

let runtime: Runtime | null | undefined;

/** The instantiated module over its own memory, or null when this runtime has no WebAssembly SIMD. */
function getRuntime(): Runtime | null {
  if (runtime !== undefined) return runtime;
  // same results within float32 rounding, only slower: warn, don't throw
  const own = instantiateOwn(powerModuleBytes, 1, (e) =>
    warnOnce(
      `specmorph spectral: WebAssembly SIMD spectrogram kernel unavailable (${e.message}); using the fft.js path`,
    ),
  );
  runtime = own && {
    memory: own.memory,
    power: own.fns.power as PowerKernel,
    amplitude: own.fns.amplitude as PowerKernel,
    project: own.fns.project as ProjectKernel,
    owner: null,
  };
  return runtime;
}

/** Bytes of the kernel's WebAssembly memory now (0 without WebAssembly SIMD); for the tests. */
export function kernelMemoryBytes(): number {
  return getRuntime()?.memory.buffer.byteLength ?? 0;
}

/** Largest FFT the kernel takes (its tables and one frame group stay a few MiB). */
const MAX_N_FFT = 1 << 16;

/**
 * |stft|^power of a run of frames through the SIMD kernel, or with a filterbank its projection
 * (mel, linear triangular): one plan per analysis configuration, holding the kernel's tables
 * (window, bit reversal, twiddles, filterbank) and its block layout.
 */
export class SimdPower {
  /** Complex points of the packed transform (nFft / 2). */
  private readonly n: number;
  private readonly bins: number;
  /** Frames per block (a multiple of 4): the block's signal and output stay in cache. */
  readonly blockFrames: number;
  /** Rows written to the output: bins, or the filterbank's bands. */
  private readonly outRows: number;
  private readonly tables: Uint8Array;
  private readonly bankBytes: Uint8Array;
  private readonly at: {
    win: number;
    rev: number;
    tw: number;
    spl: number;
    z: number;
    sig: number;
    blk: number;
    bank: number;
    proj: number;
    end: number;
  };
  private readonly offset: number;
  /** Samples between consecutive frames' copies in the kernel's signal buffer. */
  private readonly stride: number;
  private views: { heap: Float32Array; rows: Float32Array[] } | undefined;

  constructor(
    private readonly cfg: ResolvedStft,
    private readonly rt: Runtime,
    private readonly bank?: SparseBank,
  ) {
    const nFft = cfg.nFft;
    const n = nFft / 2;
    this.n = n;
    this.bins = n + 1;
    this.offset = cfg.center ? n : 0;
    // Frames overlap (hop <= nFft): the block's samples are copied once, frame l at l*hop. Frames
    // apart: only each frame's own samples, frame l at l*nFft, so the copy stays O(nFft) per frame.
    this.stride = Math.min(cfg.hopLength, nFft);
    // At most 128 frames, 512 KiB of output and 256 KiB of signal per block. Measured on W1 (nFft
    // 512): 128 frames ran ~15% faster than 256 (the block's rows stay in cache between the
    // kernel's stores and the copy out) and than 64 (twice the copy calls).
    this.blockFrames = Math.max(
      4,
      Math.min(128, Math.floor(2 ** 17 / this.bins), Math.floor(2 ** 16 / this.stride)) & ~3,
    );
    const sigBytes = 4 * ((this.blockFrames - 1) * this.stride + nFft);
    const win = 0;
    const rev = win + 32 * n;
    const tw = rev + 4 * n;
    const spl = tw + 16 * n;
    const z = spl + 32 * (n / 2 + 1);
    const sig = z + 32 * n;
    const blk = sig + 16 * Math.ceil(sigBytes / 16);
    const B = this.blockFrames;
    const bankAt = blk + 4 * this.bins * B;
    this.bankBytes = packBank(bank, 4 * B);
    const proj = bankAt + this.bankBytes.length;
    this.outRows = bank ? bank.rows : this.bins;
    this.at = { win, rev, tw, spl, z, sig, blk, bank: bankAt, proj, end: proj + (bank ? 4 * bank.rows * B : 0) };
    const tables = new ArrayBuffer(z);
    const f = new Float32Array(tables);
    const splat = (i: number, v: number): void => {
      f.fill(v, i >> 2, (i >> 2) + 4);
    };
    for (let m = 0; m < nFft; m++) splat(win + 16 * m, cfg.window[m]);
    const bits = Math.log2(n);
    const r = new Int32Array(tables, rev, n);
    for (let m = 0; m < n; m++) {
      let v = 0;
      for (let b = 0; b < bits; b++) v |= ((m >> b) & 1) << (bits - 1 - b);
      r[v] = 32 * m;
    }
    for (let j = 0; j < n / 2; j++) {
      splat(tw + 32 * j, Math.cos((2 * Math.PI * j) / n));
      splat(tw + 32 * j + 16, -Math.sin((2 * Math.PI * j) / n));
    }
    for (let k = 0; k <= n / 2; k++) {
      splat(spl + 32 * k, Math.cos((2 * Math.PI * k) / nFft));
      splat(spl + 32 * k + 16, Math.sin((2 * Math.PI * k) / nFft));
    }
    this.tables = new Uint8Array(tables);
  }

  /**
   * |X|^power of frames `t0 .. t0+count-1`, or with a filterbank its projection, into columns
   * `c0 ..` of `out` (bins or bands x cols, row-major); `x` holds the whole signal's samples from index `base`, the whole signal has `total` samples
   * (arguments as {@link FrameAnalyser.analysePower}).
   */
  columns(
    x: Float32Array,
    base: number,
    total: number,
    t0: number,
    count: number,
    power: 1 | 2,
    out: Float32Array,
    cols: number,
    c0: number,
  ): void {
    const { heap, rows } = this.claim();
    const at = this.at;
    const kernel = power === 2 ? this.rt.power : this.rt.amplitude;
    const { hopLength, nFft } = this.cfg;
    const B = this.blockFrames;
    for (let b = 0; b < count; b += B) {
      const nb = Math.min(B, count - b);
      const groups = Math.ceil(nb / 4);
      const s0 = (t0 + b) * hopLength - this.offset;
      if (this.stride === hopLength)
        this.fillSignal(heap, at.sig >> 2, x, base, total, s0, (4 * groups - 1) * hopLength + nFft);
      else
        for (let k = 0; k < 4 * groups; k++)
          this.fillSignal(heap, (at.sig >> 2) + k * nFft, x, base, total, s0 + k * hopLength, nFft);
      kernel(
        at.z,
        at.win,
        at.rev,
        at.tw,
        at.spl,
        at.sig,
        4 * this.stride,
        groups,
        at.blk,
        4 * B,
        this.n,
        Math.log2(this.n) & 1,
        this.cfg.winStart >> 1,
        (this.cfg.winEnd + 1) >> 1,
      );
      if (this.bank) this.rt.project(at.blk, 4 * B, groups, at.bank, this.bank.rows, at.proj);
      for (let r = 0; r < this.outRows; r++) out.set(nb === B ? rows[r] : rows[r].subarray(0, nb), r * cols + c0 + b);
    }
  }

  /**
   * Makes the shared memory this plan's: large enough, holding its tables (another plan may have
   * used it since), with views of the output block's rows. The views are made once per memory
   * buffer, not per block: a view per row per block was enough young garbage to make V8 scavenge
   * often, promoting the block-wise mel spectrogram's live blocks to the old generation, whose
   * garbage then piled up to twice the memory until a full collection.
   */
  private claim(): { heap: Float32Array; rows: Float32Array[] } {
    const { memory } = this.rt;
    const need = this.at.end - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    if (this.rt.owner !== this || this.views?.heap.buffer !== memory.buffer) {
      new Uint8Array(memory.buffer).set(this.tables);
      new Uint8Array(memory.buffer).set(this.bankBytes, this.at.bank);
      this.rt.owner = this;
    }
    if (this.views?.heap.buffer !== memory.buffer) {
      const heap = new Float32Array(memory.buffer);
      const B = this.blockFrames;
      const first = (this.bank ? this.at.proj : this.at.blk) >> 2;
      this.views = {
        heap,
        rows: Array.from({ length: this.outRows }, (_, r) => heap.subarray(first + r * B, first + (r + 1) * B)),
      };
    }
    return this.views;
  }

  /**
   * Whole-signal samples `s0 .. s0+len-1` into `h[at ..]`: the padded signal as the frames see it
   * (zeros or numpy 'reflect' outside the signal). Samples outside the slice `x` are only read by the
   * window's zero span or by the frames that round the last group up to four; they become 0.
   */
  private fillSignal(
    h: Float32Array,
    at: number,
    x: Float32Array,
    base: number,
    total: number,
    s0: number,
    len: number,
  ): void {
    const lo = Math.min(Math.max(s0, base), s0 + len);
    const hi = Math.max(Math.min(s0 + len, base + x.length), lo);
    h.set(x.subarray(lo - base, hi - base), at + lo - s0);
    const reflect = this.cfg.padMode === 'reflect';
    const period = 2 * (total - 1);
    const edge = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        let k = i;
        if (k < 0 || k >= total) {
          if (!reflect) k = -1;
          else if (period === 0) k = 0;
          else {
            // numpy 'reflect' (repeated mirroring when the pad is longer than the signal)
            k = ((k % period) + period) % period;
            if (k >= total) k = period - k;
          }
        }
        h[at + i - s0] = k >= base && k < base + x.length ? x[k - base] : 0;
      }
    };
    edge(s0, lo);
    edge(hi, s0 + len);
  }
}

/** A filterbank as the `project` kernel reads it (see projectFunction); rows are `row` bytes apart. */
function packBank(bank: SparseBank | undefined, row: number): Uint8Array {
  if (!bank) return new Uint8Array(0);
  const bytes = bank.weights.reduce((sum, w) => sum + 16 + 16 * w.length, 0);
  const buf = new ArrayBuffer(bytes);
  const ints = new Int32Array(buf);
  const floats = new Float32Array(buf);
  let at = 0;
  for (let m = 0; m < bank.rows; m++) {
    const w = bank.weights[m];
    ints[at] = bank.start[m] * row;
    ints[at + 1] = w.length;
    for (let j = 0; j < w.length; j++) floats.fill(w[j], at + 4 + 4 * j, at + 8 + 4 * j);
    at += 4 + 4 * w.length;
  }
  return new Uint8Array(buf);
}

/**
 * The SIMD plan for `cfg` (with `bank`, writing the filterbank's bands instead of the bins), or null
 * when the kernel does not apply (nFft not a power of two in 16 .. 65536) or WebAssembly SIMD is
 * unavailable; callers then take the fft.js path.
 */
export function simdPower(cfg: ResolvedStft, bank?: SparseBank): SimdPower | null {
  const { nFft } = cfg;
  if (nFft < 16 || nFft > MAX_N_FFT || (nFft & (nFft - 1)) !== 0) return null;
  const rt = getRuntime();
  return rt && new SimdPower(cfg, rt, bank);
}
