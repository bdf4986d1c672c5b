"""Step-size heuristics of the solvers: the curvature bound of 'gd' and the
automatic step of 'sgd'.

Design: both are upper bounds on the curvature of the mean objective in
the coordinates the solver sees (standardised or preconditioned), so that
a step of 1/L (gd) or 4/L (sgd, whose tail averaging absorbs the noise)
never diverges.  They read X only through a small sample or the column
statistics, never a full extra pass.  What they must never do: return a
step that is zero, NaN or infinite, or overflow on any finite X.
"""

from __future__ import annotations

import math

import numpy as np

from . import kernels


def _weighted_sample(X, sw, mean, scale, fit_intercept, m=1024):
    """(R, e): up to m evenly spaced rows of positive weight as the solver
    sees them (standardised, with a column of ones for the intercept), each
    times sqrt(s_i / s_mean), s_mean = S / n_pos the mean weight of the
    n_pos rows of positive weight: these rows are R * 2^e, with |R| < 1.

    R'R 4^e / m estimates the weighted second-moment matrix on which the
    mean objective's Hessian is built, sum_i s_i r_i r_i' / S (exactly,
    when n_pos <= m); rows of weight 0 add nothing to it and are not
    sampled.  The rows themselves may lie beyond float64's range (a
    feature near 1e300 over a scale near 1e-10), R never does: the rows
    are halved before centring (x - mean cannot overflow), and each column
    j is built as

        (x_j / 2 - mean_j / 2) / 2^p_j  /  (scale_j / 2^q_j)  *  2^(p_j - q_j),

    the first two factors in (-1, 1) and [1, 2) (``frexp``), the last
    brought down by the largest such power of two over the columns.  All
    factors are powers of two but the division by the scale, so without
    weights R is the plain standardised rows times one power of two,
    exactly (short of underflow).
    """
    n = X.shape[0]
    idx = np.arange(n) if sw is None else np.flatnonzero(sw > 0)
    idx = idx[np.linspace(0, idx.shape[0] - 1, min(idx.shape[0], m)).astype(np.intp)]
    rows = X[idx]
    rows = rows.toarray() if hasattr(rows, "toarray") else rows
    half = np.asarray(rows, dtype=np.float64) * 0.5
    divisor = np.ones(half.shape[1]) if scale is None else scale
    if scale is not None and fit_intercept:
        half -= 0.5 * mean
    if fit_intercept:
        half = np.hstack([half, np.full((half.shape[0], 1), 0.5)])
        divisor = np.append(divisor, 1.0)
    p = np.frexp(np.abs(half).max(axis=0, initial=0.0))[1]
    q = np.frexp(divisor)[1] - 1
    R = np.ldexp(half, -p) / np.ldexp(divisor, -q)
    if sw is not None:
        n_pos = np.count_nonzero(sw)           # weights are >= 0
        R *= np.sqrt(sw[idx] / (float(np.sum(sw)) / n_pos))[:, None]  # <= sqrt(n_pos)
    nonzero = (R != 0).any(axis=0)
    if not nonzero.any():
        return R, 0
    shift = int((p - q)[nonzero].max())
    R = np.ldexp(R, (p - q) - shift)
    top = int(np.frexp(np.abs(R).max())[1])
    # rows = 2 * R * 2^(shift + top) after this last step
    return np.ldexp(R, -top), 1 + shift + top


def sgd_default_step(X, sw, k, fit_intercept, alpha, mean, scale):
    """4 / L, L = c * lambda + alpha: c = 1/4 (binary) or 1/2 (multinomial)
    bounds the loss's curvature, and lambda is the top eigenvalue of the
    weighted second-moment matrix of the rows the solver sees, estimated on
    up to 1024 rows of positive weight by 20 power iterations on a copy
    scaled into (-1, 1) (``_weighted_sample``).  Floored at the smallest
    normal float64, since the solver needs a positive step."""
    R, e = _weighted_sample(X, sw, mean, scale, fit_intercept)
    v = np.ones(R.shape[1]) / math.sqrt(R.shape[1])
    lam = 0.0
    for _ in range(20):
        w = R.T @ (R @ v) / R.shape[0]
        lam = float(np.linalg.norm(w))
        if lam == 0.0:
            break
        v = w / lam
    try:
        lam = math.ldexp(lam, 2 * e)
    except OverflowError:      # beyond float64's range: the step is ~0
        lam = math.inf
    c = 0.25 if k == 1 else 0.5
    if not c * lam + alpha > 0:
        return 1.0
    return max(4.0 / (c * lam + alpha), float(np.finfo(np.float64).tiny))


def curvature_bound(Xm, sw, k, fit_intercept, alpha, standardized):
    """Upper bound on the Hessian of the mean objective: sigmoid' <= 1/4 and
    the softmax Hessian <= 1/2 in operator norm, times the mean squared row
    norm (which bounds lambda_max(X'X / n)), +1 for the intercept column.
    Standardised features have mean squared row norm <= n_features."""
    if standardized:
        mean_sq = float(Xm.shape[1])
    else:
        d = Xm.shape[1]
        _, mean_sq = kernels._column_moments(Xm, None, np.zeros(d), np.zeros(d))
        mean_sq = min(mean_sq, 1e300)
    c = 0.25 if k == 1 else 0.5
    return c * (mean_sq + (1.0 if fit_intercept else 0.0)) + alpha
