
/**
 * How pixels beyond the image edge are treated. Shared by every grey-level operator so the
 * documentation lives in one place.
 */
export interface BorderOptions {
  /**
   * - `'ignore'`: outside pixels take no part (as if +Infinity for erosion, -Infinity for dilation;
   *   OpenCV's default `morphologyDefaultBorderValue`). A pixel whose whole footprint falls outside
   *   the image (possible only when the footprint misses its own anchor) gets +-Infinity.
   * - `'replicate'`: the edge pixel repeats (`a a a | a b c d`; OpenCV BORDER_REPLICATE, scipy 'nearest').
   * - `'reflect'`: mirror including the edge pixel (`d c b a | a b c d`; OpenCV BORDER_REFLECT,
   *   scipy 'reflect'), repeated periodically when the footprint is wider than the image.
   * - `{constant: v}`: outside pixels equal `v` (OpenCV BORDER_CONSTANT, scipy 'constant' with cval).
   * @default 'ignore'
   */
  border?: Border;
}

/** Border treatment; see {@link BorderOptions.border}. */
export type Border = 'ignore' | 'replicate' | 'reflect' | { constant: number };

/** Options of the grey-level operators (`erode`, `dilate`, `opening`, ...). */
export interface MorphologyOptions extends BorderOptions {
  /**
   * Write the result here (length rows*cols) instead of allocating; it may not alias the input
   * data. The returned grid wraps this buffer. When the call throws, `out` may be partly written.
   * @default undefined (a new Float32Array)
   */
  out?: Float32Array;
  /**
   * Accept NaN and +-Infinity in the input. Infinities are ordered as usual; a NaN pixel gives
   * unspecified values where it falls inside a footprint (as in OpenCV), so clean data first.
   * @default false (non-finite input throws a ParameterError naming the first bad pixel)
   */
  allowNonFinite?: boolean;
}
