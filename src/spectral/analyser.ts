// The framing + windowing + FFT kernel shared by stft, spectrogram, melSpectrogram and their block-wise
// forms. Internal: not part of the public API.
import { RealFft, realFft } from './fft';
import { ResolvedStft } from './options';

/**
 * Computes the spectrum of one analysis frame at a time into a reused buffer. Frame t covers samples
 * `t*hop - off .. t*hop - off + nFft - 1` of the signal (off = floor(nFft/2) when centred, else 0);
 * samples outside the signal come from the pad mode. Only the non-zero span of the (centrally
 * zero-padded) window is read, so a short window inside a long FFT costs only its own length.
 */
export class FrameAnalyser {
  readonly cfg: ResolvedStft;
  readonly fft: RealFft;
  /** Interleaved spectrum of the last analysed frame, length 2 * (floor(nFft/2) + 1). */
  readonly spectrum: Float64Array;
  private readonly frame: Float64Array;
  readonly offset: number;

  constructor(cfg: ResolvedStft) {
    this.cfg = cfg;
    this.fft = realFft(cfg.nFft);
    this.spectrum = new Float64Array(2 * this.fft.bins);
    this.frame = new Float64Array(cfg.nFft);
    this.offset = cfg.center ? Math.floor(cfg.nFft / 2) : 0;
  }

  /**
   * Analyses frame t of `x`. `base` is the index in the whole signal of x[0], `total` the length of the
   * whole signal (block-wise callers pass a slice of it); the slice must hold every in-signal sample the
   * frame needs.
   */
  analyse(x: Float32Array, t: number, base = 0, total = x.length): Float64Array {
    const { hopLength, winStart, winEnd, window } = this.cfg;
    const frame = this.frame;
    const s = t * hopLength - this.offset; // whole-signal index of frame sample 0
    const lo = s + winStart;
    const hi = s + winEnd;
    if (lo >= 0 && hi <= total) {
      const d = s - base;
      for (let j = winStart; j < winEnd; j++) frame[j] = x[d + j] * window[j];
    } else {
      const reflect = this.cfg.padMode === 'reflect';
      const period = 2 * (total - 1);
      for (let j = winStart; j < winEnd; j++) {
        let i = s + j;
        if (i < 0 || i >= total) {
          if (!reflect) {
            frame[j] = 0;
            continue;
          }
          // numpy 'reflect' (repeated mirroring when the pad is longer than the signal).
          if (period === 0) i = 0;
          else {
            i = ((i % period) + period) % period;
            if (i >= total) i = period - i;
          }
        }
        frame[j] = x[i - base] * window[j];
      }
    }
    this.fft.forward(frame, this.spectrum);
    return this.spectrum;
  }
}
