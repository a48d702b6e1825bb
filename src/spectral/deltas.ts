import { assert, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { checkGrid, Grid, withData } from '../grid/grid';

/** Options of {@link baselineDeltas}. */
export interface DeltaOptions {
  /**
   * Odd window width W in frames; the slope uses W//2 frames on each side.
   * @default 3  (the ASVspoof 2019 LFCC baseline's `deltas(x, 3)`)
   */
  width?: number;
}

const DELTA_OPTIONS: OptionNames<DeltaOptions> = { width: true };

/**
 * Time derivative of every row of `g`, as Dan Ellis' `deltas.m` used by the ASVspoof 2019 LFCC-GMM
 * baseline: `D[t] = sum_{k=1..W//2} k * (x[t+k] - x[t-k])` with the first and last columns repeated at
 * the edges, and no normalisation (width 3: `x[t+1] - x[t-1]`).
 *
 * Shape kept (rows x cols). Notes: deliberately not `librosa.feature.delta` (width 9, Savitzky-Golay
 * normalised by sum k^2, polynomial edge interpolation), so that the `asvspoof2019` LFCC preset
 * reproduces the baseline's features.
 */
export function baselineDeltas<G extends Grid>(g: G, opts: DeltaOptions = {}): G {
  checkGrid(g, 'g');
  checkOptionNames(opts, DELTA_OPTIONS, 'baselineDeltas');
  const width = opts.width ?? 3;
  assert(
    Number.isInteger(width) && width >= 3 && width % 2 === 1,
    () => `width=${formatValue(width)} must be an odd integer >= 3`,
  );
  return withData(g, deltaData(g.data, g.rows, g.cols, width));
}

/** The kernel of {@link baselineDeltas} on raw row-major data. */
export function deltaData(data: Float32Array, rows: number, cols: number, width: number): Float32Array {
  const h = (width - 1) / 2;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let t = 0; t < cols; t++) {
      let acc = 0;
      for (let k = 1; k <= h; k++) {
        const a = Math.min(cols - 1, t + k);
        const b = Math.max(0, t - k);
        acc += k * (data[o + a] - data[o + b]);
      }
      out[o + t] = acc;
    }
  }
  return out;
}
