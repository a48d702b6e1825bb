import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closing, dilate, erode, footprint, opening, type Border, type Footprint } from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { setTileBudget } from '../../src/morphology/extremumFilter';
import { withJsKernels } from '../../src/morphology/kernels';
import { Random } from '../../src/random';
import { bruteForce, firstMismatch } from './oracle';

// Discs and ellipses take the chord path (one table per distinct chord length, then the extremum
// of the chords' tables): these tests hold it to the definition for the shapes people use.

const BORDERS: Border[] = ['ignore', 'replicate', 'reflect', { constant: 1.5 }];

/** Integer pixels in [-5, 5] so that ties are everywhere. */
function image(seed: number, rows: number, cols: number): Grid {
  const rng = new Random(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.int(11) - 5) };
}

function expectBrute(g: Grid, fp: Footprint, border: Border, label: string, allowNonFinite = false): void {
  for (const [op, fn] of [
    ['erode', erode],
    ['dilate', dilate],
  ] as const) {
    const i = firstMismatch(fn(g, fp, { border, allowNonFinite }).data, bruteForce(g, fp, op, border));
    assert.equal(i, -1, `${label} ${op}: first mismatch at flat index ${i}`);
  }
}

const name = (fp: Footprint): string => `${fp.kind} ${fp.rows}x${fp.cols}`;

test('disk r=1..20 and ellipses with odd, even and unequal sides up to 41: every border = brute force', () => {
  const g = image(21, 29, 53);
  const shapes = [
    ...Array.from({ length: 20 }, (_, i) => footprint.disk(i + 1)),
    ...[
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 7],
      [6, 6],
      [7, 7],
      [8, 12],
      [9, 5],
      [11, 11],
      [14, 14],
      [15, 15],
      [16, 9],
      [21, 21],
      [31, 31],
      [40, 40],
      [41, 41],
      [3, 41],
    ].map(([r, c]) => footprint.ellipse(r, c)),
  ];
  for (const fp of shapes)
    for (const border of BORDERS) expectBrute(g, fp, border, `${name(fp)} ${JSON.stringify(border)}`);
});

test('disk and ellipse on 1xN, Nx1 and images smaller than the footprint, every border = brute force', () => {
  for (const [rows, cols] of [
    [1, 40],
    [40, 1],
    [1, 1],
    [3, 4],
    [6, 9],
  ]) {
    const g = image(rows * 100 + cols, rows, cols);
    for (const fp of [footprint.disk(1), footprint.disk(7), footprint.ellipse(5, 8), footprint.ellipse(15, 15)]) {
      for (const border of BORDERS) expectBrute(g, fp, border, `${rows}x${cols} ${name(fp)} ${JSON.stringify(border)}`);
    }
  }
});

test('disk and ellipse with tiny tiles (seams through the chord tables) and the typed-array kernels = brute force', () => {
  const g = image(22, 37, 61);
  for (const fp of [footprint.disk(3), footprint.disk(9), footprint.ellipse(7, 7), footprint.ellipse(12, 16)]) {
    for (const border of BORDERS) {
      const label = `${name(fp)} ${JSON.stringify(border)}`;
      const old = setTileBudget(900);
      try {
        expectBrute(g, fp, border, `${label} tiled`);
      } finally {
        setTileBudget(old);
      }
      withJsKernels(() => expectBrute(g, fp, border, `${label} js kernels`));
    }
  }
});

test('disk and ellipse with allowNonFinite: +-Infinity pixels are ordered as numbers, every border', () => {
  const g = image(23, 19, 31);
  const rng = new Random(24);
  for (let i = 0; i < 40; i++) g.data[rng.int(g.data.length)] = rng.next() < 0.5 ? Infinity : -Infinity;
  for (const fp of [footprint.disk(4), footprint.ellipse(7, 7), footprint.ellipse(6, 10)]) {
    for (const border of [...BORDERS, { constant: -Infinity }]) {
      expectBrute(g, fp, border, `${name(fp)} ${JSON.stringify(border)} with infinities`, true);
    }
  }
});

test('chord footprints: the finite check rides the first table pass; NaN/Inf anywhere named, every border, both back ends, tiled', () => {
  const base = image(26, 9, 23);
  const fps = [
    footprint.disk(2),
    footprint.ellipse(5, 5),
    footprint.ellipse(3, 7),
    footprint.cross(3, 5),
    // no anchor: the pads stay +-Infinity and the copy is checked instead
    footprint.fromMask([
      [1, 1, 1],
      [1, 0, 1],
      [1, 1, 1],
    ]),
    // only 1-long chords: no pass along the rows to ride
    footprint.fromMask([[1, 0, 1]]),
  ];
  for (const fp of fps) {
    for (const border of [...BORDERS, { constant: Infinity }]) {
      for (let at = 0; at < base.data.length; at += 3) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const g: Grid = { ...base, data: base.data.slice() };
          g.data[at] = bad;
          const want = new RegExp(`grid\\.data\\[${at}\\]=${String(bad)} `);
          const label = `${name(fp)} ${JSON.stringify(border)} ${bad} at ${at}`;
          assert.throws(() => erode(g, fp, { border }), want, label);
          assert.throws(() => withJsKernels(() => dilate(g, fp, { border })), want, `${label} js kernels`);
          const old = setTileBudget(300);
          try {
            assert.throws(() => erode(g, fp, { border }), want, `${label} tiled`);
          } finally {
            setTileBudget(old);
          }
        }
      }
    }
  }
});

test("chord footprints without the anchor keep 'ignore' windows that miss the image at +-Infinity (no FLT_MAX pads)", () => {
  // every window of a 1-row image by this ring lies outside the image but for its middle row
  const ring = footprint.fromMask([
    [1, 1, 1],
    [0, 0, 0],
    [1, 1, 1],
  ]);
  const g = image(27, 1, 12);
  expectBrute(g, ring, 'ignore', 'ring on 1x12');
  assert.ok(erode(g, ring).data.every((v) => v === Infinity));
  assert.ok(dilate(g, ring).data.every((v) => v === -Infinity));
});

test('opening and closing by disks and ellipses equal the two steps from the definition, every border', () => {
  const g = image(25, 23, 47);
  for (const fp of [footprint.disk(2), footprint.disk(6), footprint.ellipse(7, 7), footprint.ellipse(4, 9)]) {
    for (const border of BORDERS) {
      const label = `${name(fp)} ${JSON.stringify(border)}`;
      const eroded: Grid = { ...g, data: bruteForce(g, fp, 'erode', border) };
      const dilated: Grid = { ...g, data: bruteForce(g, fp, 'dilate', border) };
      const open = bruteForce(eroded, fp, 'dilate', border);
      const close = bruteForce(dilated, fp, 'erode', border);
      assert.equal(firstMismatch(opening(g, fp, { border }).data, open), -1, `${label} opening`);
      assert.equal(firstMismatch(closing(g, fp, { border }).data, close), -1, `${label} closing`);
    }
  }
});
