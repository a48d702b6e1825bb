import assert from 'node:assert/strict';
import { test } from 'node:test';
import { perAttackLines } from '../../src/cli/evaluate';

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
