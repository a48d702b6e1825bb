/**
 * Helpers for the bundled-corpus checks: a minimal PCM WAV reader, a CSV reader, the "trivial
 * cue" features a lazy classifier could exploit (level, silence, band, DC, peak...), and the best
 * single-threshold accuracy of one feature. Kept free of src/ so the corpus checks do not depend
 * on the audio stage being merged.
 */
import { readFileSync } from 'node:fs';
import FFT from 'fft.js';

export interface Wav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  samples: Float64Array;
}

/** Reads a RIFF/WAVE PCM 16-bit file (the only format the corpus uses); throws naming the path. */
export function readWav(path: string): Wav {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: b.readUInt16LE(body),
        channels: b.readUInt16LE(body + 2),
        rate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error(`${path}: data chunk before fmt chunk`);
      if (fmt.format !== 1 || fmt.bits !== 16)
        throw new Error(`${path}: format=${fmt.format} bits=${fmt.bits}, expected 16-bit PCM`);
      const n = Math.floor(Math.min(size, b.length - body) / 2);
      const samples = new Float64Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(body + 2 * i) / 32768;
      return { sampleRate: fmt.rate, channels: fmt.channels, bitsPerSample: fmt.bits, samples };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** RFC 4180 CSV (quoted fields, doubled quotes, commas and newlines inside quotes). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])));
}

const dB = (p: number): number => 10 * Math.log10(p + 1e-20);

/**
 * Cues that say nothing about how the voice was made: if any of them separates the classes, the
 * corpus (not the detector) is what would be learnt. Frame-based ones use 10 ms frames.
 */
export function cueFeatures(w: Wav): Record<string, number> {
  const x = w.samples;
  const sr = w.sampleRate;
  const n = x.length;
  let sum = 0,
    sq = 0,
    peak = 0,
    zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += x[i];
    sq += x[i] * x[i];
    peak = Math.max(peak, Math.abs(x[i]));
    if (x[i] === 0) zeros++;
  }
  const rms = Math.sqrt(sq / n);
  const frame = Math.round(0.01 * sr);
  const fdb: number[] = [];
  for (let s = 0; s + frame <= n; s += frame) {
    let e = 0;
    for (let i = s; i < s + frame; i++) e += x[i] * x[i];
    fdb.push(dB(e / frame));
  }
  const maxDb = Math.max(...fdb);
  // Threshold deliberately differs from the build's (35 dB, 20 ms frames): the check should not
  // merely re-measure the quantity the build equalised.
  const onset = fdb.findIndex((d) => d > maxDb - 40);
  const offsetFromEnd = [...fdb].reverse().findIndex((d) => d > maxDb - 40);
  const sorted = [...fdb].sort((a, b) => a - b);

  const nFft = 256;
  const fft = new FFT(nFft);
  const spec = new Float64Array(nFft / 2 + 1);
  const buf = new Array<number>(nFft);
  const out = fft.createComplexArray() as number[];
  for (let s = 0; s + nFft <= n; s += nFft / 2) {
    for (let i = 0; i < nFft; i++) buf[i] = x[s + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    fft.realTransform(out, buf);
    for (let k = 0; k <= nFft / 2; k++) spec[k] += out[2 * k] ** 2 + out[2 * k + 1] ** 2;
  }
  const hz = (k: number): number => (k * sr) / nFft;
  let total = 0,
    centroidNum = 0;
  for (let k = 0; k <= nFft / 2; k++) {
    total += spec[k];
    centroidNum += hz(k) * spec[k];
  }
  const centroid = centroidNum / total;
  let spread = 0,
    acc = 0,
    rolloff = 0,
    rolloff99 = 0,
    high = 0,
    low = 0;
  for (let k = 0; k <= nFft / 2; k++) {
    spread += (hz(k) - centroid) ** 2 * spec[k];
    acc += spec[k];
    if (rolloff === 0 && acc >= 0.85 * total) rolloff = hz(k);
    if (rolloff99 === 0 && acc >= 0.99 * total) rolloff99 = hz(k);
    if (hz(k) >= 3400) high += spec[k];
    if (hz(k) <= 120) low += spec[k];
  }
  return {
    durationS: n / sr,
    rmsDbfs: dB(rms * rms),
    peakDbfs: dB(peak * peak),
    crestDb: dB((peak * peak) / (rms * rms)),
    dc: sum / n,
    leadingSilenceS: ((onset < 0 ? fdb.length : onset) * frame) / sr,
    trailingSilenceS: ((offsetFromEnd < 0 ? fdb.length : offsetFromEnd) * frame) / sr,
    noiseFloorDb: sorted[Math.floor(0.05 * sorted.length)] - maxDb,
    zeroFraction: zeros / n,
    rolloff85Hz: rolloff,
    rolloff99Hz: rolloff99,
    bandwidthHz: Math.sqrt(spread / total),
    above3400Db: dB(high / total),
    below120Db: dB(low / total),
  };
}

/**
 * Best accuracy any single threshold on `values` reaches at telling `labels` (true = bona fide)
 * apart, either direction, balanced over the two classes (mean of the per-class hit rates), so
 * a class-size imbalance cannot inflate it. This is the oracle fit on the evaluated data itself:
 * an upper bound on what a one-feature threshold classifier can do.
 */
export function bestThresholdAccuracy(values: number[], labels: boolean[]): { accuracy: number; threshold: number } {
  const nPos = labels.filter(Boolean).length;
  const nNeg = labels.length - nPos;
  const idx = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  let best = { accuracy: 0.5, threshold: -Infinity };
  let pos = 0,
    neg = 0; // counts at or below the cut
  for (let j = 0; j <= idx.length; j++) {
    if (j === idx.length || j === 0 || values[idx[j]] !== values[idx[j - 1]]) {
      const below = 0.5 * (pos / nPos + (nNeg - neg) / nNeg); // "bona fide if <= cut"
      const above = 1 - below;
      const acc = Math.max(below, above);
      if (acc > best.accuracy) best = { accuracy: acc, threshold: j === 0 ? -Infinity : values[idx[j - 1]] };
    }
    if (j < idx.length) {
      if (labels[idx[j]]) pos++;
      else neg++;
    }
  }
  return best;
}

/** Balanced accuracy of the rule "bona fide iff (value <= threshold) === below". */
export function thresholdAccuracy(values: number[], labels: boolean[], threshold: number, below: boolean): number {
  let tp = 0,
    tn = 0,
    nPos = 0,
    nNeg = 0;
  values.forEach((v, i) => {
    const saysBona = v <= threshold === below;
    if (labels[i]) {
      nPos++;
      if (saysBona) tp++;
    } else {
      nNeg++;
      if (!saysBona) tn++;
    }
  });
  return 0.5 * (tp / nPos + tn / nNeg);
}

/** Fits the best threshold and direction on one set (for train -> test transfer). */
export function fitThreshold(values: number[], labels: boolean[]): { threshold: number; below: boolean } {
  const { threshold } = bestThresholdAccuracy(values, labels);
  const below =
    thresholdAccuracy(values, labels, threshold, true) >= thresholdAccuracy(values, labels, threshold, false);
  return { threshold, below };
}
