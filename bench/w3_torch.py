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

# NCHW here; the tfjs model (smallCnn) is NHWC with the same layers and parameter count:
# bias-free 3x3 convolutions, each followed by batch norm (eps 1e-5) and ReLU.
def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU()]


model = nn.Sequential(
    *block(1, 16), nn.MaxPool2d(2),
    *block(16, 32), nn.MaxPool2d(2),
    *block(32, 64),
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
