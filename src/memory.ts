import { ParameterError } from './errors';

/**
 * Environment variable that raises (or lowers) {@link maxBytes}: bytes, or a number with K, M or G
 * (powers of 1024).
 */
export const MAX_BYTES_ENV = 'SPECMORPH_MAX_BYTES';

/** The default limit of one array a call allocates: 1 GiB, far above any spectrogram of a speech clip. */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/**
 * The largest array (bytes) one call may allocate: `$SPECMORPH_MAX_BYTES` when set, else
 * {@link DEFAULT_MAX_BYTES}. Read at each call, so a notebook can change it between cells.
 */
export function maxBytes(): number {
  const v = process.env[MAX_BYTES_ENV];
  if (v === undefined || v.trim() === '') return DEFAULT_MAX_BYTES;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(v);
  if (!m)
    throw new ParameterError(
      `${MAX_BYTES_ENV}=${JSON.stringify(v)} must be a number of bytes, optionally with K, M or G (e.g. 4G)`,
    );
  return Math.floor(Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2].toLowerCase() || ' '));
}

/** `1.6 GB`-style size (decimal units, as `df -H`). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  for (const [u, s] of [
    [1e15, 'PB'],
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ] as const)
    if (n >= u) return `${(n / u).toPrecision(3).replace(/\.?0+$/, '')} ${s}`;
  return `${n} bytes`;
}

/**
 * Throws a ParameterError before an allocation of `bytes` that exceeds {@link maxBytes} (or that no
 * typed array can hold): `${what()}: <output> would need 1.6 GB; limit 1.07 GB (...)`. `what` names
 * the parameters that set the size, e.g. `rows=20000 cols=20000`.
 */
export function assertMemory(bytes: number, what: () => string, output = 'the output'): void {
  const limit = maxBytes();
  if (bytes <= limit) return;
  throw new ParameterError(
    `${what()}: ${output} would need ${formatBytes(bytes)}; limit ${formatBytes(limit)} ` +
      `(set ${MAX_BYTES_ENV}, e.g. ${MAX_BYTES_ENV}=8G, to allow more)`,
  );
}

/**
 * Scratch memory one module keeps between calls for reuse (WebAssembly memories, intermediate
 * frames), at most: 64 MiB, five times what a 257 x 6001 spectrogram needs. Reuse saves the page
 * faults and GC work of fresh multi-megabyte buffers on every call; a call that needs more gets its
 * buffers for that call only (a WebAssembly memory cannot shrink: its instance is dropped after the
 * call and made again on the next one), so one huge grid does not pin its scratch for the session.
 */
export const RETAIN_BYTES = 64 << 20;
