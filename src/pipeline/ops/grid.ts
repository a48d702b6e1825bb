import { ParameterError } from '../../errors';
import { resize } from '../../grid/resize';
import { minMaxNormalise, zScoreNormalise } from '../../grid/normalise';
import { amplitudeToDb, powerToDb } from '../../spectral/db';
import { erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient } from '../../morphology';
import { type BorderSpec, checkBorder, checkFootprint, footprintFromSpec } from '../footprintSpec';
import { finite, nullableNum, oneOf, optNum, params, posInt, required, type ResolvedOf, withDefault } from '../schema';
import { gridOp, type Placement } from './op';

/**
 * Power (or amplitude, after `power: 1`) to dB as librosa `power_to_db` / `amplitude_to_db`. Only
 * right after a spectral stage that gives a spectrogram (stft, mel), once.
 */
const db = gridOp({
  schema: params({
    /** Reference: a positive number (absolute dB) or `'max'` (0 dB at the clip's maximum). @default 1 */
    ref: withDefault<number | 'max'>(1, (v, p) =>
      v === 'max' ? v : finite((x) => x > 0, 'must be a finite number > 0 or "max"')(v, p),
    ),
    /** Floor before the logarithm. @default 1e-10 (power) / 1e-5 (amplitude) */
    amin: optNum((x) => x > 0, 'must be a finite number > 0'),
    /** Clip to at least `max - topDb`; null = no clipping. @default 80 */
    topDb: nullableNum(80, (x) => x >= 0, 'must be a finite number >= 0 or null'),
  }),
  place({ i, at, stages, spectral }: Placement) {
    if (spectral.gives !== 'spectrogram') {
      const what = `stages[${at}].op="${spectral.op}" gives coefficients`;
      throw new ParameterError(`stages[${i}].op="db" needs a power/amplitude spectrogram; ${what}`);
    }
    const between = stages.slice(at + 1, i);
    if (between.some((t) => t.op !== 'db' && t.kind === 'grid')) {
      const where = `right after the spectral stage stages[${at}] (before morphology/resize/normalise)`;
      throw new ParameterError(`stages[${i}].op="db" must come ${where}`);
    }
    if (between.some((t) => t.op === 'db')) throw new ParameterError(`stages[${i}].op="db" is repeated`);
  },
  run(g, s) {
    // A Spectrogram says whether it holds amplitude; any other grid is taken as power.
    return 'unit' in g && g.unit === 'amplitude' ? amplitudeToDb(g, s) : powerToDb(g, s);
  },
});

/** Grey-level morphology fields, the same for every operator. */
const morphologyFields = {
  /** Structuring element, e.g. `{"shape": "rect", "rows": 3, "cols": 3}` (required). */
  footprint: required(checkFootprint),
  /** Border treatment, as the operators' `border` option. @default 'ignore' */
  border: withDefault<BorderSpec>('ignore', checkBorder),
};
const morphologyOp = (operator: typeof erode) =>
  gridOp({
    schema: params(morphologyFields),
    run: (g, s) => operator(g, footprintFromSpec(s.footprint), { border: s.border }),
  });

/**
 * The grey-level morphology operators a pipeline stage (and the learned morphology layer) can apply,
 * one row each: the op name is the operator's name.
 */
const MORPHOLOGY = {
  erode: morphologyOp(erode),
  dilate: morphologyOp(dilate),
  opening: morphologyOp(opening),
  closing: morphologyOp(closing),
  whiteTopHat: morphologyOp(whiteTopHat),
  blackTopHat: morphologyOp(blackTopHat),
  morphologicalGradient: morphologyOp(morphologicalGradient),
};
/** A grey-level morphology operator name. */
export type MorphologyOp = keyof typeof MORPHOLOGY;
/** Every {@link MorphologyOp}, in registry order. */
export const MORPHOLOGY_OPS: readonly MorphologyOp[] = Object.freeze(Object.keys(MORPHOLOGY) as MorphologyOp[]);

/** Parameters of a normalise stage. */
const normaliseFields = {
  /** @default 'minmax' */
  method: oneOf('minmax', ['minmax', 'zscore']),
  /** Fixed minimum (with `max`, method minmax). @default the clip's */
  min: optNum(() => true, 'must be a finite number'),
  /** Fixed maximum (with `min`, method minmax). @default the clip's */
  max: optNum(() => true, 'must be a finite number'),
  /** Fixed mean (with `std`, method zscore). @default the clip's */
  mean: optNum(() => true, 'must be a finite number'),
  /** Fixed standard deviation (with `mean`, method zscore). @default the clip's */
  std: optNum((x) => x > 0, 'must be a finite number > 0'),
};

/** A normalise stage's fixed statistics: both of its method's pair or neither, and none of the other's. */
function checkStatistics(s: ResolvedOf<typeof normaliseFields>, p: string): void {
  const [stats, other] =
    s.method === 'minmax'
      ? ([
          ['min', 'max'],
          ['mean', 'std'],
        ] as const)
      : ([
          ['mean', 'std'],
          ['min', 'max'],
        ] as const);
  for (const k of other) {
    if (s[k] !== undefined)
      throw new ParameterError(`${p}.${k} does not apply to method "${s.method}" (use ${stats.join('/')})`);
  }
  if ((s[stats[0]] === undefined) !== (s[stats[1]] === undefined))
    throw new ParameterError(`${p}: give both ${stats[0]} and ${stats[1]} or neither`);
  if (s.min !== undefined && s.max !== undefined && s.max <= s.min)
    throw new ParameterError(`${p}.max=${s.max} must be > ${p}.min=${s.min}`);
}

/** Grid ops (Spectrogram/Grid -> Grid), run after the spectral stage. */
export const GRID_OPS = {
  db,

  /** Resize to `rows x cols` (cv2.resize semantics). Not with `excitation` rows: the columns stop being frames. */
  resize: gridOp({
    schema: params({
      /** @default 128 */
      rows: posInt(128),
      /** @default 128 */
      cols: posInt(128),
      /** `'bilinear'`, `'area'` or `'nearest'`. @default 'area' */
      method: oneOf('area', ['bilinear', 'area', 'nearest']),
    }),
    changesColumns: true,
    run: (g, s) => resize(g, s.rows, s.cols, { method: s.method }),
  }),

  /**
   * Per-clip normalisation, `'minmax'` to [0, 1] or `'zscore'`; give `min`/`max` or `mean`/`std` to use
   * fixed (e.g. training-set) statistics instead of the clip's own.
   */
  normalise: gridOp({
    schema: params(normaliseFields, checkStatistics),
    run: (g, s) =>
      s.method === 'minmax'
        ? minMaxNormalise(g, { min: s.min, max: s.max })
        : zScoreNormalise(g, { mean: s.mean, std: s.std }),
  }),

  ...MORPHOLOGY,
};
