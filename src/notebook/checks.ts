// Checks of figure option values shared by the figure functions: a wrong type is a ParameterError
// naming the option, not a TypeError deep in the HTML escaping or a figure Plotly cannot lay out.
import { assert, formatValue } from '../errors';

/** `value` is a string when given (titles, labels and units are drawn as text). */
export function checkOptionalString(value: unknown, name: string): void {
  assert(value === undefined || typeof value === 'string', () => `${name}=${formatValue(value)} must be a string`);
}

/** `value` is a finite number > 0 when given (figure and cell sizes in pixels). */
export function checkOptionalSize(value: unknown, name: string): void {
  assert(
    value === undefined || (typeof value === 'number' && Number.isFinite(value) && value > 0),
    () => `${name}=${formatValue(value)} must be a finite number > 0 (pixels)`,
  );
}

/** `value` is true or false when given (a string such as 'no' would otherwise count as true). */
export function checkOptionalBoolean(value: unknown, name: string): void {
  assert(value === undefined || typeof value === 'boolean', () => `${name}=${formatValue(value)} must be a boolean`);
}

/** `value` is an array of numbers (a number[] or a typed array), e.g. a line's y values. */
export function checkNumberArray(value: unknown, name: string): void {
  assert(
    Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView)),
    () => `${name}=${formatValue(value)} must be an array of numbers`,
  );
}

/**
 * The largest figure width or height in pixels: the PNG fallback holds width x height x 3 bytes
 * (8192 x 8192 is 200 MB), and browsers refuse larger canvases.
 */
export const MAX_FIGURE_PX = 8192;

/** The size options every figure takes: pixels in (0, {@link MAX_FIGURE_PX}]. */
export function checkFigureSize(opts: { width?: unknown; height?: unknown }): void {
  for (const name of ['width', 'height'] as const) {
    const v = opts[name];
    checkOptionalSize(v, name);
    assert(
      v === undefined || (v as number) <= MAX_FIGURE_PX,
      () => `${name}=${v} must be at most ${MAX_FIGURE_PX} pixels`,
    );
  }
}
