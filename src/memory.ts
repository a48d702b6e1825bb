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

/**
 * Environment for the processes specmorph starts (the tslab kernel of `npm run setup` and of the
 * report, the benchmarks): glibc keeps 256 MiB of freed heap instead of returning it to the kernel.
 *
 * Why: V8 frees an ArrayBuffer's memory only when a GC collects it, several dead arrays at once;
 * glibc then trims the heap top, so the next fresh output (a 6 MB spectrogram, an erosion without
 * `out`) is new memory again and every 4 KiB page faults on first touch. On the 2-core VM of
 * docs/benchmarks.md a fault costs ~10-20 µs, so a fresh 257 x 6001 output cost 15-40 ms more than
 * the same call with `out`; with the pad it costs the same (0 faults per call in steady state).
 * The price: up to 256 MiB of freed memory stays in the process. A `MALLOC_TOP_PAD_` already in
 * the environment given (the bench's shell, a kernel.json the user edited) wins; Jupyter lets the
 * kernel spec's env override the shell's. Other C libraries (musl) ignore the variable.
 */
export const MALLOC_PAD_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_TOP_PAD_: String(256 * 2 ** 20),
});

/** `env` plus {@link MALLOC_PAD_ENV}, keeping a `MALLOC_TOP_PAD_` that `env` already has. */
export function withMallocPad(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return env.MALLOC_TOP_PAD_ === undefined ? { ...env, ...MALLOC_PAD_ENV } : { ...env };
}

/**
 * A new Float32Array of `length` elements whose memory is NOT zeroed (Node's
 * `Buffer.allocUnsafeSlow`: its own ArrayBuffer, not the shared pool), for results the caller
 * writes in full before anyone reads them. A fresh 6 MB `new Float32Array` is zero-filled first:
 * 0.13-0.35 ms per 257 x 6001 output on the 2-core VM of docs/benchmarks.md, a third of a 3x3
 * erosion; this costs ~0.05 ms. Never hand out such an array before every element is written.
 */
export function uninitializedFloat32(length: number): Float32Array {
  const bytes = Buffer.allocUnsafeSlow(4 * length);
  return new Float32Array(bytes.buffer, bytes.byteOffset, length);
}
