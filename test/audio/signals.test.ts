import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chirp, sine, whiteNoise } from '../../src/audio';
import { fixtureF32, manifest } from './fixtures';
import { maxAbsDiff } from '../helpers/arrays';

test('chirp linear equals scipy.signal.chirp (the resampler fixtures inputs)', () => {
  for (const c of manifest.resample) {
    const ours = chirp(c.f0, c.f1, { sampleRate: c.fromRate, length: c.length });
    assert.ok(maxAbsDiff(ours, fixtureF32(c.input)) <= 1.2e-7, `${c.fromRate} ${c.band}`);
  }
});

test('chirp logarithmic 50->7000 Hz equals scipy.signal.chirp(method="logarithmic")', () => {
  const c = manifest.chirp;
  const ours = chirp(c.f0, c.f1, { sampleRate: c.sampleRate, length: c.length, method: 'logarithmic' });
  assert.ok(maxAbsDiff(ours, fixtureF32(c.samples)) <= 1.2e-7);
});

test('sine 440 Hz at 16 kHz: length from duration, value at a quarter period, phase', () => {
  const x = sine(440, { sampleRate: 16000, duration: 0.5, amplitude: 0.5 });
  assert.equal(x.length, 8000);
  assert.equal(x[0], 0);
  // 1 kHz at 16 kHz has a period of 16 samples; phase pi/2 turns sin into cos.
  const y = sine(1000, { sampleRate: 16000, length: 33, phase: Math.PI / 2 });
  assert.equal(y[0], 1);
  assert.ok(Math.abs(y[4]) < 1e-7 && Math.abs(y[8] + 1) < 1e-7 && Math.abs(y[32] - 1) < 1e-6);
  assert.ok(Math.abs(Math.max(...x) - 0.5) < 1e-3);
});

test('whiteNoise is seeded: same seed same samples, other seed other samples; uniform stays in range', () => {
  const a = whiteNoise({ length: 10000, seed: 7 });
  assert.deepEqual(a, whiteNoise({ length: 10000, seed: 7 }));
  assert.notDeepEqual(a, whiteNoise({ length: 10000, seed: 8 }));
  assert.ok(a.every((v) => v >= -1 && v < 1));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  // Uniform on [-1, 1): variance 1/3; 10000 samples put the estimate within a few percent.
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1 / 3) < 0.02, `mean ${mean} variance ${variance}`);
  const g = whiteNoise({ length: 10000, seed: 7, distribution: 'normal', amplitude: 0.1 });
  const gv = g.reduce((s, v) => s + v * v, 0) / g.length;
  assert.ok(Math.abs(Math.sqrt(gv) - 0.1) < 0.005, `std ${Math.sqrt(gv)}`);
});

test('signal options are validated with messages naming the option', () => {
  assert.throws(() => sine(440, { sampleRate: 0 }), /sampleRate=0 must be a finite number > 0/);
  assert.throws(() => sine(440, { length: 2.5 }), /length=2.5 must be an integer >= 0/);
  assert.throws(() => chirp(0, 100, { method: 'logarithmic' }), /logarithmic chirp needs fStart=0 and fEnd=100/);
  assert.throws(() => whiteNoise({ seed: 1.5 }), /seed=1.5 must be an integer/);
  assert.throws(() => whiteNoise({ duration: -1 }), /duration=-1 must be a finite number >= 0/);
});

test('test signals refuse unknown options and name a misplaced options object', () => {
  assert.throws(
    () => sine(440, { len: 100 } as never),
    /^ParameterError: sine: unknown option len; did you mean length\? \(options: sampleRate, duration, length, amplitude, phase\)$/,
  );
  assert.throws(
    () => chirp(100, 200, { methd: 'linear' } as never),
    /^ParameterError: chirp: unknown option methd; did you mean method\?/,
  );
  assert.throws(
    () => whiteNoise({ length: 10, Seed: 1 } as never),
    /^ParameterError: whiteNoise: unknown option Seed; did you mean seed\?/,
  );
  assert.throws(
    () => sine({ length: 4000 } as never),
    /^ParameterError: frequency=\{"length":4000\} must be a finite number \(Hz; the options come second\)$/,
  );
  assert.throws(
    () => chirp(100, 200, { method: 'log' as never }),
    /^ParameterError: method="log" must be 'linear' or 'logarithmic'$/,
  );
  assert.throws(
    () => sine(440, { phase: '0' as never }),
    /^ParameterError: phase="0" must be a finite number \(radians\)$/,
  );
});
