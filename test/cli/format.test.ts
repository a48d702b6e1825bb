import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparisonLines, perAttackLines } from '../../src/cli/evaluate';

test('evaluate per-attack lines: names, counts, EERs and minDCFs in aligned columns for names of 3 to 17 characters', () => {
  const lines = perAttackLines([
    { attackId: 'A01', n: 5, eer: 0.125, minDcf: 0.25 },
    { attackId: 'piper-tts-unseen', n: 1200, eer: 0.5, minDcf: 1 },
    { attackId: 'griffin-lim-long1', n: 40, eer: 0.03, minDcf: 0.0625 },
  ]);
  assert.deepEqual(lines, [
    'per attack (each against all bona fide):',
    '  attack                 n      EER  minDCF',
    '  A01                    5   12.50%  0.2500',
    '  piper-tts-unseen    1200   50.00%  1.0000',
    '  griffin-lim-long1     40    3.00%  0.0625',
  ]);
});

test('evaluate per-attack lines with bootstrap intervals: a CI column in points, aligned', () => {
  const iv = (low: number, high: number) => ({ low, high, level: 0.95, resamples: 2000 });
  assert.deepEqual(
    perAttackLines([
      { attackId: 'A01', n: 5, eer: 0.125, minDcf: 0.25, interval: iv(0, 0.3) },
      { attackId: 'griffin-lim', n: 42, eer: 0.2132, minDcf: 0.5, interval: iv(0.143, 0.2639) },
    ]),
    [
      'per attack (each against all bona fide):',
      '  attack           n      EER        95% CI  minDCF',
      '  A01              5   12.50%  [0.00, 30.0]  0.2500',
      '  griffin-lim     42   21.32%  [14.3, 26.4]  0.5000',
    ],
  );
});

test('evaluate --compare lines: both EERs, the signed difference in points, its interval and how often each erred more', () => {
  const row = (
    attackId: string,
    n: number,
    eerA: number,
    eerB: number,
    low: number,
    high: number,
    aWorse: number,
    bWorse: number,
  ) => ({
    attackId,
    n,
    eerA,
    eerB,
    difference: eerA - eerB,
    low,
    high,
    aWorse,
    bWorse,
    level: 0.95,
    resamples: 2000,
  });
  assert.deepEqual(
    comparisonLines(
      [
        row('pooled', 132, 0.1591, 0.2955, -0.189, -0.053, 0, 1),
        row('festival-diphone', 10, 0.1985, 0.0992, 0, 0.302, 0.9735, 0.015),
      ],
      'gmm.scores',
    ),
    [
      'this model (A) against gmm.scores (B), the same clips; difference A - B in points, paired bootstrap:',
      '  attack                n    EER A    EER B    A - B          95% CI  A worse  B worse',
      '  pooled              132   15.91%   29.55%   -13.64  [-18.9, -5.30]    0.00%  100.00%',
      '  festival-diphone     10   19.85%    9.92%    +9.93    [0.00, 30.2]   97.35%    1.50%',
    ],
  );
});

test('cropFramesFor: seconds -> frames from the pipeline (resample rate / spectral hop), capped at the width', async () => {
  const { cropFramesFor } = await import('../../src/cli/train');
  const { DEFAULT_PIPELINE } = await import('../../src/pipeline/config');
  assert.equal(cropFramesFor(DEFAULT_PIPELINE, 401, 2), 200); // 16 kHz, hop 160
  assert.equal(cropFramesFor(DEFAULT_PIPELINE, 150, 2), 150);
  const eightK = {
    stages: [
      { op: 'mono' },
      { op: 'resample', sampleRate: 8000 },
      { op: 'stft', nFft: 256, hopLength: 80, winLength: 200 },
      { op: 'db' },
    ],
  };
  assert.equal(cropFramesFor(eightK as never, 201, 0.64), 64);
  assert.equal(
    cropFramesFor({ stages: [{ op: 'stft' }, { op: 'db' }] } as never, 77, 2),
    77,
    'no resample: clips keep their rates, whole width',
  );
});
