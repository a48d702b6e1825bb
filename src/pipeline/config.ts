import { createHash } from 'node:crypto';
import { ParameterError } from '../errors';
import { EXCITATION_REFERENCES, excitationRowNames, type ExcitationReference } from '../spectral/excitation';
import { opEntry, OP_NAMES, PIPELINE_OPS, type StageConfig, type StageKind } from './ops';
import { fail, positiveInt } from './schema';

export { MORPHOLOGY_OPS, stageKind } from './ops';
export type { AudioStage, GridStage, MelParams, MorphologyOp, SpectralStage, StageConfig, StftParams } from './ops';
export type { BorderSpec, FootprintSpec } from './footprintSpec';

/**
 * A feature pipeline as plain JSON: audio stages, exactly one spectral stage, then grid stages.
 * Round-trips through `JSON.stringify` / {@link parsePipelineConfig}.
 */
export interface PipelineConfig {
  stages: StageConfig[];
  /**
   * Append the frame-wise excitation statistics of the audio that entered the spectral stage
   * (`excitationFeatures`: log kurtosis and log crest factor of the linear-prediction residual,
   * frame energy in dB; with `harmonicPhase`, five more: voicing and the harmonics' relative
   * phases; with `prosody`, two more: voicing and the pitch contour) as three to ten more rows
   * below the final grid, one value per column. They are
   * added after every grid stage, so morphology never touches them; a model built with
   * `excitation` options reads them in a branch of its own. Not allowed with `resize` (the
   * columns must stay the spectral frames). `frameLength` and `order` default as in
   * `excitationFeatures` (32 ms; 2 + kHz) at the analysis rate (`sampleRate`, default the rate the
   * spectral stage sees). Absent or null: none.
   * @default null
   */
  excitation?: ExcitationStage | null;
  /**
   * Append the ASVspoof 2019 LFCC front end (`lfcc` preset `asvspoof2019`: 20 coefficients, deltas
   * and double deltas: 60 rows; 20 ms Hamming windows, 10 ms hop, pre-emphasis 0.97) of the audio
   * that entered the spectral stage, resampled to `sampleRate`, as more rows below the final grid
   * (above the excitation rows), one column per spectral frame: the LFCC frame whose centre is
   * nearest the spectral frame's. Added after every grid stage, so morphology never touches them; a
   * model built with `gmm` options scores them with a GMM expert of its own. Not allowed with
   * `resize`. Absent or null: none.
   * @default null
   */
  lfcc?: LfccRowsStage | null;
}

/** Options of {@link PipelineConfig.lfcc}. */
export interface LfccRowsStage {
  /**
   * Analysis rate, Hz (the frame times stay the spectral stage's). Why: the baseline's 20 filters
   * span 0 to half the rate, so a clip upsampled to the spectral stage's rate would spend half of
   * them on an empty band. @default the spectral stage's rate
   */
  sampleRate?: number;
  /** Which audio the rows are computed on ({@link SideRowsSource}). @default 'spectral' */
  source?: SideRowsSource;
}

/**
 * Which audio the LFCC or excitation rows are computed on. `'spectral'`: the audio that entered the
 * spectral stage. `'clip'`: where a `crop` stage lengthened the clip by repeating it, the clip as it
 * entered that crop (with the audio stages after the crop applied to it too), each column taking the
 * clip's frame at the column's time modulo the clip's length, so the rows are the clip's own frames
 * tiled as the crop tiled its samples (a longer clip, or a zero-padded one, is analysed as with
 * `'spectral'`). Why: the frames that straddle a repeat seam see a jump the clip never had; the LFCC
 * GMM reference computes its frames on the clip itself (`--arch gmm`, festival-diphone clips of
 * 2 s in the larger set: the 4 s repeat-padded copy raised that attack's EER by 1.7-3.8 points in
 * each of 3 seeds).
 */
export type SideRowsSource = 'spectral' | 'clip';
const SIDE_ROWS_SOURCES: readonly SideRowsSource[] = ['spectral', 'clip'];

/** Options of {@link PipelineConfig.excitation}. */
export interface ExcitationStage {
  /** Analysis frame, samples. @default 32 ms at the stage's rate */
  frameLength?: number;
  /** Linear-prediction order. @default 2 + round(sampleRate / 1000) */
  order?: number;
  /**
   * Analysis rate, Hz: the audio is resampled to it for the statistics (the frame times stay the
   * spectral stage's). Why: a clip upsampled to the spectral stage's rate has an empty upper band
   * that the predictor would whiten, so the residual shows the resampler's stopband instead of the
   * glottal pulses (bundled corpus, 8 kHz clips at 16 kHz: the crest factor alone separates
   * Griffin-Lim copies at 23 % EER, at 8 kHz at 10 %). @default the spectral stage's rate
   */
  sampleRate?: number;
  /**
   * `'griffin-lim'`: the kurtosis and crest rows are measured against the clip's own Griffin-Lim
   * copy (`excitationFeatures`' `reference`): the statistics minus the copy's, so a speaker or
   * recording chain whose residual is less peaky is not taken for phase reconstruction as
   * often: a Griffin-Lim copy's difference is near 0 whoever spoke. Threshold on the clip mean,
   * Griffin-Lim copies against bona fide, bundled test split: 10.1 % EER without, 7.0 % with; the
   * training side of the larger set (`datasets/build.sh --extension train`): 15.1 %, 11.7 %. Costs a
   * 32-iteration Griffin-Lim per clip. @default 'none'
   */
  reference?: ExcitationReference;
  /** Which audio the rows are computed on ({@link SideRowsSource}). @default 'spectral' */
  source?: SideRowsSource;
  /**
   * `true`: five more rows, the harmonics' relative phases (`excitationFeatures`' `harmonicPhase`:
   * voicing, cos and sin of `psi_2`, `psi_3`), whose concentration over a window is the excitation
   * expert's third statistic. Threshold on the clip mean of the three z-scores, Griffin-Lim copies
   * against bona fide, bundled training split (where it was chosen): 13.1 % EER without, 6.0 %
   * with; test split 7.0 %, 3.9 % (docs/results.md). @default false
   */
  harmonicPhase?: boolean;
  /**
   * `true`: two more rows, last, the pitch contour (`excitationFeatures`' `prosody`: voicing and
   * `ln f0` relative to the clip's median), read by the prosody expert, whose z-score joins the
   * network's and the GMM expert's mean. Threshold on the clip mean of its two statistics'
   * z-scores, bundled training split (where they were chosen): festival-diphone 1.9 % EER,
   * espeak-ng 13.7 %; test split: diphone 0.4 %, festival-hts 1.5 %, flite-clustergen 1.1 %
   * (docs/results.md). @default false
   */
  prosody?: boolean;
}

/**
 * The default pipeline of `specmorph train`: mono, 16 kHz, 4 s (repeat-padded, as the ASVspoof 2021
 * baselines), 80-band Slaney mel power spectrogram of a 512-point STFT (25 ms Hann window, 10 ms
 * hop), dB (ref 1, top 80 dB); below it the 60 ASVspoof 2019 LFCC rows (`lfcc`) and the ten
 * excitation rows (`excitation`: LPC-residual log kurtosis and log crest factor, each minus its
 * value in the clip's own Griffin-Lim copy, energy dB, then voicing and the relative phases of the
 * 2nd and 3rd harmonics per frame, then voicing and the pitch contour), both analysed at 8 kHz, the
 * telephone band every bundled clip fills: 150 x 401. Nothing is resized and nothing normalised per
 * clip: the detector standardises each mel band with training statistics
 * itself (`trainClassifier`), trains its CNN on random 2 s crops, scores the LFCC rows with a GMM
 * expert, the excitation rows with an excitation expert and the pitch contour with a prosody
 * expert, and fuses the four (Griffin-Lim copies are invisible to a magnitude spectrogram; the
 * LFCC-GMM sees codec2 and diphone synthesis better than the CNN; synthetic voices' pitch contours
 * are smoother and narrower than speech's, which neither spectrum shows as well).
 * No morphology: that is what experiments add.
 */
export const DEFAULT_PIPELINE: PipelineConfig = deepFreeze({
  stages: [
    { op: 'mono' },
    { op: 'resample', sampleRate: 16000 },
    { op: 'crop', seconds: 4 },
    { op: 'mel', nMels: 80 },
    { op: 'db' },
  ],
  lfcc: { sampleRate: 8000 },
  excitation: { sampleRate: 8000, reference: 'griffin-lim', harmonicPhase: true, prosody: true },
} as PipelineConfig);

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Checks one stage object and returns it with its defaults written out, `op` first. */
function resolveStage(v: unknown, p: string): StageConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, v, 'must be an object with an "op" field');
  const o = v as Record<string, unknown>;
  if (o.op === undefined) throw new ParameterError(`${p}.op is required (one of ${OP_NAMES.join(', ')})`);
  if (typeof o.op !== 'string' || !Object.hasOwn(PIPELINE_OPS, o.op))
    fail(`${p}.op`, o.op, `is not a pipeline stage (known: ${OP_NAMES.join(', ')})`);
  // The op's own schema resolved these parameters, so they are that op's stage.
  return { op: o.op, ...opEntry(o.op).schema.resolve(o, p, o.op) } as StageConfig;
}

/** `a, b, c or d`. */
const orList = (names: readonly string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
const SPECTRAL_NAMES = orList(OP_NAMES.filter((op) => PIPELINE_OPS[op].kind === 'spectral'));

/** How many excitation rows a (resolved) pipeline's output ends with: 0 without `excitation`. */
export function excitationRowCount(config: PipelineConfig): number {
  return config.excitation ? excitationRowNames(config.excitation).length : 0;
}

/**
 * Checks a pipeline config and returns it with every default written out (the form that is stored,
 * fingerprinted and run). Order rule: audio stages, exactly one spectral stage, then grid stages
 * (each op's kind in `PIPELINE_OPS`); ops may add rules of their own (`db` only right after a
 * spectrogram, once).
 * Errors are ParameterErrors naming the JSON path: `stages[2].footprint.rows=0 must be a positive integer`.
 */
export function resolvePipelineConfig(config: unknown): PipelineConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    fail('config', config, 'must be an object {"stages": [...]}');
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (k !== 'stages' && k !== 'excitation' && k !== 'lfcc')
      throw new ParameterError(`config.${k} is not a pipeline field (fields: stages, excitation, lfcc)`);
  if (!Array.isArray(c.stages)) fail('stages', c.stages, 'must be an array of stages');
  const stages = (c.stages as unknown[]).map((s, i) => resolveStage(s, `stages[${i}]`));
  const entries = stages.map((s) => opEntry(s.op));
  const spectral = entries.flatMap((e, i) => (e.kind === 'spectral' ? [i] : []));
  if (spectral.length !== 1) {
    const where = spectral.length ? ` at ${spectral.map((i) => `stages[${i}]`).join(', ')}` : '';
    throw new ParameterError(
      `stages must hold exactly one spectral stage (${SPECTRAL_NAMES}), found ${spectral.length}${where}`,
    );
  }
  const [at] = spectral;
  const spec = entries[at];
  const kinds: { op: string; kind: StageKind }[] = stages.map((s, i) => ({ op: s.op, kind: entries[i].kind }));
  entries.forEach((e, i) => {
    const { op } = stages[i];
    if (e.kind === 'audio' && i > at)
      throw new ParameterError(
        `stages[${i}].op="${op}" is an audio stage and must come before the spectral stage stages[${at}]`,
      );
    if (e.kind === 'grid') {
      if (i < at)
        throw new ParameterError(
          `stages[${i}].op="${op}" works on spectrograms and must come after the spectral stage stages[${at}]`,
        );
      if (spec.kind === 'spectral')
        e.place?.({ i, at, stages: kinds, spectral: { op: stages[at].op, gives: spec.gives } });
    }
  });
  const excitation = resolveExcitation(c.excitation);
  const lfcc = resolveLfccRows(c.lfcc);
  const rows = [...(lfcc ? ['lfcc'] : []), ...(excitation ? ['excitation'] : [])];
  const i = entries.findIndex((e) => e.kind === 'grid' && e.changesColumns);
  if (rows.length > 0 && i >= 0) {
    throw new ParameterError(
      `${rows[0]} cannot be combined with stages[${i}].op="${stages[i].op}": ` +
        `its rows are one value per spectral frame, so the columns must stay frames`,
    );
  }
  return { stages, ...(lfcc ? { lfcc } : {}), ...(excitation ? { excitation } : {}) };
}

function resolveLfccRows(v: unknown): LfccRowsStage | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v))
    fail('lfcc', v, 'must be null or an object {"sampleRate"?: Hz, "source"?: "spectral" | "clip"}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'sampleRate' && k !== 'source')
      throw new ParameterError(`lfcc.${k} is not a field (fields: sampleRate, source)`);
  const out: LfccRowsStage = {};
  if (o.sampleRate !== undefined) out.sampleRate = positiveInt(o.sampleRate, 'lfcc.sampleRate');
  if (resolveSource(o.source, 'lfcc.source') === 'clip') out.source = 'clip';
  return out;
}

/** Checks a `source` field; `'spectral'` resolves to absent (the rows and fingerprint of pipelines saved before it). */
function resolveSource(v: unknown, p: string): SideRowsSource {
  if (v === undefined) return 'spectral';
  if (!SIDE_ROWS_SOURCES.includes(v as SideRowsSource)) fail(p, v, "must be 'spectral' or 'clip'");
  return v as SideRowsSource;
}

function resolveExcitation(v: unknown): ExcitationStage | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v))
    fail(
      'excitation',
      v,
      'must be null or an object {"frameLength"?: samples, "order"?: n, "sampleRate"?: Hz, "reference"?: "none" | "griffin-lim", "harmonicPhase"?: boolean, "prosody"?: boolean, "source"?: "spectral" | "clip"}',
    );
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['frameLength', 'order', 'sampleRate', 'reference', 'harmonicPhase', 'prosody', 'source'].includes(k))
      throw new ParameterError(
        `excitation.${k} is not a field (fields: frameLength, order, sampleRate, reference, harmonicPhase, prosody, source)`,
      );
  const out: ExcitationStage = {};
  if (o.frameLength !== undefined) out.frameLength = positiveInt(o.frameLength, 'excitation.frameLength');
  if (o.order !== undefined) out.order = positiveInt(o.order, 'excitation.order');
  if (o.sampleRate !== undefined) out.sampleRate = positiveInt(o.sampleRate, 'excitation.sampleRate');
  if (o.reference !== undefined && !EXCITATION_REFERENCES.includes(o.reference as ExcitationReference))
    fail('excitation.reference', o.reference, "must be 'none' or 'griffin-lim'");
  // 'none' resolves to absent: the same rows as pipelines saved before `reference`, the same fingerprint
  if (o.reference === 'griffin-lim') out.reference = 'griffin-lim';
  if (o.harmonicPhase !== undefined && typeof o.harmonicPhase !== 'boolean')
    fail('excitation.harmonicPhase', o.harmonicPhase, 'must be true or false');
  // false resolves to absent, as 'none' above
  if (o.harmonicPhase === true) out.harmonicPhase = true;
  if (o.prosody !== undefined && typeof o.prosody !== 'boolean')
    fail('excitation.prosody', o.prosody, 'must be true or false');
  if (o.prosody === true) out.prosody = true;
  if (resolveSource(o.source, 'excitation.source') === 'clip') out.source = 'clip';
  if (out.frameLength !== undefined && out.order !== undefined && out.frameLength <= 2 * out.order) {
    throw new ParameterError(
      `excitation.frameLength=${out.frameLength} must be > 2 * excitation.order=${2 * out.order}`,
    );
  }
  return out;
}

/** JSON with object keys sorted at every level: equal configs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ParameterError(`value=${value} cannot be written as JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/**
 * Stable identity of a pipeline: sha-256 (hex) of the canonical JSON of the resolved config, so
 * spelling a default out or reordering keys does not change it, while any parameter change does.
 * Feature caches and model folders are keyed by it.
 */
export function pipelineFingerprint(config: PipelineConfig): string {
  return createHash('sha256')
    .update(canonicalJson(resolvePipelineConfig(config)))
    .digest('hex');
}

/** The resolved config as pretty JSON text (what model folders store as pipeline.json). */
export function pipelineToJson(config: PipelineConfig): string {
  return `${JSON.stringify(resolvePipelineConfig(config), null, 2)}\n`;
}

/**
 * Parses and validates pipeline JSON text; `source` (e.g. a file name) prefixes syntax errors.
 * Returns the resolved config.
 */
export function parsePipelineConfig(text: string, source = 'config'): PipelineConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ParameterError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return resolvePipelineConfig(value);
  } catch (e) {
    if (e instanceof ParameterError) throw new ParameterError(`${source}: ${e.message}`);
    throw e;
  }
}
