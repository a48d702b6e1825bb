import { assert } from '../errors';
import type { Audio } from './types';

/**
 * Mixes all channels down to one: sample i is the mean of the channels' samples i.
 *
 * Input: {@link Audio} with channels of equal length. Output: Audio with one channel, same rate.
 *
 * Notes: the plain mean, as librosa.to_mono and torchaudio's mean(dim=0) (no -3 dB pan law).
 */
export function toMono(audio: Audio): Audio {
  const { channels } = audio;
  assert(channels.length > 0, () => 'audio.channels is empty (channels[0] must exist)');
  const n = channels[0].length;
  for (let c = 1; c < channels.length; c++) {
    assert(
      channels[c].length === n,
      () => `audio.channels[${c}].length=${channels[c].length} differs from channels[0].length=${n}`,
    );
  }
  if (channels.length === 1) return { sampleRate: audio.sampleRate, channels: [Float32Array.from(channels[0])] };
  // Accumulate in float64 so that the mean does not depend on channel order.
  const acc = new Float64Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) acc[i] += ch[i];
  const out = new Float32Array(n);
  const k = channels.length;
  for (let i = 0; i < n; i++) out[i] = acc[i] / k;
  return { sampleRate: audio.sampleRate, channels: [out] };
}
