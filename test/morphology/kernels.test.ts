import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HWINDOW_LENGTHS,
  jsKernels,
  kernels,
  LADDER_LENGTHS,
  MAX_OPERANDS,
  STRIP_VECTORS,
  VLOG_MAX_LENGTH,
} from '../../src/morphology/kernels';
import { Random } from '../../src/random';

test('WebAssembly SIMD kernels are available on this Node and agree with the typed-array ones', () => {
  const k = kernels();
  assert.equal(k.simd, true, 'Node >= 16.4 has WebAssembly SIMD; without it results stay right but slower');
  const j = jsKernels();
  const rng = new Random(3);
  const N = 4099;
  for (let m = 1; m <= MAX_OPERANDS; m++) {
    for (const isMax of [false, true]) {
      for (const n of [0, 1, 3, 4, 5, 15, 16, 17, 63, 1000]) {
        k.reserve(4 * N);
        j.reserve(4 * N);
        const a = k.heap();
        const b = j.heap();
        for (let i = 0; i < 2 * N; i++) a[i] = b[i] = rng.int(9) - 4 + (rng.next() < 0.1 ? -0 : 0);
        const srcs = Array.from({ length: m }, (_, i) => 7 * i + (i % 3));
        // separate destination, then in place (dst = lowest source)
        k.reduce(isMax, 2 * N, srcs, n);
        j.reduce(isMax, 2 * N, srcs, n);
        k.reduce(isMax, 0, srcs, n);
        j.reduce(isMax, 0, srcs, n);
        for (let i = 0; i < 3 * N; i++) assert.equal(a[i], b[i], `m=${m} isMax=${isMax} n=${n} at ${i}`);
      }
    }
  }
});

test('allFinite finds NaN and +-Infinity at any position, including the scalar tail', () => {
  for (const k of [kernels(), jsKernels()]) {
    k.reserve(64);
    const h = k.heap();
    h.fill(1, 0, 64);
    assert.equal(k.allFinite(0, 64), true);
    for (const [pos, v] of [
      [0, NaN],
      [13, Infinity],
      [62, -Infinity],
    ] as const) {
      h[pos] = v;
      assert.equal(k.allFinite(0, 63), false, `${v} at ${pos}`);
      assert.equal(k.allFinite(pos + 1, Math.max(0, 62 - pos)), true, `clean after ${pos}`);
      h[pos] = 1;
    }
  }
});

test('van Herk/Gil-Werman L=2..13: SIMD and typed-array twin agree bitwise (signed zeros, ties, tails, strips)', () => {
  const k = kernels();
  const j = jsKernels();
  const rng = new Random(5);
  for (const isMax of [false, true]) {
    // width = step = 4 * STRIP_VECTORS takes the strip driver, the others the general one
    const sw = 4 * STRIP_VECTORS;
    for (const [width, step] of [
      [1, 1],
      [3, 4],
      [4, 5],
      [7, 7],
      [sw, sw],
      [sw, sw + 2],
      [21, 21],
    ]) {
      for (let L = 2; L <= 13; L++) {
        for (const count of [1, 2, L - 1, L, L + 1, 3 * L + 2]) {
          const n = count + L - 1;
          const size = 2 * n * step;
          k.reserve(size);
          j.reserve(size);
          const a = k.heap();
          const b = j.heap();
          for (let i = 0; i < size; i++) a[i] = b[i] = rng.int(5) - 2 + (rng.next() < 0.3 ? -0 : 0);
          const original = a.slice(0, n * step);
          k.vhgw(isMax, 0, n * step, step, width, count, L);
          j.vhgw(isMax, 0, n * step, step, width, count, L);
          for (let i = 0; i < count; i++) {
            for (let c = 0; c < width; c++) {
              const at = i * step + c;
              const label = `isMax=${isMax} width=${width} L=${L} count=${count} element ${i} lane ${c}`;
              assert.equal(a[at], b[at], label);
              let want = original[at];
              for (let e = i + 1; e < i + L; e++)
                want = isMax ? Math.max(want, original[e * step + c]) : Math.min(want, original[e * step + c]);
              assert.ok(a[at] === want, `${label}: got ${a[at]}, running extremum ${want}`);
            }
          }
        }
      }
    }
  }
});

test('transpose: SIMD 4x4 blocks plus ragged edges equal the element-by-element definition', () => {
  const k = kernels();
  const rng = new Random(6);
  for (const rows of [1, 3, 4, 5, 8, 13]) {
    for (const cols of [1, 2, 4, 7, 12, 17]) {
      const srcStride = cols + 3;
      const dstStride = rows + 1;
      const src = 0;
      const dst = rows * srcStride + 5;
      k.reserve(dst + cols * dstStride);
      const h = k.heap();
      for (let i = 0; i < dst + cols * dstStride; i++) h[i] = rng.next();
      const before = h.slice(0, dst);
      k.transpose(dst, src, rows, cols, srcStride, dstStride);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++)
          assert.equal(h[dst + c * dstStride + r], before[src + r * srcStride + c], `${rows}x${cols} (${r}, ${c})`);
      }
    }
  }
});

test("reduceChecked reduces like reduce and reports NaN/Inf in the last operand's stretch, both back ends", () => {
  for (const k of [kernels(), jsKernels()]) {
    for (let m = 1; m <= MAX_OPERANDS; m++) {
      for (const n of [1, 3, 4, 17, 40]) {
        const last = 3 * (m - 1);
        const srcs = Array.from({ length: m }, (_, i) => 3 * i);
        for (const pos of [last, last + n - 1, last + Math.floor(n / 2), last + n]) {
          k.reserve(256);
          const h = k.heap();
          for (let i = 0; i < 256; i++) h[i] = (i * 7) % 5;
          h[pos] = NaN;
          const got = k.reduceChecked(false, 128, srcs, n);
          assert.equal(got, pos >= last + n, `simd=${k.simd} m=${m} n=${n} NaN at ${pos}`);
        }
      }
    }
  }
});

test('vlog L=2..VLOG_MAX_LENGTH (doubling ladder down the columns): SIMD equals the typed-array twin bitwise and the definition', () => {
  const k = kernels();
  const j = jsKernels();
  const rng = new Random(9);
  for (const isMax of [false, true]) {
    // widths cover whole vectors and scalar columns; counts below and above the ladder's warm-up
    for (const width of [1, 3, 4, 5, 16, 17, 21]) {
      for (const step of [width, width + 3]) {
        for (const count of [1, 2, 3, 7, 20]) {
          for (let L = 2; L <= VLOG_MAX_LENGTH; L++) {
            for (const inPlace of [true, false]) {
              const N = (count + L + 2) * step + 64;
              k.reserve(2 * N);
              j.reserve(2 * N);
              const a = k.heap();
              const b = j.heap();
              for (let i = 0; i < 2 * N; i++) a[i] = b[i] = rng.int(9) - 4 + (rng.next() < 0.1 ? -0 : 0);
              const before = a.slice(0, 2 * N);
              const dst = inPlace ? 0 : N;
              k.vlog(isMax, dst, 0, step, width, count, L);
              j.vlog(isMax, dst, 0, step, width, count, L);
              const label = `isMax=${isMax} width=${width} step=${step} count=${count} L=${L} inPlace=${inPlace}`;
              for (let i = 0; i < 2 * N; i++) assert.ok(Object.is(a[i], b[i]), `${label}: back ends differ at ${i}`);
              for (let r = 0; r < count; r++) {
                for (let c = 0; c < step; c++) {
                  let want = before[dst + r * step + c]; // columns past width stay as they were
                  if (c < width) {
                    want = isMax ? -Infinity : Infinity;
                    for (let q = 0; q < L; q++) {
                      const v = before[(r + q) * step + c];
                      want = isMax ? Math.max(want, v) : Math.min(want, v);
                    }
                  }
                  assert.equal(a[dst + r * step + c], want, `${label}: row ${r} col ${c}`);
                }
              }
            }
          }
        }
      }
    }
  }
});

test('box3 (3 columns, then the vlog ladder over L rows): SIMD equals the typed-array twin bitwise and the definition', () => {
  const k = kernels();
  const j = jsKernels();
  const rng = new Random(12);
  for (const isMax of [false, true]) {
    // vector strips of 8 then 4 columns run while 2 more columns remain (they read the next block):
    // widths around those exits (6, 7, 10, 11, 14, 15) and longer rows
    for (const width of [1, 3, 4, 5, 6, 7, 9, 10, 11, 14, 15, 16, 17, 21, 26]) {
      for (const step of [width + 2, width + 5]) {
        for (const count of [1, 2, 3, 7, 20]) {
          for (let L = 2; L <= VLOG_MAX_LENGTH; L++) {
            for (const inPlace of [true, false]) {
              const N = (count + L + 2) * step + 64;
              k.reserve(2 * N);
              j.reserve(2 * N);
              const a = k.heap();
              const b = j.heap();
              for (let i = 0; i < 2 * N; i++) a[i] = b[i] = rng.int(9) - 4 + (rng.next() < 0.1 ? -0 : 0);
              const before = a.slice(0, 2 * N);
              const dst = inPlace ? 0 : N;
              const check = rng.next() < 0.5;
              assert.equal(k.box3(isMax, dst, 0, step, width, count, L, check), true);
              assert.equal(j.box3(isMax, dst, 0, step, width, count, L, check), true);
              const label = `isMax=${isMax} width=${width} step=${step} count=${count} L=${L} inPlace=${inPlace}`;
              for (let i = 0; i < 2 * N; i++) assert.ok(Object.is(a[i], b[i]), `${label}: back ends differ at ${i}`);
              for (let r = 0; r < count; r++) {
                for (let c = 0; c < step; c++) {
                  let want = before[dst + r * step + c]; // columns past width stay as they were
                  if (c < width) {
                    want = isMax ? -Infinity : Infinity;
                    for (let q = 0; q < L; q++) {
                      for (let e = 0; e < 3; e++) {
                        const v = before[(r + q) * step + c + e];
                        want = isMax ? Math.max(want, v) : Math.min(want, v);
                      }
                    }
                  }
                  assert.equal(a[dst + r * step + c], want, `${label}: row ${r} col ${c}`);
                }
              }
            }
          }
        }
      }
    }
  }
});

test("box3 reads nothing past the last row's width + 2 columns: a block may end the scratch memory", () => {
  const k = kernels();
  k.reserve(1 << 14);
  for (const width of [4, 6, 8, 9, 10, 11, 12, 13, 14, 17, 26]) {
    for (const L of [2, 3, 7]) {
      const count = 3;
      const step = width + 2;
      // the block's last element read is the memory's last float
      const n = (count + L - 2) * step + width + 2;
      const src = k.heap().length - n;
      const h = k.heap();
      for (let i = 0; i < n; i++) h[src + i] = (i * 7) % 11;
      const before = h.slice(src, src + n);
      assert.equal(k.box3(false, src, src, step, width, count, L, true), true, `width=${width} L=${L}`);
      for (let c = 0; c < width; c++) {
        let want = Infinity;
        for (let q = 0; q < L; q++) for (let e = 0; e < 3; e++) want = Math.min(want, before[q * step + c + e]);
        assert.equal(k.heap()[src + c], want, `width=${width} L=${L} col ${c}`);
      }
    }
  }
});

test('box3 with check: a NaN or infinity anywhere in the rows and columns read is reported, none beyond', () => {
  for (const k of [kernels(), jsKernels()]) {
    for (const [width, count, L] of [
      [1, 1, 2],
      [5, 3, 3],
      [9, 4, 7],
      [10, 3, 3],
      [14, 2, 4],
      [6, 2, 9],
      [16, 2, 16],
    ]) {
      const step = width + 3;
      const rows = count + L - 1;
      k.reserve((rows + 1) * step);
      for (let pos = 0; pos < (rows + 1) * step; pos++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const h = k.heap();
          h.fill(1, 0, (rows + 1) * step);
          h[pos] = bad;
          const read = pos < rows * step && pos % step < width + 2;
          const got = k.box3(false, 0, 0, step, width, count, L, true);
          assert.equal(got, !read, `simd=${k.simd} width=${width} count=${count} L=${L} ${bad} at ${pos}`);
        }
      }
    }
  }
});

/**
 * A one-pass row window `run(kernel, isMax, dst, src=0, n, length)` of every length in `lengths`:
 * the SIMD kernel equals its typed-array twin bitwise (signed zeros included) and each output is
 * the extremum of its window, in place and out of place, for every output count in `ns`.
 */
function checkRowWindow(
  seed: number,
  lengths: readonly number[],
  ns: readonly number[],
  run: (k: ReturnType<typeof kernels>, isMax: boolean, dst: number, n: number, length: number) => void,
): void {
  const k = kernels();
  const j = jsKernels();
  const rng = new Random(seed);
  for (const isMax of [false, true]) {
    for (const L of lengths) {
      for (const n of ns) {
        for (const inPlace of [true, false]) {
          const N = n + L + 40;
          k.reserve(2 * N);
          j.reserve(2 * N);
          const a = k.heap();
          const b = j.heap();
          for (let i = 0; i < 2 * N; i++) a[i] = b[i] = rng.int(9) - 4 + (rng.next() < 0.1 ? -0 : 0);
          const before = a.slice(0, 2 * N);
          const dst = inPlace ? 0 : N;
          run(k, isMax, dst, n, L);
          run(j, isMax, dst, n, L);
          const label = `isMax=${isMax} length=${L} n=${n} inPlace=${inPlace}`;
          for (let i = 0; i < 2 * N; i++) assert.ok(Object.is(a[i], b[i]), `${label}: back ends differ at ${i}`);
          for (let i = 0; i < 2 * N; i++) {
            let want = before[i];
            if (i >= dst && i < dst + n) {
              want = isMax ? -Infinity : Infinity;
              for (let q = 0; q < L; q++) {
                const v = before[i - dst + q];
                want = isMax ? Math.max(want, v) : Math.min(want, v);
              }
            }
            assert.equal(a[i], want, `${label}: at ${i}`);
          }
        }
      }
    }
  }
}

test('hwindow L=4..7 (block minimum plus prefix): SIMD equals the typed-array twin bitwise and the definition', () => {
  const lengths = Array.from(
    { length: HWINDOW_LENGTHS.max - HWINDOW_LENGTHS.min + 1 },
    (_, i) => HWINDOW_LENGTHS.min + i,
  );
  // below one vector, exactly one, the steady loops' exits (4-vector steps from 20 results on,
  // then single vectors) and scalar tails
  checkRowWindow(
    10,
    lengths,
    [1, 3, 4, 5, 7, 8, 9, 12, 13, 19, 20, 21, 23, 24, 31, 36, 64, 203],
    (k, isMax, dst, n, L) => k.hwindow(isMax, dst, 0, n, L),
  );
});

test('ladder P=4..32 (doubling ladder along a stretch): SIMD equals the typed-array twin bitwise and the definition', () => {
  // below one vector, warm-up only, one loop step, scalar tails of every length, long stretches
  checkRowWindow(
    11,
    LADDER_LENGTHS,
    [1, 3, 4, 5, 8, 13, 31, 32, 33, 47, 64, 65, 66, 67, 129, 203, 1000],
    (k, isMax, dst, n, P) => k.ladder(isMax, dst, 0, n, P),
  );
});

test('ladder with check: a NaN or infinity anywhere in the n + P - 1 elements read is reported, none beyond', () => {
  for (const k of [kernels(), jsKernels()]) {
    for (const P of LADDER_LENGTHS) {
      for (const n of [1, 5, 40, 67, 300]) {
        const N = n + P - 1;
        k.reserve(N + 8);
        for (let pos = 0; pos <= N; pos++) {
          for (const bad of [NaN, Infinity, -Infinity]) {
            const h = k.heap();
            h.fill(1, 0, N + 8);
            h[pos] = bad;
            const got = k.ladder(false, 0, 0, n, P, true);
            assert.equal(got, pos >= N, `simd=${k.simd} P=${P} n=${n} ${bad} at ${pos}`);
          }
        }
      }
    }
  }
});

test('hwindow with check: a NaN or infinity anywhere in the n + L - 1 elements read is reported, none beyond', () => {
  for (const k of [kernels(), jsKernels()]) {
    for (let L = HWINDOW_LENGTHS.min; L <= HWINDOW_LENGTHS.max; L++) {
      for (const n of [1, 4, 7, 8, 9, 13, 20, 24, 37, 40]) {
        const span = n + L - 1;
        k.reserve(2 * span + 8);
        for (let at = 0; at <= span; at++) {
          const h = k.heap();
          h.fill(1, 0, 2 * span + 8);
          h[at] = at % 2 ? Infinity : NaN;
          const label = `simd=${k.simd} L=${L} n=${n} bad at ${at}`;
          assert.equal(k.hwindow(false, span + 4, 0, n, L, true), at === span, label);
          assert.equal(k.hwindow(true, 0, 0, n, L, false), true, `${label}, unchecked`);
        }
      }
    }
  }
});
