import { test } from 'node:test';
import { captureWarnings } from '../helpers/warnings';
import assert from 'node:assert/strict';
import { gridFromRows, gridStats, minMaxNormalise, zScoreNormalise, createGrid } from '../../src/grid';

test('gridStats over several grids equals stats of the concatenation (population std)', () => {
  const a = gridFromRows([
    [1, 2],
    [3, 4],
  ]);
  const b = gridFromRows([[10, -2, 0.5]]);
  const s = gridStats([a, b]);
  const all = [1, 2, 3, 4, 10, -2, 0.5];
  const mean = all.reduce((x, y) => x + y) / all.length;
  const std = Math.sqrt(all.reduce((x, y) => x + (y - mean) ** 2, 0) / all.length);
  assert.equal(s.count, 7);
  assert.deepEqual([s.min, s.max], [-2, 10]);
  assert.ok(Math.abs(s.mean - mean) < 1e-12 && Math.abs(s.std - std) < 1e-12);
});

test('minMaxNormalise: per grid to [0, 1]; given stats, range; clip; a constant warns, maps to range[0]', async () => {
  const g = gridFromRows([
    [2, 4],
    [6, 10],
  ]);
  assert.deepEqual(Array.from(minMaxNormalise(g).data), [0, 0.25, 0.5, 1]);
  assert.deepEqual(Array.from(minMaxNormalise(g, { min: 0, max: 8, range: [-1, 1] }).data), [-0.5, 0, 0.5, 1.5]);
  assert.deepEqual(
    Array.from(minMaxNormalise(g, { min: 0, max: 8, range: [-1, 1], clip: true }).data),
    [-0.5, 0, 0.5, 1],
  );
  const warnings = await captureWarnings(() =>
    assert.deepEqual(Array.from(minMaxNormalise(createGrid(1, 3, new Float32Array([7, 7, 7]))).data), [0, 0, 0]),
  );
  assert.deepEqual(warnings, ['minMaxNormalise: constant input (max == min) maps to range[0]']);
  assert.throws(() => minMaxNormalise(g, { range: [1, 0] }), /range=\[1, 0\]/);
});

test('zScoreNormalise per grid gives mean 0 std 1; with given stats', () => {
  const g = gridFromRows([[1, 2, 3, 4, 5, 6]]);
  const z = zScoreNormalise(g, { eps: 0 });
  const s = gridStats(z);
  assert.ok(Math.abs(s.mean) < 1e-7 && Math.abs(s.std - 1) < 1e-6);
  assert.deepEqual(Array.from(zScoreNormalise(g, { mean: 1, std: 2, eps: 0 }).data), [0, 0.5, 1, 1.5, 2, 2.5]);
  assert.ok(zScoreNormalise(createGrid(2, 2)).data.every((v) => v === 0));
  assert.throws(() => zScoreNormalise(g, { std: 0, eps: 0 }), /std=0 must be finite and std \+ eps > 0/);
});

test('normalise keeps Spectrogram metadata', () => {
  const s = {
    ...gridFromRows([[1, 3]]),
    sampleRate: 16000,
    hopLength: 160,
    frequencies: new Float64Array(1),
    times: new Float64Array(2),
    scale: 'mel' as const,
    unit: 'dB' as const,
  };
  const out = minMaxNormalise(s);
  assert.equal(out.sampleRate, 16000);
  assert.equal(out.scale, 'mel');
});
