import type { Audio } from '../audio/types';

/**
 * 16-bit PCM RIFF/WAVE bytes of `audio` (all channels interleaved), samples clipped to [-1, 1].
 * Private to the notebook player; the audio module's `encodeWav` is the public encoder.
 */
export function wav16(audio: Audio): Uint8Array {
  const ch = audio.channels;
  const n = ch[0].length;
  const bytes = new Uint8Array(44 + n * ch.length * 2);
  const dv = new DataView(bytes.buffer);
  const str = (o: number, s: string): void => [...s].forEach((c, i) => dv.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  dv.setUint32(4, 36 + n * ch.length * 2, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, ch.length, true);
  dv.setUint32(24, audio.sampleRate, true);
  dv.setUint32(28, audio.sampleRate * ch.length * 2, true);
  dv.setUint16(32, ch.length * 2, true);
  dv.setUint16(34, 16, true);
  str(36, 'data');
  dv.setUint32(40, n * ch.length * 2, true);
  let o = 44;
  for (let i = 0; i < n; i++) {
    for (const c of ch) {
      const v = Math.max(-1, Math.min(1, c[i]));
      dv.setInt16(o, Math.round(v < 0 ? v * 32768 : v * 32767), true);
      o += 2;
    }
  }
  return bytes;
}
