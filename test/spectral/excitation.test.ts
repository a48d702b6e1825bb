import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  excitationFeatures,
  griffinLimReference,
  levinsonDurbin,
  REFERENCE_BLOCK_SECONDS,
  REFERENCE_CONTEXT_SECONDS,
} from '../../src/spectral/excitation';
import { harmonicPhaseFeatures } from '../../src/spectral/harmonicPhase';
import { prosodyFeatures } from '../../src/spectral/prosody';
import { lpcResidual } from '../../src/pipeline/audioPrep';
import { runPipeline } from '../../src/pipeline/run';
import { resample } from '../../src/audio/resample';
import { resolvePipelineConfig, pipelineFingerprint } from '../../src/pipeline/config';
import { griffinLim, melSpectrogram, powerToDb, spectrogram } from '../../src/spectral';
import { Random } from '../../src/random';
import { maxAbsDiff } from '../helpers/arrays';

// Reference values: test/fixtures/gen_excitation.py (numpy + scipy solve_toeplitz / lfilter).
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'excitation', 'cases.json'), 'utf8')) as {
  cases: {
    sampleRate: number;
    frameLength: number;
    order: number;
    hop: number;
    x: number[];
    features: number[];
    residual: number[];
  }[];
};

for (const c of fixture.cases) {
  const name = `sampleRate=${c.sampleRate} frameLength=${c.frameLength} order=${c.order} hop=${c.hop}`;
  test(`excitationFeatures ${name} equals scipy solve_toeplitz + lfilter`, () => {
    const x = Float32Array.from(c.x);
    const times = Float64Array.from({ length: 1 + Math.floor(x.length / c.hop) }, (_, j) => (j * c.hop) / c.sampleRate);
    const g = excitationFeatures(x, { sampleRate: c.sampleRate, times, frameLength: c.frameLength, order: c.order });
    assert.equal(g.rows, 3);
    assert.equal(g.cols, times.length);
    // float32 output of log statistics and dB: 1e-4 absolute.
    assert.ok(maxAbsDiff(g.data, c.features) < 1e-4, `max |diff| ${maxAbsDiff(g.data, c.features)}`);
    // The signal has a silent gap: its frames get the Gaussian values, and voiced frames are peakier.
    const k = g.data.subarray(0, g.cols);
    assert.ok(k.some((v) => Math.abs(v - Math.log(3)) < 1e-6));
    assert.ok(Math.max(...k) > Math.log(10));
  });
  test(`lpcResidual order=${c.order} frameLength=${c.frameLength} = scipy inverse filter, Hann cross-fade`, () => {
    const e = lpcResidual(Float32Array.from(c.x), { order: c.order, frameLength: c.frameLength });
    assert.ok(maxAbsDiff(e, c.residual) < 1e-5, `max |diff| ${maxAbsDiff(e, c.residual)}`);
  });
}

test('levinsonDurbin recovers an AR(2) predictor from its exact autocorrelation', () => {
  // x[n] = 1.2 x[n-1] - 0.5 x[n-2] + w[n]: r(k) from the Yule-Walker equations with r(0) = 1.
  const r1 = 1.2 / 1.5;
  const r = [1, r1, 1.2 * r1 - 0.5, 1.2 * (1.2 * r1 - 0.5) - 0.5 * r1];
  const a = new Float64Array(4);
  levinsonDurbin(r, 3, a, new Float64Array(4));
  assert.ok(Math.abs(a[1] - 1.2) < 1e-12 && Math.abs(a[2] + 0.5) < 1e-12 && Math.abs(a[3]) < 1e-12, `a = ${[...a]}`);
  levinsonDurbin([0, 0, 0, 0], 3, a, new Float64Array(4));
  assert.deepEqual([...a], [0, 0, 0, 0]);
});

test('excitationFeatures rejects bad options, naming them', () => {
  const x = new Float32Array(1000);
  assert.throws(() => excitationFeatures(x, { sampleRate: 0, times: [0] }), /sampleRate=0/);
  assert.throws(() => excitationFeatures(x, { sampleRate: 8000, times: [] }), /times is empty/);
  assert.throws(
    () => excitationFeatures(x, { sampleRate: 8000, times: [0], frameLength: 20, order: 10 }),
    /frameLength=20 must be > 2 \* order=20/,
  );
  assert.throws(() => excitationFeatures(x, { sampleRate: 8000, times: [NaN] }), /times\[0\]=NaN/);
  assert.throws(
    () => excitationFeatures(x, { sampleRate: 8000 } as never),
    /times=undefined must be an array of frame centres in seconds/,
  );
  assert.throws(() => excitationFeatures(x, { times: [0] }), /sampleRate is required when x is a Float32Array/);
  assert.throws(
    () => excitationFeatures(x, { sampleRate: 8000, times: [0], harmonic_phase: true } as never),
    /excitationFeatures: unknown option harmonic_phase; did you mean harmonicPhase\?/,
  );
  assert.throws(
    () => prosodyFeatures(x, { sr: 8000, times: [0] } as never),
    /prosodyFeatures: unknown option sr; did you mean sampleRate\?/,
  );
  assert.throws(
    () => harmonicPhaseFeatures(x, { sampleRate: 8000, time: [0] } as never),
    /harmonicPhaseFeatures: unknown option time/,
  );
});

test('excitationFeatures, harmonicPhaseFeatures and prosodyFeatures take an Audio: mixed down to mono, at its own rate', () => {
  const r = new Random(5);
  const a = Float32Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 140 * i) / 8000) + 0.05 * r.normal());
  const b = Float32Array.from({ length: 8000 }, () => 0.05 * r.normal());
  const mono = Float32Array.from(a, (v, i) => (v + b[i]) / 2);
  const audio = { sampleRate: 8000, channels: [a, b] };
  const times = Array.from({ length: 20 }, (_, j) => 0.05 * j);
  const opts = { times, harmonicPhase: true, prosody: true, reference: 'griffin-lim' as const };
  assert.deepEqual(
    Array.from(excitationFeatures(audio, opts).data),
    Array.from(excitationFeatures(mono, { sampleRate: 8000, ...opts }).data),
  );
  assert.deepEqual(
    Array.from(harmonicPhaseFeatures(audio, { times }).data),
    Array.from(harmonicPhaseFeatures(mono, { sampleRate: 8000, times }).data),
  );
  assert.deepEqual(
    Array.from(prosodyFeatures(audio, { times }).data),
    Array.from(prosodyFeatures(mono, { sampleRate: 8000, times }).data),
  );
  assert.throws(
    () => prosodyFeatures(audio, { sampleRate: 16000, times }),
    /sampleRate=16000 differs from x\.sampleRate=8000/,
  );
});

test('pipeline excitation: three rows below the mel dB grid, one per frame, morphology leaves them alone', () => {
  const c = fixture.cases[0];
  const audio = { sampleRate: c.sampleRate, channels: [Float32Array.from(c.x)] };
  const stages = [{ op: 'stft' as const, nFft: 256, hopLength: 80, winLength: 200 }, { op: 'db' as const }];
  const plain = runPipeline(audio, { stages });
  const withExc = runPipeline(audio, {
    stages: [...stages, { op: 'erode', footprint: { shape: 'rect', rows: 3, cols: 3 } }],
    excitation: {},
  });
  const spec = plain.output;
  assert.equal(withExc.output.rows, spec.rows + 3);
  assert.equal(withExc.output.cols, spec.cols);
  const times = Float64Array.from({ length: spec.cols }, (_, j) => (j * 80) / c.sampleRate);
  const exc = excitationFeatures(audio.channels[0], { sampleRate: c.sampleRate, times });
  assert.deepEqual(withExc.output.data.subarray(spec.rows * spec.cols), exc.data);
  assert.equal(withExc.stages.at(-1)?.name, 'excitation');
  // The erosion ran on the spectrogram rows only: they differ from the plain dB rows.
  assert.notDeepEqual(withExc.output.data.subarray(0, spec.rows * spec.cols), spec.data);
  // Default mel pipeline at 16 kHz: 80 + 3 rows.
  const mel = runPipeline(
    { sampleRate: 16000, channels: [new Float32Array(16000).map((_, i) => Math.sin(i / 7))] },
    { stages: [{ op: 'mel', nMels: 80 }, { op: 'db' }], excitation: {} },
  );
  const ref = powerToDb(
    melSpectrogram(
      new Float32Array(16000).map((_, i) => Math.sin(i / 7)),
      { sampleRate: 16000, nFft: 512, hopLength: 160, winLength: 400, nMels: 80 },
    ),
  );
  assert.equal(mel.output.rows, 83);
  assert.deepEqual(mel.output.data.subarray(0, 80 * ref.cols), ref.data);
});

test('pipeline excitation at its own sampleRate: the rows of the audio resampled to it, at the spectral frames', () => {
  const c = fixture.cases[0];
  const audio = { sampleRate: c.sampleRate, channels: [Float32Array.from(c.x)] };
  const up = 2 * c.sampleRate;
  const stages = [
    { op: 'resample' as const, sampleRate: up },
    { op: 'mel' as const, nMels: 40 },
    { op: 'db' as const },
  ];
  const at = (excitation: object) => runPipeline(audio, { stages, excitation }, { keep: false }).output;
  const native = at({ sampleRate: c.sampleRate });
  const upsampled = at({});
  const rows = native.rows;
  const times = Float64Array.from({ length: native.cols }, (_, j) => (j * 160) / up);
  // Resampled back to the clip's own rate (what the stage does), analysed there at the mel frames.
  const back = resample(resample(audio.channels[0], c.sampleRate, up), up, c.sampleRate);
  const want = excitationFeatures(back, { sampleRate: c.sampleRate, times });
  assert.deepEqual(native.data.subarray((rows - 3) * native.cols), want.data);
  // The spectrogram rows are the same either way; the excitation rows are not.
  assert.deepEqual(
    native.data.subarray(0, (rows - 3) * native.cols),
    upsampled.data.subarray(0, (rows - 3) * native.cols),
  );
  assert.notDeepEqual(
    native.data.subarray((rows - 3) * native.cols),
    upsampled.data.subarray((rows - 3) * native.cols),
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { sampleRate: 0 } }),
    /excitation.sampleRate=0 must be a positive integer/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { rate: 8000 } }),
    /excitation.rate is not a field \(fields: frameLength, order, sampleRate, reference, harmonicPhase, prosody, source\)/,
  );
});

test('pipeline excitation config: validated, fingerprinted, refused with resize', () => {
  const stages = [{ op: 'mel' as const }, { op: 'db' as const }];
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { order: 12 } }).excitation, { order: 12 });
  assert.equal(resolvePipelineConfig({ stages, excitation: null }).excitation, undefined);
  assert.notEqual(pipelineFingerprint({ stages, excitation: {} }), pipelineFingerprint({ stages }));
  assert.equal(pipelineFingerprint({ stages, excitation: null }), pipelineFingerprint({ stages }));
  // reference 'none' is the rows before `reference` existed: same resolved config, same fingerprint
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { reference: 'none' } }).excitation, {});
  assert.equal(
    pipelineFingerprint({ stages, excitation: { reference: 'none' } }),
    pipelineFingerprint({ stages, excitation: {} }),
  );
  assert.notEqual(
    pipelineFingerprint({ stages, excitation: { reference: 'griffin-lim' } }),
    pipelineFingerprint({ stages, excitation: {} }),
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { reference: 'copy' } }),
    /excitation.reference="copy" must be 'none' or 'griffin-lim'/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { order: 0 } }),
    /excitation.order=0 must be a positive integer/,
  );
  // prosody: false is the rows without it (absent); true adds its two rows last, and a new fingerprint
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { prosody: false } }).excitation, {});
  assert.deepEqual(resolvePipelineConfig({ stages, excitation: { prosody: true } }).excitation, { prosody: true });
  assert.notEqual(
    pipelineFingerprint({ stages, excitation: { prosody: true } }),
    pipelineFingerprint({ stages, excitation: {} }),
  );
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { prosody: 'yes' } }),
    /excitation.prosody="yes" must be true or false/,
  );
  assert.throws(() => resolvePipelineConfig({ stages, excitation: { lag: 1 } }), /excitation.lag is not a field/);
  assert.throws(() => resolvePipelineConfig({ stages, excitation: 3 }), /excitation=3 must be null or an object/);
  assert.throws(
    () => resolvePipelineConfig({ stages, excitation: { frameLength: 20, order: 10 } }),
    /excitation.frameLength=20 must be > 2 \* excitation.order=20/,
  );
  assert.throws(
    () => resolvePipelineConfig({ stages: [...stages, { op: 'resize', rows: 8, cols: 8 }], excitation: {} }),
    /excitation cannot be combined with stages\[2\].op="resize"/,
  );
});

// A voiced signal: a pulse train at f0 (3 Hz vibrato), each pulse smeared over `blur` samples, plus
// uniform noise, through two resonances (700 and 1200 Hz), 8 kHz.
function voice(n: number, blur: number, noise: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const e = new Float64Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (120 * (1 + 0.05 * Math.sin((2 * Math.PI * 3 * i) / 8000))) / 8000;
    if (phase >= 1) {
      phase -= 1;
      for (let k = 0; k < blur && i + k < n; k++) e[i + k] += 1 / blur;
    }
    e[i] += noise * (rng.next() - 0.5);
  }
  const y = new Float32Array(n);
  const poles = [700, 1200].map((f) => {
    const r = Math.exp((-Math.PI * 90) / 8000);
    return [2 * r * Math.cos((2 * Math.PI * f) / 8000), -r * r];
  });
  let u = e;
  for (const [a1, a2] of poles) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = u[i] + a1 * (i > 0 ? v[i - 1] : 0) + a2 * (i > 1 ? v[i - 2] : 0);
    u = v;
  }
  for (let i = 0; i < n; i++) y[i] = 0.01 * u[i];
  return y;
}

// Mean of rows 0 and 1 over the frames within 10 dB of the loudest (what the excitation expert pools).
function pooled(g: { rows: number; cols: number; data: Float32Array }): number {
  const n = g.cols;
  const energy = g.data.subarray(2 * n);
  const top = Math.max(...energy);
  let s = 0;
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (energy[j] < top - 10) continue;
    s += (g.data[j] + g.data[n + j]) / 2;
    count++;
  }
  return s / count;
}

test("excitationFeatures reference='griffin-lim': the statistics minus those of the clip's own Griffin-Lim copy", () => {
  const x = voice(8000, 1, 0.02, 1);
  const times = Float64Array.from({ length: 101 }, (_, j) => j / 100);
  const plain = excitationFeatures(x, { sampleRate: 8000, times });
  const relative = excitationFeatures(x, { sampleRate: 8000, times, reference: 'griffin-lim' });
  const copy = excitationFeatures(griffinLimReference(x, 8000, 256), { sampleRate: 8000, times });
  const n = times.length;
  const want = Float32Array.from(plain.data, (v, i) => (i < 2 * n ? Math.fround(v - copy.data[i]) : v));
  assert.ok(maxAbsDiff(relative.data, want) < 1e-6, `max |diff| ${maxAbsDiff(relative.data, want)}`);
  // the copy: STFT magnitude at the frame's size (256), librosa's Griffin-Lim defaults, seed 0
  const S = spectrogram(x, { sampleRate: 8000, nFft: 256, hopLength: 64, power: 1 });
  const gl = griffinLim(S, { nFft: 256, hopLength: 64, nIter: 32, momentum: 0.99, seed: 0, length: x.length });
  assert.deepEqual(griffinLimReference(x, 8000, 256), gl);
  assert.throws(
    () => excitationFeatures(x, { sampleRate: 8000, times, reference: 'gl' as never }),
    /reference="gl" must be 'none' or 'griffin-lim'/,
  );
});

test("excitationFeatures reference='griffin-lim': recordings well above 0 in every condition, Griffin-Lim copies near 0", () => {
  // Bona fide-like recordings (sharp or smeared pulses, clean or with white noise at 10-30 dB SNR)
  // and their Griffin-Lim copies made as an attacker would, with another FFT size (512, hop 128)
  // and seed than the reference's, scored as the excitation expert pools them.
  const times = Float64Array.from({ length: 201 }, (_, j) => j / 100);
  const score = (x: Float32Array): number =>
    pooled(excitationFeatures(x, { sampleRate: 8000, times, reference: 'griffin-lim' }));
  const attack = (x: Float32Array): Float32Array =>
    griffinLim(spectrogram(x, { sampleRate: 8000, nFft: 512, hopLength: 128, power: 1 }), {
      hopLength: 128,
      seed: 7,
      length: x.length,
    });
  const recordings: [string, Float32Array][] = [
    ['sharp pulses', voice(16000, 1, 0.02, 1)],
    ['pulses smeared over 12 samples', voice(16000, 12, 0.01, 2)],
  ];
  const clean = recordings[0][1];
  let power = 0;
  for (const v of clean) power += v * v;
  power /= clean.length;
  for (const snr of [30, 10]) {
    const rng = new Random(snr);
    const width = Math.sqrt((12 * power) / 10 ** (snr / 10)); // uniform noise of that power
    recordings.push([`sharp pulses at ${snr} dB SNR`, clean.map((v) => v + width * (rng.next() - 0.5))]);
  }
  for (const [name, x] of recordings) {
    const own = score(x);
    const copy = score(attack(x));
    assert.ok(own > 0.2, `${name}: ${own.toFixed(3)} should be > 0.2`);
    assert.ok(Math.abs(copy) < 0.15, `${name}, Griffin-Lim copy: ${copy.toFixed(3)} should be within 0.15 of 0`);
  }
});

test('griffinLimReference copies a long signal in 8 s pieces with 0.5 s of context each side (bounded memory)', () => {
  const rate = 4000;
  const x = voice(21 * rate, 1, 0.02, 5); // 21 s: pieces [0, 8), [8, 16), [16, 21) s
  const block = REFERENCE_BLOCK_SECONDS * rate;
  const context = REFERENCE_CONTEXT_SECONDS * rate;
  const one = (piece: Float32Array) =>
    griffinLim(spectrogram(piece, { sampleRate: rate, nFft: 128, hopLength: 32, power: 1 }), {
      nFft: 128,
      hopLength: 32,
      seed: 0,
      length: piece.length,
    });
  const want = new Float32Array(x.length);
  for (const start of [0, block, 2 * block]) {
    const lo = Math.max(0, start - context);
    const hi = Math.min(x.length, start + block + context);
    const keep = Math.min(block, x.length - start);
    want.set(one(x.subarray(lo, hi)).subarray(start - lo, start - lo + keep), start);
  }
  assert.deepEqual(griffinLimReference(x, rate, 128), want);
  // up to a block plus both contexts it is one copy of the whole signal
  const short = x.subarray(0, block + 2 * context);
  assert.deepEqual(griffinLimReference(short, rate, 128), one(short));
});
