#!/usr/bin/env python3
"""Offline probes of the default detector's calibration and fusion (docs/results.md, speaker-disjoint section).

Re-standardises each expert's clip-level bona fide z-scores against other bona fide samples, tries other
fusion rules and other excitation experts, and fuses again at the clip level, for several trained models;
prints EER % (ASVspoof compute_eer, each attack against all bona fide clips), mean over the models.

Input, in RUNS for each seed S: the model folder fS; fS.SET.out (the JSON last line of
`specmorph evaluate --experts --json`) and fS.SET.scores (its --scores file) for SET = train (the
corpus's training split, `--split train --allow-overlap`), test, ext and dev; and in WINDOWS, one
SET.jsonl per set written by scripts/excitation_windows.ts (the pooled window statistics do not depend
on the model). The model folder's clip hashes tell the training from the validation clips.

Usage: /usr/bin/python3 scripts/calibration_probe.py --runs RUNS --windows WINDOWS --corpus datasets/corpus
Needs numpy. Reads the files and applies the rules with scripts/fusion_rules.py.
"""
import argparse
import collections
import hashlib
import json
import os
import sys

import numpy as np
from fusion_rules import RULES, eers, load_run, read_scores

SETS = ("test", "ext", "dev")
rule = RULES["min(mean(n,g),g,e)"]  # the default model's fusion


def load(runs, seed, name):
    """uttIds, attacks, bona fide mask and each expert's clip scores (plus the fused score) of one evaluate run."""
    prefix = f"{runs}/f{seed}.{name}"
    ids, scores = load_run(prefix)
    meta = read_scores(f"{prefix}.scores")
    scores["fused"] = np.array([meta[u][2] for u in ids])
    return ids, np.array([meta[u][0] for u in ids]), np.array([meta[u][1] == "bonafide" for u in ids]), scores


def roles(runs, seed, corpus, ids):
    """'train' or 'val' for each clip of the corpus's training split, from the model's clip hashes."""
    with open(f"{runs}/f{seed}/metadata.json") as f:
        clips = json.load(f)["extra"]["clips"]
    train, val = set(clips["train"]), set(clips["validation"])
    out = []
    for u in ids:
        path = next((p for p in (f"{corpus}/{u}.wav", f"{corpus}/{u}.flac") if os.path.exists(p)), None)
        if path is None:
            sys.exit(f"calibration_probe: {corpus}/{u}.wav (or .flac), a clip of f{seed}.train.out, does not exist")
        with open(path, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        if h not in train and h not in val:
            sys.exit(f"calibration_probe: {path} is neither a training nor a validation clip of f{seed}")
        out.append("train" if h in train else "val")
    return np.array(out)


def read_windows(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            w = np.array([[np.nan if v is None else v for v in row] for row in r["windows"]], dtype=float)
            out[r["id"]] = (r["label"], r["attack"], w)
    return out


def excitation_variants(windows, role):
    """Per-window excitation scores fitted on the training windows: bona fide, and Griffin-Lim for the discriminants."""
    train = [u for u in windows if role.get(u) == "train"]
    bona = np.concatenate([windows[u][2] for u in train if windows[u][0] == "bonafide"])
    gl = np.concatenate([windows[u][2] for u in train if windows[u][1] == "griffin-lim"])
    mu, sd = np.nanmean(bona, 0), np.nanstd(bona, 0)
    full_b, full_g = bona[~np.isnan(bona).any(1)], gl[~np.isnan(gl).any(1)]
    cb, cg, mg = np.cov(full_b.T, bias=True), np.cov(full_g.T, bias=True), full_g.mean(0)
    direction = np.linalg.solve((cb + cg) / 2, mu - mg)
    cbi, cgi = np.linalg.inv(cb), np.linalg.inv(cg)
    logdet = np.linalg.slogdet(cb)[1] - np.linalg.slogdet(cg)[1]

    def filled(w):  # an unmeasured statistic counts as the bona fide mean: no evidence
        return np.where(np.isnan(w), mu, w)

    def lda(w):
        return (filled(w) - mu) @ direction

    def llr(w):
        a, b = filled(w) - mu, filled(w) - mg
        return -0.5 * np.einsum("ij,jk,ik->i", a, cbi, a) + 0.5 * np.einsum("ij,jk,ik->i", b, cgi, b) - 0.5 * logdet

    lda_sd = lda(bona).std()
    r = llr(bona)
    median, q05 = np.median(r), np.quantile(r, 0.05)
    return {
        "mean of the per-statistic z (the model)": lambda w: np.nanmean((w - mu) / sd, 1),
        "log kurtosis and crest only": lambda w: np.mean((w[:, :2] - mu[:2]) / sd[:2], 1),
        "minimum of the per-statistic z": lambda w: np.nanmin((w - mu) / sd, 1),
        "linear discriminant vs Griffin-Lim, z": lambda w: lda(w) / lda_sd,
        "Gaussian LLR vs Griffin-Lim, z": lambda w: (llr(w) - r.mean()) / r.std(),
        "Gaussian LLR, median and 5% tail scale": lambda w: (llr(w) - median) / ((median - q05) / 1.645),
    }


def table(title, rows):
    print(f"== {title}")
    for name, per_set in rows.items():
        cells = []
        for st in SETS:
            m = {c: 100 * np.mean([r[c] for r in per_set[st]]) for c in per_set[st][0]}
            cells.append(f"{st} " + " / ".join(f"{v:.1f}" for v in m.values()))
        print(f"{name}: " + " | ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", required=True)
    ap.add_argument("--windows", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    windows = {st: read_windows(f"{args.windows}/{st}.jsonl") for st in ("train", *SETS)}
    calibration = collections.defaultdict(lambda: collections.defaultdict(list))
    rules = collections.defaultdict(lambda: collections.defaultdict(list))
    excitation = collections.defaultdict(lambda: collections.defaultdict(list))
    for seed in seeds:
        ids, _, bona, sc = load(args.runs, seed, "train")
        role = roles(args.runs, seed, args.corpus, ids)
        sample = {"train": bona & (role == "train"), "val": bona & (role == "val"), "all": bona}
        stats = {x: {k: (sc[x][m].mean(), sc[x][m].std()) for k, m in sample.items()} for x in ("network", "gmm", "excitation")}
        print(f"seed {seed}: bona fide clip z mean (sd), training / validation clips: " + ", ".join(
            f"{x} {stats[x]['train'][0]:+.2f} ({stats[x]['train'][1]:.2f}) / {stats[x]['val'][0]:+.2f} ({stats[x]['val'][1]:.2f})"
            for x in stats))

        def cal(x, which, v):
            m, s = stats[x][which]
            return (v - m) / s

        variants = excitation_variants(windows["train"], dict(zip(ids, role)))
        for st in SETS:
            ids2, att, bonafide, s2 = load(args.runs, seed, st)
            n, g, e = s2["network"], s2["gmm"], s2["excitation"]
            samples = {
                "the model (windows: network and GMM validation, excitation training)": s2["fused"],
                "clips: validation / validation / training": rule(cal("network", "val", n), cal("gmm", "val", g), cal("excitation", "train", e)),
                "clips: validation / training and validation / training and validation": rule(
                    cal("network", "val", n), cal("gmm", "all", g), cal("excitation", "all", e)),
                "clips: validation / training / training": rule(cal("network", "val", n), cal("gmm", "train", g), cal("excitation", "train", e)),
            }
            for name, f in samples.items():
                calibration[name][st].append(eers(f, att, bonafide))
            for name in ("min(mean(n,g),g,e)", "log Phi(g)+log Phi(e)", "softmin T=0.5(min(mean(n,g),g),e)", "softmin T=1.0(min(mean(n,g),g),e)"):
                rules[name][st].append(eers(RULES[name](n, g, e), att, bonafide))
            for name, fn in variants.items():
                e2 = np.array([np.mean(fn(windows[st][u][2])) for u in ids2])
                excitation[name + ", alone"][st].append(eers(e2, att, bonafide))
                excitation[name + ", fused"][st].append(eers(rule(n, g, e2), att, bonafide))
    print("EER %, mean over the models: pooled / each attack (columns as in each set's score file)")
    table("calibration sample (network / GMM / excitation)", calibration)
    table("fusion rule", rules)
    table("excitation expert", excitation)


if __name__ == "__main__":
    main()
