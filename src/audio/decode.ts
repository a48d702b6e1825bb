import { readFile } from 'node:fs/promises';
import {
  AudioDecodeError,
  assert,
  assertPositiveInt,
  checkOptionNames,
  formatValue,
  type OptionNames,
  ParameterError,
} from '../errors';
import { decodeFlac } from './flac';
import { toMono } from './mono';
import { resample } from './resample';
import type { Audio } from './types';
import { decodeWav } from './wav';

/** Options of {@link decodeAudio} and {@link loadAudio}. */
export interface DecodeOptions {
  /**
   * Resample every channel to this rate (Hz, positive integer) with {@link resample}.
   * @default undefined (keep the file's own rate)
   */
  sampleRate?: number;
  /**
   * Mix all channels down to one: the sample-wise mean of the channels (as librosa.to_mono).
   * @default false
   */
  mono?: boolean;
  /**
   * Name for the bytes in error messages (a file name or URL); {@link loadAudio} sets it to the path.
   * @default '<bytes>'
   */
  name?: string;
}

const DECODE_OPTIONS: OptionNames<DecodeOptions> = { sampleRate: true, mono: true, name: true };
const { name: _name, ...LOAD_OPTIONS } = DECODE_OPTIONS;

/** The container a byte string holds, told from its first bytes. */
export type AudioContainer = 'wav' | 'flac';

function hexBytes(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (v) => v.toString(16).padStart(2, '0')).join(' ');
}

function ascii(b: Uint8Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Length of an ID3v2 tag at the start of `b` (header, body and optional footer), or 0. */
function id3Length(b: Uint8Array): number {
  if (b.length < 10 || !ascii(b, 0, 'ID3')) return 0;
  // Tag size is "syncsafe": 7 bits per byte.
  if ((b[6] | b[7] | b[8] | b[9]) & 0x80) return 0;
  const size = (b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9];
  return 10 + size + (b[5] & 0x10 ? 10 : 0);
}

/**
 * Tells WAV from FLAC by content (the first bytes), never by file name. A FLAC stream behind an
 * ID3v2 tag (some taggers add one) is found after the tag. Returns the container and the byte offset
 * where it starts, or throws {@link AudioDecodeError} naming what the bytes look like instead.
 */
export function sniffAudio(b: Uint8Array, name = '<bytes>'): { container: AudioContainer; offset: number } {
  if (b.length === 0) throw new AudioDecodeError(`${name}: empty (0 bytes)`);
  if (b.length >= 4 && ascii(b, 0, 'RIFF')) return { container: 'wav', offset: 0 };
  if (b.length >= 4 && ascii(b, 0, 'fLaC')) return { container: 'flac', offset: 0 };
  const tag = id3Length(b);
  if (tag > 0 && tag + 4 <= b.length && ascii(b, tag, 'fLaC')) return { container: 'flac', offset: tag };
  let hint = '';
  if (ascii(b, 0, 'RIFX')) hint = 'big-endian RIFX WAV is not supported';
  else if (ascii(b, 0, 'RF64')) hint = 'RF64 (64-bit WAV) is not supported';
  else if (ascii(b, 0, 'ID3')) hint = 'looks like MP3';
  // An MPEG frame sync: layer bits 00 mean AAC in ADTS, anything else MPEG-1/2 audio (MP3).
  else if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0)
    hint = (b[1] & 0x06) === 0 ? 'looks like AAC (ADTS)' : 'looks like MP3';
  else if (ascii(b, 0, 'OggS')) hint = 'Ogg container (Vorbis/Opus) is not supported';
  else if (ascii(b, 0, 'FORM')) hint = 'AIFF is not supported';
  else if (ascii(b, 4, 'ftyp')) hint = 'MP4/M4A is not supported';
  else if (Array.from(b.subarray(0, 64)).every((c) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f)))
    hint = 'looks like text';
  throw new AudioDecodeError(
    `${name}: not a RIFF/WAVE or FLAC file ` +
      `(first bytes ${hexBytes(b, 4)}${b.length < 4 ? `, only ${b.length} bytes` : ''})${hint ? `: ${hint}` : ''}`,
  );
}

/**
 * Decodes a WAV or FLAC file held in memory.
 *
 * Input: the whole file's bytes (a Node Buffer is a Uint8Array; an ArrayBuffer is accepted too).
 * Output: {@link Audio}, one Float32Array per channel, samples in
 * [-1, 1) for integer formats (float WAV is kept as stored).
 *
 * WAV: integer PCM 8/16/24/32-bit, IEEE float 32/64-bit, G.711 A-law / mu-law, any channel count,
 * plain or WAVE_FORMAT_EXTENSIBLE. FLAC: 4..24-bit, 1..8 channels (native FLAC, optionally behind an
 * ID3v2 tag). Every malformed file rejects with {@link AudioDecodeError} `"<name>: <reason>"`
 * (truncated header or data, wrong magic, zero samples, NaN/Inf in float data, unsupported format
 * code or bit depth); bad options reject with {@link ParameterError}.
 *
 * Notes: the defaults keep the file as it is (as soundfile.read / torchaudio.load), unlike
 * librosa.load (sr=22050, mono=True); pass `{sampleRate: 22050, mono: true}` for librosa.load's
 * result. Integer scaling follows soundfile: signed n-bit divides by 2^(n-1). Mixing down happens
 * before resampling (the same result, as both are linear, at 1/channels of the cost).
 */
export async function decodeAudio(bytes: Uint8Array | ArrayBuffer, opts: DecodeOptions = {}): Promise<Audio> {
  checkOptionNames(opts, DECODE_OPTIONS, 'decodeAudio');
  checkDecodeOptions(opts);
  const name = opts.name ?? '<bytes>';
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) {
    throw new ParameterError(
      `bytes must be a Uint8Array or ArrayBuffer (got ${bytes === null ? 'null' : typeof bytes})`,
    );
  }
  const { container, offset } = sniffAudio(bytes, name);
  let audio =
    container === 'wav' ? decodeWav(bytes, name) : await decodeFlac(offset ? bytes.subarray(offset) : bytes, name);
  if (opts.mono && audio.channels.length > 1) audio = toMono(audio);
  if (opts.sampleRate !== undefined && opts.sampleRate !== audio.sampleRate) {
    const from = audio.sampleRate;
    const to = opts.sampleRate;
    audio = { sampleRate: to, channels: audio.channels.map((ch) => resample(ch, from, to)) };
  }
  return audio;
}

/** Checks the values of DecodeOptions (before any file is read). */
function checkDecodeOptions(opts: DecodeOptions): void {
  if (opts.sampleRate !== undefined) assertPositiveInt(opts.sampleRate, 'sampleRate');
  assert(
    opts.mono === undefined || typeof opts.mono === 'boolean',
    () => `mono=${formatValue(opts.mono)} must be a boolean`,
  );
  assert(
    opts.name === undefined || typeof opts.name === 'string',
    () => `name=${formatValue(opts.name)} must be a string`,
  );
}

/**
 * Reads and decodes a WAV or FLAC file (told apart by content, not extension); see {@link decodeAudio}.
 * A missing or unreadable file and every decoding problem reject with an {@link AudioDecodeError}
 * whose message starts with the path, e.g. `datasets/x.wav: cannot read file (no such file)`.
 */
export async function loadAudio(path: string, opts: Omit<DecodeOptions, 'name'> = {}): Promise<Audio> {
  if (typeof path !== 'string' || path === '')
    throw new ParameterError(`path=${formatValue(path)} must be a non-empty string`);
  checkOptionNames(opts, LOAD_OPTIONS, 'loadAudio');
  checkDecodeOptions(opts);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'is a directory'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.message;
    throw new AudioDecodeError(`${path}: cannot read file (${why})`);
  }
  return decodeAudio(bytes, { ...opts, name: path });
}
