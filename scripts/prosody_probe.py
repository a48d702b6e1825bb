#!/usr/bin/env python3
"""Probe behind `excitation.prosody` and the prosody expert (docs/results.md, 2026-12-03).

For every clip of a data folder (8 kHz, repeat-padded to 4 s as the default pipeline crops it):
the pitch contour of test/fixtures/gen_harmonic_phase.py (`prosody`: voicing and ln f0 minus its
median, frames every 10 ms, the definition src/spectral/prosody.ts implements), pooled over the
model's scoring windows (200 frames, hop 100, the last flush right) by candidate statistics:

  movement: median |d| of the steps d between voiced frames (|d| < 0.1), or the mean of ln(|d| + 1e-3)
            (`ProsodyPooling`'s first value, `prosody_pool` there);
  spread:   std of ln f0 over the voiced frames, or over those within 0.5 of the median (the second).

Each is a z-score against the bundled corpus's training bona fide windows, lower = spoof; a set of
statistics is the mean of their z-scores, a clip the mean of its windows. Part 1 prints each set's
one-sided EER per attack (each attack against all bona fide clips of the set, a single threshold).
The statistics were chosen on the training split and the train-side extension (DEV, its only
spoofs codec2-1300, espeak-ng, festival-diphone and Griffin-Lim), by the mean of the espeak-ng,
festival-diphone and flite-clustergen EERs there; the test-side columns are the check.

Part 2 (with --runs): the prosody z-score p fused at the clip level with each trained default
model's expert scores (`evaluate --experts --json` outputs, as scripts/fusion_rules.py reads them),
by the default rule min(mean(n, g), g, e) and with p: min(mean(n, g, p), g, e) (the model's since
2026-12-03), or min(mean(n, g), g, e, p). The models fuse each window and average; clip-level fusion
comes within a few tenths of a point of that.

Usage: /usr/bin/python3 scripts/prosody_probe.py [--dev DIR] [--ext DIR] [--runs P0 P1 ...]
(each run prefix P names P.SET.out and P.SET.scores for SET = test, ext, dev). Needs numpy, scipy,
scikit-learn. About 1.5 minutes for the four sets.
"""
import argparse
import csv
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "test" / "fixtures"))
from fusion_rules import eers, load_run, read_scores  # noqa: E402
from gen_harmonic_phase import prosody, prosody_pool  # noqa: E402
from griffin_lim_reference_probe import CORPUS, RATE, eer, load  # noqa: E402

FRAMES, WINDOW, HOP = 401, 200, 100
STATS = ["median |d|", "mean ln(|d|+1e-3)", "std ln f0", "std near median"]
SETS = {  # name -> statistics (indices into STATS)
    "median |d|": [0],
    "mean ln(|d|+1e-3)": [1],
    "std ln f0": [2],
    "std near median": [3],
    "median |d| + std": [0, 2],
    "mean ln + std": [1, 2],
    "mean ln + std near median (ProsodyPooling)": [1, 3],
}
CHOSEN = "mean ln + std near median (ProsodyPooling)"
VOICES = ("espeak-ng", "festival-diphone", "flite-clustergen")  # the synthetic voices of the training side


def window_stats(rows: np.ndarray) -> list:
    """STATS of one window: the two alternatives here, the expert's two from prosody_pool."""
    v, lf = rows[0] > 0, rows[1]
    d = np.abs(np.diff(lf))
    steps = d[v[1:] & v[:-1] & (d < 0.1)]
    voiced = lf[v]
    nan = float("nan")
    movement, spread = (nan if s is None else s for s in prosody_pool(rows))
    return [
        np.log(np.median(steps)) if len(steps) >= 5 else nan,
        movement,
        np.log(np.std(voiced) + 1e-4) if len(voiced) >= 5 else nan,
        spread,
    ]


def measure(root: Path, split: str | None) -> dict:
    out = {}
    times = np.arange(FRAMES) * 0.01
    for r in csv.DictReader(open(root / "meta.csv")):
        if split is not None and r["split"] != split:
            continue
        x = load(root / r["path"])
        x = np.tile(x, int(np.ceil(4 * RATE / len(x))))[: 4 * RATE]
        rows = prosody(x, RATE, times)
        starts = list(range(0, FRAMES - WINDOW, HOP)) + [FRAMES - WINDOW]
        out[r["path"][: -len(".wav")]] = (r["system"], np.array([window_stats(rows[:, s : s + WINDOW]) for s in starts]))
    print(f"  {root.name} {split or ''}: {len(out)} clips", file=sys.stderr, flush=True)
    return out


def clip_z(clips: dict, mu: np.ndarray, sd: np.ndarray, idx: list, utts=None) -> np.ndarray:
    """Clip mean over windows of the mean z-score of the measured statistics (NaN left out; none: 0)."""
    out = []
    for u in utts if utts is not None else clips:
        z = (clips[u][1][:, idx] - mu[idx]) / sd[idx]
        measured = ~np.isnan(z)
        w = np.where(measured.any(1), np.where(measured, z, 0).sum(1) / np.maximum(measured.sum(1), 1), 0)
        out.append(w.mean())
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", help="the train-side extension (datasets/build.sh --extension train)")
    ap.add_argument("--ext", help="the test-side extension (datasets/build.sh --extension)")
    ap.add_argument("--runs", nargs="*", default=[], help="prefixes P of P.SET.out / P.SET.scores")
    args = ap.parse_args()
    data = {"train": measure(CORPUS, "train"), "test": measure(CORPUS, "test")}
    if args.dev:
        data["dev"] = measure(Path(args.dev), None)
    if args.ext:
        data["ext"] = measure(Path(args.ext), None)
    bona = np.concatenate([w for s, w in data["train"].values() if s == "bonafide"])
    mu, sd = np.nanmean(bona, 0), np.nanstd(bona, 0)
    print("Part 1: one-sided EER % per attack (clip mean of window z-scores; lower = spoof)")
    criterion = {}
    for name, idx in SETS.items():
        print(f"{name}")
        chosen_on = []
        for tag, clips in data.items():
            z = clip_z(clips, mu, sd, idx)
            systems = np.array([s for s, _ in clips.values()])
            b = systems == "bonafide"
            per = {a: eer(z[b], z[systems == a])[0] for a in sorted(set(systems) - {"bonafide"})}
            print(f"  {tag:5s} " + " | ".join(f"{a} {v:.1f}" for a, v in per.items()))
            if tag in ("train", "dev"):
                chosen_on += [v for a, v in per.items() if a in VOICES]
        criterion[name] = np.mean(chosen_on)
    print("choice: mean EER of espeak-ng, festival-diphone, flite-clustergen on train" + (" and dev" if "dev" in data else ""))
    for name, v in sorted(criterion.items(), key=lambda kv: kv[1]):
        print(f"  {v:5.1f}  {name}")
    if not args.runs:
        return
    idx = SETS[CHOSEN]
    rules = {
        "min(mean(n,g),g,e)": lambda n, g, e, p: np.minimum(np.minimum((n + g) / 2, g), e),
        "min(mean(n,g,p),g,e)": lambda n, g, e, p: np.minimum(np.minimum((n + g + p) / 3, g), e),
        "min(mean(n,g),g,e,p)": lambda n, g, e, p: np.minimum(np.minimum(np.minimum((n + g) / 2, g), e), p),
        "p alone": lambda n, g, e, p: p,
    }
    print(f"\nPart 2: clip-level fusion, EER %, mean of {len(args.runs)} models")
    for tag in ("dev", "test", "ext"):
        if tag not in data:
            continue
        table = {r: [] for r in rules}
        for prefix in args.runs:
            utts, experts = load_run(f"{prefix}.{tag}")
            meta = read_scores(f"{prefix}.{tag}.scores")
            attacks = np.array([meta[u][0] for u in utts])
            bonafide = np.array([meta[u][1] == "bonafide" for u in utts])
            p = clip_z(data[tag], mu, sd, idx, utts)  # as the model's BonafideZScore: the mean of the z-scores
            for r, f in rules.items():
                table[r].append(eers(f(experts["network"], experts["gmm"], experts["excitation"], p), attacks, bonafide))
        cols = list(table["p alone"][0])
        print(f"== {tag}: " + " | ".join(cols))
        for r, rows in table.items():
            print(f"  {r:22s} " + " | ".join(f"{100 * np.mean([x[c] for x in rows]):.1f}" for c in cols))


if __name__ == "__main__":
    main()
