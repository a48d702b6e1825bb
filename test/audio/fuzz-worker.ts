// Runs the decoder fuzz cases in a worker thread so that test/audio/fuzz.test.ts can time out a case
// that hangs (a synchronous infinite loop cannot be interrupted from the same thread).
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { SpecmorphError } from '../../src/errors';
import { decodeAudio, encodeWav, sine, whiteNoise } from '../../src/audio';
import { fixtureBytes } from './fixtures';

interface Job {
  numRuns: number;
  seed: number;
}
const { numRuns, seed } = workerData as Job;
const port = parentPort!;

const seeds: { name: string; bytes: Uint8Array }[] = [
  ...[
    'wav/pcm_u8_mono_8000.wav',
    'wav/pcm_s16_stereo_16000.wav',
    'wav/pcm_s24_3ch_22050.wav',
    'wav/pcm_s32_mono_8000.wav',
    'wav/float32_stereo_16000.wav',
    'wav/float64_mono_8000.wav',
    'wav/ext_pcm_s24_6ch_48000.wav',
    'wav/ext_float32_stereo_44100.wav',
    'wav/pcm_u8_odd_chunks_11025.wav',
    'wav/mulaw_stereo_8000.wav',
    'flac/fuzz_s16_mono_8000.flac',
    'flac/fuzz_s24_stereo_16000.flac',
    'flac/flac_s8_mono_8000.flac',
  ].map((name) => ({ name, bytes: fixtureBytes(name) })),
  { name: 'encodeWav 16-bit', bytes: encodeWav({ sampleRate: 16000, channels: [sine(440, { length: 200 })] }) },
  {
    name: 'encodeWav float',
    bytes: encodeWav(
      { sampleRate: 8000, channels: [whiteNoise({ length: 100 }), sine(3, { length: 100 })] },
      { bitDepth: 32 },
    ),
  },
];
const flacIdx = seeds.flatMap((s, i) => (s.name.endsWith('.flac') ? [i] : []));
const wavIdx = seeds.flatMap((s, i) => (s.name.endsWith('.flac') ? [] : [i]));

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; edits: [number, number][]; headerOnly: boolean }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'splice'; at: number; remove: number; insert: number[] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('bytes' as const),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    headerOnly: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.integer({ min: 0, max: 80 }),
    value: fc.constantFrom(0, 1, 2, 0x7fffffff, 0xffffffff, 0x10000, 0xfffe),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    remove: fc.integer({ min: 0, max: 16 }),
    insert: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }),
  }),
);

function apply(src: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of muts) {
    if (m.kind === 'truncate') b = b.slice(0, m.at % (b.length + 1));
    else if (m.kind === 'bytes') {
      for (const [p, v] of m.edits) if (b.length) b[p % (m.headerOnly ? Math.min(b.length, 64) : b.length)] = v;
    } else if (m.kind === 'u32') {
      if (m.at + 4 <= b.length) new DataView(b.buffer).setUint32(m.at, m.value, true);
    } else {
      const at = m.at % (b.length + 1);
      b = Uint8Array.from([...b.subarray(0, at), ...m.insert, ...b.subarray(Math.min(b.length, at + m.remove))]);
    }
  }
  return b;
}

function checkAudio(a: unknown): void {
  const audio = a as { sampleRate: number; channels: Float32Array[] };
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate <= 0)
    throw new Error(`bad sampleRate ${audio.sampleRate}`);
  if (!Array.isArray(audio.channels) || audio.channels.length === 0) throw new Error('no channels');
  const n = audio.channels[0].length;
  if (n === 0) throw new Error('zero-length audio resolved');
  for (const ch of audio.channels) {
    if (!(ch instanceof Float32Array) || ch.length !== n) throw new Error('ragged or non-Float32Array channels');
    for (let i = 0; i < n; i++) if (!Number.isFinite(ch[i])) throw new Error(`non-finite sample ${ch[i]}`);
  }
}

let index = 0;
let resolved = 0;
let rejected = 0;
const reasons = new Map<string, number>();

fc.assert(
  fc.asyncProperty(
    // 30% of cases start from FLAC: each one that reaches the WASM decoder costs ~5-10 ms (the decoder
    // re-instantiates per file), against ~0.1 ms for WAV, and the test must stay well under a minute.
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...flacIdx) },
      { weight: 7, arbitrary: fc.constantFrom(...wavIdx) },
    ),
    fc.array(mutation, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    async (s, muts, mono) => {
      const bytes = apply(seeds[s].bytes, muts);
      port.postMessage({ type: 'start', index: index++, seed: seeds[s].name, bytes });
      try {
        checkAudio(await decodeAudio(bytes, { name: 'fuzz', mono }));
        resolved++;
      } catch (e) {
        if (!(e instanceof SpecmorphError))
          throw new Error(`${seeds[s].name}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? e}`);
        rejected++;
        const reason = e.message
          .replace(/^fuzz: /, '')
          .replace(/\d+/g, 'N')
          .slice(0, 60);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    },
  ),
  { numRuns, seed, endOnFailure: true },
).then(
  () =>
    port.postMessage({
      type: 'done',
      cases: index,
      resolved,
      rejected,
      reasons: [...reasons].sort((a, b) => b[1] - a[1]),
    }),
  (e: Error) => port.postMessage({ type: 'fail', message: e.message }),
);
