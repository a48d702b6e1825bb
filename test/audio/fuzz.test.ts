import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const CASES = 10_000;
/** A case that takes longer than this counts as a hang (the first one also loads the FLAC WASM). */
const CASE_TIMEOUT_MS = 10_000;

interface Done {
  type: 'done';
  cases: number;
  resolved: number;
  rejected: number;
  reasons: [string, number][];
}

function runFuzz(numRuns: number, seed: number): Promise<Done> {
  return new Promise((resolve, reject) => {
    // A .ts worker entry is not seen by tsx's loader hooks in Node 20, so a CommonJS bootstrap
    // registers tsx's require hook first.
    const entry = join(__dirname, 'fuzz-worker.ts');
    const tsx = require.resolve('tsx/cjs');
    const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: { numRuns, seed },
    });
    let last: { index: number; seed: string; bytes: Uint8Array } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (f: () => void) => {
      clearTimeout(timer);
      void worker.terminate();
      f();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const hex = last ? Buffer.from(last.bytes).toString('hex') : '';
        finish(() =>
          reject(
            new Error(
              `fuzz case ${last?.index} (seed ${last?.seed}) ran longer than ${CASE_TIMEOUT_MS} ms; bytes: ${hex}`,
            ),
          ),
        );
      }, CASE_TIMEOUT_MS);
    };
    worker.on('message', (m) => {
      if (m.type === 'start') {
        last = m;
        arm();
      } else if (m.type === 'done') finish(() => resolve(m));
      else finish(() => reject(new Error(`fuzz case ${last?.index} (seed ${last?.seed}) failed: ${m.message}`)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`fuzz worker exited (code ${code}) after case ${last?.index}`))),
    );
    arm();
  });
}

test(`fuzz decodeAudio: ${CASES} mutated/truncated WAV/FLAC give Audio or a SpecmorphError, none hangs`, async (t) => {
  const r = await runFuzz(CASES, 20261126);
  assert.equal(r.cases, CASES);
  assert.equal(r.resolved + r.rejected, CASES);
  // Both outcomes must occur, or the mutations are too weak (all valid) or too strong (all garbage).
  assert.ok(r.resolved > CASES / 20 && r.rejected > CASES / 20, JSON.stringify(r));
  t.diagnostic(
    `resolved ${r.resolved}, rejected ${r.rejected}; most common reasons: ${r.reasons
      .slice(0, 8)
      .map(([m, n]) => `${n}x ${m}`)
      .join(' | ')}`,
  );
});
