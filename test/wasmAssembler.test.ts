import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, f32, i32, instantiate, newMemory, op, wasmModule, type WasmFunction } from '../src/wasm';

const add: WasmFunction = {
  name: 'add',
  params: { a: i32, b: i32 },
  locals: {},
  results: [i32],
  body: (f) => [...f.get('a'), ...f.get('b'), ...op.i32_add],
};

test('wasm assembler: calls and locals by name, unexported helpers, results run as written', () => {
  const twiceSum: WasmFunction = {
    name: 'twiceSum',
    params: { a: i32, b: i32 },
    locals: { s: i32, unused: f32 },
    results: [i32],
    body: (f) => [...f.get('a'), ...f.get('b'), ...f.call('add'), ...f.tee('s'), ...f.get('s'), ...op.i32_add],
  };
  const bytes = wasmModule([{ ...add, exported: false }, twiceSum]);
  const ex = instantiate(compile(bytes), newMemory(1)) as Record<string, (...a: number[]) => number>;
  assert.equal(ex.twiceSum(20, 1), 42);
  assert.equal(ex.add, undefined);
});

test('wasm assembler: packLocals groups consecutive locals of one type, else one entry each', () => {
  const fn: WasmFunction = { name: 'f', params: {}, locals: { x: i32, y: i32, z: f32 }, results: [], body: () => [] };
  const packed = wasmModule([fn]);
  const single = wasmModule([fn], { packLocals: false });
  // the code section comes last, its one body last in it: size, local declarations (count, type), end
  assert.deepEqual([...packed.subarray(packed.length - 7)], [6, 2, 2, i32, 1, f32, 0x0b]);
  assert.deepEqual([...single.subarray(single.length - 9)], [8, 3, 1, i32, 1, i32, 1, f32, 0x0b]);
});

test('wasm assembler: unknown local or function, a duplicate name and a bad alignment are errors naming them', () => {
  const body = (b: WasmFunction['body']): WasmFunction => ({ ...add, name: 'g', body: b });
  assert.throws(() => wasmModule([body((f) => f.get('c'))]), /wasm function g: no local named c/);
  assert.throws(() => wasmModule([body((f) => f.call('h'))]), /wasm module: no function named h/);
  assert.throws(() => wasmModule([add, add]), /wasm module: two functions named add/);
  assert.throws(
    () => wasmModule([{ ...add, locals: { a: i32 } }]),
    /wasm function add: a is both a parameter and a local/,
  );
  assert.throws(() => op.v128_load({ align: 32 }), /align=32 must be a power of two <= 16/);
  assert.throws(() => op.i8x16_shuffle([0, 1]), /i8x16.shuffle: 16 byte values expected/);
});
