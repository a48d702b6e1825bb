// Loads the reference cases written by test/fixtures/gen_spectral.py (manifest + float32 blob).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ref {
  offset: number;
  length: number;
  shape: number[];
}
export interface Case {
  kind: string;
  signal?: string;
  opts: Record<string, unknown>;
  [key: string]: unknown;
}

const dir = join(__dirname, '..', 'fixtures', 'spectral');
const manifest = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
  signals: Record<string, { sampleRate: number; x: Ref }>;
  cases: Case[];
};
const raw = readFileSync(join(dir, 'cases.f32'));
const blob = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

/** The float32 data of one stored array. */
export function arr(ref: unknown): Float32Array {
  const r = ref as Ref;
  return blob.subarray(r.offset, r.offset + r.length);
}

export function signal(name: string): { x: Float32Array; sampleRate: number } {
  const s = manifest.signals[name];
  return { x: arr(s.x), sampleRate: s.sampleRate };
}

export function cases(kind: string): Case[] {
  return manifest.cases.filter((c) => c.kind === kind);
}

/** Test-name suffix carrying the configuration: `nFft=512 hopLength=160 center=true`. */
export function describe(opts: Record<string, unknown>): string {
  return Object.entries(opts)
    .map(([k, v]) => `${k}=${v === null ? 'null' : String(v)}`)
    .join(' ');
}

/** max |a - b| / max |b|: the error relative to the reference's largest magnitude. */
export function relMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let e = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return e / (m || 1);
}

/** max |a - b|. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}
