import { assert, assertPositiveInt, formatValue, ParameterError } from '../errors';

/**
 * One horizontal run of ones in a footprint ("chord"): offsets `dc .. dc+length-1` on row offset
 * `dr`, all relative to the anchor.
 */
export interface Chord {
  readonly dr: number;
  readonly dc: number;
  readonly length: number;
}

/**
 * A flat structuring element as a value: a rows x cols 0/1 mask (row-major, `mask[r * cols + c]`)
 * with its anchor at the centre `(floor(rows/2), floor(cols/2))`. For spectrograms rows run along
 * frequency and columns along time. Build one with the `footprint.*` generators.
 */
export interface Footprint {
  readonly rows: number;
  readonly cols: number;
  readonly mask: Uint8Array;
  readonly anchorRow: number;
  readonly anchorCol: number;
  /** Number of ones. */
  readonly size: number;
  /** Every element is one: operators take the separable path. */
  readonly isRect: boolean;
  /** Row-span decomposition, top row first, left to right; operators reuse one horizontal pass per distinct length. */
  readonly chords: readonly Chord[];
  /** Which generator made it (for display). */
  readonly kind: 'rect' | 'line' | 'cross' | 'ellipse' | 'disk' | 'mask';
}

function build(rows: number, cols: number, mask: Uint8Array, kind: Footprint['kind']): Footprint {
  const anchorRow = Math.floor(rows / 2);
  const anchorCol = Math.floor(cols / 2);
  const chords: Chord[] = [];
  let size = 0;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < cols) {
      if (!mask[r * cols + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < cols && mask[r * cols + c]) c++;
      chords.push(Object.freeze({ dr: r - anchorRow, dc: start - anchorCol, length: c - start }));
      size += c - start;
    }
  }
  assert(size > 0, () => `footprint mask ${rows}x${cols} has no ones`);
  return Object.freeze({
    rows,
    cols,
    mask,
    anchorRow,
    anchorCol,
    size,
    isRect: size === rows * cols,
    chords: Object.freeze(chords),
    kind,
  });
}

/** All-ones rows x cols rectangle (OpenCV MORPH_RECT, skimage `footprint_rectangle`). */
function rect(rows: number, cols: number): Footprint {
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  return build(rows, cols, new Uint8Array(rows * cols).fill(1), 'rect');
}

/**
 * A straight line of `length` ones: `'time'` runs along columns (1 x length, one frequency bin
 * over several frames), `'frequency'` along rows (length x 1).
 */
function line(length: number, axis: 'time' | 'frequency'): Footprint {
  assertPositiveInt(length, 'length');
  assert(axis === 'time' || axis === 'frequency', () => `axis=${formatValue(axis)} must be 'time' or 'frequency'`);
  const fp = axis === 'time' ? rect(1, length) : rect(length, 1);
  return Object.freeze({ ...fp, kind: 'line' as const });
}

/** A plus sign: the anchor row and the anchor column of a rows x cols box (OpenCV MORPH_CROSS). */
function cross(rows: number, cols: number): Footprint {
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  const mask = new Uint8Array(rows * cols);
  const ar = Math.floor(rows / 2);
  const ac = Math.floor(cols / 2);
  for (let c = 0; c < cols; c++) mask[ar * cols + c] = 1;
  for (let r = 0; r < rows; r++) mask[r * cols + ac] = 1;
  return build(rows, cols, mask, 'cross');
}

/** Round half to even, as C's lrint / OpenCV's cvRound. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Ellipse inscribed in a rows x cols box, exactly `cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
 * (cols, rows))`. Notes: OpenCV's ellipse is not scikit-image's `ellipse`; for round discs
 * matching scikit-image use {@link disk}.
 */
function ellipse(rows: number, cols: number): Footprint {
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  if (rows === 1 && cols === 1) return build(1, 1, new Uint8Array([1]), 'ellipse');
  const mask = new Uint8Array(rows * cols);
  const r = Math.floor(rows / 2);
  const c = Math.floor(cols / 2);
  const invR2 = r ? 1 / (r * r) : 0;
  for (let i = 0; i < rows; i++) {
    const dy = i - r;
    if (Math.abs(dy) > r) continue;
    const dx = roundHalfEven(c * Math.sqrt((r * r - dy * dy) * invR2));
    const j1 = Math.max(c - dx, 0);
    const j2 = Math.min(c + dx + 1, cols);
    for (let j = j1; j < j2; j++) mask[i * cols + j] = 1;
  }
  return build(rows, cols, mask, 'ellipse');
}

/**
 * Disc of the given integer radius, (2r+1) x (2r+1): offsets with dx^2 + dy^2 <= r^2, exactly
 * `skimage.morphology.disk(radius)`.
 */
function disk(radius: number): Footprint {
  assert(Number.isInteger(radius) && radius >= 0, () => `radius=${formatValue(radius)} must be an integer >= 0`);
  const n = 2 * radius + 1;
  const mask = new Uint8Array(n * n);
  for (let y = -radius; y <= radius; y++) {
    for (let x = -radius; x <= radius; x++)
      mask[(y + radius) * n + x + radius] = x * x + y * y <= radius * radius ? 1 : 0;
  }
  return build(n, n, mask, 'disk');
}

/**
 * Footprint from nested rows of 0/1 or booleans (`rows[r][c]`), anchored at the centre
 * `(floor(rows/2), floor(cols/2))`. Even sizes and asymmetric shapes are fine.
 */
function fromMask(rows: ReadonlyArray<ReadonlyArray<0 | 1 | boolean>>): Footprint {
  assert(Array.isArray(rows) && rows.length > 0, () => `mask=${formatValue(rows)} must be a non-empty array of rows`);
  const first = rows[0];
  assert(Array.isArray(first) && first.length > 0, () => `mask[0]=${formatValue(first)} must be a non-empty array`);
  const cols = first.length;
  const mask = new Uint8Array(rows.length * cols);
  rows.forEach((row, r) => {
    assert(Array.isArray(row) && row.length === cols, () =>
      Array.isArray(row)
        ? `mask[${r}] has length ${row.length}; every row must have length ${cols} (mask[0])`
        : `mask[${r}]=${formatValue(row)} must be an array of length ${cols} (as mask[0])`,
    );
    row.forEach((v, c) => {
      if (v === 1 || v === true) mask[r * cols + c] = 1;
      else if (v !== 0 && v !== false)
        throw new ParameterError(`mask[${r}][${c}]=${formatValue(v)} must be 0, 1, true or false`);
    });
  });
  return build(rows.length, cols, mask, 'mask');
}

/** Asserts that `fp` is a value made by the `footprint` generators (ParameterError naming `name` otherwise). */
export function assertFootprint(fp: Footprint, name = 'footprint'): void {
  assert(
    fp !== null &&
      typeof fp === 'object' &&
      Array.isArray(fp.chords) &&
      fp.chords.length > 0 &&
      Number.isInteger(fp.rows),
    () => `${name}=${formatValue(fp)} must be a Footprint (use footprint.rect, .disk, .fromMask, ...)`,
  );
}

/** Chords of the point reflection of `fp` about its anchor (offsets b -> -b): what dilation gathers over. */
export function reflectedChords(fp: Footprint): Chord[] {
  return fp.chords.map((ch) => ({ dr: -ch.dr, dc: -(ch.dc + ch.length - 1), length: ch.length }));
}

/** The footprint as nested 0/1 rows (for display and for `fromMask` round trips). */
export function footprintRows(fp: Footprint): (0 | 1)[][] {
  return Array.from({ length: fp.rows }, (_, r) =>
    Array.from(fp.mask.subarray(r * fp.cols, (r + 1) * fp.cols), (v) => (v ? 1 : 0)),
  );
}

/**
 * Footprint generators. Every footprint is anchored at its centre `(floor(rows/2), floor(cols/2))`;
 * rows run along frequency, columns along time.
 */
export const footprint = Object.freeze({ rect, line, cross, ellipse, disk, fromMask });
