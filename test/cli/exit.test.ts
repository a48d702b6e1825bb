import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const repo = path.join(__dirname, '..', '..');

test('exitWhenFlushed: 1 MiB written to a pipe whose reader waits 300 ms arrives whole, with the exit code', async () => {
  const script =
    "const { exitWhenFlushed } = require('./src/cli/exit.ts');" +
    "process.stdout.write('x'.repeat(1 << 20) + '\\n'); process.stderr.write('done\\n'); exitWhenFlushed(3);";
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo });
  child.stdout.pause(); // a slow reader: the pipe fills at 64 KiB
  await new Promise((r) => setTimeout(r, 300));
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b;
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 3);
  assert.equal(bytes, (1 << 20) + 1, 'every byte of stdout');
  assert.equal(stderr, 'done\n');
});
