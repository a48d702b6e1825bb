// Real-input FFT plans shared by stft, istft and griffinLim. Internal: not part of the public API.
import FFT from 'fft.js';

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * Forward and inverse real DFT of one size, with every buffer allocated once so that per-frame calls
 * allocate nothing.
 *
 * Spectra are interleaved `[re0, im0, re1, im1, ...]` over the `bins = floor(n/2)+1` non-negative
 * frequencies. Conventions are numpy's: forward `X[k] = sum x[m] e^{-2 pi i k m / n}` (no scaling),
 * inverse scaled by 1/n and ignoring the imaginary parts of DC and (even n) Nyquist, as `numpy.fft.irfft`.
 *
 * Sizes: powers of two >= 8 run as one complex FFT of n/2 points (fft.js) plus a split step; other
 * sizes > 32 use Bluestein's chirp-z through a power-of-two fft.js transform; tiny sizes a direct DFT.
 */
export class RealFft {
  readonly n: number;
  readonly bins: number;
  private readonly kind: 'packed' | 'bluestein' | 'direct';
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  // packed
  private half?: FFT;
  private z?: Float64Array;
  private zi?: Float64Array;
  // bluestein
  private big?: FFT;
  private chirpRe?: Float64Array;
  private chirpIm?: Float64Array;
  private kernel?: Float64Array;
  private ba?: Float64Array;
  private bb?: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.bins = Math.floor(n / 2) + 1;
    if (isPowerOfTwo(n) && n >= 8) {
      this.kind = 'packed';
      this.half = new FFT(n / 2);
      this.z = new Float64Array(n);
      this.zi = new Float64Array(n);
      this.cos = new Float64Array(n / 2 + 1);
      this.sin = new Float64Array(n / 2 + 1);
      for (let k = 0; k <= n / 2; k++) {
        this.cos[k] = Math.cos((2 * Math.PI * k) / n);
        this.sin[k] = Math.sin((2 * Math.PI * k) / n);
      }
    } else if (n > 32) {
      this.kind = 'bluestein';
      let m = 1;
      while (m < 2 * n - 1) m *= 2;
      this.big = new FFT(m);
      // chirp w[k] = exp(-i pi k^2 / n); k^2 reduced mod 2n keeps the angle accurate for large k.
      this.chirpRe = new Float64Array(n);
      this.chirpIm = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const a = (Math.PI * ((k * k) % (2 * n))) / n;
        this.chirpRe[k] = Math.cos(a);
        this.chirpIm[k] = -Math.sin(a);
      }
      const b = new Float64Array(2 * m);
      for (let k = 0; k < n; k++) {
        b[2 * k] = this.chirpRe[k];
        b[2 * k + 1] = -this.chirpIm[k];
        if (k > 0) {
          b[2 * (m - k)] = this.chirpRe[k];
          b[2 * (m - k) + 1] = -this.chirpIm[k];
        }
      }
      this.kernel = new Float64Array(2 * m);
      this.big.transform(this.kernel, b);
      this.ba = new Float64Array(2 * m);
      this.bb = new Float64Array(2 * m);
      this.cos = new Float64Array(0);
      this.sin = new Float64Array(0);
    } else {
      this.kind = 'direct';
      this.cos = new Float64Array(n);
      this.sin = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        this.cos[k] = Math.cos((2 * Math.PI * k) / n);
        this.sin[k] = Math.sin((2 * Math.PI * k) / n);
      }
    }
  }

  /** Spectrum of the real frame `x` (length n) into `out` (length 2*bins). */
  forward(x: Float64Array, out: Float64Array): void {
    if (this.kind === 'packed') this.forwardPacked(x, out);
    else if (this.kind === 'bluestein') this.forwardBluestein(x, out);
    else this.forwardDirect(x, out);
  }

  /** Real frame (length n) whose half spectrum is `spec` (length 2*bins), as numpy.fft.irfft(spec, n). */
  inverse(spec: Float64Array, out: Float64Array): void {
    if (this.kind === 'packed') this.inversePacked(spec, out);
    else this.inverseGeneric(spec, out);
  }

  private forwardPacked(x: Float64Array, out: Float64Array): void {
    // x read as n/2 complex samples z[m] = x[2m] + i x[2m+1]; Z = FFT(z) splits into the spectra of the
    // even and odd samples, recombined with one twiddle per bin.
    const h = this.n / 2;
    const z = this.z!;
    this.half!.transform(z, x);
    const cos = this.cos;
    const sin = this.sin;
    out[0] = z[0] + z[1];
    out[1] = 0;
    out[2 * h] = z[0] - z[1];
    out[2 * h + 1] = 0;
    for (let k = 1; k < h; k++) {
      const ar = z[2 * k];
      const ai = z[2 * k + 1];
      const br = z[2 * (h - k)];
      const bi = z[2 * (h - k) + 1];
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = -0.5 * (ar - br);
      const c = cos[k];
      const s = sin[k];
      // X[k] = E + e^{-2 pi i k / n} O
      out[2 * k] = er + c * or + s * oi;
      out[2 * k + 1] = ei + c * oi - s * or;
    }
  }

  private inversePacked(spec: Float64Array, out: Float64Array): void {
    const h = this.n / 2;
    const z = this.zi!;
    const cos = this.cos;
    const sin = this.sin;
    // DC and Nyquist imaginary parts are dropped, as numpy.fft.irfft does.
    const x0 = spec[0];
    const xh = spec[2 * h];
    z[0] = 0.5 * (x0 + xh);
    z[1] = 0.5 * (x0 - xh);
    for (let k = 1; k < h; k++) {
      const ar = spec[2 * k];
      const ai = spec[2 * k + 1];
      const br = spec[2 * (h - k)];
      const bi = -spec[2 * (h - k) + 1];
      // E = (X[k] + conj X[h-k]) / 2 ; O = (X[k] - conj X[h-k]) e^{+2 pi i k / n} / 2 ; Z = E + i O
      const er = ar + br;
      const ei = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      const c = cos[k];
      const s = sin[k];
      const or = dr * c - di * s;
      const oi = dr * s + di * c;
      z[2 * k] = 0.5 * (er - oi);
      z[2 * k + 1] = 0.5 * (ei + or);
    }
    this.half!.inverseTransform(out, z);
  }

  private forwardBluestein(x: Float64Array, out: Float64Array): void {
    const n = this.n;
    const a = this.ba!;
    const cr = this.chirpRe!;
    const ci = this.chirpIm!;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      a[2 * k] = x[k] * cr[k];
      a[2 * k + 1] = x[k] * ci[k];
    }
    this.convolveChirp(a);
    const b = this.ba!;
    for (let k = 0; k < this.bins; k++) {
      const yr = b[2 * k];
      const yi = b[2 * k + 1];
      out[2 * k] = yr * cr[k] - yi * ci[k];
      out[2 * k + 1] = yr * ci[k] + yi * cr[k];
    }
  }

  // a <- IFFT(FFT(a) * kernel), in place through bb.
  private convolveChirp(a: Float64Array): void {
    const big = this.big!;
    const t = this.bb!;
    const kern = this.kernel!;
    big.transform(t, a);
    for (let i = 0; i < t.length; i += 2) {
      const r = t[i] * kern[i] - t[i + 1] * kern[i + 1];
      const im = t[i] * kern[i + 1] + t[i + 1] * kern[i];
      t[i] = r;
      t[i + 1] = im;
    }
    big.inverseTransform(a, t);
  }

  private forwardDirect(x: Float64Array, out: Float64Array): void {
    const n = this.n;
    for (let k = 0; k < this.bins; k++) {
      let re = 0;
      let im = 0;
      for (let m = 0; m < n; m++) {
        const j = (k * m) % n;
        re += x[m] * this.cos[j];
        im -= x[m] * this.sin[j];
      }
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  }

  // Inverse for non-packed sizes: x = Re(conj(DFT(conj(X_full)))) / n with the Hermitian-completed X.
  private inverseGeneric(spec: Float64Array, out: Float64Array): void {
    const n = this.n;
    const bins = this.bins;
    const even = n % 2 === 0;
    if (this.kind === 'direct') {
      for (let m = 0; m < n; m++) {
        let acc = spec[0];
        for (let k = 1; k < bins; k++) {
          const j = (k * m) % n;
          if (even && k === bins - 1) acc += spec[2 * k] * this.cos[j];
          else acc += 2 * (spec[2 * k] * this.cos[j] - spec[2 * k + 1] * this.sin[j]);
        }
        out[m] = acc / n;
      }
      return;
    }
    const a = this.ba!;
    const cr = this.chirpRe!;
    const ci = this.chirpIm!;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      let re: number;
      let im: number;
      if (k < bins) {
        re = spec[2 * k];
        im = k === 0 || (even && k === bins - 1) ? 0 : spec[2 * k + 1];
      } else {
        re = spec[2 * (n - k)];
        im = -spec[2 * (n - k) + 1];
      }
      // conj(X[k]) times chirp
      a[2 * k] = re * cr[k] + im * ci[k];
      a[2 * k + 1] = re * ci[k] - im * cr[k];
    }
    this.convolveChirp(a);
    for (let m = 0; m < n; m++) {
      const yr = a[2 * m];
      const yi = a[2 * m + 1];
      out[m] = (yr * cr[m] - yi * ci[m]) / n;
    }
  }
}

const plans = new Map<number, RealFft>();
/** A cached plan for size n (plans are immutable apart from scratch buffers used within one call). */
export function realFft(n: number): RealFft {
  let p = plans.get(n);
  if (!p) {
    p = new RealFft(n);
    plans.set(n, p);
  }
  return p;
}
