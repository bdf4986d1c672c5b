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
    """(R, e): up to m rows of positive weight as the solver sees them
    (standardised, with a column of ones for the intercept), such that

        R'R 4^e / m_R  estimates  sum_i s_i r_i r_i' / S

    (m_R the number of rows of R), the weighted second-moment matrix on
    which the mean objective's Hessian is built; |R| < 1.  Rows of weight 0
    add nothing to it and are not sampled.  With at most m rows of positive
    weight, R holds all of them, each times sqrt(s_i / s_mean) (s_mean =
    S / n_pos), and the estimate is exact.  With more, R holds m rows
    picked at evenly spaced points of the cumulative weight (systematic
    sampling in proportion to the weight, each pick standing for S / m of
    it): a row that carries a large share of S is picked that often rather
    than missed, as it would be among evenly spaced rows.  With equal
    weights these are evenly spaced rows.

    A column of infinite scale (a frozen constant column) is 0 in the
    solver's coordinates.  The rows themselves may lie beyond float64's
    range (a feature near 1e300 over a scale near 1e-10), R never does:
    the rows are halved before centring (x - mean cannot overflow), and
    each column j is built as

        (x_j / 2 - mean_j / 2) / 2^p_j  /  (scale_j / 2^q_j)  *  2^(p_j - q_j),

    the first two factors in (-1, 1) and [1, 2) (``frexp``), the last
    brought down by the largest such power of two over the columns.  All
    factors are powers of two but the division by the scale, so without
    weights R is the plain standardised rows times one power of two,
    exactly (short of underflow).
    """
    n = X.shape[0]
    idx = np.arange(n) if sw is None else np.flatnonzero(sw > 0)
    factor = None
    if sw is not None and idx.shape[0] <= m:
        factor = np.sqrt(sw[idx] / (float(np.sum(sw)) / idx.shape[0]))  # <= sqrt(n_pos)
    elif sw is not None:
        # the row whose weight interval [cum_i - s_i, cum_i) holds each point
        before = np.cumsum(sw[idx]) - sw[idx]
        points = np.linspace(0.0, before[-1], m)
        idx = idx[np.searchsorted(before, points, side="right") - 1]
    else:
        idx = idx[np.linspace(0, n - 1, min(n, m)).astype(np.intp)]
    rows = X[idx]
    rows = rows.toarray() if hasattr(rows, "toarray") else rows
    half = np.asarray(rows, dtype=np.float64) * 0.5
    divisor = np.ones(half.shape[1]) if scale is None else scale
    if scale is not None and fit_intercept:
        half -= 0.5 * mean
    if scale is not None:
        frozen = np.isinf(scale)
        half[:, frozen] = 0.0
        divisor = np.where(frozen, 1.0, scale)
    if fit_intercept:
        half = np.hstack([half, np.full((half.shape[0], 1), 0.5)])
        divisor = np.append(divisor, 1.0)
    p = np.frexp(np.abs(half).max(axis=0, initial=0.0))[1]
    q = np.frexp(divisor)[1] - 1
    R = np.ldexp(half, -p) / np.ldexp(divisor, -q)
    if factor is not None:
        R *= factor[:, None]
    nonzero = (R != 0).any(axis=0)
    if not nonzero.any():
        return R, 0
    shift = int((p - q)[nonzero].max())
    R = np.ldexp(R, (p - q) - shift)
    top = int(np.frexp(np.abs(R).max())[1])
    # rows = 2 * R * 2^(shift + top) after this last step
    return np.ldexp(R, -top), 1 + shift + top


def sgd_default_step(X, sw, k, fit_intercept, alpha, mean, scale,
                     precondition=False):
    """min(4 / L, 1 / P), L = c * lambda + P: c = 1/4 (binary) or 1/2
    (multinomial) bounds the loss's curvature, lambda is the top eigenvalue
    of the weighted second-moment matrix of the rows the solver sees,
    estimated on up to 1024 rows of positive weight by 20 power iterations
    on a copy scaled into (-1, 1) (``_weighted_sample``), and P is the
    largest curvature of the L2 penalty in the solver's coordinates: alpha,
    or, when (mean, scale) only precondition and the penalty stays on the
    original coefficients, alpha / scale_j^2 (up to 1, for a feature of
    variance << alpha).

    The loss's bound is rarely reached (p (1 - p) = 1/4 only at p = 1/2),
    whence the 4; the penalty's curvature is exact, and a step beyond
    2 / P would make the penalty alone diverge, theta_j <- (1 - step P)
    theta_j: 1 / P damps it without oscillation.  Floored at the smallest
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
    pen = alpha
    if precondition and scale is not None and alpha > 0:
        # (sqrt(alpha) / scale)^2 <= 1: the preconditioner's scales are at
        # least sqrt(alpha); an infinite (frozen) scale gives 0
        pen = float(np.max((math.sqrt(alpha) / scale) ** 2, initial=0.0))
    if not c * lam + pen > 0:
        return 1.0
    step = 4.0 / (c * lam + pen)
    if pen > 0:
        step = min(step, 1.0 / pen)
    return max(step, float(np.finfo(np.float64).tiny))


def curvature_bound(Xm, sw, k, fit_intercept, alpha, scale):
    """Upper bound on the Hessian of the mean objective: sigmoid' <= 1/4 and
    the softmax Hessian <= 1/2 in operator norm, times the mean squared row
    norm (which bounds lambda_max(X'X / n)), +1 for the intercept column.
    With (standardising) ``scale``, a feature's mean square is 1, or 0 for a
    frozen constant column (scale inf)."""
    if scale is not None:
        mean_sq = float(np.count_nonzero(np.isfinite(scale)))
    elif hasattr(Xm, "column_moments"):     # external (Dask) data
        mean_sq = min(Xm.column_moments(weighted=False)[3], 1e300)
    else:
        d = Xm.shape[1]
        _, mean_sq = kernels._column_moments(Xm, None, np.zeros(d), np.zeros(d))
        mean_sq = min(mean_sq, 1e300)
    c = 0.25 if k == 1 else 0.5
    return c * (mean_sq + (1.0 if fit_intercept else 0.0)) + alpha
