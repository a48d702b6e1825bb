import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { initBackend } from '../../src/model/backend';
import { savedArgMaxCount } from '../../src/model/kernels/dilation2d';
import { Random } from '../../src/random';
import { relErr } from '../helpers/arrays';

// Every kernel specmorph registers on wasm is checked against tfjs's pure-JS cpu backend.
const TOL = 1e-5;

function randomTensor(shape: number[], rng: Random): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return tf.tensor(data, shape);
}

/**
 * out[n, ho, wo, c] = max over (i, j) with the input position inside the image of
 * x[n, ho*s + i*d - padTop, wo*s + j*d - padLeft, c] + filter[i, j, c]: the definition, in float64.
 */
function bruteMaxPlus(x: number[][][][], f: number[][][], s: number, pad: 'same' | 'valid', d: number): Float32Array {
  const [H, W, C] = [x[0].length, x[0][0].length, x[0][0][0].length];
  const [fh, fw] = [f.length, f[0].length];
  const [eh, ew] = [(fh - 1) * d + 1, (fw - 1) * d + 1];
  const Ho = pad === 'same' ? Math.ceil(H / s) : Math.ceil((H - eh + 1) / s);
  const Wo = pad === 'same' ? Math.ceil(W / s) : Math.ceil((W - ew + 1) / s);
  const pt = pad === 'same' ? Math.floor(Math.max(0, (Ho - 1) * s + eh - H) / 2) : 0;
  const pl = pad === 'same' ? Math.floor(Math.max(0, (Wo - 1) * s + ew - W) / 2) : 0;
  const out: number[] = [];
  for (const img of x) {
    for (let ho = 0; ho < Ho; ho++) {
      for (let wo = 0; wo < Wo; wo++) {
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const [r, q] = [ho * s + i * d - pt, wo * s + j * d - pl];
              if (r >= 0 && r < H && q >= 0 && q < W) m = Math.max(m, img[r][q][c] + f[i][j][c]);
            }
          }
          out.push(m);
        }
      }
    }
  }
  return Float32Array.from(out);
}

async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = f();
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return data;
}

type Case = {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  stride: number;
  pad: 'same' | 'valid';
};
const cases: Case[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const [ci, co] of [
      [1, 2],
      [3, 5],
      [4, 8],
      // Input channels in a tile of 4 and two single ones; output channels in tiles of 8 and 4
      // (with 4 input channels), of 16, 8 and 4 (single ones).
      [6, 12],
      [3, 28],
    ]) {
      cases.push({ n: 2, h: 7, w: 9, ci, co, k: [3, 3], stride, pad });
    }
    cases.push({ n: 3, h: 6, w: 5, ci: 2, co: 3, k: [2, 3], stride, pad });
  }
}
const name = (c: Case) => `n=${c.n} ${c.h}x${c.w}x${c.ci} -> ${c.co} k=${c.k.join('x')} stride=${c.stride} ${c.pad}`;

describe('wasm training kernels vs cpu', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const c of cases) {
    test(`Conv2DBackpropFilter ${name(c)}`, async () => {
      const rng = new Random(c.h * 100 + c.ci * 10 + c.stride);
      const x = randomTensor([c.n, c.h, c.w, c.ci], rng);
      const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.ci, c.co];
      const y = tf.conv2d(x as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad);
      const dy = randomTensor(y.shape, rng);
      const attrs = {
        strides: [c.stride, c.stride],
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape,
      };
      const run = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      const ref = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
      tf.dispose([x, y, dy]);
    });

    test(`Conv2DBackpropInput ${name(c)}`, async () => {
      const rng = new Random(c.w * 100 + c.co * 10 + c.stride);
      const inputShape: [number, number, number, number] = [c.n, c.h, c.w, c.ci];
      const filter = randomTensor([c.k[0], c.k[1], c.ci, c.co], rng);
      const y = tf.conv2d(tf.zeros(inputShape) as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad);
      const dy = randomTensor(y.shape, rng);
      const attrs = {
        strides: [c.stride, c.stride],
        pad: c.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        inputShape,
      };
      const run = () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      const ref = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
      tf.dispose([filter, y, dy]);
    });
  }

  for (const [f, st, pad] of [
    [2, 2, 'valid'],
    // Non-overlapping windows clipped at the border (7 rows: the last window has one).
    [2, 2, 'same'],
    [3, 3, 'same'],
    [3, 1, 'same'],
    [3, 2, 'same'],
    [2, 1, 'valid'],
  ] as const) {
    for (const ch of [1, 3, 8]) {
      for (const kind of ['', 'relu ties', 'NaN and -Infinity'] as const) {
        test(`MaxPoolGrad pool=${f} stride=${st} ${pad} channels=${ch}${kind && ` ${kind}`}`, async () => {
          const rng = new Random(f * 100 + st * 10 + ch + (kind ? 1000 * kind.length : 0));
          let input = randomTensor([2, 7, 6, ch], rng);
          // After ReLU many windows are all zero: the gradient must go to the same (first) position.
          if (kind === 'relu ties') input = tf.relu(input);
          // NaN never wins a window; a window of -Infinity (or NaN) alone routes nowhere.
          if (kind === 'NaN and -Infinity') {
            const v = input.dataSync().map((a) => (a > 0.8 ? Number.NaN : a < -0.3 ? -Infinity : a));
            input = tf.tensor(v, input.shape);
          }
          const output = tf.maxPool(input as tf.Tensor4D, f, st, pad);
          const dy = randomTensor(output.shape, rng);
          const attrs = { filterSize: f, strides: st, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
          const run = () => tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, attrs) as tf.Tensor;
          const ref = await onBackend('cpu', run);
          const got = await onBackend('wasm', run);
          assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
          tf.dispose([input, output, dy]);
        });
      }
    }
  }

  for (const [shape, axis, keepDims] of [
    [[4, 5, 6, 3], [0, 1, 2], false],
    [[4, 5, 6, 3], [1, 2], true],
    [[4, 5, 6, 3], 0, false],
    [[4, 5, 6, 3], [-2, 1], false],
    [[4, 5, 6, 3], 3, false],
    [[4, 5, 6, 3], [0, 2], false],
    [[7, 2], [0, 1], true],
    // A multiple of 4 kept channels: the SIMD path (global average pooling; rows past one block).
    [[3, 5, 7, 8], [1, 2], false],
    [[2, 1100, 4], 1, true],
    [[6, 5, 4], 0, false],
  ] as [number[], number | number[], boolean][]) {
    for (const op of ['Sum', 'Mean'] as const) {
      test(`${op} shape=[${shape}] axis=${JSON.stringify(axis)} keepDims=${keepDims}`, async () => {
        const x = randomTensor(shape, new Random(shape.length * 10 + (Array.isArray(axis) ? axis.length : 1)));
        const run = () =>
          tf.engine().runKernel(op, { x }, { axis, keepDims } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const shapeOn = async (b: 'cpu' | 'wasm') => {
          await tf.setBackend(b);
          const t = run();
          t.dispose();
          return t.shape;
        };
        assert.deepEqual(await shapeOn('wasm'), await shapeOn('cpu'));
        const ref = await onBackend('cpu', run);
        const got = await onBackend('wasm', run);
        assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
        x.dispose();
      });
    }
  }

  // Dilation2D: upstream wasm starts its max at +1.2e-38, so all-negative windows are the case
  // that matters; 'ties' puts plateaus (as a clipped dB spectrogram has) under a flat filter.
  for (const [k, stride, pad, dil] of [
    [[3, 3], 1, 'same', 1],
    [[5, 3], 1, 'same', 1],
    [[4, 2], 1, 'same', 1],
    [[2, 3], 1, 'valid', 1],
    [[3, 2], 2, 'valid', 1],
    [[3, 3], 1, 'same', 2],
  ] as const) {
    for (const ch of [1, 4]) {
      for (const data of ['negative', 'ties'] as const) {
        const cfg = `filter=${k.join('x')} stride=${stride} ${pad} dilation=${dil} channels=${ch} ${data}`;
        const make = () => {
          const rng = new Random(k[0] * 100 + k[1] * 10 + ch + stride + dil * 7 + (data === 'ties' ? 1000 : 0));
          let x = randomTensor([2, 7, 8, ch], rng);
          x = data === 'negative' ? tf.sub(tf.abs(x), 10) : tf.maximum(tf.round(x), -1);
          const filter =
            data === 'ties' ? tf.zeros([k[0], k[1], ch]) : tf.mul(randomTensor([k[0], k[1], ch], rng), 0.5);
          const y = tf.dilation2d(x as tf.Tensor4D, filter as tf.Tensor3D, stride, pad, dil);
          const dy = randomTensor(y.shape, rng);
          const attrs = { strides: [stride, stride], pad, dilations: [dil, dil] } as unknown as tf.NamedAttrMap;
          return { x, filter, dy, attrs, dispose: () => tf.dispose([x, filter, y, dy]) };
        };
        for (const kernel of ['Dilation2D', 'Dilation2DBackpropInput', 'Dilation2DBackpropFilter'] as const) {
          test(`${kernel} ${cfg}`, async () => {
            await tf.setBackend('cpu');
            const { x, filter, dy, attrs, dispose } = make();
            const inputs: tf.NamedTensorMap = kernel === 'Dilation2D' ? { x, filter } : { x, filter, dy };
            const run = () => tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
            const ref = await onBackend('cpu', run);
            const got = await onBackend('wasm', run);
            assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
            if (kernel === 'Dilation2D') {
              const brute = bruteMaxPlus(
                (await x.array()) as number[][][][],
                (await filter.array()) as number[][][],
                stride,
                pad,
                dil,
              );
              assert.ok(relErr(got, brute) <= 1e-6, `vs brute-force max-plus: ${relErr(got, brute)}`);
            }
            dispose();
          });
        }
      }
    }
  }

  // Inside a recorded gradient (tf.grads, as in training) the gradient kernels route dy by the
  // arg-maxima the forward kernel saved instead of recomputing them. The same x under two
  // filters, and two inputs under one filter, must each find their own forward.
  for (const [k, stride, pad, dil] of [
    [[3, 3], 1, 'same', 1],
    [[5, 5], 1, 'same', 1],
    [[3, 2], 2, 'valid', 1],
    [[3, 3], 1, 'same', 2],
  ] as const) {
    for (const ch of [1, 3]) {
      for (const data of ['negative', 'ties'] as const) {
        const cfg = `filter=${k.join('x')} stride=${stride} ${pad} dilation=${dil} channels=${ch} ${data}`;
        test(`Dilation2D gradients of a recorded forward (two filters, two inputs) ${cfg}`, async () => {
          await tf.setBackend('cpu');
          const rng = new Random(k[0] * 10 + k[1] + ch + stride * 3 + dil * 7 + (data === 'ties' ? 500 : 0));
          const image = () => {
            const x = randomTensor([2, 9, 11, ch], rng);
            return data === 'negative' ? tf.sub(tf.abs(x), 10) : tf.maximum(tf.round(x), -1);
          };
          const structure = () =>
            data === 'ties' ? tf.zeros([k[0], k[1], ch]) : tf.mul(randomTensor([k[0], k[1], ch], rng), 0.5);
          const [x1, x2, f1, f2] = [image(), image(), structure(), tf.mul(randomTensor([k[0], k[1], ch], rng), 0.3)];
          const dil2d = (x: tf.Tensor, f: tf.Tensor) =>
            tf.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, stride, pad, dil) as tf.Tensor;
          const weights = [1, 2, 3].map(() => randomTensor(dil2d(x1, f1).shape, rng));
          const loss = (a: tf.Tensor, b: tf.Tensor, f: tf.Tensor, g: tf.Tensor) =>
            tf.addN([
              tf.sum(tf.mul(weights[0], dil2d(a, f))),
              tf.sum(tf.mul(weights[1], dil2d(a, g))),
              tf.sum(tf.mul(weights[2], dil2d(b, f))),
            ]) as tf.Scalar;
          const grads = async (backend: 'cpu' | 'wasm') => {
            await tf.setBackend(backend);
            const gs = tf.grads(loss)([x1, x2, f1, f2]);
            const out = await Promise.all(gs.map(async (t) => (await t.data()) as Float32Array));
            tf.dispose(gs);
            return out;
          };
          const ref = await grads('cpu');
          const got = await grads('wasm');
          ['x1', 'x2', 'f1', 'f2'].forEach((name, i) =>
            assert.ok(relErr(got[i], ref[i]) <= TOL, `d${name}: relative error ${relErr(got[i], ref[i])}`),
          );
          assert.equal(savedArgMaxCount(), 3, 'one saved arg-max per forward (x1 f1, x1 f2, x2 f1)');
          tf.dispose([x1, x2, f1, f2, ...weights]);
          assert.equal(savedArgMaxCount(), 0, 'dropped once their tensors are disposed');
        });
      }
    }
  }

  // Every sum below -2^53, where the cpu kernel's max starts: nothing wins, and the cpu backend
  // sends each gradient to a default position (the window's first in-image pixel / tap 0).
  // And a spectrogram-sized case whose rows exercise the 4-lane loops and their scalar tails.
  for (const [name, shape, k, filterValue] of [
    ['no value beats -2^53', [2, 6, 5, 3], [3, 3], -1e20],
    ['33x29x3 filter 5x5', [2, 33, 29, 3], [5, 5], null],
  ] as [string, number[], [number, number], number | null][]) {
    for (const kernel of ['Dilation2D', 'Dilation2DBackpropInput', 'Dilation2DBackpropFilter'] as const) {
      test(`${kernel} ${name}`, async () => {
        await tf.setBackend('cpu');
        const rng = new Random(shape[1] + k[0]);
        const x = randomTensor(shape, rng);
        const filter =
          filterValue === null
            ? randomTensor([k[0], k[1], shape[3]], rng)
            : tf.fill([k[0], k[1], shape[3]], filterValue);
        const dy = randomTensor(shape, rng);
        const attrs = { strides: [1, 1], pad: 'same', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
        const run = () =>
          tf
            .engine()
            .runKernel(kernel, kernel === 'Dilation2D' ? { x, filter } : { x, filter, dy }, attrs) as tf.Tensor;
        const ref = await onBackend('cpu', run);
        const got = await onBackend('wasm', run);
        assert.ok(relErr(got, ref) <= TOL, `relative error ${relErr(got, ref)}`);
        tf.dispose([x, filter, dy]);
      });
    }
  }

  // Runs of 1, 2, 3, 4, 5 and >= 64 floats: each has its own copy loop.
  for (const [shapes, axis] of [
    [
      [
        [2, 5, 4, 1],
        [2, 5, 4, 2],
        [2, 5, 4, 3],
      ],
      -1,
    ],
    [
      [
        [2, 5, 4, 4],
        [2, 5, 4, 5],
        [2, 5, 4, 1],
      ],
      -1,
    ],
    [
      [
        [2, 5, 4, 1],
        [2, 5, 4, 80],
      ],
      3,
    ],
    [
      [
        [2, 3, 4],
        [2, 1, 4],
        [2, 0, 4],
      ],
      1,
    ],
    [
      [
        [3, 2],
        [1, 2],
      ],
      0,
    ],
    [
      [
        [2, 3, 70],
        [2, 3, 70],
      ],
      2,
    ],
  ] as [number[][], number][]) {
    test(`Concat shapes=${JSON.stringify(shapes)} axis=${axis}`, async () => {
      const rng = new Random(shapes.length * 10 + axis + 3);
      const xs = shapes.map((sh) => randomTensor(sh, rng));
      const ref = await onBackend('cpu', () => tf.concat(xs, axis));
      const got = await onBackend('wasm', () => tf.concat(xs, axis));
      assert.deepEqual(got, ref);
      tf.dispose(xs);
    });
  }

  for (const [shape, splits, axis] of [
    [[2, 5, 4, 5], [1, 2, 2], -1],
    [[2, 5, 4, 12], [4, 3, 5], -1],
    [[2, 5, 4, 6], 3, 3],
    [[2, 6, 3], [4, 0, 2], 1],
    [[4, 2], [1, 3], 0],
    [[2, 3, 140], 2, 2],
  ] as [number[], number | number[], number][]) {
    test(`SplitV shape=[${shape}] splits=${JSON.stringify(splits)} axis=${axis}`, async () => {
      const x = randomTensor(shape, new Random(shape.length * 7 + axis));
      const parts = async (b: 'cpu' | 'wasm') => {
        await tf.setBackend(b);
        const ts = tf.split(x, splits, axis);
        const out = await Promise.all(ts.map(async (t) => ({ shape: t.shape, data: await t.data() })));
        tf.dispose(ts);
        return out;
      };
      assert.deepEqual(await parts('wasm'), await parts('cpu'));
      x.dispose();
    });
  }

  for (const [shape, reps] of [
    [
      [2, 5, 4, 1],
      [1, 1, 1, 3],
    ],
    [
      [2, 5, 4, 2],
      [1, 1, 1, 2],
    ],
    [
      [2, 5, 4, 3],
      [1, 1, 1, 2],
    ],
    [
      [2, 5, 4, 4],
      [1, 2, 1, 2],
    ],
    [
      [2, 5, 4, 5],
      [1, 1, 1, 2],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [[3], [4]],
    [
      [2, 1, 3],
      [2, 3, 1],
    ],
    [
      [1, 2, 70],
      [2, 1, 2],
    ],
  ] as [number[], number[]][]) {
    test(`Tile shape=[${shape}] reps=[${reps}]`, async () => {
      const x = randomTensor(shape, new Random(reps.reduce((a, b) => a * 3 + b, 0)));
      const ref = await onBackend('cpu', () => tf.tile(x, reps));
      const got = await onBackend('wasm', () => tf.tile(x, reps));
      assert.deepEqual(got, ref);
      x.dispose();
    });
  }

  for (const [shape, begin, size] of [
    // A model's RowSlice: spectral rows, then the excitation rows, of a 1-channel NHWC batch.
    [
      [3, 9, 7, 1],
      [0, 0, 0, 0],
      [-1, 6, -1, -1],
    ],
    [
      [3, 9, 7, 1],
      [0, 6, 0, 0],
      [-1, 3, -1, -1],
    ],
    [
      [2, 5, 4, 3],
      [1, 1, 2, 1],
      [1, 3, 2, 2],
    ],
    [
      [4, 70],
      [1, 0],
      [2, 70],
    ],
    [
      [2, 3, 80],
      [0, 1, 5],
      [2, 2, 70],
    ],
    [[5], [2], [0]],
  ] as [number[], number[], number[]][]) {
    test(`Slice shape=[${shape}] begin=[${begin}] size=[${size}]`, async () => {
      const x = randomTensor(shape, new Random(shape.length * 13 + begin.reduce((a, b) => a + b, 0)));
      const shapeOn = async (b: 'cpu' | 'wasm') => {
        await tf.setBackend(b);
        const t = tf.slice(x, begin, size);
        const out = { shape: t.shape, data: await t.data() };
        t.dispose();
        return out;
      };
      assert.deepEqual(await shapeOn('wasm'), await shapeOn('cpu'));
      x.dispose();
    });
  }

  test('Concat, SplitV, Tile and Slice of int32 still work (upstream)', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
      ],
      [2, 2],
      'int32',
    );
    assert.deepEqual(await tf.concat([a, a], 1).array(), [
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    assert.deepEqual(await tf.split(a, 2, 1)[1].array(), [[2], [4]]);
    assert.deepEqual(await tf.tile(a, [1, 2]).array(), [
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    assert.deepEqual(await tf.slice(a, [1, 0], [1, 2]).array(), [[3, 4]]);
  });

  test('Identity shares the buffer: equal values, each handle survives disposing the other', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.engine().runKernel('Identity', { x: a }, {}) as tf.Tensor;
    assert.deepEqual(b.shape, [2, 2]);
    a.dispose();
    assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
    b.dispose();
  });

  test('Cast to the same dtype shares the buffer; other casts convert as the cpu backend', async () => {
    await tf.setBackend('wasm');
    // To bool: x != 0, NaN included (upstream wasm copied the numbers into bytes).
    const a = tf.tensor([1.5, -2.5, 3.25, 0], [2, 2]);
    const special = tf.tensor([Number.NaN, 0, -0]);
    const nan = tf.cast(special, 'bool');
    assert.deepEqual(Array.from(await nan.data()), [1, 0, 0]);
    tf.dispose([special, nan]);
    const same = tf.cast(a, 'float32');
    const toInt = tf.cast(a, 'int32');
    const toBool = tf.cast(a, 'bool');
    a.dispose();
    assert.deepEqual(Array.from(await same.data()), [1.5, -2.5, 3.25, 0]);
    assert.equal(toInt.dtype, 'int32');
    assert.deepEqual(Array.from(await toInt.data()), [1, -2, 3, 0]);
    assert.deepEqual(Array.from(await toBool.data()), [1, 1, 1, 0]);
    const i = tf.tensor([3, -1], [2], 'int32');
    const f = tf.cast(i, 'float32');
    const i2 = tf.cast(i, 'int32');
    i.dispose();
    assert.deepEqual(Array.from(await f.data()), [3, -1]);
    assert.deepEqual(Array.from(await i2.data()), [3, -1]);
    tf.dispose([same, toInt, toBool, f, i2]);
  });

  test('gradients of a conv-relu-pool-dense loss on wasm equal cpu', async () => {
    const rng = new Random(11);
    const x = randomTensor([4, 12, 10, 1], rng);
    const w1 = randomTensor([3, 3, 1, 6], rng);
    const w2 = randomTensor([3, 3, 6, 8], rng);
    const loss = (a: tf.Tensor, b: tf.Tensor) => {
      const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      return tf.mean(tf.square(tf.conv2d(h, b as tf.Tensor4D, 1, 'same')));
    };
    const grads = async (backendName: 'cpu' | 'wasm') => {
      await tf.setBackend(backendName);
      const g = tf.grads(loss)([w1, w2]);
      const out = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(g);
      return out;
    };
    const ref = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < ref.length; i++)
      assert.ok(relErr(got[i], ref[i]) <= TOL, `grad ${i}: ${relErr(got[i], ref[i])}`);
    tf.dispose([x, w1, w2]);
  });
});
