/**
 * A progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise (logs, CI), so
 * stdout stays clean for results and --json.
 */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  const tty = !!stream.isTTY;
  let lastPct = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (tty) {
      const width = 30;
      const fill = Math.round((width * pct) / 100);
      stream.write(
        `\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}${done === total ? '\n' : ''}`,
      );
    } else if (done === total || pct >= lastPct + 25) {
      lastPct = pct - (pct % 25);
      stream.write(`${label} ${done}/${total} (${pct}%)\n`);
    }
  };
}
