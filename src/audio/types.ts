/** Decoded audio: one Float32Array per channel, samples in [-1, 1]; `channels[0]` always exists. */
export interface Audio {
  sampleRate: number;
  channels: Float32Array[];
}
