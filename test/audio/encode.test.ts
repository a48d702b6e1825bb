import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParameterError } from '../../src/errors';
import { decodeAudio, encodeWav, sine, whiteNoise } from '../../src/audio';
import type { Audio } from '../../src/audio';
import { fixtureBytes } from './fixtures';

function dataChunk(wav: Uint8Array): Uint8Array {
  const v = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  for (let p = 12; p + 8 <= wav.length; ) {
    const id = String.fromCharCode(...wav.subarray(p, p + 4));
    const size = v.getUint32(p + 4, true);
    if (id === 'data') return wav.subarray(p + 8, p + 8 + size);
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

test('encodeWav bitDepth=32 round-trips any finite float32 exactly (3 channels, values beyond [-1, 1])', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 192000 }),
      async (nCh, n, rate) => {
        const channels = Array.from({ length: nCh }, (_, c) => whiteNoise({ length: n, seed: c + n, amplitude: 4 }));
        const back = await decodeAudio(encodeWav({ sampleRate: rate, channels }, { bitDepth: 32 }));
        assert.deepEqual(back, { sampleRate: rate, channels });
      },
    ),
    { numRuns: 50, seed: 1 },
  );
});

test('encodeWav bitDepth=16 round-trips k/32768 exactly and otherwise within half a step', async () => {
  const exact = new Float32Array(65536);
  for (let k = -32768; k < 32768; k++) exact[k + 32768] = k / 32768;
  assert.deepEqual((await decodeAudio(encodeWav({ sampleRate: 8000, channels: [exact] }))).channels[0], exact);
  const x = whiteNoise({ length: 4000, seed: 3, amplitude: 0.99 });
  const y = (await decodeAudio(encodeWav({ sampleRate: 16000, channels: [x, sine(440, { length: 4000 })] }))).channels;
  let err = 0;
  for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i] - y[0][i]));
  assert.ok(err <= 0.5 / 32768 + 1e-9, `max error ${err}`);
});

test('encodeWav bitDepth=16 rounds halves to even, as numpy rint / libsndfile lrint', async () => {
  const halves = new Float32Array([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49, -0.51].map((k) => k / 32768));
  const y = await decodeAudio(encodeWav({ sampleRate: 8000, channels: [halves] }));
  assert.deepEqual(
    Array.from(y.channels[0], (v) => v * 32768),
    [0, 0, 2, -2, 2, -2, 0, -1],
  );
});

test('encodeWav bitDepth=16 clips to [-1, 32767/32768]', async () => {
  const y = await decodeAudio(encodeWav({ sampleRate: 8000, channels: [new Float32Array([-3, -1, 1, 2.5])] }));
  assert.deepEqual(Array.from(y.channels[0]), [-1, -1, 32767 / 32768, 32767 / 32768]);
});

test('decode -> encodeWav(16) gives the same sample bytes as the 16-bit fixture files', async () => {
  for (const file of ['wav/pcm_s16_stereo_16000.wav', 'wav/python_wave_s16_stereo_24000.wav']) {
    const original = fixtureBytes(file);
    const again = encodeWav(await decodeAudio(original));
    assert.deepEqual(dataChunk(again), dataChunk(original), file);
  }
});

test('encodeWav header: 16-bit PCM stereo is the canonical 44-byte layout', () => {
  const wav = encodeWav({ sampleRate: 22050, channels: [new Float32Array(3), new Float32Array(3)] });
  const v = new DataView(wav.buffer);
  assert.equal(wav.length, 44 + 12);
  assert.equal(String.fromCharCode(...wav.subarray(0, 4)), 'RIFF');
  assert.equal(v.getUint32(4, true), wav.length - 8);
  assert.deepEqual(
    [
      v.getUint16(20, true),
      v.getUint16(22, true),
      v.getUint32(24, true),
      v.getUint32(28, true),
      v.getUint16(32, true),
      v.getUint16(34, true),
    ],
    [1, 2, 22050, 88200, 4, 16],
  );
  assert.equal(v.getUint32(40, true), 12);
});

test('encodeWav rejects bad audio with ParameterError naming the field', () => {
  const ok = new Float32Array(4);
  const cases: [Audio, object, RegExp][] = [
    [{ sampleRate: 0, channels: [ok] }, {}, /audio\.sampleRate=0 must be a positive integer/],
    [{ sampleRate: 8000, channels: [] }, {}, /audio\.channels must hold at least one channel/],
    [
      { sampleRate: 8000, channels: [ok, new Float32Array(3)] },
      {},
      /audio\.channels\[1\]\.length=3 differs from channels\[0\]\.length=4/,
    ],
    [{ sampleRate: 8000, channels: [new Float32Array([0, NaN])] }, {}, /audio\.channels\[0\]\[1\]=NaN is not finite/],
    [{ sampleRate: 8000, channels: [ok] }, { bitDepth: 24 }, /bitDepth=24 must be 16 or 32/],
    // decodeAudio refuses a WAV of 0 frames, so none is written
    [{ sampleRate: 8000, channels: [new Float32Array(0)] }, {}, /audio\.channels\[0\] is empty/],
    [{ sampleRate: 8000, channels: [new Float32Array(0)] }, { bitDepth: 32 }, /audio\.channels\[0\] is empty/],
  ];
  for (const [audio, opts, pattern] of cases)
    assert.throws(
      () => encodeWav(audio, opts),
      (e: Error) => e instanceof ParameterError && pattern.test(e.message),
    );
});

test('encodeWav refuses unknown options and echoes a string bit depth in quotes', () => {
  const audio: Audio = { sampleRate: 8000, channels: [new Float32Array(4)] };
  assert.throws(
    () => encodeWav(audio, { bit_depth: 32 } as never),
    /^ParameterError: encodeWav: unknown option bit_depth; did you mean bitDepth\? \(options: bitDepth\)$/,
  );
  assert.throws(
    () => encodeWav(audio, { bitDepth: '16' as never }),
    /^ParameterError: bitDepth="16" must be 16 or 32$/,
  );
});
