// How the `specmorph` command ends its process.

/**
 * Exits with `code` once everything written to stdout and stderr has been handed to the OS. Why:
 * the CLI must exit explicitly (the wasm backend's XNNPACK threads would keep the process alive),
 * and a pipe whose reader is slower than us holds 64 KiB: `process.exit` right after a larger
 * write (`evaluate --json` of 899 clips is 120 kB) cut the JSON at 65,536 bytes.
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
