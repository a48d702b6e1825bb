// Audio -> Spectrogram. Named re-exports (not `export *`) so the kernels shared between files
// (FrameAnalyser, option resolvers, sparse filterbanks) stay out of the public API.
export { getWindow, padCenter, WINDOW_NAMES } from './window';
export type { WindowName, WindowOptions } from './window';
export type { StftOptions, Signal } from './options';
export { stft } from './stft';
export { istft } from './istft';
export type { IstftOptions } from './istft';
export { spectrogram, fftFrequencies, frameTimes } from './spectrogram';
export type { SpectrogramOptions } from './spectrogram';
export { melFilterbank, hzToMel, melToHz, melFrequencies } from './mel';
export type { MelOptions, MelFilterbankOptions } from './mel';
export { melSpectrogram, logMelSpectrogram } from './melSpectrogram';
export type { MelSpectrogramOptions, LogMelSpectrogramOptions } from './melSpectrogram';
export {
  melSpectrogramBlocks,
  melSpectrogramBlocksAsync,
  melSpectrogramAsync,
  logMelSpectrogramAsync,
} from './melBlocks';
export type {
  MelSpectrogramBlocksOptions,
  MelSpectrogramBlocksAsyncOptions,
  LogMelSpectrogramAsyncOptions,
  MelSpectrogramAsyncOptions,
  MelBlock,
} from './melBlocks';
export { powerToDb, amplitudeToDb } from './db';
export type { DbOptions } from './db';
export { dctMatrix } from './dct';
export { baselineDeltas } from './deltas';
export type { DeltaOptions } from './deltas';
export { mfcc, lfcc, lfccPreset } from './cepstral';
export type { MfccOptions, LfccOptions, LfccPreset } from './cepstral';
export { griffinLim } from './griffinLim';
export type { GriffinLimOptions } from './griffinLim';
export { excitationFeatures, excitationRowNames, levinsonDurbin, EXCITATION_ROWS } from './excitation';
export type { ExcitationOptions } from './excitation';
export { harmonicPhaseFeatures, phaseConcentration, HARMONIC_PHASE_ROWS } from './harmonicPhase';
export { prosodyFeatures, PROSODY_ROWS } from './prosody';
export type { HarmonicPhaseOptions } from './harmonicPhase';
