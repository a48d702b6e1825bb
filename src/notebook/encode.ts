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
 * figure's own script turns back into float32 before plotly.js sees it: value = lo + code * step,
 * code 65535 = NaN. Half the bytes of f4; the error is at most step / 2 = (max - min) / 131068,
 * below what hover (4 significant digits) and any colour scale show. The Plotly JSON part keeps f4.
 */
export interface CompactZ {
  specmorph: 'u2';
  bdata: string;
  shape: string;
  lo: number;
  step: number;
}

/** Encodes finite values (NaN kept) of a f4 typed-array spec as {@link CompactZ}. */
export function compactZ(spec: TypedArraySpec): CompactZ {
  const { values, shape } = decodeTypedArray(spec);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(lo <= hi)) lo = hi = 0;
  const step = (hi - lo) / 65534 || 1;
  const dv = new DataView(new ArrayBuffer(values.length * 2));
  values.forEach((v, i) => dv.setUint16(i * 2, Number.isFinite(v) ? Math.round((v - lo) / step) : 65535, true));
  return {
    specmorph: 'u2',
    bdata: Buffer.from(dv.buffer).toString('base64'),
    shape: shape.length === 2 ? `${shape[0]},${shape[1]}` : `1,${values.length}`,
    lo,
    step,
  };
}

/** The values a {@link CompactZ} stands for, row-major, as the figure script decodes them (for tests). */
export function expandZ(z: CompactZ): Float32Array {
  const bytes = Buffer.from(z.bdata, 'base64');
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const code = bytes.readUInt16LE(i * 2);
    out[i] = code === 65535 ? NaN : z.lo + code * z.step;
  }
  return out;
}
