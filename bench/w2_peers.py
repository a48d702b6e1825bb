#!/usr/bin/python3
"""Peer timings for bench/w2-morphology.ts (run by it with Debian's /usr/bin/python3).

    w2_peers.py make IMAGE.f32            writes the W1 test spectrogram: 257 x 6001 float32 dB
    w2_peers.py time IMAGE.f32 OUTDIR N [M]  times cv2 (1 thread, N runs) and skimage (M runs,
                                          default N) on it; prints one JSON line of median
                                          milliseconds and writes cv2's four results for a few
                                          footprints to OUTDIR for checking

The signal is deterministic (no randomness beyond a fixed seed): 60 s at 16 kHz of a gliding
harmonic tone (f0 110..220 Hz, 12 harmonics), short clicks and low-level noise; Hann STFT nFft 512,
hop 160, centred with reflect padding (librosa), power -> dB (10 log10 max(p, 1e-10), ref max,
top_db 80).
"""
import json
import sys
import time

import numpy as np

ROWS, COLS = 257, 6001
FOOTPRINTS = [('rect 3x3', 3, 3), ('rect 7x7', 7, 7), ('rect 15x15', 15, 15), ('rect 31x31', 31, 31),
              ('line 1x31', 1, 31), ('line 31x1', 31, 1), ('ellipse 7x7', 7, 7), ('ellipse 15x15', 15, 15),
              ('ellipse 31x31', 31, 31)]


def make(path):
    sr, n_fft, hop = 16000, 512, 160
    t = np.arange(60 * sr) / sr
    rng = np.random.default_rng(1)
    f0 = 110 * 2 ** (t / 60)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 13))
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    clicks = np.zeros_like(x)
    clicks[::sr // 3] = 4.0
    x = (x + clicks + 0.01 * rng.standard_normal(x.size)).astype(np.float32)
    xp = np.pad(x, n_fft // 2, mode='reflect')
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    n_frames = 1 + (xp.size - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(xp, (n_frames, n_fft), (xp.strides[0] * hop, xp.strides[0]))
    spec = np.abs(np.fft.rfft(frames * win, axis=1)) ** 2
    db = 10 * np.log10(np.maximum(spec, 1e-10))
    db -= db.max()
    db = np.maximum(db, db.max() - 80)
    img = np.ascontiguousarray(db.T.astype(np.float32))
    assert img.shape == (ROWS, COLS), img.shape
    img.tofile(path)


def median_ms(fn, runs):
    """[median wall ms, median process CPU ms] (CPU time is steadier on a shared machine)."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return [float(np.median(wall) * 1e3), float(np.median(cpu) * 1e3)]


def timing(path, outdir, runs, slow_runs):
    import cv2
    from skimage import morphology
    cv2.setNumThreads(1)
    img = np.fromfile(path, dtype=np.float32).reshape(ROWS, COLS)
    res = {'cv2': {}, 'skimage': {}, 'versions': {'opencv': cv2.__version__, 'numpy': np.__version__}}
    import skimage
    res['versions']['skimage'] = skimage.__version__
    for name, r, c in FOOTPRINTS:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (c, r)) if name.startswith('ellipse') else np.ones((r, c), np.uint8)
        res['cv2'][name] = {
            'erode': median_ms(lambda: cv2.erode(img, k), runs),
            'dilate': median_ms(lambda: cv2.dilate(img, k), runs),
            'opening': median_ms(lambda: cv2.morphologyEx(img, cv2.MORPH_OPEN, k), runs),
            'closing': median_ms(lambda: cv2.morphologyEx(img, cv2.MORPH_CLOSE, k), runs),
        }
        kb = k.astype(bool)
        res['skimage'][name] = {
            'erode': median_ms(lambda: morphology.erosion(img, kb), slow_runs),
            'dilate': median_ms(lambda: morphology.dilation(img, kb), slow_runs),
            'opening': median_ms(lambda: morphology.opening(img, kb), slow_runs),
            'closing': median_ms(lambda: morphology.closing(img, kb), slow_runs),
        }
        if name in ('rect 31x31', 'ellipse 7x7', 'ellipse 31x31', 'line 31x1'):
            stem = f'{outdir}/cv2-{{}}-{name.replace(" ", "_")}.f32'
            cv2.erode(img, k).tofile(stem.format('erode'))
            cv2.dilate(img, k).tofile(stem.format('dilate'))
            cv2.morphologyEx(img, cv2.MORPH_OPEN, k).tofile(stem.format('opening'))
            cv2.morphologyEx(img, cv2.MORPH_CLOSE, k).tofile(stem.format('closing'))
    print(json.dumps(res))


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2])
    else:
        runs = int(sys.argv[4])
        timing(sys.argv[2], sys.argv[3], runs, int(sys.argv[5]) if len(sys.argv) > 5 else runs)
