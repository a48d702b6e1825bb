import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HARMONIC_PHASE_ROWS,
  harmonicPhaseFeatures,
  MIN_VOICED_FRAMES,
  phaseConcentration,
} from '../../src/spectral/harmonicPhase';
import { maxAbsDiff } from '../helpers/arrays';

// Reference values: test/fixtures/gen_harmonic_phase.py (numpy: np.correlate pitch, DFT at k f0 over np.hanning).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'harmonicPhase', 'cases.json'), 'utf8')) as {
  cases: {
    name: string;
    sampleRate: number;
    x: number[];
    times: number[];
    rows: number[];
    concentration: number | null;
  }[];
};

for (const c of fixture.cases) {
  test(`harmonicPhaseFeatures ${c.name} equals numpy (voicing, cos/sin psi2, psi3), and its concentration`, () => {
    const g = harmonicPhaseFeatures(Float32Array.from(c.x), { sampleRate: c.sampleRate, times: c.times });
    assert.equal(g.rows, HARMONIC_PHASE_ROWS.length);
    assert.equal(g.cols, c.times.length);
    const voiced = c.rows.slice(0, c.times.length);
    assert.deepEqual([...g.data.subarray(0, g.cols)], voiced, 'the same frames voiced');
    assert.ok(maxAbsDiff(g.data, c.rows) < 1e-4, `max |diff| ${maxAbsDiff(g.data, c.rows)}`);
    const conc = phaseConcentration(g.data, g.cols);
    if (c.concentration === null) assert.ok(Number.isNaN(conc), `fewer than ${MIN_VOICED_FRAMES} voiced frames: NaN`);
    else assert.ok(Math.abs(conc - c.concentration) < 1e-4, `${conc} vs ${c.concentration}`);
  });
}

test('harmonic phases: steady pulses concentrate, phases redrawn every 20 ms (same magnitudes) do not', () => {
  const [pulses, scrambled] = fixture.cases.map((c) =>
    phaseConcentration(
      harmonicPhaseFeatures(Float32Array.from(c.x), { sampleRate: c.sampleRate, times: c.times }).data,
      c.times.length,
    ),
  );
  assert.ok(pulses > 0.9, `pulses ${pulses}`);
  assert.ok(scrambled < 0.3, `scrambled ${scrambled}`);
});

test('harmonicPhaseFeatures psi does not depend on where the frame sits in the pulse period', () => {
  // A 125 Hz pulse train shifted by a fraction of its period: the same psi_2, psi_3.
  const sampleRate = 8000;
  const make = (shift: number) =>
    Float32Array.from({ length: 8000 }, (_, n) => {
      let v = 0;
      for (let k = 1; k < 20; k++) v += Math.cos(2 * Math.PI * k * 125 * ((n - shift) / sampleRate) + 0.3 * k * k) / k;
      return v;
    });
  const times = [0.25, 0.5, 0.75];
  const a = harmonicPhaseFeatures(make(0), { sampleRate, times });
  const b = harmonicPhaseFeatures(make(23), { sampleRate, times });
  assert.deepEqual([...a.data.subarray(0, 3)], [1, 1, 1]);
  assert.ok(maxAbsDiff(a.data, b.data) < 1e-3, `max |diff| ${maxAbsDiff(a.data, b.data)}`);
});

test('harmonicPhaseFeatures rejects bad options, naming them', () => {
  const x = new Float32Array(800);
  assert.throws(() => harmonicPhaseFeatures(x, { sampleRate: 0, times: [0] }), /sampleRate=0/);
  assert.throws(() => harmonicPhaseFeatures(x, { sampleRate: 400, times: [0] }), /sampleRate=400 must be >= 800/);
  assert.throws(() => harmonicPhaseFeatures(x, { sampleRate: 8000, times: [] }), /times is empty/);
  assert.throws(() => harmonicPhaseFeatures(x, { sampleRate: 8000, times: [0, Number.NaN] }), /times\[1\]=NaN/);
});
