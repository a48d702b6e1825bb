import { test } from 'node:test';
import assert from 'node:assert/strict';
import { melSpectrogram, melSpectrogramBlocks, MelSpectrogramOptions } from '../../src/spectral';
import { Random } from '../../src/random';

function testSignal(n: number): Float32Array {
  const r = new Random(5);
  return new Float32Array(n).map((_, i) => Math.sin(i * 0.05) * 0.5 + 0.1 * r.normal());
}

function* chunks(x: Float32Array, sizes: number[]): Generator<Float32Array> {
  let at = 0;
  for (let k = 0; at < x.length; k++) {
    const n = sizes[k % sizes.length];
    yield x.slice(at, at + n);
    at += n;
  }
}

function concat(blocks: Iterable<{ rows: number; cols: number; data: Float32Array; firstFrame: number }>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  let next = 0;
  for (const b of blocks) {
    assert.equal(b.firstFrame, next);
    for (let r = 0; r < rows; r++) out.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), r * cols + b.firstFrame);
    next += b.cols;
  }
  assert.equal(next, cols);
  return out;
}

const configs: [string, Partial<MelSpectrogramOptions>][] = [
  ['center=true constant', {}],
  ['center=true reflect', { padMode: 'reflect' }],
  ['center=false', { center: false }],
];
for (const [name, extra] of configs) {
  const opts: MelSpectrogramOptions = { nFft: 512, winLength: 400, hopLength: 160, sampleRate: 16000, nMels: 80, ...extra };
  test(`melSpectrogramBlocks ${name}: whole array and odd-sized chunks equal the one-shot melSpectrogram bit for bit`, () => {
    const x = testSignal(16000 * 3 + 77);
    const one = melSpectrogram(x, opts);
    const whole = concat(melSpectrogramBlocks(x, { ...opts, blockFrames: 37 }), one.rows, one.cols);
    assert.deepEqual(whole, one.data);
    const chunked = concat(melSpectrogramBlocks(chunks(x, [1000, 7, 4096, 333]), { ...opts, blockFrames: 100 }), one.rows, one.cols);
    assert.deepEqual(chunked, one.data);
    const blocks = [...melSpectrogramBlocks(chunks(x, [5000]), { ...opts, blockFrames: 64 })];
    assert.deepEqual(blocks[1].times, one.times.slice(64, 128));
  });
}

test('melSpectrogramBlocks on a signal shorter than the frame (reflect, repeated mirroring) equals one-shot', () => {
  const x = testSignal(90);
  const opts: MelSpectrogramOptions = { nFft: 256, hopLength: 32, sampleRate: 8000, nMels: 20, padMode: 'reflect' };
  const one = melSpectrogram(x, opts);
  assert.deepEqual(concat(melSpectrogramBlocks(chunks(x, [10, 3]), opts), one.rows, one.cols), one.data);
});

test('melSpectrogramBlocks argument errors', () => {
  const opts: MelSpectrogramOptions = { nFft: 256, sampleRate: 8000 };
  assert.throws(() => [...melSpectrogramBlocks(new Float32Array(10), { ...opts, blockFrames: 0 })], /blockFrames=0 must be a positive integer/);
  assert.throws(() => [...melSpectrogramBlocks([new Float32Array([0, Infinity])], opts)], /source chunk 0\[1\]=Infinity/);
  assert.throws(() => [...melSpectrogramBlocks([], opts)], /source yielded no samples/);
});
