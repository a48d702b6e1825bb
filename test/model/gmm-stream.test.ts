// fitGmm streams its frames: clips in memory or a ClipSource (the feature cache) give the model the
// stacked float64 matrix gives, bit for bit, whatever the clip and chunk boundaries; k-means runs on a
// bounded seeded sample; memory does not hold every frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type ClipSource,
  type FrameMatrix,
  type Gmm,
  type GmmIteration,
  fitGmm,
  fitGmmDetector,
  fitGmmDetectorAsync,
  scoreGmmDetector,
  toFrames,
} from '../../src/model/gmm';
import { CachedClips, cachePath, writeCachedFeature } from '../../src/dataset/cache';
import { DatasetError, ParameterError } from '../../src/errors';
import { type Grid, createGrid } from '../../src/grid/grid';
import { Random } from '../../src/random';

/** `clips` float32 Grids (dims x frames) of the given lengths: 3 blobs with a frame-to-frame drift. */
function grids(lengths: number[], dims: number, seed: number): Grid[] {
  const rng = new Random(seed);
  return lengths.map((n) => {
    const d = new Float32Array(dims * n);
    for (let t = 0; t < n; t++) {
      const centre = 4 * rng.int(3);
      for (let j = 0; j < dims; j++) d[j * n + t] = centre + j + rng.normal();
    }
    return createGrid(dims, n, d);
  });
}

function sameModel(a: Gmm, b: Gmm, what: string): void {
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights), `${what}: weights`);
  assert.deepEqual(Array.from(a.means), Array.from(b.means), `${what}: means`);
  assert.deepEqual(Array.from(a.variances), Array.from(b.variances), `${what}: variances`);
  assert.deepEqual(a.fit, b.fit, `${what}: fit`);
}

/** The same frames cut into clips of other lengths, as float32 FrameMatrices (n x dims). */
function recut(stacked: FrameMatrix, lengths: number[]): FrameMatrix[] {
  let at = 0;
  return lengths.map((n) => {
    const m = {
      n,
      dims: stacked.dims,
      data: Float32Array.from(stacked.data.subarray(at * stacked.dims, (at + n) * stacked.dims)),
    };
    at += n;
    return m;
  });
}

const source = (clips: readonly (Grid | FrameMatrix)[], name?: (i: number) => string): ClipSource => ({
  length: clips.length,
  get: (i) => clips[i],
  ...(name ? { name } : {}),
});

test('fitGmm on clips (float32 Grids, FrameMatrices, a ClipSource) equals the stacked float64 matrix bit for bit: 9,731 frames across 4,096-frame chunks, K=5', () => {
  // Lengths chosen so clips and chunks end at different frames (and one clip is empty).
  const g = grids([3000, 1, 5000, 1730], 4, 1);
  const clips = [g[0], g[1], { n: 0, dims: 4, data: new Float32Array(0) }, g[2], g[3]];
  const stacked = toFrames(clips);
  const opts = { nComponents: 5, seed: 2, maxIter: 30, tol: 0 };
  const ref = fitGmm(stacked, opts);
  assert.equal(ref.fit!.nIter, 30);
  sameModel(fitGmm(clips, opts), ref, 'Grids');
  sameModel(fitGmm(source(clips), opts), ref, 'ClipSource of Grids');
  sameModel(fitGmm(recut(stacked, [4095, 2, 4097, 1537]), opts), ref, 'float32 FrameMatrices cut elsewhere');
  const f64 = recut(stacked, [7, 9724]).map((m) => ({ ...m, data: Float64Array.from(m.data) }));
  sameModel(fitGmm(f64, opts), ref, 'float64 FrameMatrices (passed without a copy)');
});

test('fitGmm past initFrames: k-means on a seeded sample; same seed and frames give one model whatever the clips; initFrames >= frames gives the full k-means model', () => {
  const lengths = [2500, 1700, 3800];
  const clips = grids(lengths, 3, 5);
  const stacked = toFrames(clips);
  const opts = { nComponents: 3, seed: 7, initFrames: 300, maxIter: 0 };
  // maxIter 0: the model is the k-means start itself.
  const a = fitGmm(clips, opts);
  sameModel(fitGmm(recut(stacked, [1, 7998, 1]), opts), a, 'same frames, other clips');
  sameModel(fitGmm(clips, opts), a, 'same seed again');
  const other = fitGmm(clips, { ...opts, seed: 8 });
  assert.notDeepEqual(Array.from(other.means), Array.from(a.means));
  // A sample of 300 of 8,000 frames still finds the three blobs (centres 0, 4, 8 + j): EM from it
  // reaches the optimum EM from k-means on every frame reaches.
  const sorted = (g: Gmm) =>
    Array.from({ length: 3 }, (_, k) => Array.from(g.means.subarray(3 * k, 3 * k + 3))).sort((p, q) => p[0] - q[0]);
  const em = fitGmm(clips, { ...opts, maxIter: 100 });
  const full = fitGmm(clips, { ...opts, maxIter: 100, initFrames: 8000 });
  const [s, f] = [sorted(em), sorted(full)];
  for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(s[k][j] - f[k][j]) < 1e-3, `${s} vs ${f}`);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(s[k][0] - 4 * k) < 0.1, `centre ${k}: ${s[k]}`);
  // initFrames at or above the number of frames: the k-means of every frame, as without a sample.
  sameModel(
    fitGmm(clips, { ...opts, initFrames: 8000 }),
    fitGmm(stacked, { ...opts, initFrames: 1e6 }),
    'initFrames >= n',
  );
});

test('fitGmm reports progress once per EM iteration with its seconds, streaming a ClipSource', () => {
  const its: GmmIteration[] = [];
  const g = fitGmm(source(grids([600, 900], 2, 3)), {
    nComponents: 3,
    maxIter: 6,
    tol: 0,
    onIteration: (it) => its.push(it),
  });
  assert.deepEqual(
    its.map((it) => it.iter),
    [1, 2, 3, 4, 5, 6],
  );
  assert.ok(its.every((it) => it.maxIter === 6 && it.seconds >= 0 && Number.isFinite(it.lowerBound)));
  assert.equal(its.at(-1)!.lowerBound, g.fit!.lowerBound);
  // EM never lowers the likelihood.
  for (let i = 1; i < its.length; i++) assert.ok(its[i].lowerBound >= its[i - 1].lowerBound - 1e-12);
});

test('fitGmm rejects bad clips and initFrames with messages naming the clip or the argument', () => {
  const [a, b] = grids([50, 40], 2, 4);
  const bad = createGrid(2, 5, Float32Array.from([0, 1, 2, 3, 4, 5, NaN, 7, 8, 9]));
  assert.throws(
    () =>
      fitGmm(
        source([a, bad], (i) => `clip${i}.wav`),
        { nComponents: 2 },
      ),
    (e: Error) => e instanceof ParameterError && /clip1\.wav: frame 1 dimension 1 is NaN/.test(e.message),
  );
  assert.throws(() => fitGmm([a, bad], { nComponents: 2 }), /features\[1\]: frame 1 dimension 1 is NaN/);
  assert.throws(
    () => fitGmm([a, grids([10], 3, 1)[0]], { nComponents: 2 }),
    /features\[1\] has 3 dims, features\[0\] has 2/,
  );
  assert.throws(() => fitGmm(source([]), { nComponents: 2 }), /features is empty/);
  assert.throws(
    () => fitGmm([a, b], { nComponents: 4, initFrames: 3 }),
    /initFrames=3 must be an integer >= nComponents=4/,
  );
  assert.throws(() => fitGmm([a, b], { nComponents: 2, initFrames: 2.5 }), /initFrames=2.5/);
  assert.throws(() => fitGmm(source([a]), { nComponents: 60 }), /50 frames, fewer than nComponents=60/);
});

/** Runs the garbage collector (exposed for this test only). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('fitGmm on a ClipSource of 1.5 M frames x 16 dims holds no copy of them: array buffers during EM < 1/4 of the stacked 192 MB', () => {
  const dims = 16;
  const clipFrames = 1500;
  const nClips = 1000;
  const stackedBytes = nClips * clipFrames * dims * 8;
  // Each clip is made when asked for and dropped after, as the feature cache reads them.
  const src: ClipSource = {
    length: nClips,
    get: (i) => {
      const d = new Float32Array(dims * clipFrames);
      for (let k = 0; k < d.length; k++) d[k] = (k % dims) + (i % 2 ? 3 : 0) + ((i * 7919 + k * 104729) % 1000) / 250;
      return { n: clipFrames, dims, data: d };
    },
  };
  collect();
  const base = process.memoryUsage().arrayBuffers;
  const during: number[] = [];
  fitGmm(src, {
    nComponents: 2,
    maxIter: 2,
    tol: 0,
    onIteration: () => {
      collect();
      during.push(process.memoryUsage().arrayBuffers - base);
    },
  });
  assert.equal(during.length, 2);
  for (const b of during) assert.ok(b < stackedBytes / 4, `${(b / 2 ** 20).toFixed(1)} MiB of array buffers during EM`);
});

test('fitGmmDetectorAsync on CachedClips: worker threads reopen the cache and stream it; equals fitGmmDetector on the clips in memory; a missing entry is a DatasetError naming the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-gmm-stream-'));
  try {
    const fingerprint = 'f'.repeat(64);
    const clips = grids([400, 650, 300, 520, 710, 90], 3, 6);
    const hashes = clips.map((_, i) => String(i).padStart(2, '0').repeat(32));
    const files = clips.map((_, i) => `clip${i}.wav`);
    for (let i = 0; i < clips.length; i++) await writeCachedFeature(cachePath(dir, fingerprint, hashes[i]), clips[i]);
    const all = new CachedClips({ cacheDir: dir, fingerprint, files, hashes, rows: 3 });
    const bona = all.pick([0, 2, 4]);
    const spoof = all.pick([1, 3, 5]);
    const seen = new Map<string, number[]>();
    const opts = { nComponents: 4, seed: 1 };
    const par = await fitGmmDetectorAsync(bona, spoof, {
      ...opts,
      onIteration: (cls, it) => seen.set(cls, [...(seen.get(cls) ?? []), it.iter]),
    });
    const seq = fitGmmDetector([clips[0], clips[2], clips[4]], [clips[1], clips[3], clips[5]], opts);
    sameModel(par.bonafide, seq.bonafide, 'bonafide');
    sameModel(par.spoof, seq.spoof, 'spoof');
    for (const cls of ['bonafide', 'spoof']) {
      const iters = seen.get(cls)!;
      assert.deepEqual(
        iters,
        Array.from({ length: par[cls as 'spoof'].fit!.nIter }, (_, i) => i + 1),
      );
    }
    assert.deepEqual(Array.from(scoreGmmDetector(seq, all)), Array.from(scoreGmmDetector(seq, clips)));

    unlinkSync(cachePath(dir, fingerprint, hashes[3]));
    await assert.rejects(
      fitGmmDetectorAsync(bona, spoof, opts),
      (e: Error) => e instanceof DatasetError && /clip3\.wav: its cached feature .* is gone/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
