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


def test_check_estimator_passes_with_zero_failures():
    with warnings.catch_warnings():
        # check_estimator notes that we do not inherit from BaseEstimator
        # (numpy is our only runtime dependency) and skips its array-API
        # checks; neither is a failure.
        warnings.simplefilter("ignore")
        results = check_estimator(LogisticRegression(), on_fail=None)
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
