import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/random';
import { runPipeline } from '../../src/pipeline/run';
import { resolvePipelineConfig, type PipelineConfig } from '../../src/pipeline/config';
import { excitationFeatures, lfcc } from '../../src/spectral';
import { preEmphasis } from '../../src/pipeline/audioPrep';
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
    /lfcc.rate is not a field \(fields: sampleRate, source\)/,
  );
  assert.throws(() => resolvePipelineConfig({ stages, lfcc: { sampleRate: 0 } }), /lfcc.sampleRate/);
  assert.throws(() => resolvePipelineConfig({ stages, lfcc: 'yes' }), /lfcc/);
  assert.throws(
    () => resolvePipelineConfig({ stages: [{ op: 'stft' }, { op: 'resize', rows: 8, cols: 8 }], lfcc: {} }),
    /lfcc cannot be combined with stages\[1\].op="resize"/,
  );
  assert.deepEqual(resolvePipelineConfig({ stages, lfcc: null }).lfcc, undefined);
  assert.throws(
    () => resolvePipelineConfig({ stages, lfcc: { source: 'padded' } }),
    /lfcc.source.*"padded".*must be 'spectral' or 'clip'/,
  );
  assert.throws(() => resolvePipelineConfig({ stages, excitation: { source: 1 } }), /excitation.source/);
  // 'spectral' is the default and resolves to absent: pipelines saved before `source` keep their fingerprint.
  assert.deepEqual(resolvePipelineConfig({ stages, lfcc: { source: 'spectral' } }).lfcc, {});
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { source: 'clip' } }).excitation, { source: 'clip' });
});

// A 0.73 s clip, pre-emphasised after a crop to 2 s that repeats it: the hop is 10 ms at 8 kHz.
const SHORT = noiseClip(5840, 3);
const clipConfig = (source: 'spectral' | 'clip', seconds = 2): PipelineConfig => ({
  stages: [{ op: 'crop', seconds }, { op: 'preEmphasis' }, { op: 'stft', nFft: 256, winLength: 200, hopLength: 80 }],
  lfcc: { source },
  excitation: { source },
});

test("source 'clip': the rows are the clip's own frames (after the audio stages that follow the crop), tiled as the crop tiled its samples", () => {
  const r = runPipeline({ sampleRate: 8000, channels: [SHORT] }, clipConfig('clip'));
  const cols = r.output.cols;
  assert.equal(cols, 201);
  const x = preEmphasis(SHORT);
  const ref = lfcc(x, { sampleRate: 8000, preset: 'asvspoof2019', center: true, padMode: 'constant' });
  assert.equal(ref.cols, 74);
  const seconds = SHORT.length / 8000;
  const times = Float64Array.from({ length: cols }, (_, j) => (j * 0.01) % seconds);
  for (let row = 0; row < 60; row++)
    for (let j = 0; j < cols; j++) {
      const k = Math.min(ref.cols - 1, Math.round(times[j] / 0.01));
      assert.equal(r.output.data[(129 + row) * cols + j], ref.data[row * ref.cols + k], `row ${row} col ${j}`);
    }
  // Column 73 (0.73 s) is the clip's start again: frame 0, not a frame that straddles the seam.
  assert.equal(r.output.data[129 * cols + 73], ref.data[0]);
  const exc = excitationFeatures(x, { sampleRate: 8000, times });
  assert.deepEqual(r.output.data.subarray(189 * cols), exc.data);
});

test("source 'clip' against 'spectral': the same grid, the side rows differ only near the seams, and a clip the crop did not lengthen gives the same rows", () => {
  const clip = runPipeline({ sampleRate: 8000, channels: [SHORT] }, clipConfig('clip'));
  const spectral = runPipeline({ sampleRate: 8000, channels: [SHORT] }, clipConfig('spectral'));
  const cols = clip.output.cols;
  assert.deepEqual(clip.output.data.subarray(0, 129 * cols), spectral.output.data.subarray(0, 129 * cols));
  const differs = (j: number) =>
    Array.from({ length: 60 }, (_, row) => (129 + row) * cols + j).some(
      (i) => clip.output.data[i] !== spectral.output.data[i],
    );
  // The spectral copy's frames at the seams (0.73 s, 1.46 s) see the jump back to the clip's start.
  assert.ok(differs(73) && differs(146));
  // Far from a seam and from the ends (> 3 frames of 20 ms windows and deltas), the frames agree.
  assert.ok(!differs(36) && !differs(110));
  // Cropped to 0.5 s (shorter, not lengthened): both sources analyse the same audio.
  const a = runPipeline({ sampleRate: 8000, channels: [SHORT] }, clipConfig('clip', 0.5));
  const b = runPipeline({ sampleRate: 8000, channels: [SHORT] }, clipConfig('spectral', 0.5));
  assert.deepEqual(a.output.data, b.output.data);
});
