"""Problems shared by the benchmarks (no timing here).

``covtype_like``: a stand-in for the UCI covertype data in raw units, as
the libsvm covtype.binary set holds it: 54 columns, of which 10 are
continuous on very different scales (an elevation in metres around
2,000-3,900, an aspect in degrees, a slope, three distances of up to
several thousand metres, three hillshade indices 0-255 and a distance to
fire points), then 4 one-hot wilderness areas and 40 one-hot soil types.
The labels come from a logistic model on the standardised columns with
logistic noise, so the problem has a finite optimum and is ill-conditioned
only through its units, which is what an unscaled covtype fit meets.
"""

import numpy as np


def covtype_like(n=500_000, seed=0):
    """(X, y): float64 n x 54 in raw units, int labels 0/1."""
    rng = np.random.default_rng(seed)
    cont = np.column_stack([
        rng.normal(2960, 280, n),            # elevation (m)
        rng.uniform(0, 360, n),              # aspect (degrees)
        rng.gamma(3.0, 4.7, n),              # slope (degrees)
        rng.gamma(1.5, 180, n),              # horizontal distance to water
        rng.normal(46, 58, n),               # vertical distance to water
        rng.gamma(1.6, 1470, n),             # horizontal distance to roads
        rng.normal(212, 27, n).clip(0, 255),  # hillshade 9am
        rng.normal(223, 20, n).clip(0, 255),  # hillshade noon
        rng.normal(142, 38, n).clip(0, 255),  # hillshade 3pm
        rng.gamma(1.8, 1100, n),             # horizontal distance to fire
    ])
    wild = np.eye(4)[rng.choice(4, n, p=[0.45, 0.05, 0.44, 0.06])]
    soil = np.eye(40)[rng.choice(40, n, p=rng.dirichlet(np.full(40, 0.5)))]
    X = np.ascontiguousarray(np.hstack([cont, wild, soil]))
    z = (cont - cont.mean(axis=0)) / cont.std(axis=0)
    w_cont = rng.normal(0, 1.0, 10)
    w_cat = rng.normal(0, 1.0, 44)
    score = z @ w_cont + np.hstack([wild, soil]) @ w_cat + 0.3 * z[:, 0] ** 2
    y = (score + rng.logistic(size=n) > np.median(score)).astype(np.int64)
    return X, y
