import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resize, createGrid } from '../../src/grid';

interface ResizeCase {
  method: 'bilinear' | 'area' | 'nearest';
  rows: number;
  cols: number;
  outRows: number;
  outCols: number;
  input: number[];
  output: number[];
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/eval/resize.json'), 'utf8')) as {
  cases: ResizeCase[];
};

for (const c of fixture.cases) {
  test(`resize ${c.method} ${c.rows}x${c.cols} -> ${c.outRows}x${c.outCols} equals cv2.resize`, () => {
    const out = resize(createGrid(c.rows, c.cols, Float32Array.from(c.input)), c.outRows, c.outCols, {
      method: c.method,
    });
    assert.deepEqual([out.rows, out.cols], [c.outRows, c.outCols]);
    let err = 0;
    for (let i = 0; i < c.output.length; i++) err = Math.max(err, Math.abs(out.data[i] - c.output[i]));
    assert.ok(err <= 1e-5, `max abs error ${err}`);
  });
}

test('resize keeps a constant grid constant (every method, up and down)', () => {
  const g = createGrid(6, 9, new Float32Array(54).fill(2.5));
  for (const method of ['bilinear', 'area', 'nearest'] as const) {
    for (const [r, c] of [
      [3, 4],
      [13, 20],
      [6, 9],
      [2, 17],
    ]) {
      assert.ok(
        resize(g, r, c, { method }).data.every((v) => Math.abs(v - 2.5) < 1e-6),
        `${method} ${r}x${c}`,
      );
    }
  }
});

test('resize area shrink preserves the mean for integer factors', () => {
  const data = Float32Array.from({ length: 8 * 12 }, (_, i) => Math.sin(i));
  const out = resize(createGrid(8, 12, data), 4, 3, { method: 'area' });
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(out.data) - mean(data)) < 1e-6);
});

test('resize rejects bad sizes and methods, naming them', () => {
  const g = createGrid(2, 2);
  assert.throws(() => resize(g, 0, 3), /rows=0 must be a positive integer/);
  assert.throws(() => resize(g, 2, 2, { method: 'cubic' as never }), /method="cubic"/);
});
