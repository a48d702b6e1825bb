import { assert, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import type { Audio } from './types';

/** Options of {@link encodeWav}. */
export interface EncodeWavOptions {
  /**
   * 16: integer PCM, samples clipped to [-1, 1] and rounded to the nearest step of 2^-15.
   * 32: IEEE float, samples stored exactly as given.
   * @default 16
   */
  bitDepth?: 16 | 32;
}

const ENCODE_WAV_OPTIONS: OptionNames<EncodeWavOptions> = { bitDepth: true };

/**
 * Encodes audio as a RIFF/WAVE file (little-endian, channels interleaved).
 *
 * Input: {@link Audio} with one or more channels of equal length and finite samples. Output: the
 * whole file's bytes. 16-bit PCM uses format code 1 with a 16-byte `fmt ` chunk; 32-bit float uses
 * format code 3 with an 18-byte `fmt ` chunk and a `fact` chunk, as the WAVE spec asks of non-PCM
 * data. Both round-trip through {@link decodeAudio}.
 *
 * Notes: 16-bit scaling is round(x * 32768) (halves to even) clamped to [-32768, 32767], the exact inverse of the
 * decoder's (and soundfile's) division by 32768, so decoding then re-encoding a 16-bit file gives
 * the same bytes. libsndfile writes with x * 32767 instead, which shrinks a round trip by 2^-15.
 */
export function encodeWav(audio: Audio, opts: EncodeWavOptions = {}): Uint8Array {
  checkOptionNames(opts, ENCODE_WAV_OPTIONS, 'encodeWav');
  const bitDepth = opts.bitDepth ?? 16;
  assert(bitDepth === 16 || bitDepth === 32, () => `bitDepth=${formatValue(bitDepth)} must be 16 or 32`);
  assertPositiveInt(audio.sampleRate, 'audio.sampleRate');
  assert(audio.sampleRate <= 0xffffffff, () => `audio.sampleRate=${audio.sampleRate} does not fit in a WAV header`);
  const { channels } = audio;
  assert(Array.isArray(channels) && channels.length > 0, () => 'audio.channels must hold at least one channel');
  const frames = channels[0].length;
  channels.forEach((ch, c) => {
    assert(ch instanceof Float32Array, () => `audio.channels[${c}] must be a Float32Array`);
    assert(
      ch.length === frames,
      () => `audio.channels[${c}].length=${ch.length} differs from channels[0].length=${frames}`,
    );
    for (let i = 0; i < frames; i++) {
      if (!Number.isFinite(ch[i])) assert(false, () => `audio.channels[${c}][${i}]=${ch[i]} is not finite`);
    }
  });
  // a WAV without a frame is a valid file, but decodeAudio refuses it (no audio to analyse): never
  // write a file the toolkit cannot read back
  assert(frames > 0, () => 'audio.channels[0] is empty: a WAV of 0 frames would not decode; nothing to encode');
  const nCh = channels.length;
  const bytes = bitDepth / 8;
  const blockAlign = nCh * bytes;
  assert(
    blockAlign <= 0xffff,
    () => `audio.channels.length=${nCh} at ${bitDepth} bits exceeds the 65535-byte WAV frame limit`,
  );
  const dataBytes = frames * blockAlign;
  const isFloat = bitDepth === 32;
  const fmtSize = isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const headerBytes = 12 + 8 + fmtSize + factSize + 8;
  const total = headerBytes + dataBytes + (dataBytes & 1);
  assert(total - 8 <= 0xffffffff, () => `audio of ${frames} frames x ${nCh} channels exceeds the 4 GiB WAV limit`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, total - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, isFloat ? 3 : 1, true);
  v.setUint16(22, nCh, true);
  v.setUint32(24, audio.sampleRate, true);
  v.setUint32(28, Math.min(audio.sampleRate * blockAlign, 0xffffffff), true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bitDepth, true);
  let p = 36;
  if (isFloat) {
    v.setUint16(36, 0, true);
    ascii(38, 'fact');
    v.setUint32(42, 4, true);
    v.setUint32(46, frames, true);
    p = 50;
  }
  ascii(p, 'data');
  v.setUint32(p + 4, dataBytes, true);
  const data = p + 8;
  for (let c = 0; c < nCh; c++) {
    const ch = channels[c];
    let q = data + c * bytes;
    if (isFloat) {
      for (let i = 0; i < frames; i++, q += blockAlign) v.setFloat32(q, ch[i], true);
    } else {
      for (let i = 0; i < frames; i++, q += blockAlign) {
        const x = ch[i] * 32768;
        let s = Math.round(x);
        if (s - x === 0.5 && s & 1) s -= 1; // halves to even, as numpy's rint and libsndfile's lrint
        v.setInt16(q, s > 32767 ? 32767 : s < -32768 ? -32768 : s, true);
      }
    }
  }
  return out;
}
