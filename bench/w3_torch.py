"""PyTorch peer of bench/w3-train.ts: the same small CNN, batch 32, Adam, on 1x128x128 inputs.

Prints one JSON line: {"torch": version, "threads": n, "train_ips": [...], "predict_ips": [...]}
(images per second of each timed repetition). Usage: w3_torch.py [reps] [threads]
"""
import json
import sys
import time

import torch
import torch.nn as nn

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)

# NCHW here; the tfjs model is NHWC with the same layers and parameter count.
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
batch = 32
x = torch.randn(batch, 1, 128, 128)
y = torch.arange(batch) % 2


def train_steps(n):
    model.train()
    for _ in range(n):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


def predict(n):
    model.eval()
    with torch.no_grad():
        for _ in range(n):
            model(x)


train_steps(2)  # warm-up
predict(2)
train_ips, predict_ips = [], []
for _ in range(reps):
    t = time.perf_counter()
    train_steps(steps)
    train_ips.append(batch * steps / (time.perf_counter() - t))
    t = time.perf_counter()
    predict(steps)
    predict_ips.append(batch * steps / (time.perf_counter() - t))
print(json.dumps({"torch": torch.__version__, "threads": threads, "train_ips": train_ips, "predict_ips": predict_ips}))
