import { test } from 'node:test';
import { captureWarnings } from '../helpers/warnings';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioDecodeError, ParameterError, SpecmorphError } from '../../src/errors';
import { decodeAudio, encodeWav, loadAudio, resample, sniffAudio, toMono, type Audio } from '../../src/audio';
import { FIXTURES, fixtureBytes, fixtureF32, manifest } from './fixtures';
import { maxAbsDiff } from '../helpers/arrays';

// wav-decoder ships no types; only decode.sync is used, as an independent oracle.
const wavDecoder: {
  decode: { sync(b: ArrayBuffer, o: { symmetric: boolean }): { channelData: Float32Array[] } };
} = require('wav-decoder');

for (const c of manifest.decode) {
  test(`decodeAudio ${c.file} (${c.what}) equals the generator's samples exactly`, async () => {
    const audio = await decodeAudio(fixtureBytes(c.file));
    assert.equal(audio.sampleRate, c.sampleRate);
    assert.equal(audio.channels.length, c.channels);
    const expected = fixtureF32(c.expected);
    for (let ch = 0; ch < c.channels; ch++) {
      assert.equal(audio.channels[ch].length, c.frames);
      assert.equal(
        maxAbsDiff(audio.channels[ch], expected.subarray(ch * c.frames, (ch + 1) * c.frames)),
        0,
        `channel ${ch}`,
      );
    }
  });
}

for (const c of manifest.decodeErrors) {
  test(`decodeAudio ${c.file} rejects: ${c.error}`, async () => {
    await assert.rejects(
      loadAudio(join(FIXTURES, c.file)),
      (e: Error) => e instanceof AudioDecodeError && e.message.includes(c.error) && e.message.includes(c.file),
    );
  });
}

test('integer extremes, 8/16/24-bit WAV and FLAC: -2^(n-1) decodes to -1, 2^(n-1)-1 to 1 - 2^(1-n)', async () => {
  const cases = manifest.decode.filter((d) => /_[su](8|16|24)_/.test(d.file));
  assert.ok(cases.length >= 8);
  for (const c of cases) {
    const bits = Number(c.file.match(/_[su](8|16|24)_/)![1]);
    const audio = await decodeAudio(fixtureBytes(c.file));
    const ch0 = audio.channels[0];
    assert.equal(Math.min(...ch0), -1, c.file);
    assert.equal(Math.max(...ch0), 1 - 2 ** (1 - bits), c.file);
  }
});

test('WAV 16-bit and float decode as wav-decoder (symmetric mode), where wav-decoder is correct', async () => {
  const files = manifest.decode.filter(
    (d) => d.file.endsWith('.wav') && /s16|float/.test(d.file) && !d.file.includes('ext_'),
  );
  assert.ok(files.length >= 4);
  for (const c of files) {
    const bytes = fixtureBytes(c.file);
    const ours = await decodeAudio(bytes);
    const theirs = wavDecoder.decode.sync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), {
      symmetric: true,
    });
    assert.equal(theirs.channelData.length, ours.channels.length, c.file);
    ours.channels.forEach((ch, i) => assert.equal(maxAbsDiff(ch, theirs.channelData[i]), 0, `${c.file} channel ${i}`));
  }
});

test('loadAudio tells FLAC from WAV by content, not by extension', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-audio-'));
  const flac = manifest.decode.find((d) => d.file.endsWith('.flac'))!;
  const wav = manifest.decode.find((d) => d.file.endsWith('.wav'))!;
  copyFileSync(join(FIXTURES, flac.file), join(dir, 'actually-flac.wav'));
  copyFileSync(join(FIXTURES, wav.file), join(dir, 'actually-wav.flac'));
  const a = await loadAudio(join(dir, 'actually-flac.wav'));
  const b = await loadAudio(join(dir, 'actually-wav.flac'));
  assert.equal(maxAbsDiff(a.channels[0], fixtureF32(flac.expected).subarray(0, flac.frames)), 0);
  assert.equal(maxAbsDiff(b.channels[0], fixtureF32(wav.expected).subarray(0, wav.frames)), 0);
  assert.equal(sniffAudio(fixtureBytes(flac.file)).container, 'flac');
  assert.equal(sniffAudio(fixtureBytes(wav.file)).container, 'wav');
});

test('FLAC behind an ID3v2 tag decodes as the bare FLAC', async () => {
  const c = manifest.decode.find((d) => d.file.includes('flac_s24_mono'))!;
  const flac = fixtureBytes(c.file);
  const body = new TextEncoder().encode('TIT2\u0000\u0000\u0000\u0005\u0000\u0000\u0003abcd');
  const header = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, body.length]);
  const tagged = new Uint8Array(header.length + body.length + flac.length);
  tagged.set(header);
  tagged.set(body, header.length);
  tagged.set(flac, header.length + body.length);
  assert.deepEqual(sniffAudio(tagged), { container: 'flac', offset: header.length + body.length });
  const audio = await decodeAudio(tagged);
  assert.equal(maxAbsDiff(audio.channels[0], fixtureF32(c.expected)), 0);
});

test('decodeAudio mono=true is the mean of the channels (stereo WAV, 6-channel FLAC)', async () => {
  for (const file of ['wav/pcm_s16_stereo_16000.wav', 'flac/flac_s16_6ch_48000.flac']) {
    const full = await decodeAudio(fixtureBytes(file));
    const mono = await decodeAudio(fixtureBytes(file), { mono: true });
    assert.equal(mono.channels.length, 1);
    const n = full.channels[0].length;
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) mean[i] = full.channels.reduce((s, ch) => s + ch[i], 0) / full.channels.length;
    assert.ok(maxAbsDiff(mono.channels[0], mean) < 1e-7, file);
    assert.deepEqual(mono, toMono(full));
  }
});

test('decodeAudio sampleRate=8000 equals resample() of each decoded channel; same rate is a no-op', async () => {
  const file = 'wav/pcm_s16_stereo_16000.wav';
  const full = await decodeAudio(fixtureBytes(file));
  const low = await decodeAudio(fixtureBytes(file), { sampleRate: 8000 });
  assert.equal(low.sampleRate, 8000);
  assert.equal(low.channels.length, 2);
  low.channels.forEach((ch, i) => assert.deepEqual(ch, resample(full.channels[i], 16000, 8000)));
  assert.deepEqual(await decodeAudio(fixtureBytes(file), { sampleRate: 16000 }), full);
  const both = await decodeAudio(fixtureBytes(file), { sampleRate: 8000, mono: true });
  assert.deepEqual(both.channels[0], resample(toMono(full).channels[0], 16000, 8000));
});

// ---- malformed input: every case rejects with AudioDecodeError and a message naming file and reason ----

function riff(chunks: [string, Uint8Array][], form = 'WAVE'): Uint8Array {
  const parts: number[] = [];
  const push32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  for (const [id, body] of chunks) {
    for (const ch of id) parts.push(ch.charCodeAt(0));
    push32(body.length);
    parts.push(...body);
    if (body.length & 1) parts.push(0);
  }
  const out: number[] = [];
  for (const ch of 'RIFF') out.push(ch.charCodeAt(0));
  const size = parts.length + 4;
  out.push(size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, size >>> 24);
  for (const ch of form) out.push(ch.charCodeAt(0));
  return new Uint8Array([...out, ...parts]);
}

function fmt(
  code: number,
  channels: number,
  rate: number,
  bits: number,
  blockAlign = (channels * bits) / 8,
): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  return b;
}

function floatData(values: number[], bits: 32 | 64): Uint8Array {
  const b = new Uint8Array(values.length * (bits / 8));
  const v = new DataView(b.buffer);
  values.forEach((x, i) => (bits === 32 ? v.setFloat32(i * 4, x, true) : v.setFloat64(i * 8, x, true)));
  return b;
}

const goodWav = fixtureBytes('wav/pcm_s16_stereo_16000.wav');
const goodFlac = fixtureBytes('flac/flac_s16_stereo_16000.flac');
const extensible = fixtureBytes('wav/ext_pcm_s16_mono_16000.wav');

const malformed: [string, Uint8Array, RegExp][] = [
  ['empty', new Uint8Array(0), /^x\.wav: empty \(0 bytes\)$/],
  [
    'MP3 with ID3 tag',
    new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90]),
    /^x\.wav: not a RIFF\/WAVE or FLAC file \(first bytes 49 44 33 03\): looks like MP3$/,
  ],
  ['bare MP3 frame', new Uint8Array([0xff, 0xfb, 0x90, 0x64, 0, 0]), /first bytes ff fb 90 64\): looks like MP3/],
  [
    'AAC ADTS frame',
    new Uint8Array([0xff, 0xf1, 0x50, 0x80, 0, 0]),
    /first bytes ff f1 50 80\): looks like AAC \(ADTS\)/,
  ],
  ['Ogg', new TextEncoder().encode('OggS\u0000\u0002rest'), /first bytes 4f 67 67 53\): Ogg container/],
  ['text', new TextEncoder().encode('utt_id,label\nA,bonafide\n'), /first bytes 75 74 74 5f\): looks like text/],
  ['two bytes', new Uint8Array([1, 2]), /first bytes 01 02, only 2 bytes\)/],
  ['RIFX', new TextEncoder().encode('RIFX\u0000\u0000\u0000\u0000WAVE'), /RIFX WAV is not supported/],
  ['RIFF AVI', riff([['avih', new Uint8Array(4)]], 'AVI '), /RIFF file is not WAVE \(form type 'AVI '\)/],
  ['truncated RIFF header', goodWav.subarray(0, 10), /truncated RIFF header \(10 bytes, need 12\)/],
  [
    'truncated fmt chunk',
    goodWav.subarray(0, 30),
    /truncated fmt chunk at byte 12: declares 16 bytes but only 10 remain/,
  ],
  [
    'truncated data',
    goodWav.subarray(0, 100),
    /truncated data: data chunk at byte 36 declares 1280 bytes but only 56 remain/,
  ],
  ['truncated chunk header', goodWav.subarray(0, 40), /truncated chunk header at byte 36 \(4 bytes, need 8\)/],
  ['no data chunk', riff([['fmt ', fmt(1, 1, 8000, 16)]]), /: no data chunk$/],
  ['no fmt chunk', riff([['LIST', new Uint8Array(4)]]), /: no fmt chunk$/],
  [
    'data before fmt',
    riff([
      ['data', new Uint8Array(4)],
      ['fmt ', fmt(1, 1, 8000, 16)],
    ]),
    /data chunk at byte 12 comes before any fmt chunk/,
  ],
  [
    'corrupt chunk size',
    riff([
      ['fmt ', fmt(1, 1, 8000, 16)],
      ['LIST', new Uint8Array(2)],
    ]).map((v, i) => (i === 40 ? 0x7f : v)),
    /truncated or corrupt chunk 'LIST' at byte 36: declares 127 bytes but only 2 remain/,
  ],
  [
    'zero samples',
    riff([
      ['fmt ', fmt(1, 2, 8000, 16)],
      ['data', new Uint8Array(0)],
    ]),
    /zero samples \(data chunk holds 0 bytes, one frame is 4\)/,
  ],
  [
    'short fmt',
    riff([
      ['fmt ', new Uint8Array(14)],
      ['data', new Uint8Array(2)],
    ]),
    /fmt chunk too short \(14 bytes, need 16\)/,
  ],
  [
    'MS ADPCM',
    riff([
      ['fmt ', fmt(2, 1, 8000, 4, 1)],
      ['data', new Uint8Array(8)],
    ]),
    /unsupported WAV format code 0x0002 \(Microsoft ADPCM\); supported: PCM \(0x0001\), IEEE float \(0x0003\), A-law \(0x0006\), mu-law \(0x0007\)$/,
  ],
  [
    '16-bit A-law',
    riff([
      ['fmt ', fmt(6, 1, 8000, 16)],
      ['data', new Uint8Array(8)],
    ]),
    /unsupported A-law bit depth 16 \(supported: 8\)/,
  ],
  [
    'MPEG layer 3 in WAV',
    riff([
      ['fmt ', fmt(0x55, 1, 8000, 0, 1)],
      ['data', new Uint8Array(8)],
    ]),
    /unsupported WAV format code 0x0055 \(MPEG layer 3\)/,
  ],
  [
    '12-bit PCM',
    riff([
      ['fmt ', fmt(1, 1, 8000, 12, 2)],
      ['data', new Uint8Array(8)],
    ]),
    /unsupported PCM bit depth 12 \(supported: 8, 16, 24, 32\)/,
  ],
  [
    '16-bit float',
    riff([
      ['fmt ', fmt(3, 1, 8000, 16)],
      ['data', new Uint8Array(8)],
    ]),
    /unsupported float bit depth 16 \(supported: 32, 64\)/,
  ],
  [
    'zero channels',
    riff([
      ['fmt ', fmt(1, 0, 8000, 16, 2)],
      ['data', new Uint8Array(8)],
    ]),
    /channels=0 in fmt chunk/,
  ],
  [
    'zero rate',
    riff([
      ['fmt ', fmt(1, 1, 0, 16)],
      ['data', new Uint8Array(8)],
    ]),
    /sampleRate=0 in fmt chunk/,
  ],
  [
    'wrong blockAlign',
    riff([
      ['fmt ', fmt(1, 2, 8000, 16, 2)],
      ['data', new Uint8Array(8)],
    ]),
    /blockAlign=2 does not match channels=2 x bitsPerSample=16 \/ 8 = 4/,
  ],
  [
    'NaN in float32',
    riff([
      ['fmt ', fmt(3, 1, 8000, 32)],
      ['data', floatData([0, 0.5, NaN, 1], 32)],
    ]),
    /float data holds NaN at frame 2, channel 0/,
  ],
  [
    'Infinity in float64',
    riff([
      ['fmt ', fmt(3, 2, 8000, 64)],
      ['data', floatData([0, 0, 0, -Infinity], 64)],
    ]),
    /float data holds -Infinity at frame 1, channel 1/,
  ],
  [
    'float64 beyond float32 range',
    riff([
      ['fmt ', fmt(3, 1, 8000, 64)],
      ['data', floatData([0, 1e300], 64)],
    ]),
    /float64 value 1e\+300 at frame 1, channel 0 overflows float32/,
  ],
  [
    'extensible with unknown GUID',
    extensible.map((v, i) => (i === 12 + 8 + 24 + 5 ? 0x42 : v)),
    /unsupported WAVE_FORMAT_EXTENSIBLE SubFormat GUID 0100000000421000800000aa00389b71/,
  ],
  [
    'extensible with ADPCM subformat',
    extensible.map((v, i) => (i === 12 + 8 + 24 ? 2 : v)),
    /unsupported WAV format code 0x0002 \(Microsoft ADPCM\) in WAVE_FORMAT_EXTENSIBLE/,
  ],
  ['FLAC truncated header', goodFlac.subarray(0, 20), /truncated FLAC header \(20 bytes, STREAMINFO needs 42\)/],
  ['FLAC metadata only', goodFlac.subarray(0, 42), /truncated metadata block header at byte 42/],
  [
    'FLAC truncated data',
    goodFlac.subarray(0, goodFlac.length - 500),
    /truncated or corrupt data: decoded \d+ of 4800 samples declared in STREAMINFO/,
  ],
  [
    'FLAC bad first block',
    goodFlac.map((v, i) => (i === 4 ? 0x04 : v)),
    /first metadata block is type 4, expected STREAMINFO \(0\)/,
  ],
  [
    'FLAC sampleRate 0',
    goodFlac.map((v, i) => (i === 18 || i === 19 ? 0 : i === 20 ? v & 0x0f : v)),
    /sampleRate=0 in STREAMINFO/,
  ],
];

for (const [what, bytes, pattern] of malformed) {
  test(`decodeAudio rejects ${what} with AudioDecodeError naming the file`, async () => {
    await assert.rejects(decodeAudio(bytes, { name: 'x.wav' }), (e: Error) => {
      assert.ok(e instanceof AudioDecodeError, `${e.constructor.name}: ${e.message}`);
      assert.match(e.message, /^x\.wav: /);
      assert.match(e.message, pattern);
      return true;
    });
  });
}

test('decodeAudio names <bytes> when no name is given', async () => {
  await assert.rejects(
    decodeAudio(new Uint8Array([0x49, 0x44, 0x33])),
    /^AudioDecodeError: <bytes>: not a RIFF\/WAVE or FLAC file \(first bytes 49 44 33, only 3 bytes\): looks like MP3$/,
  );
});

test('loadAudio errors name the path: missing file, directory, bad content', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-audio-'));
  await assert.rejects(
    loadAudio(join(dir, 'missing.wav')),
    (e: Error) =>
      e instanceof AudioDecodeError && e.message === `${join(dir, 'missing.wav')}: cannot read file (no such file)`,
  );
  await assert.rejects(
    loadAudio(dir),
    (e: Error) => e instanceof AudioDecodeError && e.message === `${dir}: cannot read file (is a directory)`,
  );
  writeFileSync(join(dir, 'x.wav'), 'ID3 not audio');
  await assert.rejects(
    loadAudio(join(dir, 'x.wav')),
    new RegExp(`^AudioDecodeError: ${join(dir, 'x.wav')}: not a RIFF/WAVE or FLAC file \\(first bytes 49 44 33 20\\)`),
  );
});

test('decodeAudio parameter errors are ParameterError naming the argument', async () => {
  await assert.rejects(
    decodeAudio(goodWav, { sampleRate: 0 }),
    (e: Error) => e instanceof ParameterError && /sampleRate=0 must be a positive integer/.test(e.message),
  );
  await assert.rejects(decodeAudio(goodWav, { sampleRate: 22050.5 }), /sampleRate=22050.5 must be a positive integer/);
  await assert.rejects(
    decodeAudio('x.wav' as unknown as Uint8Array),
    (e: Error) =>
      e instanceof SpecmorphError && /bytes must be a Uint8Array or ArrayBuffer \(got string\)/.test(e.message),
  );
  await assert.rejects(loadAudio(''), /path="" must be a non-empty string/);
});

test('a data chunk with a partial trailing frame keeps the whole frames', async () => {
  const data = new Uint8Array([0, 0x40, 0, 0xc0, 0x11]);
  let audio: Audio | undefined;
  const warnings = await captureWarnings(
    async () =>
      (audio = await decodeAudio(
        riff([
          ['fmt ', fmt(1, 1, 8000, 16)],
          ['data', data],
        ]),
        { name: 'partial.wav' },
      )),
  );
  assert.deepEqual(Array.from(audio!.channels[0]), [0.5, -0.5]);
  assert.deepEqual(warnings, [
    'partial.wav: data chunk size 5 is not a multiple of blockAlign=2; ignoring the last 1 bytes',
  ]);
});

test('data size 0xFFFFFFFF (streaming writer) reads to the end of the file', async () => {
  const bytes = riff([
    ['fmt ', fmt(1, 1, 8000, 16)],
    ['data', new Uint8Array([0, 0x40, 0, 0xc0])],
  ]);
  new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
  const audio = await decodeAudio(bytes);
  assert.deepEqual(Array.from(audio.channels[0]), [0.5, -0.5]);
});

test('concurrent decodes (8 FLAC + 8 WAV at once) give the same results as one at a time', async () => {
  const files = [
    'flac/flac_s16_stereo_16000.flac',
    'flac/flac_s24_mono_22050.flac',
    'wav/pcm_s24_3ch_22050.wav',
    'wav/float32_stereo_16000.wav',
  ];
  const sequential: Audio[] = [];
  for (const f of files) sequential.push(await decodeAudio(fixtureBytes(f)));
  const parallel = await Promise.all([...files, ...files, ...files, ...files].map((f) => decodeAudio(fixtureBytes(f))));
  parallel.forEach((a, i) => assert.deepEqual(a, sequential[i % files.length]));
});

test('bytes may be an ArrayBuffer, or a view at any offset of a larger buffer (odd byteOffset)', async () => {
  const wav = fixtureBytes('wav/pcm_s16_stereo_16000.wav');
  assert.deepEqual(
    await decodeAudio(wav.buffer.slice(wav.byteOffset, wav.byteOffset + wav.byteLength)),
    await decodeAudio(wav),
  );
  for (const f of ['wav/pcm_s24_3ch_22050.wav', 'wav/float64_mono_8000.wav', 'flac/flac_s8_mono_8000.flac']) {
    const b = fixtureBytes(f);
    const host = new Uint8Array(b.length + 3);
    host.set(b, 1);
    assert.deepEqual(await decodeAudio(host.subarray(1, 1 + b.length)), await decodeAudio(b), f);
  }
});

test('decodeAudio and loadAudio refuse unknown options and non-boolean mono, before reading anything', async () => {
  const wav = encodeWav({ sampleRate: 8000, channels: [new Float32Array(8), new Float32Array(8)] });
  await assert.rejects(
    decodeAudio(wav, { samplerate: 8000 } as never),
    (e: unknown) =>
      e instanceof ParameterError &&
      e.message ===
        'decodeAudio: unknown option samplerate; did you mean sampleRate? (options: sampleRate, mono, name)',
  );
  await assert.rejects(decodeAudio(wav, { mono: 'no' as never }), /^ParameterError: mono="no" must be a boolean$/);
  // loadAudio names the file itself: `name` is not one of its options
  await assert.rejects(
    loadAudio('/no/such/file.wav', { name: 'x' } as never),
    /^ParameterError: loadAudio: unknown option name \(options: sampleRate, mono\)$/,
  );
  await assert.rejects(
    loadAudio('/no/such/file.wav', { sample_rate: 8000 } as never),
    /loadAudio: unknown option sample_rate; did you mean sampleRate\?/,
  );
  assert.equal((await decodeAudio(wav, { mono: true, sampleRate: undefined })).channels.length, 1);
});
