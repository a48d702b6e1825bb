import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { trimSilence, normaliseLoudness, preEmphasis, fixLength, lpcResidual } from '../../src/pipeline/audioPrep';

function tone(n: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * 440 * i) / 16000));
}

test('trimSilence topDb=60 frame=2048 hop=512 cuts zero padding to within one hop of the tone', () => {
  const x = new Float32Array(4000 + 8000 + 6000);
  x.set(tone(8000), 4000);
  const { signal, start, end } = trimSilence(x);
  assert.equal(start % 512, 0);
  assert.ok(start <= 4000 && start > 4000 - 2048, `start ${start}`);
  assert.ok(end >= 12000 && end < 12000 + 2048, `end ${end}`);
  assert.equal(signal.length, end - start);
  assert.deepEqual(Array.from(signal.subarray(0, 10)), Array.from(x.subarray(start, start + 10)));
});

test('trimSilence keeps a signal without silence and an all-zero signal whole (librosa semantics)', () => {
  const t = tone(5000);
  assert.equal(trimSilence(t).signal.length, 5000);
  assert.equal(trimSilence(new Float32Array(3000)).signal.length, 3000);
  assert.throws(() => trimSilence(t, { hopLength: 0 }), /hopLength=0 must be a positive integer/);
});

test('normaliseLoudness rms=-20 dBFS and peak=-6 dBFS reach their level', () => {
  const x = tone(16000, 0.01);
  const y = normaliseLoudness(x);
  const rms = Math.sqrt(y.reduce((s, v) => s + v * v, 0) / y.length);
  assert.ok(Math.abs(20 * Math.log10(rms) + 20) < 1e-4);
  const p = normaliseLoudness(x, { method: 'peak', targetDb: -6 });
  const peak = p.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(Math.abs(20 * Math.log10(peak) + 6) < 1e-4);
  assert.deepEqual(Array.from(normaliseLoudness(new Float32Array(3))), [0, 0, 0]);
  assert.throws(() => normaliseLoudness(x, { targetDb: 3 }), /targetDb=3 must be a finite number <= 0/);
});

test('preEmphasis coef=0.97 keeps x[0] and differences the rest', () => {
  const y = preEmphasis(Float32Array.from([1, 2, 3]), 0.97);
  assert.deepEqual(Array.from(y), Array.from(Float32Array.from([1, 2 - 0.97, 3 - 1.94])));
});

test('fixLength repeat-pads like np.tile, zero-pads, crops start/centre', () => {
  const x = Float32Array.from([1, 2, 3]);
  assert.deepEqual(Array.from(fixLength(x, 8)), [1, 2, 3, 1, 2, 3, 1, 2]);
  assert.deepEqual(Array.from(fixLength(x, 5, { pad: 'zeros' })), [1, 2, 3, 0, 0]);
  const long = Float32Array.from([0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(fixLength(long, 3)), [0, 1, 2]);
  assert.deepEqual(Array.from(fixLength(long, 3, { position: 'centre' })), [2, 3, 4]);
  assert.deepEqual(Array.from(fixLength(new Float32Array(0), 2)), [0, 0]);
  assert.throws(() => fixLength(x, 0), /length=0 must be a positive integer/);
});

interface TrimCase {
  topDb: number;
  frameLength: number;
  hopLength: number;
  input: number[];
  start: number;
  end: number;
}
const trimFixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/eval/trim.json'), 'utf8')) as {
  cases: TrimCase[];
};
for (const c of trimFixture.cases) {
  test(`trimSilence topDb=${c.topDb} frame=${c.frameLength} hop=${c.hopLength} n=${c.input.length} = librosa`, () => {
    const r = trimSilence(Float32Array.from(c.input), {
      topDb: c.topDb,
      frameLength: c.frameLength,
      hopLength: c.hopLength,
    });
    assert.deepEqual([r.start, r.end], [c.start, c.end]);
  });
}

test('the audio-prep functions take an Audio (mixed down to mono, as every signal argument) and refuse NaN or a non-signal', () => {
  const a = tone(4000);
  const b = tone(4000, 0.1);
  const audio = { sampleRate: 16000, channels: [a, b] };
  const mono = Float32Array.from(a, (v, i) => (v + b[i]) / 2);
  const same = (got: Float32Array, want: Float32Array) => assert.deepEqual(Array.from(got), Array.from(want));
  same(trimSilence(audio).signal, trimSilence(mono).signal);
  same(normaliseLoudness(audio), normaliseLoudness(mono));
  same(preEmphasis(audio), preEmphasis(mono));
  same(fixLength(audio, 5000), fixLength(mono, 5000));
  same(lpcResidual(audio), lpcResidual(mono));
  // one channel is used as it is
  same(preEmphasis({ sampleRate: 8000, channels: [a] }), preEmphasis(a));
  const nan = Float32Array.from([0.1, Number.NaN, 0.3, 0.2]);
  for (const [name, f] of [
    ['trimSilence', () => trimSilence(nan, { frameLength: 2, hopLength: 1 })],
    ['normaliseLoudness', () => normaliseLoudness(nan)],
    ['preEmphasis', () => preEmphasis(nan)],
    ['fixLength', () => fixLength(nan, 8)],
    ['lpcResidual', () => lpcResidual(nan)],
  ] as const)
    assert.throws(f, /x\[1\]=NaN: audio must be finite everywhere/, name);
  assert.throws(
    () => preEmphasis([0.1, 0.2] as never),
    /x must be a Float32Array or an Audio \{sampleRate, channels\}, got Array/,
  );
  assert.throws(() => preEmphasis(a, '0.97' as never), /coef="0.97" must be a number in \[0, 1\)/);
  assert.throws(() => normaliseLoudness(a, { targetDb: '-3' as never }), /targetDb="-3" must be a finite number <= 0/);
  // misspelt options are refused, not ignored (as librosa's TypeError)
  assert.throws(
    () => normaliseLoudness(a, { target: -3 } as never),
    /normaliseLoudness: unknown option target; did you mean targetDb\?/,
  );
  assert.throws(
    () => trimSilence(a, { top_db: 30 } as never),
    /trimSilence: unknown option top_db; did you mean topDb\?/,
  );
  assert.throws(() => fixLength(a, 10, { padding: 'zeros' } as never), /fixLength: unknown option padding/);
  assert.throws(() => lpcResidual(a, { lpcOrder: 8 } as never), /lpcResidual: unknown option lpcOrder/);
  // an empty signal still passes through (nothing to trim, scale or filter)
  assert.equal(trimSilence(new Float32Array(0)).signal.length, 0);
  assert.equal(preEmphasis(new Float32Array(0)).length, 0);
});
