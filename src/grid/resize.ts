import { assert, assertPositiveInt } from '../errors';
import { Grid, checkGrid, createGrid } from './grid';
import { assertMemory } from '../memory';

/** How {@link resize} interpolates. */
export interface ResizeOptions {
  /**
   * `'bilinear'`: OpenCV `INTER_LINEAR` (half-pixel centres: source coordinate `(d + 0.5) * scale - 0.5`,
   * edge pixels replicated). `'area'`: OpenCV `INTER_AREA` (exact pixel-area average when shrinking
   * both axes; OpenCV's area-weighted linear taps when either axis grows). `'nearest'`: OpenCV
   * `INTER_NEAREST` (source index `floor(d * scale)`, no half-pixel shift).
   * @default 'bilinear'
   */
  method?: 'bilinear' | 'area' | 'nearest';
}

/** Per destination index: the source indices it reads and their weights. */
type Taps = { idx: Int32Array; w: Float64Array; start: Int32Array };

function linearTaps(src: number, dst: number, area: boolean): Taps {
  const invScale = dst / src;
  const scale = 1 / invScale;
  const idx = new Int32Array(dst * 2);
  const w = new Float64Array(dst * 2);
  const start = new Int32Array(dst + 1);
  for (let d = 0; d < dst; d++) {
    let sx: number;
    let fx: number;
    // OpenCV computes the fractional offset in float32; rounding it the same way keeps us within 1 ulp.
    if (!area) {
      fx = Math.fround((d + 0.5) * scale - 0.5);
      sx = Math.floor(fx);
      fx = Math.fround(fx - sx);
    } else {
      sx = Math.floor(d * scale);
      fx = Math.fround(d + 1 - (sx + 1) * invScale);
      fx = fx <= 0 ? 0 : Math.fround(fx - Math.floor(fx));
    }
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx >= src - 1) {
      fx = 0;
      sx = src - 1;
    }
    idx[2 * d] = sx;
    idx[2 * d + 1] = Math.min(sx + 1, src - 1);
    w[2 * d] = Math.fround(1 - fx);
    w[2 * d + 1] = fx;
    start[d + 1] = 2 * (d + 1);
  }
  return { idx, w, start };
}

/** OpenCV computeResizeAreaTab: each output cell averages the source cells it covers, by overlap. */
function areaTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(dst + 1);
  for (let d = 0; d < dst; d++) {
    const f1 = d * scale;
    const f2 = f1 + scale;
    const cell = Math.min(scale, src - f1);
    let s2 = Math.floor(f2);
    let s1 = Math.ceil(f1);
    s2 = Math.min(s2, src - 1);
    s1 = Math.min(s1, s2);
    if (s1 - f1 > 1e-3) {
      idx.push(s1 - 1);
      w.push((s1 - f1) / cell);
    }
    for (let s = s1; s < s2; s++) {
      idx.push(s);
      w.push(1 / cell);
    }
    if (f2 - s2 > 1e-3) {
      idx.push(s2);
      w.push(Math.min(Math.min(f2 - s2, 1), cell) / cell);
    }
    start[d + 1] = idx.length;
  }
  return { idx: Int32Array.from(idx), w: Float64Array.from(w), start };
}

function nearestTaps(src: number, dst: number): Taps {
  const scale = 1 / (dst / src);
  const idx = new Int32Array(dst);
  const start = new Int32Array(dst + 1);
  for (let d = 0; d < dst; d++) {
    idx[d] = Math.min(Math.floor(d * scale), src - 1);
    start[d + 1] = d + 1;
  }
  return { idx, w: new Float64Array(dst).fill(1), start };
}

/**
 * Resizes a Grid to `rows x cols` (frequency x time for spectrograms).
 *
 * Output: a plain Grid (Spectrogram axes metadata is dropped because rows/columns no longer map to
 * single bins/frames). Computed separably in float64, stored as float32.
 *
 * Notes: follows OpenCV `cv2.resize` (pixel centres at +0.5, border replicated), not
 * `skimage.transform.resize` (which anti-aliases with a Gaussian) nor tf `resizeBilinear` with
 * `alignCorners`; checked against cv2 4.6 on float32 inputs to 1e-5 (test/fixtures/gen_eval.py).
 */
export function resize(grid: Grid, rows: number, cols: number, opts: ResizeOptions = {}): Grid {
  checkGrid(grid);
  assertPositiveInt(rows, 'rows');
  assertPositiveInt(cols, 'cols');
  // The float64 row pass plus the float32 output.
  assertMemory(grid.rows * cols * 8 + rows * cols * 4, () => `rows=${rows} cols=${cols}`);
  const method = opts.method ?? 'bilinear';
  assert(
    method === 'bilinear' || method === 'area' || method === 'nearest',
    () => `method=${JSON.stringify(method)} must be 'bilinear', 'area' or 'nearest'`,
  );
  const taps = (src: number, dst: number): Taps => {
    if (method === 'nearest') return nearestTaps(src, dst);
    if (method === 'area' && grid.rows >= rows && grid.cols >= cols) return areaTaps(src, dst);
    return linearTaps(src, dst, method === 'area');
  };
  const ty = taps(grid.rows, rows);
  const tx = taps(grid.cols, cols);
  const tmp = new Float64Array(grid.rows * cols);
  const src = grid.data;
  for (let r = 0; r < grid.rows; r++) {
    const o = r * grid.cols;
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      for (let k = tx.start[c]; k < tx.start[c + 1]; k++) acc += src[o + tx.idx[k]] * tx.w[k];
      tmp[r * cols + c] = acc;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = ty.start[r]; k < ty.start[r + 1]; k++) {
      const wk = ty.w[k];
      const o = ty.idx[k] * cols;
      for (let c = 0; c < cols; c++) out[r * cols + c] += tmp[o + c] * wk;
    }
  }
  return createGrid(rows, cols, out);
}
