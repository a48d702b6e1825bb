#!/usr/bin/env python3
"""Which rule should fuse the default detector's experts? Scores candidate rules on development data.

Input: for each trained model, the two files of
    specmorph evaluate --model M --data DEV --split test --experts --json --scores P.scores > P.out
(the JSON is the last line of P.out: `experts.uttIds` and each expert's bona fide z-scores per clip;
P.scores gives each clip's attack and key), and the score file of the reference system (the
`--arch gmm` LFCC-GMM) on the same clips. Each rule combines the clip-level expert scores n (the
network), g (the GMM expert) and e (the excitation expert); EERs are the ASVspoof `compute_eer`, each
attack against all bona fide clips, averaged over the models.

The criterion, written down before the numbers were looked at (docs/results.md, 2026-12-02 night):
the rule whose worst attack (Griffin-Lim aside: the magnitude experts cannot see it, the reference is
at chance there) exceeds the reference by the least, among the rules whose pooled EER is within 1 pp
of the current rule's; a rule within 0.5 pp of the best on that criterion counts as tied, and a tie
goes to the current rule, then to the simpler rule (the earlier one in RULES).

Usage: /usr/bin/python3 scripts/fusion_rules.py --reference gmm.dev.scores run0.dev run1.dev ...
(each run prefix P names P.out and P.scores). Needs numpy.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

# The ASVspoof 2019 evaluation package's compute_eer, as the EER fixtures are generated with it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
from gen_eval import compute_eer  # noqa: E402

CURRENT = "min(mean(n,g),e)"
# name -> function of (n, g, e); simpler rules first
RULES = {
    CURRENT: lambda n, g, e: np.minimum((n + g) / 2, e),
    "min(g,e)": lambda n, g, e: np.minimum(g, e),
    "min(n,e)": lambda n, g, e: np.minimum(n, e),
    "min(n,g,e)": lambda n, g, e: np.minimum(np.minimum(n, g), e),
    "mean(n,g,e)": lambda n, g, e: (n + g + e) / 3,
    "min(mean(n,g),g,e)": lambda n, g, e: np.minimum(np.minimum((n + g) / 2, g), e),
    **{
        f"min({w:.1f}n+{1 - w:.1f}g,e)": (lambda w: lambda n, g, e: np.minimum(w * n + (1 - w) * g, e))(w)
        for w in (0.2, 0.3, 0.4)
    },
    # Fisher's combination of the experts' lower-tail probabilities under a normal bona fide score
    "log Phi(g)+log Phi(e)": lambda n, g, e: log_phi(g) + log_phi(e),
    # a soft minimum of the model's spectral score and e
    **{
        f"softmin T={t}(min(mean(n,g),g),e)": (
            lambda t: lambda n, g, e: -t * np.logaddexp(-np.minimum((n + g) / 2, g) / t, -e / t)
        )(t)
        for t in (0.5, 1.0)
    },
}
GRIFFIN_LIM = "griffin-lim"


def log_phi(z: np.ndarray) -> np.ndarray:
    """log of the standard normal CDF."""
    return np.log(0.5 * np.frompyfunc(math.erfc, 1, 1)(-z / math.sqrt(2)).astype(float))


def read_scores(path: str) -> dict:
    """utt_id -> (attack, key, score) from an ASVspoof CM score file."""
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                sys.exit(f"fusion_rules: {path}: expected 'utt_id attack key score', got {line!r}")
            rows[parts[0]] = (parts[1], parts[2], float(parts[3]))
    return rows


def eers(score: np.ndarray, attacks: np.ndarray, bonafide: np.ndarray) -> dict:
    """Pooled and per-attack EER (bona fide = target, higher = more bona fide)."""
    out = {"pooled": float(compute_eer(score[bonafide], score[~bonafide])[0])}
    for a in sorted(set(attacks[~bonafide])):
        out[a] = float(compute_eer(score[bonafide], score[attacks == a])[0])
    return out


def load_run(prefix: str):
    with open(f"{prefix}.out") as f:
        lines = [line for line in f if line.startswith("{")]
    if not lines:
        sys.exit(f"fusion_rules: {prefix}.out has no JSON line (run evaluate with --json --experts)")
    experts = json.loads(lines[-1]).get("experts")
    if experts is None:
        sys.exit(f"fusion_rules: {prefix}.out has no 'experts' (run evaluate with --experts)")
    by_name = {s["name"]: np.array(s["scores"], dtype=float) for s in experts["systems"]}
    for name in ("network", "gmm", "excitation"):
        if name not in by_name:
            sys.exit(f"fusion_rules: {prefix}.out has no '{name}' expert (has {sorted(by_name)})")
    return experts["uttIds"], by_name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", required=True, help="score file of the reference system on the same clips")
    ap.add_argument("runs", nargs="+", help="prefixes P of P.out and P.scores, one per trained model")
    args = ap.parse_args()
    reference = read_scores(args.reference)
    table = {rule: [] for rule in RULES}
    for prefix in args.runs:
        utts, experts = load_run(prefix)
        meta = read_scores(f"{prefix}.scores")
        missing = [u for u in utts if u not in meta or u not in reference]
        if missing:
            sys.exit(f"fusion_rules: {len(missing)} clips of {prefix}.out lack a score line, e.g. {missing[0]}")
        attacks = np.array([meta[u][0] for u in utts])
        bonafide = np.array([meta[u][1] == "bonafide" for u in utts])
        for rule, f in RULES.items():
            table[rule].append(eers(f(experts["network"], experts["gmm"], experts["excitation"]), attacks, bonafide))
    ref = eers(np.array([reference[u][2] for u in utts]), attacks, bonafide)
    columns = list(ref)
    mean = {rule: {c: 100 * np.mean([r[c] for r in rows]) for c in columns} for rule, rows in table.items()}
    worst = {
        rule: max(m[c] - 100 * ref[c] for c in columns if c not in ("pooled", GRIFFIN_LIM)) for rule, m in mean.items()
    }
    print(f"EER %, mean of {len(args.runs)} models; 'worst excess' = max over attacks but {GRIFFIN_LIM} of rule - reference")
    print(" | ".join(["rule", *columns, "worst excess"]))
    print(" | ".join(["reference", *(f"{100 * ref[c]:.1f}" for c in columns), ""]))
    for rule, m in mean.items():
        print(" | ".join([rule, *(f"{m[c]:.1f}" for c in columns), f"{worst[rule]:+.1f}"]))
    eligible = [r for r in RULES if mean[r]["pooled"] <= mean[CURRENT]["pooled"] + 1.0]
    best = min(worst[r] for r in eligible)
    tied = [r for r in eligible if worst[r] <= best + 0.5]
    choice = CURRENT if CURRENT in tied else tied[0]
    best_rule = min(eligible, key=lambda r: worst[r])
    print(f"eligible (pooled within 1 pp of {CURRENT}): {', '.join(eligible)}")
    print(f"smallest worst excess: {best_rule} ({best:+.1f}); tied within 0.5 pp: {', '.join(tied)}")
    print(f"the criterion picks: {choice}")


if __name__ == "__main__":
    main()
