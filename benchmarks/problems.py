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


# Soil-type frequencies close to covertype's (per 581,012 rows): from
# 115,247 rows for the commonest to a handful for the rarest.
_SOIL_COUNTS = np.array([
    3031, 7525, 4823, 12396, 1597, 6575, 105, 179, 1147, 32634, 12410, 29971,
    17431, 599, 3, 2845, 3422, 1899, 4021, 9259, 838, 33373, 57752, 21278,
    474, 2589, 1086, 946, 115247, 30170, 25666, 52519, 45154, 1611, 1891, 119,
    298, 15573, 13806, 8750], dtype=np.float64)


def covtype_like_correlated(n=500_000, seed=0, noise=1.0):
    """(X, y) like ``covtype_like``, with covertype's dependences between
    columns, which the column scaling of the preconditioner cannot undo:
    the three hillshades are the sun's illumination of a slope of the
    row's aspect and slope (9am, noon, 3pm), the distances grow with the
    elevation (and the distance to fire points with that to roads), the
    wilderness area and the soil type depend on the elevation (each soil
    type has its own elevation band and wilderness preferences), and the
    soil types have covertype's frequencies, down to a few rows in 500k.
    Labels: the same kind of logistic model as ``covtype_like``, its
    logistic noise scaled by ``noise`` (2: harder labels, a linear fit's
    accuracy 0.75, as on covertype)."""
    rng = np.random.default_rng(seed)
    elev = rng.normal(2960, 280, n)
    aspect = rng.uniform(0, 360, n)
    slope = rng.gamma(3.0, 4.7, n)
    a, s = np.radians(aspect), np.radians(slope)

    def hillshade(azimuth, zenith):
        z, b = np.radians(zenith), np.radians(azimuth)
        light = np.cos(z) * np.cos(s) + np.sin(z) * np.sin(s) * np.cos(b - a)
        return np.clip(255 * light + rng.normal(0, 3, n), 0, 255)

    shade = [hillshade(110, 45), hillshade(180, 25), hillshade(250, 55)]
    water = rng.gamma(1.5, 180, n) * np.exp((elev - 2960) / 1500)
    water_v = 0.2 * water + rng.normal(0, 40, n)
    roads = rng.gamma(1.6, 1470, n) * np.exp((elev - 2960) / 700)
    fire = rng.gamma(1.8, 1100, n) * np.exp((elev - 2960) / 900) + 0.2 * roads
    cont = np.column_stack([elev, aspect, slope, water, water_v, roads,
                            *shade, fire])
    ez = (elev - 2960) / 280

    def draw(logits):
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return (p.cumsum(axis=1) > rng.uniform(size=(n, 1))).argmax(axis=1)

    area = draw(np.column_stack([0.3 * ez, np.full(n, -1.5), -0.2 * ez,
                                 -1.0 - 1.2 * ez]))
    band = rng.normal(0, 1.2, 40)
    prefer = rng.normal(0, 1.0, (4, 40))
    soil = draw(np.log(_SOIL_COUNTS / _SOIL_COUNTS.sum())
                - 0.5 * (ez[:, None] - band) ** 2 + prefer[area])
    onehot = np.hstack([np.eye(4)[area], np.eye(40)[soil]])
    X = np.ascontiguousarray(np.hstack([cont, onehot]))
    z = (cont - cont.mean(axis=0)) / cont.std(axis=0)
    score = (z @ rng.normal(0, 1.0, 10) + onehot @ rng.normal(0, 1.0, 44)
             + 0.3 * z[:, 0] ** 2)
    y = (score + noise * rng.logistic(size=n)
         > np.median(score)).astype(np.int64)
    return X, y
