// Helpers shared by the morphology operators; not part of the public API (index.ts skips this file).
import { assert, formatValue, type OptionNames, ParameterError } from '../errors';
import { firstNonFinite, type Grid } from '../grid/grid';
import { uninitializedFloat32 } from '../memory';
import type { Border, BorderOptions, MorphologyOptions } from './options';

/** The names of {@link BorderOptions}, for `checkOptionNames`. */
export const BORDER_OPTIONS: OptionNames<BorderOptions> = { border: true };

/** The names of {@link MorphologyOptions} (every grey-level operator's), for `checkOptionNames`. */
export const MORPHOLOGY_OPTIONS: OptionNames<MorphologyOptions> = {
  ...BORDER_OPTIONS,
  out: true,
  allowNonFinite: true,
};

/** Internal, normalised border: kind plus the constant to use for 'constant'. */
export interface ResolvedBorder {
  kind: 'ignore' | 'replicate' | 'reflect' | 'constant';
  value: number;
}

/** Validates a user border option (ParameterError naming it) and normalises it. */
export function resolveBorder(border: Border | undefined): ResolvedBorder {
  if (border === undefined || border === 'ignore') return { kind: 'ignore', value: 0 };
  if (border === 'replicate' || border === 'reflect') return { kind: border, value: 0 };
  if (border !== null && typeof border === 'object' && 'constant' in border) {
    const v = border.constant;
    assert(
      typeof v === 'number' && !Number.isNaN(v),
      () => `border.constant=${formatValue(v)} must be a number (not NaN)`,
    );
    return { kind: 'constant', value: v };
  }
  throw new ParameterError(
    `border=${formatValue(border)} must be 'ignore', 'replicate', 'reflect' or {constant: number}`,
  );
}

/**
 * Maps an index that may lie outside [0, n) into it for 'replicate' / 'reflect'; returns -1 for
 * the other kinds (the caller fills those with a value).
 */
export function mapIndex(i: number, n: number, kind: ResolvedBorder['kind']): number {
  if (i >= 0 && i < n) return i;
  if (kind === 'replicate') return i < 0 ? 0 : n - 1;
  if (kind === 'reflect') {
    // d c b a | a b c d | d c b a ... has period 2n
    const period = 2 * n;
    let m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - 1 - m;
  }
  return -1;
}

/** The ParameterError for a non-finite pixel at flat index `i` of `g`. */
export function nonFiniteError(g: Grid, name: string, i: number): ParameterError {
  const r = Math.floor(i / g.cols);
  const c = i - r * g.cols;
  return new ParameterError(
    `${name}.data[${i}]=${g.data[i]} (row ${r}, col ${c}) is not finite; pass {allowNonFinite: true} to accept it`,
  );
}

/** Throws a ParameterError naming the first NaN/Inf of `g` unless `allow`. */
export function checkFinite(g: Grid, name: string, allow: boolean | undefined): void {
  assertAllowFlag(allow);
  if (allow) return;
  const i = firstNonFinite(g.data);
  if (i >= 0) throw nonFiniteError(g, name, i);
}

/** `allowNonFinite` is a boolean when given (a truthy string such as 'no' would otherwise allow). */
function assertAllowFlag(allow: unknown): void {
  assert(
    allow === undefined || typeof allow === 'boolean',
    () => `allowNonFinite=${formatValue(allow)} must be a boolean`,
  );
}

/** A callback for extremumFilter that throws {@link nonFiniteError}; undefined when `allow`. */
export function nonFiniteReporter(
  g: Grid,
  name: string,
  allow: boolean | undefined,
): ((i: number) => never) | undefined {
  assertAllowFlag(allow);
  return allow
    ? undefined
    : (i: number) => {
        throw nonFiniteError(g, name, i);
      };
}

/**
 * Validates an `out` buffer for a result of `length` elements that must not alias `input`; without
 * one, a new array that is not zeroed (every operator writes each element of its result).
 */
export function outputBuffer(out: Float32Array | undefined, length: number, input: Float32Array): Float32Array {
  if (out === undefined) return uninitializedFloat32(length);
  assert(out instanceof Float32Array, () => `out must be a Float32Array, got ${Object.prototype.toString.call(out)}`);
  assert(out.length === length, () => `out.length=${out.length} must equal rows*cols=${length}`);
  assert(
    out.buffer !== input.buffer ||
      out.byteOffset + out.byteLength <= input.byteOffset ||
      input.byteOffset + input.byteLength <= out.byteOffset,
    () => 'out must not overlap the input data',
  );
  return out;
}
