"""Property-based tests (hypothesis) of the kernels and of the input path
into them, over shapes, dtypes, memory layouts and values, including
+-1e300, subnormals and signed zeros.

Reference: float64 numpy on every generated case (exact rational
arithmetic for the column statistics, where the float64 formula itself
underflows).  The engine sums in a
different order than numpy does, and with values near 1e300 a sum can
cancel, so results are compared within a forward error bound rather than
a fixed tolerance: a sum of m terms computed in any order is within
m * eps * (sum of the terms' absolute values) of the exact sum (Higham,
Accuracy and Stability of Numerical Algorithms, 2nd ed., section 3.1), and
each later step (sigmoid, softmax, log-loss, products) adds its Lipschitz
constant times that error plus a few ulps.  Both the engine and the
reference err, so each bound is the sum of two such bounds.  Where the
result must not depend on the layout (strided, Fortran, big-endian,
read-only, converted dtypes), it is compared bit for bit with the result
on a C-contiguous copy.

Every case must give either a clear ValueError or TypeError or a finite
result within the bound; anything else (a crash, a NaN, a numpy warning,
which pytest turns into an error) fails.

Budget: the default profile "ci" runs 60 examples per test, derandomised
(the same examples on every run, so CI is reproducible) and without the
example database.  A longer, random exploration:

    HYPOTHESIS_PROFILE=long python -m pytest tests/test_hypothesis.py

("long": 2000 examples per test, a fresh random seed each run, failing
examples remembered in .hypothesis/ and replayed first; about 3 minutes on
two idle cores).  HYPOTHESIS_PROFILE=smoke runs 10 examples per test, for
a quick look under a slow tool.
"""

import math
import os
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

import clogreg
from clogreg import ConvergenceWarning, LogisticRegression, kernels

settings.register_profile(
    "clogreg-ci", max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "clogreg-smoke", max_examples=10, deadline=None, derandomize=True,
    database=None, suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.data_too_large])
settings.register_profile(
    "clogreg-long", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if _PROFILE not in ("ci", "smoke", "long"):
    raise RuntimeError(f"HYPOTHESIS_PROFILE={_PROFILE!r}: use ci, smoke or long")
# Applied per test, not loaded globally: other modules keep their settings.
PROFILE = settings.get_profile(f"clogreg-{_PROFILE}")

EPS = np.finfo(np.float64).eps
TINY = 1e-300          # absolute slack for products that underflow
UNDERFLOW = 5e-324     # the largest rounding error of a subnormal result

# -------------------------------------------------------------- strategies
_SPECIAL64 = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300,
              -1e-300, 1e300, -1e300, 1e150, -1e150, 1.0, -1.0]
_SPECIAL32 = [0.0, -0.0, 1e-45, -1e-45, 1.1754944e-38, 1e-38, -1e-38,
              1e38, -1e38, 1e19, -1e19, 1.0, -1.0]


def feature_values(dtype, limit=None):
    """Ordinary numbers mixed with the extremes of the dtype (subnormals,
    +-0, values near the largest finite) in about equal parts; ``limit``
    caps the magnitude."""
    dtype = np.dtype(dtype)
    special = _SPECIAL32 if dtype == np.float32 else _SPECIAL64
    big = 1e38 if dtype == np.float32 else 1e300
    if limit is not None:
        special = [v for v in special if abs(v) <= limit]
        big = min(big, limit)
    # bounds and values exactly representable in the dtype
    special = [float(dtype.type(v)) for v in special]
    big = float(dtype.type(big))
    width = 32 if dtype == np.float32 else 64
    return st.one_of(
        st.floats(-10, 10, width=width),
        st.sampled_from(special),
        st.floats(-big, big, width=width),
    )


@st.composite
def dense_problem(draw, limit=None, max_n=30, max_d=19):
    """X (C-contiguous float32/float64), class indices y, optional sample
    weights, coefficients (n_classes, d) and an optional intercept."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    k = draw(st.sampled_from([1, 1, 3, 4]))
    X = draw(hnp.arrays(dtype, (n, d), elements=feature_values(dtype, limit)))
    y = draw(hnp.arrays(np.int32, n, elements=st.integers(0, max(k, 2) - 1)))
    coef = draw(hnp.arrays(np.float64, (k, d), elements=st.one_of(
        st.floats(-8, 8), st.sampled_from([0.0, -0.0, 5e-324]))))
    intercept = draw(st.none() | hnp.arrays(np.float64, k,
                                            elements=st.floats(-8, 8)))
    sw = draw(st.none() | hnp.arrays(np.float64, n, elements=st.one_of(
        st.floats(0, 4), st.sampled_from([0.0, 5e-324]))))
    return X, y, sw, coef, intercept


@st.composite
def csr_problem(draw, limit=None):
    """A CSR matrix in raw arrays (unsorted and repeated column indices and
    explicit zeros allowed, as scipy allows them), the dense matrix it
    stands for (repeats summed, computed exactly in float64 when the
    values are float64), and the rest of a problem."""
    X, y, sw, coef, intercept = draw(dense_problem(limit=limit, max_d=12))
    n, d = X.shape
    index_dtype = draw(st.sampled_from([np.int32, np.int64]))
    rows = [draw(st.lists(st.integers(0, d - 1), max_size=2 * d)) for _ in range(n)]
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(index_dtype)
    indices = np.array([c for r in rows for c in r], dtype=index_dtype)
    data = draw(hnp.arrays(X.dtype, indices.shape[0],
                           elements=feature_values(X.dtype, limit)))
    dense = np.zeros((n, d))
    magnitude = np.zeros((n, d))      # sum of |entries|: the error bounds'
    with np.errstate(over="ignore"):
        for i in range(n):
            for j in range(indptr[i], indptr[i + 1]):
                dense[i, indices[j]] += data[j]
                magnitude[i, indices[j]] += abs(float(data[j]))
    # Repeated indices that sum beyond the float range have no exact
    # reference; they are a legal but unreasonable input.
    assume(np.isfinite(magnitude).all())
    terms = np.diff(indptr).astype(np.float64)
    return ((data, indices, indptr, d), (dense, magnitude, terms), y, sw, coef,
            intercept)


LAYOUTS = ["C", "F", "rows-strided", "columns-strided", "reversed-rows",
           "reversed-columns", "read-only", "big-endian"]


def with_layout(X, layout):
    """The same values as X in another memory layout."""
    if layout == "C":
        return X
    if layout == "F":
        return np.asfortranarray(X)
    if layout == "rows-strided":
        return np.repeat(X, 2, axis=0)[::2]
    if layout == "columns-strided":
        return np.repeat(X, 3, axis=1)[:, ::3]
    if layout == "reversed-rows":
        return X[::-1].copy()[::-1]
    if layout == "reversed-columns":
        return X[:, ::-1].copy()[:, ::-1]
    if layout == "read-only":
        X = X.copy()
        X.flags.writeable = False
        return X
    return X.astype(X.dtype.newbyteorder(">"))


# -------------------------------------------------------------- references
def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def reference_scores(X, coef, intercept, magnitude=None, terms=None):
    """Scores in float64 numpy and a bound on their error: m * eps times
    the sum of |terms|, m = the number of products + 2 (the sum, the
    intercept), doubled for the reference's own rounding, plus underflow
    slack.  For CSR input, ``magnitude`` holds the sum of the absolute
    entries of each cell (repeated indices are added one by one) and
    ``terms`` the entries of each row."""
    X = np.asarray(X, dtype=np.float64)
    magnitude = np.abs(X) if magnitude is None else magnitude
    m = X.shape[1] if terms is None else terms
    b = 0.0 if intercept is None else intercept
    Z = X @ coef.T + b
    A = magnitude @ np.abs(coef).T + np.abs(b)
    dZ = (2 * (np.reshape(m, (-1, 1)) + 2) * EPS * A * (1 + 1e-6)
          + (np.reshape(m, (-1, 1)) + 1) * TINY)
    return Z, dZ


def reference_loss_gradient(X, y, sw, coef, intercept, magnitude=None,
                            terms=None):
    """Loss sum, gradients and probabilities in float64 numpy, each with
    an error bound."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    k = coef.shape[0]
    s = np.ones(n) if sw is None else sw
    Z, dZ = reference_scores(X, coef, intercept, magnitude, terms)
    absX = np.abs(X) if magnitude is None else magnitude
    if k == 1:
        z, dz = Z[:, 0], dZ[:, 0]
        P = stable_sigmoid(z)[:, None]
        loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
        dP = np.minimum(dz / 4, 1.0)[:, None] + 4 * EPS
        dloss = dz + 4 * EPS * np.abs(loss)
        R = P - (y == 1)[:, None]
    else:
        top = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - top)
        lse = top[:, 0] + np.log(E.sum(axis=1))
        P = E / E.sum(axis=1, keepdims=True)
        loss = lse - Z[np.arange(n), y]
        dzmax = dZ.max(axis=1)
        dP = np.minimum(2 * dzmax, 1.0)[:, None] + 4 * k * EPS
        dloss = 2 * dzmax + 4 * k * EPS * (np.abs(lse) + np.abs(Z).max(axis=1))
        R = P.copy()
        R[np.arange(n), y] -= 1.0
    rterms = np.abs(s)[:, None] * np.abs(R)
    loss_sum = (s * loss).sum()
    dloss_sum = (s * dloss).sum() + 2 * (n + 2) * EPS * (s * np.abs(loss)).sum() \
        + n * TINY
    G = (s[:, None] * R).T @ X
    n_terms = n if terms is None else terms.sum()   # (the entries, for CSR)
    # s_i * r_i may be subnormal (tiny weights): its rounding error, up to
    # UNDERFLOW, is then multiplied by x_ij
    dG = (s[:, None] * dP + UNDERFLOW).T @ absX \
        + 2 * (n_terms + 4) * EPS * rterms.T @ absX + n_terms * TINY
    g_b = (s[:, None] * R).sum(axis=0)
    dg_b = (s[:, None] * dP).sum(axis=0) + 2 * (n + 4) * EPS * rterms.sum(axis=0) \
        + n * TINY
    return dict(loss=(loss_sum, dloss_sum), grad=(G, dG), grad_b=(g_b, dg_b),
                proba=(P, dP), scores=(Z, dZ))


def assert_within(actual, expected, bound, what):
    actual = np.asarray(actual, dtype=np.float64)
    assert np.isfinite(actual).all(), f"{what}: non-finite result {actual}"
    err = np.abs(actual - expected)
    bad = ~(err <= bound)
    assert not bad.any(), (
        f"{what}: |engine - numpy| exceeds the error bound at "
        f"{np.argwhere(bad)[:5].tolist()}: engine {actual[bad][:5]}, numpy "
        f"{np.asarray(expected)[bad][:5]}, bound {np.asarray(bound)[bad][:5]}")


def run_loss_gradient(M, y, sw, coef, intercept, n_threads, with_proba=False):
    k = coef.shape[0]
    grad = np.empty_like(coef)
    grad_b = None if intercept is None else np.empty(k)
    proba = np.empty(y.shape[0] * k) if with_proba else None
    loss = kernels._loss_gradient(M, y, sw, coef, intercept, grad, grad_b,
                                  n_threads, proba)
    return loss, grad, grad_b, proba


def check_loss_gradient(M, dense, y, sw, coef, intercept, n_threads,
                        magnitude=None, terms=None):
    ref = reference_loss_gradient(dense, y, sw, coef, intercept, magnitude, terms)
    loss, grad, grad_b, proba = run_loss_gradient(M, y, sw, coef, intercept,
                                                  n_threads, with_proba=True)
    assert_within(loss, *ref["loss"], "loss")
    assert_within(grad, *ref["grad"], "coefficient gradient")
    if intercept is not None:
        assert_within(grad_b, *ref["grad_b"], "intercept gradient")
    # rows of weight 0 are skipped (their probabilities are reported as 0)
    P, dP = ref["proba"]
    live = np.ones(y.shape[0], bool) if sw is None else sw != 0
    assert_within(proba.reshape(P.shape)[live], P[live], dP[live], "probabilities")
    return ref, proba.reshape(P.shape)


# ------------------------------------------------------------------ kernels
@PROFILE
@given(problem=dense_problem(), n_threads=st.sampled_from([1, 2]))
def test_loss_gradient_dense_matches_numpy(problem, n_threads):
    X, y, sw, coef, intercept = problem
    check_loss_gradient(kernels.RowMatrix(X), X, y, sw, coef, intercept, n_threads)


@PROFILE
@given(problem=csr_problem(), n_threads=st.sampled_from([1, 2]))
def test_loss_gradient_csr_matches_numpy(problem, n_threads):
    (data, indices, indptr, d), (dense, magnitude, terms), y, sw, coef, \
        intercept = problem
    M = kernels.RowMatrix.csr(data, indices, indptr, d)
    check_loss_gradient(M, dense, y, sw, coef, intercept, n_threads, magnitude,
                        terms)


@PROFILE
@given(problem=dense_problem(limit=1e100), n_threads=st.sampled_from([1, 2]))
def test_hessian_product_matches_numpy(problem, n_threads):
    # |x| <= 1e100: H v is of order x^2 |v|, beyond the float range above.
    X, y, sw, coef, intercept = problem
    n, d = X.shape
    k = coef.shape[0]
    M = kernels.RowMatrix(X)
    *_, proba = run_loss_gradient(M, y, sw, coef, intercept, 1, with_proba=True)
    P = proba.reshape(n, k)
    v = np.cos(np.arange(k * d, dtype=np.float64)).reshape(k, d)
    v_b = None if intercept is None else np.linspace(-1, 1, k)
    out = np.empty_like(v)
    out_b = None if v_b is None else np.empty(k)
    kernels._hessian_product(M, sw, proba, v, v_b, out, out_b, n_threads)
    # Reference, with the same probabilities (float64 numpy):
    # binary: sum_i s_i p_i (1 - p_i) (x_i . v + v_b) x_i;
    # softmax: sum_i s_i p_ik (a_ik - sum_l p_il a_il) x_i, a_i = V x_i + v_b.
    Xd = X.astype(np.float64)
    s = np.ones(n) if sw is None else sw
    A, dA = reference_scores(Xd, v, v_b)
    if k == 1:
        W = (s * P[:, 0] * (1 - P[:, 0]))[:, None]
        T = W * A
        dT = W * (dA + 4 * EPS * np.abs(A))
    else:
        mean_a = (P * A).sum(axis=1, keepdims=True)
        T = s[:, None] * P * (A - mean_a)
        dA_max = dA.max(axis=1, keepdims=True)
        dT = s[:, None] * P * (2 * dA_max + 4 * k * EPS
                               * (np.abs(A) + (P * np.abs(A)).sum(axis=1,
                                                                  keepdims=True)))
    expected = T.T @ Xd
    bound = dT.T @ np.abs(Xd) + 2 * (n + 4) * EPS * np.abs(T).T @ np.abs(Xd) \
        + n * TINY
    assert_within(out, expected, bound, "Hessian product")
    if v_b is not None:
        assert_within(out_b, T.sum(axis=0), dT.sum(axis=0)
                      + 2 * (n + 4) * EPS * np.abs(T).sum(axis=0), "intercept part")


@PROFILE
@given(problem=dense_problem(), n_threads=st.sampled_from([1, 2, 3]))
def test_prediction_kernel_matches_numpy(problem, n_threads):
    X, _, _, coef, intercept = problem
    n, k = X.shape[0], coef.shape[0]
    M = kernels.RowMatrix(X)
    ref = reference_loss_gradient(X, np.zeros(n, np.int32), None, coef, intercept)
    Z, dZ = ref["scores"]
    scores = np.empty((n, k))
    kernels._predict_into(0, M, coef, intercept, scores, None, n_threads)
    assert_within(scores, Z, dZ, "decision function")
    width = 2 if k == 1 else k
    proba = np.empty((n, width))
    kernels._predict_into(1, M, coef, intercept, proba, None, n_threads)
    P, dP = ref["proba"]
    if k == 1:
        P, dP = np.c_[stable_sigmoid(-Z[:, 0]), P[:, 0]], np.c_[dP, dP]
    assert_within(proba, P, dP, "probabilities")
    assert_within(proba.sum(axis=1), np.ones(n), 4 * width * EPS, "row sums")
    cls = np.empty(n, dtype=np.intp)
    kernels._predict_into(2, M, coef, intercept, None, cls, n_threads)
    # The chosen class's score is the largest up to the scores' error bound
    # (a tie may go either way); binary: class 1 exactly when z > 0.
    if k == 1:
        decided = np.abs(Z[:, 0]) > dZ[:, 0]
        assert_array_equal(cls[decided], (Z[decided, 0] > 0).astype(np.intp))
    else:
        chosen = Z[np.arange(n), cls] + dZ[np.arange(n), cls]
        assert (chosen >= (Z - dZ).max(axis=1)).all()


def exact_moments(X, s):
    """Weighted column means and standard deviations in exact rational
    arithmetic, rounded once at the end.  (The float64 formula, numpy's
    included, underflows when the weights are subnormal: this reference
    must not.)"""
    w = [Fraction(float(v)) for v in s]
    total = sum(w)
    means, stds = [], []
    for j in range(X.shape[1]):
        col = [Fraction(float(x)) for x in X[:, j]]
        m = sum(wi * xi for wi, xi in zip(w, col, strict=True)) / total
        v = sum(wi * (xi - m) ** 2 for wi, xi in zip(w, col, strict=True)) / total
        means.append(float(m))
        stds.append(exact_sqrt(v))
    return np.array(means), np.array(stds)


def exact_sqrt(v):
    """sqrt of a non-negative Fraction, to within an ulp, for any exponent."""
    if v == 0:
        return 0.0
    k = (v.denominator.bit_length() - v.numerator.bit_length()) // 2
    return math.ldexp(math.sqrt(float(v * Fraction(4) ** k)), -k)


@PROFILE
@given(problem=dense_problem(max_n=20, max_d=8), use_weights=st.booleans())
def test_column_moments_match_exact_arithmetic(problem, use_weights):
    X, _, sw, _, _ = problem
    n, d = X.shape
    Xd = X.astype(np.float64)
    s = np.ones(n) if sw is None or not use_weights else sw
    assume(s.sum() > 1e-300)
    mean, std = np.empty(d), np.empty(d)
    max_sq, mean_sq = kernels._column_moments(
        kernels.RowMatrix(X), None if sw is None or not use_weights else sw,
        mean, std)
    m, ref = exact_moments(Xd, s)
    S = s.sum()
    # The engine's error: its sums (Higham's bound), and the underflow of
    # products with subnormal weights (up to UNDERFLOW each).
    assert_within(mean, m, 2 * (n + 4) * EPS * (s @ np.abs(Xd)) / S
                  + 2 * n * UNDERFLOW / S + TINY, "mean")
    # The engine sums the squared deviations in units u: 1, or, when the
    # column's largest magnitude c over the rows of positive weight exceeds
    # 1e100 or is below 1e-100 (so that nothing overflows or underflows),
    # the power of two with u / 2 <= c < u, at least 2**-1023.  (It also
    # uses them for a column whose plain weighted sum overflows; the bound
    # below is then infinite.)
    # |sqrt(a) - sqrt(b)| <= min(sqrt(|a - b|), |a - b| / sqrt(b)).
    pos = s > 0
    c = np.abs(Xd[pos]).max(axis=0)
    in_units = (c > 1e100) | ((c > 0) & (c < 1e-100))
    u = np.where(in_units, np.ldexp(1.0, np.maximum(np.frexp(c)[1], -1023)), 1.0)
    v = (ref / u) ** 2
    dv = 8 * (n + 6) * EPS * (s[pos] @ ((np.abs(Xd[pos]) + np.abs(m)) / u) ** 2) / S \
        + 2 * n * UNDERFLOW / S
    with np.errstate(divide="ignore", invalid="ignore"):    # v == 0: sqrt(dv)
        dstd = u * np.fmin(np.sqrt(dv), dv / np.sqrt(v)) + 8 * EPS * ref + TINY
    assert_within(std, ref, dstd, "standard deviation")
    with np.errstate(over="ignore"):     # squared row norms beyond 1e308
        sq = (Xd**2).sum(axis=1)
    if np.isfinite(sq).all():
        assert_within(max_sq, sq.max(), 2 * (d + 2) * EPS * sq.max() + TINY,
                      "max squared row norm")
        assert_within(mean_sq, sq.mean(), 2 * (n + d + 4) * EPS * sq.mean() + TINY,
                      "mean squared row norm")


@PROFILE
@given(a=hnp.arrays(st.sampled_from([np.float32, np.float64]),
                    hnp.array_shapes(min_dims=1, max_dims=3, max_side=40),
                    elements=st.one_of(st.floats(-1e6, 1e6, width=32),
                                       st.sampled_from([np.nan, np.inf, -np.inf,
                                                        0.0, -0.0]))),
       layout=st.sampled_from(["C", "F", "strided"]))
def test_first_nonfinite_matches_numpy(a, layout):
    if layout == "C" or a.ndim == 1 and layout == "F":
        found = kernels._first_nonfinite(np.ascontiguousarray(a))
        bad = np.flatnonzero(~np.isfinite(a))
        assert found == (bad[0] if bad.size else -1)
        return
    view = np.asfortranarray(a) if layout == "F" else np.repeat(a, 2, axis=-1)[..., ::2]
    if view.flags.c_contiguous:      # a single row or column is both
        return
    # The scan reads raw memory in C order: a view that is not C-contiguous
    # must be refused, never read as if it were.
    with pytest.raises((BufferError, ValueError)):
        kernels._first_nonfinite(view)


# --------------------------------------- the public functions on the kernels
def input_arrays(allow_infinity):
    """Arrays of every numeric dtype the public functions accept (float16,
    integers and booleans are read as float64), 1-D to 3-D."""
    def elements(dt):
        if np.dtype(dt) in (np.float32, np.float64):
            values = feature_values(dt)
            return values | st.sampled_from([np.inf, -np.inf]) \
                if allow_infinity else values
        if np.dtype(dt) == np.float16:
            return st.floats(width=16, allow_nan=False,
                             allow_infinity=allow_infinity)
        return None     # the whole range of the integer type

    dtypes = st.sampled_from([np.float64, np.float32, np.float16, np.int64,
                              np.int8, np.uint16, np.bool_])
    return dtypes.flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=1, max_dims=3, max_side=12),
        elements=elements(dt)))


def any_layout(a):
    """The same values in other layouts: Fortran order, negative strides,
    big-endian."""
    yield np.asfortranarray(a)
    yield a[::-1].copy()[::-1]
    if a.dtype.itemsize > 1:
        yield a.astype(a.dtype.newbyteorder(">"))


@PROFILE
@given(z=input_arrays(allow_infinity=True))
def test_sigmoid_matches_numpy_for_any_numeric_input(z):
    out = clogreg.sigmoid(z)
    expected_dtype = np.float32 if z.dtype == np.float32 else np.float64
    assert out.dtype == expected_dtype and out.shape == z.shape
    ref = stable_sigmoid(z.astype(np.float64))
    if expected_dtype == np.float32:
        # computed in float64, rounded once to float32 (numpy's reference
        # rounds the same float64 value): within one float32 ulp, and the
        # absolute float32 subnormal spacing below the smallest normal
        tol = np.maximum(np.abs(ref) * 2.0**-23, 2.0**-149)
    else:
        tol = 4 * EPS * np.abs(ref) + 5e-324
    assert_within(out, ref, tol, "sigmoid")
    for other in any_layout(z):
        assert_array_equal(clogreg.sigmoid(other), out)


@PROFILE
@given(Z=input_arrays(allow_infinity=False), data=st.data())
def test_softmax_matches_numpy_for_any_numeric_input(Z, data):
    axis = data.draw(st.integers(-Z.ndim, Z.ndim - 1))
    out = clogreg.softmax(Z, axis=axis)
    Zd = Z.astype(np.float64)
    top = Zd.max(axis=axis, keepdims=True)
    with np.errstate(over="ignore"):     # 1e300 - (-1e300): exp(-inf) = 0
        E = np.exp(Zd - top)
    ref = E / E.sum(axis=axis, keepdims=True)
    k = Z.shape[axis]
    if out.dtype == np.float32:
        tol = np.abs(ref) * 3 * 2.0**-23 + 2.0**-126
    else:
        tol = 4 * (k + 2) * EPS * np.abs(ref) + 1e-300
    assert_within(out, ref, tol, "softmax")
    for other in any_layout(Z):
        assert_array_equal(clogreg.softmax(other, axis=axis), out)


@pytest.mark.parametrize("func", [clogreg.sigmoid, clogreg.softmax])
def test_big_endian_float32_gives_float32(func):
    z = np.array([-1.0, 0.0, 2.5], dtype=">f4")
    out = func(z)
    assert out.dtype == np.float32
    assert_array_equal(out, func(z.astype(np.float32)))


# ------------------------------------------------- the estimator's input path
def hostile_arrays():
    """Arrays that must be refused with a ValueError or TypeError."""
    base = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)),
                      elements=st.floats(-5, 5))

    def spoil(args):
        X, how, r = args
        i, j = r % X.shape[0], r % X.shape[1]
        if how == "nan":
            X[i, j] = np.nan
            return X
        if how == "inf":
            X[i, j] = -np.inf
            return X
        if how == "complex":
            return X.astype(np.complex128)
        if how == "None":
            X = X.astype(object)
            X[i, j] = None
            return X
        if how == "string":
            X = X.astype(object)
            X[i, j] = "1.0"
            return X
        if how == "1d":
            return X.ravel()
        if how == "3d":
            return X[..., None]
        if how == "empty":
            return X[:0]
        return X[:, :0]

    hows = st.sampled_from(["nan", "inf", "complex", "None", "string", "1d",
                            "3d", "empty", "no-columns"])
    return st.tuples(base, hows, st.integers(0, 100)).map(spoil)


@PROFILE
@given(X=hostile_arrays(), method=st.sampled_from(
    ["predict", "predict_proba", "decision_function", "fit"]))
def test_hostile_arrays_give_clear_errors(X, method):
    model = LogisticRegression.from_coef(np.ones((1, max(X.shape[-1], 1))), [0.0])
    with pytest.raises((ValueError, TypeError)) as info:
        if method == "fit":
            LogisticRegression().fit(X, np.arange(X.shape[0]) % 2)
        else:
            getattr(model, method)(X)
    assert type(info.value) in (ValueError, TypeError)
    assert len(str(info.value)) > 20


@PROFILE
@given(problem=dense_problem(max_n=20, max_d=10),
       layout=st.sampled_from(LAYOUTS),
       convert=st.sampled_from([None, np.int64, np.float16]))
def test_prediction_on_any_layout_equals_the_contiguous_copy(problem, layout,
                                                             convert):
    X, _, _, coef, intercept = problem
    if convert is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            X = X.astype(convert) if convert != np.int64 else \
                np.clip(np.nan_to_num(X), -2**62, 2**62).astype(np.int64)
        assume(np.isfinite(X.astype(np.float64)).all())
    n_classes = 2 if coef.shape[0] == 1 else coef.shape[0]
    model = LogisticRegression.from_coef(
        coef, np.zeros(coef.shape[0]) if intercept is None else intercept,
        classes=list(range(n_classes)))
    unusual = with_layout(X, layout)
    copy = np.array(X, dtype=np.float32 if X.dtype == np.float32 else np.float64,
                    order="C")
    for method in ("decision_function", "predict_proba", "predict"):
        assert_array_equal(getattr(model, method)(unusual),
                           getattr(model, method)(copy))
    # and the copy's probabilities are the float64 reference's
    ref = reference_loss_gradient(copy, np.zeros(X.shape[0], np.int32), None,
                                  model.coef_.astype(np.float64),
                                  model.intercept_.astype(np.float64))
    P, dP = ref["proba"]
    proba = model.predict_proba(copy)
    if coef.shape[0] == 1:
        P = P[:, 0]
        proba = proba[:, 1]
        dP = dP[:, 0]
    tol = dP + (2.0**-24 if copy.dtype == np.float32 else 0.0)
    assert_within(proba, P, tol, "predict_proba")


@PROFILE
@given(problem=dense_problem(max_n=25, max_d=5),
       layout=st.sampled_from(LAYOUTS),
       solver=st.sampled_from(["lbfgs", "newton", "gd", "sgd"]),
       standardize=st.booleans(), penalty=st.sampled_from(["l2", None, "l1"]))
def test_fit_gives_a_finite_model_or_a_clear_error(problem, layout, solver,
                                                   standardize, penalty):
    # A fit either raises a ValueError with a message (a single class, say),
    # or gives finite coefficients whose probabilities are finite and sum
    # to one, identical to the fit on a C-contiguous copy of X.  Outside
    # the domain: weights in (0, 1e-3), set to 0 (a row of weight s_i can
    # lie sqrt(S / s_i) standard deviations out, and 'sgd', which steps
    # along each batch's own weighted mean gradient, then takes steps so
    # large that the scores of far rows overflow), and float32 values
    # below 1e-30, whose coefficients can exceed float32's range
    # (test_float32_model_coefficients_beyond_float32_range).  Weights of
    # 0 far from the others, and subnormal ones, are in
    # test_sgd_step_with_zero_or_tiny_weights (test_reliability.py).
    X, y, sw, _, _ = problem
    if sw is not None:
        sw = np.where(sw < 1e-3, 0.0, sw)
    if X.dtype == np.float32:
        X = np.where(np.abs(X) < 1e-30, np.float32(0), X)
    if solver == "newton" and penalty == "l1":
        penalty = "l2"
    params = dict(solver=solver, standardize=standardize, penalty=penalty,
                  max_iter=30, random_state=0)
    unusual = with_layout(X, layout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model = LogisticRegression(**params).fit(unusual, y, sample_weight=sw)
        except ValueError as exc:
            message = str(exc)
            assert len(message) > 20
            with pytest.raises(ValueError) as again:
                LogisticRegression(**params).fit(X, y, sample_weight=sw)
            assert str(again.value) == message
            return
        copy = LogisticRegression(**params).fit(np.array(X, order="C"), y,
                                                sample_weight=sw)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert_array_equal(model.coef_, copy.coef_)
    assert_array_equal(model.intercept_, copy.intercept_)
    proba = model.predict_proba(unusual).astype(np.float64)
    assert np.isfinite(proba).all()
    tol = 1e-6 if X.dtype == np.float32 else 1e-12
    assert (np.abs(proba.sum(axis=1) - 1.0) <= tol).all()
