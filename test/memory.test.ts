// Size parameters are checked against a memory estimate before anything is allocated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createGrid,
  resize,
  resample,
  spectrogram,
  stft,
  melSpectrogram,
  erode,
  footprint,
  runPipeline,
  MAX_BYTES_ENV,
} from '../src';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MALLOC_PAD_ENV, withMallocPad } from '../src/memory';

const LIMIT = /limit 1\.07 GB \(set SPECMORPH_MAX_BYTES, e\.g\. SPECMORPH_MAX_BYTES=8G, to allow more\)/;

function withLimit<T>(v: string | undefined, fn: () => T): T {
  const old = process.env[MAX_BYTES_ENV];
  if (v === undefined) delete process.env[MAX_BYTES_ENV];
  else process.env[MAX_BYTES_ENV] = v;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env[MAX_BYTES_ENV];
    else process.env[MAX_BYTES_ENV] = old;
  }
}

test('resize 20000x20000 is refused before allocating, naming rows and cols and the size', { timeout: 20000 }, () => {
  withLimit(undefined, () => {
    const g = createGrid(4, 4, new Float32Array(16));
    assert.throws(
      () => resize(g, 20000, 20000),
      (e: Error) =>
        e.name === 'ParameterError' &&
        /^rows=20000 cols=20000: the output would need 1\.6 GB; /.test(e.message) &&
        LIMIT.test(e.message),
    );
  });
});

test('resample to 1e9 Hz, spectrogram with nFft=2**31 or 1e300 are refused with the parameter named', {
  timeout: 20000,
}, () => {
  withLimit(undefined, () => {
    const x = new Float32Array(16000);
    assert.throws(
      () => resample(x, 16000, 1e9),
      /^ParameterError: toRate=1000000000 \(from 16000 Hz, 16000 samples\): the output would need 4 GB; limit/,
    );
    const short = new Float32Array(1000);
    assert.throws(
      () => spectrogram(short, { sampleRate: 16000, nFft: 2 ** 31 }),
      /nFft=2147483648: the FFT buffers would need 68\.7 GB/,
    );
    assert.throws(() => stft(short, { nFft: 1e300 }), /nFft=1e\+300: the FFT buffers would need/);
    // 10 minutes at 16 kHz, hop 1: a 257 x 9.6M complex matrix.
    assert.throws(
      () => stft(new Float32Array(16000 * 600), { nFft: 512, hopLength: 1 }),
      /nFft=512 hopLength=1 on 9600000 samples: the output would need 19\.7 GB/,
    );
  });
});

test('pipeline crop of 1e9 s and resize 20000x20000 name their stage and parameter', { timeout: 20000 }, () => {
  withLimit(undefined, () => {
    const audio = { sampleRate: 16000, channels: [new Float32Array(1600)] };
    assert.throws(
      () => runPipeline(audio, { stages: [{ op: 'crop', seconds: 1e9 }, { op: 'stft' }] }),
      /^ParameterError: stages\[0\] \(crop\): seconds=1000000000 \(16000000000000 samples at 16000 Hz\): the output would need 64 TB/,
    );
    assert.throws(
      () =>
        runPipeline(audio, {
          stages: [
            { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
            { op: 'db' },
            { op: 'resize', rows: 20000, cols: 20000 },
          ],
        }),
      /stages\[2\] \(resize\): rows=20000 cols=20000: the output would need 1\.6\d? GB/,
    );
  });
});

test('erode with footprint.disk(3000) is refused with a ParameterError, not a WebAssembly.Memory.grow RangeError', {
  timeout: 60000,
}, () => {
  withLimit(undefined, () => {
    const g = createGrid(64, 64, new Float32Array(64 * 64));
    assert.throws(
      () => erode(g, footprint.disk(3000)),
      (e: Error) =>
        e.name === 'ParameterError' &&
        /^footprint of 6001x6001 on a 64x64 grid: the morphology scratch would need [\d.]+ GB; limit/.test(e.message),
    );
  });
});

test('SPECMORPH_MAX_BYTES lowers or raises the limit; a bad value is named', () => {
  const g = createGrid(4, 4, new Float32Array(16));
  withLimit('100K', () => {
    assert.equal(resize(g, 100, 100).data.length, 10000);
    assert.throws(() => resize(g, 200, 200), /rows=200 cols=200: the output would need 166 kB; limit 102 kB/);
  });
  withLimit('2m', () => assert.equal(resize(g, 200, 200).data.length, 40000));
  withLimit('lots', () =>
    assert.throws(
      () => resize(g, 2, 2),
      /SPECMORPH_MAX_BYTES="lots" must be a number of bytes, optionally with K, M or G/,
    ),
  );
});

test('the limit is on what a call allocates: a mel spectrogram is not refused for its linear STFT size', () => {
  const x = new Float32Array(16000).map((_, i) => Math.sin(i / 7));
  withLimit('200K', () => {
    // 1025 bins x 101 frames complex = 828 kB: refused; 80 mel bands x 101 frames = 32 kB: fine.
    assert.throws(
      () => stft(x, { nFft: 2048, hopLength: 160 }),
      /nFft=2048 hopLength=160 on 16000 samples: the output would need 828 kB; limit 205 kB/,
    );
    const mel = melSpectrogram(x, { sampleRate: 16000, nFft: 2048, hopLength: 160, nMels: 80 });
    assert.deepEqual([mel.rows, mel.cols], [80, 101]);
  });
});

test('withMallocPad adds MALLOC_TOP_PAD_=256 MiB to an environment and keeps one the user set', () => {
  assert.deepEqual(MALLOC_PAD_ENV, { MALLOC_TOP_PAD_: String(256 * 2 ** 20) });
  assert.deepEqual(withMallocPad({ A: '1' }), { A: '1', MALLOC_TOP_PAD_: '268435456' });
  assert.deepEqual(withMallocPad({ A: '1', MALLOC_TOP_PAD_: '0' }), { A: '1', MALLOC_TOP_PAD_: '0' });
});

test('malloc pad: erosions into fresh outputs stop faulting pages in once warm (the kernel environment of npm run setup)', {
  skip: !glibc() && 'not glibc: MALLOC_TOP_PAD_ means nothing to this C library',
}, () => {
  // 100 calls, the last 80 counted: a call now and then still faults its output in when a
  // collection hands memory back (1-7 of 80 seen with the pad on a loaded 2-core machine, 40-80
  // of 80 without it), so the test counts calls rather than summing a short window's faults.
  const faults = (env: NodeJS.ProcessEnv): number[] => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'freshOutputFaults.ts')], {
      env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { faults: number[] }).faults.slice(-80);
  };
  const pages = Math.ceil((257 * 6001 * 4) / 4096);
  const padded = faults(withMallocPad(process.env));
  const faulting = padded.filter((f) => f > pages / 100).length;
  const message = `faults per call, last 80 of 100 calls, with the pad: ${padded.join(' ')}; the output is ${pages} pages`;
  assert.ok(faulting <= 20, `${faulting} of 80 calls faulted more than 1% of the output's pages in; ${message}`);
});

function glibc(): boolean {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}
