import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode, footprint, type Border, type Footprint } from '../../src/morphology';
import type { Grid } from '../../src/grid/grid';
import { setTileBudget, setVhgwMinLength } from '../../src/morphology/extremumFilter';
import { mapIndex, resolveBorder } from '../../src/morphology/internal';
import { withJsKernels } from '../../src/morphology/kernels';
import { Random } from '../../src/random';
import { bruteForce, firstMismatch } from './oracle';

const BORDERS: Border[] = ['ignore', 'replicate', 'reflect', { constant: 1.5 }];

/** Integer pixels so ties are common; 23 x 57 so windows up to 40 overrun both edges on the short axis. */
function image(seed: number, rows = 23, cols = 57): Grid {
  const rng = new Random(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.int(11) - 5) };
}

/** Runs `fn` with both 1-D algorithms forced in turn: van Herk/Gil-Werman for every L >= 2, then the log passes. */
function eachPath(fn: (path: string) => void): void {
  for (const [path, min] of [
    ['vHGW', 2],
    ['log passes', Infinity],
  ] as const) {
    const old = setVhgwMinLength({ rows: min, cols: min });
    try {
      fn(path);
    } finally {
      setVhgwMinLength(old);
    }
  }
}

function expectBrute(g: Grid, fp: Footprint, border: Border, label: string): void {
  for (const [op, fn] of [
    ['erode', erode],
    ['dilate', dilate],
  ] as const) {
    const i = firstMismatch(fn(g, fp, { border }).data, bruteForce(g, fp, op, border));
    assert.equal(i, -1, `${label} ${op}: first mismatch at flat index ${i}`);
  }
}

for (const axis of ['time', 'frequency'] as const) {
  test(`line L=1..40 axis=${axis}, every border, vHGW and log passes equal brute force`, () => {
    const g = image(axis === 'time' ? 11 : 12);
    eachPath((path) => {
      for (let L = 1; L <= 40; L++) {
        for (const border of BORDERS)
          expectBrute(g, footprint.line(L, axis), border, `${path} L=${L} ${JSON.stringify(border)}`);
      }
    });
  });
}

/**
 * Erosion/dilation by a rows x cols rectangle as min (max) over the window's rows of the naive
 * min (max) along each row: a second oracle, O(rows + cols) per pixel, so the big-rectangle sweep
 * stays fast (checked against the definition-level brute force below). Soille's reflection for
 * dilation: window rows r - (rows-1-ar) .. r + ar.
 */
function rectOracle(g: Grid, rows: number, cols: number, op: 'erode' | 'dilate', border: Border): Float32Array {
  const isMax = op === 'dilate';
  const ar = Math.floor(rows / 2);
  const ac = Math.floor(cols / 2);
  // offsets of the window relative to the pixel: erosion -anchor .. size-1-anchor, dilation mirrored
  const [r0, c0] = isMax ? [-(rows - 1 - ar), -(cols - 1 - ac)] : [-ar, -ac];
  const b = resolveBorder(border);
  const at = (r: number, c: number): number => {
    const y = mapIndex(r, g.rows, b.kind);
    const x = mapIndex(c, g.cols, b.kind);
    if (y >= 0 && x >= 0) return g.data[y * g.cols + x];
    return b.kind === 'ignore' ? (isMax ? -Infinity : Infinity) : b.value;
  };
  const pick = (a: number, v: number): number => (isMax ? Math.max(a, v) : Math.min(a, v));
  // along[k][c]: the row-window extremum on image row r0 + k (extended by the border rule)
  const along = Array.from({ length: g.rows + rows - 1 }, (_, k) =>
    Array.from({ length: g.cols }, (_, c) => {
      let acc = isMax ? -Infinity : Infinity;
      for (let j = 0; j < cols; j++) acc = pick(acc, at(r0 + k, c + c0 + j));
      return acc;
    }),
  );
  const out = new Float32Array(g.rows * g.cols);
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) {
      let acc = isMax ? -Infinity : Infinity;
      for (let i = 0; i < rows; i++) acc = pick(acc, along[r + i][c]);
      out[r * g.cols + c] = acc;
    }
  }
  return out;
}

test('rect rows x cols from {2,3,5,6,7,12,17,31} squared, every border, vHGW and log passes equal brute force', () => {
  const g = image(13, 19, 41);
  const sizes = [2, 3, 5, 6, 7, 12, 17, 31];
  eachPath((path) => {
    for (const r of sizes) {
      for (const c of sizes) {
        for (const border of BORDERS) {
          for (const [op, fn] of [
            ['erode', erode],
            ['dilate', dilate],
          ] as const) {
            const i = firstMismatch(fn(g, footprint.rect(r, c), { border }).data, rectOracle(g, r, c, op, border));
            assert.equal(
              i,
              -1,
              `${path} rect ${r}x${c} ${JSON.stringify(border)} ${op}: first mismatch at flat index ${i}`,
            );
          }
        }
      }
    }
  });
});

test('the rectangle oracle agrees with the definition-level brute force', () => {
  const g = image(15, 9, 13);
  for (const [r, c] of [
    [1, 1],
    [2, 3],
    [4, 4],
    [5, 2],
  ]) {
    for (const border of BORDERS) {
      for (const op of ['erode', 'dilate'] as const) {
        assert.equal(
          firstMismatch(rectOracle(g, r, c, op, border), bruteForce(g, footprint.rect(r, c), op, border)),
          -1,
          `${r}x${c} ${op}`,
        );
      }
    }
  }
});

test('vHGW with tiny tiles (tile seams inside blocks) and with the typed-array kernels equals brute force', () => {
  const g = image(14, 37, 61);
  eachPath((path) => {
    for (const [r, c] of [
      [9, 1],
      [1, 9],
      [13, 7],
      [4, 29],
      [40, 3],
    ]) {
      const fp = footprint.rect(r, c);
      for (const border of BORDERS) {
        const label = `${path} rect ${r}x${c} ${JSON.stringify(border)}`;
        const old = setTileBudget(700);
        try {
          expectBrute(g, fp, border, `${label} tiled`);
        } finally {
          setTileBudget(old);
        }
        withJsKernels(() => expectBrute(g, fp, border, `${label} js kernels`));
      }
    }
  });
});

test('rect: the finite check rides the first pass; NaN/Inf anywhere reported, all borders, back ends, tiled', () => {
  const base = image(16, 7, 23);
  const borders: Border[] = [...BORDERS, { constant: Infinity }];
  for (const [r, c] of [
    [3, 3],
    [1, 7],
    [5, 2],
    [1, 47],
    [12, 50],
  ]) {
    for (const border of borders) {
      for (let at = 0; at < base.data.length; at += 5) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const g: Grid = { rows: base.rows, cols: base.cols, data: base.data.slice() };
          g.data[at] = bad;
          const want = new RegExp(`grid\\.data\\[${at}\\]=${String(bad)} `);
          const label = `rect ${r}x${c} ${JSON.stringify(border)} ${bad} at ${at}`;
          assert.throws(() => erode(g, footprint.rect(r, c), { border }), want, label);
          assert.throws(
            () => withJsKernels(() => dilate(g, footprint.rect(r, c), { border })),
            want,
            `${label} js kernels`,
          );
          const old = setTileBudget(300);
          try {
            assert.throws(() => erode(g, footprint.rect(r, c), { border }), want, `${label} tiled`);
          } finally {
            setTileBudget(old);
          }
        }
      }
    }
  }
});

test('table rows are padded to their stride: NaN left in the scratch by an earlier call never reaches a result or the check', () => {
  // widths whose padded rows (cols + footprint width - 1) round up by 0..3 floats, or by 4 more off a
  // multiple of 16
  for (const cols of [9, 10, 11, 12, 13, 14, 16, 29]) {
    for (const fp of [footprint.rect(3, 3), footprint.rect(5, 7), footprint.ellipse(5, 5)]) {
      for (const border of BORDERS) {
        const g = image(30 + cols, 11, cols);
        const poison: Grid = { rows: g.rows, cols: g.cols, data: new Float32Array(g.data.length).fill(NaN) };
        const label = `${fp.rows}x${fp.cols} on 11x${cols} ${JSON.stringify(border)}`;
        for (const [op, fn] of [
          ['erode', erode],
          ['dilate', dilate],
        ] as const) {
          fn(poison, fp, { border, allowNonFinite: true });
          const i = firstMismatch(fn(g, fp, { border }).data, bruteForce(g, fp, op, border));
          assert.equal(i, -1, `${label} ${op}: first mismatch at flat index ${i}`);
        }
      }
    }
  }
});

test("rect with 'ignore' keeps +-Infinity where allowNonFinite data is infinite (no FLT_MAX pads leak)", () => {
  const g: Grid = { rows: 3, cols: 4, data: new Float32Array(12).fill(Infinity) };
  assert.ok(erode(g, footprint.rect(3, 3), { allowNonFinite: true }).data.every((v) => v === Infinity));
  g.data.fill(-Infinity);
  assert.ok(dilate(g, footprint.rect(3, 3), { allowNonFinite: true }).data.every((v) => v === -Infinity));
});

test('rect 3xL (box3), lines 1xL (row ladder) and Lx1 (column ladder): 1xN, Nx1, smaller than the footprint, every border, both back ends = brute force', () => {
  const fps = [
    footprint.rect(3, 3),
    footprint.rect(2, 3),
    footprint.rect(16, 3),
    footprint.rect(3, 2),
    footprint.line(8, 'time'),
    footprint.line(33, 'time'),
    footprint.line(5, 'frequency'),
    footprint.line(16, 'frequency'),
    footprint.rect(9, 20),
  ];
  for (const [rows, cols] of [
    [1, 1],
    [1, 50],
    [50, 1],
    [2, 3],
    [4, 7],
    [13, 9],
  ]) {
    const g = image(rows * 97 + cols, rows, cols);
    for (const fp of fps) {
      for (const border of BORDERS) {
        const label = `${rows}x${cols} rect ${fp.rows}x${fp.cols} ${JSON.stringify(border)}`;
        expectBrute(g, fp, border, label);
        withJsKernels(() => expectBrute(g, fp, border, `${label} js kernels`));
      }
    }
  }
});

test('rect 3x3, 3x7, 1x20, 12x1 and 9x20 with allowNonFinite: +-Infinity pixels are ordered as numbers, every border', () => {
  const g = image(31, 17, 45);
  const rng = new Random(32);
  for (let i = 0; i < 30; i++) g.data[rng.int(g.data.length)] = rng.next() < 0.5 ? Infinity : -Infinity;
  for (const fp of [
    footprint.rect(3, 3),
    footprint.rect(7, 3),
    footprint.line(20, 'time'),
    footprint.line(12, 'frequency'),
    footprint.rect(9, 20),
  ]) {
    for (const border of [...BORDERS, { constant: Infinity }]) {
      for (const [op, fn] of [
        ['erode', erode],
        ['dilate', dilate],
      ] as const) {
        const got = fn(g, fp, { border, allowNonFinite: true }).data;
        const i = firstMismatch(got, bruteForce(g, fp, op, border));
        assert.equal(i, -1, `rect ${fp.rows}x${fp.cols} ${JSON.stringify(border)} ${op}: first mismatch at ${i}`);
      }
    }
  }
});
