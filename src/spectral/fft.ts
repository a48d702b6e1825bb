// Real-input FFT plans shared by stft, istft and griffinLim. Internal: not part of the public API.
import FFT from 'fft.js';

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** A complex DFT of one size on interleaved [re, im, ...] arrays; inverse scaled by 1/size (as fft.js). */
interface ComplexPlan {
  transform(out: Float64Array, data: Float64Array): void;
  inverseTransform(out: Float64Array, data: Float64Array): void;
}

/** Direct O(n^2) DFT, for the tiny sizes where it beats the alternatives. */
class DirectDft implements ComplexPlan {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  constructor(private readonly n: number) {
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
  }
  transform(out: Float64Array, data: Float64Array): void {
    this.run(out, data, -1);
  }
  inverseTransform(out: Float64Array, data: Float64Array): void {
    this.run(out, data, 1);
    for (let i = 0; i < 2 * this.n; i++) out[i] /= this.n;
  }
  private run(out: Float64Array, x: Float64Array, sign: number): void {
    const n = this.n;
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let m = 0; m < n; m++) {
        const j = (k * m) % n;
        const c = this.cos[j];
        const s = sign * this.sin[j];
        re += x[2 * m] * c - x[2 * m + 1] * s;
        im += x[2 * m] * s + x[2 * m + 1] * c;
      }
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  }
}

/**
 * Bluestein's chirp-z: a DFT of any size n as a circular convolution of length M >= 2n-1 (a power of
 * two, through fft.js). X[k] = w[k] * sum_m (x[m] w[m]) conj(w[k-m]), w[k] = exp(-i pi k^2 / n).
 */
class BluesteinDft implements ComplexPlan {
  private readonly big: FFT;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  private readonly kernel: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  constructor(private readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.big = new FFT(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k^2 reduced mod 2n keeps the angle accurate for large k
      const ang = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(ang);
      this.chirpIm[k] = -Math.sin(ang);
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
    this.a = new Float64Array(2 * m);
    this.b = new Float64Array(2 * m);
  }
  transform(out: Float64Array, data: Float64Array): void {
    this.run(out, data, false);
  }
  // inverse DFT = conj(DFT(conj(x))) / n
  inverseTransform(out: Float64Array, data: Float64Array): void {
    this.run(out, data, true);
    const n = this.n;
    for (let i = 0; i < n; i++) {
      out[2 * i] /= n;
      out[2 * i + 1] /= -n;
    }
  }
  private run(out: Float64Array, x: Float64Array, conjIn: boolean): void {
    const n = this.n;
    const a = this.a;
    const t = this.b;
    const cr = this.chirpRe;
    const ci = this.chirpIm;
    const sgn = conjIn ? -1 : 1;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = x[2 * k];
      const xi = sgn * x[2 * k + 1];
      a[2 * k] = xr * cr[k] - xi * ci[k];
      a[2 * k + 1] = xr * ci[k] + xi * cr[k];
    }
    this.big.transform(t, a);
    const kern = this.kernel;
    for (let i = 0; i < t.length; i += 2) {
      const r = t[i] * kern[i] - t[i + 1] * kern[i + 1];
      const im = t[i] * kern[i + 1] + t[i + 1] * kern[i];
      t[i] = r;
      t[i + 1] = im;
    }
    this.big.inverseTransform(a, t);
    for (let k = 0; k < n; k++) {
      const yr = a[2 * k];
      const yi = a[2 * k + 1];
      out[2 * k] = yr * cr[k] - yi * ci[k];
      out[2 * k + 1] = yr * ci[k] + yi * cr[k];
    }
  }
}

/** kissfft's factorisation: radix 4 first, then 2, 3, 5, 7, ... */
function radixFactors(n: number): number[] {
  const f: number[] = [];
  let p = 4;
  while (n > 1) {
    while (n % p !== 0) {
      p = p === 4 ? 2 : p === 2 ? 3 : p + 2;
      if (p * p > n) p = n;
    }
    f.push(p);
    n /= p;
  }
  return f;
}

/**
 * Mixed-radix decimation-in-time DFT (kissfft's recursive scheme with its radix-2/3/4/5 and generic
 * butterflies) for sizes whose prime factors are all small, so that e.g. nFft = 400 (2^4 5^2) costs
 * about what a power of two of similar size does instead of Bluestein's two transforms of >= 2n points.
 */
class MixedRadixDft implements ComplexPlan {
  private readonly factors: number[];
  private readonly fwdRe: Float64Array;
  private readonly fwdIm: Float64Array;
  private readonly invIm: Float64Array;
  private twIm: Float64Array;
  private readonly scratch: Float64Array;
  constructor(private readonly n: number) {
    this.factors = radixFactors(n);
    this.fwdRe = new Float64Array(n);
    this.fwdIm = new Float64Array(n);
    this.invIm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.fwdRe[i] = Math.cos((2 * Math.PI * i) / n);
      this.fwdIm[i] = -Math.sin((2 * Math.PI * i) / n);
      this.invIm[i] = -this.fwdIm[i];
    }
    this.twIm = this.fwdIm;
    this.scratch = new Float64Array(2 * Math.max(...this.factors));
  }
  transform(out: Float64Array, data: Float64Array): void {
    this.twIm = this.fwdIm;
    this.work(out, 0, data, 0, 1, 0, this.n);
  }
  inverseTransform(out: Float64Array, data: Float64Array): void {
    this.twIm = this.invIm;
    this.work(out, 0, data, 0, 1, 0, this.n);
    const s = 1 / this.n;
    for (let i = 0; i < 2 * this.n; i++) out[i] *= s;
  }
  // out[o ..] (complex index) = DFT of the len points data[i], data[i + fstride], ...
  private work(
    out: Float64Array,
    o: number,
    data: Float64Array,
    i: number,
    fstride: number,
    fi: number,
    len: number,
  ): void {
    const p = this.factors[fi];
    const m = len / p;
    if (m === 1) {
      for (let j = 0; j < p; j++) {
        out[2 * (o + j)] = data[2 * (i + j * fstride)];
        out[2 * (o + j) + 1] = data[2 * (i + j * fstride) + 1];
      }
    } else {
      for (let j = 0; j < p; j++) this.work(out, o + j * m, data, i + j * fstride, fstride * p, fi + 1, m);
    }
    if (p === 4) this.bfly4(out, o, fstride, m);
    else if (p === 2) this.bfly2(out, o, fstride, m);
    else if (p === 3) this.bfly3(out, o, fstride, m);
    else if (p === 5) this.bfly5(out, o, fstride, m);
    else this.bflyGeneric(out, o, fstride, m, p);
  }
  private bfly2(f: Float64Array, o: number, fstride: number, m: number): void {
    const wr = this.fwdRe;
    const wi = this.twIm;
    for (let u = 0; u < m; u++) {
      const a = 2 * (o + u);
      const b = 2 * (o + u + m);
      const tw = u * fstride;
      const tr = f[b] * wr[tw] - f[b + 1] * wi[tw];
      const ti = f[b] * wi[tw] + f[b + 1] * wr[tw];
      f[b] = f[a] - tr;
      f[b + 1] = f[a + 1] - ti;
      f[a] += tr;
      f[a + 1] += ti;
    }
  }
  private bfly4(f: Float64Array, o: number, fstride: number, m: number): void {
    const wr = this.fwdRe;
    const wi = this.twIm;
    const inv = wi === this.invIm;
    for (let u = 0; u < m; u++) {
      const i0 = 2 * (o + u);
      const i1 = i0 + 2 * m;
      const i2 = i1 + 2 * m;
      const i3 = i2 + 2 * m;
      const t1 = u * fstride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const s0r = f[i1] * wr[t1] - f[i1 + 1] * wi[t1];
      const s0i = f[i1] * wi[t1] + f[i1 + 1] * wr[t1];
      const s1r = f[i2] * wr[t2] - f[i2 + 1] * wi[t2];
      const s1i = f[i2] * wi[t2] + f[i2 + 1] * wr[t2];
      const s2r = f[i3] * wr[t3] - f[i3 + 1] * wi[t3];
      const s2i = f[i3] * wi[t3] + f[i3 + 1] * wr[t3];
      const s5r = f[i0] - s1r;
      const s5i = f[i0 + 1] - s1i;
      const ar = f[i0] + s1r;
      const ai = f[i0 + 1] + s1i;
      const s3r = s0r + s2r;
      const s3i = s0i + s2i;
      const s4r = s0r - s2r;
      const s4i = s0i - s2i;
      f[i2] = ar - s3r;
      f[i2 + 1] = ai - s3i;
      f[i0] = ar + s3r;
      f[i0 + 1] = ai + s3i;
      if (inv) {
        f[i1] = s5r - s4i;
        f[i1 + 1] = s5i + s4r;
        f[i3] = s5r + s4i;
        f[i3 + 1] = s5i - s4r;
      } else {
        f[i1] = s5r + s4i;
        f[i1 + 1] = s5i - s4r;
        f[i3] = s5r - s4i;
        f[i3 + 1] = s5i + s4r;
      }
    }
  }
  private bfly3(f: Float64Array, o: number, fstride: number, m: number): void {
    const wr = this.fwdRe;
    const wi = this.twIm;
    const epi3i = wi[fstride * m];
    for (let u = 0; u < m; u++) {
      const i0 = 2 * (o + u);
      const i1 = i0 + 2 * m;
      const i2 = i1 + 2 * m;
      const t1 = u * fstride;
      const t2 = 2 * t1;
      const s1r = f[i1] * wr[t1] - f[i1 + 1] * wi[t1];
      const s1i = f[i1] * wi[t1] + f[i1 + 1] * wr[t1];
      const s2r = f[i2] * wr[t2] - f[i2 + 1] * wi[t2];
      const s2i = f[i2] * wi[t2] + f[i2 + 1] * wr[t2];
      const s3r = s1r + s2r;
      const s3i = s1i + s2i;
      const s0r = (s1r - s2r) * epi3i;
      const s0i = (s1i - s2i) * epi3i;
      const mr = f[i0] - 0.5 * s3r;
      const mi = f[i0 + 1] - 0.5 * s3i;
      f[i0] += s3r;
      f[i0 + 1] += s3i;
      f[i2] = mr + s0i;
      f[i2 + 1] = mi - s0r;
      f[i1] = mr - s0i;
      f[i1 + 1] = mi + s0r;
    }
  }
  private bfly5(f: Float64Array, o: number, fstride: number, m: number): void {
    const wr = this.fwdRe;
    const wi = this.twIm;
    const yar = wr[fstride * m];
    const yai = wi[fstride * m];
    const ybr = wr[2 * fstride * m];
    const ybi = wi[2 * fstride * m];
    for (let u = 0; u < m; u++) {
      const i0 = 2 * (o + u);
      const i1 = i0 + 2 * m;
      const i2 = i1 + 2 * m;
      const i3 = i2 + 2 * m;
      const i4 = i3 + 2 * m;
      const t1 = u * fstride;
      const t2 = 2 * t1;
      const t3 = 3 * t1;
      const t4 = 4 * t1;
      const s0r = f[i0];
      const s0i = f[i0 + 1];
      const s1r = f[i1] * wr[t1] - f[i1 + 1] * wi[t1];
      const s1i = f[i1] * wi[t1] + f[i1 + 1] * wr[t1];
      const s2r = f[i2] * wr[t2] - f[i2 + 1] * wi[t2];
      const s2i = f[i2] * wi[t2] + f[i2 + 1] * wr[t2];
      const s3r = f[i3] * wr[t3] - f[i3 + 1] * wi[t3];
      const s3i = f[i3] * wi[t3] + f[i3 + 1] * wr[t3];
      const s4r = f[i4] * wr[t4] - f[i4 + 1] * wi[t4];
      const s4i = f[i4] * wi[t4] + f[i4 + 1] * wr[t4];
      const s7r = s1r + s4r;
      const s7i = s1i + s4i;
      const s10r = s1r - s4r;
      const s10i = s1i - s4i;
      const s8r = s2r + s3r;
      const s8i = s2i + s3i;
      const s9r = s2r - s3r;
      const s9i = s2i - s3i;
      f[i0] = s0r + s7r + s8r;
      f[i0 + 1] = s0i + s7i + s8i;
      const s5r = s0r + s7r * yar + s8r * ybr;
      const s5i = s0i + s7i * yar + s8i * ybr;
      const s6r = s10i * yai + s9i * ybi;
      const s6i = -s10r * yai - s9r * ybi;
      f[i1] = s5r - s6r;
      f[i1 + 1] = s5i - s6i;
      f[i4] = s5r + s6r;
      f[i4 + 1] = s5i + s6i;
      const s11r = s0r + s7r * ybr + s8r * yar;
      const s11i = s0i + s7i * ybr + s8i * yar;
      const s12r = -s10i * ybi + s9i * yai;
      const s12i = s10r * ybi - s9r * yai;
      f[i2] = s11r + s12r;
      f[i2 + 1] = s11i + s12i;
      f[i3] = s11r - s12r;
      f[i3 + 1] = s11i - s12i;
    }
  }
  private bflyGeneric(f: Float64Array, o: number, fstride: number, m: number, p: number): void {
    const n = this.n;
    const wr = this.fwdRe;
    const wi = this.twIm;
    const sc = this.scratch;
    for (let u = 0; u < m; u++) {
      for (let q = 0, k = u; q < p; q++, k += m) {
        sc[2 * q] = f[2 * (o + k)];
        sc[2 * q + 1] = f[2 * (o + k) + 1];
      }
      for (let q1 = 0, k = u; q1 < p; q1++, k += m) {
        let re = sc[0];
        let im = sc[1];
        let tw = 0;
        const step = fstride * k;
        for (let q = 1; q < p; q++) {
          tw += step;
          if (tw >= n) tw -= n;
          const xr = sc[2 * q];
          const xi = sc[2 * q + 1];
          re += xr * wr[tw] - xi * wi[tw];
          im += xr * wi[tw] + xi * wr[tw];
        }
        f[2 * (o + k)] = re;
        f[2 * (o + k) + 1] = im;
      }
    }
  }
}

function complexPlan(n: number): ComplexPlan {
  if (isPowerOfTwo(n) && n >= 2) return new FFT(n) as unknown as ComplexPlan;
  if (n <= 16) return new DirectDft(n);
  // small prime factors: mixed radix; a large prime factor would make it O(n * p), so chirp-z instead
  return Math.max(...radixFactors(n)) <= 13 ? new MixedRadixDft(n) : new BluesteinDft(n);
}

/**
 * Forward and inverse real DFT of one size, with every buffer allocated once so that per-frame calls
 * allocate nothing.
 *
 * Spectra are interleaved `[re0, im0, re1, im1, ...]` over the `bins = floor(n/2)+1` non-negative
 * frequencies. Conventions are numpy's: forward `X[k] = sum x[m] e^{-2 pi i k m / n}` (no scaling),
 * inverse scaled by 1/n and ignoring the imaginary parts of DC and (even n) Nyquist, as `numpy.fft.irfft`.
 *
 * Even n runs as one complex DFT of n/2 points on the samples paired as x[2m] + i x[2m+1], plus a
 * split step; that DFT is fft.js for powers of two, a mixed-radix DFT when every prime factor is <= 13
 * (400 = 2^4 5^2, 1000, 320...), and Bluestein's chirp-z through fft.js otherwise (several times slower).
 * Odd n runs as a complex DFT of n points.
 */
export class RealFft {
  readonly n: number;
  readonly bins: number;
  private readonly packed: boolean;
  private readonly plan: ComplexPlan;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly z: Float64Array;
  private readonly w: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.bins = Math.floor(n / 2) + 1;
    this.packed = n % 2 === 0 && n >= 4;
    if (this.packed) {
      const h = n / 2;
      this.plan = complexPlan(h);
      this.z = new Float64Array(n);
      this.w = new Float64Array(n);
      this.cos = new Float64Array(h + 1);
      this.sin = new Float64Array(h + 1);
      for (let k = 0; k <= h; k++) {
        this.cos[k] = Math.cos((2 * Math.PI * k) / n);
        this.sin[k] = Math.sin((2 * Math.PI * k) / n);
      }
    } else {
      this.plan = complexPlan(n);
      this.z = new Float64Array(2 * n);
      this.w = new Float64Array(2 * n);
      this.cos = new Float64Array(0);
      this.sin = new Float64Array(0);
    }
  }

  /** Spectrum of the real frame `x` (length n) into `out` (length 2*bins). */
  forward(x: Float64Array, out: Float64Array): void {
    if (!this.packed) {
      const w = this.w;
      for (let m = 0; m < this.n; m++) {
        w[2 * m] = x[m];
        w[2 * m + 1] = 0;
      }
      this.plan.transform(this.z, w);
      out.set(this.z.subarray(0, 2 * this.bins));
      return;
    }
    // x read as n/2 complex samples z[m] = x[2m] + i x[2m+1]; Z = DFT(z) splits into the spectra of the
    // even and odd samples E, O, recombined with one twiddle per bin: X[k] = E[k] + e^{-2 pi i k/n} O[k].
    // Bins k and h-k share E and O (up to conjugation and the twiddle's symmetry), so each pair costs
    // one complex multiply.
    const h = this.n / 2;
    const z = this.z;
    this.plan.transform(z, x);
    const cos = this.cos;
    const sin = this.sin;
    out[0] = z[0] + z[1];
    out[1] = 0;
    out[2 * h] = z[0] - z[1];
    out[2 * h + 1] = 0;
    for (let k = 1, j = h - 1; k <= j; k++, j--) {
      const ar = z[2 * k];
      const ai = z[2 * k + 1];
      const br = z[2 * j];
      const bi = z[2 * j + 1];
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = -0.5 * (ar - br);
      const p = cos[k] * or + sin[k] * oi;
      const q = cos[k] * oi - sin[k] * or;
      out[2 * k] = er + p;
      out[2 * k + 1] = ei + q;
      out[2 * j] = er - p;
      out[2 * j + 1] = q - ei;
    }
  }

  /**
   * |X[k]|^2 of the real frame `x` into `out[o .. o + bins)`: the forward transform fused with the
   * squared modulus, so the complex spectrum is never stored (the spectrogram / mel hot path).
   */
  forwardPower(x: Float64Array, out: Float64Array, o: number): void {
    if (!this.packed) {
      const spec = this.w;
      this.forward(x, spec);
      for (let k = 0; k < this.bins; k++) out[o + k] = spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1];
      return;
    }
    const h = this.n / 2;
    const z = this.z;
    this.plan.transform(z, x);
    const cos = this.cos;
    const sin = this.sin;
    const dc = z[0] + z[1];
    const ny = z[0] - z[1];
    out[o] = dc * dc;
    out[o + h] = ny * ny;
    for (let k = 1, j = h - 1; k <= j; k++, j--) {
      const ar = z[2 * k];
      const ai = z[2 * k + 1];
      const br = z[2 * j];
      const bi = z[2 * j + 1];
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = -0.5 * (ar - br);
      const p = cos[k] * or + sin[k] * oi;
      const q = cos[k] * oi - sin[k] * or;
      const xr = er + p;
      const xi = ei + q;
      const yr = er - p;
      const yi = q - ei;
      out[o + k] = xr * xr + xi * xi;
      out[o + j] = yr * yr + yi * yi;
    }
  }

  /** Real frame (length n) whose half spectrum is `spec` (length 2*bins), as numpy.fft.irfft(spec, n). */
  inverse(spec: Float64Array, out: Float64Array): void {
    const n = this.n;
    if (!this.packed) {
      // Hermitian completion; the DC imaginary part is dropped as numpy does
      const w = this.w;
      for (let k = 0; k < n; k++) {
        if (k < this.bins) {
          w[2 * k] = spec[2 * k];
          w[2 * k + 1] = k === 0 ? 0 : spec[2 * k + 1];
        } else {
          w[2 * k] = spec[2 * (n - k)];
          w[2 * k + 1] = -spec[2 * (n - k) + 1];
        }
      }
      this.plan.inverseTransform(this.z, w);
      for (let m = 0; m < n; m++) out[m] = this.z[2 * m];
      return;
    }
    const h = n / 2;
    const z = this.w;
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
    this.plan.inverseTransform(out, z);
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
