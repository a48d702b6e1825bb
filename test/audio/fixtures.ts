// Reads the committed reference fixtures written by test/fixtures/gen_audio.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'audio');

export interface DecodeCase {
  file: string;
  what: string;
  sampleRate: number;
  channels: number;
  frames: number;
  expected: string;
}
export interface ResampleCase {
  fromRate: number;
  toRate: number;
  signal: string;
  band: 'passband' | 'fullband';
  f0: number;
  f1: number;
  length: number;
  outLength: number;
  input: string;
  output: string;
}
export interface Manifest {
  decode: DecodeCase[];
  decodeErrors: { file: string; error: string }[];
  resample: ResampleCase[];
  chirp: { sampleRate: number; length: number; f0: number; f1: number; method: 'logarithmic'; samples: string };
}

export const manifest: Manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));

export function fixtureBytes(rel: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(join(FIXTURES, rel)));
}

export function fixtureF32(rel: string): Float32Array {
  const b = readFileSync(join(FIXTURES, rel));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
