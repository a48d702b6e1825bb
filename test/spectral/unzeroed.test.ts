// spectrogram and melSpectrogram return outputs whose memory is not zeroed first
// (uninitializedFloat32): that is safe only if their kernels write every element. Each case writes
// into an array pre-set to NaN (spectrogram's `out`, the mel kernel's frames) and must equal the
// fresh result everywhere, over the SIMD (power-of-two nFft) and fft.js paths, power 1 and 2,
// centred (constant, reflect) or not, and signals shorter than one tile of frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { melSpectrogram, spectrogram, type MelSpectrogramOptions, type SpectrogramOptions } from '../../src/spectral';
import { MelKernel, planMel } from '../../src/spectral/melSpectrogram';
import { frameCount } from '../../src/spectral/options';
import { Random } from '../../src/random';

function signal(n: number): Float32Array {
  const r = new Random(3);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.05) * 0.5 + 0.05 * r.normal());
}

const cases: [string, SpectrogramOptions, number][] = [
  ['nFft 512 (SIMD), power 2, centred constant', { nFft: 512, winLength: 400, hopLength: 160 }, 16000],
  ['nFft 512 (SIMD), power 1, centred reflect', { nFft: 512, hopLength: 128, power: 1, padMode: 'reflect' }, 9001],
  ['nFft 256 (SIMD), not centred', { nFft: 256, hopLength: 64, center: false }, 5000],
  ['nFft 400 (fft.js), power 2', { nFft: 400, hopLength: 160 }, 12345],
  ['nFft 400 (fft.js), power 1, not centred', { nFft: 400, hopLength: 100, power: 1, center: false }, 4000],
  ['nFft 512, 3 frames', { nFft: 512, hopLength: 160 }, 400],
];

for (const [name, opts, n] of cases) {
  test(`spectrogram ${name}, ${n} samples: every element of out= is written, equal to the fresh output`, () => {
    const x = signal(n);
    const fresh = spectrogram(x, { ...opts, sampleRate: 16000 });
    const out = new Float32Array(fresh.rows * fresh.cols).fill(Number.NaN);
    spectrogram(x, { ...opts, sampleRate: 16000, out });
    assert.deepEqual(out, fresh.data);
    assert.ok(fresh.data.every(Number.isFinite));
  });

  test(`melSpectrogram ${name}, ${n} samples: the mel kernel writes every element, equal to the fresh output`, () => {
    const x = signal(n);
    const mopts: MelSpectrogramOptions & { sampleRate: number } = { ...opts, sampleRate: 16000, nMels: 40 };
    const fresh = melSpectrogram(x, mopts);
    const plan = planMel(mopts);
    const cols = frameCount(x.length, plan.cfg);
    const out = new Float32Array(plan.bank.rows * cols).fill(Number.NaN);
    new MelKernel(plan).frames(x, 0, cols, 0, x.length, out, cols, 0);
    assert.deepEqual(out, fresh.data);
    assert.ok(fresh.data.every(Number.isFinite));
  });
}
