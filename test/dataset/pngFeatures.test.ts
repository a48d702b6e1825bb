import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanPngDataset, loadPngFeature, loadPngFeatures } from '../../src/dataset';
import { writePng, readPng, resize, gridFromRows } from '../../src/grid';

const fixtures = path.join(__dirname, '..', 'fixtures', 'eval', 'png');

test('PNG folder data set: grey and RGB images load as 128x128 luma in [0, 1] (area resize)', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-png-'));
  try {
    mkdirSync(path.join(root, 'real'));
    mkdirSync(path.join(root, 'fake', 'A05'), { recursive: true });
    copyFileSync(path.join(fixtures, 'grey8.png'), path.join(root, 'real', 'g.png'));
    copyFileSync(path.join(fixtures, 'rgb.png'), path.join(root, 'fake', 'A05', 'c.png'));
    const ds = await scanPngDataset(root);
    assert.deepEqual(
      ds.items.map((i) => [i.label, i.attack]),
      [
        ['spoof', 'A05'],
        ['bonafide', null],
      ],
    );
    const progress: number[] = [];
    const feats = loadPngFeatures(
      ds.items.map((i) => i.path),
      { onProgress: (d) => progress.push(d) },
    );
    assert.deepEqual(progress, [1, 2]);
    for (const f of feats) assert.deepEqual([f.rows, f.cols], [128, 128]);
    const want = resize(readPng(path.join(fixtures, 'rgb.png')), 128, 128, { method: 'area' });
    assert.deepEqual(feats[0].data, want.data);
    assert.ok(feats.every((f) => f.data.every((v) => v >= 0 && v <= 1 + 1e-6)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadPngFeature keeps the size when it already matches, flips with origin lower, names broken files', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-png-'));
  try {
    const f = path.join(root, 'a.png');
    writeFileSync(
      f,
      writePng(
        gridFromRows([
          [0, 1],
          [1, 0],
          [0, 0],
        ]),
      ),
    );
    const g = loadPngFeature(f, { rows: 3, cols: 2, origin: 'lower' });
    assert.deepEqual(Array.from(g.data), [0, 0, 1, 0, 0, 1]);
    const broken = path.join(root, 'b.png');
    writeFileSync(broken, 'not a png');
    assert.throws(() => loadPngFeature(broken), /b\.png: not a readable PNG/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
