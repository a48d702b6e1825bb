// The WebAssembly SIMD spectrogram kernel (src/spectral/simdPower.ts) against the fft.js path it
// replaces for power-of-two nFft: same frames, padding and window, float32 instead of float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  melFilterbank,
  melSpectrogram,
  melSpectrogramBlocks,
  spectrogram,
  type MelSpectrogramOptions,
  type SpectrogramOptions,
} from '../../src/spectral';
import { FrameAnalyser } from '../../src/spectral/analyser';
import { frameCount, resolveStft } from '../../src/spectral/options';
import { powerColumns, powerColumnsFftJs } from '../../src/spectral/spectrogram';
import { kernelMemoryBytes, simdPower } from '../../src/spectral/simdPower';
import { Random } from '../../src/random';
import { captureWarnings } from '../helpers/warnings';

// Float32 butterflies against float64 ones: the error of each frame relative to that frame's largest
// value (stricter than relative to the whole grid's maximum, which would hide quiet frames).
const TOL = 1e-5;

function speech(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  return new Float32Array(n).map(
    (_, i) => 0.4 * Math.sin(i * 0.031 + 0.2 * Math.sin(i * 0.001)) + 0.2 * Math.sin(i * 0.57) + 0.05 * r.normal(),
  );
}

/** Largest over frames of max_r |a - b| / max_r |b| (rows x cols, row-major); all-zero frames must match exactly. */
function frameRelError(a: Float32Array, b: Float32Array, rows: number, cols: number): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let t = 0; t < cols; t++) {
    let e = 0;
    let m = 0;
    for (let r = 0; r < rows; r++) {
      e = Math.max(e, Math.abs(a[r * cols + t] - b[r * cols + t]));
      m = Math.max(m, Math.abs(b[r * cols + t]));
    }
    worst = Math.max(worst, m === 0 ? (e === 0 ? 0 : Infinity) : e / m);
  }
  return worst;
}

/** The fft.js path's |X|^power for the whole signal. */
function reference(
  x: Float32Array,
  opts: SpectrogramOptions,
  power: 1 | 2,
): { data: Float32Array; rows: number; cols: number } {
  const cfg = resolveStft(opts);
  const cols = frameCount(x.length, cfg);
  const an = new FrameAnalyser(cfg);
  const rows = an.fft.bins;
  const data = new Float32Array(rows * cols).fill(NaN);
  powerColumnsFftJs(an, x, 0, x.length, 0, cols, power, data, cols, 0);
  return { data, rows, cols };
}

// First in the file: the memory only grows, and later tests grow it past what this one needs.
test('melSpectrogramBlocks: two streams interleaved (the second growing the shared memory) equal their one-shot results', () => {
  const x = speech(40000, 8);
  const optsA = { nFft: 512, hopLength: 160, nMels: 40, sampleRate: 16000, blockFrames: 50 };
  const optsB = { nFft: 32768, hopLength: 8192, nMels: 64, sampleRate: 16000, blockFrames: 2 };
  const streams = [melSpectrogramBlocks(x, optsA), melSpectrogramBlocks(x, optsB)];
  const got: Float32Array[][] = [[], []];
  const sizes: number[] = [];
  for (let done = 0; done < 2; ) {
    done = 0;
    streams.forEach((s, i) => {
      const r = s.next();
      if (r.done) done++;
      else got[i].push(r.value.data.slice());
      sizes.push(kernelMemoryBytes());
    });
  }
  assert.ok(
    sizes[1] > sizes[0],
    `the second stream grew the memory (${sizes[0]} -> ${sizes[1]} bytes): this test runs first in the file`,
  );
  [optsA, optsB].forEach(({ blockFrames: _, ...o }, i) => {
    const whole = melSpectrogram(x, o);
    const blocks = got[i];
    // blocks are rows x blockFrames (the last one shorter): compare column runs
    let t0 = 0;
    for (const data of blocks) {
      const n = data.length / whole.rows;
      for (let r = 0; r < whole.rows; r++) {
        assert.deepEqual(
          data.subarray(r * n, (r + 1) * n),
          whole.data.subarray(r * whole.cols + t0, r * whole.cols + t0 + n),
          `stream ${i} row ${r} from frame ${t0}`,
        );
      }
      t0 += n;
    }
    assert.equal(t0, whole.cols);
  });
});

const CONFIGS: { length: number; opts: SpectrogramOptions }[] = [
  { length: 16000 * 4 + 77, opts: { nFft: 512, winLength: 400, hopLength: 160 } },
  {
    length: 16000 * 4 + 77,
    opts: { nFft: 512, winLength: 400, hopLength: 160, padMode: 'reflect', window: 'hamming' },
  },
  { length: 9999, opts: { nFft: 2048 } },
  { length: 9999, opts: { nFft: 1024, winLength: 333, hopLength: 77, center: false, window: 'blackman' } },
  { length: 20001, opts: { nFft: 256, winLength: 255, hopLength: 1, window: 'rectangular' } },
  { length: 4097, opts: { nFft: 16, hopLength: 3 } },
  { length: 5, opts: { nFft: 64, winLength: 63, hopLength: 2 } },
  { length: 5, opts: { nFft: 64, hopLength: 7, padMode: 'reflect' } },
  { length: 1, opts: { nFft: 32, hopLength: 8, padMode: 'reflect' } },
  { length: 100, opts: { nFft: 128, hopLength: 5000 } },
  { length: 50001, opts: { nFft: 256, hopLength: 1000, padMode: 'reflect' } },
  { length: 3000001, opts: { nFft: 64, hopLength: 1000000, center: false } },
  { length: 70000, opts: { nFft: 65536, hopLength: 30000, winLength: 40001 } },
];

for (const { length, opts } of CONFIGS) {
  const name = Object.entries(opts)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  for (const power of [2, 1] as const) {
    test(`spectrogram SIMD kernel power=${power} ${name} on ${length} samples equals the fft.js path within ${TOL} per frame`, async () => {
      assert.ok(simdPower(resolveStft(opts)), 'the SIMD kernel applies to this configuration');
      const x = speech(length, length);
      let s: ReturnType<typeof spectrogram> | undefined;
      const warnings = await captureWarnings(() => (s = spectrogram(x, { ...opts, power, sampleRate: 16000 })));
      for (const w of warnings) assert.match(w, /is too large for input signal of length/);
      const ref = reference(x, opts, power);
      assert.deepEqual([s!.rows, s!.cols], [ref.rows, ref.cols]);
      const err = frameRelError(s!.data, ref.data, ref.rows, ref.cols);
      assert.ok(err <= TOL, `largest per-frame relative error ${err}`);
    });
  }
}

test('spectrogram SIMD kernel on a slice of the signal (base, total): columns t0.. equal those of the whole signal', () => {
  const x = speech(30011, 3);
  const opts = { nFft: 512, winLength: 400, hopLength: 160, padMode: 'reflect' as const };
  const cfg = resolveStft(opts);
  const cols = frameCount(x.length, cfg);
  const an = new FrameAnalyser(cfg);
  const rows = an.fft.bins;
  const whole = new Float32Array(rows * cols);
  powerColumns(an, x, 0, x.length, 0, cols, 2, whole, cols, 0);
  // frames 0..9 (the left pad) and the last 9 (the right pad) from slices that hold exactly their samples
  for (const [t0, n] of [
    [0, 10],
    [cols - 9, 9],
    [100, 37],
  ]) {
    const lo = Math.max(0, t0 * 160 - 256);
    const hi = Math.min(x.length, (t0 + n - 1) * 160 - 256 + 512);
    const part = new Float32Array(rows * n).fill(NaN);
    powerColumns(an, x.slice(lo, hi), lo, x.length, t0, n, 2, part, n, 0);
    for (let r = 0; r < rows; r++) {
      assert.deepEqual(
        part.subarray(r * n, (r + 1) * n),
        whole.subarray(r * cols + t0, r * cols + t0 + n),
        `row ${r} frames ${t0}..${t0 + n - 1}`,
      );
    }
  }
});

test('spectrogram SIMD kernel with a custom Float32Array window equals the fft.js path', () => {
  const x = speech(8000, 9);
  const window = new Float32Array(300).map((_, i) => Math.exp(-(((i - 150) / 60) ** 2)));
  const opts = { nFft: 512, winLength: 300, hopLength: 128, window };
  const s = spectrogram(x, { ...opts, sampleRate: 8000 });
  const ref = reference(x, opts, 2);
  assert.ok(frameRelError(s.data, ref.data, ref.rows, ref.cols) <= TOL);
});

test('spectrogram SIMD kernel applies to powers of two from 16 to 65536 only (others take the fft.js path)', () => {
  for (const nFft of [16, 512, 65536]) assert.ok(simdPower(resolveStft({ nFft })), `nFft=${nFft}`);
  for (const nFft of [8, 400, 1000, 511, 131072]) assert.equal(simdPower(resolveStft({ nFft })), null, `nFft=${nFft}`);
});

// melSpectrogram projects the SIMD kernel's power blocks in the same WebAssembly module (float32
// sums); the oracle is the dense librosa-style filterbank times the fft.js path's |X|^p.
const melCases: { length: number; opts: MelSpectrogramOptions & { nFft: number } }[] = [
  { length: 16000 * 3 + 5, opts: { nFft: 512, winLength: 400, hopLength: 160, nMels: 80 } },
  { length: 9001, opts: { nFft: 1024, hopLength: 256, nMels: 128, htk: true, norm: null, power: 1 as const } },
  { length: 3000, opts: { nFft: 256, hopLength: 64, nMels: 40, fMin: 50, fMax: 7000, padMode: 'reflect' as const } },
  // not a power of two: the fft.js path's own projection (the fallback), same oracle
  { length: 7001, opts: { nFft: 400, hopLength: 160, nMels: 40 } },
];
for (const { opts, length } of melCases) {
  const name = Object.entries(opts)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const path = simdPower(resolveStft(opts)) ? 'the SIMD kernel' : 'the fft.js path';
  test(`melSpectrogram through ${path} ${name} equals melFilterbank @ the fft.js power within ${TOL} per frame`, () => {
    const x = speech(length, 11);
    const sampleRate = 16000;
    const power = opts.power ?? 2;
    const s = melSpectrogram(x, { ...opts, sampleRate });
    const lin = reference(x, opts, power);
    const bank = melFilterbank({
      sampleRate,
      nFft: opts.nFft,
      nMels: opts.nMels,
      fMin: opts.fMin,
      fMax: opts.fMax,
      htk: opts.htk,
      norm: opts.norm,
    });
    const ref = new Float32Array(bank.rows * lin.cols);
    for (let m = 0; m < bank.rows; m++) {
      for (let t = 0; t < lin.cols; t++) {
        let acc = 0;
        for (let r = 0; r < lin.rows; r++) acc += bank.data[m * lin.rows + r] * lin.data[r * lin.cols + t];
        ref[m * lin.cols + t] = acc;
      }
    }
    assert.deepEqual([s.rows, s.cols], [bank.rows, lin.cols]);
    const err = frameRelError(s.data, ref, bank.rows, lin.cols);
    assert.ok(err <= TOL, `largest per-frame relative error ${err}`);
  });
}

test('spectrogram SIMD kernel: plans sharing the WebAssembly memory in turn (one growing it) keep their own tables', () => {
  const x = speech(20000, 4);
  const small = { nFft: 256, hopLength: 64 };
  const large = { nFft: 16384, hopLength: 4096 };
  const run = (an: FrameAnalyser, cols: number): Float32Array => {
    const out = new Float32Array(an.fft.bins * cols);
    powerColumns(an, x, 0, x.length, 0, cols, 2, out, cols, 0);
    return out;
  };
  const cfgA = resolveStft(small);
  const cfgB = resolveStft(large);
  const a = new FrameAnalyser(cfgA);
  const b = new FrameAnalyser(cfgB);
  const colsA = frameCount(x.length, cfgA);
  const colsB = frameCount(x.length, cfgB);
  const first = run(a, colsA);
  const other = run(b, colsB);
  assert.deepEqual(run(a, colsA), first);
  assert.ok(frameRelError(other, reference(x, large, 2).data, b.fft.bins, colsB) <= TOL);
  assert.ok(frameRelError(first, reference(x, small, 2).data, a.fft.bins, colsA) <= TOL);
});
