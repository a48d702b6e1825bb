import { DatasetError, SpecmorphError, assertPositiveInt } from '../errors';
import { Grid } from '../grid/grid';
import { readPng } from '../grid/png';
import { resize, ResizeOptions } from '../grid/resize';
import { ProgressCallback } from './features';

/** Options of {@link loadPngFeature}. */
export interface PngFeatureOptions extends ResizeOptions {
  /** Output rows. @default 128 (the original notebook's 128 x 128 images) */
  rows?: number;
  /** Output columns. @default 128 */
  cols?: number;
  /**
   * Row order: `'top'` keeps image order (row 0 = top of the picture); `'lower'` flips so row 0 is the
   * bottom, i.e. the lowest frequency of a spectrogram drawn with `origin='lower'`.
   * @default 'top'
   */
  origin?: 'top' | 'lower';
}

/**
 * Reads a spectrogram image (grey or RGB PNG) as one grey Grid in [0, 1] (BT.601 luma for colour),
 * resized to `rows x cols` (OpenCV semantics, default 'area' like shrinking with cv2.INTER_AREA).
 * DatasetError names the file when it cannot be read or decoded.
 *
 * Notes: a colour-mapped RGB image loses its colormap's ordering when turned to luma (viridis luma is
 * monotonic; jet's is not); prefer grey images or compute spectrograms from audio.
 */
export function loadPngFeature(file: string, opts: PngFeatureOptions = {}): Grid {
  const rows = opts.rows ?? 128;
  const cols = opts.cols ?? 128;
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  let g: Grid;
  try {
    g = readPng(file, { origin: opts.origin ?? 'top' });
  } catch (e) {
    if (e instanceof SpecmorphError && e.message.startsWith(file)) throw e;
    throw new DatasetError(`${file}: ${(e as Error).message}`);
  }
  if (g.rows === rows && g.cols === cols) return g;
  return resize(g, rows, cols, { method: opts.method ?? 'area' });
}

/** {@link loadPngFeature} over many files, in order, with progress callbacks. */
export function loadPngFeatures(
  files: readonly string[],
  opts: PngFeatureOptions & { onProgress?: ProgressCallback } = {},
): Grid[] {
  return files.map((f, i) => {
    const g = loadPngFeature(f, opts);
    opts.onProgress?.(i + 1, files.length);
    return g;
  });
}
