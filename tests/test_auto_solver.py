"""solver='auto' (the default) converges at the default tol and max_iter
on scikit-learn's bundled datasets, raw and standardised, where lbfgs
alone stopped at max_iter (issue 15, item 11).

References: scikit-learn's newton-cg at tol=1e-12 (the objective
C * sum(loss) + ||W||^2 / 2 from one numpy float64 formula), and
clogreg's solver='lbfgs' for the fits 'auto' must leave to it.
"""

import functools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import clogreg
from clogreg import LogisticRegression

LOADERS = {"breast_cancer": load_breast_cancer, "digits": load_digits,
           "wine": load_wine, "iris": load_iris}


@functools.cache
def data(name, standardized):
    X, y = LOADERS[name](return_X_y=True)
    return (StandardScaler().fit_transform(X) if standardized else X), y


def objective(coef, intercept, X, y, classes, C):
    coef = np.asarray(coef, dtype=np.float64)
    Z = X @ coef.T + intercept
    codes = np.searchsorted(classes, y)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        loss = np.where(codes == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    else:
        top = Z.max(axis=1, keepdims=True)
        loss = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1)) \
            - Z[np.arange(len(codes)), codes]
    return C * loss.sum() + 0.5 * (coef ** 2).sum()


@functools.cache
def sk_optimum(name, standardized, C):
    X, y = data(name, standardized)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # its own notes at tol=1e-12
        sk = SkLogisticRegression(C=C, solver="newton-cg", tol=1e-12,
                                  max_iter=10_000).fit(X, y)
    return objective(sk.coef_, sk.intercept_, X, y, sk.classes_, C)


# Every case where lbfgs alone stopped at max_iter=100 (on main: 571, 344
# and 122 iterations for breast_cancer raw C=100, raw C=1 and standardised
# C=100; 386-387 for raw digits; 161 for standardised digits at C=100).
CASES = [("breast_cancer", True, 100.0), ("breast_cancer", False, 100.0),
         ("breast_cancer", False, 10.0), ("breast_cancer", False, 1.0),
         ("digits", True, 100.0), ("digits", True, 10.0),
         ("digits", False, 100.0), ("digits", False, 1.0)]


@pytest.mark.parametrize("name, standardized, C", CASES)
def test_default_solver_converges_without_warning_near_the_optimum(
        name, standardized, C):
    X, y = data(name, standardized)
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # any ConvergenceWarning fails
        model = LogisticRegression(C=C).fit(X, y)
    # lbfgs alone would have needed more than max_iter iterations
    with pytest.warns(clogreg.ConvergenceWarning, match="max_iter=100"):
        LogisticRegression(C=C, solver="lbfgs").fit(X, y)
    f = objective(model.coef_, model.intercept_, X, y, model.classes_, C)
    f_opt = sk_optimum(name, standardized, C)
    # measured at most 3.5e-8 (relative) over these cases
    assert (f - f_opt) / f_opt <= 1e-7
    assert model.n_iter_[0] <= 100
    assert model.loss_curve_.shape == (model.n_iter_[0],)


def test_the_standardize_option_converges_as_the_standardised_data():
    X, y = data("breast_cancer", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=100.0, standardize=True).fit(X, y)
    coef = model.coef_ * model.scale_
    intercept = model.intercept_ + model.coef_ @ model.mean_
    Xs, _ = data("breast_cancer", True)
    f = objective(coef, intercept, Xs, y, model.classes_, 100.0)
    assert (f - sk_optimum("breast_cancer", True, 100.0)) \
        / sk_optimum("breast_cancer", True, 100.0) <= 1e-7


@pytest.mark.parametrize("make", [
    pytest.param(lambda: make_pipeline(StandardScaler(), LogisticRegression()),
                 id="pipeline"),
    pytest.param(lambda: LogisticRegression(standardize=True), id="standardize"),
])
def test_a_grid_search_over_C_gives_no_convergence_warning(make):
    # On main: 5 warnings through the pipeline, 4 with standardize=True,
    # all at C=100 (scikit-learn's lbfgs: 0).
    X, y = data("breast_cancer", False)
    est = make()
    key = "logisticregression__C" if hasattr(est, "steps") else "C"
    grid = {key: np.logspace(-2, 2, 5)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = GridSearchCV(est, grid, cv=5).fit(X, y)
    assert [w for w in caught
            if issubclass(w.category, clogreg.ConvergenceWarning)] == []
    # reference: the same search with scikit-learn's lbfgs run to a tight
    # tolerance picks the same C, with the same mean CV score
    tight = SkLogisticRegression(tol=1e-10, max_iter=100_000)
    ref = GridSearchCV(make_pipeline(StandardScaler(), tight),
                       {"logisticregression__C": grid[key]}, cv=5).fit(X, y)
    assert ours.best_params_[key] == ref.best_params_["logisticregression__C"]
    assert abs(ours.best_score_ - ref.best_score_) < 2e-3


@pytest.mark.parametrize("name, standardized, C", [("iris", True, 1.0),
                                                    ("breast_cancer", True, 1.0),
                                                    ("wine", True, 1.0)])
def test_fits_lbfgs_solves_in_a_third_of_max_iter_are_lbfgs_fits(
        name, standardized, C):
    X, y = data(name, standardized)
    auto = LogisticRegression(C=C).fit(X, y)
    lbfgs = LogisticRegression(C=C, solver="lbfgs").fit(X, y)
    assert lbfgs.n_iter_[0] <= 34
    assert_array_equal(auto.coef_, lbfgs.coef_)
    assert_array_equal(auto.loss_curve_, lbfgs.loss_curve_)


def test_the_handover_counts_on_and_says_so(capsys):
    X, y = data("breast_cancer", True)
    seen = []
    model = LogisticRegression(C=100.0, verbose=1,
                               callback=lambda it, f: seen.append((it, f)))
    model.fit(X, y)
    out = capsys.readouterr().out
    assert "lbfgs did not converge in 34 iterations; newton continues" in out
    # the callback sees one numbering and the objectives of loss_curve_
    assert [it for it, _ in seen] == list(range(1, model.n_iter_[0] + 1))
    assert_array_equal([f for _, f in seen], model.loss_curve_)
    assert model.n_iter_[0] > 34


def test_the_handover_never_exceeds_max_iter():
    X, y = data("digits", False)
    with pytest.warns(clogreg.ConvergenceWarning, match="max_iter=12"):
        model = LogisticRegression(C=100.0, max_iter=12).fit(X, y)
    assert model.n_iter_[0] == 12 and model.loss_curve_.shape == (12,)
    # lbfgs ran 10 of them: its curve is the start of this one
    with pytest.warns(clogreg.ConvergenceWarning, match="max_iter=10"):
        lbfgs = LogisticRegression(C=100.0, max_iter=10, solver="lbfgs").fit(X, y)
    assert_array_equal(model.loss_curve_[:10], lbfgs.loss_curve_)


def test_a_max_iter_of_10_or_less_stays_lbfgs():
    # a deliberate truncation (a progress check, one warm-started step)
    X, y = data("digits", False)
    with pytest.warns(clogreg.ConvergenceWarning):
        auto = LogisticRegression(C=100.0, max_iter=10).fit(X, y)
    with pytest.warns(clogreg.ConvergenceWarning):
        lbfgs = LogisticRegression(C=100.0, max_iter=10, solver="lbfgs").fit(X, y)
    assert_array_equal(auto.coef_, lbfgs.coef_)


def test_l1_and_unpenalised_fits_keep_lbfgs():
    # newton has no L1 part; without a penalty the data may be separable
    X, y = data("breast_cancer", True)
    for params in (dict(penalty="l1", C=1.0), dict(C=np.inf)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
            auto = LogisticRegression(**params).fit(X, y)
            lbfgs = LogisticRegression(solver="lbfgs", **params).fit(X, y)
        assert_array_equal(auto.coef_, lbfgs.coef_)
