import { assert, formatValue } from '../errors';
import type { TypedArraySpec } from './types';

/**
 * Encodes float32 values as Plotly's typed-array spec `{dtype: 'f4', bdata, shape}`.
 * `shape` is `[rows, cols]` for a 2-D row-major array (Plotly reads `z[r][c]`), omitted for 1-D.
 * Notes: bytes are little-endian, which is what plotly.js assumes (it wraps the decoded buffer in a
 * Float32Array on the browser's native, in practice little-endian, byte order).
 */
export function encodeF4(values: Float32Array, shape?: [number, number]): TypedArraySpec {
  if (shape) {
    assert(
      shape[0] * shape[1] === values.length,
      () => `shape=${shape.join('x')} must hold values.length=${values.length}`,
    );
  }
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const le = new Float32Array(values.length);
  if (!isLittleEndian()) {
    const dv = new DataView(le.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  }
  const out: TypedArraySpec = {
    dtype: 'f4',
    bdata: (isLittleEndian() ? bytes : Buffer.from(le.buffer)).toString('base64'),
  };
  if (shape) out.shape = `${shape[0]},${shape[1]}`;
  return out;
}

/** Same as {@link encodeF4} for float64 (Plotly `dtype: 'f8'`), used for coordinates that need it. */
export function encodeF8(values: Float64Array): TypedArraySpec {
  const dv = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => dv.setFloat64(i * 8, v, true));
  return { dtype: 'f8', bdata: Buffer.from(dv.buffer).toString('base64') };
}

/**
 * Decodes a typed-array spec (f4, f8, i4 or u1) to a flat Float64Array plus its shape, as plotly.js
 * would read it; for tests and for the PNG renderer.
 */
export function decodeTypedArray(spec: TypedArraySpec): { values: Float64Array; shape: number[] } {
  const bytes = Buffer.from(spec.bdata, 'base64');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = { f4: 4, f8: 8, i4: 4, u1: 1 }[spec.dtype];
  assert(size !== undefined, () => `dtype=${formatValue(spec.dtype)} must be one of f4, f8, i4, u1`);
  const n = bytes.byteLength / size;
  assert(
    Number.isInteger(n),
    () => `bdata has ${bytes.byteLength} bytes, not a multiple of ${size} (dtype=${spec.dtype})`,
  );
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] =
      spec.dtype === 'f4'
        ? dv.getFloat32(i * 4, true)
        : spec.dtype === 'f8'
          ? dv.getFloat64(i * 8, true)
          : spec.dtype === 'i4'
            ? dv.getInt32(i * 4, true)
            : dv.getUint8(i);
  }
  const shape = spec.shape === undefined ? [n] : String(spec.shape).split(',').map(Number);
  assert(shape.reduce((a, b) => a * b, 1) === n, () => `shape=${spec.shape} does not match ${n} values`);
  return { values, shape };
}

/** True for typed-array specs (`{dtype, bdata}`), as plotly.js's `isTypedArraySpec`. */
export function isTypedArraySpec(v: unknown): v is TypedArraySpec {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as TypedArraySpec).dtype === 'string' &&
    typeof (v as TypedArraySpec).bdata === 'string'
  );
}

/** Reads a numeric array that may be plain, a typed array or a typed-array spec. */
export function readNumbers(v: unknown): Float64Array | null {
  if (isTypedArraySpec(v)) return decodeTypedArray(v).values;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null))
    return Float64Array.from(v as number[], (x) => (x === null ? NaN : x));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as unknown as ArrayLike<number>);
  return null;
}

let littleEndian: boolean | undefined;
function isLittleEndian(): boolean {
  if (littleEndian === undefined) littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return littleEndian;
}

/**
 * A heatmap's `z` as 16-bit codes for the copy of a figure inside its `text/html` part, which the
 * figure's own script turns back into float32 before plotly.js sees it; code 65535 = NaN. The codes
 * are piecewise linear: `pieces` is a list of `[code0, lo, step]`, and a code stands for
 * `lo + (code - code0) * step` of the last piece with `code0 <= code`. Half the bytes of f4.
 * Values inside the colour range shown take (nearly) all codes, so their error is at most
 * (zmax - zmin) / 122876, below what hover (4 significant digits) and any colour scale show; values
 * beyond it (drawn in the end colours) get 2048 codes a side, so they keep their colour and an
 * approximate hover value, and an outlier cannot flatten the rest. The Plotly JSON part keeps f4.
 */
export interface CompactZ {
  specmorph: 'u2';
  bdata: string;
  shape: string;
  pieces: [number, number, number][];
}

/** Codes given to the values below (and to those above) the colour range shown, when there are any. */
const OUTSIDE_CODES = 2048;
/** Codes 0..65534 carry values; 65535 is NaN. */
const VALUE_CODES = 65535;

/**
 * Encodes finite values (NaN kept; ±Inf, which plotly.js cannot colour, as NaN) of a f4
 * typed-array spec as {@link CompactZ}, finest over `shown` (the trace's [zmin, zmax]; the data's
 * range when omitted).
 */
export function compactZ(spec: TypedArraySpec, shown?: [number, number]): CompactZ {
  const { values, shape } = decodeTypedArray(spec);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(lo <= hi)) lo = hi = 0;
  const [s0, s1] = shown && shown[0] < shown[1] ? shown : [lo, hi];
  const below = lo < s0;
  const above = hi > s1;
  // [a, b] of each piece and its codes; values go to the piece of their side of the shown range.
  const spans: { a: number; b: number; codes: number }[] = [];
  const inner = VALUE_CODES - (below ? OUTSIDE_CODES : 0) - (above ? OUTSIDE_CODES : 0);
  if (below) spans.push({ a: lo, b: Math.min(s0, hi), codes: OUTSIDE_CODES });
  spans.push({ a: Math.max(lo, s0), b: Math.min(hi, s1), codes: inner });
  if (above) spans.push({ a: Math.max(s1, lo), b: hi, codes: OUTSIDE_CODES });
  const pieces: [number, number, number][] = [];
  let code0 = 0;
  for (const p of spans) {
    pieces.push([code0, p.a, p.b > p.a ? (p.b - p.a) / (p.codes - 1) : 1]);
    code0 += p.codes;
  }
  const mid = below ? 1 : 0;
  const dv = new DataView(new ArrayBuffer(values.length * 2));
  values.forEach((v, i) => {
    let code = 65535;
    if (Number.isFinite(v)) {
      const k = below && v < s0 ? 0 : above && v > s1 ? pieces.length - 1 : mid;
      const [c0, a, step] = pieces[k];
      const last = c0 + spans[k].codes - 1;
      code = Math.min(last, Math.max(c0, c0 + Math.round((v - a) / step)));
    }
    dv.setUint16(i * 2, code, true);
  });
  return {
    specmorph: 'u2',
    bdata: Buffer.from(dv.buffer).toString('base64'),
    shape: shape.length === 2 ? `${shape[0]},${shape[1]}` : `1,${values.length}`,
    pieces,
  };
}

/** The values a {@link CompactZ} stands for, row-major, as the figure script decodes them (for tests). */
export function expandZ(z: CompactZ): Float32Array {
  const bytes = Buffer.from(z.bdata, 'base64');
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const code = bytes.readUInt16LE(i * 2);
    let k = z.pieces.length - 1;
    while (k > 0 && z.pieces[k][0] > code) k--;
    out[i] = code === 65535 ? NaN : z.pieces[k][1] + (code - z.pieces[k][0]) * z.pieces[k][2];
  }
  return out;
}
