// The first hour: librosa's defaults when nFft is omitted, and an Audio accepted wherever a signal is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Audio } from '../../src/audio/types';
import { lfcc, melSpectrogram, mfcc, spectrogram, stft } from '../../src/spectral';
import { Random } from '../../src/random';

const rng = new Random(4);
const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 7) * 0.3 + 0.05 * (rng.next() - 0.5));
const y = Float32Array.from({ length: 16000 }, (_, i) => Math.cos(i / 11) * 0.2);
const stereo: Audio = { sampleRate: 16000, channels: [x, y] };
const mono = Float32Array.from(x, (v, i) => (v + y[i]) / 2);

test('melSpectrogram(x, {sampleRate}) = librosa defaults nFft=2048 winLength=2048 hopLength=512, 128 mels', () => {
  const d = melSpectrogram(x, { sampleRate: 16000 });
  const e = melSpectrogram(x, { sampleRate: 16000, nFft: 2048, winLength: 2048, hopLength: 512 });
  assert.deepEqual([d.rows, d.cols, d.hopLength], [128, 1 + Math.floor(16000 / 512), 512]);
  assert.deepEqual(d.data, e.data);
});

test('stft(x), spectrogram(x, {sampleRate}) defaults: 1025 bins, hop 512; winLength=400 alone: hop 100', () => {
  const z = stft(x);
  assert.deepEqual([z.rows, z.cols], [1025, 32]);
  assert.equal(spectrogram(x, { sampleRate: 16000, nFft: 512, winLength: 400 }).hopLength, 100);
});

test('Audio wherever a signal is taken: stereo mixed down to the channel mean, sampleRate from the Audio', () => {
  const opts = { nFft: 512, hopLength: 160, winLength: 400 };
  assert.deepEqual(spectrogram(stereo, opts).data, spectrogram(mono, { ...opts, sampleRate: 16000 }).data);
  assert.equal(spectrogram(stereo, opts).sampleRate, 16000);
  assert.deepEqual(
    melSpectrogram(stereo, { ...opts, nMels: 40 }).data,
    melSpectrogram(mono, { ...opts, sampleRate: 16000, nMels: 40 }).data,
  );
  assert.deepEqual(mfcc(stereo, opts).data, mfcc(mono, { ...opts, sampleRate: 16000 }).data);
  assert.deepEqual(lfcc(stereo, opts).data, lfcc(mono, { ...opts, sampleRate: 16000 }).data);
  assert.deepEqual(stft(stereo, opts).re, stft(mono, opts).re);
});

test('Audio with a contradicting sampleRate, and an empty Audio, are refused naming the values', () => {
  assert.throws(
    () => spectrogram(stereo, { sampleRate: 8000 }),
    /sampleRate=8000 differs from x.sampleRate=16000 of the Audio; resample the audio instead/,
  );
  assert.throws(() => melSpectrogram({ sampleRate: 16000, channels: [] }), /x.channels is empty/);
  assert.throws(
    () => spectrogram({ sampleRate: 16000, channels: [new Float32Array([0, NaN])] }),
    /x.channels\[0\]\[1\]=NaN: audio must be finite/,
  );
});
