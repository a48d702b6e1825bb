import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readPng, readPngChannels, writePng, gridFromRows } from '../../src/grid';
import { maxAbsDiff } from '../helpers/arrays';

interface PngCase {
  file: string;
  rows: number;
  cols: number;
  luma: number[];
  channels?: number[][];
  cv2Gray?: number[];
}
const dir = path.join(__dirname, '../fixtures/eval');
const fixture = JSON.parse(readFileSync(path.join(dir, 'png.json'), 'utf8')) as { cases: PngCase[] };

for (const c of fixture.cases) {
  test(`readPng luma ${c.file} (written by OpenCV) equals BT.601 luma of its samples`, () => {
    const g = readPng(path.join(dir, 'png', c.file));
    assert.deepEqual([g.rows, g.cols], [c.rows, c.cols]);
    assert.ok(maxAbsDiff(g.data, c.luma) < 1e-6);
    if (c.cv2Gray)
      assert.ok(
        maxAbsDiff(
          g.data.map((v) => v * 255),
          c.cv2Gray,
        ) <=
          0.5 + 1e-4,
        'within rounding of cv2 RGB2GRAY',
      );
  });
  if (c.channels) {
    test(`readPngChannels ${c.file} gives R, G, B(, A) planes`, () => {
      const planes = readPngChannels(path.join(dir, 'png', c.file));
      c.channels!.forEach((ch, k) => assert.ok(maxAbsDiff(planes[k].data, ch) < 1e-6, `channel ${k}`));
      if (c.channels!.length === 3) assert.ok(planes[3].data.every((v) => v === 1));
    });
  }
}

test('writePng min/max scaling round-trips through readPng (origin top and lower)', () => {
  const g = gridFromRows([
    [-1, 0],
    [1, 3],
  ]);
  const back = readPng(writePng(g));
  assert.ok(maxAbsDiff(back.data, [0, 64 / 255, 128 / 255, 1]) < 1e-6);
  const flipped = readPng(writePng(g, { origin: 'lower' }));
  assert.ok(maxAbsDiff(flipped.data, [128 / 255, 1, 0, 64 / 255]) < 1e-6);
  const lower = readPng(writePng(g, { origin: 'lower' }), { origin: 'lower' });
  assert.ok(maxAbsDiff(lower.data, back.data) === 0);
  const fixed = readPng(writePng(g, { min: 0, max: 1 }));
  assert.ok(maxAbsDiff(fixed.data, [0, 0, 1, 1]) < 1e-6);
});

test('readPng names the file when it is not a PNG or missing', () => {
  assert.throws(
    () => readPng(new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0])),
    /png bytes: not a readable PNG .*first bytes 49 44 33 04/,
  );
  assert.throws(() => readPng('/nonexistent/x.png'), /\/nonexistent\/x\.png: cannot read \(ENOENT\)/);
});
