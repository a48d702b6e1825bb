#!/usr/bin/env python3
"""Probe behind `excitation.harmonicPhase` (docs/results.md, 2026-12-02 evening).

For every clip of a data folder (8 kHz mono, first 4 s): the excitation expert's two statistics
measured against the clip's own Griffin-Lim copy (as scripts/griffin_lim_reference_probe.py, the
default since the afternoon) and the concentration of the harmonics' relative phases over its voiced
frames (test/fixtures/gen_harmonic_phase.py's `features` at frames every 10 ms, the definition
src/spectral/harmonicPhase.ts implements). Each is scored as the expert scores it: z-scores against
the bundled corpus's training bona fide clips, lower = spoof; combined as the mean of the z-scores.
Prints, per set, the Griffin-Lim copies' EER against all its bona fide clips (a single threshold
on the clip value), the bona fide clips flagged per speaker at that threshold, and each other
attack's one-sided EER (above 50 %: the attack looks *more* like speech to that statistic).

Usage: /usr/bin/python3 scripts/harmonic_phase_probe.py [DATA_DIR ...]
(DATA_DIR: e.g. the folders of `bash datasets/build.sh --extension [train|test] --out DIR`).
Needs numpy, scipy and scikit-learn (Debian: python3-scipy python3-sklearn). Slow: about 0.5 s per clip.
"""
import collections
import csv
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "test" / "fixtures"))
from gen_harmonic_phase import concentration, features  # noqa: E402
from griffin_lim_reference_probe import CORPUS, RATE, eer, griffin_lim, load, statistics  # noqa: E402


def measure(root: Path, split: str | None) -> list:
    rows = list(enumerate(csv.DictReader(open(root / "meta.csv"))))  # i seeds the copy's phase
    rows = [(i, r) for i, r in rows if split is None or r["split"] == split]
    out = []
    for n, (i, r) in enumerate(rows):
        x = load(root / r["path"])
        ref = statistics(x) - statistics(griffin_lim(x, 256, 32, i))
        c = concentration(features(x.astype(np.float32), RATE, np.arange(0, len(x) / RATE, 0.01)))
        out.append((r["system"], r["speaker"], ref, np.nan if c is None else c))
        if n % 100 == 99:
            print(f"  {root.name}: {n + 1}/{len(rows)} clips", flush=True)
    return out


def main() -> None:
    fit = measure(CORPUS, "train")
    sets = [("bundled train", fit), ("bundled test", measure(CORPUS, "test"))]
    sets += [(str(Path(d)), measure(Path(d), None)) for d in sys.argv[1:]]
    bona_fit = [c for c in fit if c[0] == "bonafide"]
    ref = np.array([c[2] for c in bona_fit])
    conc = np.array([c[3] for c in bona_fit])
    mu, sd = ref.mean(0), ref.std(0)
    cmu, csd = np.nanmean(conc), np.nanstd(conc)

    def scores(clips):
        zr = np.array([((c[2] - mu) / sd) for c in clips])
        zc = np.array([(c[3] - cmu) / csd for c in clips])
        both = np.c_[zr, zc]
        return {
            "residual statistics (the default before)": zr.mean(1),
            "phase concentration alone": np.nan_to_num(zc),
            "mean of the three z-scores (the default now)": np.nanmean(both, 1),
        }

    for label, clips in sets:
        system = np.array([c[0] for c in clips])
        speaker = np.array([c[1] for c in clips])
        bona = system == "bonafide"
        print(f"== {label}: {bona.sum()} bona fide, {(system == 'griffin-lim').sum()} Griffin-Lim copies")
        for name, z in scores(clips).items():
            e, t = eer(z[bona], z[system == "griffin-lim"])
            flagged = collections.Counter(speaker[bona & (z < t)])
            total = collections.Counter(speaker[bona])
            others = ", ".join(
                f"{a} {eer(z[bona], z[system == a])[0]:.0f}"
                for a in sorted(set(system) - {"bonafide", "griffin-lim"})
            )
            print(f"  {name:46s} Griffin-Lim EER {e:5.1f} %; flagged: "
                  + ", ".join(f"{s} {n}/{total[s]}" for s, n in flagged.most_common(4)) + f"; others: {others}")


if __name__ == "__main__":
    main()
