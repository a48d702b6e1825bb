import type { Audio } from '../../audio/types';
import { toMono } from '../../audio/mono';
import { resample } from '../../audio/resample';
import { assert } from '../../errors';
import { assertMemory } from '../../memory';
import { fixLength, lpcResidual, normaliseLoudness, preEmphasis, trimSilence } from '../audioPrep';
import { num, oneOf, params, posInt } from '../schema';
import { audioOp } from './op';

function mapChannels(a: Audio, f: (x: Float32Array) => Float32Array, sampleRate = a.sampleRate): Audio {
  return { sampleRate, channels: a.channels.map(f) };
}

/** Audio-domain ops (Audio -> Audio), run before the spectral stage. */
export const AUDIO_OPS = {
  /** Mean of the channels (librosa `to_mono`). */
  mono: audioOp({ schema: params({}), run: (a) => ({ out: toMono(a) }) }),

  /** Band-limited resampling (`resample`) of every channel. */
  resample: audioOp({
    schema: params({
      /** Target rate, Hz. @default 16000 (ASVspoof) */
      sampleRate: posInt(16000),
    }),
    run(a, s) {
      assert(Number.isInteger(a.sampleRate), () => `audio.sampleRate=${a.sampleRate} must be an integer to resample`);
      return {
        out: mapChannels(a, (x) => resample(x, a.sampleRate, s.sampleRate), s.sampleRate),
        extra: { fromRate: a.sampleRate },
      };
    },
  }),

  /**
   * Cut leading and trailing silence, as `librosa.effects.trim` (see `trimSilence`). On ASVspoof 2019
   * LA the leading-silence length alone separates many spoofed from bona fide files (Müller et al.
   * 2021); trim to make a model look at speech instead of that shortcut.
   */
  trimSilence: audioOp({
    schema: params({
      /** Frames whose RMS is more than this many dB below the loudest frame are silent. @default 60 */
      topDb: num(60, (x) => x > 0, 'must be a finite number > 0'),
      /** Analysis frame, samples (centred frames). @default 2048 */
      frameLength: posInt(2048),
      /** Frame hop, samples. @default 512 */
      hopLength: posInt(512),
    }),
    run(a, s) {
      // Bounds come from the channel mean, so every channel is cut at the same samples.
      const mix = a.channels.length > 1 ? toMono(a).channels[0] : a.channels[0];
      const { start, end } = trimSilence(mix, s);
      if (end <= start) return { out: a, extra: { start: 0, end: mix.length } };
      return { out: mapChannels(a, (x) => x.slice(start, end)), extra: { start, end } };
    },
  }),

  /** Scale every channel to a target level (`normaliseLoudness`: RMS or peak dBFS, not EBU R128 loudness). */
  normaliseLoudness: audioOp({
    schema: params({
      /** Target level, dBFS. @default -20 */
      targetDb: num(-20, (x) => x <= 0, 'must be a finite number <= 0 (dBFS)'),
      /** `'rms'` (root mean square) or `'peak'`. @default 'rms' */
      method: oneOf('rms', ['rms', 'peak']),
    }),
    run: (a, s) => ({ out: mapChannels(a, (x) => normaliseLoudness(x, s)) }),
  }),

  /** `y[n] = x[n] - coef * x[n-1]`, `y[0] = x[0]` (`preEmphasis`). */
  preEmphasis: audioOp({
    schema: params({
      /** @default 0.97 */
      coef: num(0.97, (x) => x >= 0 && x < 1, 'must be in [0, 1)'),
    }),
    run: (a, s) => ({ out: mapChannels(a, (x) => preEmphasis(x, s.coef)) }),
  }),

  /** Linear-prediction residual (the excitation: `lpcResidual`), frames at 50 % overlap. */
  lpcResidual: audioOp({
    schema: params({
      /** Prediction order. @default 16 */
      order: posInt(16),
      /** Analysis frame, samples. @default 400 */
      frameLength: posInt(400),
    }),
    run: (a, s) => ({ out: mapChannels(a, (x) => lpcResidual(x, s)) }),
  }),

  /**
   * Fixed length `round(seconds * sampleRate)` (`fixLength`): longer clips are cut, shorter ones padded
   * by repeating the clip (as the ASVspoof 2021 baselines) or with zeros.
   */
  crop: audioOp({
    schema: params({
      /** Length, seconds. @default 4 */
      seconds: num(4, (x) => x > 0, 'must be a finite number > 0'),
      /** Which part of a longer clip to keep: `'start'` or `'centre'`. @default 'start' */
      position: oneOf('start', ['start', 'centre']),
      /** How to lengthen a shorter clip: `'repeat'` (tile it) or `'zeros'`. @default 'repeat' */
      pad: oneOf('repeat', ['repeat', 'zeros']),
    }),
    run(a, s) {
      const samples = Math.max(1, Math.round(s.seconds * a.sampleRate));
      assertMemory(
        samples * 4 * a.channels.length,
        () => `seconds=${s.seconds} (${samples} samples at ${a.sampleRate} Hz)`,
      );
      return {
        out: mapChannels(a, (x) => fixLength(x, samples, { position: s.position, pad: s.pad })),
        extra: { samples },
      };
    },
  }),
};
