import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROSODY_ROWS, prosodyFeatures } from '../../src/spectral/prosody';
import { harmonicPhaseFeatures } from '../../src/spectral/harmonicPhase';
import { maxAbsDiff } from '../helpers/arrays';

// Reference values: test/fixtures/gen_harmonic_phase.py (numpy: np.correlate pitch, ln f0 minus np.median).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'harmonicPhase', 'cases.json'), 'utf8')) as {
  cases: { name: string; sampleRate: number; x: number[]; times: number[]; rows: number[]; prosody: number[] }[];
};

for (const c of fixture.cases) {
  test(`prosodyFeatures ${c.name} equals numpy (voicing, ln f0 minus its median over voiced frames)`, () => {
    const opts = { sampleRate: c.sampleRate, times: c.times };
    const g = prosodyFeatures(Float32Array.from(c.x), opts);
    assert.equal(g.rows, PROSODY_ROWS.length);
    assert.equal(g.cols, c.times.length);
    const n = g.cols;
    assert.deepEqual([...g.data.subarray(0, n)], c.prosody.slice(0, n), 'the same frames voiced');
    assert.ok(maxAbsDiff(g.data, c.prosody) < 1e-5, `max |diff| ${maxAbsDiff(g.data, c.prosody)}`);
    // one voicing for both: a frame with harmonic phases is a voiced prosody frame
    const phase = harmonicPhaseFeatures(Float32Array.from(c.x), opts);
    for (let j = 0; j < n; j++) if (phase.data[j] === 1) assert.equal(g.data[j], 1, `frame ${j}`);
  });
}

test('prosodyFeatures: a glide of f0 110 -> 150 Hz over 1 s spans ln(150/110) around 0, unvoiced frames 0', () => {
  const c = fixture.cases[0];
  const g = prosodyFeatures(Float32Array.from(c.x), { sampleRate: c.sampleRate, times: c.times });
  const n = g.cols;
  const voiced = [...g.data.subarray(n)].filter((_, j) => g.data[j] === 1);
  const span = Math.max(...voiced) - Math.min(...voiced);
  assert.ok(Math.abs(span - Math.log(150 / 110)) < 0.06, `span ${span}`);
  const sorted = [...voiced].sort((a, b) => a - b);
  assert.ok(Math.abs(sorted[Math.floor(sorted.length / 2)]) < 0.01, 'the median is 0');
  for (let j = 0; j < n; j++) if (g.data[j] === 0) assert.equal(g.data[n + j], 0);
});

test('prosodyFeatures rejects bad options, naming them', () => {
  const x = new Float32Array(100);
  assert.throws(() => prosodyFeatures(x, { sampleRate: 400, times: [0] }), /sampleRate=400 must be >= 800/);
  assert.throws(() => prosodyFeatures(x, { sampleRate: 8000, times: [] }), /times is empty/);
  assert.throws(
    () => prosodyFeatures(x, { sampleRate: 8000, times: [Number.POSITIVE_INFINITY] }),
    /times\[0\]=Infinity/,
  );
});
