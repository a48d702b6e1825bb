import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { captureWarnings } from '../helpers/warnings';
import {
  logMelSpectrogram,
  logMelSpectrogramAsync,
  melSpectrogram,
  melSpectrogramAsync,
  melSpectrogramBlocks,
  melSpectrogramBlocksAsync,
  type MelBlock,
  type MelSpectrogramOptions,
} from '../../src/spectral';
import { parallelMelBlocks } from '../../src/spectral/melBlocks';
import { ParameterError, SpecmorphError } from '../../src/errors';
import { Random } from '../../src/random';
import { concatBlocks } from '../helpers/arrays';

function testSignal(n: number): Float32Array {
  const r = new Random(9);
  return new Float32Array(n).map((_, i) => Math.sin(i * 0.031) * 0.4 + 0.1 * r.normal());
}

async function* chunks(x: Float32Array, sizes: number[]): AsyncGenerator<Float32Array> {
  let at = 0;
  for (let k = 0; at < x.length; k++) {
    const n = sizes[k % sizes.length];
    yield x.slice(at, at + n);
    at += n;
  }
}

/** `x` in chunks of `size` samples, 25 ms apart (a source slower than the threads). */
async function* slowChunks(x: Float32Array, size: number): AsyncGenerator<Float32Array> {
  for await (const c of chunks(x, [size])) {
    await new Promise((r) => setTimeout(r, 25));
    yield c;
  }
}

async function collect(blocks: AsyncIterable<MelBlock>): Promise<MelBlock[]> {
  const out: MelBlock[] = [];
  for await (const b of blocks) out.push(b);
  return out;
}

/** Threads of this process now (Linux), to see that workers were terminated; null elsewhere. */
function threads(): number | null {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : null;
}

/** Waits until the thread count is back to `before` (terminated threads take a moment to go). */
async function assertThreadsBackTo(before: number | null): Promise<void> {
  if (before === null) return;
  for (let i = 0; i < 100 && threads()! > before; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(threads()! <= before, `threads ${threads()} > ${before} before: a worker is still running`);
}

const base: MelSpectrogramOptions = { nFft: 512, winLength: 400, hopLength: 160, sampleRate: 16000, nMels: 80 };
const configs: [string, Partial<MelSpectrogramOptions>][] = [
  ['center=true constant', {}],
  ['center=true reflect', { padMode: 'reflect' }],
  ['center=false', { center: false }],
];

for (const [name, extra] of configs) {
  const opts = { ...base, ...extra };
  test(`melSpectrogramBlocksAsync ${name} on 1, 2 and auto workers, blockFrames=37: bitwise = one-shot melSpectrogram`, async () => {
    // 3 s + 77 samples: the frame count is no multiple of 37, the last block is partial. 'auto' also
    // computes blocks in this thread until the workers have loaded.
    const x = testSignal(16000 * 3 + 77);
    const one = melSpectrogram(x, opts);
    const inThread = [...melSpectrogramBlocks(x, { ...opts, blockFrames: 37 })];
    for (const workers of [1, 2, 'auto'] as const) {
      const whole = await collect(melSpectrogramBlocksAsync(x, { ...opts, blockFrames: 37, workers }));
      assert.deepEqual(concatBlocks(whole, one.rows, one.cols), one.data, `whole signal, ${workers} workers`);
      assert.deepEqual(
        whole.map((b) => [b.firstFrame, b.cols]),
        inThread.map((b) => [b.firstFrame, b.cols]),
      );
      assert.deepEqual(whole[2].times, inThread[2].times);
      assert.deepEqual(whole[2].frequencies, one.frequencies);
      const chunked = await collect(
        melSpectrogramBlocksAsync(chunks(x, [1000, 7, 4096, 333]), { ...opts, blockFrames: 37, workers }),
      );
      assert.deepEqual(concatBlocks(chunked, one.rows, one.cols), one.data, `odd chunks, ${workers} workers`);
    }
  });
}

test('melSpectrogramBlocksAsync auto on a slow source: blocks from this thread, then from the loaded workers, bitwise', async () => {
  // 40 chunks of 0.5 s, 25 ms apart: the first blocks are computed here while the workers load
  const x = testSignal(16000 * 20);
  const one = melSpectrogram(x, base);
  const before = threads();
  const blocks = await collect(
    melSpectrogramBlocksAsync(slowChunks(x, 8000), { ...base, blockFrames: 30, workers: 'auto' }),
  );
  assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data);
  await assertThreadsBackTo(before);
});

test('melSpectrogramBlocksAsync auto: this thread computes blocks beside a loaded worker that is busy', async () => {
  // A worker taking 80 ms a block (it marks its blocks with -1 at [0]); the source gives a block every
  // ~25 ms for 2.5 s (a worker loads in 0.1-0.5 s). Once it has loaded and holds two blocks, the next
  // ones are computed here.
  const x = testSignal(16000 * 10);
  const one = melSpectrogram(x, base);
  const slowWorker = join(__dirname, '..', 'helpers', 'slowMelWorker.ts');
  const blocks = await collect(
    parallelMelBlocks(slowChunks(x, 1600), { ...base, blockFrames: 10 }, 1, true, slowWorker),
  );
  const byWorker = blocks.map((b) => b.data[0] === -1);
  const first = byWorker.indexOf(true);
  assert.ok(first >= 0, 'the worker computed no block');
  assert.ok(
    byWorker.slice(first + 1).includes(false),
    `no block computed here after the worker's first: ${byWorker.map(Number).join('')}`,
  );
  for (const b of blocks) if (b.data[0] === -1) b.data[0] = one.data[b.firstFrame];
  assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data);
});

test('melSpectrogramBlocksAsync auto starts one worker fewer than cores (this thread is the last)', async () => {
  const cores = availableParallelism();
  const before = threads();
  if (before === null) return;
  const peakThreads = async (workers: number | 'auto'): Promise<number> => {
    let peak = threads()!;
    for await (const _ of melSpectrogramBlocksAsync(testSignal(16000 * 4), { ...base, blockFrames: 20, workers }))
      peak = Math.max(peak, threads()!);
    return peak;
  };
  // workers: cores - 1 first, so threads the process starts once (and keeps) are in both counts
  const fixed = await peakThreads(cores - 1);
  await assertThreadsBackTo(before);
  const auto = await peakThreads('auto');
  assert.ok(auto <= fixed, `auto peaked at ${auto} threads, workers: ${cores - 1} at ${fixed}`);
  await assertThreadsBackTo(before);
});

test('melSpectrogramBlocksAsync, frames an exact multiple of blockFrames, one chunk per frame hop, 2 workers', async () => {
  const opts = { ...base, padMode: 'reflect' as const };
  const x = testSignal(160 * 99); // 1 + 99 = 100 frames = 4 blocks of 25
  const one = melSpectrogram(x, opts);
  assert.equal(one.cols, 100);
  const blocks = await collect(melSpectrogramBlocksAsync(chunks(x, [160]), { ...opts, blockFrames: 25, workers: 2 }));
  assert.deepEqual(
    blocks.map((b) => b.cols),
    [25, 25, 25, 25],
  );
  assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data);
});

test('melSpectrogramBlocksAsync, tiny signals on 2 workers and auto: shorter than a frame (reflect), one sample', async () => {
  const opts: MelSpectrogramOptions = { nFft: 256, hopLength: 32, sampleRate: 8000, nMels: 20, padMode: 'reflect' };
  const warnings = await captureWarnings(async () => {
    for (const x of [testSignal(90), testSignal(1)]) {
      const one = melSpectrogram(x, opts);
      for (const workers of [2, 'auto'] as const) {
        const blocks = await collect(
          melSpectrogramBlocksAsync(chunks(x, [10, 3]), { ...opts, blockFrames: 2, workers }),
        );
        assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data, `${x.length} samples, workers ${workers}`);
        const whole = await collect(melSpectrogramBlocksAsync(x, { ...opts, workers }));
        assert.deepEqual(concatBlocks(whole, one.rows, one.cols), one.data);
      }
    }
  });
  assert.deepEqual(warnings, [
    'nFft=256 is too large for input signal of length=90',
    'nFft=256 is too large for input signal of length=1',
  ]);
});

test('melSpectrogramBlocksAsync workers=0 computes in this thread, the same blocks', async () => {
  const x = testSignal(20000);
  const one = melSpectrogram(x, base);
  const before = threads();
  const blocks = await collect(melSpectrogramBlocksAsync(chunks(x, [3001]), { ...base, blockFrames: 50, workers: 0 }));
  assert.deepEqual(concatBlocks(blocks, one.rows, one.cols), one.data);
  assert.equal(threads(), before);
});

test('melSpectrogramBlocksAsync: the caller stopping early terminates the workers', async () => {
  const x = testSignal(16000 * 4);
  const before = threads();
  let seen = 0;
  for await (const b of melSpectrogramBlocksAsync(x, { ...base, blockFrames: 20, workers: 2 })) {
    assert.equal(b.firstFrame, 20 * seen);
    if (++seen === 3) break;
  }
  await assertThreadsBackTo(before);
});

test('melSpectrogramBlocksAsync argument errors', async () => {
  const x = testSignal(5000);
  await assert.rejects(
    collect(melSpectrogramBlocksAsync(x, { ...base, workers: -1 })),
    (e: Error) => e instanceof ParameterError && /workers=-1 must be an integer >= 0 or 'auto'/.test(e.message),
  );
  await assert.rejects(
    collect(melSpectrogramBlocksAsync(x, { ...base, workers: 1.5 })),
    /workers=1.5 must be an integer >= 0 or 'auto'/,
  );
  await assert.rejects(
    collect(melSpectrogramBlocksAsync(x, { ...base, blockFrames: 0, workers: 2 })),
    /blockFrames=0 must be a positive integer/,
  );
  await assert.rejects(collect(melSpectrogramBlocksAsync([], { ...base, workers: 2 })), /source yielded no samples/);
  const bad = new Float32Array(4000);
  bad[7] = Number.NaN;
  await assert.rejects(collect(melSpectrogramBlocksAsync(bad, { ...base, workers: 2 })), /source\[7\]=NaN/);
  // a bad chunk after workers have started: the error names the chunk, the workers are terminated
  const before = threads();
  async function* thenBad(): AsyncGenerator<Float32Array> {
    yield x;
    yield x;
    yield bad;
  }
  await assert.rejects(
    collect(melSpectrogramBlocksAsync(thenBad(), { ...base, blockFrames: 5, workers: 2 })),
    /source chunk 2\[7\]=NaN: audio must be finite everywhere/,
  );
  await assertThreadsBackTo(before);
});

const failing = join(__dirname, '..', 'helpers', 'failingMelWorker.ts');

test('a worker answering with an error: SpecmorphError naming source and the frames, workers terminated', async () => {
  const x = testSignal(16000);
  const before = threads();
  await assert.rejects(
    collect(parallelMelBlocks(x, { ...base, nMels: 20, blockFrames: 10 }, 2, false, failing)),
    (e: Error) =>
      e instanceof SpecmorphError &&
      /^source: mel worker thread [01] on frames \d+\.\.\d+ failed: Array buffer allocation failed$/.test(e.message),
  );
  await assertThreadsBackTo(before);
});

test('a worker thread dying of an uncaught exception: SpecmorphError naming source, workers terminated', async () => {
  const x = testSignal(16000);
  const before = threads();
  await assert.rejects(
    collect(parallelMelBlocks(chunks(x, [4000]), { ...base, blockFrames: 10 }, 2, false, failing)),
    (e: Error) =>
      e instanceof SpecmorphError &&
      /^source: mel worker thread 0 on frames 0\.\.9 failed: kernel crashed at frame 0$/.test(e.message),
  );
  await assertThreadsBackTo(before);
});

test('melSpectrogramAsync / logMelSpectrogramAsync on 0, 1, 2 and auto workers, blockFrames=37: bitwise = one-shot', async () => {
  const x = testSignal(16000 * 3 + 77);
  for (const [, extra] of configs) {
    const opts = { ...base, ...extra };
    const mel = melSpectrogram(x, opts);
    const logMel = logMelSpectrogram(x, { ...opts, topDb: 60 });
    for (const workers of [0, 1, 2, 'auto'] as const) {
      const m = await melSpectrogramAsync(x, { ...opts, blockFrames: 37, workers });
      assert.deepEqual(m.data, mel.data, `mel, workers ${workers}`);
      assert.deepEqual([m.rows, m.cols, m.unit], [mel.rows, mel.cols, 'power']);
      assert.deepEqual(m.times, mel.times);
      if (workers === 1 || workers === 2) assert.ok(m.data.buffer instanceof SharedArrayBuffer);
      const l = await logMelSpectrogramAsync(x, { ...opts, topDb: 60, blockFrames: 37, workers });
      assert.deepEqual(l.data, logMel.data, `log-mel, workers ${workers}`);
      assert.equal(l.unit, 'dB');
    }
  }
});

test('melSpectrogramAsync: an Audio, one sample, shorter than a frame (reflect), on 2 workers: bitwise = one-shot', async () => {
  const opts: MelSpectrogramOptions = { nFft: 256, hopLength: 32, nMels: 20, padMode: 'reflect' };
  // (the too-short warnings were given, once per process, by the test above)
  await captureWarnings(async () => {
    for (const n of [1, 90, 8000]) {
      const audio = { sampleRate: 8000, channels: [testSignal(n)] };
      const one = melSpectrogram(audio, opts);
      const par = await melSpectrogramAsync(audio, { ...opts, blockFrames: 3, workers: 2 });
      assert.deepEqual(par.data, one.data, `${n} samples`);
      assert.equal(par.sampleRate, 8000);
    }
  });
});

test('melSpectrogramAsync onProgress: frames done in order up to the frame count, on 2 workers and on 0', async () => {
  const x = testSignal(16000 * 2);
  for (const workers of [2, 0]) {
    const seen: [number, number][] = [];
    const s = await melSpectrogramAsync(x, {
      ...base,
      blockFrames: 50,
      workers,
      onProgress: (d, t) => seen.push([d, t]),
    });
    const want = workers === 0 ? [s.cols] : [50, 100, 150, 200, s.cols];
    assert.deepEqual(
      seen,
      want.map((d) => [d, s.cols]),
      `workers ${workers}`,
    );
  }
});

test('melSpectrogramAsync argument errors name the argument', async () => {
  const x = testSignal(5000);
  await assert.rejects(melSpectrogramAsync(x, { nFft: 512 }), /sampleRate/);
  await assert.rejects(
    melSpectrogramAsync(x, { ...base, workers: -2 }),
    /workers=-2 must be an integer >= 0 or 'auto'/,
  );
  await assert.rejects(
    melSpectrogramAsync(x, { ...base, blockFrames: 2.5 }),
    /blockFrames=2.5 must be a positive integer/,
  );
  const bad = x.slice();
  bad[3] = Infinity;
  await assert.rejects(melSpectrogramAsync(bad, { ...base, workers: 2 }), /\[3\]=Infinity/);
});
