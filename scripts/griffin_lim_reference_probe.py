#!/usr/bin/env python3
"""Probe behind `excitation.reference: 'griffin-lim'` (docs/results.md, 2026-12-02 afternoon).

For every clip (8 kHz mono, first 4 s): the mean, over frames within 10 dB of the loudest, of the
log kurtosis and log crest factor of the order-10 LPC residual (256-sample Hann frames, hop 80: the
`excitation` rows' settings), of the clip and of its own Griffin-Lim copy (librosa's defaults:
momentum 0.99, random initial phase, hop a quarter of the FFT). Each variant is scored as the
excitation expert scores it: the mean of the two statistics' z-scores against the bundled corpus's
training bona fide clips, lower = spoof. Prints, per data folder, the Griffin-Lim copies' EER
against all its bona fide clips (the bundled corpus: its test split), the bona fide clips flagged
per speaker at that threshold, and per speaker the mean differences.

Usage: /usr/bin/python3 scripts/griffin_lim_reference_probe.py [--iterations 32] [DATA_DIR ...]
(DATA_DIR: e.g. the folders of `bash datasets/build.sh --extension [train|test] --out DIR`).
Needs numpy, scipy and scikit-learn (Debian: python3-scipy python3-sklearn). Slow: about 0.3 s per clip.
"""
import argparse
import collections
import csv
import wave
from math import gcd
from pathlib import Path

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import resample_poly
from sklearn.metrics import roc_curve

CORPUS = Path(__file__).resolve().parent.parent / "datasets" / "corpus"
RATE = 8000


def load(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
    if channels > 1:
        x = x.reshape(-1, channels).mean(1)
    if rate != RATE:
        g = gcd(rate, RATE)
        x = resample_poly(x, RATE // g, rate // g)
    return x[: 4 * RATE]


def hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def stft(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    xp = np.pad(x, n_fft // 2, mode="reflect")
    n = 1 + (len(xp) - n_fft) // hop
    return np.fft.rfft(xp[np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]] * hann(n_fft), axis=1)


def istft(z: np.ndarray, length: int, n_fft: int, hop: int) -> np.ndarray:
    w = hann(n_fft)
    frames = np.fft.irfft(z, n=n_fft, axis=1) * w
    total = n_fft + hop * (len(z) - 1)
    y, norm = np.zeros(total), np.zeros(total)
    for i, f in enumerate(frames):
        y[i * hop:i * hop + n_fft] += f
        norm[i * hop:i * hop + n_fft] += w ** 2
    y /= np.where(norm > 1e-8, norm, 1.0)
    return y[n_fft // 2:n_fft // 2 + length]


def griffin_lim(x: np.ndarray, n_fft: int, iterations: int, seed: int) -> np.ndarray:
    hop = n_fft // 4
    mag = np.abs(stft(x, n_fft, hop))
    angles = np.exp(2j * np.pi * np.random.default_rng(seed).random(mag.shape))
    rebuilt = np.zeros_like(angles)
    for _ in range(iterations):
        previous = rebuilt
        rebuilt = stft(istft(mag * angles, len(x), n_fft, hop), n_fft, hop)
        angles = rebuilt - (0.99 / 1.99) * previous
        angles /= np.abs(angles) + 1e-16
    return istft(mag * angles, len(x), n_fft, hop)


def statistics(x: np.ndarray, n: int = 256, hop: int = 80, order: int = 10) -> np.ndarray:
    w, xp = hann(n), np.pad(x, (n // 2, n))
    kurt, crest, energy = [], [], []
    for j in range(1 + len(x) // hop):
        f = xp[j * hop:j * hop + n]
        fw = f * w
        r = np.array([fw[:n - k] @ fw[k:] for k in range(order + 1)])
        energy.append(10 * np.log10(max(r[0], 1e-10)))
        if r[0] <= 1e-10:
            kurt.append(np.log(3))
            crest.append(np.log(np.sqrt(3)))
            continue
        r[0] *= 1 + 1e-9
        a = solve_toeplitz(r[:order], r[1:order + 1])
        e = f[order:] - sum(a[k - 1] * f[order - k:n - k] for k in range(1, order + 1))
        m2 = np.mean(e ** 2)
        kurt.append(np.log(np.mean(e ** 4) / m2 ** 2))
        crest.append(np.log(np.max(np.abs(e)) / np.sqrt(m2)))
    loud = np.array(energy) >= max(energy) - 10
    return np.array([np.mean(np.array(kurt)[loud]), np.mean(np.array(crest)[loud])])


def eer(bona: np.ndarray, spoof: np.ndarray) -> float:
    fpr, tpr, thr = roc_curve(np.r_[np.ones(len(bona)), np.zeros(len(spoof))], np.r_[bona, spoof])
    i = np.nanargmin(np.abs(1 - tpr - fpr))
    return 100 * (fpr[i] + 1 - tpr[i]) / 2, thr[i]


def measure(root: Path, split: str | None, iterations: int) -> list:
    rows = list(enumerate(csv.DictReader(open(root / "meta.csv"))))  # i seeds the copy's phase
    rows = [(i, r) for i, r in rows if split is None or r["split"] == split]
    out = []
    for n, (i, r) in enumerate(rows):
        x = load(root / r["path"])
        own = statistics(x)
        out.append((r["system"], r["speaker"], own, own - statistics(griffin_lim(x, 256, iterations, i)),
                    own - statistics(griffin_lim(x, 512, iterations, i))))
        if n % 100 == 99:
            print(f"  {root.name}: {n + 1}/{len(rows)} clips", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=32)
    ap.add_argument("data", nargs="*", type=Path)
    args = ap.parse_args()
    fit = measure(CORPUS, "train", args.iterations)
    sets = [("bundled test", measure(CORPUS, "test", args.iterations))]
    sets += [(str(d), measure(d, None, args.iterations)) for d in args.data]
    names = ["the statistics", "minus the copy's, FFT 256", "minus the copy's, FFT 512"]
    for k, name in enumerate(names):
        ref = np.array([c[2 + k] for c in fit if c[0] == "bonafide"])
        mu, sd = ref.mean(0), ref.std(0)
        for label, clips in sets:
            z = np.array([((c[2 + k] - mu) / sd).mean() for c in clips])
            system = np.array([c[0] for c in clips])
            speaker = np.array([c[1] for c in clips])
            bona = system == "bonafide"
            e, t = eer(z[bona], z[system == "griffin-lim"])
            flagged = collections.Counter(speaker[bona & (z < t)])
            total = collections.Counter(speaker[bona])
            print(f"{name:28s} {label:24s} Griffin-Lim EER {e:5.1f} %; flagged bona fide: "
                  + ", ".join(f"{s} {n}/{total[s]}" for s, n in flagged.most_common(5)))
    for label, clips in sets:
        print(f"mean log kurtosis difference (FFT 256) per speaker, {label}:")
        groups = collections.defaultdict(list)
        for c in clips:
            if c[0] in ("bonafide", "griffin-lim"):
                groups[(c[1], c[0])].append(c[3][0])
        for (s, system), v in sorted(groups.items()):
            print(f"  {s:24s} {system:12s} {np.mean(v):5.2f} ({len(v)} clips)")


if __name__ == "__main__":
    main()
