import { ParameterError } from '../../errors';
import { spectrogram, melSpectrogram, mfcc, lfcc } from '../../spectral';
import { LFCC_PRESETS, type LfccPreset } from '../../spectral/cepstral';
import { WINDOW_NAMES } from '../../spectral/window';
import {
  bool,
  type ConfigOf,
  fail,
  member,
  nullableNum,
  num,
  oneOf,
  params,
  posInt,
  type ResolvedOf,
  type Schema,
  withDefault,
} from '../schema';
import { spectralOp } from './op';

/**
 * STFT parameters of every spectral op (librosa names, camelCase). The defaults are a speech front
 * end, 25 ms Hann windows every 10 ms at 16 kHz (nFft 512, winLength 400, hopLength 160), not the
 * spectral functions' librosa defaults (nFft 2048, winLength nFft, hopLength winLength / 4), which
 * suit music at 22.05 kHz. In particular the pipeline's hop is 160 samples, not winLength / 4 = 100:
 * a 10 ms hop is the convention of the speech and anti-spoofing front ends (Kaldi, the ASVspoof
 * baselines) whose features and frame counts the detector is compared with, and every stored
 * fingerprint holds it. Both are samples, not seconds: at 8 kHz they mean 50 ms and 20 ms.
 */
const stftFields = (winLength: number) => ({
  /** FFT length, samples; rows = nFft / 2 + 1. @default 512 */
  nFft: posInt(512),
  /**
   * Samples between frames. @default 160 (10 ms at 16 kHz, as speech front ends; `stft` alone
   * defaults to winLength / 4)
   */
  hopLength: posInt(160),
  /** Window length, samples (<= nFft). @default 400 (25 ms at 16 kHz); lfcc 320 (20 ms) */
  winLength: posInt(winLength),
  /** Periodic window shape. @default 'hann' */
  window: oneOf('hann', WINDOW_NAMES),
  /** Centre frame t on sample t * hopLength (pad nFft / 2 on both sides). @default true */
  center: bool(true),
  /** How `center` pads: zeros or mirror. @default 'constant' */
  padMode: oneOf('constant', ['constant', 'reflect']),
});

/** Mel filterbank parameters (librosa `filters.mel`). */
const melFields = {
  /** Number of mel bands. @default 80 */
  nMels: posInt(80),
  /** Lowest band edge, Hz. @default 0 */
  fMin: num(0, (x) => x >= 0, 'must be a finite number >= 0'),
  /** Highest band edge, Hz; null = sampleRate / 2. @default null */
  fMax: nullableNum(null, (x) => x > 0, 'must be a finite number > 0 or null'),
  /** HTK mel scale instead of Slaney's. @default false */
  htk: bool(false),
  /** Filter normalisation: `'slaney'` (equal area) or null. @default 'slaney' */
  norm: withDefault<'slaney' | null>('slaney', (v, p) =>
    v === null || v === 'slaney' ? v : fail(p, v, 'must be "slaney" or null'),
  ),
};

/** Power (2) or amplitude (1) of the magnitude. @default 2 */
const power = oneOf(2, [1, 2]);

type Stft = ResolvedOf<ReturnType<typeof stftFields>>;
type Mel = Stft & ResolvedOf<typeof melFields>;
/** STFT parameters of a spectral stage as a user writes them. */
export type StftParams = ConfigOf<ReturnType<typeof stftFields>>;
/** Mel filterbank parameters of a mel or mfcc stage as a user writes them. */
export type MelParams = ConfigOf<typeof melFields>;

function checkWindow(s: Stft, p: string): void {
  if (s.winLength > s.nFft) throw new ParameterError(`${p}.winLength=${s.winLength} must be <= ${p}.nFft=${s.nFft}`);
}
function checkMel(s: Mel, p: string): void {
  checkWindow(s, p);
  if (s.fMax !== null && s.fMax <= s.fMin)
    throw new ParameterError(`${p}.fMax=${s.fMax} must be > ${p}.fMin=${s.fMin}`);
}

const stftOptions = (s: Stft, sampleRate: number) => ({
  sampleRate,
  nFft: s.nFft,
  hopLength: s.hopLength,
  winLength: s.winLength,
  window: s.window,
  center: s.center,
  padMode: s.padMode,
});
const melOptions = (s: Mel, sampleRate: number) => ({
  ...stftOptions(s, sampleRate),
  nMels: s.nMels,
  fMin: s.fMin,
  ...(s.fMax === null ? {} : { fMax: s.fMax }),
  htk: s.htk,
  norm: s.norm,
});

const lfccFields = {
  ...stftFields(320),
  /** Triangular filters, equally spaced in Hz. @default 20 */
  nFilters: posInt(20),
  /** Cepstral coefficients kept (<= nFilters). @default 20 */
  nLfcc: posInt(20),
  /** Append delta and double-delta rows (3 * nLfcc rows). @default false */
  deltas: bool(false),
};

type LfccPresetStage = { preset: LfccPreset };

/**
 * An lfcc stage is either its fields or `{preset}` alone: a preset is the whole configuration and
 * resolves to itself, its parameters following from the preset and the sample rate at run time.
 */
function lfccSchema(): Schema<
  ConfigOf<typeof lfccFields> | LfccPresetStage,
  ResolvedOf<typeof lfccFields> | LfccPresetStage
> {
  const plain = params(lfccFields, checkWindow);
  return {
    names: plain.names,
    resolve(o, p, op) {
      if (o.preset === undefined) return plain.resolve(o, p, op);
      const preset = member(LFCC_PRESETS)(o.preset, `${p}.preset`);
      const extra = Object.keys(o).filter((k) => k !== 'op' && k !== 'preset');
      if (extra.length) {
        throw new ParameterError(
          `${p}.${extra[0]} cannot be combined with ${p}.preset=${JSON.stringify(o.preset)} ` +
            `(a preset fixes every lfcc parameter)`,
        );
      }
      return { preset };
    },
  };
}

/** Spectral ops (mono Audio -> Spectrogram): a pipeline holds exactly one. */
export const SPECTRAL_OPS = {
  /** Linear-frequency power (`power` 2) or amplitude (1) spectrogram (`spectrogram`). */
  stft: spectralOp({
    schema: params({ ...stftFields(400), power }, checkWindow),
    gives: 'spectrogram',
    run: (x, sampleRate, s) => spectrogram(x, { ...stftOptions(s, sampleRate), power: s.power }),
  }),

  /** Mel power (or amplitude) spectrogram (`melSpectrogram`). */
  mel: spectralOp({
    schema: params({ ...stftFields(400), ...melFields, power }, checkMel),
    gives: 'spectrogram',
    run: (x, sampleRate, s) => melSpectrogram(x, { ...melOptions(s, sampleRate), power: s.power }),
  }),

  /** MFCC: DCT-II (ortho) of the mel spectrogram in dB (`mfcc`). */
  mfcc: spectralOp({
    schema: params(
      {
        ...stftFields(400),
        ...melFields,
        /** Coefficients kept. @default 20 */
        nMfcc: posInt(20),
      },
      checkMel,
    ),
    gives: 'coefficients',
    run: (x, sampleRate, s) => mfcc(x, { ...melOptions(s, sampleRate), nMfcc: s.nMfcc }),
  }),

  /**
   * LFCC: linear triangular filterbank, log10, DCT (`lfcc`). The ASVspoof 2019 baseline (symmetric
   * Hamming, no centring, pre-emphasis 0.97, 20 ms / 10 ms at the clip's own rate, deltas: 60 rows) is
   * `{"op": "lfcc", "preset": "asvspoof2019"}`, which admits no other field; with fields, approximate it
   * by a preEmphasis stage, `window: 'hamming'`, `center: false`, `deltas: true`.
   */
  lfcc: spectralOp({
    schema: lfccSchema(),
    gives: 'coefficients',
    run: (x, sampleRate, s) =>
      'preset' in s
        ? lfcc(x, { sampleRate, preset: s.preset })
        : lfcc(x, { ...stftOptions(s, sampleRate), nFilters: s.nFilters, nLfcc: s.nLfcc, deltas: s.deltas }),
  }),
};
