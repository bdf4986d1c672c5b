"""Every solver against scikit-learn's optimum on scikit-learn's bundled data.

References: scikit-learn's LogisticRegression(solver='lbfgs', tol=1e-10) on
breast_cancer (standardized, binary) and iris (standardized, multinomial),
compared by coefficients and by the objective C * sum(loss) + ||W||^2 / 2
computed with numpy in float64.
"""

import functools
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
    # The mini-batch tutorial's "NaN in my losses" story: unscaled data and a
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


# ------------------------------------------------ the full model family
# References: scikit-learn's saga (L1, elastic net) and lbfgs (L2) at
# tol=1e-10; objectives by the numpy formula below.

def family_objective(coef, intercept, X, y_index, C, penalty, l1_ratio=None):
    W = np.asarray(coef, dtype=np.float64)
    loss = objective(W, intercept, X, y_index, C) - 0.5 * (W ** 2).sum()
    if penalty == "l2":
        return loss + 0.5 * (W ** 2).sum()
    if penalty == "l1":
        return loss + np.abs(W).sum()
    return loss + l1_ratio * np.abs(W).sum() + (1 - l1_ratio) / 2 * (W ** 2).sum()


def load_std(name):
    from sklearn.datasets import load_digits, load_wine
    loader = {"breast_cancer": load_breast_cancer, "iris": load_iris,
              "wine": load_wine, "digits": load_digits}[name]
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@functools.cache
def sk_reference(name, penalty, C, l1_ratio):
    X, y = load_std(name)
    solver = "lbfgs" if penalty == "l2" else "saga"
    sk = SkLogisticRegression(penalty=penalty, C=C, l1_ratio=l1_ratio,
                              solver=solver, tol=1e-10, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # sklearn's own deprecation notes
        sk.fit(X, y)
    codes = np.searchsorted(sk.classes_, y)
    return sk.coef_, family_objective(sk.coef_, sk.intercept_, X, codes, C,
                                      penalty, l1_ratio)


L1_CASES = [
    pytest.param("breast_cancer", "l1", 0.1, None, id="bc-l1"),
    pytest.param("breast_cancer", "elasticnet", 0.1, 0.5, id="bc-en"),
    pytest.param("wine", "l1", 0.5, None, id="wine-l1"),
    pytest.param("wine", "elasticnet", 0.5, 0.5, id="wine-en"),
    pytest.param("iris", "l1", 0.5, None, id="iris-l1"),
    pytest.param("iris", "elasticnet", 0.5, 0.5, id="iris-en"),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("name, penalty, C, l1_ratio", L1_CASES)
def test_l1_and_elasticnet_match_saga_objective_and_support(
        name, penalty, C, l1_ratio, solver, dtype):
    X, y = load_std(name)
    coef_ref, obj_ref = sk_reference(name, penalty, C, l1_ratio)
    model = LogisticRegression(penalty=penalty, C=C, l1_ratio=l1_ratio,
                               solver=solver, tol=1e-10, max_iter=5000)
    model.fit(X.astype(dtype), y)
    codes = np.searchsorted(model.classes_, y)
    obj = family_objective(model.coef_, model.intercept_, X, codes, C, penalty,
                           l1_ratio)
    rtol = 1e-6 if dtype == np.float64 else 1e-5
    assert abs(obj - obj_ref) <= rtol * obj_ref
    # Exact zeros, on the same coefficients as saga's solution.
    assert_array_equal(model.coef_ == 0, coef_ref == 0)
    assert (model.coef_ == 0).sum() > 0


@pytest.mark.parametrize("name, penalty, C, l1_ratio", L1_CASES)
def test_sgd_with_l1_gives_exact_zeros_near_the_optimum(name, penalty, C, l1_ratio):
    X, y = load_std(name)
    _, obj_ref = sk_reference(name, penalty, C, l1_ratio)
    model = LogisticRegression(penalty=penalty, C=C, l1_ratio=l1_ratio,
                               solver="sgd", random_state=0, max_iter=300,
                               tol=1e-5).fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    obj = family_objective(model.coef_, model.intercept_, X, codes, C, penalty,
                           l1_ratio)
    assert obj <= 1.05 * obj_ref
    assert (model.coef_ == 0).sum() > 0


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine", "digits"])
def test_l2_solvers_match_sklearn_on_bundled_datasets(name, solver):
    X, y = load_std(name)
    _, obj_ref = sk_reference(name, "l2", 1.0, None)
    model = LogisticRegression(solver=solver, tol=1e-10, max_iter=5000).fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    obj = family_objective(model.coef_, model.intercept_, X, codes, 1.0, "l2")
    assert abs(obj - obj_ref) <= 1e-6 * obj_ref


@pytest.mark.parametrize("name", ["wine", "breast_cancer"])
def test_unscaled_data_is_solved_where_sklearn_lbfgs_crawls(name):
    # Raw (unscaled) wine and breast_cancer are ill-conditioned: the
    # objective's curvature spans many orders of magnitude, and
    # scikit-learn's lbfgs stops at max_iter.  Reference: scikit-learn's
    # newton-cholesky (an exact Newton method) at tol=1e-10.  Our newton
    # and our (preconditioned) lbfgs both reach it.
    from sklearn.datasets import load_wine
    X, y = (load_wine if name == "wine" else load_breast_cancer)(return_X_y=True)
    sk = SkLogisticRegression(solver="newton-cholesky", tol=1e-10,
                              max_iter=1000).fit(X, y)
    codes = np.searchsorted(sk.classes_, y)
    obj_ref = family_objective(sk.coef_, sk.intercept_, X, codes, 1.0, "l2")
    with pytest.warns(Warning):   # scikit-learn's ConvergenceWarning
        SkLogisticRegression(solver="lbfgs", tol=1e-8, max_iter=200).fit(X, y)
    for solver in ("newton", "lbfgs"):
        model = LogisticRegression(solver=solver, tol=1e-8, max_iter=1000).fit(X, y)
        obj = family_objective(model.coef_, model.intercept_, X, codes, 1.0, "l2")
        assert abs(obj - obj_ref) <= 1e-6 * obj_ref, solver


def test_newton_rejects_l1_and_auto_picks_owlqn():
    X, y = load_std("breast_cancer")
    with pytest.raises(ValueError, match="solver='newton' handles"):
        LogisticRegression(penalty="l1", solver="newton").fit(X, y)
    auto = LogisticRegression(penalty="l1", C=0.1, tol=1e-8,
                              max_iter=1000).fit(X, y)
    explicit = LogisticRegression(penalty="l1", C=0.1, tol=1e-8, max_iter=1000,
                                  solver="lbfgs").fit(X, y)
    assert_array_equal(auto.coef_, explicit.coef_)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_default_tol_is_accurate_with_many_features(solver):
    # 20 000 x 5 000 sparse, 0.4% dense.  The gradient bound tol=1e-4 alone
    # (scikit-learn's lbfgs at its defaults stops there) leaves the objective
    # ~2e-5 (relative) above its minimum with this many features; the
    # predicted-decrease test (<= tol**2) must bring the default-tol fit
    # within 1e-6 of scikit-learn's tight fit.
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(0)
    X = sparse.random(20_000, 5_000, density=0.004, format="csr",
                      random_state=rng, data_rvs=rng.standard_normal)
    w = rng.normal(size=5_000) * (rng.random(5_000) < 0.2)
    y = (X @ w + rng.logistic(size=20_000) > 0).astype(int)
    tight = SkLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # lbfgs at max_iter=100
        loose = SkLogisticRegression().fit(X, y)
    ours = LogisticRegression(solver=solver).fit(X, y)

    def gap(model):
        best = objective(tight.coef_, tight.intercept_, X, y)
        return (objective(model.coef_, model.intercept_, X, y) - best) / best

    assert gap(loose) > 1e-6                 # the gradient bound alone
    assert abs(gap(ours)) <= 1e-6


# ------------------------------------- gd's stopping test at the default tol
# Reference: sk_reference (scikit-learn's lbfgs for L2, saga for L1, at
# tol=1e-10), objectives by the numpy formula.  The gradient bound alone
# stopped gd (default tol=1e-4) 1.7e-6 to 3e-5 (relative) above these
# optima (L2: breast_cancer 1.3e-5, wine 3.0e-5, iris 1.7e-6; L1:
# breast_cancer 6.4e-6 (float32 1.1e-6), wine 2.0e-6; digits 4.7e-4, with
# max_iter=1000); with the predicted-decrease test it stops at most 1.3e-7
# above them (digits 5.7e-6, lbfgs's own default-tol gap there 3.7e-6).

GD_DEFAULT_TOL_CASES = [
    pytest.param("breast_cancer", "l2", 1.0, 100, 5e-7, id="bc-l2"),
    pytest.param("wine", "l2", 1.0, 100, 5e-7, id="wine-l2"),
    pytest.param("iris", "l2", 1.0, 100, 5e-7, id="iris-l2"),
    pytest.param("breast_cancer", "l1", 0.1, 100, 5e-7, id="bc-l1"),
    pytest.param("wine", "l1", 0.5, 100, 5e-7, id="wine-l1"),
    pytest.param("digits", "l2", 1.0, 1000, 2e-5, id="digits-l2"),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, penalty, C, max_iter, bound", GD_DEFAULT_TOL_CASES)
def test_gd_default_tol_stops_near_the_optimum(name, penalty, C, max_iter, bound,
                                               dtype):
    X, y = load_std(name)
    _, obj_ref = sk_reference(name, penalty, C, None)
    model = LogisticRegression(penalty=penalty, C=C, solver="gd",
                               max_iter=max_iter).fit(X.astype(dtype), y)
    codes = np.searchsorted(model.classes_, y)
    obj = family_objective(model.coef_, model.intercept_, X, codes, C, penalty)
    assert model.n_iter_ < max_iter          # stopped by the test, not max_iter
    assert (obj - obj_ref) / obj_ref <= bound


@pytest.mark.parametrize("penalty, C, old_gap", [("l2", 1.0, 3.3e-4),
                                                 ("l1", 0.1, 5.3e-6)])
def test_gd_fixed_learning_rate_stops_by_the_same_test(penalty, C, old_gap):
    # With a fixed step (here 0.5, below 1/L) the BB curvature is only
    # measured, for the stopping test; the gradient bound alone stopped
    # old_gap above scikit-learn's optimum (breast_cancer, standardised).
    # One pass over X per iteration, and L1 gives exact zeros on saga's
    # support.
    X, y = load_std("breast_cancer")
    coef_ref, obj_ref = sk_reference("breast_cancer", penalty, C, None)
    calls = []
    model = LogisticRegression(penalty=penalty, C=C, solver="gd",
                               learning_rate=0.5, max_iter=100_000,
                               callback=lambda it, f: calls.append(it))
    model.fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    obj = family_objective(model.coef_, model.intercept_, X, codes, C, penalty)
    assert model.n_iter_ < 100_000
    assert model._n_passes == model.n_iter_ + 1 == len(calls) + 1
    assert (obj - obj_ref) / obj_ref <= 5e-7 < old_gap
    if penalty == "l1":
        assert_array_equal(model.coef_ == 0, coef_ref == 0)
        assert (model.coef_ == 0).sum() > 0


# ------------------------------------------- newton's warm start (README)
# Documented: a warm start carries the coefficients, not newton's trust
# region; each fit starts at radius ||g|| of its start (LIBLINEAR's
# choice).  References: the Objective's own gradient (checked against
# finite differences in tests/test_kernels.py), the numpy objective, and a
# single fit.

def test_newton_warm_start_restarts_the_trust_region():
    from clogreg import solvers
    from clogreg._validation import as_row_matrix

    X, y = load_std("wine")
    n = X.shape[0]
    codes = np.searchsorted(np.unique(y), y).astype(np.int32)
    obj = solvers.Objective(as_row_matrix(X), codes, None, 3, True, 1.0 / n,
                            0.0, None, None, 1)
    theta1 = np.zeros(obj.n_params)
    solvers.newton(obj, theta1, 0.0, 1, None, 0, [])
    g1 = np.empty(obj.n_params)
    obj.value_and_gradient(theta1, g1)
    chained = theta1.copy()                     # a second max_iter=1 call
    assert solvers.newton(obj, chained, 0.0, 1, None, 0, [])[0] == 1
    single = np.zeros(obj.n_params)             # one max_iter=2 call
    assert solvers.newton(obj, single, 0.0, 2, None, 0, [])[0] == 2
    # The restarted radius bounds the chained step by ||g(theta1)||; the
    # single fit's radius had grown past it.
    norm_g1 = np.linalg.norm(g1)
    assert np.linalg.norm(chained - theta1) <= norm_g1 * (1 + 1e-12)
    assert np.linalg.norm(single - theta1) > 2 * norm_g1

    # The estimator: two chained max_iter=1 fits stop higher than one
    # max_iter=2 fit ...
    with pytest.warns(clogreg.ConvergenceWarning):
        two = LogisticRegression(solver="newton", max_iter=2, tol=0).fit(X, y)
    warm = LogisticRegression(solver="newton", max_iter=1, tol=0, warm_start=True)
    for _ in range(2):
        with pytest.warns(clogreg.ConvergenceWarning):
            warm.fit(X, y)
    f_two = objective(two.coef_, two.intercept_, X, codes)
    f_warm = objective(warm.coef_, warm.intercept_, X, codes)
    assert f_warm > f_two * (1 + 1e-3)
    # ... and, run to convergence, the chained fit reaches the single fit's
    # optimum.
    ref = LogisticRegression(solver="newton", tol=1e-8).fit(X, y)
    warm.set_params(tol=1e-8, max_iter=100).fit(X, y)
    assert_allclose(warm.coef_, ref.coef_, rtol=0, atol=1e-6)
    assert_allclose(objective(warm.coef_, warm.intercept_, X, codes),
                    objective(ref.coef_, ref.intercept_, X, codes), rtol=1e-12)


# --------------------------------------- newton's CG forcing term (issue 13)
# Each Newton-CG system is solved to a relative residual min(0.1,
# sqrt(||g||)) (Nocedal & Wright, Theorem 7.2: superlinear convergence),
# not a fixed 0.1 (linear), so a fit stopped at the default tol is as close
# to the optimum as scikit-learn's newton-cholesky, which ends on an exact
# Newton step.  Measured on this problem at tol=1e-4: max |coef error|
# 1.4e-4 with the fixed 0.1, 5e-9 with the superlinear term.

def test_newton_at_the_default_tol_is_superlinearly_close_to_the_optimum():
    from sklearn.datasets import make_classification
    X, y = make_classification(2000, 50, n_informative=25, random_state=0)
    ref = SkLogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    ours = LogisticRegression(solver="newton").fit(X, y)        # tol=1e-4
    assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6)


# ------------------------- lbfgs's negligible-decrease stop (issue 13)
# A decrease of f at rounding level (64 eps relative) stopped L-BFGS even
# when its gradient, still accurate there, was far above tol: at tol=1e-12
# the coefficients stopped ~1e-6 from the optimum, reported converged.  It
# now also needs the gradient to have stalled (not halved in 10 iterations)
# or f itself to be negligible.  Reference: the numpy float64 gradient of
# the mean objective.

@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_lbfgs_meets_a_tiny_tol_on_the_gradient(name):
    X, y = load_std(name)
    n = X.shape[0]
    model = LogisticRegression(tol=1e-12, max_iter=5000).fit(X, y)
    codes = np.searchsorted(model.classes_, y)
    Z = X @ model.coef_.T + model.intercept_
    if Z.shape[1] == 1:
        R = (1.0 / (1.0 + np.exp(-Z[:, 0])) - codes)[:, None]
    else:
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        R = E / E.sum(axis=1, keepdims=True) - np.eye(Z.shape[1])[codes]
    grad_w = R.T @ X / n + model.coef_ / n          # C = 1: alpha = 1 / n
    grad_b = R.sum(axis=0) / n
    assert np.abs(grad_w).max() <= 1e-11
    assert np.abs(grad_b).max() <= 1e-11
