import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DatasetError, ParameterError, assert } from '../errors';
import { Grid, checkGrid, createGrid } from './grid';

/** Row order of images. */
export interface OriginOptions {
  /**
   * `'top'`: grid row 0 is the image's top row (image order). `'lower'`: grid row 0 is the bottom
   * row, as matplotlib `imshow(origin='lower')` draws spectrograms (low frequencies at the bottom).
   * @default 'top'
   */
  origin?: 'top' | 'lower';
}

/** Options of {@link readPng}. */
export interface ReadPngOptions extends OriginOptions {
  /**
   * `'luma'`: one grey Grid, `0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601, as OpenCV `COLOR_RGB2GRAY`
   * and PIL `convert('L')`, without their rounding to integers). Grey PNGs read unchanged.
   * @default 'luma'
   */
  mode?: 'luma';
}

interface Decoded {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
  maxValue: number;
}

function decode(src: string | Uint8Array): Decoded {
  const name = typeof src === 'string' ? src : 'png bytes';
  let bytes: Uint8Array;
  if (typeof src === 'string') {
    try {
      bytes = readFileSync(src);
    } catch (e) {
      throw new DatasetError(`${src}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  } else {
    assert(src instanceof Uint8Array, () => `src must be a path or Uint8Array, got ${typeof src}`);
    bytes = src;
  }
  let png: { width: number; height: number; data: Uint8Array | Uint16Array; depth?: number; colorType?: number };
  try {
    // skipRescale keeps 16-bit samples exact; palette images come back as 8-bit RGBA.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      skipRescale: true,
    }) as unknown as typeof png;
  } catch (e) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(`${name}: not a readable PNG (${(e as Error).message}; first bytes ${head})`);
  }
  const depth = png.colorType === 3 ? 8 : (png.depth ?? 8);
  return { width: png.width, height: png.height, data: png.data, maxValue: 2 ** depth - 1 };
}

function plane(d: Decoded, channel: number, origin: 'top' | 'lower'): Grid {
  const { width, height, data, maxValue } = d;
  const out = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    const srcRow = origin === 'lower' ? height - 1 - r : r;
    for (let c = 0; c < width; c++) out[r * width + c] = data[(srcRow * width + c) * 4 + channel] / maxValue;
  }
  return createGrid(height, width, out);
}

function checkOrigin(origin: unknown): 'top' | 'lower' {
  const o = origin ?? 'top';
  assert(o === 'top' || o === 'lower', () => `origin=${JSON.stringify(origin)} must be 'top' or 'lower'`);
  return o;
}

/**
 * Reads a PNG (file path or bytes) as one grey Grid, rows = image height, cols = width, values in
 * [0, 1] (sample / (2^bitDepth - 1)). Alpha is ignored.
 */
export function readPng(src: string | Uint8Array, opts: ReadPngOptions = {}): Grid {
  const origin = checkOrigin(opts.origin);
  if (opts.mode !== undefined && opts.mode !== 'luma')
    throw new ParameterError(`mode=${JSON.stringify(opts.mode)} must be 'luma' (use readPngChannels for colour)`);
  const d = decode(src);
  const [r, g, b] = [0, 1, 2].map((ch) => plane(d, ch, origin));
  const out = new Float32Array(r.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * r.data[i] + 0.587 * g.data[i] + 0.114 * b.data[i];
  return createGrid(r.rows, r.cols, out);
}

/**
 * Reads a PNG as colour planes `[R, G, B, A]`, each a Grid in [0, 1]. Grey PNGs give three equal planes
 * and palette PNGs their palette colours; A is 1 where the file has no alpha.
 */
export function readPngChannels(src: string | Uint8Array, opts: OriginOptions = {}): [Grid, Grid, Grid, Grid] {
  const origin = checkOrigin(opts.origin);
  const d = decode(src);
  return [0, 1, 2, 3].map((ch) => plane(d, ch, origin)) as [Grid, Grid, Grid, Grid];
}

/** Options of {@link writePng}. */
export interface WritePngOptions extends OriginOptions {
  /** Value drawn black. @default the grid's minimum */
  min?: number;
  /** Value drawn white (values outside [min, max] are clipped). @default the grid's maximum */
  max?: number;
}

/**
 * Encodes a Grid as an 8-bit grey PNG, linearly scaling `[min, max]` to 0..255 (rounded, clipped).
 * A constant grid is drawn black. NaN is drawn black.
 */
export function writePng(grid: Grid, opts: WritePngOptions = {}): Uint8Array {
  checkGrid(grid);
  const origin = checkOrigin(opts.origin);
  let min = opts.min;
  let max = opts.max;
  if (min === undefined || max === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of grid.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min ??= lo;
    max ??= hi;
  }
  assert(
    Number.isFinite(min) && Number.isFinite(max) && max >= min,
    () => `min=${min}, max=${max} must be finite with max >= min`,
  );
  const png = new PNG({
    width: grid.cols,
    height: grid.rows,
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
    inputHasAlpha: false,
  });
  const buf = Buffer.alloc(grid.rows * grid.cols);
  const span = max - min;
  for (let r = 0; r < grid.rows; r++) {
    const dstRow = origin === 'lower' ? grid.rows - 1 - r : r;
    for (let c = 0; c < grid.cols; c++) {
      const v = grid.data[r * grid.cols + c];
      const t = span > 0 ? ((v - min) / span) * 255 : 0;
      buf[dstRow * grid.cols + c] = Number.isNaN(t) ? 0 : Math.round(Math.min(255, Math.max(0, t)));
    }
  }
  png.data = buf;
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false }));
}
