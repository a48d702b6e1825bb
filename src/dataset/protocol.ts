import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../errors';
import { readBoundedFile } from '../atomicFile';
import { Dataset, DatasetItem } from './types';

/** Names in `dir` -> whether each is a regular file (symbolic links followed; dangling ones absent). */
async function regularFiles(dir: string): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.isSymbolicLink()) {
      const st = await fs.stat(path.join(dir, e.name)).catch(() => null);
      if (st) out.set(e.name, st.isFile());
    } else out.set(e.name, e.isFile());
  }
  return out;
}

/** The largest protocol file read: 256 MiB, some 4 million lines (ASVspoof 2019 LA eval has 71,237). */
export const PROTOCOL_MAX_BYTES = 2 ** 28;

/**
 * Reads an ASVspoof 2019 LA protocol (`SPEAKER UTT_ID - SYSTEM_ID KEY` per line, e.g.
 * `LA_0079 LA_T_1138215 - - bonafide` or `LA_0070 LA_E_5849185 - A17 spoof`) and finds each
 * utterance's audio as `audioDir/UTT_ID.flac` (or `.wav`, or under `audioDir/flac/`).
 *
 * Items keep protocol order; `attack` is SYSTEM_ID for spoofs (null for bona fide), `speaker` the
 * first column, so {@link splitDataset} keeps speakers disjoint. DatasetError names the protocol
 * line of a malformed entry, or the first missing audio file and how many are missing.
 */
export async function readAsvspoofProtocol(protocolFile: string, audioDir: string): Promise<Dataset> {
  // Bounded: a link to /dev/zero or a FIFO would be read without end.
  const bytes = await readBoundedFile(protocolFile, { maxBytes: PROTOCOL_MAX_BYTES, what: 'protocol' });
  const text = bytes.toString('utf8');
  const dirSt = await fs.stat(audioDir).catch(() => null);
  if (!dirSt?.isDirectory()) throw new DatasetError(`${audioDir}: audio folder does not exist`);
  const absDir = path.resolve(audioDir);
  const listing = await regularFiles(absDir);
  const flacSub = (await fs.stat(path.join(absDir, 'flac')).catch(() => null))?.isDirectory()
    ? await regularFiles(path.join(absDir, 'flac'))
    : new Map<string, boolean>();
  const items: DatasetItem[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    const where = `${protocolFile}:${i + 1}`;
    if (f.length !== 5)
      throw new DatasetError(
        `${where}: expected 5 fields "SPEAKER UTT_ID - SYSTEM_ID KEY", got ${f.length}: ${JSON.stringify(t)}`,
      );
    const [speaker, utt, , system, key] = f;
    if (key !== 'bonafide' && key !== 'spoof')
      throw new DatasetError(`${where}: KEY=${JSON.stringify(key)} must be bonafide or spoof`);
    if (utt.includes('/') || utt.includes('\\') || utt === '.' || utt === '..') {
      throw new DatasetError(
        `${where}: UTT_ID ${JSON.stringify(utt)} must be a plain file name (no / or ..): ` +
          `audio is looked up only inside ${audioDir}`,
      );
    }
    if (seen.has(utt)) throw new DatasetError(`${where}: UTT_ID ${utt} appears twice`);
    seen.add(utt);
    let file: string | null = null;
    for (const ext of ['.flac', '.wav']) {
      const [dir, regular] = listing.has(utt + ext)
        ? [absDir, listing.get(utt + ext)]
        : [path.join(absDir, 'flac'), flacSub.get(utt + ext)];
      if (regular === false)
        throw new DatasetError(
          `${path.join(dir, utt + ext)}: not a regular file (a device, FIFO, socket or folder; protocol line ${i + 1})`,
        );
      if (regular) file = path.join(dir, utt + ext);
      if (file) break;
    }
    if (!file) {
      missing.push(path.join(audioDir, `${utt}.flac`));
      return;
    }
    items.push({
      id: utt,
      path: file,
      label: key,
      attack: key === 'spoof' ? (system === '-' ? 'unknown' : system) : null,
      speaker,
    });
  });
  if (missing.length)
    throw new DatasetError(
      `${missing[0]}: audio file not found ` +
        `(${missing.length} of ${missing.length + items.length} protocol entries have no .flac/.wav in ${audioDir})`,
    );
  if (items.length === 0) throw new DatasetError(`${protocolFile}: protocol lists no utterances`);
  for (const label of ['bonafide', 'spoof'] as const) {
    if (!items.some((it) => it.label === label))
      throw new DatasetError(`${protocolFile}: protocol has no ${label} utterances; both classes are needed`);
  }
  return { root: path.resolve(protocolFile), kind: 'audio', items };
}
