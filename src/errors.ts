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
 * for the number it spells), numbers as written, small objects as JSON, others by their type (and
 * length, for arrays: `a Float64Array of length 2048`), so a message stays one short line.
 */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  try {
    const s = JSON.stringify(v);
    // (a Map or Set would print as {})
    const plain = Array.isArray(v) || Object.prototype.toString.call(v) === '[object Object]';
    if (s !== undefined && s.length <= 80 && plain) return s;
  } catch {
    // circular: fall through to the type name
  }
  const type = (v as object).constructor?.name ?? 'object';
  const article = /^[aeio]/i.test(type) ? 'an' : 'a'; // a Uint8Array, an Int8Array
  const length = ArrayBuffer.isView(v) || Array.isArray(v) ? (v as { length?: unknown }).length : undefined;
  return `${article} ${type}${typeof length === 'number' ? ` of length ${length}` : ''}`;
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

/**
 * The option names of an options interface `T`, as a record `{name: true}` that the compiler holds
 * to exactly the keys of `T` (a missing or extra name does not compile), so the runtime list that
 * {@link checkOptionNames} checks against cannot drift from the interface. Combine records with
 * object spread (`{...STFT_OPTIONS, ...MEL_OPTIONS, sampleRate: true}`).
 */
export type OptionNames<T> = { readonly [K in keyof T]-?: true };

/** librosa's spellings that no case or underscore rule maps onto ours. */
const OPTION_ALIASES: Readonly<Record<string, string>> = { sr: 'sampleRate' };

/** Lower case without `_` and `-`: `hop_length`, `HopLength` and `hop-length` all read `hoplength`. */
function foldName(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Edits (insertion, deletion, substitution, swap of neighbours) from `a` to `b`: the optimal
 * string alignment distance. Only used to build an error message, never per sample.
 */
function editDistance(a: string, b: string): number {
  // d[i][j]: distance from the first i letters of a to the first j of b; row and column 0 count insertions
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name `name` is probably a slip for: equal but for case, `_` and `-` (librosa's
 * `hop_length`, `nfft`), a librosa alias (`sr`), one or two edits away (`nMfccs`, `borders`), or
 * the start of it (`val` for `value`).
 */
function closestName(name: string, known: readonly string[]): string | undefined {
  const alias = Object.hasOwn(OPTION_ALIASES, name) ? OPTION_ALIASES[name] : undefined;
  if (alias !== undefined && known.includes(alias)) return alias;
  const folded = foldName(name);
  const same = known.find((k) => foldName(k) === folded);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestD = folded.length >= 6 ? 3 : 2;
  for (const k of known) {
    const d = editDistance(folded, foldName(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ?? (folded.length >= 3 ? known.find((k) => foldName(k).startsWith(folded)) : undefined);
}

/** An option name as a message shows it: bare when it is an identifier, else quoted. */
function optionLabel(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

/**
 * Throws a {@link ParameterError} when `opts` holds a key that is not in `known` (as librosa raises
 * TypeError on an unknown keyword, and the JSON pipeline refuses unknown parameters), so that a
 * misspelt option is not silently ignored:
 * `stft: unknown option hop_length; did you mean hopLength? (options: nFft, hopLength, ...)`.
 * `where` names the function. A known key passes whatever its value (undefined too), an unknown one
 * is refused even when undefined. `opts` itself must be undefined (no options) or a plain object:
 * `heatmap(S, 'mel')` or `heatmap(S, null)` is refused naming the function and the value
 * (`heatmap: options="mel" must be undefined or an options object {name: value, ...}`), as Python
 * refuses a positional argument where only keywords are taken; null is not taken for "no options",
 * since a JavaScript default parameter does not replace it either.
 * Cost: one loop over the keys of `opts` (the suggestion is computed only when throwing).
 */
export function checkOptionNames(opts: unknown, known: Readonly<Record<string, true>>, where: string): void {
  if (opts === undefined) return;
  // Object.prototype.toString: arrays, typed arrays, Maps, Dates and boxed values are not options
  // objects; it also holds for objects made in another realm (a vm context).
  if (opts === null || typeof opts !== 'object' || Object.prototype.toString.call(opts) !== '[object Object]')
    throw new ParameterError(
      `${where}: options=${formatValue(opts)} must be undefined or an options object {name: value, ...}`,
    );
  let unknown: string[] | undefined;
  for (const k of Object.keys(opts)) {
    if (Object.hasOwn(known, k)) continue;
    unknown ??= [];
    unknown.push(k);
  }
  if (unknown === undefined) return;
  const names = Object.keys(known);
  const hints = unknown.flatMap((k) => {
    const c = closestName(k, names);
    return c === undefined ? [] : [{ k, c }];
  });
  let hint = '';
  if (unknown.length === 1 && hints.length === 1) hint = `; did you mean ${hints[0].c}?`;
  else if (hints.length > 0) hint = `; did you mean ${hints.map((h) => `${h.c} for ${optionLabel(h.k)}`).join(', ')}?`;
  throw new ParameterError(
    `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map(optionLabel).join(', ')}${hint} ` +
      `(options: ${names.join(', ') || 'none'})`,
  );
}
