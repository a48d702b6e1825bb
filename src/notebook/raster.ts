import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { assertPositiveInt } from '../errors';
import { FONT, rasterText, textWidth } from './font';

/** 8-bit sRGB colour. */
export type RGB = readonly [number, number, number];

/** An RGB canvas with the few drawing operations the figure renderer needs; no anti-aliasing. */
export class Raster {
  readonly rgb: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = [255, 255, 255],
  ) {
    assertPositiveInt(width, 'width');
    assertPositiveInt(height, 'height');
    this.rgb = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel; coordinates outside the canvas are ignored. */
  set(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.rgb[i] = c[0];
    this.rgb[i + 1] = c[1];
    this.rgb[i + 2] = c[2];
  }

  /** Colour of one pixel. */
  get(x: number, y: number): [number, number, number] {
    const i = (y * this.width + x) * 3;
    return [this.rgb[i], this.rgb[i + 1], this.rgb[i + 2]];
  }

  /** Fills [x0, x1) x [y0, y1), clipped to the canvas. */
  fillRect(x0: number, y0: number, x1: number, y1: number, c: RGB): void {
    const xa = Math.max(0, Math.round(Math.min(x0, x1)));
    const xb = Math.min(this.width, Math.round(Math.max(x0, x1)));
    const ya = Math.max(0, Math.round(Math.min(y0, y1)));
    const yb = Math.min(this.height, Math.round(Math.max(y0, y1)));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * this.width + x) * 3;
        this.rgb[i] = c[0];
        this.rgb[i + 1] = c[1];
        this.rgb[i + 2] = c[2];
      }
    }
  }

  /** A straight line `width` pixels thick (square pen), clipped to `clip` when given. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, width = 1, clip?: Rect): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const h = (width - 1) / 2;
    for (let k = 0; k <= n; k++) {
      const x = x0 + ((x1 - x0) * k) / n;
      const y = y0 + ((y1 - y0) * k) / n;
      for (let dy = -Math.floor(h); dy <= Math.ceil(h); dy++) {
        for (let dx = -Math.floor(h); dx <= Math.ceil(h); dx++) {
          const px = Math.round(x + dx);
          const py = Math.round(y + dy);
          if (clip && (px < clip.x0 || px >= clip.x1 || py < clip.y0 || py >= clip.y1)) continue;
          this.set(px, py, c);
        }
      }
    }
  }

  /** Filled disc of radius r centred at (cx, cy). */
  disc(cx: number, cy: number, r: number, c: RGB): void {
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r + 0.25) this.set(x, y, c);
      }
    }
  }

  /**
   * Text in the bitmap font. `align` positions (x, y) at the text's left, centre or right edge and its
   * top, middle or bottom; `rotate` draws bottom-to-top (for y-axis titles).
   */
  text(
    s: string,
    x: number,
    y: number,
    c: RGB,
    opts: {
      scale?: number;
      align?: 'left' | 'center' | 'right';
      valign?: 'top' | 'middle' | 'bottom';
      rotate?: boolean;
    } = {},
  ): void {
    const scale = opts.scale ?? 1;
    const w = textWidth(s, scale);
    const h = FONT.height * scale;
    const ax = opts.align === 'center' ? w / 2 : opts.align === 'right' ? w : 0;
    const ay = opts.valign === 'middle' ? h / 2 : opts.valign === 'bottom' ? h : 0;
    if (opts.rotate)
      rasterText(s, Math.round(x - ay), Math.round(y + ax), scale, (px, py) => this.set(px, py, c), true);
    else rasterText(s, Math.round(x - ax), Math.round(y - ay), scale, (px, py) => this.set(px, py, c));
  }

  /**
   * PNG bytes. Pictures with at most 256 distinct colours (every figure we draw: the colour scales
   * are quantised to {@link COLOR_LEVELS} levels) are written as 8-bit indexed PNG, a third of the
   * size of RGB; others as RGB through pngjs.
   */
  toPng(): Buffer {
    return encodeIndexedPng(this) ?? encodeRgbPng(this);
  }
}

/** A pixel rectangle [x0, x1) x [y0, y1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Levels a colour scale is quantised to in the PNG, so that a figure fits a 256-entry palette. */
export const COLOR_LEVELS = 200;

function encodeRgbPng(r: Raster): Buffer {
  const png = new PNG({ width: r.width, height: r.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(r.rgb.buffer, r.rgb.byteOffset, r.rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 9 });
}

function encodeIndexedPng(r: Raster): Buffer | null {
  const index = new Map<number, number>();
  const palette: number[] = [];
  const stride = r.width + 1;
  const raw = Buffer.alloc(stride * r.height);
  for (let y = 0; y < r.height; y++) {
    raw[y * stride] = 0; // filter type None: repeated rows and runs are left to deflate's matches
    for (let x = 0; x < r.width; x++) {
      const i = (y * r.width + x) * 3;
      const key = (r.rgb[i] << 16) | (r.rgb[i + 1] << 8) | r.rgb[i + 2];
      let k = index.get(key);
      if (k === undefined) {
        if (palette.length === 256) return null;
        k = palette.length;
        index.set(key, k);
        palette.push(key);
      }
      raw[y * stride + 1 + x] = k;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(r.width, 0);
  ihdr.writeUInt32BE(r.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((c, i) => {
    plte[3 * i] = c >> 16;
    plte[3 * i + 1] = (c >> 8) & 255;
    plte[3 * i + 2] = c & 255;
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

let crcTable: Uint32Array | undefined;
function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
