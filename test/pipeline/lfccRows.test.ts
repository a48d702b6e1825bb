import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/random';
import { runPipeline } from '../../src/pipeline/run';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import { lfcc } from '../../src/spectral';
import { resample } from '../../src/audio/resample';

function noiseClip(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  let y = 0;
  // Brown-ish noise: a spectrum with a slope, so the LFCC rows are not all alike.
  return Float32Array.from({ length: n }, () => (y = 0.95 * y + 0.1 * rng.normal()));
}

test('lfcc rows at the spectral rate: the ASVspoof 2019 LFCC (centred frames), 60 rows between the grid and the excitation rows', () => {
  const x = noiseClip(8000 + 37, 1);
  const r = runPipeline(
    { sampleRate: 8000, channels: [x] },
    { stages: [{ op: 'stft', nFft: 256, winLength: 200, hopLength: 80 }, { op: 'db' }], lfcc: {}, excitation: {} },
  );
  const spec = r.stages.find((s) => s.name === 'db')!.output;
  assert.deepEqual(
    r.stages.map((s) => [s.name, (s.output as { rows: number }).rows]),
    [
      ['stft', 129],
      ['db', 129],
      ['lfcc', 189],
      ['excitation', 192],
    ],
  );
  const ref = lfcc(x, { sampleRate: 8000, preset: 'asvspoof2019', center: true, padMode: 'constant' });
  // Same 10 ms hop and centred frames: column j is LFCC frame j.
  assert.equal(ref.cols, r.output.cols);
  const cols = r.output.cols;
  for (let row = 0; row < 60; row++)
    for (let j = 0; j < cols; j++)
      assert.equal(r.output.data[(129 + row) * cols + j], ref.data[row * cols + j], `row ${row} col ${j}`);
  // The grid above is the spectrogram, untouched.
  assert.deepEqual(r.output.data.subarray(0, 129 * cols), (spec as { data: Float32Array }).data);
});

test('lfcc rows at another analysis rate: the resampled signal, the frame nearest each spectral frame', () => {
  const x = noiseClip(16000 + 160 * 3, 2);
  const r = runPipeline(
    { sampleRate: 16000, channels: [x] },
    { stages: [{ op: 'stft', nFft: 512, winLength: 400, hopLength: 160 }], lfcc: { sampleRate: 8000 } },
  );
  const ref = lfcc(resample(x, 16000, 8000), {
    sampleRate: 8000,
    preset: 'asvspoof2019',
    center: true,
    padMode: 'constant',
  });
  const cols = r.output.cols;
  assert.equal(r.output.rows, 257 + 60);
  // Frame centres j * 10 ms at both rates: column j is LFCC frame j (clamped at the end).
  for (let row = 0; row < 60; row += 7)
    for (let j = 0; j < cols; j++)
      assert.equal(r.output.data[(257 + row) * cols + j], ref.data[row * ref.cols + Math.min(j, ref.cols - 1)]);
});

test('lfcc rows: bad options and resize are refused, naming the field', () => {
  const stages = [{ op: 'stft' }];
  assert.throws(
    () => resolvePipelineConfig({ stages, lfcc: { rate: 8000 } }),
    /lfcc.rate is not a field \(fields: sampleRate\)/,
  );
  assert.throws(() => resolvePipelineConfig({ stages, lfcc: { sampleRate: 0 } }), /lfcc.sampleRate/);
  assert.throws(() => resolvePipelineConfig({ stages, lfcc: 'yes' }), /lfcc/);
  assert.throws(
    () => resolvePipelineConfig({ stages: [{ op: 'stft' }, { op: 'resize', rows: 8, cols: 8 }], lfcc: {} }),
    /lfcc cannot be combined with stages\[1\].op="resize"/,
  );
  assert.deepEqual(resolvePipelineConfig({ stages, lfcc: null }).lfcc, undefined);
});
