#!/usr/bin/python3
"""Python peer of bench/w1-spectral.ts: the same W1 / W1m workloads with torch / torchaudio, one thread.

Usage: /usr/bin/python3 bench/w1_torch.py SIGNAL.f32 RUNS
Reads the float32 signal written by the TypeScript bench, prints one JSON line
{"torch": ..., "w1": [wall s...], "w1_cpu": [cpu s...], "w1m": [...], "w1m_cpu": [...], "w1_shape": [...], "w1m_shape": [...],
"w1_minflt": minor page faults per W1 call}.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torchaudio

torch.set_num_threads(1)
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype="<f4"))
runs = int(sys.argv[2])
SR, N_FFT, WIN, HOP = 16000, 512, 400, 160
window = torch.hann_window(WIN)  # periodic, as ours


def w1():
    # power spectrogram: librosa framing (centre, zero padding) -> |X|^2
    z = torch.stft(x, N_FFT, HOP, WIN, window=window, center=True, pad_mode="constant", return_complex=True)
    return z.real.square() + z.imag.square()


mel = torchaudio.transforms.MelSpectrogram(SR, N_FFT, WIN, HOP, n_mels=80, window_fn=torch.hann_window, power=2.0, center=True,
                                           pad_mode="constant", norm="slaney", mel_scale="slaney")
to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)


def w1m():
    return to_db(mel(x))


def timed(fn):
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        c = time.process_time()
        t = time.perf_counter()
        r = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu, list(r.shape)


def faults_per_call(fn):
    fn()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(runs):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / runs


with torch.no_grad():
    t1, c1, s1 = timed(w1)
    t2, c2, s2 = timed(w1m)
    f1 = faults_per_call(w1)
print(json.dumps({"torch": torch.__version__, "torchaudio": torchaudio.__version__, "w1": t1, "w1_cpu": c1, "w1m": t2, "w1m_cpu": c2,
                  "w1_shape": s1, "w1m_shape": s2, "w1_minflt": f1}))
