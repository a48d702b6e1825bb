import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  closingByReconstruction,
  dilate,
  erode,
  footprint,
  openingByReconstruction,
  opening,
  reconstructionByDilation,
  reconstructionByErosion,
  type Footprint,
} from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { f32, reference } from './fixtures';
import { firstMismatch } from './oracle';

/**
 * Oracle: iterate geodesic dilation min(max(dilate(J), J), I) until nothing changes; erosion, as
 * scikit-image, over the same neighbours p - b: max(min(-dilate(-J), J), I). B always includes the
 * pixel itself.
 */
function iterate(marker: Grid, mask: Grid, fp: Footprint, byDilation: boolean): Float32Array {
  let J = marker.data;
  for (;;) {
    const grid = (data: Float32Array) => ({ rows: mask.rows, cols: mask.cols, data });
    const spread = byDilation ? dilate(grid(J), fp).data : dilate(grid(J.map((v) => -v)), fp).data.map((v) => -v);
    const step = spread.map((v, i) =>
      byDilation ? Math.min(Math.max(v, J[i]), mask.data[i]) : Math.max(Math.min(v, J[i]), mask.data[i]),
    );
    if (firstMismatch(step, J) < 0) return J;
    J = step;
  }
}

for (const c of reference().reconstruction) {
  const named = typeof c.connectivity === 'number' ? c.connectivity : JSON.stringify(c.connectivity);
  test(`reconstruction by dilation and erosion ${c.rows}x${c.cols} connectivity=${named} vs skimage`, () => {
    const mask: Grid = { rows: c.rows, cols: c.cols, data: f32(c.mask) };
    const sd: Grid = { rows: c.rows, cols: c.cols, data: f32(c.seedDilation) };
    const se: Grid = { rows: c.rows, cols: c.cols, data: f32(c.seedErosion) };
    const connectivity = typeof c.connectivity === 'number' ? c.connectivity : footprint.fromMask(c.connectivity);
    assert.equal(firstMismatch(reconstructionByDilation(sd, mask, { connectivity }).data, f32(c.dilation)), -1);
    assert.equal(firstMismatch(reconstructionByErosion(se, mask, { connectivity }).data, f32(c.erosion)), -1);
  });
}

const caseArb = fc
  .record({ rows: fc.integer({ min: 1, max: 16 }), cols: fc.integer({ min: 1, max: 16 }) })
  .chain(({ rows, cols }) =>
    fc
      .record({
        mask: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: rows * cols, maxLength: rows * cols }),
        // mostly far below the mask, with a few seeds: values must travel along winding paths
        drop: fc.array(
          fc.oneof(
            { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) },
            { weight: 12, arbitrary: fc.constant(100) },
          ),
          { minLength: rows * cols, maxLength: rows * cols },
        ),
        fp: fc
          .array(fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 3 })
          .filter((m) => m.flat().includes(1)),
      })
      .map(({ mask, drop, fp }) => ({ rows, cols, mask: Float32Array.from(mask), drop, fp: footprint.fromMask(fp) })),
  );

test('reconstruction (hybrid algorithm) equals iterated geodesic dilation / erosion, asymmetric footprints', () => {
  fc.assert(
    fc.property(caseArb, ({ rows, cols, mask, drop, fp }) => {
      const I: Grid = { rows, cols, data: mask };
      const md: Grid = { rows, cols, data: mask.map((v, i) => v - drop[i]) };
      const me: Grid = { rows, cols, data: mask.map((v, i) => v + drop[i]) };
      assert.equal(
        firstMismatch(reconstructionByDilation(md, I, { connectivity: fp }).data, iterate(md, I, fp, true)),
        -1,
      );
      assert.equal(
        firstMismatch(reconstructionByErosion(me, I, { connectivity: fp }).data, iterate(me, I, fp, false)),
        -1,
      );
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('opening by reconstruction: opening <= result <= g, and result is the reconstruction of the erosion', () => {
  fc.assert(
    fc.property(caseArb, ({ rows, cols, mask }) => {
      const g: Grid = { rows, cols, data: mask };
      const fp = footprint.rect(3, 3);
      const r = openingByReconstruction(g, fp).data;
      const o = opening(g, fp).data;
      assert.ok(r.every((v, i) => o[i] <= v && v <= g.data[i]));
      assert.equal(firstMismatch(r, iterate(erode(g, fp), g, footprint.rect(3, 3), true)), -1);
      const cr = closingByReconstruction(g, fp).data;
      assert.ok(cr.every((v, i) => v >= g.data[i]));
      assert.equal(firstMismatch(cr, iterate(dilate(g, fp), g, footprint.rect(3, 3), false)), -1);
    }),
    { numRuns: 100, seed: 12 },
  );
});

test('reconstruction rejects marker above mask and shape mismatch, naming them', () => {
  const mask: Grid = { rows: 1, cols: 3, data: Float32Array.from([1, 2, 3]) };
  assert.throws(
    () => reconstructionByDilation({ rows: 1, cols: 3, data: Float32Array.from([1, 5, 3]) }, mask),
    /marker\.data\[1\]=5 > mask\.data\[1\]=2 \(row 0, col 1\): reconstruction by dilation needs marker <= mask/,
  );
  assert.throws(
    () => reconstructionByErosion({ rows: 1, cols: 3, data: Float32Array.from([1, 1, 3]) }, mask),
    /marker\.data\[1\]=1 < mask\.data\[1\]=2 .*needs marker >= mask/,
  );
  assert.throws(
    () => reconstructionByDilation({ rows: 3, cols: 1, data: new Float32Array(3) }, mask),
    /marker is 3x1 but mask is 1x3/,
  );
});

test('reconstruction refuses unknown options and says what connectivity may be', () => {
  const g: Grid = { rows: 1, cols: 3, data: new Float32Array([1, 2, 3]) };
  assert.throws(
    () => reconstructionByDilation(g, g, { conectivity: 4 } as never),
    /^ParameterError: reconstructionByDilation: unknown option conectivity; did you mean connectivity\? \(options: connectivity, allowNonFinite\)$/,
  );
  assert.throws(
    () => reconstructionByErosion(g, g, { allow_non_finite: true } as never),
    /reconstructionByErosion: unknown option allow_non_finite; did you mean allowNonFinite\?/,
  );
  assert.throws(
    () => reconstructionByDilation(g, g, { connectivity: 6 as never }),
    /^ParameterError: connectivity=6 must be 4, 8 or a Footprint \(footprint\.rect, \.disk, \.\.\.\)$/,
  );
});
