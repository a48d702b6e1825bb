import { ParameterError } from '../errors';
import { footprint, type Footprint } from '../morphology';
import { type Check, fail, finite, member, positiveInt } from './schema';

/** A structuring element as plain JSON (built with the `footprint.*` generators when the pipeline runs). */
export type FootprintSpec =
  | { shape: 'rect' | 'cross' | 'ellipse'; rows: number; cols: number }
  | { shape: 'line'; length: number; axis: 'time' | 'frequency' }
  | { shape: 'disk'; radius: number }
  | { shape: 'mask'; mask: (0 | 1)[][] };

/** Border treatment of a morphology stage, as the morphology operators' `border` option. */
export type BorderSpec = 'ignore' | 'replicate' | 'reflect' | { constant: number };

/** Builds a footprint from its JSON description (shapes as the `footprint.*` generators). */
export function footprintFromSpec(spec: FootprintSpec): Footprint {
  switch (spec.shape) {
    case 'rect':
      return footprint.rect(spec.rows, spec.cols);
    case 'cross':
      return footprint.cross(spec.rows, spec.cols);
    case 'ellipse':
      return footprint.ellipse(spec.rows, spec.cols);
    case 'line':
      return footprint.line(spec.length, spec.axis);
    case 'disk':
      return footprint.disk(spec.radius);
    case 'mask':
      return footprint.fromMask(spec.mask);
  }
}

const SHAPES = ['rect', 'cross', 'ellipse', 'line', 'disk', 'mask'] as const;
const radius: Check<number> = (v, p) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(p, v, 'must be an integer >= 0');

/** Checks a footprint spec (every field required); errors name the JSON path `p`. */
export const checkFootprint: Check<FootprintSpec> = (v, p) => {
  if (v === undefined) throw new ParameterError(`${p} is required (e.g. {"shape": "rect", "rows": 3, "cols": 3})`);
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    fail(p, v, 'must be an object like {"shape": "rect", "rows": 3, "cols": 3}');
  const o = v as Record<string, unknown>;
  if (o.shape === undefined)
    throw new ParameterError(`${p}.shape is required: one of ${SHAPES.map((s) => JSON.stringify(s)).join(', ')}`);
  const shape = member(SHAPES)(o.shape, `${p}.shape`);
  const fields: Record<string, Check<unknown>> = shape === 'line'
    ? { length: positiveInt, axis: member(['time', 'frequency']) }
    : shape === 'disk'
      ? { radius }
      : shape === 'mask'
        ? { mask: checkMask }
        : { rows: positiveInt, cols: positiveInt };
  for (const k of Object.keys(o)) {
    if (k !== 'shape' && !Object.hasOwn(fields, k)) {
      throw new ParameterError(
        `${p}.${k} is not a field of a "${shape}" footprint (fields: shape, ${Object.keys(fields).join(', ')})`,
      );
    }
  }
  const out: Record<string, unknown> = { shape };
  for (const [k, check] of Object.entries(fields)) {
    if (o[k] === undefined) throw new ParameterError(`${p}.${k} is required for a "${shape}" footprint`);
    out[k] = check(o[k], `${p}.${k}`);
  }
  // Built from the fields of its own shape, each checked.
  return out as FootprintSpec;
};

const checkMask: Check<(0 | 1)[][]> = (v, p) => {
  if (!Array.isArray(v) || v.length === 0) fail(p, v, 'must be a non-empty array of rows of 0/1');
  const cols = Array.isArray(v[0]) ? v[0].length : -1;
  let ones = 0;
  v.forEach((row: unknown, r: number) => {
    if (!Array.isArray(row) || row.length !== cols || cols === 0) {
      fail(`${p}[${r}]`, row, `must be an array of ${cols > 0 ? cols : 'one or more'} 0/1 values`);
    }
    row.forEach((x: unknown, c: number) => {
      if (x !== 0 && x !== 1) fail(`${p}[${r}][${c}]`, x, 'must be 0 or 1');
      ones += x;
    });
  });
  if (ones === 0) fail(p, v, 'has no ones');
  return v;
};

/** Checks a border spec. */
export const checkBorder: Check<BorderSpec> = (v, p) => {
  if (v === 'ignore' || v === 'replicate' || v === 'reflect') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'constant' && 'constant' in v) {
      return { constant: finite(() => true, 'must be a finite number')(v.constant, `${p}.constant`) };
    }
  }
  return fail(p, v, 'must be "ignore", "replicate", "reflect" or {"constant": number}');
};
