/**
 * specmorph's own 5x7 bitmap font for the PNG renderer: printable ASCII plus the signs figures and
 * reports use (× ± − — – ≤ ≥ · … ≈ ° μ ² → ← √ Δ; a test checks every string the
 * reports draw). Each glyph is 7 rows of 5 bits (most significant bit = leftmost pixel), stored as
 * two hex digits per row. Advance is 6 pixels per character at scale 1 and the line height 9
 * (1 pixel above and below for breathing room).
 */
const GLYPHS: [string, string][] = [
  [' ', '00000000000000'],
  ['!', '04040404040004'],
  ['"', '0a0a0000000000'],
  ['#', '0a0a1f0a1f0a0a'],
  ['$', '040f140e051e04'],
  ['%', '18190204081303'],
  ['&', '0c12140815120d'],
  ["'", '04040000000000'],
  ['(', '02040808080402'],
  [')', '08040202020408'],
  ['*', '0004150e150400'],
  ['+', '0004041f040400'],
  [',', '000000000c0408'],
  ['-', '0000001f000000'],
  ['.', '00000000000c0c'],
  ['/', '00010204081000'],
  ['0', '0e11131519110e'],
  ['1', '040c040404040e'],
  ['2', '0e11010204081f'],
  ['3', '1f02040201110e'],
  ['4', '02060a121f0202'],
  ['5', '1f101e0101110e'],
  ['6', '0608101e11110e'],
  ['7', '1f010204080808'],
  ['8', '0e11110e11110e'],
  ['9', '0e11110f01020c'],
  [':', '000c0c000c0c00'],
  [';', '000c0c000c0408'],
  ['<', '02040810080402'],
  ['=', '00001f001f0000'],
  ['>', '08040201020408'],
  ['?', '0e110102040004'],
  ['@', '0e11010d15150e'],
  ['A', '0e11111f111111'],
  ['B', '1e11111e11111e'],
  ['C', '0e11101010110e'],
  ['D', '1c12111111121c'],
  ['E', '1f10101e10101f'],
  ['F', '1f10101e101010'],
  ['G', '0e11101711110f'],
  ['H', '1111111f111111'],
  ['I', '0e04040404040e'],
  ['J', '0702020202120c'],
  ['K', '11121418141211'],
  ['L', '1010101010101f'],
  ['M', '111b1515111111'],
  ['N', '11111915131111'],
  ['O', '0e11111111110e'],
  ['P', '1e11111e101010'],
  ['Q', '0e11111115120d'],
  ['R', '1e11111e141211'],
  ['S', '0f10100e01011e'],
  ['T', '1f040404040404'],
  ['U', '1111111111110e'],
  ['V', '11111111110a04'],
  ['W', '1111111515150a'],
  ['X', '11110a040a1111'],
  ['Y', '11110a04040404'],
  ['Z', '1f01020408101f'],
  ['[', '0e08080808080e'],
  ['\\', '00100804020100'],
  [']', '0e02020202020e'],
  ['^', '040a1100000000'],
  ['_', '0000000000001f'],
  ['`', '08040000000000'],
  ['a', '00000e010f110f'],
  ['b', '1010161911111e'],
  ['c', '00000e1010110e'],
  ['d', '01010d1311110f'],
  ['e', '00000e111f100e'],
  ['f', '0609081c080808'],
  ['g', '000f11110f010e'],
  ['h', '10101619111111'],
  ['i', '04000c0404040e'],
  ['j', '0200060202120c'],
  ['k', '10101214181412'],
  ['l', '0c04040404040e'],
  ['m', '00001a15151111'],
  ['n', '00001619111111'],
  ['o', '00000e1111110e'],
  ['p', '00001e111e1010'],
  ['q', '00000d130f0101'],
  ['r', '00001619101010'],
  ['s', '00000e100e011e'],
  ['t', '08081c08080906'],
  ['u', '0000111111130d'],
  ['v', '00001111110a04'],
  ['w', '0000111115150a'],
  ['x', '0000110a040a11'],
  ['y', '000011110f010e'],
  ['z', '00001f0204081f'],
  ['{', '02040408040402'],
  ['|', '04040404040404'],
  ['}', '08040402040408'],
  ['~', '00000815020000'],
  ['×', '0000110a040a11'],
  ['≤', '0204080402001f'],
  ['−', '0000001f000000'],
  ['·', '00000004000000'],
  ['→', '0004021f020400'],
  ['Δ', '00040a0a11111f'],
  ['±', '04041f0404001f'],
  ['—', '0000001f000000'],
  ['–', '0000000e000000'],
  ['≥', '0804020408001f'],
  ['…', '00000000000015'],
  ['≈', '00081502081502'],
  ['°', '0c120c00000000'],
  ['μ', '00001111131d10'],
  ['²', '0c0204080e0000'],
  ['←', '0004081f080400'],
  ['√', '03020204141408'],
];

const TABLE = new Map<string, Uint8Array>(
  GLYPHS.map(([ch, hex]) => [ch, Uint8Array.from({ length: 7 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16))]),
);
const UNKNOWN = TABLE.get('?') as Uint8Array;

/** Glyph width, height, horizontal advance and line height in pixels at scale 1. */
export const FONT = { width: 5, height: 7, advance: 6, lineHeight: 9 } as const;

/** True when the font has a glyph for `ch` (others draw as '?'). */
export function hasGlyph(ch: string): boolean {
  return TABLE.has(ch);
}

/** Rows of the glyph for `ch` (7 values of 5 bits); characters we lack draw as '?'. */
export function glyph(ch: string): Uint8Array {
  return TABLE.get(ch) ?? UNKNOWN;
}

/** Width in pixels of `text` at `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * FONT.advance - 1) * scale;
}

/**
 * Calls `plot(x, y)` for every lit pixel of `text` drawn with its top-left corner at (x0, y0).
 * `rotate` = true draws bottom-to-top (90 degrees anticlockwise), for y-axis titles: then (x0, y0) is
 * the bottom-left corner of the rotated text.
 */
export function rasterText(
  text: string,
  x0: number,
  y0: number,
  scale: number,
  plot: (x: number, y: number) => void,
  rotate = false,
): void {
  let pen = 0;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < FONT.height; gy++) {
      for (let gx = 0; gx < FONT.width; gx++) {
        if (!((rows[gy] >> (FONT.width - 1 - gx)) & 1)) continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const u = pen + gx * scale + sx;
            const v = gy * scale + sy;
            if (rotate) plot(x0 + v, y0 - u);
            else plot(x0 + u, y0 + v);
          }
        }
      }
    }
    pen += FONT.advance * scale;
  }
}
