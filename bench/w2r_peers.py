#!/usr/bin/python3
"""Peer timings for bench/w2r-reconstruction.ts (run by it with Debian's /usr/bin/python3).

    w2r_peers.py time IMAGE.f32 OUTDIR N   times scikit-image's opening and closing by
                                           reconstruction (rect 5x5 erosion/dilation, then
                                           `reconstruction` with its default 3x3 footprint) on the
                                           W2 spectrogram, N runs each; prints one JSON line of
                                           median milliseconds and writes both results to OUTDIR

The input is the W2 spectrogram (w2_peers.py make).
"""
import json
import sys

import numpy as np

from w2_peers import COLS, ROWS, median_ms


def timing(path, outdir, runs):
    import skimage
    from skimage.morphology import dilation, erosion, reconstruction
    img = np.fromfile(path, dtype=np.float32).reshape(ROWS, COLS)
    fp = np.ones((5, 5), bool)
    opening = lambda: reconstruction(erosion(img, fp), img, method='dilation')
    closing = lambda: reconstruction(dilation(img, fp), img, method='erosion')
    res = {
        'opening': median_ms(opening, runs), 'closing': median_ms(closing, runs),
        'versions': {'skimage': skimage.__version__, 'numpy': np.__version__},
    }
    # float64 out, but every value is one of the float32 inputs: the cast is exact
    opening().astype(np.float32).tofile(f'{outdir}/skimage-opening.f32')
    closing().astype(np.float32).tofile(f'{outdir}/skimage-closing.f32')
    print(json.dumps(res))


if __name__ == '__main__':
    timing(sys.argv[2], sys.argv[3], int(sys.argv[4]))
