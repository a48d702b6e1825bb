import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParameterError } from '../../src/errors';
import { chirp, resample, sine } from '../../src/audio';
import { fixtureF32, manifest } from './fixtures';

function rms(a: Float32Array, b: Float32Array, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / (to - from));
}

for (const c of manifest.resample) {
  test(`resample chirp ${c.band} ${c.fromRate}->${c.toRate} n=${c.length} matches scipy.signal.resample_poly`, () => {
    const x = fixtureF32(c.input);
    const ref = fixtureF32(c.output);
    const y = resample(x, c.fromRate, c.toRate);
    assert.equal(y.length, c.outLength);
    assert.equal(y.length, Math.ceil((x.length * c.toRate) / c.fromRate));
    // The target is RMS < 1e-3 in the pass band; the same filter as scipy's gets to float32 rounding.
    const err = rms(y, ref);
    assert.ok(err < 1e-6, `RMS error ${err}`);
  });
}

test('resample 16000->8000 keeps an in-band tone and removes an out-of-band one (away from the edges)', () => {
  const n = 16000;
  const low = sine(1000, { sampleRate: 16000, length: n });
  const high = sine(6000, { sampleRate: 16000, length: n });
  const y = resample(
    low.map((v, i) => v + high[i]),
    16000,
    8000,
  );
  const expected = sine(1000, { sampleRate: 8000, length: n / 2 });
  // The filter rejects >= 55 dB beyond 1.2 x cutoff: the 6 kHz tone leaves < 1% residue.
  assert.ok(rms(y, expected, 500, n / 2 - 500) < 1e-2);
});

test('resample output length is ceil(n*up/down) for every n (44100->16000, 8000->11025)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3000 }),
      fc.constantFrom([44100, 16000], [8000, 11025], [16000, 16000]),
      (n, [from, to]) => {
        assert.equal(resample(new Float32Array(n), from, to).length, Math.ceil((n * to) / from));
      },
    ),
    { numRuns: 200, seed: 2 },
  );
});

test('resample has unit DC gain away from the edges and is linear', () => {
  const ones = new Float32Array(20000).fill(1);
  const y = resample(ones, 22050, 16000);
  // Each polyphase branch sums to 1 only up to the filter's stop-band ripple (Kaiser beta=5: ~1e-4).
  let worst = 0;
  for (let i = 2000; i < y.length - 2000; i++) worst = Math.max(worst, Math.abs(y[i] - 1));
  assert.ok(worst < 2e-4, `max |y - 1| = ${worst}`);
  const a = chirp(100, 7000, { sampleRate: 16000, length: 3001 });
  const b = sine(440, { sampleRate: 16000, length: 3001 });
  const sum = resample(
    a.map((v, i) => 2 * v - b[i]),
    16000,
    11025,
  );
  const ra = resample(a, 16000, 11025);
  const rb = resample(b, 16000, 11025);
  assert.ok(
    rms(
      sum,
      ra.map((v, i) => 2 * v - rb[i]),
    ) < 1e-6,
  );
});

test('resample same rate returns an equal copy; empty input gives empty output', () => {
  const x = sine(3, { length: 10 });
  const y = resample(x, 16000, 16000);
  assert.deepEqual(y, x);
  assert.notEqual(y, x);
  assert.equal(resample(new Float32Array(0), 44100, 16000).length, 0);
});

test('resample rejects bad rates with ParameterError naming them', () => {
  const x = new Float32Array(4);
  assert.throws(
    () => resample(x, 0, 8000),
    (e: Error) => e instanceof ParameterError && /fromRate=0 must be a positive integer/.test(e.message),
  );
  assert.throws(() => resample(x, 16000, 8000.5), /toRate=8000.5 must be a positive integer/);
  assert.throws(
    () => resample(x, 1_000_003, 999_983),
    /reduce to up=999983 down=1000003; max\(up, down\) must be <= 400000/,
  );
  assert.throws(() => resample([1, 2] as unknown as Float32Array, 2, 1), /x must be a Float32Array \(got object\)/);
});
