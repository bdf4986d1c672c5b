"""Every solver against scikit-learn's optimum on scikit-learn's bundled data.

References: scikit-learn's LogisticRegression(solver='lbfgs', tol=1e-10) on
breast_cancer (standardized, binary) and iris (standardized, multinomial),
compared by coefficients and by the objective C * sum(loss) + ||W||^2 / 2
computed with numpy in float64.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

import clogreg
from clogreg import LogisticRegression


def objective(coef, intercept, X, y_index, C=1.0):
    """scikit-learn's objective, float64 numpy."""
    Z = X @ np.asarray(coef, dtype=np.float64).T + intercept
    if Z.shape[1] == 1:
        z = Z[:, 0]
        loss = np.where(y_index == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    else:
        top = Z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
        loss = lse - Z[np.arange(len(y_index)), y_index]
    return C * loss.sum() + 0.5 * (np.asarray(coef, dtype=np.float64) ** 2).sum()


def load(name):
    X, y = (load_breast_cancer if name == "breast_cancer" else load_iris)(
        return_X_y=True)
    return StandardScaler().fit_transform(X), y


_REF = {}


def reference(name):
    if name not in _REF:
        X, y = load(name)
        sk = SkLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y)
        codes = np.searchsorted(sk.classes_, y)
        _REF[name] = (sk.coef_, sk.intercept_,
                      objective(sk.coef_, sk.intercept_, X, codes))
    return _REF[name]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_deterministic_solvers_reach_sklearn_optimum(name, solver, dtype):
    X, y = load(name)
    coef_ref, int_ref, obj_ref = reference(name)
    model = LogisticRegression(solver=solver, tol=1e-10, max_iter=5000)
    model.fit(X.astype(dtype), y)
    assert model.coef_.dtype == dtype
    codes = np.searchsorted(model.classes_, y)
    obj = objective(model.coef_, model.intercept_, X, codes)
    # float32 data is a slightly different problem; its optimum differs
    # from the float64 one at the level of float32 rounding.
    rtol = 1e-6 if dtype == np.float64 else 1e-5
    assert abs(obj - obj_ref) <= rtol * obj_ref
    rel = np.linalg.norm(model.coef_ - coef_ref) / np.linalg.norm(coef_ref)
    assert rel <= rtol
    assert_allclose(model.intercept_, int_ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_sgd_reaches_the_neighbourhood_of_the_optimum(name):
    X, y = load(name)
    coef_ref, int_ref, obj_ref = reference(name)
    model = LogisticRegression(solver="sgd", random_state=0, max_iter=300).fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    obj = objective(model.coef_, model.intercept_, X, codes)
    assert obj <= 1.05 * obj_ref
    sk_acc = SkLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y).score(X, y)
    assert model.score(X, y) >= sk_acc - 0.02


def test_unpenalized_lbfgs_matches_sklearn_on_iris_probabilities():
    # Unpenalized softmax is over-parameterised (adding a vector to every
    # class changes nothing), so compare what is identified: probabilities.
    X, y = load("iris")
    sk = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        ours = LogisticRegression(penalty=None, tol=1e-10, max_iter=2000).fit(X, y)
    assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-3)


def test_max_iter_warns_with_a_hint_and_keeps_finite_coefficients():
    X, y = load("breast_cancer")
    with pytest.warns(clogreg.ConvergenceWarning, match="max_iter=3"):
        model = LogisticRegression(max_iter=3).fit(X, y)
    assert model.n_iter_ == 3
    assert np.isfinite(model.coef_).all()


def test_divergent_learning_rate_raises_clear_error():
    # The mini-batch seed's "NaN in my losses" story: unscaled data and a
    # large fixed step.  We must raise, never return NaN.
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="smaller learning_rate|standardize"):
        model = LogisticRegression(solver="gd", learning_rate=1e308, max_iter=50)
        model.fit(X * 1e10, y)


def test_gd_fixed_learning_rate_one_pass_per_iteration_and_loss_curve():
    X, y = load("breast_cancer")
    calls = []
    model = LogisticRegression(solver="gd", learning_rate=0.1, max_iter=25, tol=0,
                               callback=lambda it, f: calls.append((it, f)))
    with pytest.warns(clogreg.ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 25
    assert [c[0] for c in calls] == list(range(1, 26))
    assert_allclose([c[1] for c in calls], model.loss_curve_)
    # With a step below 1/L the objective decreases monotonically.
    assert (np.diff(model.loss_curve_) < 0).all()
    # Entry k is the mean objective at the iterate after step k: check the
    # last one against numpy.
    S = X.shape[0]
    expected = objective(model.coef_, model.intercept_, X, y) / S
    assert_allclose(model.loss_curve_[-1], expected, rtol=1e-12)


def test_callback_can_stop_the_fit_early():
    X, y = load("breast_cancer")
    model = LogisticRegression(callback=lambda it, f: it >= 4).fit(X, y)
    assert model.n_iter_ == 4
    assert len(model.loss_curve_) == 4


def test_verbose_prints_the_objective(capsys):
    X, y = load("iris")
    LogisticRegression(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "objective" in out and "iter" in out


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("solver", ["lbfgs", "gd", "sgd"])
def test_thread_count_does_not_change_coefficients(solver, n_classes):
    # 30 000 rows: 64 row blocks, so two threads really split every pass.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30_000, 20))
    scores = X @ rng.normal(size=(20, n_classes)) + rng.gumbel(size=(30_000, n_classes))
    y = scores.argmax(axis=1)
    fits = [LogisticRegression(solver=solver, n_threads=t, random_state=0,
                               batch_size=5000, max_iter=20)
            for t in (1, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        one, two = (m.fit(X, y) for m in fits)
    assert_array_equal(one.coef_, two.coef_)
    assert_array_equal(one.intercept_, two.intercept_)
    assert_array_equal(one.loss_curve_, two.loss_curve_)


def test_sgd_reproducible_with_random_state_and_varies_without():
    X, y = load("breast_cancer")
    a = LogisticRegression(solver="sgd", random_state=3, max_iter=20, tol=0)
    b = LogisticRegression(solver="sgd", random_state=3, max_iter=20, tol=0)
    c = LogisticRegression(solver="sgd", random_state=4, max_iter=20, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        ca, cb, cc = (m.fit(X, y).coef_ for m in (a, b, c))
    assert_array_equal(ca, cb)
    assert not np.array_equal(ca, cc)
