import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode, footprint, type Border, type Footprint, type Grid } from '../../src/morphology';
import { setTileBudget, setVhgwMinLength } from '../../src/morphology/extremumFilter';
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
  for (const [path, min] of [['vHGW', 2], ['log passes', Infinity]] as const) {
    const old = setVhgwMinLength({ rows: min, cols: min });
    try {
      fn(path);
    } finally {
      setVhgwMinLength(old);
    }
  }
}

function expectBrute(g: Grid, fp: Footprint, border: Border, label: string): void {
  for (const [op, fn] of [['erode', erode], ['dilate', dilate]] as const) {
    const i = firstMismatch(fn(g, fp, { border }).data, bruteForce(g, fp, op, border));
    assert.equal(i, -1, `${label} ${op}: first mismatch at flat index ${i}`);
  }
}

for (const axis of ['time', 'frequency'] as const) {
  test(`line L=1..40 axis=${axis}, every border, vHGW and log passes equal brute force`, () => {
    const g = image(axis === 'time' ? 11 : 12);
    eachPath((path) => {
      for (let L = 1; L <= 40; L++) {
        for (const border of BORDERS) expectBrute(g, footprint.line(L, axis), border, `${path} L=${L} ${JSON.stringify(border)}`);
      }
    });
  });
}

test('rect rows x cols from {2,3,5,6,7,12,17,31} squared, every border, vHGW and log passes equal brute force', () => {
  const g = image(13);
  const sizes = [2, 3, 5, 6, 7, 12, 17, 31];
  eachPath((path) => {
    for (const r of sizes) {
      for (const c of sizes) {
        for (const border of BORDERS) expectBrute(g, footprint.rect(r, c), border, `${path} rect ${r}x${c} ${JSON.stringify(border)}`);
      }
    }
  });
});

test('vHGW with tiny tiles (tile seams inside blocks) and with the typed-array kernels equals brute force', () => {
  const g = image(14, 37, 61);
  eachPath((path) => {
    for (const [r, c] of [[9, 1], [1, 9], [13, 7], [4, 29], [40, 3]]) {
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
