import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hybridTwin, hybridWasm, retainedBytes, type Offsets } from '../../src/morphology/hybrid';
import { RETAIN_BYTES } from '../../src/memory';
import { Random } from '../../src/random';

/** Index of the first element that differs as a value (Object.is: -0 is not 0, NaN is NaN), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : a.length;
}

const LEVELS = [-Infinity, -2, -1, -0, 0, 1, 2, Infinity];

/**
 * A mask and a marker on its side (marker <= mask by dilation, >= by erosion) drawn from a few
 * levels, so ties and both zeros are everywhere, with a little NaN in both when `nan`.
 */
function pair(rng: Random, n: number, byDilation: boolean, nan: boolean): [Float32Array, Float32Array] {
  const mask = Float32Array.from({ length: n }, () => LEVELS[1 + rng.int(LEVELS.length - 2)]);
  const marker = mask.map((m) => {
    if (rng.next() < 0.2) return m;
    const side = LEVELS.filter((l) => (byDilation ? l <= m : l >= m));
    return side[rng.int(side.length)];
  });
  if (nan) {
    for (let i = 0; i < n; i++) {
      if (rng.next() < 0.02) mask[i] = NaN;
      if (rng.next() < 0.02) marker[i] = NaN;
    }
  }
  return [marker, mask];
}

/** A random neighbourhood within 5x5 in random order (the order decides ties); may be empty. */
function offsets(rng: Random): Offsets {
  const all: [number, number][] = [];
  for (let dr = -2; dr <= 2; dr++)
    for (let dc = -2; dc <= 2; dc++) if ((dr !== 0 || dc !== 0) && rng.next() < 0.3) all.push([dr, dc]);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

const EIGHT: Offsets = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
];
const FOUR: Offsets = [
  [-1, 0],
  [0, -1],
  [0, 1],
  [1, 0],
];

test(
  'hybrid reconstruction: WebAssembly and typed-array twin agree bit for bit (ties, -0/+0, infinities, NaN), ' +
    'by dilation and erosion, any neighbourhood, FIFO from 1 entry up',
  () => {
    const rng = new Random(21);
    for (let t = 0; t < 400; t++) {
      const rows = 1 + rng.int(t % 10 === 0 ? 60 : 20);
      const cols = 1 + rng.int(t % 10 === 5 ? 60 : 20);
      const pulls = t % 3 === 0 ? EIGHT : t % 3 === 1 ? FOUR : offsets(rng);
      const byDilation = t % 2 === 0;
      const [marker, mask] = pair(rng, rows * cols, byDilation, t % 4 === 3);
      const queueStart = [1, 2, 16, 1 << 14][t % 4];
      const wasm = new Float32Array(rows * cols);
      const twin = new Float32Array(rows * cols);
      assert.equal(
        hybridWasm(wasm, marker, mask, rows, cols, pulls, byDilation, queueStart),
        true,
        'WebAssembly SIMD is available on Node >= 16.4',
      );
      hybridTwin(twin, marker, mask, rows, cols, pulls, byDilation);
      const at = firstDifference(wasm, twin);
      assert.equal(
        at,
        -1,
        `case ${t}: ${rows}x${cols} byDilation=${byDilation} ` +
          `pulls=${JSON.stringify(pulls)} queueStart=${queueStart}: ` +
          `wasm ${wasm[at]} twin ${twin[at]} at ${at}`,
      );
    }
  },
);

test('hybrid reconstruction in place (out = marker) equals a separate output', () => {
  const rng = new Random(4);
  for (const byDilation of [true, false]) {
    const [marker, mask] = pair(rng, 30 * 17, byDilation, false);
    const separate = new Float32Array(marker.length);
    hybridWasm(separate, marker, mask, 30, 17, EIGHT, byDilation);
    const inPlace = marker.slice();
    hybridWasm(inPlace, inPlace, mask, 30, 17, EIGHT, byDilation);
    const twin = marker.slice();
    hybridTwin(twin, twin, mask, 30, 17, EIGHT, byDilation);
    assert.equal(firstDifference(inPlace, separate), -1);
    assert.equal(firstDifference(twin, separate), -1);
  }
});

test(`hybrid reconstruction keeps <= RETAIN_BYTES=${RETAIN_BYTES} of scratch between calls, reused below that`, () => {
  const small = 64;
  const [marker, mask] = pair(new Random(8), small * small, true, false);
  hybridWasm(new Float32Array(small * small), marker, mask, small, small, EIGHT, true);
  const kept = retainedBytes();
  assert.ok(kept > 0 && kept <= RETAIN_BYTES, `after ${small}x${small}: ${kept} bytes kept`);

  // 2900 x 2900: two padded frames alone are 67 MB; one seed floods the whole image through the FIFO
  const n = 2900;
  const big = new Float32Array(n * n).fill(5);
  const seed = new Float32Array(n * n).fill(1);
  seed[(n >> 1) * n + (n >> 1)] = 5;
  const wasm = new Float32Array(n * n);
  assert.equal(hybridWasm(wasm, seed, big, n, n, FOUR, true), true);
  assert.ok(
    wasm.every((v) => v === 5),
    'the seed reaches every pixel',
  );
  assert.ok(retainedBytes() <= RETAIN_BYTES, `after ${n}x${n}: ${retainedBytes()} bytes kept`);
  hybridTwin(wasm, seed, big, n, n, FOUR, true);
  assert.ok(retainedBytes() <= RETAIN_BYTES, `after the twin on ${n}x${n}: ${retainedBytes()} bytes kept`);
});

test('node --jitless (no WebAssembly): reconstruction falls back to the twin and equals the skimage fixtures', () => {
  const out = execFileSync(process.execPath, ['--jitless', '--import', 'tsx', join(__dirname, 'noWasmChild.ts')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { webAssembly: string; values: number; mismatches: number };
  assert.equal(r.webAssembly, 'undefined');
  assert.ok(r.values > 0);
  assert.equal(r.mismatches, 0);
});
