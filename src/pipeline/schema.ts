import { ParameterError } from '../errors';

/**
 * Typed JSON schemas of pipeline ops. A field checks one JSON value (undefined when absent) and
 * returns it resolved (default filled in) or throws a ParameterError naming its JSON path:
 * `stages[2].footprint.rows=0 must be a positive integer`. An op's config type (what a user writes)
 * and resolved type (what `run` receives) are both derived from its fields, so the TSDoc written on
 * a field (with its `@default`) is what a user sees on hover over that config property.
 */
export interface Field<In, Out, Required extends boolean = false> {
  check(v: unknown, path: string): Out;
  /** The field must be given (no default). */
  readonly required: Required;
  /** The value written when the field is absent (undefined: nothing is written). */
  readonly default: Out | undefined;
  /** Type only: what a user may write. */
  readonly __in?: In;
}

// biome-ignore lint/suspicious/noExplicitAny: only lets the conditional types below accept every field.
type AnyField = Field<any, any, boolean>;
/** An op's fields, in resolved-JSON order (the key order of `pipeline.json`). */
export type Fields = Record<string, AnyField>;
type InOf<X> = X extends Field<infer In, unknown, boolean> ? In : never;
type OutOf<X> = X extends Field<unknown, infer Out, boolean> ? Out : never;
type IsRequired<X> = X extends Field<unknown, unknown, true> ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The config type of fields: what a user writes (fields with a default or none are optional). */
export type ConfigOf<F extends Fields> = Simplify<
  { [K in keyof F as IsRequired<F[K]> extends true ? K : never]: InOf<F[K]> } & {
    [K in keyof F as IsRequired<F[K]> extends true ? never : K]?: InOf<F[K]>;
  }
>;
/** The resolved type of fields: every default written out. */
export type ResolvedOf<F extends Fields> = Simplify<{ [K in keyof F]: OutOf<F[K]> }>;

/** Checks the parameters of one stage object (`op` excluded) and returns them resolved. */
export interface Schema<In, Out> {
  /** Parameter names, as listed in error messages. */
  readonly names: readonly string[];
  /** `o` is the stage object, `path` its JSON path (`stages[2]`), `op` its name. */
  resolve(o: Record<string, unknown>, path: string, op: string): Out;
  /** Type only: what a user may write. */
  readonly __in?: In;
}

/** Throws `path=value what`, the value as JSON. */
export function fail(path: string, v: unknown, what: string): never {
  throw new ParameterError(`${path}=${JSON.stringify(v) ?? String(v)} ${what}`);
}

/** A value checker: returns the value typed, or throws naming `path`. */
export type Check<T> = (v: unknown, path: string) => T;

export const positiveInt: Check<number> = (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(p, v, 'must be a positive integer');
  return v;
};
export const finite =
  (test: (x: number) => boolean, what: string): Check<number> =>
  (v, p) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) fail(p, v, what);
    return v;
  };
export const boolean: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, v, 'must be true or false'));
export const member =
  <const T>(values: readonly T[]): Check<T> =>
  (v, p) => {
    if (!isMember(values, v)) fail(p, v, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return v;
  };
function isMember<T>(values: readonly T[], v: unknown): v is T {
  return (values as readonly unknown[]).includes(v);
}

/** A field written as `dflt` when absent. */
export function withDefault<T>(dflt: T, check: Check<T>): Field<T, T> {
  return { check: (v, p) => (v === undefined ? dflt : check(v, p)), required: false, default: dflt };
}
/** A field left out of the resolved stage when absent. */
export function optional<T>(check: Check<T>): Field<T, T | undefined> {
  return { check: (v, p) => (v === undefined ? undefined : check(v, p)), required: false, default: undefined };
}
/** A field that must be given; `check` sees undefined when it is absent and says what to write. */
export function required<T>(check: Check<T>): Field<T, T, true> {
  return { check, required: true, default: undefined };
}

export const posInt = (dflt: number): Field<number, number> => withDefault(dflt, positiveInt);
export const num = (dflt: number, test: (x: number) => boolean, what: string): Field<number, number> =>
  withDefault(dflt, finite(test, what));
export const optNum = (test: (x: number) => boolean, what: string): Field<number, number | undefined> =>
  optional(finite(test, what));
export const nullableNum = (
  dflt: number | null,
  test: (x: number) => boolean,
  what: string,
): Field<number | null, number | null> => withDefault(dflt, (v, p) => (v === null ? null : finite(test, what)(v, p)));
export const oneOf = <const T>(dflt: NoInfer<T>, values: readonly T[]): Field<T, T> =>
  withDefault(dflt, member(values));
export const bool = (dflt: boolean): Field<boolean, boolean> => withDefault(dflt, boolean);

/**
 * The schema of an op whose parameters are `fields`: unknown keys are refused (listing the known
 * ones), each field is checked in order, absent optional fields are left out, then `refine` checks
 * relations between fields (e.g. winLength <= nFft).
 */
export function params<F extends Fields>(
  fields: F,
  refine?: (s: ResolvedOf<F>, path: string) => void,
): Schema<ConfigOf<F>, ResolvedOf<F>> {
  const names = Object.keys(fields);
  return {
    names,
    resolve(o, path, op) {
      for (const k of Object.keys(o)) {
        if (k !== 'op' && !Object.hasOwn(fields, k)) {
          throw new ParameterError(
            `${path}.${k} is not a parameter of op "${op}" (parameters: ${names.join(', ') || 'none'})`,
          );
        }
      }
      const out: Record<string, unknown> = {};
      for (const k of names) {
        const v = fields[k].check(o[k], `${path}.${k}`);
        if (v !== undefined) out[k] = v;
      }
      // Built key by key from `fields`, each value from that field's own check.
      const resolved = out as ResolvedOf<F>;
      refine?.(resolved, path);
      return resolved;
    },
  };
}
