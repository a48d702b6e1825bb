/** Base class of every error specmorph throws on purpose; catch this to tell our errors from bugs. */
export class SpecmorphError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument is out of range, of the wrong shape or otherwise unusable. The message names it. */
export class ParameterError extends SpecmorphError {}

/** Bytes or a file could not be decoded as audio. The message names the file (when known) and why. */
export class AudioDecodeError extends SpecmorphError {}

/** A data folder, protocol, cache or model folder is unusable. The message names the path. */
export class DatasetError extends SpecmorphError {}

/**
 * Throws a {@link ParameterError} when `cond` is false. The message is built lazily so that hot paths
 * pay only for the comparison (as tfjs's `util.assert`).
 */
export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new ParameterError(message());
}

/**
 * A value as an error message shows it: strings quoted (`nFft="512"`, so a string is never mistaken
 * for the number it spells), numbers as written, small objects as JSON, others by their type.
 */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  try {
    const s = JSON.stringify(v);
    if (s !== undefined && s.length <= 80 && !ArrayBuffer.isView(v)) return s;
  } catch {
    // circular: fall through to the type name
  }
  return `a ${(v as object).constructor?.name ?? 'object'}`;
}

/** `name=value must be a positive integer` unless `value` is one. */
export function assertPositiveInt(value: number, name: string): void {
  assert(Number.isInteger(value) && value > 0, () => `${name}=${formatValue(value)} must be a positive integer`);
}

/** `name=value must be a finite number > 0` unless it is one. */
export function assertPositive(value: number, name: string): void {
  assert(Number.isFinite(value) && value > 0, () => `${name}=${formatValue(value)} must be a finite number > 0`);
}

const warned = new Set<string>();
/** Warns once per distinct message per process (librosa warns on recoverable oddities instead of failing). */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'SPECMORPH' });
}
