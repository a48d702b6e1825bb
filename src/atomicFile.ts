import { promises as fs } from 'node:fs';

/**
 * Writes `content` to `file` through a uniquely named temp file in the same folder and a rename, so
 * readers see the old file or the whole new one, never half of it; the temp file is removed if the
 * write fails. The folder must exist. Internal: cache entries, score files, reports.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.writeFile(tmp, content);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
