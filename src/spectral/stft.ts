import { checkOptionNames } from '../errors';
import { ComplexGrid } from '../grid/grid';
import { FrameAnalyser } from './analyser';
import {
  assertOutputFits,
  frameCount,
  resolveStft,
  signalSamples,
  type Signal,
  STFT_OPTIONS,
  type StftOptions,
} from './options';
import { storeTile, TILE } from './spectrogram';

/**
 * Short-time Fourier transform, as `librosa.stft(x, n_fft, hop_length, win_length, window, center, pad_mode)`.
 *
 * Input: mono signal `x` (any unit), or an Audio (mixed down to mono). Defaults as librosa: nFft
 * 2048, winLength nFft, hopLength winLength / 4. Output: ComplexGrid of rows = floor(nFft/2)+1 frequency bins
 * (bin r is r * sampleRate / nFft Hz) by cols = frames; value (r, t) is at index r * cols + t of `re`/`im`.
 * Frame t starts at sample t*hopLength of the (centre-padded, when `center`) signal; frames as librosa:
 * `1 + floor(len / hop)` when centred (even nFft), `1 + floor((len - nFft) / hop)` otherwise.
 *
 * Notes: unscaled forward DFT `X[k] = sum x[m] e^{-2 pi i k m / nFft}` over the frame (numpy/librosa
 * phase convention, frame start at m = 0); periodic window zero-padded centrally to nFft (librosa and
 * torch.stft agree here); padMode defaults to 'constant' as librosa >= 0.10 (torch.stft and librosa
 * < 0.10 default to 'reflect'). Any nFft works (powers of two are fastest).
 */
export function stft(signal: Signal, opts: StftOptions = {}): ComplexGrid {
  checkOptionNames(opts, STFT_OPTIONS, 'stft');
  const x = signalSamples(signal);
  const cfg = resolveStft(opts);
  const cols = frameCount(x.length, cfg);
  const an = new FrameAnalyser(cfg);
  const rows = an.fft.bins;
  assertOutputFits(rows, cols, 8, cfg, x.length);
  const re = new Float32Array(rows * cols);
  const im = new Float32Array(rows * cols);
  const tileRe = new Float64Array(TILE * rows);
  const tileIm = new Float64Array(TILE * rows);
  for (let b = 0; b < cols; b += TILE) {
    const nb = Math.min(TILE, cols - b);
    for (let k = 0; k < nb; k++) {
      const spec = an.analyse(x, b + k);
      for (let r = 0, o = k * rows; r < rows; r++) {
        tileRe[o + r] = spec[2 * r];
        tileIm[o + r] = spec[2 * r + 1];
      }
    }
    storeTile(tileRe, nb, rows, re, cols, b);
    storeTile(tileIm, nb, rows, im, cols, b);
  }
  return { rows, cols, re, im };
}
