"""scikit-learn peer of bench/w5-gmm.ts: the ASVspoof 2019 LFCC-GMM on frames exported by specmorph.

Usage: gmm_peer.py DIR N_COMPONENTS N_SEEDS. DIR holds frames.f32 (time-major float32 frames) and
index.json ({dims, clips: [{id, label, attack, split, offset, n}]}). For each seed, fits
GaussianMixture(n_components, covariance_type='diag', random_state=seed) with scikit-learn's defaults
(k-means init, max_iter 100, tol 1e-3, reg_covar 1e-6) on the bona fide and on the spoof training
frames, scores each test clip as mean frame log-likelihood (bona fide) - (spoof), and prints one JSON
line: {"sklearn": version, "runs": [{eer, per_attack: [{attack, n, eer}], fit_wall, fit_cpu, n_iter}]}.
EERs use the ASVspoof 2019 compute_eer (as specmorph's computeEer).
"""
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture


def compute_eer(target_scores, nontarget_scores):
    # ASVspoof 2019 eval_metrics.py compute_det_curve + compute_eer.
    n_scores = target_scores.size + nontarget_scores.size
    all_scores = np.concatenate((target_scores, nontarget_scores))
    labels = np.concatenate((np.ones(target_scores.size), np.zeros(nontarget_scores.size)))
    indices = np.argsort(all_scores, kind='mergesort')
    labels = labels[indices]
    tar_trial_sums = np.cumsum(labels)
    nontarget_trial_sums = nontarget_scores.size - (np.arange(1, n_scores + 1) - tar_trial_sums)
    frr = np.concatenate((np.atleast_1d(0), tar_trial_sums / target_scores.size))
    far = np.concatenate((np.atleast_1d(1), nontarget_trial_sums / nontarget_scores.size))
    i = np.argmin(np.abs(frr - far))
    return float(np.mean((frr[i], far[i])))


def main():
    folder, n_components, n_seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(os.path.join(folder, 'index.json')) as f:
        index = json.load(f)
    dims = index['dims']
    frames = np.fromfile(os.path.join(folder, 'frames.f32'), dtype='<f4').reshape(-1, dims).astype(np.float64)
    clips = index['clips']

    def stack(split, label):
        return np.concatenate([frames[c['offset']:c['offset'] + c['n']] for c in clips if c['split'] == split and c['label'] == label])

    bona, spoof = stack('train', 'bonafide'), stack('train', 'spoof')
    test = [c for c in clips if c['split'] == 'test']
    runs = []
    for seed in range(n_seeds):
        t0, c0 = time.perf_counter(), time.process_time()
        gb = GaussianMixture(n_components, covariance_type='diag', random_state=seed).fit(bona)
        gs = GaussianMixture(n_components, covariance_type='diag', random_state=seed).fit(spoof)
        fit_wall, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
        scores = np.array([gb.score(frames[c['offset']:c['offset'] + c['n']]) - gs.score(frames[c['offset']:c['offset'] + c['n']]) for c in test])
        is_bona = np.array([c['label'] == 'bonafide' for c in test])
        attacks = sorted({c['attack'] for c in test if c['label'] == 'spoof'})
        per_attack = []
        for a in attacks:
            sel = np.array([c['label'] == 'spoof' and c['attack'] == a for c in test])
            per_attack.append({'attack': a, 'n': int(sel.sum()), 'eer': compute_eer(scores[is_bona], scores[sel])})
        runs.append({'eer': compute_eer(scores[is_bona], scores[~is_bona]), 'per_attack': per_attack, 'fit_wall': fit_wall,
                     'fit_cpu': fit_cpu, 'n_iter': [int(gb.n_iter_), int(gs.n_iter_)]})
    print(json.dumps({'sklearn': sklearn.__version__, 'runs': runs}))


if __name__ == '__main__':
    main()
