// Two-step operators (opening, closing, top-hats): erosion then dilation or the reverse, fused tile
// by tile where possible, else through one reused intermediate buffer.
import { checkGrid, withData, type Grid } from '../grid/grid';
import { extremumFilter, fusedExtremumFilter } from './extremumFilter';
import { assertFootprint, reflectedChords, type Footprint } from './footprint';
import { nonFiniteReporter, outputBuffer, resolveBorder } from './internal';
import type { MorphologyOptions } from './options';
import { RETAIN_BYTES } from '../memory';

let scratch = new Float32Array(0);

/**
 * A reusable intermediate buffer for the calls that cannot be fused (operators are synchronous, so
 * one suffices); never handed out.
 * Kept for the next call up to RETAIN_BYTES; a larger grid gets a buffer for its call only.
 */
function intermediate(length: number): Float32Array {
  if (scratch.length >= length) return scratch.subarray(0, length);
  const fresh = new Float32Array(length);
  if (4 * length <= RETAIN_BYTES) scratch = fresh;
  return fresh;
}

/** Bytes of the intermediate buffer kept between calls (for tests of the bound). */
export function intermediateBytes(): number {
  return scratch.byteLength;
}

/**
 * `second(first(g))` where each step is an erosion (min over B) or a dilation (max over the
 * reflected B), both with the same border rule. Shared by opening, closing and the top-hats. One
 * pass over tiles (fusedExtremumFilter) unless the border rule needs more of the intermediate image
 * than an edge tile holds; then the two steps run one after the other.
 */
export function composeMinMax<G extends Grid>(
  g: G,
  fp: Footprint,
  firstIsErosion: boolean,
  opts: MorphologyOptions,
  out?: Float32Array,
): G {
  checkGrid(g, 'grid');
  assertFootprint(fp);
  const border = resolveBorder(opts.border);
  const result = outputBuffer(out, g.data.length, g.data);
  const erosion = { chords: fp.chords, isMax: false };
  const dilation = { chords: reflectedChords(fp), isMax: true };
  const [first, second] = firstIsErosion ? [erosion, dilation] : [dilation, erosion];
  const report = nonFiniteReporter(g, 'grid', opts.allowNonFinite);
  if (!fusedExtremumFilter(g.data, g.rows, g.cols, first, second, border, result, report)) {
    const tmp = intermediate(g.data.length);
    extremumFilter(g.data, g.rows, g.cols, first.chords, first.isMax, border, tmp, report);
    extremumFilter(tmp, g.rows, g.cols, second.chords, second.isMax, border, result);
  }
  return withData(g, result);
}
