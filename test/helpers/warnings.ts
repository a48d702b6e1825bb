// Warnings a test provokes on purpose are asserted, not printed: Node's default printer is itself a
// 'warning' listener, so it is set aside while `fn` runs and put back afterwards.

/**
 * Runs `fn`, capturing process warnings (specmorph's warnOnce) instead of printing them; resolves
 * to their messages.
 */
export async function captureWarnings(fn: () => unknown): Promise<string[]> {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  const got: string[] = [];
  const collect = (w: Error): void => void got.push(w.message);
  process.on('warning', collect);
  try {
    await fn();
    // emitWarning delivers on the next tick.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', collect);
    for (const p of printers) process.on('warning', p as (w: Error) => void);
  }
  return got;
}
