import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, resolvePipelineConfig, pipelineFingerprint } from '../../src/pipeline';
import { whiteNoise } from '../../src/audio';
import { lfcc } from '../../src/spectral';
import { DEFAULT_GMM_PIPELINE } from '../../src/model/gmmModel';

test('lfcc stage preset=asvspoof2019 equals lfcc(x, {preset}) at the audio rate (8 and 16 kHz), 60 rows', () => {
  for (const sr of [8000, 16000]) {
    const x = whiteNoise({ sampleRate: sr, duration: 0.5, amplitude: 0.3, seed: 3 });
    const out = runPipeline(
      { sampleRate: sr, channels: [x] },
      { stages: [{ op: 'lfcc', preset: 'asvspoof2019' }] },
      { keep: false },
    ).output;
    const ref = lfcc(x, { sampleRate: sr, preset: 'asvspoof2019' });
    assert.equal(out.rows, 60);
    assert.equal(out.cols, ref.cols);
    assert.deepEqual(Array.from(out.data), Array.from(ref.data));
  }
});

test('lfcc preset resolves to itself (no defaults written), fingerprints differ from the plain lfcc stage', () => {
  assert.deepEqual(resolvePipelineConfig(DEFAULT_GMM_PIPELINE), {
    stages: [{ op: 'mono' }, { op: 'lfcc', preset: 'asvspoof2019' }],
  });
  assert.notEqual(
    pipelineFingerprint(DEFAULT_GMM_PIPELINE),
    pipelineFingerprint({ stages: [{ op: 'mono' }, { op: 'lfcc' }] }),
  );
  // A plain lfcc stage resolves as before (no preset field), so existing fingerprints stay valid.
  assert.equal(
    (resolvePipelineConfig({ stages: [{ op: 'lfcc' }] }).stages[0] as Record<string, unknown>).preset,
    undefined,
  );
});

test('lfcc preset rejects other fields and unknown presets, naming the JSON path', () => {
  assert.throws(
    () => resolvePipelineConfig({ stages: [{ op: 'lfcc', preset: 'asvspoof2019', nFft: 256 }] }),
    /stages\[0\]\.nFft cannot be combined with stages\[0\]\.preset="asvspoof2019"/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages: [{ op: 'lfcc', preset: 'asvspoof2021' }] }),
    /stages\[0\]\.preset="asvspoof2021" must be one of "asvspoof2019"/,
  );
});

test('lfcc preset=asvspoof2019 above 25.6 kHz: the FFT grows to the next power of two at least the 20 ms window', () => {
  for (const [sr, nFft] of [
    [16000, 512],
    [25600, 512],
    [32000, 1024],
    [44100, 1024],
    [48000, 1024],
  ] as const) {
    const x = whiteNoise({ sampleRate: sr, duration: 0.25, amplitude: 0.3, seed: 4 });
    const got = lfcc(x, { sampleRate: sr, preset: 'asvspoof2019' });
    const want = lfcc(x, { sampleRate: sr, preset: 'asvspoof2019', nFft });
    assert.equal(got.rows, 60, `${sr} Hz`);
    assert.deepEqual(Array.from(got.data), Array.from(want.data), `${sr} Hz: nFft ${nFft}`);
  }
});
