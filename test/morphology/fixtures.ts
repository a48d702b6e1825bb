// Loads test/fixtures/morphology/reference.json (made by test/fixtures/gen_morphology.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Enc = (number | string)[];

export interface GreyCase {
  image: string;
  footprint: string;
  border: 'ignore' | 'replicate' | 'reflect' | 'constant';
  rows: number;
  cols: number;
  data: Enc;
  mask: (0 | 1)[][];
  erode: Enc;
  dilate: Enc;
  opening: Enc;
  closing: Enc;
  source: Record<string, string>;
}

export interface Reference {
  constant: number;
  cases: GreyCase[];
  ellipses: { rows: number; cols: number; mask: (0 | 1)[][] }[];
  disks: { radius: number; mask: (0 | 1)[][] }[];
  crosses: { rows: number; cols: number; mask: (0 | 1)[][] }[];
  reconstruction: {
    rows: number;
    cols: number;
    /** 4, 8, or an asymmetric footprint's mask (anchored at its centre). */
    connectivity: 4 | 8 | (0 | 1)[][];
    mask: Enc;
    seedDilation: Enc;
    dilation: Enc;
    seedErosion: Enc;
    erosion: Enc;
  }[];
  binary: {
    rows: number;
    cols: number;
    footprint: string;
    mask: (0 | 1)[][];
    data: number[];
    skimage: Record<'binary_erosion' | 'binary_dilation' | 'binary_opening' | 'binary_closing', number[]>;
    scipyErosion0: number[];
    scipyDilation0: number[];
  }[];
  thresholds: {
    rows: number;
    cols: number;
    kind: string;
    data: Enc;
    otsu256: number;
    otsu64: number;
    percentiles: Record<string, number>;
  }[];
}

let cached: Reference | null = null;

export function reference(): Reference {
  if (!cached)
    cached = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'morphology', 'reference.json'), 'utf8'),
    ) as Reference;
  return cached;
}

/** Decodes a fixture array ('inf' / '-inf' strings stand for the infinities JSON cannot hold). */
export function f32(a: Enc): Float32Array {
  return Float32Array.from(a, (v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v));
}
