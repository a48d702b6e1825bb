import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fitGmmDetector, scoreGmmDetector, FrameMatrix } from '../../src/model/gmm';
import { DEFAULT_GMM_PIPELINE, GMM_FILE, loadGmmModel, saveGmmModel } from '../../src/model/gmmModel';
import { loadDetector, scoreDetector } from '../../src/model/detector';
import { loadModel, MODEL_FILES } from '../../src/model/io';
import { DEFAULT_PIPELINE, pipelineFingerprint } from '../../src/pipeline/config';
import { createGrid } from '../../src/grid/grid';
import { Random } from '../../src/random';

function blob(rng: Random, n: number, shift: number): FrameMatrix {
  return { n, dims: 3, data: Float64Array.from({ length: 3 * n }, (_, i) => rng.normal() + (i % 3 === 0 ? shift : 0)) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function withDir(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'specmorph-gmm-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test(
  'saveGmmModel/loadGmmModel round-trip: bit-identical parameters and scores, metadata architecture gmm',
  withDir(async (root) => {
    const rng = new Random(2);
    const det = fitGmmDetector(blob(rng, 300, 0), blob(rng, 300, 2), { nComponents: 3, seed: 1 });
    const dir = path.join(root, 'm');
    const meta = await saveGmmModel(dir, det, {
      pipeline: DEFAULT_GMM_PIPELINE,
      seed: 1,
      dataFingerprint: 'abc',
      extra: { note: 'x' },
    });
    assert.deepEqual(
      readdirSync(dir).sort(),
      [GMM_FILE, MODEL_FILES.labels, MODEL_FILES.metadata, MODEL_FILES.pipeline].sort(),
    );
    assert.deepEqual(readdirSync(root), ['m']);
    assert.equal(meta.architecture, 'gmm');
    assert.equal(meta.tfjs, null);
    assert.deepEqual(meta.inputShape, [3, -1]);
    const loaded = await loadGmmModel(dir);
    assert.deepEqual(loaded.metadata, meta);
    assert.equal(loaded.metadata.pipelineFingerprint, pipelineFingerprint(DEFAULT_GMM_PIPELINE));
    assert.deepEqual(loaded.labels, { classes: ['spoof', 'bonafide'], positive: 'bonafide' });
    for (const cls of ['bonafide', 'spoof'] as const) {
      assert.deepEqual(Array.from(loaded.detector[cls].means), Array.from(det[cls].means));
      assert.deepEqual(Array.from(loaded.detector[cls].variances), Array.from(det[cls].variances));
      assert.deepEqual(Array.from(loaded.detector[cls].weights), Array.from(det[cls].weights));
      assert.deepEqual(loaded.detector[cls].fit, det[cls].fit);
    }
    const clips = [
      createGrid(
        3,
        4,
        Float32Array.from({ length: 12 }, (_, i) => i / 6),
      ),
      createGrid(3, 2, Float32Array.from([2, 2, 0, 0, 1, 1])),
    ];
    const a = scoreGmmDetector(det, clips);
    assert.deepEqual(Array.from(scoreGmmDetector(loaded.detector, clips)), Array.from(a));
    // loadDetector dispatches on metadata.architecture; loadModel refuses a GMM folder by name.
    const any = await loadDetector(dir);
    assert.equal(any.kind, 'gmm');
    assert.deepEqual(Array.from(scoreDetector(any, clips)), Array.from(a));
    // Clips read one at a time (a GridSource, as from the feature cache) score the same.
    const source = { length: 2, rows: 3, cols: 4, get: (i: number) => clips[i] };
    assert.deepEqual(Array.from(scoreDetector(any, source)), Array.from(a));
    await assert.rejects(loadModel(dir), /holds a GMM detector \(architecture 'gmm'\), not a tfjs network/);
  }),
);

test(
  'saveGmmModel refuses to replace a folder that is not a model folder, and needs a pipeline',
  withDir(async (root) => {
    const rng = new Random(3);
    const det = fitGmmDetector(blob(rng, 50, 0), blob(rng, 50, 1), { nComponents: 2 });
    const user = path.join(root, 'user');
    mkdirSync(user);
    writeFileSync(path.join(user, 'notes.txt'), 'mine');
    await assert.rejects(
      saveGmmModel(user, det, { pipeline: DEFAULT_GMM_PIPELINE }),
      /not a specmorph model folder \(it holds notes\.txt\); refusing to replace it/,
    );
    assert.equal(readFileSync(path.join(user, 'notes.txt'), 'utf8'), 'mine');
    await assert.rejects(saveGmmModel(path.join(root, 'x'), det, {} as never), /opts.pipeline is required/);
    assert.deepEqual(readdirSync(root), ['user']);
  }),
);

test(
  'loadGmmModel names the broken file and field',
  withDir(async (root) => {
    const rng = new Random(4);
    const det = fitGmmDetector(blob(rng, 50, 0), blob(rng, 50, 1), { nComponents: 2 });
    const dir = path.join(root, 'm');
    await saveGmmModel(dir, det, { pipeline: DEFAULT_GMM_PIPELINE });
    const file = path.join(dir, GMM_FILE);
    const text = readFileSync(file, 'utf8');
    const good = JSON.parse(text);
    // gmm.json has the SHA-256 metadata.json recorded: an edit that keeps it valid is refused too.
    const metaFile = path.join(dir, MODEL_FILES.metadata);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    assert.deepEqual(meta.sha256, { [GMM_FILE]: sha256(text) });
    const edited = JSON.stringify({ ...good, bonafide: { ...good.bonafide, means: good.bonafide.means.map(() => 0) } });
    writeFileSync(file, edited);
    await assert.rejects(
      loadGmmModel(dir),
      new RegExp(
        `gmm\\.json: SHA-256 ${sha256(edited)}, but metadata\\.json recorded ${sha256(text)} when the model ` +
          'was saved; the model folder is corrupted or was edited$',
      ),
    );
    // A folder written before the SHA-256 was recorded loads, and gmm.json is checked field by field.
    const { sha256: _, ...old } = meta;
    writeFileSync(metaFile, `${JSON.stringify(old, null, 2)}\n`);
    assert.equal((await loadGmmModel(dir)).metadata.sha256, undefined);
    writeFileSync(
      file,
      JSON.stringify({
        ...good,
        bonafide: {
          ...good.bonafide,
          variances: good.bonafide.variances.map((v: number, i: number) => (i === 4 ? -1 : v)),
        },
      }),
    );
    await assert.rejects(loadGmmModel(dir), /gmm\.json: bonafide\.variances\[4\]=-1 must be a finite number > 0/);
    writeFileSync(file, JSON.stringify({ ...good, spoof: { ...good.spoof, means: [1, 2] } }));
    await assert.rejects(
      loadGmmModel(dir),
      /gmm\.json: spoof\.means must be an array of 6 numbers \(nComponents=2, dims=3\), got length 2/,
    );
    writeFileSync(file, JSON.stringify({ ...good, format: 'other' }));
    await assert.rejects(loadGmmModel(dir), /not a specmorph GMM file \(format="other"/);
    writeFileSync(file, '{');
    await assert.rejects(loadGmmModel(dir), /gmm\.json: not valid JSON/);
    rmSync(file);
    await assert.rejects(loadGmmModel(dir), /gmm\.json: cannot read model file \(ENOENT\)/);
    // Without gmm.json the folder is no model folder any more: saving over it is refused.
    await assert.rejects(
      saveGmmModel(dir, det, { pipeline: DEFAULT_GMM_PIPELINE }),
      /m: folder exists and is not a specmorph model folder \(it has no model\.json, weights\.bin\)/,
    );
    // A pipeline edited after training is caught by the stored fingerprint.
    const again = path.join(root, 'm2');
    await saveGmmModel(again, det, { pipeline: DEFAULT_GMM_PIPELINE });
    writeFileSync(path.join(again, MODEL_FILES.pipeline), JSON.stringify(DEFAULT_PIPELINE));
    await assert.rejects(loadGmmModel(again), /pipeline fingerprint .* differs from metadata.json's/);
  }),
);
