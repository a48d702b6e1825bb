import { ComplexGrid } from '../grid/grid';
import { FrameAnalyser } from './analyser';
import { checkSignal, frameCount, resolveStft, StftOptions } from './options';

/**
 * Short-time Fourier transform, as `librosa.stft(x, n_fft, hop_length, win_length, window, center, pad_mode)`.
 *
 * Input: mono signal `x` (any unit). Output: ComplexGrid of rows = floor(nFft/2)+1 frequency bins
 * (bin r is r * sampleRate / nFft Hz) by cols = frames; value (r, t) is at index r * cols + t of `re`/`im`.
 * Frame t starts at sample t*hopLength of the (centre-padded, when `center`) signal; frames as librosa:
 * `1 + floor(len / hop)` when centred (even nFft), `1 + floor((len - nFft) / hop)` otherwise.
 *
 * Notes: unscaled forward DFT `X[k] = sum x[m] e^{-2 pi i k m / nFft}` over the frame (numpy/librosa
 * phase convention, frame start at m = 0); periodic window zero-padded centrally to nFft (librosa, not
 * torch's left-aligned `window` argument semantics — torch also centres, so both agree); default padMode
 * 'constant' as librosa >= 0.10 (torch.stft defaults to 'reflect').
 */
export function stft(x: Float32Array, opts: StftOptions): ComplexGrid {
  checkSignal(x);
  const cfg = resolveStft(opts);
  const cols = frameCount(x.length, cfg);
  const an = new FrameAnalyser(cfg);
  const rows = an.fft.bins;
  const re = new Float32Array(rows * cols);
  const im = new Float32Array(rows * cols);
  for (let t = 0; t < cols; t++) {
    const spec = an.analyse(x, t);
    for (let r = 0, i = t; r < rows; r++, i += cols) {
      re[i] = spec[2 * r];
      im[i] = spec[2 * r + 1];
    }
  }
  return { rows, cols, re, im };
}
