import { AudioDecodeError, warnOnce } from '../errors';
import type { Audio } from './types';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** G.711 A-law byte -> 16-bit linear value (ITU-T G.711; as libsndfile and Python's audioop). */
function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 7;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

/** G.711 mu-law byte -> 16-bit linear value (ITU-T G.711; as libsndfile and Python's audioop). */
function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

function g711Table(toLinear: (byte: number) => number): Float32Array {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = toLinear(i) / 32768;
  return t;
}

/** Names of format codes people actually meet, so the "unsupported" message says what the file is. */
const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MPEG layer 3',
};

/** Bytes 2..15 of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT; bytes 0..1 carry the format code. */
const KSDATAFORMAT_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** The validated content of a `fmt ` chunk. */
export interface WavFormat {
  /** 1 (integer PCM), 3 (IEEE float), 6 (A-law) or 7 (mu-law), after resolving WAVE_FORMAT_EXTENSIBLE. */
  formatCode: 1 | 3 | 6 | 7;
  channels: number;
  sampleRate: number;
  /** Container bits per sample: 8, 16, 24 or 32 for PCM; 32 or 64 for float. */
  bitsPerSample: number;
  /** Bytes per frame (all channels): channels * bitsPerSample / 8. */
  blockAlign: number;
  /** Whether the file used WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
}

/** Where the samples are, after walking the RIFF chunks. */
export interface WavLayout {
  format: WavFormat;
  dataOffset: number;
  dataBytes: number;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

function fourcc(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[at + i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function parseFmt(b: Uint8Array, view: DataView, at: number, size: number, fail: (why: string) => never): WavFormat {
  if (size < 16) fail(`fmt chunk too short (${size} bytes, need 16)`);
  let formatCode = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  const extensible = formatCode === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    // cbSize (2) + validBits (2) + channelMask (4) + SubFormat GUID (16) follow the 16 basic bytes.
    if (size < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk too short (${size} bytes, need 40)`);
    const cbSize = view.getUint16(at + 16, true);
    if (cbSize < 22) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk has cbSize=${cbSize}, need 22`);
    const validBits = view.getUint16(at + 18, true);
    if (validBits > bitsPerSample) fail(`wValidBitsPerSample=${validBits} exceeds bitsPerSample=${bitsPerSample}`);
    const guid = at + 24;
    const tailOk = KSDATAFORMAT_TAIL.every((v, i) => b[guid + 2 + i] === v);
    formatCode = view.getUint16(guid, true);
    if (!tailOk) {
      const g = Array.from(b.subarray(guid, guid + 16), (v) => v.toString(16).padStart(2, '0')).join('');
      fail(`unsupported WAVE_FORMAT_EXTENSIBLE SubFormat GUID ${g} (only KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT)`);
    }
  }
  if (![WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_ALAW, WAVE_FORMAT_MULAW].includes(formatCode)) {
    const known = FORMAT_NAMES[formatCode];
    fail(
      `unsupported WAV format code ${hex(formatCode, 4)}${known ? ` (${known})` : ''}` +
        `${extensible ? ' in WAVE_FORMAT_EXTENSIBLE' : ''}; supported: ` +
        `PCM (0x0001), IEEE float (0x0003), A-law (0x0006), mu-law (0x0007)`,
    );
  }
  if (channels === 0) fail('channels=0 in fmt chunk');
  if (sampleRate === 0) fail('sampleRate=0 in fmt chunk');
  const kind =
    formatCode === WAVE_FORMAT_PCM
      ? 'PCM'
      : formatCode === WAVE_FORMAT_IEEE_FLOAT
        ? 'float'
        : formatCode === WAVE_FORMAT_ALAW
          ? 'A-law'
          : 'mu-law';
  const allowed = kind === 'PCM' ? [8, 16, 24, 32] : kind === 'float' ? [32, 64] : [8];
  if (!allowed.includes(bitsPerSample)) {
    fail(`unsupported ${kind} bit depth ${bitsPerSample} (supported: ${allowed.join(', ')})`);
  }
  const expectedAlign = (channels * bitsPerSample) / 8;
  if (blockAlign !== expectedAlign) {
    fail(
      `blockAlign=${blockAlign} does not match ` +
        `channels=${channels} x bitsPerSample=${bitsPerSample} / 8 = ${expectedAlign}`,
    );
  }
  return { formatCode: formatCode as 1 | 3 | 6 | 7, channels, sampleRate, bitsPerSample, blockAlign, extensible };
}

/**
 * Walks the RIFF chunks of a WAV file and validates the `fmt ` chunk, without touching samples.
 * Chunks other than `fmt ` and `data` are skipped (RIFF pads odd-sized chunks to an even length).
 * Throws {@link AudioDecodeError} `"<name>: <reason>"` for every structural problem.
 */
export function parseWav(b: Uint8Array, name: string): WavLayout {
  const fail = (why: string): never => {
    throw new AudioDecodeError(`${name}: ${why}`);
  };
  if (b.length < 12) fail(`truncated RIFF header (${b.length} bytes, need 12)`);
  if (fourcc(b, 0) !== 'RIFF') fail(`not a RIFF file (magic '${fourcc(b, 0)}')`);
  if (fourcc(b, 8) !== 'WAVE') fail(`RIFF file is not WAVE (form type '${fourcc(b, 8)}')`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = b.length;
  let format: WavFormat | undefined;
  let pos = 12;
  while (pos + 8 <= end) {
    const id = fourcc(b, pos);
    let size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (format) fail(`second fmt chunk at byte ${pos}`);
      if (body + size > end)
        fail(`truncated fmt chunk at byte ${pos}: declares ${size} bytes but only ${end - body} remain`);
      format = parseFmt(b, view, body, size, fail);
    } else if (id === 'data') {
      if (!format) fail(`data chunk at byte ${pos} comes before any fmt chunk`);
      // 0xFFFFFFFF is what streaming writers leave when they cannot seek back: the data runs to the end.
      if (size === 0xffffffff) size = end - body;
      if (body + size > end) {
        fail(`truncated data: data chunk at byte ${pos} declares ${size} bytes but only ${end - body} remain`);
      }
      return { format: format!, dataOffset: body, dataBytes: size };
    } else if (body + size > end) {
      fail(`truncated or corrupt chunk '${id}' at byte ${pos}: declares ${size} bytes but only ${end - body} remain`);
    }
    pos = body + size + (size & 1);
  }
  if (pos < end) fail(`truncated chunk header at byte ${pos} (${end - pos} bytes, need 8)`);
  return fail(format ? 'no data chunk' : 'no fmt chunk');
}

/**
 * Decodes a RIFF/WAVE file held in memory: integer PCM 8/16/24/32-bit, IEEE float 32/64-bit,
 * G.711 A-law / mu-law (8-bit), any channel count, plain or WAVE_FORMAT_EXTENSIBLE.
 *
 * Output: one Float32Array per channel (de-interleaved), at the file's sample rate.
 *
 * Notes: integers scale as soundfile / libsndfile and librosa do: signed n-bit PCM divides by
 * 2^(n-1) (so -2^(n-1) maps to exactly -1 and the largest value to 1 - 2^(1-n)); 8-bit PCM is
 * unsigned with offset 128; G.711 expands to 16-bit linear (as libsndfile) then divides by 32768.
 * Float data is kept as stored (no clipping) but must be finite. A data
 * chunk whose size is not a whole number of frames keeps the whole frames and warns once.
 */
export function decodeWav(b: Uint8Array, name: string): Audio {
  const { format, dataOffset, dataBytes } = parseWav(b, name);
  const { channels: nCh, blockAlign, bitsPerSample, formatCode, sampleRate } = format;
  const frames = Math.floor(dataBytes / blockAlign);
  if (frames === 0)
    throw new AudioDecodeError(
      `${name}: zero samples (data chunk holds ${dataBytes} bytes, one frame is ${blockAlign})`,
    );
  if (dataBytes % blockAlign !== 0) {
    warnOnce(
      `${name}: data chunk size ${dataBytes} is not a multiple of blockAlign=${blockAlign}; ` +
        `ignoring the last ${dataBytes % blockAlign} bytes`,
    );
  }
  const channels: Float32Array[] = [];
  for (let c = 0; c < nCh; c++) channels.push(new Float32Array(frames));
  const view = new DataView(b.buffer, b.byteOffset + dataOffset, frames * blockAlign);
  const bytes = bitsPerSample / 8;
  const g711 =
    formatCode === WAVE_FORMAT_ALAW
      ? g711Table(alawToLinear)
      : formatCode === WAVE_FORMAT_MULAW
        ? g711Table(mulawToLinear)
        : undefined;
  for (let c = 0; c < nCh; c++) {
    const out = channels[c];
    let p = c * bytes;
    if (formatCode === WAVE_FORMAT_IEEE_FLOAT) {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = bytes === 4 ? view.getFloat32(p, true) : view.getFloat64(p, true);
        if (!Number.isFinite(v)) {
          throw new AudioDecodeError(`${name}: float data holds ${v} at frame ${i}, channel ${c}`);
        }
        out[i] = v;
      }
      // float64 values beyond float32 range become Infinity when stored.
      if (bytes === 8) {
        for (let i = 0; i < frames; i++) {
          if (!Number.isFinite(out[i])) {
            throw new AudioDecodeError(
              `${name}: float64 value ${view.getFloat64(c * bytes + i * blockAlign, true)} at frame ${i}, ` +
                `channel ${c} overflows float32`,
            );
          }
        }
      }
    } else if (g711) {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = g711[view.getUint8(p)];
    } else if (bytes === 1) {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = (view.getUint8(p) - 128) / 128;
    } else if (bytes === 2) {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt16(p, true) / 32768;
    } else if (bytes === 3) {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
        out[i] = v / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt32(p, true) / 2147483648;
    }
  }
  return { sampleRate, channels };
}
