import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  blackTopHat,
  closing,
  dilate,
  erode,
  footprint,
  morphologicalGradient,
  opening,
  whiteTopHat,
  type Border,
  type Footprint,
} from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { bruteForce, firstMismatch } from './oracle';

const RUNS = { numRuns: 300, seed: 20261126 };

/** Integer-valued pixels make ties (where conventions differ) common. */
const gridArb = fc
  .record({ rows: fc.integer({ min: 1, max: 9 }), cols: fc.integer({ min: 1, max: 11 }) })
  .chain(({ rows, cols }) =>
    fc
      .array(fc.integer({ min: -5, max: 5 }), { minLength: rows * cols, maxLength: rows * cols })
      .map((v): Grid => ({ rows, cols, data: Float32Array.from(v) })),
  );

const maskArb = fc
  .record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc
      .array(fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: cols, maxLength: cols }), {
        minLength: rows,
        maxLength: rows,
      })
      .filter((m) => m.some((r) => r.includes(1))),
  );

const fpArb = maskArb.map((m) => footprint.fromMask(m));
const borderArb = fc.constantFrom<Border>('ignore', 'replicate', 'reflect', { constant: 2.5 }, { constant: -7 });

/** The point reflection of fp about its anchor, as a footprint (even sides grow by one zero line first). */
function reflected(fp: Footprint): Footprint {
  const rows = fp.rows % 2 ? fp.rows : fp.rows + 1;
  const cols = fp.cols % 2 ? fp.cols : fp.cols + 1;
  const m: (0 | 1)[][] = Array.from({ length: rows }, () => new Array<0 | 1>(cols).fill(0));
  for (let r = 0; r < fp.rows; r++) {
    for (let c = 0; c < fp.cols; c++) if (fp.mask[r * fp.cols + c]) m[rows - 1 - r][cols - 1 - c] = 1;
  }
  return footprint.fromMask(m);
}

const neg = (g: Grid): Grid => ({ rows: g.rows, cols: g.cols, data: g.data.map((v) => -v) });
const leq = (a: Float32Array, b: Float32Array): boolean => a.every((v, i) => v <= b[i]);

test('erode and dilate (chord decomposition, SIMD) equal brute force for random masks and every border', () => {
  fc.assert(
    fc.property(gridArb, fpArb, borderArb, (g, fp, border) => {
      assert.equal(firstMismatch(erode(g, fp, { border }).data, bruteForce(g, fp, 'erode', border)), -1);
      assert.equal(firstMismatch(dilate(g, fp, { border }).data, bruteForce(g, fp, 'dilate', border)), -1);
    }),
    RUNS,
  );
});

test('rect footprints (separable path) equal brute force, every border', () => {
  const rectArb = fc
    .record({ r: fc.integer({ min: 1, max: 8 }), c: fc.integer({ min: 1, max: 8 }) })
    .map(({ r, c }) => footprint.rect(r, c));
  fc.assert(
    fc.property(gridArb, rectArb, borderArb, (g, fp, border) => {
      assert.equal(firstMismatch(erode(g, fp, { border }).data, bruteForce(g, fp, 'erode', border)), -1);
      assert.equal(firstMismatch(dilate(g, fp, { border }).data, bruteForce(g, fp, 'dilate', border)), -1);
    }),
    RUNS,
  );
});

test('duality erode(f, B) = -dilate(-f, reflected B), constant c <-> -c', () => {
  fc.assert(
    fc.property(gridArb, fpArb, borderArb, (g, fp, border) => {
      const dual: Border = typeof border === 'object' ? { constant: -border.constant } : border;
      const lhs = erode(g, fp, { border }).data;
      const rhs = dilate(neg(g), reflected(fp), { border: dual }).data.map((v) => -v);
      assert.equal(firstMismatch(lhs, rhs), -1);
    }),
    RUNS,
  );
});

test("border 'replicate' re-extends the eroded grid, as scipy's mode='nearest': opening can exceed f at the edge", () => {
  // scipy.ndimage.grey_opening([[2, 3], [0, 3]], footprint=[[1, 1], [0, 1]], mode='nearest') = [[2, 2], [2, 2]]
  const g = { rows: 2, cols: 2, data: new Float32Array([2, 3, 0, 3]) };
  const fp = footprint.fromMask([
    [1, 1],
    [0, 1],
  ]);
  assert.deepEqual(Array.from(opening(g, fp, { border: 'replicate' }).data), [2, 2, 2, 2]);
  assert.ok(leq(opening(g, fp).data, g.data), "border 'ignore' keeps opening <= f");
});

test("opening <= f <= closing and both idempotent, any footprint (even, asymmetric), border='ignore'", () => {
  fc.assert(
    fc.property(gridArb, fpArb, (g, fp) => {
      const o = opening(g, fp);
      const c = closing(g, fp);
      assert.ok(leq(o.data, g.data), 'opening <= f');
      assert.ok(leq(g.data, c.data), 'f <= closing');
      // a footprint missing its anchor can leave +-Infinity where it lies wholly outside a tiny image
      assert.equal(firstMismatch(opening(o, fp, { allowNonFinite: true }).data, o.data), -1, 'opening idempotent');
      assert.equal(firstMismatch(closing(c, fp, { allowNonFinite: true }).data, c.data), -1, 'closing idempotent');
      assert.ok(
        whiteTopHat(g, fp).data.every((v) => v >= 0),
        'white top-hat >= 0',
      );
      assert.ok(
        blackTopHat(g, fp).data.every((v) => v >= 0),
        'black top-hat >= 0',
      );
    }),
    RUNS,
  );
});

test('increasing: f <= g implies erode, dilate, opening, closing keep the order, every border', () => {
  const pairArb = gridArb.chain((f) =>
    fc
      .array(fc.integer({ min: 0, max: 3 }), { minLength: f.data.length, maxLength: f.data.length })
      .map((d): [Grid, Grid] => [f, { rows: f.rows, cols: f.cols, data: f.data.map((v, i) => v + d[i]) }]),
  );
  fc.assert(
    fc.property(pairArb, fpArb, borderArb, ([f, g], fp, border) => {
      for (const op of [erode, dilate, opening, closing])
        assert.ok(leq(op(f, fp, { border }).data, op(g, fp, { border }).data), op.name);
    }),
    RUNS,
  );
});

test('morphologicalGradient = dilate - erode', () => {
  fc.assert(
    fc.property(gridArb, fpArb, borderArb, (g, fp, border) => {
      const d = dilate(g, fp, { border }).data;
      const e = erode(g, fp, { border }).data;
      assert.equal(
        firstMismatch(
          morphologicalGradient(g, fp, { border }).data,
          d.map((v, i) => v - e[i]),
        ),
        -1,
      );
    }),
    RUNS,
  );
});

test('48x1200 rect 9x25, line 1x31, disk 6, ellipse 9x5, default tiling, reflect and ignore = brute force', () => {
  let s = 7;
  const data = Float32Array.from({ length: 48 * 1200 }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s % 1000) / 10;
  });
  const g: Grid = { rows: 48, cols: 1200, data };
  const cases: [Footprint, Border][] = [
    [footprint.rect(9, 25), 'reflect'],
    [footprint.line(31, 'time'), 'ignore'],
    [footprint.disk(6), 'reflect'],
    [footprint.ellipse(9, 5), 'ignore'],
    [footprint.line(17, 'frequency'), 'replicate'],
  ];
  for (const [fp, border] of cases) {
    for (const op of ['erode', 'dilate'] as const) {
      const got = (op === 'erode' ? erode : dilate)(g, fp, { border }).data;
      assert.equal(
        firstMismatch(got, bruteForce(g, fp, op, border)),
        -1,
        `${op} ${fp.kind} ${fp.rows}x${fp.cols} ${JSON.stringify(border)}`,
      );
    }
  }
});
