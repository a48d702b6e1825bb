import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CachedClips,
  cacheClips,
  cacheFeatures,
  computeFeatures,
  cachePath,
  decodeFeature,
  encodeFeature,
  dataFingerprint,
  fillFeatureCache,
} from '../../src/dataset';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { PipelineConfig, pipelineFingerprint } from '../../src/pipeline/config';
import { runPipeline } from '../../src/pipeline/run';
import { gridFromRows } from '../../src/grid';

const config: PipelineConfig = {
  stages: [
    { op: 'mono' },
    { op: 'crop', seconds: 0.25 },
    { op: 'stft', nFft: 128, hopLength: 64, winLength: 128 },
    { op: 'resize', rows: 16, cols: 16 },
    { op: 'normalise', method: 'minmax' },
  ],
};

function writeClips(dir: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const x =
      i % 2
        ? sine(300 + 50 * i, { sampleRate: 8000, duration: 0.1 + 0.01 * i })
        : whiteNoise({ sampleRate: 8000, duration: 0.2, seed: i } as never);
    const f = path.join(dir, `c${i}.wav`);
    writeFileSync(f, encodeWav({ sampleRate: 8000, channels: [x] }, { bitDepth: 32 }));
    return f;
  });
}

test('computeFeatures workers=2 equals in-process runPipeline, reports progress, then hits the cache', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-feat-'));
  try {
    const files = writeClips(dir, 6);
    const cacheDir = path.join(dir, 'cache');
    const progress: number[] = [];
    const a = await computeFeatures(files, config, {
      workers: 2,
      cacheDir,
      onProgress: (d, t) => {
        assert.equal(t, 6);
        progress.push(d);
      },
    });
    assert.equal(a.workers, 2);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    assert.equal(a.cacheHits, 0);
    assert.deepEqual([a.rows, a.cols], [16, 16]);
    const b = await computeFeatures(files, config, { workers: 0 });
    assert.equal(b.workers, 0);
    for (let i = 0; i < 6; i++) assert.deepEqual(a.features[i].data, b.features[i].data);
    const c = await computeFeatures(files, config, { workers: 0, cacheDir });
    assert.equal(c.cacheHits, 6);
    for (let i = 0; i < 6; i++) assert.deepEqual(c.features[i].data, b.features[i].data);
    const fpDir = path.join(cacheDir, pipelineFingerprint(config).slice(0, 16));
    const cached = readdirSync(fpDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.f32'));
    assert.equal(cached.length, 6);
    assert.equal(
      readdirSync(fpDir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.tmp')).length,
      0,
    );
    assert.ok(cachePath(cacheDir, a.fingerprint, a.hashes[0]).startsWith(fpDir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cacheFeatures workers=0 and 2 leave the features in the cache and read back what computeFeatures holds', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-feat-'));
  try {
    const files = writeClips(dir, 6);
    const held = await computeFeatures(files, config, { workers: 0 });
    for (const workers of [0, 2]) {
      const cacheDir = path.join(dir, `cache${workers}`);
      const progress: number[] = [];
      const c = await cacheFeatures(files, config, { workers, cacheDir, onProgress: (d) => progress.push(d) });
      assert.equal(c.workers, workers);
      assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual([c.features.length, c.features.rows, c.features.cols, c.cacheHits], [6, 16, 16, 0]);
      assert.deepEqual(c.hashes, held.hashes);
      for (let i = 0; i < 6; i++) assert.deepEqual(c.features.get(i).data, held.features[i].data);
      // The entry of clip 3 removed behind its back: the error names the clip and the cache file.
      const entry = cachePath(cacheDir, c.fingerprint, c.hashes[3]);
      unlinkSync(entry);
      assert.throws(
        () => c.features.get(3),
        (e: Error) =>
          e.name === 'DatasetError' && e.message.startsWith(`${files[3]}: its cached feature ${entry} is gone`),
      );
      // fillFeatureCache recomputes just that one.
      const fill = await fillFeatureCache(files, config, { workers, cacheDir });
      assert.deepEqual([fill.computed, fill.cacheHits], [1, 5]);
      assert.deepEqual(c.features.get(3).data, held.features[3].data);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cacheFeatures needs a cache folder it can write, and features of one shape', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-feat-'));
  try {
    const files = writeClips(dir, 3);
    await assert.rejects(
      cacheFeatures(files, config, { cacheDir: null as never }),
      /cacheDir=null must be a folder: cacheFeatures/,
    );
    // A file where the cache folder should be: every write fails (as root, a read-only mode would not).
    const notDir = path.join(dir, 'file');
    writeFileSync(notDir, 'x');
    for (const workers of [0, 2])
      await assert.rejects(
        cacheFeatures(files, config, { cacheDir: notDir, workers, minItemsPerWorker: 1 }),
        (e: Error) =>
          e.name === 'DatasetError' && e.message.startsWith(`${notDir}: feature cache not written (ENOTDIR`),
      );
    const noCrop: PipelineConfig = { stages: [{ op: 'stft', nFft: 128, hopLength: 64, winLength: 128 }] };
    await assert.rejects(
      cacheFeatures(files, noCrop, { cacheDir: path.join(dir, 'c'), workers: 0 }),
      /feature shape 65x\d+ differs from .*add a crop or resize stage/,
    );
    // Filling a cache takes clips of any length (a GMM's whole-clip features).
    const fill = await fillFeatureCache(files, noCrop, { cacheDir: path.join(dir, 'c'), workers: 0 });
    assert.deepEqual([fill.computed, fill.cacheHits], [0, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cacheClips leaves clips of any length in the cache: CachedClips reads back what computeFeatures holds, picks, names files and reopens from its data', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-feat-'));
  try {
    const files = writeClips(dir, 5);
    const noCrop: PipelineConfig = { stages: [{ op: 'stft', nFft: 128, hopLength: 64, winLength: 128 }] };
    const held = await computeFeatures(files, noCrop, { workers: 0, sameShape: false });
    const cacheDir = path.join(dir, 'cache');
    const c = await cacheClips(files, noCrop, { cacheDir, workers: 2, minItemsPerWorker: 1 });
    assert.ok(c.features instanceof CachedClips);
    assert.deepEqual(
      Array.from(c.cols),
      held.features.map((g) => g.cols),
    );
    assert.ok(new Set(c.cols).size > 1, 'clips of different lengths');
    assert.deepEqual([c.features.length, c.features.rows, c.rows, c.cacheHits], [5, 65, 65, 0]);
    for (let i = 0; i < 5; i++) assert.deepEqual(c.features.get(i).data, held.features[i].data);
    const picked = c.features.pick([4, 1]);
    assert.deepEqual([picked.length, picked.name(0), picked.name(1)], [2, files[4], files[1]]);
    assert.deepEqual(picked.get(0).data, held.features[4].data);
    // What a worker thread gets: plain data and the module that reopens it.
    const { module, data } = picked.workerOpen;
    const reopened = (require(module) as typeof import('../../src/dataset/cache')).openClipSource(
      structuredClone(data),
    );
    assert.deepEqual(reopened.get(1).data, held.features[1].data);
    assert.throws(() => c.features.pick([5]), /indices\[0\]=5 is outside the 5 clips/);
    assert.throws(() => c.features.get(-1), /index -1 is outside \[0, 5\)/);
    unlinkSync(cachePath(cacheDir, c.fingerprint, c.hashes[2]));
    assert.throws(
      () => c.features.get(2),
      (e: Error) => e.name === 'DatasetError' && e.message.startsWith(`${files[2]}: its cached feature`),
    );
    await assert.rejects(cacheClips(files, noCrop, { cacheDir: '' }), /cacheDir="" must be a folder: cacheClips/);
    await assert.rejects(
      cacheFeatures(files, noCrop, { cacheDir, sameShape: false }),
      /sameShape=false: cacheFeatures reads features of one shape \(use cacheClips\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('computeFeatures names an undecodable file (workers and in-process) and a shape mismatch', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-feat-'));
  try {
    const files = writeClips(dir, 4);
    const bad = path.join(dir, 'bad.wav');
    writeFileSync(bad, 'ID3 not audio at all');
    await assert.rejects(
      computeFeatures([...files, bad], config, { workers: 0 }),
      (e: Error) => e.name === 'AudioDecodeError' && e.message.startsWith(bad),
    );
    await assert.rejects(
      computeFeatures([...files, bad], config, { workers: 2 }),
      (e: Error) => e.name === 'AudioDecodeError' && e.message.startsWith(bad),
    );
    const noCrop: PipelineConfig = { stages: [{ op: 'stft', nFft: 128, hopLength: 64, winLength: 128 }] };
    await assert.rejects(
      computeFeatures(files, noCrop, { workers: 0 }),
      /feature shape 65x\d+ differs from .*add a crop or resize stage/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('feature cache encoding round-trips and rejects truncated files', () => {
  const g = gridFromRows([
    [1, -2.5],
    [3, 4],
  ]);
  const b = encodeFeature(g);
  assert.deepEqual(decodeFeature(b), g);
  assert.equal(decodeFeature(b.subarray(0, b.length - 1)), null);
  assert.equal(
    dataFingerprint([
      { id: 'a', hash: 'h', label: 'spoof' },
      { id: 'b', hash: 'k', label: 'bonafide' },
    ]),
    dataFingerprint([
      { id: 'b', hash: 'k', label: 'bonafide' },
      { id: 'a', hash: 'h', label: 'spoof' },
    ]),
  );
});

test('runPipeline keeps every stage with resolved params', () => {
  const audio = {
    sampleRate: 8000,
    channels: [sine(440, { sampleRate: 8000, duration: 0.1 }), sine(440, { sampleRate: 8000, duration: 0.1 })],
  };
  const r = runPipeline(audio, config);
  assert.deepEqual(
    r.stages.map((s) => s.name),
    ['mono', 'crop', 'stft', 'resize', 'normalise'],
  );
  assert.equal((r.stages[0].output as { channels: Float32Array[] }).channels.length, 1);
  assert.deepEqual(r.stages[1].params, { seconds: 0.25, position: 'start', pad: 'repeat', samples: 2000 });
  assert.equal(r.stages[2].params.nFft, 128);
  assert.deepEqual([r.output.rows, r.output.cols], [16, 16]);
  assert.equal(r.fingerprint, pipelineFingerprint(config));
  assert.throws(
    () => runPipeline(audio, { stages: [{ op: 'stft', nFft: 0 }] } as PipelineConfig),
    /stages\[0\]\.nFft=0 must be a positive integer/,
  );
});
