import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealFft } from '../../src/spectral/fft';
import { Random } from '../../src/random';

// Every code path of the internal real FFT (fft.js packed, mixed radix 2/3/4/5/generic, Bluestein,
// direct) against a naive DFT, forward and inverse (numpy.fft.rfft / irfft conventions).
const SIZES = [
  1, 2, 3, 4, 5, 7, 8, 16, 30, 33, 34, 36, 40, 50, 54, 64, 70, 98, 100, 101, 126, 162, 243, 286, 400, 512, 1000, 1001,
];
for (const n of SIZES) {
  test(`RealFft n=${n}: forward = naive DFT, inverse recovers the frame (ignores DC/Nyquist imaginary)`, () => {
    const r = new Random(n);
    const f = new RealFft(n);
    const x = new Float64Array(n).map(() => r.next() - 0.5);
    const out = new Float64Array(2 * f.bins);
    f.forward(x, out);
    let err = 0;
    for (let k = 0; k < f.bins; k++) {
      let re = 0;
      let im = 0;
      for (let m = 0; m < n; m++) {
        const a = (2 * Math.PI * ((k * m) % n)) / n;
        re += x[m] * Math.cos(a);
        im -= x[m] * Math.sin(a);
      }
      err = Math.max(err, Math.abs(re - out[2 * k]), Math.abs(im - out[2 * k + 1]));
    }
    assert.ok(err < 1e-11, `forward error ${err}`);
    out[1] = 5;
    if (n % 2 === 0) out[2 * f.bins - 1] = -3;
    const back = new Float64Array(n);
    f.inverse(out, back);
    let e2 = 0;
    for (let m = 0; m < n; m++) e2 = Math.max(e2, Math.abs(back[m] - x[m]));
    assert.ok(e2 < 1e-12, `inverse error ${e2}`);
  });
}
