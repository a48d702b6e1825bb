import { createHash } from 'node:crypto';
import { ParameterError } from '../errors';
import type { LfccPreset } from '../spectral/cepstral';

/** A structuring element as plain JSON (built with the `footprint.*` generators when the pipeline runs). */
export type FootprintSpec =
  | { shape: 'rect' | 'cross' | 'ellipse'; rows: number; cols: number }
  | { shape: 'line'; length: number; axis: 'time' | 'frequency' }
  | { shape: 'disk'; radius: number }
  | { shape: 'mask'; mask: (0 | 1)[][] };

/** Border treatment of a morphology stage, as the morphology operators' `border` option. */
export type BorderSpec = 'ignore' | 'replicate' | 'reflect' | { constant: number };

/** Grey-level morphology operators a pipeline stage can apply. */
export const MORPHOLOGY_OPS = ['erode', 'dilate', 'opening', 'closing', 'whiteTopHat', 'blackTopHat', 'morphologicalGradient'] as const;
export type MorphologyOp = (typeof MORPHOLOGY_OPS)[number];

/** Audio-domain stages (Audio -> Audio), run before the spectral stage. */
export type AudioStage =
  /** Mean of the channels (librosa `to_mono`). */
  | { op: 'mono' }
  /** Band-limited resampling. `sampleRate` @default 16000 (ASVspoof). */
  | { op: 'resample'; sampleRate?: number }
  /**
   * Cut leading and trailing silence, as `librosa.effects.trim`: frames (`frameLength`, `hopLength`,
   * centred) whose RMS is more than `topDb` below the loudest frame are silent.
   * `topDb` @default 60, `frameLength` @default 2048, `hopLength` @default 512.
   * On ASVspoof 2019 LA the leading-silence length alone separates many spoofed from bona fide files
   * (Müller et al. 2021); trim to make a model look at speech instead of that shortcut.
   */
  | { op: 'trimSilence'; topDb?: number; frameLength?: number; hopLength?: number }
  /**
   * Scale to a target level: `'rms'` (root mean square, dBFS; not EBU R128 loudness) or `'peak'`.
   * `targetDb` @default -20, `method` @default 'rms'.
   */
  | { op: 'normaliseLoudness'; targetDb?: number; method?: 'rms' | 'peak' }
  /** `y[n] = x[n] - coef * x[n-1]`, `y[0] = x[0]`. `coef` @default 0.97. */
  | { op: 'preEmphasis'; coef?: number }
  /**
   * Fixed length `round(seconds * sampleRate)`: longer clips are cut (`position` 'start' or 'centre'),
   * shorter ones padded by repeating the clip (`pad: 'repeat'`, as the ASVspoof 2021 baselines) or
   * with zeros. `seconds` @default 4, `position` @default 'start', `pad` @default 'repeat'.
   */
  | { op: 'crop'; seconds?: number; position?: 'start' | 'centre'; pad?: 'repeat' | 'zeros' }
  /**
   * Linear-prediction residual (the excitation: `lpcResidual` in audioPrep), frames of `frameLength`
   * samples at 50 % overlap. `order` @default 16, `frameLength` @default 400.
   */
  | { op: 'lpcResidual'; order?: number; frameLength?: number };

/** STFT parameters shared by the spectral stages (librosa names, camelCase). */
export interface StftParams {
  /** @default 512 */
  nFft?: number;
  /** @default 160 (10 ms at 16 kHz) */
  hopLength?: number;
  /** @default 400 (25 ms at 16 kHz) */
  winLength?: number;
  /** @default 'hann' */
  window?: 'hann' | 'hamming' | 'blackman' | 'rectangular';
  /** @default true */
  center?: boolean;
  /** @default 'constant' */
  padMode?: 'constant' | 'reflect';
}

/** Mel filterbank parameters (librosa `filters.mel`). */
export interface MelParams {
  /** @default 80 */
  nMels?: number;
  /** @default 0 */
  fMin?: number;
  /** Upper edge in Hz; null = sampleRate / 2. @default null */
  fMax?: number | null;
  /** @default false (Slaney mel scale) */
  htk?: boolean;
  /** @default 'slaney' */
  norm?: 'slaney' | null;
}

/** The one spectral stage (Audio -> Spectrogram). */
export type SpectralStage =
  /** Linear-frequency power (`power` 2, default) or amplitude (1) spectrogram. */
  | ({ op: 'stft'; power?: 1 | 2 } & StftParams)
  /** Mel power spectrogram. */
  | ({ op: 'mel'; power?: 1 | 2 } & StftParams & MelParams)
  /** MFCC: DCT-II (ortho) of the mel spectrogram in dB. `nMfcc` @default 20. */
  | ({ op: 'mfcc'; nMfcc?: number } & StftParams & MelParams)
  /**
   * LFCC: linear triangular filterbank, log10, DCT (spectral `lfcc`). `nFilters` @default 20, `nLfcc`
   * @default 20, `deltas` (append delta and double-delta rows) @default false, `winLength` @default 320.
   * The full ASVspoof 2019 baseline (symmetric Hamming, no centring, pre-emphasis) is `lfcc`'s
   * `preset: 'asvspoof2019'`; in a pipeline approximate it with a preEmphasis stage, `window: 'hamming'`,
   * `center: false`, `deltas: true`.
   */
  | ({ op: 'lfcc'; nFilters?: number; nLfcc?: number; deltas?: boolean } & StftParams)
  /**
   * LFCC exactly as a published configuration (spectral `lfcc`'s `preset`), at the audio's own sample
   * rate: `'asvspoof2019'` = the ASVspoof 2019 LFCC-GMM front end (pre-emphasis 0.97, 20 ms symmetric
   * Hamming, 10 ms hop, 20 linear filters, 20 coefficients + deltas + double deltas = 60 rows).
   * No other field may be given with a preset: the preset is the whole configuration.
   */
  | { op: 'lfcc'; preset: LfccPreset };

/** Grid-domain stages (Spectrogram/Grid -> Grid), run after the spectral stage. */
export type GridStage =
  /**
   * Power (or amplitude) to dB as librosa `power_to_db` / `amplitude_to_db`; only after 'stft'/'mel'.
   * `ref` @default 1 (absolute), or 'max'; `amin` @default 1e-10 (power) / 1e-5 (amplitude); `topDb` @default 80 (null = no clipping).
   */
  | { op: 'db'; ref?: number | 'max'; amin?: number; topDb?: number | null }
  /** Grey-level morphology; `border` @default 'ignore'. */
  | { op: MorphologyOp; footprint: FootprintSpec; border?: BorderSpec }
  /** Resize to `rows x cols` (cv2.resize semantics). `rows`/`cols` @default 128, `method` @default 'area'. */
  | { op: 'resize'; rows?: number; cols?: number; method?: 'bilinear' | 'area' | 'nearest' }
  /**
   * Per-clip normalisation: `'minmax'` to [0, 1] or `'zscore'`; give `min`/`max` or `mean`/`std` to use
   * fixed (e.g. training-set) statistics instead. `method` @default 'minmax'.
   */
  | { op: 'normalise'; method?: 'minmax' | 'zscore'; min?: number; max?: number; mean?: number; std?: number };

/** One pipeline stage as plain JSON; `op` names it. */
export type StageConfig = AudioStage | SpectralStage | GridStage;

/**
 * A feature pipeline as plain JSON: audio stages, exactly one spectral stage, then grid stages.
 * Round-trips through `JSON.stringify` / {@link parsePipelineConfig}.
 */
export interface PipelineConfig {
  stages: StageConfig[];
  /**
   * Append the frame-wise excitation statistics of the audio that entered the spectral stage
   * (`excitationFeatures`: log kurtosis and log crest factor of the linear-prediction residual,
   * frame energy in dB) as three more rows below the final grid, one value per column. They are
   * added after every grid stage, so morphology never touches them; a model built with
   * `excitation` options reads them in a branch of its own. Not allowed with `resize` (the
   * columns must stay the spectral frames). `frameLength` and `order` default as in
   * `excitationFeatures` (32 ms; 2 + kHz). Absent or null: none.
   * @default null
   */
  excitation?: ExcitationStage | null;
}

/** Options of {@link PipelineConfig.excitation}. */
export interface ExcitationStage {
  /** Analysis frame, samples. @default 32 ms at the stage's rate */
  frameLength?: number;
  /** Linear-prediction order. @default 2 + round(sampleRate / 1000) */
  order?: number;
}

/** Rows {@link PipelineConfig.excitation} appends below the grid. */
export const EXCITATION_ROW_COUNT = 3;

/**
 * The default pipeline of `specmorph train`: mono, 16 kHz, 4 s (repeat-padded, as the ASVspoof 2021
 * baselines), 80-band Slaney mel power spectrogram of a 512-point STFT (25 ms Hann window, 10 ms
 * hop), dB (ref 1, top 80 dB), and the three excitation rows below it (`excitation`: LPC-residual
 * log kurtosis, log crest factor, energy dB per frame): 83 x 401. Nothing is resized and nothing
 * normalised per clip: the detector standardises each band with training statistics itself
 * (`trainClassifier`), trains on random 2 s crops, and reads the excitation rows in a branch of its
 * own, whose score it fuses with the CNN's (Griffin-Lim copies are invisible to the magnitude
 * spectrogram). No morphology: that is what experiments add.
 */
export const DEFAULT_PIPELINE: PipelineConfig = deepFreeze({
  stages: [
    { op: 'mono' },
    { op: 'resample', sampleRate: 16000 },
    { op: 'crop', seconds: 4 },
    { op: 'mel', nMels: 80 },
    { op: 'db' },
  ],
  excitation: {},
} as PipelineConfig);

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Validation: a small schema per op. Each checker returns the value (with defaults) or throws a
// ParameterError naming the JSON path, e.g. `stages[2].footprint.rows=0 must be a positive integer`.

type Checker = (v: unknown, path: string) => unknown;

function fail(path: string, v: unknown, what: string): never {
  throw new ParameterError(`${path}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)} ${what}`);
}
const posInt = (dflt?: number): Checker => (v, p) => {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(p, v, 'must be a positive integer');
  return v;
};
const num = (dflt: number | undefined, test: (x: number) => boolean, what: string): Checker => (v, p) => {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) fail(p, v, what);
  return v;
};
const optNum = (test: (x: number) => boolean, what: string): Checker => (v, p) => {
  if (v === undefined) return undefined;
  return num(undefined, test, what)(v, p);
};
const oneOf = <T>(dflt: T, values: readonly T[]): Checker => (v, p) => {
  if (v === undefined) return dflt;
  if (!values.includes(v as T)) fail(p, v, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  return v;
};
const bool = (dflt: boolean): Checker => (v, p) => {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(p, v, 'must be true or false');
  return v;
};
const nullableNum = (dflt: number | null, test: (x: number) => boolean, what: string): Checker => (v, p) => {
  if (v === undefined) return dflt;
  if (v === null) return null;
  return num(undefined, test, what)(v, p);
};

function checkFootprint(v: unknown, p: string): FootprintSpec {
  if (v === undefined) throw new ParameterError(`${p} is required (e.g. {"shape": "rect", "rows": 3, "cols": 3})`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, v, 'must be an object like {"shape": "rect", "rows": 3, "cols": 3}');
  const o = v as Record<string, unknown>;
  const shape = oneOf(undefined, ['rect', 'cross', 'ellipse', 'line', 'disk', 'mask'])(o.shape, `${p}.shape`);
  if (shape === undefined) throw new ParameterError(`${p}.shape is required: one of "rect", "cross", "ellipse", "line", "disk", "mask"`);
  const fields: Record<string, Checker> =
    shape === 'line' ? { length: posInt(), axis: oneOf(undefined, ['time', 'frequency']) }
    : shape === 'disk' ? { radius: (x, q) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : fail(q, x, 'must be an integer >= 0')) }
    : shape === 'mask' ? { mask: checkMask }
    : { rows: posInt(), cols: posInt() };
  const out: Record<string, unknown> = { shape };
  for (const k of Object.keys(o)) {
    if (k !== 'shape' && !Object.hasOwn(fields, k)) throw new ParameterError(`${p}.${k} is not a field of a "${shape}" footprint (fields: shape, ${Object.keys(fields).join(', ')})`);
  }
  for (const [k, check] of Object.entries(fields)) {
    if (o[k] === undefined) throw new ParameterError(`${p}.${k} is required for a "${shape}" footprint`);
    out[k] = check(o[k], `${p}.${k}`);
  }
  return out as unknown as FootprintSpec;
}

function checkMask(v: unknown, p: string): (0 | 1)[][] {
  if (!Array.isArray(v) || v.length === 0) fail(p, v, 'must be a non-empty array of rows of 0/1');
  const cols = Array.isArray(v[0]) ? v[0].length : -1;
  let ones = 0;
  v.forEach((row: unknown, r: number) => {
    if (!Array.isArray(row) || row.length !== cols || cols === 0) fail(`${p}[${r}]`, row, `must be an array of ${cols > 0 ? cols : 'one or more'} 0/1 values`);
    row.forEach((x: unknown, c: number) => {
      if (x !== 0 && x !== 1) fail(`${p}[${r}][${c}]`, x, 'must be 0 or 1');
      ones += x as number;
    });
  });
  if (ones === 0) fail(p, v, 'has no ones');
  return v as (0 | 1)[][];
}

function checkBorder(v: unknown, p: string): BorderSpec {
  if (v === undefined) return 'ignore';
  if (v === 'ignore' || v === 'replicate' || v === 'reflect') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'constant') {
      return { constant: num(undefined, () => true, 'must be a finite number')(o.constant, `${p}.constant`) as number };
    }
  }
  return fail(p, v, 'must be "ignore", "replicate", "reflect" or {"constant": number}');
}

const STFT_FIELDS = (winDefault: number): Record<string, Checker> => ({
  nFft: posInt(512),
  hopLength: posInt(160),
  winLength: posInt(winDefault),
  window: oneOf('hann', ['hann', 'hamming', 'blackman', 'rectangular']),
  center: bool(true),
  padMode: oneOf('constant', ['constant', 'reflect']),
});
const MEL_FIELDS: Record<string, Checker> = {
  nMels: posInt(80),
  fMin: num(0, (x) => x >= 0, 'must be a finite number >= 0'),
  fMax: nullableNum(null, (x) => x > 0, 'must be a finite number > 0 or null'),
  htk: bool(false),
  norm: (v, p) => (v === undefined ? 'slaney' : v === null || v === 'slaney' ? v : fail(p, v, 'must be "slaney" or null')),
};

const SCHEMAS: Record<string, { kind: 'audio' | 'spectral' | 'grid'; fields: Record<string, Checker> }> = {
  mono: { kind: 'audio', fields: {} },
  resample: { kind: 'audio', fields: { sampleRate: posInt(16000) } },
  trimSilence: {
    kind: 'audio',
    fields: { topDb: num(60, (x) => x > 0, 'must be a finite number > 0'), frameLength: posInt(2048), hopLength: posInt(512) },
  },
  normaliseLoudness: { kind: 'audio', fields: { targetDb: num(-20, (x) => x <= 0, 'must be a finite number <= 0 (dBFS)'), method: oneOf('rms', ['rms', 'peak']) } },
  preEmphasis: { kind: 'audio', fields: { coef: num(0.97, (x) => x >= 0 && x < 1, 'must be in [0, 1)') } },
  lpcResidual: { kind: 'audio', fields: { order: posInt(16), frameLength: posInt(400) } },
  crop: {
    kind: 'audio',
    fields: { seconds: num(4, (x) => x > 0, 'must be a finite number > 0'), position: oneOf('start', ['start', 'centre']), pad: oneOf('repeat', ['repeat', 'zeros']) },
  },
  stft: { kind: 'spectral', fields: { ...STFT_FIELDS(400), power: oneOf(2, [1, 2]) } },
  mel: { kind: 'spectral', fields: { ...STFT_FIELDS(400), ...MEL_FIELDS, power: oneOf(2, [1, 2]) } },
  mfcc: { kind: 'spectral', fields: { ...STFT_FIELDS(400), ...MEL_FIELDS, nMfcc: posInt(20) } },
  lfcc: { kind: 'spectral', fields: { ...STFT_FIELDS(320), nFilters: posInt(20), nLfcc: posInt(20), deltas: bool(false) } },
  db: {
    kind: 'grid',
    fields: {
      ref: (v, p) => (v === undefined ? 1 : v === 'max' ? v : num(undefined, (x) => x > 0, 'must be a finite number > 0 or "max"')(v, p)),
      amin: optNum((x) => x > 0, 'must be a finite number > 0'),
      topDb: nullableNum(80, (x) => x >= 0, 'must be a finite number >= 0 or null'),
    },
  },
  resize: { kind: 'grid', fields: { rows: posInt(128), cols: posInt(128), method: oneOf('area', ['bilinear', 'area', 'nearest']) } },
  normalise: {
    kind: 'grid',
    fields: {
      method: oneOf('minmax', ['minmax', 'zscore']),
      min: optNum(() => true, 'must be a finite number'),
      max: optNum(() => true, 'must be a finite number'),
      mean: optNum(() => true, 'must be a finite number'),
      std: optNum((x) => x > 0, 'must be a finite number > 0'),
    },
  },
};
for (const op of MORPHOLOGY_OPS) SCHEMAS[op] = { kind: 'grid', fields: { footprint: checkFootprint, border: checkBorder } };

/** Stage kinds in pipeline order. */
export function stageKind(op: string): 'audio' | 'spectral' | 'grid' {
  // hasOwn, not a plain lookup: "constructor" or "__proto__" would find Object.prototype's members.
  const s = Object.hasOwn(SCHEMAS, op) ? SCHEMAS[op] : undefined;
  if (!s) throw new ParameterError(`op=${JSON.stringify(op)} is not a pipeline stage (known: ${Object.keys(SCHEMAS).join(', ')})`);
  return s.kind;
}

const LFCC_PRESETS: readonly LfccPreset[] = ['asvspoof2019'];

/** A preset lfcc stage resolves to itself: its parameters follow from the preset and the sample rate at run time. */
function resolveLfccPreset(o: Record<string, unknown>, p: string): StageConfig {
  if (!LFCC_PRESETS.includes(o.preset as LfccPreset)) fail(`${p}.preset`, o.preset, `must be one of ${LFCC_PRESETS.map((x) => JSON.stringify(x)).join(', ')}`);
  const extra = Object.keys(o).filter((k) => k !== 'op' && k !== 'preset');
  if (extra.length) throw new ParameterError(`${p}.${extra[0]} cannot be combined with ${p}.preset=${JSON.stringify(o.preset)} (a preset fixes every lfcc parameter)`);
  return { op: 'lfcc', preset: o.preset as LfccPreset };
}

function resolveStage(v: unknown, p: string): StageConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, v, 'must be an object with an "op" field');
  const o = v as Record<string, unknown>;
  if (o.op === undefined) throw new ParameterError(`${p}.op is required (one of ${Object.keys(SCHEMAS).join(', ')})`);
  if (typeof o.op !== 'string' || !Object.hasOwn(SCHEMAS, o.op)) fail(`${p}.op`, o.op, `is not a pipeline stage (known: ${Object.keys(SCHEMAS).join(', ')})`);
  if (o.op === 'lfcc' && o.preset !== undefined) return resolveLfccPreset(o, p);
  const { fields } = SCHEMAS[o.op];
  for (const k of Object.keys(o)) {
    if (k !== 'op' && !Object.hasOwn(fields, k)) {
      throw new ParameterError(`${p}.${k} is not a parameter of op "${o.op}" (parameters: ${Object.keys(fields).join(', ') || 'none'})`);
    }
  }
  const out: Record<string, unknown> = { op: o.op };
  for (const [k, check] of Object.entries(fields)) {
    const val = check(o[k], `${p}.${k}`);
    if (val !== undefined) out[k] = val;
  }
  if (o.op === 'stft' || o.op === 'mel' || o.op === 'mfcc' || o.op === 'lfcc') {
    if ((out.winLength as number) > (out.nFft as number)) {
      throw new ParameterError(`${p}.winLength=${out.winLength} must be <= ${p}.nFft=${out.nFft}`);
    }
  }
  if ((o.op === 'mel' || o.op === 'mfcc') && out.fMax !== null && (out.fMax as number) <= (out.fMin as number)) {
    throw new ParameterError(`${p}.fMax=${out.fMax} must be > ${p}.fMin=${out.fMin}`);
  }
  if (o.op === 'normalise') {
    const stats = out.method === 'minmax' ? ['min', 'max'] : ['mean', 'std'];
    const other = out.method === 'minmax' ? ['mean', 'std'] : ['min', 'max'];
    for (const k of other) if (out[k] !== undefined) throw new ParameterError(`${p}.${k} does not apply to method "${out.method}" (use ${stats.join('/')})`);
    if ((out[stats[0]] === undefined) !== (out[stats[1]] === undefined)) {
      throw new ParameterError(`${p}: give both ${stats[0]} and ${stats[1]} or neither`);
    }
    if (out.method === 'minmax' && out.min !== undefined && (out.max as number) <= (out.min as number)) {
      throw new ParameterError(`${p}.max=${out.max} must be > ${p}.min=${out.min}`);
    }
  }
  return out as unknown as StageConfig;
}

/**
 * Checks a pipeline config and returns it with every default written out (the form that is stored,
 * fingerprinted and run). Order rule: audio stages, exactly one spectral stage (stft | mel | mfcc |
 * lfcc), then grid stages; `db` only after 'stft' or 'mel'. Errors are ParameterErrors naming the JSON
 * path: `stages[2].footprint.rows=0 must be a positive integer`.
 */
export function resolvePipelineConfig(config: unknown): PipelineConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail('config', config, 'must be an object {"stages": [...]}');
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c)) if (k !== 'stages' && k !== 'excitation') throw new ParameterError(`config.${k} is not a pipeline field (fields: stages, excitation)`);
  if (!Array.isArray(c.stages)) fail('stages', c.stages, 'must be an array of stages');
  const stages = (c.stages as unknown[]).map((s, i) => resolveStage(s, `stages[${i}]`));
  const spectral = stages.map((s, i) => [s, i] as const).filter(([s]) => stageKind(s.op) === 'spectral');
  if (spectral.length !== 1) {
    throw new ParameterError(`stages must hold exactly one spectral stage (stft, mel, mfcc or lfcc), found ${spectral.length}${spectral.length ? ` at ${spectral.map(([, i]) => `stages[${i}]`).join(', ')}` : ''}`);
  }
  const [[spec, at]] = spectral;
  stages.forEach((s, i) => {
    const kind = stageKind(s.op);
    if (kind === 'audio' && i > at) throw new ParameterError(`stages[${i}].op="${s.op}" is an audio stage and must come before the spectral stage stages[${at}]`);
    if (kind === 'grid' && i < at) throw new ParameterError(`stages[${i}].op="${s.op}" works on spectrograms and must come after the spectral stage stages[${at}]`);
    if (s.op === 'db') {
      if (spec.op !== 'stft' && spec.op !== 'mel') throw new ParameterError(`stages[${i}].op="db" needs a power/amplitude spectrogram; stages[${at}].op="${spec.op}" gives coefficients`);
      if (stages.slice(at + 1, i).some((t) => t.op !== 'db' && stageKind(t.op) === 'grid')) {
        throw new ParameterError(`stages[${i}].op="db" must come right after the spectral stage stages[${at}] (before morphology/resize/normalise)`);
      }
      if (stages.slice(at + 1, i).some((t) => t.op === 'db')) throw new ParameterError(`stages[${i}].op="db" is repeated`);
    }
  });
  const excitation = resolveExcitation(c.excitation);
  if (excitation) {
    const i = stages.findIndex((s) => s.op === 'resize');
    if (i >= 0) throw new ParameterError(`excitation cannot be combined with stages[${i}].op="resize": its rows are one value per spectral frame, so the columns must stay frames`);
    return { stages, excitation };
  }
  return { stages };
}

function resolveExcitation(v: unknown): ExcitationStage | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail('excitation', v, 'must be null or an object {"frameLength"?: samples, "order"?: n}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'frameLength' && k !== 'order') throw new ParameterError(`excitation.${k} is not a field (fields: frameLength, order)`);
  const out: ExcitationStage = {};
  if (o.frameLength !== undefined) out.frameLength = posInt()(o.frameLength, 'excitation.frameLength') as number;
  if (o.order !== undefined) out.order = posInt()(o.order, 'excitation.order') as number;
  if (out.frameLength !== undefined && out.order !== undefined && out.frameLength <= 2 * out.order) {
    throw new ParameterError(`excitation.frameLength=${out.frameLength} must be > 2 * excitation.order=${2 * out.order}`);
  }
  return out;
}

/** JSON with object keys sorted at every level: equal configs give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new ParameterError(`value=${value} cannot be written as JSON`);
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
  return createHash('sha256').update(canonicalJson(resolvePipelineConfig(config))).digest('hex');
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
