import { ParameterError } from '../errors';
import { Grid, Spectrogram } from '../grid/grid';
import { resize } from '../grid/resize';
import { minMaxNormalise, zScoreNormalise } from '../grid/normalise';
import { spectrogram, melSpectrogram, mfcc, lfcc, powerToDb, amplitudeToDb } from '../spectral';
import type { LfccPreset } from '../spectral/cepstral';
import { footprint, erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient, Footprint } from '../morphology';
import { FootprintSpec, MorphologyOp } from './config';

type Params = Record<string, unknown>;

function stftOpts(s: Params, sampleRate: number) {
  return {
    sampleRate,
    nFft: s.nFft as number,
    hopLength: s.hopLength as number,
    winLength: s.winLength as number,
    window: s.window as 'hann' | 'hamming' | 'blackman' | 'rectangular',
    center: s.center as boolean,
    padMode: s.padMode as 'constant' | 'reflect',
  };
}

function melOpts(s: Params, sampleRate: number) {
  return {
    ...stftOpts(s, sampleRate),
    nMels: s.nMels as number,
    fMin: s.fMin as number,
    ...(s.fMax === null ? {} : { fMax: s.fMax as number }),
    htk: s.htk as boolean,
    norm: s.norm as 'slaney' | null,
  };
}

/** The spectral stage: mono signal -> Spectrogram. `s` is a resolved stage config. */
export function runSpectralStage(x: Float32Array, sampleRate: number, s: Params): Spectrogram {
  switch (s.op) {
    case 'stft':
      return spectrogram(x, { ...stftOpts(s, sampleRate), power: s.power as 1 | 2 });
    case 'mel':
      return melSpectrogram(x, { ...melOpts(s, sampleRate), power: s.power as 1 | 2 });
    case 'mfcc':
      return mfcc(x, { ...melOpts(s, sampleRate), nMfcc: s.nMfcc as number });
    case 'lfcc':
      if (s.preset !== undefined) return lfcc(x, { sampleRate, preset: s.preset as LfccPreset });
      return lfcc(x, { ...stftOpts(s, sampleRate), nFilters: s.nFilters as number, nLfcc: s.nLfcc as number, deltas: s.deltas as boolean });
    default:
      throw new ParameterError(`op=${JSON.stringify(s.op)} is not a spectral stage`);
  }
}

/** Builds a footprint from its JSON description (shapes as the `footprint.*` generators). */
export function footprintFromSpec(spec: FootprintSpec): Footprint {
  switch (spec.shape) {
    case 'rect':
      return footprint.rect(spec.rows, spec.cols);
    case 'cross':
      return footprint.cross(spec.rows, spec.cols);
    case 'ellipse':
      return footprint.ellipse(spec.rows, spec.cols);
    case 'line':
      return footprint.line(spec.length, spec.axis);
    case 'disk':
      return footprint.disk(spec.radius);
    case 'mask':
      return footprint.fromMask(spec.mask);
  }
}

const MORPH: Record<MorphologyOp, typeof erode> = { erode, dilate, opening, closing, whiteTopHat, blackTopHat, morphologicalGradient };

/** A grid stage (db, morphology, resize, normalise) on a Spectrogram or Grid. `s` is a resolved stage config. */
export function runGridStage(g: Grid, s: Params): Grid {
  switch (s.op) {
    case 'db': {
      const unit = (g as Partial<Spectrogram>).unit;
      const opts = { ref: s.ref as number | 'max', topDb: s.topDb as number | null, ...(s.amin !== undefined ? { amin: s.amin as number } : {}) };
      return unit === 'amplitude' ? amplitudeToDb(g, opts) : powerToDb(g, opts);
    }
    case 'resize':
      return resize(g, s.rows as number, s.cols as number, { method: s.method as 'bilinear' | 'area' | 'nearest' });
    case 'normalise':
      return s.method === 'minmax'
        ? minMaxNormalise(g, { min: s.min as number | undefined, max: s.max as number | undefined })
        : zScoreNormalise(g, { mean: s.mean as number | undefined, std: s.std as number | undefined });
    default: {
      const op = MORPH[s.op as MorphologyOp];
      if (!op) throw new ParameterError(`op=${JSON.stringify(s.op)} is not a grid stage`);
      return op(g, footprintFromSpec(s.footprint as FootprintSpec), { border: s.border as 'ignore' });
    }
  }
}
