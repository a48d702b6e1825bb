// Opening and closing run erosion and dilation fused tile by tile (fusedExtremumFilter): the
// intermediate image is padded again inside each tile. They must equal the two steps from the
// definition, at every border, across tile seams and with both kernel back ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closing, footprint, opening, type Border, type Footprint } from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { fusedExtremumFilter, setTileBudget } from '../../src/morphology/extremumFilter';
import { reflectedChords } from '../../src/morphology/footprint';
import { resolveBorder } from '../../src/morphology/internal';
import { withJsKernels } from '../../src/morphology/kernels';
import { bruteForce, firstMismatch } from './oracle';

const RUNS = { numRuns: 250, seed: 20261130 };

const gridArb = fc
  .record({ rows: fc.integer({ min: 1, max: 14 }), cols: fc.integer({ min: 1, max: 19 }) })
  .chain(({ rows, cols }) =>
    fc
      .array(fc.integer({ min: -5, max: 5 }), { minLength: rows * cols, maxLength: rows * cols })
      .map((v): Grid => ({ rows, cols, data: Float32Array.from(v) })),
  );
const maskArb = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 7 }) })
  .chain(({ rows, cols }) =>
    fc
      .array(fc.array(fc.constantFrom<0 | 1>(0, 1), { minLength: cols, maxLength: cols }), {
        minLength: rows,
        maxLength: rows,
      })
      .filter((m) => m.some((r) => r.includes(1))),
  );
/** Random masks, and rectangles (the separable path) that random masks rarely are. */
const fpArb = fc.oneof(
  maskArb.map((m) => footprint.fromMask(m)),
  fc
    .record({ r: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 12 }) })
    .map(({ r, c }) => footprint.rect(r, c)),
);
const borderArb = fc.constantFrom<Border>('ignore', 'replicate', 'reflect', { constant: 2.5 });
/** 0: the default budget (one tile); the others cut tiles a few rows or columns wide. */
const budgetArb = fc.constantFrom(0, 48, 160, 700);

function twoSteps(g: Grid, fp: Footprint, first: 'erode' | 'dilate', border: Border): Float32Array {
  const second = first === 'erode' ? 'dilate' : 'erode';
  return bruteForce({ ...g, data: bruteForce(g, fp, first, border) }, fp, second, border);
}

function withBudget<T>(budget: number, fn: () => T): T {
  if (!budget) return fn();
  const old = setTileBudget(budget);
  try {
    return fn();
  } finally {
    setTileBudget(old);
  }
}

test('fused opening and closing equal erosion then dilation (and the reverse) from the definition', () => {
  fc.assert(
    fc.property(gridArb, fpArb, borderArb, budgetArb, fc.boolean(), (g, fp, border, budget, js) => {
      const run = (): [Float32Array, Float32Array] =>
        withBudget(budget, () => [
          opening(g, fp, { border, allowNonFinite: true }).data,
          closing(g, fp, { border, allowNonFinite: true }).data,
        ]);
      const [o, c] = js ? withJsKernels(run) : run();
      assert.equal(firstMismatch(o, twoSteps(g, fp, 'erode', border)), -1, 'opening');
      assert.equal(firstMismatch(c, twoSteps(g, fp, 'dilate', border)), -1, 'closing');
    }),
    RUNS,
  );
});

test('the fused path runs unless reflect/replicate needs intermediate pixels an edge tile lacks', () => {
  const fuses = (rows: number, cols: number, fp: Footprint, border: Border): boolean =>
    fusedExtremumFilter(
      new Float32Array(rows * cols),
      rows,
      cols,
      { chords: fp.chords, isMax: false },
      { chords: reflectedChords(fp), isMax: true },
      resolveBorder(border),
      new Float32Array(rows * cols),
    );
  for (const border of ['ignore', 'replicate', 'reflect', { constant: 1 }] as Border[]) {
    assert.ok(fuses(257, 6001, footprint.rect(31, 31), border), `rect 31x31 ${JSON.stringify(border)}`);
    assert.ok(fuses(3, 5, footprint.ellipse(7, 7), border), `ellipse 7x7 on 3x5 ${JSON.stringify(border)}`);
  }
  // only the pixel two rows below and two columns right of the anchor: on a 2-row grid the
  // dilation's top margin mirrors intermediate rows below the tile
  const corner = footprint.fromMask([...Array.from({ length: 4 }, () => [0, 0, 0, 0, 0] as const), [0, 0, 0, 0, 1]]);
  assert.equal(fuses(2, 9, corner, 'reflect'), false);
  assert.equal(fuses(2, 9, corner, 'ignore'), true);
  const g: Grid = { rows: 2, cols: 9, data: Float32Array.from({ length: 18 }, (_, i) => (i * 7) % 5) };
  assert.equal(
    firstMismatch(opening(g, corner, { border: 'reflect' }).data, twoSteps(g, corner, 'erode', 'reflect')),
    -1,
  );
});

test('fused and two-step openings and closings name the first NaN/Inf wherever it sits, every border, tiled', () => {
  const base: Grid = { rows: 7, cols: 23, data: Float32Array.from({ length: 161 }, (_, i) => (i * 7) % 5) };
  // the corner footprint on 'reflect' runs as two steps (see above), the others fused
  const corner = footprint.fromMask([...Array.from({ length: 4 }, () => [0, 0, 0, 0, 0] as const), [0, 0, 0, 0, 1]]);
  const fps = [footprint.rect(3, 3), footprint.rect(1, 7), footprint.rect(12, 50), footprint.ellipse(5, 5), corner];
  for (const fp of fps) {
    for (const border of ['ignore', 'replicate', 'reflect', { constant: 1.5 }] as Border[]) {
      for (const budget of [0, 300]) {
        for (let at = 0; at < base.data.length; at += 4) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            const g: Grid = { ...base, data: base.data.slice() };
            g.data[at] = bad;
            const want = new RegExp(`grid\\.data\\[${at}\\]=${String(bad)} `);
            const label = `${fp.rows}x${fp.cols} ${JSON.stringify(border)} budget ${budget} ${bad} at ${at}`;
            withBudget(budget, () => {
              assert.throws(() => opening(g, fp, { border }), want, `opening ${label}`);
              assert.throws(() => closing(g, fp, { border }), want, `closing ${label}`);
            });
          }
        }
      }
    }
  }
});
