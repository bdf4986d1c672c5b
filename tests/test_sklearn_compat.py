"""clogreg inside scikit-learn: the estimator checks, meta-estimators,
cloning, pickling and feature names.

References: scikit-learn's own estimator test suite (check_estimator),
and for the integrations, scikit-learn's LogisticRegression run through
the same Pipeline / grid search / cross-validation / calibration, or the
unwrapped clogreg model.
"""

import importlib.metadata
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator
from sklearn.utils.validation import check_is_fitted

import clogreg
from clogreg import LogisticRegression


@pytest.mark.parametrize("C", [1.0, 100.0])
def test_check_estimator_passes_with_zero_failures(C):
    # C=100: confident float32 probabilities round to 1, where
    # check_classifiers_train wants predict_log_proba to be 0 (atol 1e-9)
    with warnings.catch_warnings():
        # check_estimator notes that we do not inherit from BaseEstimator
        # (numpy is our only runtime dependency) and skips its array-API
        # checks; neither is a failure.
        warnings.simplefilter("ignore")
        results = check_estimator(LogisticRegression(C=C), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300])
              for r in results if r["status"] == "failed"]
    assert len(results) > 50
    assert failed == []


def test_pipeline_matches_sklearn_logistic_regression():
    X, y = load_breast_cancer(return_X_y=True)
    ours = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10)).fit(X, y)
    ref = make_pipeline(StandardScaler(),
                        SkLogisticRegression(tol=1e-10, max_iter=10_000)).fit(X, y)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_grid_search_with_two_jobs_picks_the_same_c_as_sklearn():
    X, y = load_iris(return_X_y=True)
    grid = {"C": [0.01, 0.1, 1.0, 10.0]}
    ours = GridSearchCV(LogisticRegression(max_iter=1000), grid, n_jobs=2).fit(X, y)
    ref = GridSearchCV(SkLogisticRegression(max_iter=1000), grid, n_jobs=2).fit(X, y)
    assert ours.best_params_ == ref.best_params_
    assert_allclose(ours.cv_results_["mean_test_score"],
                    ref.cv_results_["mean_test_score"], atol=0.02)
    assert isinstance(ours.best_estimator_, LogisticRegression)


def test_cross_val_score_matches_sklearn():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ours = cross_val_score(LogisticRegression(tol=1e-8), X, y, cv=5)
    ref = cross_val_score(SkLogisticRegression(tol=1e-8, max_iter=10_000), X, y, cv=5)
    assert_allclose(ours, ref, atol=1e-12)


def test_calibrated_classifier_cv_works_and_is_calibrated():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    calibrated = CalibratedClassifierCV(LogisticRegression(), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (len(y), 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert calibrated.score(X, y) > 0.95


def test_clone_copies_parameters_not_the_fit():
    model = LogisticRegression(C=0.3, solver="newton", class_weight="balanced")
    X, y = load_iris(return_X_y=True)
    model.fit(X, y)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "coef_")
    assert_array_equal(twin.fit(X, y).coef_, model.coef_)


def test_pickle_round_trip_predicts_identically():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(standardize=True).fit(X.astype(np.float32), y)
    back = pickle.loads(pickle.dumps(model))
    assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    assert_array_equal(back.coef_, model.coef_)


def test_not_fitted_error_is_recognised_by_sklearn():
    model = LogisticRegression()
    with pytest.raises(SkNotFittedError):
        check_is_fitted(model)
    with pytest.raises(SkNotFittedError):
        model.predict(np.ones((2, 2)))
    with pytest.raises(clogreg.NotFittedError):
        model.predict(np.ones((2, 2)))
    model.fit([[0.0], [1.0]], [0, 1])
    check_is_fitted(model)


def test_not_fitted_error_without_sklearn_is_ours_alone():
    code = ("import clogreg, sys\n"
            "try:\n"
            "    clogreg.LogisticRegression().predict([[1.0]])\n"
            "except clogreg.NotFittedError as e:\n"
            "    assert isinstance(e, ValueError) and isinstance(e, AttributeError)\n"
            "    assert 'sklearn' not in sys.modules\n"
            "    print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd="/")
    assert out.stdout.strip() == "ok", out.stderr


def test_importing_clogreg_does_not_import_sklearn_or_scipy():
    code = ("import sys, clogreg\n"
            "m = clogreg.LogisticRegression().fit([[0.], [1.], [2.]], [0, 1, 1])\n"
            "m.predict_proba([[1.5]])\n"
            "print(sorted(n for n in ('sklearn', 'scipy') if n in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd="/")
    assert out.stdout.strip() == "[]", out.stderr


def test_numpy_is_the_only_runtime_dependency():
    requires = importlib.metadata.requires("clogreg")
    runtime = [r for r in requires if "extra ==" not in r]
    assert [r.split(">")[0].split("=")[0].strip() for r in runtime] == ["numpy"]


def test_get_params_and_set_params_follow_the_signature():
    model = LogisticRegression()
    params = model.get_params()
    assert set(params) == {"penalty", "C", "l1_ratio", "fit_intercept", "solver",
                           "tol", "max_iter", "learning_rate", "batch_size",
                           "class_weight", "standardize", "warm_start",
                           "random_state", "n_threads", "verbose", "callback",
                           "dual", "intercept_scaling", "n_jobs"}
    assert model.set_params(C=5.0, penalty="l1") is model
    assert (model.C, model.penalty) == (5.0, "l1")
    with pytest.raises(ValueError, match="invalid parameter 'alpha'"):
        model.set_params(alpha=1.0)


def test_init_only_stores_parameters():
    # Validation happens in fit, so a bad value is accepted by __init__ ...
    model = LogisticRegression(C=-1.0)
    assert model.C == -1.0
    # ... and rejected by fit.
    with pytest.raises(ValueError, match="C must be > 0"):
        model.fit([[0.0], [1.0]], [0, 1])


def test_lists_and_pandas_objects_are_accepted():
    X, y = load_iris(return_X_y=True)
    ref = LogisticRegression().fit(X, y)
    from_lists = LogisticRegression().fit(X.tolist(), y.tolist())
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    from_pandas = LogisticRegression().fit(frame, pd.Series(y))
    assert_array_equal(from_lists.coef_, ref.coef_)
    assert_array_equal(from_pandas.coef_, ref.coef_)
    assert_array_equal(from_pandas.predict(frame), ref.predict(X))


def test_feature_names_are_recorded_and_checked():
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = LogisticRegression().fit(frame, y)
    assert_array_equal(model.feature_names_in_, ["sl", "sw", "pl", "pw"])
    # renamed or reordered columns: an error
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame.rename(columns={"sl": "sepal"}))
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame[["sw", "sl", "pl", "pw"]])
    # a plain array: a warning, as in scikit-learn
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(X)
    # fitted without names, predicting with names: a warning
    plain = LogisticRegression().fit(X, y)
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(frame)
    # refit on a plain array forgets the names
    model.fit(X, y)
    assert not hasattr(model, "feature_names_in_")


def test_mixed_type_column_names_are_rejected():
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=["a", 1, "c", "d"])
    with pytest.raises(TypeError, match="column names of mixed types"):
        LogisticRegression().fit(frame, y)


# ------------------------------------------- scikit-learn's spellings (issue 13)

def _binary(seed=0, n=200, d=20):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] - 2 * X[:, 1] + rng.logistic(size=n) > 0).astype(int)
    return X, y


def test_convergence_warning_is_silenced_by_sklearns_filter():
    # Reference: scikit-learn's own ConvergenceWarning class and the
    # warnings machinery.  Before the fix ours was a plain UserWarning
    # subclass, so the 'ignore' filter let it through.
    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning

    X, y = _binary()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", SkConvergenceWarning)
        LogisticRegression(max_iter=1, tol=0).fit(X, y)
    assert caught == []
    with pytest.warns(SkConvergenceWarning) as record:
        LogisticRegression(max_iter=1, tol=0).fit(X, y)
    assert all(issubclass(w.category, clogreg.ConvergenceWarning) for w in record)


def test_convergence_warning_without_sklearn_is_ours_alone():
    code = ("import sys, warnings, clogreg\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    clogreg.LogisticRegression(max_iter=1, tol=0).fit("
            "[[0.], [1.], [3.]], [0, 1, 1])\n"
            "assert w[0].category is clogreg.ConvergenceWarning\n"
            "assert 'sklearn' not in sys.modules\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd="/")
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("solver", ["auto", "newton", "gd", "sgd", "saga"])
def test_n_iter_is_an_int32_array_of_shape_one(solver):
    # Reference: scikit-learn's n_iter_ (shape (1,), int32), and the exact
    # count of loss_curve_ entries (one per iteration).
    X, y = _binary()
    model = LogisticRegression(solver=solver, random_state=0, max_iter=300,
                               tol=1e-3).fit(X, y)
    sk = SkLogisticRegression().fit(X, y)
    assert model.n_iter_.shape == sk.n_iter_.shape == (1,)
    assert model.n_iter_.dtype == sk.n_iter_.dtype == np.int32
    assert model.n_iter_[0] == len(model.loss_curve_)


def test_n_iter_of_partial_fit_counts_the_calls():
    X, y = _binary()
    model = LogisticRegression(random_state=0)
    for calls in (1, 2, 3):
        model.partial_fit(X, y, classes=[0, 1])
        assert model.n_iter_.shape == (1,) and model.n_iter_.dtype == np.int32
        assert_array_equal(model.n_iter_, [calls])


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_iter_zero_returns_the_starting_point(n_classes, dtype):
    # scikit-learn accepts max_iter=0 and warns ConvergenceWarning, with
    # n_iter_ == [0] and zero coefficients (newton-cg, newton-cholesky,
    # liblinear).  Our start has the intercepts of the weighted class
    # frequencies: reference log(p1 / p0) (binary), log p_k - mean (softmax).
    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning

    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 4)).astype(dtype)
    y = rng.choice(n_classes, size=120,
                   p=[0.7, 0.3] if n_classes == 2 else [0.5, 0.3, 0.2])
    with pytest.warns(SkConvergenceWarning):
        sk = SkLogisticRegression(solver="newton-cg", max_iter=0).fit(X, y)
    with pytest.warns(SkConvergenceWarning):
        model = LogisticRegression(max_iter=0).fit(X, y)
    assert_array_equal(model.n_iter_, sk.n_iter_)
    assert_array_equal(model.coef_, np.zeros_like(sk.coef_))
    assert model.coef_.dtype == dtype
    p = np.bincount(y, minlength=n_classes) / y.size
    expected = ([np.log(p[1] / p[0])] if n_classes == 2
                else np.log(p) - np.log(p).mean())
    assert_allclose(model.intercept_, expected, rtol=1e-6 if dtype == np.float32
                    else 1e-12)


def test_max_iter_zero_with_warm_start_keeps_the_previous_model():
    X, y = _binary()
    model = LogisticRegression(warm_start=True).fit(X, y)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()
    model.set_params(max_iter=0)
    with warnings.catch_warnings():
        # the previous fit converged: its point already passes the test, or
        # max_iter=0 warns; either way the model must not move
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        model.fit(X, y)
    assert_allclose(model.coef_, coef, rtol=0, atol=1e-12)
    assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-12)


def test_sparsify_gives_csr_and_the_same_predictions():
    # Reference: scikit-learn's sparsify (a scipy CSR matrix), and the dense
    # model's own predictions.
    import scipy.sparse

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(l1_ratio=1.0, C=0.1).fit(X, y)
    dense_scores = model.decision_function(X)
    dense_coef = model.coef_.copy()
    assert model.sparsify() is model
    assert scipy.sparse.issparse(model.coef_) and model.coef_.format == "csr"
    assert type(model.coef_) is type(
        SkLogisticRegression().fit(X[:, :2], y).sparsify().coef_)
    assert model.coef_.nnz == np.count_nonzero(dense_coef)
    assert_array_equal(model.decision_function(X), dense_scores)
    assert_array_equal(model.predict(scipy.sparse.csr_matrix(X)), model.predict(X))
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert model.densify() is model
    assert isinstance(model.coef_, np.ndarray)
    assert_array_equal(model.coef_, dense_coef)


def test_sparsify_and_densify_need_a_fitted_model():
    for method in ("sparsify", "densify"):
        with pytest.raises(SkNotFittedError, match=f"before {method}"):
            getattr(LogisticRegression(), method)()


def test_sparsify_without_scipy_says_so(monkeypatch):
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)
    with pytest.raises(ImportError, match="needs scipy"):
        model.sparsify()


def test_l1_ratio_alone_selects_the_penalty():
    # The numbers: l1_ratio=1 used to fit L2 (20 nonzero
    # coefficients).  Reference: our explicit penalty (the same objective,
    # bit for bit) and scikit-learn's saga L1 fit (its own nonzero count).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.logistic(size=300) > 0).astype(int)
    by_ratio = LogisticRegression(l1_ratio=1, C=0.02).fit(X, y)
    by_penalty = LogisticRegression(penalty="l1", C=0.02).fit(X, y)
    assert_array_equal(by_ratio.coef_, by_penalty.coef_)
    sk = SkLogisticRegression(solver="saga", l1_ratio=1, C=0.02, tol=1e-8,
                              max_iter=5000).fit(X, y)
    assert np.count_nonzero(by_ratio.coef_) == np.count_nonzero(sk.coef_) < 20
    assert_allclose(by_ratio.coef_, sk.coef_, atol=2e-3)
    l2 = LogisticRegression(l1_ratio=0, C=0.02).fit(X, y)
    assert_array_equal(l2.coef_,
                       LogisticRegression(penalty="l2", C=0.02).fit(X, y).coef_)
    enet = LogisticRegression(l1_ratio=0.5, C=0.05).fit(X, y)
    assert_array_equal(enet.coef_, LogisticRegression(
        penalty="elasticnet", l1_ratio=0.5, C=0.05).fit(X, y).coef_)
    # C=inf is no penalty whatever l1_ratio says
    free = LogisticRegression(l1_ratio=1, C=np.inf, tol=1e-8).fit(X, y)
    assert_array_equal(free.coef_, LogisticRegression(
        penalty=None, tol=1e-8).fit(X, y).coef_)


@pytest.mark.parametrize("penalty, l1_ratio, phrases", [
    ("l2", 1.0, ["Inconsistent values: penalty=l2 with l1_ratio=1.0"]),
    ("l1", 0.0, ["Inconsistent values: penalty=l1 with l1_ratio=0.0"]),
    ("l1", 0.5, ["l1_ratio parameter is only used when penalty is 'elasticnet'. "
                 "Got (penalty=l1)",
                 "Inconsistent values: penalty=l1 with l1_ratio=0.5"]),
])
def test_conflicting_penalty_and_l1_ratio_warn_as_sklearn(penalty, l1_ratio,
                                                          phrases):
    # Reference: scikit-learn 1.9.1 emits UserWarnings with these phrases
    # (besides its FutureWarning on penalty), and fits the explicit penalty.
    X, y = _binary()

    def user_warnings(est):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y)
        return [str(w.message) for w in caught if w.category is UserWarning]

    sk_msgs = user_warnings(SkLogisticRegression(solver="saga", penalty=penalty,
                                                 l1_ratio=l1_ratio, max_iter=2000))
    ours = LogisticRegression(solver="saga", penalty=penalty, l1_ratio=l1_ratio)
    our_msgs = user_warnings(ours)
    for phrase in phrases:
        assert any(phrase in m for m in sk_msgs), sk_msgs
        assert any(phrase in m for m in our_msgs), our_msgs
    assert len(our_msgs) == len(phrases)
    explicit = LogisticRegression(solver="saga", penalty=penalty).fit(X, y)
    assert_array_equal(ours.coef_, explicit.coef_)


def _equivalent(params):
    """The same penalty, spelt the other way (the reference fit)."""
    if params == {"penalty": "l1"}:
        return {"l1_ratio": 1.0}
    if params == {"l1_ratio": 0.3}:
        return {"penalty": "elasticnet", "l1_ratio": 0.3}
    if params == {"penalty": "elasticnet", "l1_ratio": 0.3}:
        return {"l1_ratio": 0.3}
    if params == {"C": np.inf}:
        return {"penalty": None}
    return {"C": np.inf}                     # penalty=None


@pytest.mark.parametrize("params", [{"penalty": "l1"}, {"l1_ratio": 0.3},
                                    {"penalty": "elasticnet", "l1_ratio": 0.3},
                                    {"C": np.inf}, {"penalty": None}])
def test_no_warning_without_a_conflict(params):
    # No warning at all, and the same model as the other spelling of the
    # same penalty (reference: that fit, bit for bit).
    X, y = _binary()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(**params).fit(X, y)
        reference = LogisticRegression(**_equivalent(params)).fit(X, y)
    assert [str(w.message) for w in caught] == []
    assert_array_equal(model.coef_, reference.coef_)
    assert_array_equal(model.intercept_, reference.intercept_)


def test_penalty_none_with_c_warns_as_sklearn():
    X, y = _binary()
    phrase = "Setting penalty=None will ignore the C"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SkLogisticRegression(penalty=None, C=4).fit(X, y)
    assert any(w.category is UserWarning and phrase in str(w.message)
               for w in caught)
    with pytest.warns(UserWarning, match=phrase):
        model = LogisticRegression(penalty=None, C=4).fit(X, y)
    assert_array_equal(model.coef_, LogisticRegression(penalty=None).fit(X, y).coef_)


def test_sklearn_keywords_are_accepted_with_sklearns_defaults():
    import inspect

    sk = inspect.signature(SkLogisticRegression).parameters
    ours = inspect.signature(LogisticRegression).parameters
    for name in ("dual", "intercept_scaling", "n_jobs", "verbose", "warm_start",
                 "tol", "C", "max_iter", "class_weight", "random_state",
                 "fit_intercept"):
        assert ours[name].default == sk[name].default, name
    # multi_class left scikit-learn's signature before 1.9.1; so it is here
    assert "multi_class" not in sk and "multi_class" not in ours
    X, y = _binary()
    plain = LogisticRegression().fit(X, y)
    model = LogisticRegression(n_jobs=-1, dual=False, intercept_scaling=5.0,
                               verbose=0, warm_start=False).fit(X, y)
    # documented as having no effect: the same fit bit for bit
    assert_array_equal(model.coef_, plain.coef_)
    params = model.get_params()
    assert (params["n_jobs"], params["dual"], params["intercept_scaling"]) == (
        -1, False, 5.0)
    copy = clone(model)
    assert copy.get_params() == params
    assert "n_jobs=-1" in repr(model) and "intercept_scaling=5.0" in repr(model)
    assert repr(LogisticRegression()) == "LogisticRegression()"


@pytest.mark.parametrize("params, error, match", [
    ({"dual": True}, ValueError, "supports only dual=False"),
    ({"dual": 1}, TypeError, "dual must be True or False"),
    ({"n_jobs": 1.5}, TypeError, "n_jobs must be an integer"),
    ({"intercept_scaling": 0}, ValueError, "intercept_scaling must be > 0"),
])
def test_sklearn_keywords_are_validated(params, error, match):
    X, y = _binary()
    with pytest.raises(error, match=match):
        LogisticRegression(**params).fit(X, y)


def _sk_objective(coef, intercept, X, y, C, l1_ratio):
    """scikit-learn's objective in float64 numpy (binary, labels 0/1)."""
    z = X @ coef.ravel() + np.ravel(intercept)[0]
    loss = np.logaddexp(0, z) - y * z
    w = coef.ravel()
    return (C * loss.sum() + l1_ratio * np.abs(w).sum()
            + (1 - l1_ratio) / 2 * w @ w)


@pytest.mark.parametrize("solver, l1_ratio", [
    ("lbfgs", 0), ("newton-cg", 0), ("newton-cholesky", 0), ("sag", 0),
    ("saga", 0), ("saga", 1), ("saga", 0.5), ("liblinear", 0), ("liblinear", 1)])
def test_sklearn_solver_names_minimise_sklearns_objective(solver, l1_ratio):
    # Reference: scikit-learn's fit with the same name at a tight tol, and
    # the objective in numpy.  liblinear penalises its intercept, so it is
    # compared without one (then the objectives are the same).
    X, y = _binary(n=300, d=8)
    X = StandardScaler().fit_transform(X)
    fit_intercept = solver != "liblinear"
    sk = SkLogisticRegression(solver=solver, l1_ratio=l1_ratio, C=0.3,
                              tol=1e-10, max_iter=10000, random_state=0,
                              fit_intercept=fit_intercept).fit(X, y)
    ours = LogisticRegression(solver=solver, l1_ratio=l1_ratio, C=0.3,
                              tol=1e-8, max_iter=1000,
                              fit_intercept=fit_intercept).fit(X, y)
    f_sk = _sk_objective(sk.coef_, sk.intercept_, X, y, 0.3, l1_ratio)
    f_ours = _sk_objective(ours.coef_, ours.intercept_, X, y, 0.3, l1_ratio)
    assert f_ours <= f_sk * (1 + 1e-9)
    assert_allclose(ours.coef_, sk.coef_, atol=1e-4)


@pytest.mark.parametrize("params, multiclass, match", [
    ({"solver": "newton-cholesky", "l1_ratio": 1},
     False, "Solver newton-cholesky supports only 'l2' or None penalties"),
    ({"solver": "newton-cg", "penalty": "l1"},
     False, "Solver newton-cg supports only 'l2' or None penalties"),
    ({"solver": "sag", "l1_ratio": 0.5},
     False, "Solver sag supports only 'l2' or None penalties"),
    ({"solver": "liblinear", "l1_ratio": 0.5},
     False, "Only 'saga' solver supports elasticnet penalty"),
    ({"solver": "liblinear", "C": np.inf},
     False, "penalty=None is not supported for the liblinear solver"),
    ({"solver": "liblinear"},
     True, "The 'liblinear' solver does not support multiclass classification"),
])
def test_sklearn_solver_names_refuse_what_sklearn_refuses(params, multiclass,
                                                          match):
    # Reference: scikit-learn raises ValueError with this phrase too.
    X, y = load_iris(return_X_y=True)
    if not multiclass:
        y = (y == 2).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=match):
            SkLogisticRegression(**params).fit(X, y)
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).fit(X, y)
