import type { PipelineConfig } from '../../src/pipeline/config';

/**
 * Pipeline configs that together use every op, every field (default and not), every footprint shape
 * and the excitation rows: fingerprints.test.ts pins their fingerprints and pipeline.json bytes, so a
 * change to how configs resolve shows as a failing test instead of silently orphaning caches and models.
 */
export const CONFIG_ZOO: Record<string, PipelineConfig> = {
  'config test withMorph': {
    stages: [
      { op: 'mono' },
      { op: 'resample', sampleRate: 16000 },
      { op: 'stft', nFft: 256, hopLength: 64, winLength: 256 },
      { op: 'db', ref: 'max' },
      { op: 'opening', footprint: { shape: 'rect', rows: 3, cols: 3 }, border: 'ignore' },
      { op: 'resize', rows: 32, cols: 32, method: 'bilinear' },
      { op: 'normalise', method: 'zscore' },
    ],
  },
  'every audio op at defaults, stft, db, resize, normalise': {
    stages: [
      { op: 'mono' },
      { op: 'resample' },
      { op: 'trimSilence' },
      { op: 'normaliseLoudness' },
      { op: 'preEmphasis' },
      { op: 'lpcResidual' },
      { op: 'crop' },
      { op: 'stft' },
      { op: 'db' },
      { op: 'resize' },
      { op: 'normalise' },
    ],
  },
  'mel at defaults': { stages: [{ op: 'mel' }] },
  'mfcc at defaults': { stages: [{ op: 'mfcc' }] },
  'lfcc at defaults': { stages: [{ op: 'lfcc' }] },
  'every field off its default': {
    stages: [
      { op: 'resample', sampleRate: 22050 },
      { op: 'trimSilence', topDb: 40, frameLength: 512, hopLength: 128 },
      { op: 'normaliseLoudness', targetDb: -26, method: 'peak' },
      { op: 'preEmphasis', coef: 0.9 },
      { op: 'lpcResidual', order: 12, frameLength: 320 },
      { op: 'crop', seconds: 0.1, position: 'centre', pad: 'zeros' },
      {
        op: 'mel',
        nFft: 1024,
        hopLength: 256,
        winLength: 1024,
        window: 'hamming',
        center: false,
        padMode: 'reflect',
        nMels: 64,
        fMin: 20,
        fMax: 8000,
        htk: true,
        norm: null,
        power: 1,
      },
      { op: 'db', ref: 'max', amin: 1e-4, topDb: null },
      { op: 'closing', footprint: { shape: 'line', length: 5, axis: 'frequency' }, border: { constant: -50 } },
      { op: 'whiteTopHat', footprint: { shape: 'disk', radius: 2 }, border: 'reflect' },
      {
        op: 'blackTopHat',
        footprint: {
          shape: 'mask',
          mask: [
            [0, 1],
            [1, 1],
          ],
        },
        border: 'replicate',
      },
      { op: 'morphologicalGradient', footprint: { shape: 'cross', rows: 3, cols: 5 } },
      { op: 'erode', footprint: { shape: 'ellipse', rows: 5, cols: 3 } },
      { op: 'resize', rows: 20, cols: 24, method: 'nearest' },
      { op: 'normalise', method: 'minmax', min: -100, max: 0 },
    ],
  },
  'stft power 1 blackman, db amin, zscore fixed stats': {
    stages: [
      { op: 'stft', nFft: 64, hopLength: 32, winLength: 64, power: 1, window: 'blackman' },
      { op: 'db', amin: 1e-4, ref: 2 },
      { op: 'dilate', footprint: { shape: 'rect', rows: 1, cols: 3 } },
      { op: 'normalise', method: 'zscore', mean: -40, std: 12 },
    ],
  },
  'mfcc and lfcc off their defaults': {
    stages: [
      { op: 'mfcc', nFft: 256, hopLength: 80, winLength: 200, nMels: 40, nMfcc: 13, window: 'rectangular', fMax: null },
    ],
  },
  'lfcc deltas hamming no centre': {
    stages: [
      { op: 'preEmphasis' },
      {
        op: 'lfcc',
        nFft: 512,
        hopLength: 160,
        winLength: 320,
        window: 'hamming',
        center: false,
        nFilters: 30,
        nLfcc: 19,
        deltas: true,
      },
    ],
  },
  'features test': {
    stages: [
      { op: 'mono' },
      { op: 'crop', seconds: 0.25 },
      { op: 'stft', nFft: 128, hopLength: 64, winLength: 128 },
      { op: 'resize', rows: 16, cols: 16 },
      { op: 'normalise', method: 'minmax' },
    ],
  },
  'cache test': {
    stages: [
      { op: 'crop', seconds: 0.1 },
      { op: 'stft', nFft: 128, hopLength: 64, winLength: 128 },
      { op: 'db' },
      { op: 'resize', rows: 8, cols: 12 },
    ],
  },
  'excitation at defaults': { stages: [{ op: 'mono' }, { op: 'mel', nMels: 80 }, { op: 'db' }], excitation: {} },
  'excitation frameLength order': {
    stages: [{ op: 'stft' }, { op: 'db' }],
    excitation: { frameLength: 512, order: 18 },
  },
  'excitation null': { stages: [{ op: 'stft' }], excitation: null },
  'excitation sampleRate': {
    stages: [{ op: 'resample', sampleRate: 16000 }, { op: 'mel', nMels: 80 }, { op: 'db' }],
    excitation: { sampleRate: 8000 },
  },
  'lfcc rows at defaults': {
    stages: [{ op: 'stft', nFft: 256, winLength: 200, hopLength: 80 }, { op: 'db' }],
    lfcc: {},
  },
  'lfcc rows sampleRate and excitation': {
    stages: [{ op: 'resample', sampleRate: 16000 }, { op: 'mel', nMels: 80 }, { op: 'db' }],
    lfcc: { sampleRate: 8000 },
    excitation: { sampleRate: 8000 },
  },
  'lfcc rows null': { stages: [{ op: 'stft' }], lfcc: null },
};
