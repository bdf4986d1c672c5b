"""Degenerate data that must not give a silent wrong model (issue 12, items
1, 2, 3, 5, 6): constant columns, CSR rows repeating a column, a constant
column standing in for the intercept, one very heavy sample weight.

References: exact definitions (a constant column's mean is that constant
and its standard deviation 0), the fit on the same data without the
constant column, the fit on ``X.toarray()``, scikit-learn, and L-BFGS at
``tol=1e-10``.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from clogreg import ConvergenceWarning, LogisticRegression, kernels
from clogreg._steps import _weighted_sample, sgd_default_step
from clogreg._validation import check_sparse

sp = pytest.importorskip("scipy.sparse")

SOLVERS = ["lbfgs", "newton", "gd", "sgd"]


def _data(n=60, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.linspace(1.0, -1.0, d) + rng.logistic(size=n) > 0).astype(int)
    return X.astype(dtype), y


def _with_column(X, c):
    return np.hstack([X, np.full((X.shape[0], 1), c, dtype=X.dtype)])


# ---------------------------------------------------------- item 2: moments
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
def test_constant_columns_get_exact_mean_and_zero_std(dtype, sparse):
    # Reference: the definition.  0.1 summed 30 times is not 30 * 0.1, so
    # the two-pass formulas alone leave noise (std ~5e-16 on main).
    consts = [0.1, 0.7, -3.0, 1e-3]
    if dtype == np.float64:
        consts += [1e-50, 1e-200, 1e-300, -3e150, 1e300]
    n = 30
    rng = np.random.default_rng(1)
    X = np.column_stack([np.full(n, c) for c in consts]
                        + [rng.normal(size=n)]).astype(dtype)
    sw = rng.uniform(0.5, 2.0, n)
    sw[::7] = 0.0
    X[::7, :-1] = 5.0          # rows of weight 0 do not break constancy
    Xm = kernels.RowMatrix(X) if not sparse else kernels.RowMatrix.csr(
        *(lambda A: (A.data, A.indices, A.indptr))(sp.csr_matrix(X)), X.shape[1])
    for w in (None, sw):
        mean = np.zeros(X.shape[1])
        std = np.zeros(X.shape[1])
        kernels._column_moments(Xm, w, mean, std)
        if w is None:          # now every row counts, and row 0 holds 5.0
            assert (std[:-1] > 0).all()
            continue
        assert_array_equal(std[:-1], 0.0)
        assert_array_equal(mean[:-1], X[1, :-1].astype(np.float64))
        assert std[-1] > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_csr_constancy_counts_the_implicit_zeros(dtype):
    # Column 0: 0.1 stored in every row (constant 0.1); column 1: 0.1 stored
    # in some rows, implicit 0 elsewhere (not constant); column 2: explicit
    # and implicit zeros (constant 0); column 3: nothing stored (constant 0).
    indptr = np.array([0, 3, 5, 7], dtype=np.int32)
    indices = np.array([0, 1, 2, 0, 2, 0, 1], dtype=np.int32)
    data = np.array([0.1, 0.1, 0.0, 0.1, 0.0, 0.1, 0.1], dtype=dtype)
    Xm = kernels.RowMatrix.csr(data, indices, indptr, 4)
    mean = np.zeros(4)
    std = np.zeros(4)
    kernels._column_moments(Xm, None, mean, std)
    dense = sp.csr_matrix((data, indices, indptr), shape=(3, 4)).toarray()
    assert_array_equal(mean[[0, 2, 3]], [float(dtype(0.1)), 0.0, 0.0])
    assert_array_equal(std[[0, 2, 3]], 0.0)
    assert_allclose(std[1], dense[:, 1].astype(np.float64).std(), rtol=1e-15)
    assert_allclose(mean[1], dense[:, 1].astype(np.float64).mean(), rtol=1e-15)


@pytest.mark.parametrize("c", [0.1, 0.7, 1e-50, 1e-200, 1e-300])
def test_standardize_gives_a_constant_column_scale_1_and_coefficient_0(c):
    # Reference: the fit without the column.  On main scale_ was ~5e-16, the
    # coefficient ~1e14 (1e63 for 1e-50), and 1e-300 raised.
    X, y = _data()
    Xc = _with_column(X, c)
    model = LogisticRegression(standardize=True).fit(Xc, y)
    ref = LogisticRegression(standardize=True).fit(X, y)
    assert model.scale_[-1] == 1.0 and model.mean_[-1] == c
    assert model.coef_[0, -1] == 0.0
    assert_allclose(model.coef_[:, :-1], ref.coef_, rtol=1e-12)
    # a constant 0.1% off moves no score
    shifted = _with_column(X, c * 1.001)
    assert_allclose(model.decision_function(shifted), ref.decision_function(X),
                    rtol=1e-12, atol=1e-12)


# ----------------------------------------- "Done means": the property test
_CONSTANTS = np.random.default_rng(2024).choice([-1.0, 1.0], 9) * np.array(
    [1e-300, 1e-200, 1e-50, 1e-3, 0.1, 3.0, 7.0, 1e150, 1e300])


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_constant_column_is_harmless_to_every_solver(solver, standardize):
    """For a random constant c (either sign, 1e-300..1e300) and a finite C,
    the column's contribution |c * coef| <= 1e-6; lbfgs/newton/gd give the
    probabilities of the fit without the column to 1e-6, sgd its accuracy
    to 0.01.  On main: sgd 1e13 and more, the others 1e12 above 1e50."""
    X, y = _data(n=80, seed=3)
    for i, c in enumerate(_CONSTANTS):
        C = (0.1, 1.0, 1e4)[i % 3]
        kw = dict(solver=solver, standardize=standardize, C=C, random_state=0)
        Xc = _with_column(X, c)
        model = LogisticRegression(**kw).fit(Xc, y)
        ref = LogisticRegression(**kw).fit(X, y)
        assert abs(c * model.coef_[0, -1]) <= 1e-6, (c, C)
        if solver == "sgd":
            assert abs(model.score(Xc, y) - ref.score(X, y)) <= 0.01, (c, C)
        else:
            assert_allclose(model.predict_proba(Xc), ref.predict_proba(X),
                            atol=1e-6, err_msg=f"c={c}, C={C}")


# ------------------------------------------------ item 1: sgd's own step
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", [3.0, 0.1, 7.0, 1e-3])
def test_sgd_with_a_constant_column_keeps_the_accuracy(c, dtype):
    # The case (C=1e4): on main the column got 1e5-1e10 and the
    # accuracy moved by 0.01-0.03.  Reference: the fit without it.
    X, y = _data(n=100, d=2, seed=2, dtype=dtype)
    Xc = _with_column(X, c)
    model = LogisticRegression(solver="sgd", C=1e4, random_state=0).fit(Xc, y)
    ref = LogisticRegression(solver="sgd", C=1e4, random_state=0).fit(X, y)
    assert model.coef_[0, -1] == 0.0
    assert model.score(Xc, y) == ref.score(X, y)


def test_sgd_step_respects_the_penalty_curvature_of_a_near_constant_column():
    # Not exactly constant (no freezing): variance 1e-24 << alpha.  As a
    # preconditioner its scale is ~sqrt(alpha), so the penalty's curvature
    # in the solver's coordinates is ~1 and a step beyond 2 makes
    # theta <- (1 - step) theta diverge: on main the step was 4.4 and the
    # coefficient reached 1e15.  Reference: the fit without the column.
    X, y = _data(n=30, d=2, seed=2)
    tiny = 1e-12 * np.random.default_rng(0).normal(size=(30, 1))
    Xc = np.hstack([X, 0.1 + tiny])
    model = LogisticRegression(solver="sgd", random_state=0).fit(Xc, y)
    ref = LogisticRegression(solver="sgd", random_state=0).fit(X, y)
    assert abs(model.coef_[0, -1]) * 1e-12 < 1e-6
    assert abs(model.score(Xc, y) - ref.score(X, y)) <= 0.01
    # the step itself: min(4 / (c lambda + P), 1 / P), P = alpha / scale^2
    alpha = 1.0 / 30
    mean, scale = LogisticRegression(solver="sgd")._standardization(
        kernels.RowMatrix(Xc), None, 1, alpha, precondition=True, freeze=True)
    pen = np.max(alpha / scale ** 2)
    assert 0.99 < pen <= 1.0 + 1e-15
    step = sgd_default_step(Xc, None, 1, True, alpha, mean, scale, True)
    assert step <= (1.0 + 1e-12) / pen


# --------------------------------------------- item 3: repeated CSR indices
def _csr_with_repeats(dtype, seed=4):
    """A CSR matrix whose rows repeat column indices (unsorted), values on
    a 1/8 grid so that any summation order gives the same sums."""
    rng = np.random.default_rng(seed)
    n, d = 120, 4
    rows, cols, vals = [], [], []
    for i in range(n):
        for _ in range(6):
            rows.append(i)
            cols.append(int(rng.integers(d)))
            vals.append(float(rng.integers(-16, 17)) / 8)
    order = np.argsort(rows, kind="stable")
    indptr = np.searchsorted(np.array(rows)[order], np.arange(n + 1))
    X = sp.csr_matrix((np.array(vals, dtype=dtype)[order],
                       np.array(cols, dtype=np.int32)[order],
                       indptr.astype(np.int32)), shape=(n, d))
    y = (X.toarray() @ np.array([1.0, -1.0, 0.5, 0.0])
         + rng.logistic(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("solver", SOLVERS)
def test_repeated_csr_indices_fit_as_the_dense_matrix(solver, standardize, dtype):
    # Reference: the fit on X.toarray() (repeats add up, as in scipy).  On
    # main scale_ was [1.0, 0.449] where the dense one is [1.344, 1.067].
    X, y = _csr_with_repeats(dtype)
    assert not X.has_canonical_format
    before = (X.data.copy(), X.indices.copy(), X.indptr.copy())
    kw = dict(solver=solver, standardize=standardize, random_state=0)
    model = LogisticRegression(**kw).fit(X, y)
    ref = LogisticRegression(**kw).fit(X.toarray(), y)
    rtol = 1e-4 if dtype == np.float32 else 1e-7
    if standardize:
        assert_allclose(model.scale_, ref.scale_, rtol=1e-12)
        assert_allclose(model.mean_, ref.mean_, rtol=1e-12)
    assert_allclose(model.coef_, ref.coef_, rtol=rtol, atol=rtol)
    assert_allclose(model.intercept_, ref.intercept_, rtol=rtol, atol=rtol)
    # the user's matrix is left as it was
    for a, b in zip((X.data, X.indices, X.indptr), before, strict=True):
        assert_array_equal(a, b)


def test_check_sparse_copies_only_when_a_row_repeats_a_column():
    X, _ = _csr_with_repeats(np.float64)
    canonical = X.copy()
    canonical.sum_duplicates()
    assert check_sparse(canonical) is canonical          # no copy
    # each row's entries reversed: unsorted, without repeats
    ip = canonical.indptr
    perm = np.concatenate([np.arange(a, b)[::-1]
                           for a, b in zip(ip[:-1], ip[1:], strict=True)])
    unsorted = sp.csr_matrix((canonical.data[perm], canonical.indices[perm],
                              canonical.indptr), shape=canonical.shape)
    assert not unsorted.has_canonical_format
    assert check_sparse(unsorted) is unsorted
    summed = check_sparse(X)
    assert summed is not X and summed.nnz < X.nnz
    assert_array_equal(summed.toarray(), X.toarray())


# -------------------------------- item 5: a constant column as an intercept
@pytest.mark.parametrize("c", [1e300, -1e300, 1e150])
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_huge_constant_column_fits_the_intercept_without_one(solver, c):
    # Reference: the fit with fit_intercept=True and no constant column.
    # Without an intercept the column's coefficient w gives the score
    # w * c, and its penalty alpha * w^2 / 2 = alpha * (w c)^2 / (2 c^2)
    # vanishes for |c| >= 1e150: the same objective, with b = w c.  On
    # main lbfgs/newton/gd returned all zeros (accuracy 0.447).
    X, y = _data(n=200, d=2, seed=3)
    y = (X @ [1.0, -1.0] + 1.5
         + np.random.default_rng(3).logistic(size=200) > 0).astype(int)
    Xc = _with_column(X, c)
    model = LogisticRegression(solver=solver, fit_intercept=False,
                               random_state=0)
    if solver == "gd":
        # gd stops on the gradient in the user's units, c times a residual
        # mean, which cannot fall below tol at |c| = 1e300: it warns
        # (reaching max_iter) with the fitted model.
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            model.fit(Xc, y)
    else:
        model.fit(Xc, y)
    ref = LogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
    if solver == "sgd":        # stochastic: the accuracy, and 10%
        assert model.score(Xc, y) >= ref.score(X, y) - 0.02
        assert_allclose(model.coef_[0, -1] * c, ref.intercept_[0], rtol=0.1)
        return
    assert_allclose(model.coef_[0, :2], ref.coef_[0], rtol=1e-4)
    assert_allclose(model.coef_[0, -1] * c, ref.intercept_[0], rtol=1e-4)


@pytest.mark.parametrize("c", [1e300, -2.0, 1e-300])
def test_standardize_without_intercept_scales_a_constant_by_its_magnitude(c):
    # Without an intercept features are scaled, not centred, and a
    # constant c becomes the column sign(c): an intercept penalised as the
    # other standardised coefficients.  Reference: scikit-learn on
    # [X / std, sign(c)] without an intercept (same objective).
    from sklearn.linear_model import LogisticRegression as SkLR
    X, y = _data(n=200, d=2, seed=3)
    y = (X @ [1.0, -1.0] + 1.5
         + np.random.default_rng(3).logistic(size=200) > 0).astype(int)
    Xc = _with_column(X, c)
    model = LogisticRegression(standardize=True, fit_intercept=False,
                               tol=1e-10, max_iter=1000).fit(Xc, y)
    std = X.std(axis=0)
    Z = np.column_stack([X / std, np.full(200, np.sign(c))])
    sk = SkLR(fit_intercept=False, tol=1e-12, max_iter=10000).fit(Z, y)
    assert model.scale_[-1] == abs(c)
    assert_allclose(model.coef_[0, :2] * std, sk.coef_[0, :2], rtol=1e-6)
    assert_allclose(model.coef_[0, -1] * abs(c), sk.coef_[0, -1], rtol=1e-6)


# ------------------------------------------------ item 6: heavy weights
def test_sgd_with_one_heavy_sample_weight_matches_lbfgs():
    # One row of weight 1e4 among 999 of weight 1.  On main sgd returned
    # [11.3, -7.8] where lbfgs gives [5.42, -2.86]: each batch's gradient
    # was divided by its own weight sum, which weights the heavy row's
    # batch like any other.  Reference: lbfgs at tol=1e-10; sgd is within
    # 15% (unweighted sgd on the same data is within 7%).
    n = 1000
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    y = (X @ [2.0, -1.0] + rng.logistic(size=n) > 0).astype(int)
    sw = np.ones(n)
    sw[0] = 1e4
    model = LogisticRegression(solver="sgd", random_state=0).fit(X, y, sample_weight=sw)
    ref = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y, sample_weight=sw)
    err = np.linalg.norm(model.coef_ - ref.coef_) / np.linalg.norm(ref.coef_)
    assert err <= 0.15


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_one_row_batches_honour_the_weights(dtype):
    # With batch_size=1, dividing a batch's gradient by its own weight
    # cancelled the weight: main converged to the unweighted optimum.
    # Reference: weighted lbfgs at tol=1e-10 (0.03 at this step), and the
    # unweighted optimum is more than 0.05 away.
    rng = np.random.default_rng(5)
    n = 400
    X = rng.normal(size=(n, 2)).astype(dtype)
    y = (X @ [1.0, -1.0] + rng.logistic(size=n) > 0).astype(int)
    sw = np.where(X[:, 0] > 0, 8.0, 1.0)
    model = LogisticRegression(solver="sgd", batch_size=1, learning_rate=0.02,
                               max_iter=200, tol=1e-6, random_state=0).fit(
        X, y, sample_weight=sw)
    ref = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
    unweighted = LogisticRegression(tol=1e-10).fit(X, y)
    theta = np.append(model.coef_, model.intercept_)
    assert np.abs(theta - np.append(ref.coef_, ref.intercept_)).max() <= 0.03
    assert np.abs(np.append(unweighted.coef_, unweighted.intercept_)
                  - np.append(ref.coef_, ref.intercept_)).max() > 0.05


def test_the_step_sample_does_not_miss_a_heavy_row():
    # 3000 rows of positive weight, more than the 1024 sampled: evenly
    # spaced rows missed row 1 (weight 1e4, far out), which dominates the
    # weighted second-moment matrix.  Sampling in proportion to the weight
    # finds it.  Reference: numpy's eigvalsh of sum_i s_i r_i r_i' / S.
    rng = np.random.default_rng(7)
    n = 3000
    X = rng.normal(size=(n, 2))
    X[1] = [30.0, -30.0]
    sw = np.ones(n)
    sw[1] = 1e4
    mean = np.average(X, axis=0, weights=sw)
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sw))
    R = np.column_stack([(X - mean) / scale, np.ones(n)])
    exact = np.linalg.eigvalsh((R * sw[:, None]).T @ R / sw.sum()).max()
    S, e = _weighted_sample(X, sw, mean, scale, True)
    estimate = np.linalg.eigvalsh(S.T @ S / S.shape[0]).max() * 4.0 ** e
    assert_allclose(estimate, exact, rtol=0.05)
    # equal weights keep the evenly spaced rows (and their bits)
    S1, e1 = _weighted_sample(X, np.ones(n), mean, scale, True)
    S0, e0 = _weighted_sample(X, None, mean, scale, True)
    assert_array_equal(S1, S0)
    assert e1 == e0
