import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureWarnings } from '../helpers/warnings';
import {
  logMelSpectrogramAsync,
  melSpectrogram,
  melSpectrogramAsync,
  melSpectrogramBlocks,
  melSpectrogramBlocksAsync,
  MelSpectrogramOptions,
} from '../../src/spectral';
import { Random } from '../../src/random';
import { concatBlocks } from '../helpers/arrays';

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

const configs: [string, Partial<MelSpectrogramOptions>][] = [
  ['center=true constant', {}],
  ['center=true reflect', { padMode: 'reflect' }],
  ['center=false', { center: false }],
];
for (const [name, extra] of configs) {
  const opts: MelSpectrogramOptions = {
    nFft: 512,
    winLength: 400,
    hopLength: 160,
    sampleRate: 16000,
    nMels: 80,
    ...extra,
  };
  test(`melSpectrogramBlocks ${name}: whole array, odd-sized chunks = one-shot melSpectrogram bitwise`, () => {
    const x = testSignal(16000 * 3 + 77);
    const one = melSpectrogram(x, opts);
    const whole = concatBlocks(melSpectrogramBlocks(x, { ...opts, blockFrames: 37 }), one.rows, one.cols);
    assert.deepEqual(whole, one.data);
    const chunked = concatBlocks(
      melSpectrogramBlocks(chunks(x, [1000, 7, 4096, 333]), { ...opts, blockFrames: 100 }),
      one.rows,
      one.cols,
    );
    assert.deepEqual(chunked, one.data);
    const blocks = [...melSpectrogramBlocks(chunks(x, [5000]), { ...opts, blockFrames: 64 })];
    assert.deepEqual(blocks[1].times, one.times.slice(64, 128));
  });
}

test('melSpectrogramBlocks, signal shorter than a frame (reflect, repeated mirroring) = one-shot, warns', async () => {
  const x = testSignal(90);
  const opts: MelSpectrogramOptions = { nFft: 256, hopLength: 32, sampleRate: 8000, nMels: 20, padMode: 'reflect' };
  const warnings = await captureWarnings(() => {
    const one = melSpectrogram(x, opts);
    assert.deepEqual(concatBlocks(melSpectrogramBlocks(chunks(x, [10, 3]), opts), one.rows, one.cols), one.data);
  });
  assert.deepEqual(warnings, ['nFft=256 is too large for input signal of length=90']);
});

test('melSpectrogramBlocks argument errors', () => {
  const opts: MelSpectrogramOptions = { nFft: 256, sampleRate: 8000 };
  assert.throws(
    () => [...melSpectrogramBlocks(new Float32Array(10), { ...opts, blockFrames: 0 })],
    /blockFrames=0 must be a positive integer/,
  );
  assert.throws(
    () => [...melSpectrogramBlocks([new Float32Array([0, Infinity])], opts)],
    /source chunk 0\[1\]=Infinity/,
  );
  assert.throws(() => [...melSpectrogramBlocks([], opts)], /source yielded no samples/);
});

test('melSpectrogramBlocksAsync over an async chunk source equals the one-shot melSpectrogram', async () => {
  const x = testSignal(20000);
  const opts: MelSpectrogramOptions = { nFft: 400, hopLength: 100, sampleRate: 16000, nMels: 40, padMode: 'reflect' };
  const one = melSpectrogram(x, opts);
  async function* source(): AsyncGenerator<Float32Array> {
    for (let i = 0; i < x.length; i += 3001) {
      await new Promise((r) => setImmediate(r));
      yield x.slice(i, i + 3001);
    }
  }
  const blocks = [];
  for await (const b of melSpectrogramBlocksAsync(source(), { ...opts, blockFrames: 50 })) blocks.push(b);
  assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data);
});

test('block-wise and threaded mel functions refuse unknown options, naming the near miss', async () => {
  const x = testSignal(4000);
  const opts = { nFft: 256, sampleRate: 8000 };
  assert.throws(
    () => [...melSpectrogramBlocks(x, { ...opts, block_frames: 8 } as never)],
    /^ParameterError: melSpectrogramBlocks: unknown option block_frames; did you mean blockFrames\?/,
  );
  await assert.rejects(async () => {
    for await (const _ of melSpectrogramBlocksAsync(x, { ...opts, worker: 0 } as never));
  }, /^ParameterError: melSpectrogramBlocksAsync: unknown option worker; did you mean workers\?/);
  await assert.rejects(
    melSpectrogramAsync(x, { ...opts, onprogress: () => undefined } as never),
    /^ParameterError: melSpectrogramAsync: unknown option onprogress; did you mean onProgress\?/,
  );
  await assert.rejects(
    logMelSpectrogramAsync(x, { ...opts, topdb: 60 } as never),
    /^ParameterError: logMelSpectrogramAsync: unknown option topdb; did you mean topDb\?/,
  );
  // in this thread (workers 0) the options each form adds are passed on without complaint
  let progress = 0;
  const s = await melSpectrogramAsync(x, { ...opts, workers: 0, blockFrames: 8, onProgress: (d) => (progress = d) });
  assert.deepEqual(s.data, melSpectrogram(x, opts).data);
  assert.equal(progress, s.cols);
  const db = await logMelSpectrogramAsync(x, { ...opts, workers: 0, ref: 'max', topDb: 60 });
  assert.equal(db.unit, 'dB');
});
