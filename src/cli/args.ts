import { ParameterError } from '../errors';

/** How one command-line option is read. */
export interface OptionSpec {
  /** `'string'` takes a value, `'flag'` takes none. */
  type: 'string' | 'flag';
  /** One line for --help. */
  help: string;
  /** Placeholder shown in --help, e.g. DIR. */
  arg?: string;
}

/** Parsed options: strings for valued options, true for flags. */
export type ParsedArgs = Record<string, string | true>;

/**
 * Parses `--name value`, `--name=value` and `--flag` against `spec`. Unknown options, missing values,
 * repeated options and stray positional arguments are ParameterErrors with a one-line message.
 */
export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>, command: string): ParsedArgs {
  const out: ParsedArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--'))
      throw new ParameterError(
        `${command}: unexpected argument ${JSON.stringify(a)} (options start with --; see specmorph ${command} --help)`,
      );
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!s) throw new ParameterError(`${command}: unknown option --${name} (see specmorph ${command} --help)`);
    if (name in out) throw new ParameterError(`${command}: --${name} given twice`);
    if (s.type === 'flag') {
      if (eq >= 0) throw new ParameterError(`${command}: --${name} takes no value`);
      out[name] = true;
    } else {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--')) || v === '')
        throw new ParameterError(`${command}: --${name} needs a value${s.arg ? ` (${s.arg})` : ''}`);
      out[name] = v;
    }
  }
  return out;
}

/** An integer option: `--name N` within [min, max]; `dflt` when absent. */
export function intOption(
  args: ParsedArgs,
  name: string,
  dflt: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = args[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !/^[-+]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ParameterError(
      `--${name}=${String(v)} must be an integer` +
        `${max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ` >= ${min}`}`,
    );
  }
  return n;
}

/** A fraction option in [min, max). */
export function fractionOption(args: ParsedArgs, name: string, dflt: number, min = 0, max = 1): number {
  const v = args[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min || n >= max)
    throw new ParameterError(`--${name}=${String(v)} must be a number in [${min}, ${max})`);
  return n;
}

/** Formats a --help text block from a spec. */
export function helpText(usage: string, about: string, spec: Record<string, OptionSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => [
    `--${k}${s.type === 'string' ? ` ${s.arg ?? 'VALUE'}` : ''}`,
    s.help,
  ]);
  const w = Math.max(...rows.map(([a]) => a.length));
  return `${usage}\n\n${about}\n\nOptions:\n${rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`).join('\n')}\n`;
}
