import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closing, dilate, erode, footprint, opening, type Border } from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { setTileBudget } from '../../src/morphology/extremumFilter';
import { withJsKernels } from '../../src/morphology/kernels';
import { firstMismatch } from './oracle';
import { f32, reference } from './fixtures';

const ref = reference();
const OPS = { erode, dilate, opening, closing } as const;

function check(name: string, got: Float32Array, want: Float32Array, cols: number): void {
  const i = firstMismatch(got, want);
  assert.equal(
    i,
    -1,
    i < 0
      ? ''
      : `${name}: first mismatch at (row ${Math.floor(i / cols)}, col ${i % cols}): got ${got[i]}, want ${want[i]}`,
  );
}

for (const c of ref.cases) {
  const border: Border = c.border === 'constant' ? { constant: ref.constant } : c.border;
  test(`erode/dilate/opening/closing ${c.footprint} on ${c.image} border=${c.border} vs OpenCV/SciPy`, () => {
    const g: Grid = { rows: c.rows, cols: c.cols, data: f32(c.data) };
    const fp = footprint.fromMask(c.mask);
    for (const [op, fn] of Object.entries(OPS)) {
      const want = f32(c[op as keyof typeof OPS]);
      check(`${op} (${c.source[op]})`, fn(g, fp, { border }).data, want, c.cols);
      // same answer with tiny tiles (tiling seams) and with the typed-array kernels
      const old = setTileBudget(48);
      try {
        check(`${op} tiled`, fn(g, fp, { border }).data, want, c.cols);
      } finally {
        setTileBudget(old);
      }
      check(
        `${op} js kernels`,
        withJsKernels(() => fn(g, fp, { border }).data),
        want,
        c.cols,
      );
    }
  });
}

test('footprint.ellipse(rows, cols) 1..13 x 1..13 = cv2.getStructuringElement(MORPH_ELLIPSE, (cols, rows))', () => {
  for (const e of ref.ellipses) {
    const fp = footprint.ellipse(e.rows, e.cols);
    assert.deepEqual(Array.from(fp.mask), e.mask.flat(), `ellipse ${e.rows}x${e.cols}`);
  }
});

test('footprint.disk(r) equals skimage.morphology.disk(r) for r = 0..8', () => {
  for (const d of ref.disks)
    assert.deepEqual(Array.from(footprint.disk(d.radius).mask), d.mask.flat(), `disk ${d.radius}`);
});

test('footprint.cross(rows, cols) equals cv2 MORPH_CROSS for 1..7 x 1..7', () => {
  for (const e of ref.crosses)
    assert.deepEqual(Array.from(footprint.cross(e.rows, e.cols).mask), e.mask.flat(), `cross ${e.rows}x${e.cols}`);
});
