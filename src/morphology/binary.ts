import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter } from './extremumFilter';
import { assertFootprint, reflectedChords, type Footprint } from './footprint';
import { BORDER_OPTIONS, resolveBorder } from './internal';
import type { BorderOptions } from './options';

/**
 * A binary image: rows x cols, row-major, `data[r * cols + c]` is 1 (foreground) or 0. The one
 * mask type of specmorph: `threshold` makes it, the `binary*` operators take and return it.
 */
export interface BinaryMask {
  readonly rows: number;
  readonly cols: number;
  readonly data: Uint8Array;
}

function toFloat(m: BinaryMask, name: string): Float32Array {
  assert(
    m !== null && typeof m === 'object' && m.data instanceof Uint8Array,
    () => `${name} must be a BinaryMask {rows, cols, data: Uint8Array}`,
  );
  assert(
    Number.isInteger(m.rows) &&
      m.rows > 0 &&
      Number.isInteger(m.cols) &&
      m.cols > 0 &&
      m.data.length === m.rows * m.cols,
    () => `${name} is ${m.rows}x${m.cols} but ${name}.data.length=${m.data.length}`,
  );
  const f = new Float32Array(m.data.length);
  for (let i = 0; i < f.length; i++) {
    const v = m.data[i];
    assert(v <= 1, () => `${name}.data[${i}]=${v} must be 0 or 1`);
    f[i] = v;
  }
  return f;
}

function toMask(rows: number, cols: number, f: Float32Array): BinaryMask {
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = f[i] > 0 ? 1 : 0;
  return { rows, cols, data };
}

function run(m: BinaryMask, fp: Footprint, steps: boolean[], opts: BorderOptions, where: string): BinaryMask {
  checkOptionNames(opts, BORDER_OPTIONS, where);
  assertFootprint(fp);
  let f = toFloat(m, 'mask');
  const border = resolveBorder(opts.border);
  for (const isErosion of steps) {
    const out = new Float32Array(f.length);
    extremumFilter(f, m.rows, m.cols, isErosion ? fp.chords : reflectedChords(fp), !isErosion, border, out);
    f = out;
  }
  return toMask(m.rows, m.cols, f);
}

/**
 * Binary erosion: a pixel stays 1 when every footprint offset p + b is 1. With the default
 * `border: 'ignore'` pixels beyond the edge do not count (scikit-image `binary_erosion`, i.e.
 * scipy `border_value=1`); `{constant: 0}` erodes from the edge (scipy's default).
 */
export function binaryErode(m: BinaryMask, fp: Footprint, opts: BorderOptions = {}): BinaryMask {
  return run(m, fp, [true], opts, 'binaryErode');
}

/** Binary dilation: 1 where some p - b is 1 (reflected footprint, as scipy / scikit-image `binary_dilation`). */
export function binaryDilate(m: BinaryMask, fp: Footprint, opts: BorderOptions = {}): BinaryMask {
  return run(m, fp, [false], opts, 'binaryDilate');
}

/** Binary opening `binaryDilate(binaryErode(m))`: removes foreground specks the footprint does not fit in. */
export function binaryOpening(m: BinaryMask, fp: Footprint, opts: BorderOptions = {}): BinaryMask {
  return run(m, fp, [true, false], opts, 'binaryOpening');
}

/** Binary closing `binaryErode(binaryDilate(m))`: fills background gaps the footprint does not fit in. */
export function binaryClosing(m: BinaryMask, fp: Footprint, opts: BorderOptions = {}): BinaryMask {
  return run(m, fp, [false, true], opts, 'binaryClosing');
}

/** The mask as a 0/1 float Grid (for plotting or arithmetic), shaped and with metadata like `like` when given. */
export function maskToGrid<G extends Grid>(m: BinaryMask, like?: G): G {
  const data = toFloat(m, 'mask');
  if (like) {
    assert(
      like.rows === m.rows && like.cols === m.cols,
      () => `like is ${like.rows}x${like.cols} but mask is ${m.rows}x${m.cols}`,
    );
    return withData(like, data);
  }
  return { rows: m.rows, cols: m.cols, data } as unknown as G;
}

/** Options of {@link applyMask}. */
export interface ApplyMaskOptions {
  /**
   * Value given to pixels where the mask is 0.
   * @default the minimum of `g` (for dB spectrograms: the floor, so the result still plots well)
   */
  fill?: number;
}

const APPLY_MASK_OPTIONS: OptionNames<ApplyMaskOptions> = { fill: true };

/**
 * Keeps `g` where the mask is 1 and sets the rest to `fill`: e.g. harmonics kept, noise floored.
 * rows x cols in and out; Spectrogram metadata kept.
 */
export function applyMask<G extends Grid>(g: G, m: BinaryMask, opts: ApplyMaskOptions = {}): G {
  checkGrid(g, 'grid');
  assert(
    g.rows === m.rows && g.cols === m.cols && m.data instanceof Uint8Array,
    () => `mask must be a ${g.rows}x${g.cols} BinaryMask like grid, got ${m.rows}x${m.cols}`,
  );
  checkOptionNames(opts, APPLY_MASK_OPTIONS, 'applyMask');
  let fill = opts.fill;
  assert(
    fill === undefined || (typeof fill === 'number' && !Number.isNaN(fill)),
    () => `fill=${formatValue(fill)} must be a number (not NaN)`,
  );
  if (fill === undefined) {
    fill = Infinity;
    for (let i = 0; i < g.data.length; i++) if (g.data[i] < fill) fill = g.data[i];
  }
  const out = new Float32Array(g.data.length);
  for (let i = 0; i < out.length; i++) out[i] = m.data[i] ? g.data[i] : fill;
  return withData(g, out);
}
