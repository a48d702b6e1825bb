/**
 * Talking to the tslab kernel we run in, if any. tslab's public `display` sends one MIME type per
 * message; its internal `jupyter.lastWriteDisplayData(content, update)` (the function `display`
 * itself calls) takes a whole display_data content, so a bundle with all MIME types and a
 * `transient.display_id` goes out as one output, updatable in place.
 */

/** display_data / update_display_data content (Jupyter messaging spec). */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

type Writer = (content: DisplayContent, update: boolean) => void;

/** The display writer of the tslab module loaded in this process, or null outside a tslab kernel. */
export function kernelWriter(): Writer | null {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
    const w = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof w === 'function') return w as Writer;
  }
  return null;
}

/** tslab's public one-MIME-type display, when only that is reachable (fallback path). */
function publicDisplay(): { raw(type: string, value: string): void } | null {
  for (const [key, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]public\.js$/.test(key)) continue;
    const d = (mod?.exports as { display?: { raw?: unknown } } | undefined)?.display;
    if (d && typeof d.raw === 'function') return d as { raw(type: string, value: string): void };
  }
  return null;
}

/** True when running inside a tslab kernel that can display outputs. */
export function inKernel(): boolean {
  return kernelWriter() !== null || publicDisplay() !== null;
}

/**
 * Sends `data` as one display_data (or update_display_data when `update`) output. Returns false
 * outside a kernel. When only tslab's public API is reachable, sends the text/html part alone
 * (else text/plain), since one message per MIME type would show several outputs.
 */
export function sendDisplay(data: Record<string, unknown>, displayId?: string, update = false): boolean {
  const w = kernelWriter();
  if (w) {
    w({ data, metadata: {}, ...(displayId ? { transient: { display_id: displayId } } : {}) }, update);
    return true;
  }
  const pub = publicDisplay();
  if (pub && !update) {
    if (typeof data['text/html'] === 'string') pub.raw('text/html', data['text/html']);
    else if (typeof data['text/plain'] === 'string') pub.raw('text/plain', data['text/plain']);
    return true;
  }
  return false;
}
