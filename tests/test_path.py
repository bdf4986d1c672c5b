"""The regularisation path (clogreg._path): one engine for fit and the CV.

References: independent ``LogisticRegression.fit`` calls at each C (the
path must reach the same optima), an exact count of the column-statistics
passes, exact iteration counts (warm starts must save iterations), and the
change-of-variables formulas W = W_std / scale, b = b_std - W . mean.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from clogreg import LogisticRegression, kernels
from clogreg import _path as path_mod
from clogreg._validation import as_row_matrix, check_X, check_y

CS = [1e-3, 1e-2, 1e-1, 1.0, 10.0]


def _data(n_classes, seed=0, n=240, d=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.array([1.0, 8.0, 0.2, 1.0, 3.0])[:d]
    w = rng.normal(size=(n_classes, d))
    y = np.argmax(X @ w.T / 3 + rng.gumbel(size=(n, n_classes)), axis=1)
    return X, y


def _path(est, X, y, Cs, sw=None, stats=None):
    solver, n_threads = est._validated_params()
    X = check_X(X, accept_sparse=True)
    classes, y_index = check_y(y, X.shape[0])
    Xm = as_row_matrix(X)
    weight_sum = float(X.shape[0] if sw is None else np.sum(sw))
    penalties = [est.set_params(C=c)._penalty_strengths(weight_sum) for c in Cs]
    return classes, path_mod.fit_path(est, X, Xm, classes, y_index, sw, solver,
                                      n_threads, penalties, stats=stats)


def _as_model(est, classes, path, point, X):
    m = LogisticRegression(**est.get_params())
    k = 1 if classes.shape[0] == 2 else classes.shape[0]
    m._store(point.theta, classes, k, X.shape[1], X.dtype, path.mean,
             point.scale)
    return m


def _objective(model, X, y, C, penalty, l1_ratio=0.5):
    """scikit-learn's objective in numpy float64: C * sum log-loss + penalty."""
    proba = model.predict_proba(X).astype(np.float64)
    loss = -np.log(proba[np.arange(y.shape[0]), y]).sum()
    W = np.asarray(model.coef_, dtype=np.float64)
    if hasattr(model, "scale_"):   # standardize=True penalises W * scale
        W = W * model.scale_
    r = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    return C * loss + r * np.abs(W).sum() + (1 - r) / 2 * (W ** 2).sum()


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("penalty, solver", [("l2", "lbfgs"), ("l2", "newton"),
                                             ("l1", "lbfgs"),
                                             ("elasticnet", "lbfgs")])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("standardize", [False, True])
def test_path_reaches_the_optima_of_independent_fits(n_classes, penalty, solver,
                                                     sparse, standardize):
    # References: an independent fit at each C, and the numpy objective.
    # With an L1 part and 3 classes, a cold OWL-QN fit at C=10 may report
    # convergence (status 0) ~5e-6 (relative) above the optimum the
    # warm-started path reaches (scikit-learn's saga at tol=1e-12 agrees
    # with the path to 1e-14): there, the path must do at least as well.
    X, y = _data(n_classes)
    Xin = sp.csr_matrix(X) if sparse else X
    # l1_ratio only where it is used (scikit-learn warns about it otherwise)
    params = dict(penalty=penalty, solver=solver, tol=1e-10, max_iter=5000,
                  standardize=standardize,
                  l1_ratio=0.5 if penalty == "elasticnet" else None)
    est = LogisticRegression(**params)
    classes, path = _path(est, Xin, y, CS)
    assert len(path.points) == len(CS)
    for c, point in zip(CS, path.points, strict=True):
        assert point.status == 0
        ref = LogisticRegression(C=c, **params).fit(Xin, y)
        got = _as_model(est, classes, path, point, X)
        f_got = _objective(got, X, y, c, penalty)
        f_ref = _objective(ref, X, y, c, penalty)
        assert f_got <= f_ref * (1 + 1e-11)
        if f_ref - f_got <= 1e-11 * f_ref:
            assert_allclose(got.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
            assert_allclose(got.intercept_, ref.intercept_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("precondition", [True, False])
def test_column_statistics_are_computed_once_per_path(monkeypatch, precondition):
    X, y = _data(2)
    calls = []
    original = kernels._column_moments

    def counting(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(kernels, "_column_moments", counting)
    # lbfgs preconditions (an alpha-dependent scale); 'gd' with a fixed step
    # and standardize=True uses the alpha-free standard deviations.
    est = (LogisticRegression(tol=1e-8) if precondition else
           LogisticRegression(solver="gd", learning_rate=0.5, standardize=True))
    _, path = _path(est, X, y, CS)
    assert len(path.points) == len(CS)
    assert len(calls) == 1
    # and passing the statistics in skips even that pass
    stats = path_mod.column_statistics(as_row_matrix(X), None)
    calls.clear()
    _path(est, X, y, CS, stats=stats)
    assert calls == []


@pytest.mark.parametrize("n_classes", [2, 3])
def test_warm_starts_save_iterations(n_classes):
    # reference: the exact iteration counts of cold fits at the same Cs
    X, y = _data(n_classes, seed=3, n=400, d=5)
    Cs = np.logspace(-3, 3, 8)
    est = LogisticRegression(tol=1e-8, max_iter=1000)
    _, path = _path(est, X, y, Cs)
    warm = sum(p.n_iter for p in path.points)
    cold = sum(LogisticRegression(C=c, tol=1e-8, max_iter=1000).fit(X, y).n_iter_
               for c in Cs)
    assert warm < cold


def test_carry_keeps_the_model_in_original_units():
    # reference: W = W_std / scale, b = b_std - W . mean, before and after
    rng = np.random.default_rng(1)
    k, d = 3, 4
    mean = rng.normal(size=d)
    old = np.array([1.0, 2.0, np.inf, 0.5])
    new = np.array([3.0, 0.25, np.inf, 0.5])
    theta = rng.normal(size=k * d + k)
    theta[:k * d].reshape(k, d)[:, 2] = 0.0      # a frozen column sits at 0
    carried = path_mod._carry(theta, k, d, old, new)

    def original_units(t, scale):
        coef = t[:k * d].reshape(k, d) / scale
        return coef, t[k * d:] - coef @ mean

    for a, b in zip(original_units(theta, old), original_units(carried, new),
                    strict=True):
        assert_allclose(a, b, rtol=1e-15, atol=1e-15)
    assert np.isfinite(carried).all()
    assert (carried[:k * d].reshape(k, d)[:, 2] == 0).all()


def test_fit_is_a_path_of_one_point():
    # reference: the path routine's own single point, stored as fit stores it
    X, y = _data(3)
    est = LogisticRegression(C=0.3, tol=1e-6)
    fitted = LogisticRegression(C=0.3, tol=1e-6).fit(X, y)
    classes, path = _path(est, X, y, [0.3])
    (point,) = path.points
    got = _as_model(est, classes, path, point, X)
    assert np.array_equal(got.coef_, fitted.coef_)
    assert np.array_equal(got.intercept_, fitted.intercept_)
    assert point.n_iter == fitted.n_iter_ or np.array_equal(
        np.atleast_1d(fitted.n_iter_), [point.n_iter])
