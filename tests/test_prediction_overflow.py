"""Predictions whose sums overflow float64, and models too large to trust.

References: exact rational arithmetic (``fractions.Fraction``) for the
scores, the limit of the logistic and softmax functions for scores beyond
float64 (probabilities exactly 0 and 1, tied infinite classes sharing the
mass), and float64 numpy formulas for finite scores.  A score whose partial
sums overflow (inf, or inf - inf = NaN) although the true score is finite
must come out as the true score; a true score beyond float64 as +-inf.
"""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

import clogreg
from clogreg import LogisticRegression

DBL_MAX = Fraction(np.finfo(np.float64).max)
LAYOUTS = ["dense", "csr"]


def layout(X, kind):
    return sp.csr_matrix(X) if kind == "csr" else X


def exact_scores(X, coef, intercept):
    """Exact scores (Fractions) and sum_j |x_j w_kj| + |b_k|, shape (n, K)."""
    X = np.asarray(X, dtype=np.float64)
    n, K = X.shape[0], coef.shape[0]
    score = [[None] * K for _ in range(n)]
    size = [[None] * K for _ in range(n)]
    for i in range(n):
        for k in range(K):
            terms = [Fraction(float(x)) * Fraction(float(w))
                     for x, w in zip(X[i], coef[k], strict=True)]
            b = Fraction(float(intercept[k]))
            score[i][k] = sum(terms, b)
            size[i][k] = sum((abs(t) for t in terms), abs(b))
    return score, size


def assert_scores_match(got, exact, size, rtol=1e-12):
    """``got`` is the exact score rounded to float64 up to rtol * size, and
    +-inf when the exact score is beyond float64 by more than that."""
    got = np.asarray(got).reshape(len(exact), -1)
    n_checked = 0
    for i, row in enumerate(exact):
        for k, s in enumerate(row):
            tol = Fraction(rtol) * size[i][k]
            g = got[i, k]
            assert not math.isnan(g), (i, k)
            if abs(s) - tol > DBL_MAX:
                assert g == (math.inf if s > 0 else -math.inf), (i, k, g, float(s))
            elif abs(s) + tol < DBL_MAX:
                assert math.isfinite(g), (i, k, g)
                assert abs(Fraction(g) - s) <= tol, (i, k, g, float(s))
            n_checked += 1
    return n_checked


def huge_model(n_classes, seed=0):
    """Coefficients of 1e280..1e300 in pairs of opposite sign (so that
    inputs with equal entries in a pair cancel exactly) plus two columns of
    ordinary size; every row sum stays far below 1.8e308, so the model is
    a valid one."""
    rng = np.random.default_rng(seed)
    K = 1 if n_classes == 2 else n_classes
    big = 10.0 ** rng.uniform(280, 300, size=(K, 2))
    coef = np.column_stack([big[:, 0], -big[:, 0], big[:, 1], -big[:, 1],
                            rng.normal(size=(K, 2))])
    intercept = rng.normal(size=K)
    classes = list(range(n_classes))
    return LogisticRegression.from_coef(coef, intercept, classes=classes)


def huge_inputs(dtype, n=40, seed=1):
    """Rows whose pairs are equal (exact cancellation: a finite score that
    the plain dot gives as inf - inf) or differ by a relative 2^-m (a score
    far inside or beyond float64), with entries up to 1e30 (float32-safe)."""
    rng = np.random.default_rng(seed)
    t = 10.0 ** rng.uniform(9, 30, size=(n, 2))
    rel = np.where(rng.random((n, 2)) < 0.5, 0.0,
                   2.0 ** -rng.integers(1, 60, size=(n, 2)).astype(float))
    X = np.column_stack([t[:, 0], t[:, 0] * (1 + rel[:, 0]),
                         t[:, 1], t[:, 1] * (1 - rel[:, 1]),
                         rng.normal(size=(n, 2))]).astype(dtype)
    X[: n // 4, 4:] *= -1
    return X


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_scores_whose_sums_overflow_are_the_exact_scores(kind, dtype, n_classes):
    # Reference: exact rational scores.  Before the fix the plain dot gave
    # NaN for every cancelling pair (1e300 * 1e20 - 1e300 * 1e20 = inf - inf).
    model = huge_model(n_classes)
    X = huge_inputs(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        # The plain dot, term by term in column order.
        plain = (X.astype(np.float64)[:, None, :] * model.coef_).cumsum(axis=2)
    assert np.isnan(plain).sum() > 5           # the case this test is about
    exact, size = exact_scores(X, model.coef_, model.intercept_)
    finite_true = sum(abs(s) < DBL_MAX for row in exact for s in row)
    assert 5 < finite_true < len(exact) * len(exact[0])   # both kinds occur
    got = model.decision_function(layout(X, kind))
    assert assert_scores_match(got, exact, size) == got.size


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_probabilities_are_never_nan_and_predict_agrees(kind, dtype, n_classes):
    # Reference: the limits of sigmoid/softmax at +-inf (exact 0 and 1,
    # equal shares for tied infinite maxima), numpy's float64 formulas for
    # finite scores, the sign of the binary score and the argmax of the
    # probabilities for predict.
    model = huge_model(n_classes)
    Xd = huge_inputs(dtype)
    X = layout(Xd, kind)
    scores = model.decision_function(X).reshape(Xd.shape[0], -1)
    proba = model.predict_proba(X)
    assert proba.dtype == dtype
    assert not np.isnan(proba).any()
    pred = model.predict(X)
    log_proba = model.predict_log_proba(X)
    assert not np.isnan(log_proba).any()
    if n_classes == 2:
        z = scores[:, 0]
        assert_array_equal(proba[np.isposinf(z)], [[0, 1]] * np.isposinf(z).sum())
        assert_array_equal(proba[np.isneginf(z)], [[1, 0]] * np.isneginf(z).sum())
        assert np.isposinf(z).any() and np.isneginf(z).any()
        fin = np.isfinite(z)
        with np.errstate(over="ignore"):
            p1 = 1 / (1 + np.exp(-z[fin]))
        np.testing.assert_allclose(proba[fin, 1], p1, rtol=1e-6, atol=1e-30)
        assert_array_equal(pred, (z > 0).astype(int))
    else:
        top = scores.max(axis=1, keepdims=True)
        inf_rows = np.isinf(top[:, 0])
        assert inf_rows.any()
        at_top = scores == top
        share = at_top / at_top.sum(axis=1, keepdims=True)
        assert_array_equal(proba[inf_rows], share[inf_rows].astype(dtype))
        fin = ~inf_rows
        e = np.exp(scores[fin] - top[fin])
        np.testing.assert_allclose(proba[fin], e / e.sum(axis=1, keepdims=True),
                                   rtol=1e-6, atol=1e-30)
    assert_array_equal(pred, np.argmax(proba, axis=1))
    # log_proba against the log of the float64 probabilities (the float32
    # ones round tiny probabilities to 0); log(1e-300) = -690.8.
    p64 = model.predict_proba(layout(Xd.astype(np.float64), kind))
    tiny = p64 < 1e-300
    np.testing.assert_allclose(log_proba[~tiny], np.log(p64[~tiny]), rtol=1e-9)
    assert (log_proba[tiny] < -690).all()


def test_tied_infinite_classes_share_the_probability():
    # Reference: softmax(z + t * e) as t -> inf, with e = 1 on the tied
    # infinite classes: 1 / n_tied for each of them, 0 for the others.
    model = LogisticRegression.from_coef(
        [[1e300, 1e300], [1e300, 1e300], [1.0, 1.0], [-1e300, -1e300]],
        [0.0, 0.0, 0.0, 0.0], classes=[0, 1, 2, 3])
    X = np.array([[1e10, 1e10], [-1e10, -1e10], [1.0, 1.0]])
    assert_array_equal(model.decision_function(X)[:2],
                       [[np.inf, np.inf, 2e10, -np.inf],
                        [-np.inf, -np.inf, -2e10, np.inf]])
    assert_array_equal(model.predict_proba(X)[:2],
                       [[0.5, 0.5, 0, 0], [0, 0, 0, 1]])
    assert_array_equal(model.predict(X)[:2], [0, 3])
    assert_array_equal(model.predict_log_proba(X)[:2],
                       [[-math.log(2), -math.log(2), -np.inf, -np.inf],
                        [-np.inf, -np.inf, -np.inf, 0]])


@pytest.mark.parametrize("kind", LAYOUTS)
def test_threads_and_chunks_give_the_same_rescued_rows(kind):
    # Reference: the serial pass (bits), and exact scores for the rescued
    # rows: a few overflowing rows among 80,000 ordinary ones, spread over
    # several chunks of the parallel pass.
    rng = np.random.default_rng(3)
    model = huge_model(2, seed=2)
    X = rng.normal(size=(80_000, 6)) * 1e-290
    rows = rng.choice(X.shape[0], size=12, replace=False)
    X[rows] = huge_inputs(np.float64, n=12, seed=4)
    X = layout(X, kind)
    serial = model.set_params(n_threads=1).decision_function(X)
    parallel = model.set_params(n_threads=2).decision_function(X)
    assert_array_equal(parallel, serial)
    Xr = X[rows].toarray() if kind == "csr" else X[rows]
    exact, size = exact_scores(Xr, model.coef_, model.intercept_)
    assert_scores_match(serial[rows], exact, size)
    assert np.isfinite(np.delete(serial, rows)).all()
    assert not np.isnan(model.predict_proba(X)).any()


def test_infinite_true_scores_from_unit_inputs():
    # The example, with a model that passes the load check: 8e307
    # times 3 is beyond float64 (+inf, probabilities exactly [0, 1]); the
    # cancelling rows are exactly the intercept plus the last term
    # (reference: exact arithmetic; the plain dot gave 2e308 - 2e308 =
    # inf - inf = NaN, probabilities [1, nan] and class 0).
    model = LogisticRegression.from_coef([[8e307, -8e307, 1.0]], [0.25])
    X = np.array([[3.0, 0.0, 0.0], [-3.0, 0.0, 0.0], [2.5, 2.5, 0.0],
                  [2.5, 2.5, -1.0]])
    assert_array_equal(model.decision_function(X), [np.inf, -np.inf, 0.25, -0.75])
    p = 1 / (1 + math.exp(-0.25))
    proba = model.predict_proba(X)
    assert_array_equal(proba[:2], [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(proba[2], [1 - p, p], rtol=1e-15)
    assert_array_equal(model.predict(X), [1, 0, 1, 0])


@pytest.mark.parametrize("coef, intercept, row", [
    ([[1e308, 1e308]], [0.0], 0),
    ([[8e307, 8e307]], [3e307], 0),
    ([[1.0, 2.0], [1e308, -1e308], [0.0, 0.0]], [0.0, 0.0, 0.0], 1),
    ([[1e200, 1e200], [1e307, 1.0], [0.0, 0.0]], [0.0, -1.7e308, 0.0], 1),
])
def test_from_coef_refuses_rows_whose_sum_overflows(coef, intercept, row):
    # Reference: the exact sum of |coef[row]| and |intercept[row]| exceeds
    # the largest float64 (and every other row's does not).
    sums = [sum((abs(Fraction(v)) for v in c), abs(Fraction(b)))
            for c, b in zip(coef, intercept, strict=True)]
    assert [s > DBL_MAX for s in sums] == [k == row for k in range(len(coef))]
    classes = list(range(max(len(coef), 2)))
    with pytest.raises(ValueError, match=rf"too large: for coef row {row}, "
                       rf"sum\(\|coef\[{row}\]\|\) \+ \|intercept\[{row}\]\| "
                       "overflows float64"):
        LogisticRegression.from_coef(coef, intercept, classes=classes)


@pytest.mark.parametrize("coef, intercept", [
    ([[8e307, 8e307]], [1.5e307]),      # exact sum 1.75e308 < 1.797e308
    ([[1e308, 0.0]], [0.0]),
])
def test_from_coef_accepts_large_rows_that_fit(coef, intercept):
    assert sum((abs(Fraction(v)) for v in coef[0]),
               abs(Fraction(intercept[0]))) < DBL_MAX
    model = LogisticRegression.from_coef(coef, intercept)
    assert_array_equal(model.predict_proba([[1.0, 0.0], [-1.0, 0.0]]),
                       [[0.0, 1.0], [1.0, 0.0]])   # exp(-8e307) == 0


@pytest.mark.parametrize("values", [[1e308, 1e308, 0.0], [1e308, -1e308, 5.0]])
def test_load_refuses_a_model_file_whose_row_sum_overflows(tmp_path, values):
    # The model file: finite coefficients of 1e308 used to load and
    # give NaN scores / predict_proba [1, nan] / class 0.
    good = LogisticRegression.from_coef([[1.0, 2.0, 3.0]], [0.5])
    path = tmp_path / "model.json"
    good.save(path)
    doc = json.loads(path.read_text())
    doc["coef"]["values"] = values
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"not a valid clogreg model: the "
                       r"coefficients are too large: for coef row 0"):
        clogreg.load(path)


def test_save_refuses_a_model_whose_row_sum_overflows(tmp_path):
    model = LogisticRegression.from_coef([[1.0, 2.0]], [0.0])
    model.coef_ = np.array([[1e308, 1e308]])     # set by hand
    with pytest.raises(ValueError, match="refusing to save.*too large"):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("method", ["decision_function", "predict_proba",
                                    "predict", "predict_log_proba"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nonfinite_coefficients_set_by_hand_are_an_error(method, value):
    # A NaN coefficient makes every score NaN; an infinite one gives
    # inf * 0 = NaN for a zero feature: neither may come back silently.
    model = LogisticRegression.from_coef([[1.0, 2.0]], [0.0])
    model.coef_ = np.array([[value, 2.0]])
    with pytest.raises(ValueError, match="coef_ or intercept_ contains NaN "
                                         "or infinity"):
        getattr(model, method)(np.array([[0.0, 1.0], [1.0, 1.0]]))
