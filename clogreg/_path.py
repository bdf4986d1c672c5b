"""The regularisation path: one fit's orchestration, for one C or many.

Design: ``LogisticRegression.fit`` solves a path of length one and
``LogisticRegressionCV`` a path per fold, through the same routine
(``fit_path``), so that a fold's fit at C is the estimator's fit at C.  The
column statistics (one pass over X) are computed once per path and reused
by every point: the change of variables of a point depends on its L2
strength only through ``sqrt(c * std^2 + alpha)``, never through the
statistics themselves.  Points are solved in the order given (the caller
puts the strongest penalty first), each started from the previous optimum
carried over into its own coordinates.

What it must never do: warn or raise about convergence itself (the caller
does, from its own frame: a fold may run in a worker thread), or mutate the
estimator it reads its parameters from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import kernels, solvers
from ._heuristics import hands_over, run_auto
from ._rowmatrix import RowMatrix
from ._steps import curvature_bound, sgd_default_step

_LBFGS_MEMORY = 10
_SGD_N_ITER_NO_CHANGE = 5


def column_statistics(Xm, sw):
    """(mean, std) of the columns, weighted by ``sw`` (one pass over X).
    External data (``clogreg._dask``) computes them with its own weights."""
    if is_external(Xm):
        return Xm.column_moments()[:2]
    d = Xm.shape[1]
    mean = np.zeros(d)
    std = np.zeros(d)
    kernels._column_moments(Xm, sw, mean, std)
    return mean, std


def is_external(Xm):
    """True for data that computes its own sums over rows (a Dask fit's
    ``DaskData``) rather than a RowMatrix for the kernels."""
    return not isinstance(Xm, RowMatrix)


def class_totals(Xm, y_index, sw, n_classes):
    """The weight of each class (sample weights times class weights)."""
    if is_external(Xm):
        return Xm.class_totals
    return np.bincount(y_index, weights=sw, minlength=n_classes)


def change_of_variables(est, stats, k, alpha, precondition=False,
                        freeze=False):
    """The scale of the change of variables for L2 strength ``alpha``, given
    the column statistics ``stats = (mean, std)``; None when the fit runs in
    the original coordinates.

    standardize=True: the column standard deviations.  As a
    preconditioner: scales that make the diagonal of the objective's
    curvature about 1 in the new coordinates,
    ``sqrt(c * E[(x_j - m_j)^2] + alpha)`` (c = 1/4 binary, 1/2
    multinomial, the bound on the loss's curvature; m_j the mean with an
    intercept, which centres, and 0 without one, when that diagonal is
    c * E[x_j^2] + alpha), so that features of tiny variance, whose
    curvature comes from the penalty, are balanced too.

    A column of zero variance (detected exactly by the statistics pass)
    gets scale 1 with standardize=True, and the penalty's scale as a
    preconditioner.  With ``freeze`` (fit, with an intercept) its scale is
    +inf instead: the engine's 1 / scale = 0 holds its coefficient at
    exactly 0, the optimum (the intercept carries the constant, and any
    other split only adds penalty), so that its contribution to every
    score is exactly 0 whatever its magnitude; otherwise the rounding noise
    of sum_i r_i x_j - m_j sum_i r_i, times 1/scale, drives it.  Without an
    intercept a constant c != 0 acts as one, and standardize=True scales it
    by |c| (its root mean square), so that the solver sees a column of +-1
    rather than of c.
    """
    if not (est.standardize or precondition):
        return None
    mean, std = stats
    tiny = np.finfo(np.float64).tiny
    constant = std == 0.0
    if est.standardize:
        subnormal = np.flatnonzero((std > 0) & (std < tiny))
        if subnormal.size:
            # coef_ = (standardised coefficient) / std: about 1e308 and
            # more, and the engine's 1 / std overflows.
            j = int(subnormal[0])
            raise ValueError(
                f"X column {j} has standard deviation {std[j]:.3g}, below "
                f"the smallest normal float64 ({tiny:.3g}): with "
                "standardize=True its coefficient per unit of X would "
                "overflow float64; multiply that feature by a large "
                "constant (1e300, say) before fitting")
        scale = std.copy()
        if not est.fit_intercept:
            scale[constant] = np.abs(mean[constant])
    else:
        root_c = np.sqrt(0.25 if k == 1 else 0.5)
        spread = std if est.fit_intercept else np.hypot(std, mean)
        # sqrt(c * spread^2 + alpha), without squaring a value near 1e300
        scale = np.hypot(root_c * spread, np.sqrt(alpha))
    # A zero (all-zero feature) or subnormal scale (whose inverse may
    # overflow) leaves the feature unscaled.
    scale[~(scale >= tiny) | ~np.isfinite(scale)] = 1.0
    if freeze and est.fit_intercept:
        scale[constant] = np.inf
    return scale


def uses_preconditioner(est, solver):
    """Unless the user fixed the step size, solve in standardised
    coordinates even without standardize=True: the same change of
    variables, with the penalty kept on the original coefficients, is a
    diagonal preconditioner that leaves the optimum unchanged and cuts the
    passes over X severalfold on unscaled or correlated data."""
    return not est.standardize and (
        solver in ("lbfgs", "newton") or est.learning_rate is None)


@dataclass
class PathPoint:
    """One solved point: ``theta`` in the solver's coordinates (those of
    ``scale``), the solver's iteration count, status and passes over X, the
    objective curve, and whether the data looked separable (unpenalised
    points only)."""
    theta: np.ndarray
    scale: np.ndarray | None
    n_iter: int
    status: int
    n_passes: int
    curve: list = field(default_factory=list)
    separable: bool = False


@dataclass
class Path:
    """The solved points, in the order of the penalties, and the column
    means they share (None when no change of variables was used)."""
    mean: np.ndarray | None
    points: list


def _carry(theta, k, d, old_scale, new_scale):
    """theta of one point's coordinates in those of the next: the
    coefficients in original units, W = W_std / scale, are the same, and
    so is the intercept b_std = b + W . mean (the mean is shared), so only
    the coefficient block is rescaled, by new_scale / old_scale.  A frozen
    column (scale inf in both) stays at 0."""
    if old_scale is None or new_scale is None or old_scale is new_scale:
        return theta.copy()
    out = theta.copy()
    coef = theta[:k * d].reshape(k, d) / old_scale
    out[:k * d] = (coef * np.where(np.isinf(new_scale), 0.0, new_scale)).ravel()
    return out


def _still_descending(obj, theta):
    """True when doubling the parameters (coefficients and intercepts: the
    whole separating direction) lowers the unpenalised objective.  Near a
    finite optimum of a convex function that is impossible, so the data
    are separable along theta.  Costs two passes, unpenalised fits only."""
    grad = np.empty_like(theta)
    f = obj.value_and_gradient(theta, grad)
    f2 = obj.value_and_gradient(2.0 * theta, grad)
    return f2 < f


def _solve(est, solver, obj, theta, X, Xm, sw, k, alpha, mean, scale,
           precondition, curve, tol=None, max_iter=None, progress=None):
    """Run ``solver`` on ``obj`` from ``theta`` (in place), with est's tol
    and max_iter unless given: (n_iter, status, n_passes).  ``progress``:
    the clock of verbose's lines (None: the solver starts one)."""
    max_iter = int(est.max_iter if max_iter is None else max_iter)
    tol = float(est.tol if tol is None else tol)
    callback, verbose = est.callback, int(est.verbose)
    if solver == "lbfgs":
        if hands_over(est, is_external(Xm)):      # solver='auto'
            return run_auto(obj, theta, tol, max_iter, _LBFGS_MEMORY,
                            callback, verbose, curve, progress)
        return solvers.lbfgs(obj, theta, tol, max_iter, _LBFGS_MEMORY,
                             callback, verbose, curve, progress)
    if solver == "newton":
        return solvers.newton(obj, theta, tol, max_iter, callback, verbose,
                              curve, progress)
    if solver == "gd":
        lr = float(est.learning_rate or 0.0)
        step0 = 0.0
        if not lr:
            step0 = 1.0 / curvature_bound(Xm, sw, k, est.fit_intercept,
                                           alpha, scale)
        return solvers.gd(obj, theta, tol, max_iter, lr, step0, callback,
                          verbose, curve, progress)
    batch = est._batch_size(X.shape[0])
    lr = est.learning_rate
    if lr is None:
        lr = sgd_default_step(X, sw, k, est.fit_intercept, alpha, mean,
                              scale, precondition)
    n_iter, status, _, _ = solvers.sgd(
        obj, theta, tol, max_iter, float(lr), batch, est._seed(),
        _SGD_N_ITER_NO_CHANGE, 0, callback, verbose, curve, progress,
        est.learning_rate is None)
    return n_iter, status, n_iter


def fit_path(est, X, Xm, classes, y_index, sw, solver, n_threads, penalties,
             stats=None, start=None, progress=None):
    """Solve ``est``'s problem at each (alpha, l1) of ``penalties`` in turn.

    Parameters
    ----------
    est : LogisticRegression
        Read for its parameters (fit_intercept, standardize, tol, max_iter,
        learning_rate, callback, verbose...) and, when ``start`` is None,
        its warm start (``est._start``); never modified.
    X, Xm : the validated X and its RowMatrix
    classes, y_index, sw : the labels, their codes and the sample weights
        (times the class weights)
    solver : engine solver name; n_threads : engine threads
    penalties : sequence of (alpha, l1), the strengths of the mean
        objective, strongest first for the warm starts to pay
    stats : (mean, std) from ``column_statistics``, or None to compute them
        here when a change of variables needs them
    start : a fitted model (``fit_intercept``, ``coef_``, ``intercept_``
        in original units) to start the first point from, or None for
        ``est._start`` (log-odds intercepts, or est's warm start)
    progress : solvers.Progress or None
        The clock of verbose's lines, started when fit was called (None:
        each solver starts its own)

    Returns
    -------
    Path
        Stops after a point whose objective became non-finite (status 3).
    """
    n, d = X.shape
    k = 1 if classes.shape[0] == 2 else classes.shape[0]
    fit_intercept = bool(est.fit_intercept)
    precondition = uses_preconditioner(est, solver)
    if stats is None and (est.standardize or precondition):
        stats = column_statistics(Xm, sw)
        if progress is not None:
            progress.say(int(est.verbose), "column statistics done")
    mean = None if stats is None or not (est.standardize or precondition) \
        else stats[0]
    points = []
    theta = None
    scale = None
    for alpha, l1 in penalties:
        new_scale = change_of_variables(est, stats, k, alpha, precondition,
                                        freeze=True)
        if theta is None:
            if start is None:
                theta = est._start(classes,
                                   class_totals(Xm, y_index, sw, classes.shape[0]),
                                   k, d, mean, new_scale)
            else:
                theta = _theta_from_model(start, k, d, mean, new_scale)
        else:
            theta = _carry(theta, k, d, scale, new_scale)
        scale = new_scale
        obj = solvers.Objective(Xm, y_index, sw, k, fit_intercept, alpha, l1,
                                mean, scale, n_threads, precondition)
        # (for external data, y_index and sw are None: it holds its own)
        curve = []
        n_iter, status, n_passes = _solve(est, solver, obj, theta, X, Xm, sw,
                                          k, alpha, mean, scale, precondition,
                                          curve, progress=progress)
        if n_iter == 0 and points and est.max_iter > 0:
            # The previous point, carried, already meets tol at this C: take
            # one step anyway, so that every point is solved at its own C
            # (scikit-learn's checks expect n_iter_ >= 1).
            carried = theta.copy()
            n_iter, _, more = _solve(est, solver, obj, theta, X, Xm, sw, k,
                                     alpha, mean, scale, precondition, curve,
                                     tol=0.0, max_iter=1, progress=progress)
            n_passes += more
            if np.array_equal(theta, carried):
                # No step was taken: keep the previous point's exact
                # parameters, which the carry's rescaling moved by an ulp
                # (coefficient norms must not decrease with C).
                theta, scale = points[-1].theta.copy(), points[-1].scale
        separable = bool(status in (0, 4) and alpha == 0.0 and l1 == 0.0
                         and _still_descending(obj, theta))
        points.append(PathPoint(theta.copy(), scale, int(n_iter), int(status),
                                int(n_passes), curve, separable))
        if status == 3:
            break
    return Path(mean, points)


def _no_blas_dot(coef, mean):
    """coef @ mean (one value per row of coef) without calling BLAS: after
    any BLAS call, OpenBLAS keeps its worker threads spinning for a while,
    and on a 2-core machine they take the cores from the engine's own
    threads in the next fit or prediction (measured: a 100k x 20k sparse
    fit ran 15-20% slower right after one)."""
    return (coef * mean).sum(axis=1)


def _dense(coef):
    """coef_ as an ndarray: ``sparsify()`` may have made it a scipy sparse
    matrix (only scipy's have ``toarray``; scipy is not imported here)."""
    return coef.toarray() if hasattr(coef, "toarray") else coef


def _theta_from_model(model, k, d, mean, scale):
    """The fitted coefficients as a solver start, in standardised units
    when (mean, scale) are given: W_std = W * scale, b_std = b + W . mean."""
    fit_intercept = bool(model.fit_intercept)
    theta = np.zeros(k * d + (k if fit_intercept else 0))
    coef = np.asarray(_dense(model.coef_), dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    if scale is not None:
        if fit_intercept:
            intercept = intercept + _no_blas_dot(coef, mean)
        # a frozen (constant) column, scale inf, starts at its fixed 0: the
        # intercept above took over its old contribution
        coef = coef * np.where(np.isinf(scale), 0.0, scale)
    theta[:k * d] = coef.ravel()
    if fit_intercept:
        theta[k * d:] = intercept
    return theta
