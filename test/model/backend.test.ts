import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../../src/model/tf';
import { backendInfo, formatBackendInfo, initBackend } from '../../src/model/backend';

test('initBackend auto walks the ladder to wasm when tfjs-node is not installed', async () => {
  let nodeAvailable = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    nodeAvailable = false;
  }
  const info = await initBackend({ backend: 'auto' });
  if (nodeAvailable) {
    assert.equal(info.name, 'tensorflow');
    return;
  }
  assert.equal(info.name, 'wasm');
  assert.match(info.why, /tfjs-node unavailable/);
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(info.threads >= 1);
  assert.ok(info.registeredKernels.includes('Conv2DBackpropFilter'));
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  assert.deepEqual(backendInfo(), info);
  assert.match(
    formatBackendInfo(info),
    /^backend wasm \((no )?SIMD, \d+ threads?; kernels \+[^)]*Conv2DBackpropFilter/,
  );
});

test('initBackend cpu then back to wasm keeps the wasm kernels', async () => {
  const cpu = await initBackend({ backend: 'cpu' });
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(cpu.registeredKernels, []);
  const w = await initBackend({ backend: 'wasm' });
  assert.equal(w.name, 'wasm');
  assert.ok(w.registeredKernels.includes('Conv2DBackpropInput'));
});

test('backendInfo describes a backend switched outside specmorph', async () => {
  await initBackend({ backend: 'wasm' });
  await tf.setBackend('cpu');
  assert.match(backendInfo().why, /not chosen by specmorph/);
  await initBackend({ backend: 'wasm' });
});

test('initBackend rejects bad options', async () => {
  await assert.rejects(initBackend({ backend: 'gpu' as never }), /backend=gpu must be one of/);
  await assert.rejects(initBackend({ threads: 0 }), /threads=0 must be 'auto' or an integer/);
});
