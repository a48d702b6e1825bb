"""PyTorch peer of bench/w3-train.ts: the default specmorph detector, data and training loop.

Reads the features file w3-train.ts writes (one JSON header line: clips, rows, cols,
excitationRows, cropFrames, labels; then float32 clips x rows x cols) and trains what
trainClassifier builds by default (src/model/architectures.ts smallCnn with the excitation expert):
- per-row standardisation of the spectral rows with training statistics (a fixed buffer);
- conv 3x3 16-32-64 without bias, each + BatchNorm (eps 1e-5, momentum 0.1 = Keras 0.9) + ReLU,
  2x2 max-pool between, global average pool, Linear(64, 2): the spectral expert;
- the excitation expert on the excitation rows: mean log kurtosis and log crest factor over frames
  within 10 dB of the loudest, and with 8 rows (the harmonic-phase rows: voiced, cos/sin psi2,
  cos/sin psi3) the window's phase concentration, as a z-score against fixed bona fide statistics
  (no weights; NaN statistics, windows with < 5 voiced frames, left out of the mean);
- with 5 or 10 excitation rows, the last two are the prosody rows (voiced, ln f0 minus its clip
  median): the prosody expert's pitch movement and spread (ProsodyPooling) as a z-score, fused with
  the CNN's as their mean (no GMM expert here: W3 leaves out the LFCC rows);
- the CNN alone trains, on its class-weighted cross-entropy, Adam 1e-3, one shuffled pass of
  random crops (cropFrames wide) in batches of 32 per epoch, the loss read every batch.
Prediction: whole clips scored as the mean logits of windows (hop half a window, the last flush
right), eval mode, batches of 64 windows, the CNN's score as a z-score (fixed statistics), its mean
with the prosody expert's when there is one, and that fused with the excitation expert by the minimum.

Prints one JSON line: {"torch": version, "threads": n, "train_ips": [...], "train_cpu_ips": [...],
"predict_wps": [...]} (training images per second of wall time and per CPU-second of the process,
of each timed epoch after a warm-up one; prediction windows/s of each repetition).
Usage: w3_torch.py FEATURES [reps] [threads]
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

path = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

with open(path, "rb") as fh:
    header = json.loads(fh.readline())
    data = np.frombuffer(fh.read(), dtype=np.float32)
n, rows, cols = header["clips"], header["rows"], header["cols"]
exc_rows, crop = header["excitationRows"], header["cropFrames"]
spec_rows = rows - exc_rows
prosody_rows = 2 if exc_rows in (5, 10) else 0
residual_rows = exc_rows - prosody_rows
x_all = torch.from_numpy(data.reshape(n, 1, rows, cols).copy())
y_all = torch.tensor(header["labels"], dtype=torch.long)
batch = 32
lr = 1e-3


class Detector(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", mean.view(1, 1, -1, 1))
        self.register_buffer("inv_std", (1 / std).view(1, 1, -1, 1))

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU()]

        self.cnn = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2),
            *block(16, 32), nn.MaxPool2d(2),
            *block(32, 64),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2),
        )
        # Bona fide statistics of the two experts (trainClassifier fits them on bona fide windows;
        # what they hold does not change the cost).
        self.register_buffer("exc_mean", torch.zeros(2 if residual_rows == 3 else 3))
        self.register_buffer("exc_inv_std", torch.ones(2 if residual_rows == 3 else 3))
        self.register_buffer("pro_mean", torch.zeros(2))
        self.register_buffer("pro_inv_std", torch.ones(2))
        self.register_buffer("cal", torch.tensor([0.0, 1.0]))

    def forward(self, x):
        spectral = self.cnn((x[:, :, :spec_rows] - self.mean) * self.inv_std)
        e = x[:, 0, spec_rows : spec_rows + residual_rows]
        stats, energy = e[:, :2], e[:, 2:3]
        gate = (energy >= energy.amax(2, keepdim=True) - 10).float()
        pooled = (stats * gate).sum(2) / gate.sum(2)
        if residual_rows == 3:
            z = (pooled - self.exc_mean) * self.exc_inv_std
        else:
            sums = e[:, 3:].sum(2)  # voiced, cos psi2, sin psi2, cos psi3, sin psi3
            resultant = torch.hypot(sums[:, 1], sums[:, 2]) + torch.hypot(sums[:, 3], sums[:, 4])
            voiced = sums[:, 0]
            conc = torch.where(voiced < 5, torch.full_like(voiced, float("nan")), resultant / (2 * voiced))
            z = (torch.cat([pooled, conc[:, None]], 1) - self.exc_mean) * self.exc_inv_std
        p = self.prosody(x[:, 0, rows - prosody_rows :]) if prosody_rows else None
        return spectral, nan_mean(z), p

    def prosody(self, r):
        voiced, lf = r[:, 0], r[:, 1]
        step = (lf[:, 1:] - lf[:, :-1]).abs()
        pairs = voiced[:, 1:] * voiced[:, :-1] * (step < 0.1).float()
        n_pairs = pairs.sum(1)
        movement = (torch.log(step + 1e-3) * pairs).sum(1) / n_pairs.clamp(min=1)
        near = voiced * (lf.abs() < 0.5).float()
        n_near = near.sum(1)
        mean = (lf * near).sum(1) / n_near.clamp(min=1)
        spread = torch.log(torch.sqrt(((lf - mean[:, None]) ** 2 * near).sum(1) / n_near.clamp(min=1)) + 1e-4)
        nan = torch.full_like(movement, float("nan"))
        stats = torch.stack([torch.where(n_pairs < 5, nan, movement), torch.where(n_near < 5, nan, spread)], 1)
        return nan_mean((stats - self.pro_mean) * self.pro_inv_std)


def nan_mean(z):
    """The mean of each row's measured (non-NaN) values; 0 with none (BonafideZScore's skipNaN)."""
    measured = ~torch.isnan(z)
    return torch.where(measured, z, torch.zeros_like(z)).sum(1) / measured.sum(1).clamp(min=1)


s = x_all[:, 0, :spec_rows].transpose(0, 1).reshape(spec_rows, -1).double()
model = Detector(s.mean(1).float(), s.std(1, unbiased=False).float())
opt = torch.optim.Adam(model.cnn.parameters(), lr=lr)
counts = torch.bincount(y_all, minlength=2).double()
class_weight = (n / (2 * counts)).float()


def score(logits):
    return logits[:, 1] - logits[:, 0]


def epoch():
    model.train()
    order = torch.randperm(n)
    for b in range(0, n, batch):
        idx = order[b:b + batch]
        starts = torch.randint(0, cols - crop + 1, (len(idx),))
        xb = torch.stack([x_all[i, :, :, s:s + crop] for i, s in zip(idx.tolist(), starts.tolist())])
        yb = y_all[idx]
        w = class_weight[yb]
        opt.zero_grad()
        a = model.cnn((xb[:, :, :spec_rows] - model.mean) * model.inv_std)
        loss = (F.cross_entropy(a, yb, reduction="none") * w).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            hits = (a.argmax(1) == yb).sum()
        loss.item(), hits.item()


def window_starts():
    if cols <= crop:
        return [0]
    hop = max(1, crop // 2)
    return list(range(0, cols - crop, hop)) + [cols - crop]


def predict(clips):
    model.eval()
    starts = window_starts()
    jobs = [(c, s) for c in range(clips) for s in starts]
    sums = torch.zeros(clips, 2)
    with torch.no_grad():
        for b in range(0, len(jobs), 64):
            part = jobs[b:b + 64]
            xb = torch.stack([x_all[c, :, :, s:s + crop] for c, s in part])
            a, z, p = model(xb)
            n_z = (score(a) - model.cal[0]) / model.cal[1]
            fused = torch.minimum(n_z if p is None else (n_z + p) / 2, z)
            out = torch.stack([torch.zeros_like(fused), fused], 1)
            for k, (c, _) in enumerate(part):
                sums[c] += out[k] / len(starts)
    return sums[:, 1] - sums[:, 0], len(jobs)


epoch()  # warm-up
train_ips, train_cpu_ips = [], []
for _ in range(reps):
    t = time.perf_counter()
    c = time.process_time()
    epoch()
    train_ips.append(n / (time.perf_counter() - t))
    train_cpu_ips.append(n / (time.process_time() - c))
predict(batch)
predict_wps = []
for _ in range(reps):
    t = time.perf_counter()
    _, windows = predict(batch)
    predict_wps.append(windows / (time.perf_counter() - t))
print(json.dumps({"torch": torch.__version__, "threads": threads, "train_ips": train_ips,
                  "train_cpu_ips": train_cpu_ips, "predict_wps": predict_wps}))
