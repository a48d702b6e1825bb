import { assert, assertPositiveInt } from '../errors';
import { checkGrid, Grid } from '../grid/grid';

/**
 * Orthonormal DCT-II matrix, nOut x nIn, as `scipy.fft.dct(type=2, norm='ortho')` (MATLAB `dct`):
 * `y[k] = s_k * 2 * sum_n x[n] cos(pi k (2n+1) / (2 nIn))`, `s_0 = sqrt(1/(4 nIn))`, `s_k = sqrt(1/(2 nIn))`.
 */
export function dctMatrix(nIn: number, nOut = nIn): Float64Array {
  assertPositiveInt(nIn, 'nIn');
  assertPositiveInt(nOut, 'nOut');
  const m = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const s = k === 0 ? Math.sqrt(1 / (4 * nIn)) : Math.sqrt(1 / (2 * nIn));
    for (let n = 0; n < nIn; n++) m[k * nIn + n] = 2 * s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  return m;
}

/**
 * DCT-II (orthonormal) of every column of `g` (along the rows, i.e. the frequency axis), keeping the first
 * `nOut` coefficients: output nOut x g.cols. As `scipy.fft.dct(g, type=2, norm='ortho', axis=0)[:nOut]`.
 */
export function dctColumns(g: Grid, nOut: number): Float32Array {
  checkGrid(g, 'g');
  assert(
    Number.isInteger(nOut) && nOut > 0 && nOut <= g.rows,
    () => `n=${nOut} must be an integer in 1..${g.rows} (the number of input rows)`,
  );
  const { rows, cols, data } = g;
  const m = dctMatrix(rows, nOut);
  const out = new Float32Array(nOut * cols);
  const acc = new Float64Array(cols);
  for (let k = 0; k < nOut; k++) {
    acc.fill(0);
    for (let n = 0; n < rows; n++) {
      const w = m[k * rows + n];
      const row = n * cols;
      for (let c = 0; c < cols; c++) acc[c] += w * data[row + c];
    }
    out.set(acc, k * cols);
  }
  return out;
}
