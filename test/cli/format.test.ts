import assert from 'node:assert/strict';
import { test } from 'node:test';
import { perAttackLines } from '../../src/cli/evaluate';

test('evaluate per-attack lines: names, counts and EERs in aligned columns for names of 3 to 17 characters', () => {
  const lines = perAttackLines([
    { attackId: 'A01', n: 5, eer: 0.125 },
    { attackId: 'piper-tts-unseen', n: 1200, eer: 0.5 },
    { attackId: 'griffin-lim-long1', n: 40, eer: 0.03 },
  ]);
  assert.deepEqual(lines, [
    '  A01                n=   5  EER 12.50%',
    '  piper-tts-unseen   n=1200  EER 50.00%',
    '  griffin-lim-long1  n=  40  EER  3.00%',
  ]);
});
