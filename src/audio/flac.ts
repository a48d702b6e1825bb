import { pathToFileURL } from 'node:url';
import type { FLACDecoder as FlacDecoderClass, FLACDecodedAudio } from '@wasm-audio-decoders/flac';
import { AudioDecodeError } from '../errors';
import type { Audio } from './types';

/** The fields of a FLAC STREAMINFO block that decoding checks against. */
export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel; 0 means "unknown" (allowed by the format for streams). */
  totalSamples: number;
  /** Byte offset of the first audio frame. */
  audioOffset: number;
}

const METADATA_NAMES = ['STREAMINFO', 'PADDING', 'APPLICATION', 'SEEKTABLE', 'VORBIS_COMMENT', 'CUESHEET', 'PICTURE'];

/**
 * Validates the `fLaC` marker and walks the metadata blocks up to the first audio frame.
 * Throws {@link AudioDecodeError} `"<name>: <reason>"` on any structural problem.
 */
export function parseFlacHeader(b: Uint8Array, name: string): FlacStreamInfo {
  const fail = (why: string): never => {
    throw new AudioDecodeError(`${name}: ${why}`);
  };
  if (b.length < 4 || b[0] !== 0x66 || b[1] !== 0x4c || b[2] !== 0x61 || b[3] !== 0x43)
    fail("not a FLAC stream (no 'fLaC' marker)");
  if (b.length < 8 + 34) fail(`truncated FLAC header (${b.length} bytes, STREAMINFO needs 42)`);
  const firstType = b[4] & 0x7f;
  const firstLen = (b[5] << 16) | (b[6] << 8) | b[7];
  if (firstType !== 0) fail(`first metadata block is type ${firstType}, expected STREAMINFO (0)`);
  if (firstLen !== 34) fail(`STREAMINFO block length ${firstLen}, expected 34`);
  const s = 8;
  const minBlock = (b[s] << 8) | b[s + 1];
  const maxBlock = (b[s + 2] << 8) | b[s + 3];
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 0x07) + 1;
  const bitsPerSample = (((b[s + 12] & 0x01) << 4) | (b[s + 13] >> 4)) + 1;
  const totalSamples =
    (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + ((b[s + 15] << 16) | (b[s + 16] << 8) | b[s + 17]);
  if (sampleRate === 0) fail('sampleRate=0 in STREAMINFO');
  if (minBlock < 16 || maxBlock < minBlock)
    fail(`invalid block sizes in STREAMINFO (min ${minBlock}, max ${maxBlock})`);
  if (bitsPerSample < 4) fail(`bitsPerSample=${bitsPerSample} in STREAMINFO is below the FLAC minimum of 4`);
  let pos = 4;
  for (;;) {
    if (pos + 4 > b.length) fail(`truncated metadata block header at byte ${pos}`);
    const last = (b[pos] & 0x80) !== 0;
    const type = b[pos] & 0x7f;
    const len = (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3];
    if (type === 127) fail(`invalid metadata block type 127 at byte ${pos}`);
    if (pos > 4 && type === 0) fail(`second STREAMINFO block at byte ${pos}`);
    if (pos + 4 + len > b.length) {
      fail(
        `truncated ${METADATA_NAMES[type] ?? `type-${type}`} metadata block at byte ${pos}: ` +
          `declares ${len} bytes but only ${b.length - pos - 4} remain`,
      );
    }
    pos += 4 + len;
    if (last) break;
  }
  if (pos >= b.length) fail('zero samples (no audio frames after the metadata)');
  if (pos + 2 > b.length || b[pos] !== 0xff || (b[pos + 1] & 0xfe) !== 0xf8) {
    const got = Array.from(b.subarray(pos, pos + 2), (v) => v.toString(16).padStart(2, '0')).join(' ');
    fail(`no FLAC frame sync at byte ${pos} (got ${got}, want ff f8)`);
  }
  return { sampleRate, channels, bitsPerSample, totalSamples, audioOffset: pos };
}

type FlacModule = { FLACDecoder: typeof FlacDecoderClass };
let flacModule: Promise<FlacModule> | undefined;

function loadFlacModule(): Promise<FlacModule> {
  // @wasm-audio-decoders/flac is ESM-only. The CommonJS build would turn `import()` into `require()`,
  // which cannot load ESM before Node 20.19, so the import goes through a Function TypeScript leaves alone.
  if (!flacModule) {
    const url = pathToFileURL(require.resolve('@wasm-audio-decoders/flac')).href;
    const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<FlacModule>;
    // Where a host forbids import() from Functions (some vm contexts), Node >= 20.19 can require() ESM.
    flacModule = importEsm(url).catch((e: unknown) => {
      try {
        return require('@wasm-audio-decoders/flac') as FlacModule;
      } catch {
        throw e;
      }
    });
  }
  return flacModule;
}

/**
 * Idle decoders, reused because creating one instantiates the WASM module (~5 ms, as long as
 * decoding a short utterance). decodeFile resets a decoder to a fresh stream when it finishes, so a
 * released decoder carries nothing over; each decoder serves one call at a time.
 */
const idleDecoders: FlacDecoderClass[] = [];
const MAX_IDLE_DECODERS = 4;

async function acquireDecoder(): Promise<FlacDecoderClass> {
  const idle = idleDecoders.pop();
  if (idle) return idle;
  let FLACDecoder: typeof FlacDecoderClass;
  try {
    ({ FLACDecoder } = await loadFlacModule());
  } catch (e) {
    flacModule = undefined;
    throw new AudioDecodeError(
      `FLAC support unavailable: cannot load @wasm-audio-decoders/flac (${(e as Error)?.message ?? e})`,
    );
  }
  const decoder = new FLACDecoder();
  await decoder.ready;
  return decoder;
}

function releaseDecoder(decoder: FlacDecoderClass): void {
  if (idleDecoders.length < MAX_IDLE_DECODERS) idleDecoders.push(decoder);
  else discardDecoder(decoder);
}

function discardDecoder(decoder: FlacDecoderClass): void {
  try {
    decoder.free();
  } catch {
    // A decoder that failed half-way may have nothing left to free.
  }
}

/**
 * Decodes a native FLAC stream (libFLAC compiled to WASM, via `@wasm-audio-decoders/flac`).
 *
 * Output: one Float32Array per channel at the stream's sample rate, integers scaled by
 * 2^-(bitsPerSample-1) as libFLAC's float output and soundfile do.
 *
 * Notes: the WASM decoder skips frames it cannot decode without failing, so completeness is checked
 * here against STREAMINFO's sample count: a truncated or corrupt stream is an error, not a shorter
 * signal. A stream whose STREAMINFO leaves the count unknown (0, allowed for live encodes) decodes
 * to the frames present. 25..32-bit FLAC is rejected: the WASM libFLAC build decodes none of it.
 */
export async function decodeFlac(b: Uint8Array, name: string): Promise<Audio> {
  const info = parseFlacHeader(b, name);
  if (info.bitsPerSample > 24) {
    // The WASM build of libFLAC decodes nothing from 25..32-bit streams (FLAC 1.4 added them).
    throw new AudioDecodeError(`${name}: unsupported FLAC bit depth ${info.bitsPerSample} (supported: 4..24)`);
  }
  const decoder = await acquireDecoder();
  let decoded: FLACDecodedAudio;
  try {
    // The library console.error()s each frame error before also returning it in `errors`; the error
    // is reported below through AudioDecodeError, so the console copy is muted. decodeFile runs its
    // decoding synchronously before its first await, so the swap covers exactly that work.
    const consoleError = console.error;
    let pending: Promise<FLACDecodedAudio>;
    console.error = () => undefined;
    try {
      pending = decoder.decodeFile(b);
    } finally {
      console.error = consoleError;
    }
    decoded = await pending;
  } catch (e) {
    discardDecoder(decoder);
    throw new AudioDecodeError(`${name}: FLAC decoder failed: ${(e as Error)?.message ?? String(e)}`);
  }
  releaseDecoder(decoder);
  const fail = (why: string): never => {
    throw new AudioDecodeError(`${name}: ${why}`);
  };
  if (decoded.errors.length > 0) {
    const e = decoded.errors[0];
    fail(`corrupt FLAC frame ${e.frameNumber} at byte ${e.inputBytes}: ${e.message}`);
  }
  const n = decoded.samplesDecoded;
  if (n === 0) fail(`zero samples decoded (STREAMINFO declares ${info.totalSamples}): frames missing or corrupt`);
  if (info.totalSamples > 0 && n < info.totalSamples) {
    fail(`truncated or corrupt data: decoded ${n} of ${info.totalSamples} samples declared in STREAMINFO`);
  }
  if (info.totalSamples > 0 && n > info.totalSamples) {
    fail(`decoded ${n} samples but STREAMINFO declares ${info.totalSamples}`);
  }
  if (decoded.channelData.length !== info.channels) {
    fail(`frames carry ${decoded.channelData.length} channels but STREAMINFO declares ${info.channels}`);
  }
  if (decoded.sampleRate !== info.sampleRate) {
    fail(`frames use sampleRate ${decoded.sampleRate} but STREAMINFO declares ${info.sampleRate}`);
  }
  if (decoded.bitDepth !== info.bitsPerSample) {
    fail(`frames use ${decoded.bitDepth} bits per sample but STREAMINFO declares ${info.bitsPerSample}`);
  }
  // The WASM decoder divides by 2^(bits-1) - 1, so the most negative sample lands below -1. Its
  // float32 output still pins down the integer exactly (|error| < 0.5 for bits <= 24), so recover
  // the integer and divide by 2^(bits-1) as soundfile and our WAV decoder do.
  const maxPositive = 2 ** (info.bitsPerSample - 1) - 1;
  const scale = 2 ** (info.bitsPerSample - 1);
  const channels = decoded.channelData.map((src, c) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (!Number.isFinite(v)) fail(`decoder produced ${v} at sample ${i}, channel ${c}`);
      out[i] = Math.round(v * maxPositive) / scale;
    }
    return out;
  });
  return { sampleRate: info.sampleRate, channels };
}
