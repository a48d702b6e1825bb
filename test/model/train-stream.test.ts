// Training and scoring from a GridSource (features read from the feature cache one at a time) must
// give exactly what the same data held in memory gives, fetching each example once per pass.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createGrid, type Grid } from '../../src/grid/grid';
import { type GridSource, gridSource } from '../../src/grid/source';
import { Random } from '../../src/random';
import { initBackend } from '../../src/model/backend';
import { predictScores, trainClassifier } from '../../src/model/train';
import { CachedFeatures, cachePath, contentHash, writeCachedFeature } from '../../src/dataset';

let dir = '';

/** Noise grids; bona fide ones (label 1) carry a bright patch in rows 2-5 somewhere in time. */
function syntheticSet(n: number, seed: number, rows = 12, cols = 24): { inputs: Grid[]; labels: number[] } {
  const rng = new Random(seed);
  const inputs: Grid[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const g = createGrid(rows, cols);
    for (let k = 0; k < g.data.length; k++) g.data[k] = -40 + 3 * rng.normal();
    const c0 = rng.int(cols - 4);
    if (label === 1) for (let r = 2; r < 6; r++) for (let c = c0; c < c0 + 4; c++) g.data[r * cols + c] += 6;
    inputs.push(g);
    labels.push(label);
  }
  return { inputs, labels };
}

/** The grids written to a feature cache and read back through CachedFeatures, counting reads. */
async function cached(grids: Grid[], tag: string): Promise<{ source: GridSource; reads: () => number }> {
  const fingerprint = contentHash(new TextEncoder().encode(`test pipeline ${tag}`));
  const hashes = grids.map((g, i) => contentHash(new TextEncoder().encode(`${tag} ${i} ${g.data[0]}`)));
  await Promise.all(grids.map((g, i) => writeCachedFeature(cachePath(dir, fingerprint, hashes[i]), g)));
  const files = hashes.map((h) => `${tag}/${h}.wav`);
  const inner = new CachedFeatures(dir, fingerprint, files, hashes, grids[0].rows, grids[0].cols);
  let n = 0;
  return {
    source: { length: inner.length, rows: inner.rows, cols: inner.cols, get: (i) => (n++, inner.get(i)) },
    reads: () => n,
  };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'specmorph-stream-'));
  await initBackend({ backend: 'wasm' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('trainClassifier + predictScores: a cached GridSource gives bit-identical history, weights and scores to Grid[]', async () => {
  const train = syntheticSet(40, 1);
  const val = syntheticSet(12, 2);
  const testSet = syntheticSet(10, 3, 12, 40);
  const opts = {
    progress: false,
    log: null,
    epochs: 3,
    batchSize: 8,
    learningRate: 3e-3,
    seed: 5,
    cropFrames: 8,
    patience: null,
    augment: { timeMasks: 1, timeMaskWidth: 3, freqMasks: 1, freqMaskWidth: 2, gainDb: 1 },
    modelOptions: { filters: [4, 4, 8] as [number, number, number] },
  };
  const a = await trainClassifier(
    { inputs: train.inputs, labels: train.labels },
    { ...opts, validationData: { inputs: val.inputs, labels: val.labels } },
  );
  const tr = await cached(train.inputs, 'train');
  const va = await cached(val.inputs, 'val');
  const te = await cached(testSet.inputs, 'test');
  const b = await trainClassifier(
    { inputs: tr.source, labels: train.labels },
    { ...opts, validationData: { inputs: va.source, labels: val.labels } },
  );
  try {
    assert.deepEqual(
      b.history.map(({ ms, ...rest }) => rest),
      a.history.map(({ ms, ...rest }) => rest),
    );
    assert.deepEqual(b.standardization, a.standardization);
    const wa = a.model.getWeights().map((w) => w.dataSync());
    const wb = b.model.getWeights().map((w) => w.dataSync());
    assert.equal(wb.length, wa.length);
    wa.forEach((w, i) => assert.deepEqual(wb[i], w, `weight ${i}`));
    // Each pass fetches each example once: standardisation, every epoch, and batch-norm
    // recalibration (one pass per batch-norm layer, each seeing the ones before it updated).
    const bn = b.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    assert.ok(bn >= 1);
    assert.equal(tr.reads(), 40 * (1 + opts.epochs + bn));
    assert.equal(va.reads(), 12 * opts.epochs);
    // Scoring 40-frame clips with 8-frame windows (9 windows each) reads each clip once.
    const sa = predictScores(a.model, testSet.inputs);
    const sb = predictScores(b.model, te.source);
    assert.deepEqual(sb, sa);
    assert.equal(te.reads(), 10);
    assert.deepEqual(predictScores(a.model, gridSource(testSet.inputs)), sa);
  } finally {
    a.model.dispose();
    b.model.dispose();
  }
});

test('a GridSource whose grid has another shape than it declares is refused, naming the index', async () => {
  const good = syntheticSet(4, 1);
  const bad: GridSource = {
    length: 4,
    rows: 12,
    cols: 24,
    get: (i) => (i === 2 ? createGrid(12, 20) : good.inputs[i]),
  };
  await assert.rejects(
    trainClassifier({ inputs: bad, labels: good.labels }, { progress: false, log: null, epochs: 1 }),
    /inputs\.get\(2\) is 12x20, expected the source's 12x24/,
  );
  assert.throws(() => gridSource([good.inputs[0], createGrid(3, 3)]), /grids\[1\] is 3x3, expected 12x24/);
});
