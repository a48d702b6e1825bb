import { assert, checkOptionNames, formatValue, ParameterError } from '../errors';
import { checkGrid, firstNonFinite, Grid, withData } from '../grid/grid';
import { DB_OPTIONS } from './options';
import { simdDb } from './simdDb';

/** Options of {@link powerToDb} and {@link amplitudeToDb} (librosa's `ref`, `amin`, `top_db`). */
export interface DbOptions {
  /**
   * Reference value mapped to 0 dB: a positive number, or 'max' for the grid's maximum (librosa
   * `ref=np.max`).
   * @default 1
   */
  ref?: number | 'max';
  /**
   * Floor applied to the input (and to ref) before the logarithm, avoiding log(0).
   * @default 1e-10 for powerToDb, 1e-5 for amplitudeToDb
   */
  amin?: number;
  /**
   * Clip the output to at least `max(output) - topDb`; null disables the clipping.
   * @default 80
   */
  topDb?: number | null;
  /**
   * Buffer of rows*cols floats to write the result into instead of a new one; may be the input's own
   * `data` (in-place conversion, e.g. for hour-long log-mels). Ignored by logMelSpectrogram (always in place).
   * @default a new Float32Array
   */
  out?: Float32Array;
}

interface ResolvedDb {
  ref: number | 'max';
  amin: number;
  topDb: number | null;
}

function resolveDb(opts: DbOptions, defaultAmin: number): ResolvedDb {
  assert(opts !== null && typeof opts === 'object', () => `opts must be an options object, got ${String(opts)}`);
  const ref = opts.ref ?? 1;
  assert(
    ref === 'max' || (typeof ref === 'number' && Number.isFinite(ref) && ref > 0),
    () => `ref=${formatValue(ref)} must be a finite number > 0 or 'max'`,
  );
  const amin = opts.amin ?? defaultAmin;
  assert(
    typeof amin === 'number' && Number.isFinite(amin) && amin > 0,
    () => `amin=${formatValue(amin)} must be strictly positive`,
  );
  const topDb = opts.topDb === undefined ? 80 : opts.topDb;
  assert(
    topDb === null || (typeof topDb === 'number' && Number.isFinite(topDb) && topDb >= 0),
    () => `topDb=${formatValue(topDb)} must be a non-negative number or null`,
  );
  return { ref, amin, topDb };
}

function outBuffer(out: Float32Array | undefined, n: number): Float32Array {
  if (out === undefined) return new Float32Array(n);
  assert(
    out instanceof Float32Array && out.length === n,
    () =>
      `out must be a Float32Array of rows*cols=${n} floats, ` +
      `got ${out instanceof Float32Array ? `length ${out.length}` : String(out)}`,
  );
  return out;
}

function maxOf(data: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < data.length; i++) if (data[i] > m) m = data[i];
  return m;
}

/**
 * In-place `10 log10(max(amin, v) / max(amin, ref))` then top-dB clipping over `data`; `square` first
 * squares v (amplitude input). Internal kernel of powerToDb / amplitudeToDb / logMelSpectrogram.
 */
export function dbInPlace(
  src: Float32Array,
  dst: Float32Array,
  o: { ref: number | 'max'; amin: number; topDb: number | null },
  square: boolean,
): void {
  let refValue: number;
  if (o.ref === 'max') {
    // as librosa: np.max of the power itself, of the magnitude |v| for amplitudes (before squaring)
    let m = square ? 0 : -Infinity;
    for (let i = 0; i < src.length; i++) m = Math.max(m, square ? Math.abs(src[i]) : src[i]);
    refValue = square ? m * m : m;
  } else refValue = square ? o.ref * o.ref : o.ref;
  const amin = square ? o.amin * o.amin : o.amin;
  const offset = 10 * Math.log10(Math.max(amin, refValue));
  if (simdDb(src, dst, amin, offset, square, o.topDb)) return;
  for (let i = 0; i < src.length; i++) {
    const v = square ? src[i] * src[i] : src[i];
    const d = 10 * Math.log10(v > amin ? v : amin) - offset;
    dst[i] = d;
  }
  if (o.topDb !== null) {
    // threshold from the float32 values actually stored, so the clip agrees with max(dst) - topDb
    const floor = maxOf(dst) - o.topDb;
    for (let i = 0; i < dst.length; i++) if (dst[i] < floor) dst[i] = floor;
  }
}

/**
 * A NaN has no level: refused rather than floored to the quietest value (where it would pass for
 * silence), since a NaN spectrogram usually means the audio overflowed float32.
 */
function checkNoNaN(data: Float32Array, what: string): void {
  // the fast scan finds the first NaN or infinity; a +Inf power is a level (+Inf dB), so go on past those
  for (let i = firstNonFinite(data); i >= 0 && i < data.length; i++)
    if (Number.isNaN(data[i]))
      throw new ParameterError(`s.data[${i}]=NaN: ${what} needs numbers (did the audio overflow float32?)`);
}

/**
 * Power (|X|^2-like, >= 0) to decibels, as `librosa.power_to_db(S, ref, amin, top_db)`:
 * `10 log10(max(amin, S)) - 10 log10(max(amin, ref))`, then values below `max - topDb` raised to it.
 *
 * Shape kept: a Grid in, a Grid of the same rows x cols out (a Spectrogram keeps its metadata with unit 'dB').
 * Notes: `topDb` clips relative to the maximum of the whole grid (librosa), not per column.
 */
export function powerToDb<G extends Grid>(s: G, opts: DbOptions = {}): G {
  checkGrid(s, 's');
  checkOptionNames(opts, DB_OPTIONS, 'powerToDb');
  checkNoNaN(s.data, 'powerToDb');
  const o = resolveDb(opts, 1e-10);
  const out = outBuffer(opts.out, s.data.length);
  dbInPlace(s.data, out, o, false);
  return withData(s, out, 'dB');
}

/**
 * Amplitude (|X|-like) to decibels, as `librosa.amplitude_to_db(S, ref, amin, top_db)`, which is
 * `powerToDb(S^2, {ref: ref^2, amin: amin^2, topDb})` (so `20 log10`). Same shape and metadata rules as
 * {@link powerToDb}.
 * Notes: amin defaults to 1e-5 (librosa), i.e. a -100 dB floor like powerToDb's 1e-10.
 */
export function amplitudeToDb<G extends Grid>(s: G, opts: DbOptions = {}): G {
  checkGrid(s, 's');
  checkOptionNames(opts, DB_OPTIONS, 'amplitudeToDb');
  checkNoNaN(s.data, 'amplitudeToDb');
  const o = resolveDb(opts, 1e-5);
  const out = outBuffer(opts.out, s.data.length);
  dbInPlace(s.data, out, o, true);
  return withData(s, out, 'dB');
}

export { resolveDb };
