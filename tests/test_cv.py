"""LogisticRegressionCV: folds, scores, the path, refit, parallel folds.

References: scikit-learn's LogisticRegressionCV on the same folds (the
chosen C, scores_, coefs_paths_), scikit-learn's StratifiedKFold (the
folds, exactly), sklearn.metrics (each scoring), independent
LogisticRegression fits at each C on each training fold, scikit-learn's
check_estimator, and bitwise equality across n_jobs.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import metrics
from sklearn.datasets import load_iris, make_classification
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import scale
from sklearn.utils.estimator_checks import check_estimator

from clogreg import LogisticRegression, LogisticRegressionCV, _cv

SCORINGS = [None, "accuracy", "neg_log_loss", "neg_brier_score", "roc_auc",
            "balanced_accuracy", "f1"]


def _sk(**kw):
    kw.setdefault("l1_ratios", (0.0,))
    kw.setdefault("use_legacy_attributes", True)
    kw.setdefault("scoring", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SkLogisticRegressionCV(**kw)


def _fit_sk(model, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y, **kw)


# --------------------------------------------------------------- folds
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_splits", [2, 3, 5, 7])
def test_stratified_folds_equal_sklearn(seed, n_splits):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 90))
    y = rng.choice(np.array(["b", "a", "c", "d"]), size=n, p=[0.5, 0.2, 0.2, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")    # a class with fewer than n_splits
        ours = _cv.stratified_k_fold(y, n_splits)
        ref = list(StratifiedKFold(n_splits).split(np.zeros((n, 1)), y))
    assert len(ours) == len(ref)
    for (tr, te), (rtr, rte) in zip(ours, ref, strict=True):
        assert_array_equal(tr, rtr)
        assert_array_equal(te, rte)


def test_stratified_folds_refuse_too_many_splits():
    # reference: scikit-learn's message
    with pytest.raises(ValueError, match="cannot be greater than the number of "
                                         "members in each class"):
        _cv.stratified_k_fold([0, 0, 1, 1], 3)
    with pytest.warns(UserWarning, match="least populated class"):
        _cv.stratified_k_fold([0, 0, 0, 0, 1, 1], 3)


# --------------------------------------------------------------- scores
@pytest.mark.parametrize("weighted", [False, True])
def test_scorings_equal_sklearn_metrics(weighted):
    rng = np.random.default_rng(0)
    n = 200
    classes = np.array(["no", "yes"])
    y = classes[rng.integers(0, 2, n)]
    z = rng.normal(size=n).round(1)        # ties, for the AUC
    proba1 = 1 / (1 + np.exp(-z))
    pred = np.where(z > 0.3, "yes", "no")
    sw = rng.uniform(0, 3, n) if weighted else None
    assert _cv.accuracy(y, pred, sw) == pytest.approx(
        metrics.accuracy_score(y, pred, sample_weight=sw), abs=1e-15)
    assert _cv.balanced_accuracy(y, pred, sw) == pytest.approx(
        metrics.balanced_accuracy_score(y, pred, sample_weight=sw), abs=1e-15)
    assert _cv.f1(y, pred, classes, sw) == pytest.approx(
        metrics.f1_score(y, pred, pos_label="yes", sample_weight=sw), abs=1e-15)
    proba = np.column_stack([1 - proba1, proba1])
    assert _cv.log_loss(y, proba, classes, sw) == pytest.approx(
        metrics.log_loss(y, proba, sample_weight=sw, labels=classes), rel=1e-13)
    assert _cv.roc_auc(y, z, classes, sw) == pytest.approx(
        metrics.roc_auc_score(y, z, sample_weight=sw), abs=1e-14)
    assert _cv.brier_score(y, proba, classes, sw) == pytest.approx(
        metrics.brier_score_loss(y, proba1, pos_label="yes", sample_weight=sw),
        rel=1e-13)
    # multiclass: accuracy, balanced accuracy, log-loss with a missing class
    y3 = rng.integers(0, 3, n)
    p3 = rng.dirichlet(np.ones(4), n)
    pred3 = rng.integers(0, 3, n)
    assert _cv.balanced_accuracy(y3, pred3, sw) == pytest.approx(
        metrics.balanced_accuracy_score(y3, pred3, sample_weight=sw), abs=1e-15)
    assert _cv.log_loss(y3, p3, np.arange(4), sw) == pytest.approx(
        metrics.log_loss(y3, p3, sample_weight=sw, labels=np.arange(4)),
        rel=1e-13)
    # Brier over 3 of 4 classes present: the labels name the fourth
    assert _cv.brier_score(y3, p3, np.arange(4), sw) == pytest.approx(
        metrics.brier_score_loss(y3, p3, sample_weight=sw, labels=np.arange(4)),
        rel=1e-13)
    with pytest.raises(ValueError, match="binary"):
        _cv.roc_auc(y3, p3, np.arange(4))
    with pytest.raises(ValueError, match="multiclass"):
        _cv.f1(y3, pred3, np.arange(4))


# ------------------------------------------------- against scikit-learn
@pytest.mark.parametrize("scoring", SCORINGS)
@pytest.mark.parametrize("sparse", [False, True])
def test_binary_matches_sklearn(scoring, sparse):
    X, y = make_classification(400, 8, random_state=0)
    X = scale(X)
    Xin = sp.csr_matrix(X) if sparse else X
    # up to C=10: beyond, the optimum is flat enough for both solvers to
    # stop 1e-4 apart in the coefficients at equal objectives (1e-14 rel.)
    Cs = np.logspace(-4, 1, 8)
    ours = LogisticRegressionCV(Cs=Cs, cv=5, tol=1e-10, max_iter=2000,
                                scoring=scoring).fit(Xin, y)
    ref = _fit_sk(_sk(Cs=Cs, cv=5, tol=1e-10, max_iter=10_000, scoring=scoring),
                  X, y)
    assert_array_equal(ours.C_, ref.C_)
    assert_allclose(ours.Cs_, ref.Cs_)
    assert_allclose(ours.scores_[1], ref.scores_[1][..., 0], atol=1e-4)
    assert_allclose(ours.coefs_paths_[1], ref.coefs_paths_[1][:, :, 0], atol=1e-4)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    assert ours.n_iter_.shape == (1, 5, 8)


def test_multinomial_iris_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    X = scale(X)
    Cs = np.logspace(-3, 2, 6)
    ours = LogisticRegressionCV(Cs=Cs, cv=3, tol=1e-10, max_iter=2000,
                                scoring="neg_log_loss").fit(X, y)
    ref = _fit_sk(_sk(Cs=Cs, cv=3, tol=1e-10, max_iter=10_000,
                      scoring="neg_log_loss"), X, y)
    assert_array_equal(ours.C_, ref.C_)
    assert ours.C_.shape == (3,)
    for c in range(3):
        assert_allclose(ours.scores_[c], ref.scores_[c][..., 0], atol=1e-4)
        assert_allclose(ours.coefs_paths_[c], ref.coefs_paths_[c][:, :, 0],
                        atol=1e-4)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


def test_class_weight_and_sample_weight_match_sklearn():
    X, y = make_classification(300, 6, weights=[0.8], random_state=1)
    X = scale(X)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0])
    Cs = np.logspace(-3, 1, 5)
    for cw in ["balanced", {0: 1.0, 1: 3.0}]:
        ours = LogisticRegressionCV(Cs=Cs, cv=4, tol=1e-10, class_weight=cw,
                                    scoring="neg_log_loss", max_iter=2000)
        ours.fit(X, y, sample_weight=sw)
        ref = _fit_sk(_sk(Cs=Cs, cv=4, tol=1e-10, max_iter=10_000,
                          class_weight=cw, scoring="neg_log_loss"), X, y,
                      sample_weight=sw)
        assert_array_equal(ours.C_, ref.C_)
        assert_allclose(ours.scores_[1], ref.scores_[1][..., 0], atol=1e-4)
        assert_allclose(ours.coefs_paths_[1], ref.coefs_paths_[1][:, :, 0],
                        atol=1e-4)
        assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_elastic_net_paths_equal_independent_fits(n_classes):
    # reference: LogisticRegression fitted at each (C, l1_ratio) on each
    # training fold (the path must reach the same optima)
    X, y = make_classification(200, 6, n_informative=4, n_classes=n_classes,
                               random_state=0)
    X = scale(X)
    Cs, l1_ratios = [0.01, 0.1, 1.0], [0.2, 0.8]
    ours = LogisticRegressionCV(Cs=Cs, l1_ratios=l1_ratios, cv=3, tol=1e-10,
                                max_iter=5000, scoring="neg_log_loss",
                                use_legacy_attributes=False).fit(X, y)
    assert ours.coefs_paths_.shape == (3, 2, 3, 1 if n_classes == 2 else 3, 7)
    for f, (train, _) in enumerate(StratifiedKFold(3).split(X, y)):
        for li, r in enumerate(l1_ratios):
            for ci, c in enumerate(Cs):
                m = LogisticRegression(penalty="elasticnet", l1_ratio=r, C=c,
                                       tol=1e-10, max_iter=5000)
                m.fit(X[train], y[train])
                got = ours.coefs_paths_[f, li, ci]
                assert_allclose(got[:, :-1], m.coef_, atol=1e-4)
                assert_allclose(got[:, -1], m.intercept_, atol=1e-4)
    assert isinstance(ours.C_, float) and isinstance(ours.l1_ratio_, float)
    assert ours.C_ in Cs and ours.l1_ratio_ in l1_ratios


# ---------------------------------------------------------- parallel
@pytest.mark.parametrize("n_jobs", [2, -1])
def test_results_do_not_depend_on_n_jobs(n_jobs):
    X, y = make_classification(300, 10, n_classes=3, n_informative=5,
                               random_state=2)
    kw = dict(Cs=5, cv=4, scoring="neg_log_loss")
    one = LogisticRegressionCV(**kw).fit(X, y)
    many = LogisticRegressionCV(n_jobs=n_jobs, **kw).fit(X, y)
    for c in one.classes_:
        assert np.array_equal(one.coefs_paths_[c], many.coefs_paths_[c])
        assert np.array_equal(one.scores_[c], many.scores_[c])
    assert np.array_equal(one.coef_, many.coef_)
    assert np.array_equal(one.n_iter_, many.n_iter_)


# ------------------------------------------------------------ cv forms
def test_cv_accepts_splitters_and_index_pairs():
    X, y = make_classification(120, 4, random_state=3)
    ref = LogisticRegressionCV(Cs=4, cv=3).fit(X, y)
    by_splitter = LogisticRegressionCV(Cs=4, cv=StratifiedKFold(3)).fit(X, y)
    by_pairs = LogisticRegressionCV(
        Cs=4, cv=list(StratifiedKFold(3).split(X, y))).fit(X, y)
    for other in (by_splitter, by_pairs):
        assert np.array_equal(ref.scores_[1], other.scores_[1])
    kfold = LogisticRegressionCV(Cs=4, cv=KFold(4)).fit(X, y)
    assert kfold.scores_[1].shape == (4, 4)
    with pytest.raises(TypeError, match="cv must be"):
        LogisticRegressionCV(cv="five").fit(X, y)
    with pytest.raises(ValueError, match="Cs must be positive"):
        LogisticRegressionCV(Cs=[1.0, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="scoring must be"):
        LogisticRegressionCV(scoring="r2").fit(X, y)
    with pytest.raises(ValueError, match="l1_ratios must be"):
        LogisticRegressionCV(l1_ratios=[0.5, 2.0]).fit(X, y)


def test_refit_starts_from_the_fold_mean_and_reaches_the_full_fit():
    # reference: LogisticRegression at C_ on all data
    X, y = make_classification(300, 5, random_state=4)
    cvm = LogisticRegressionCV(Cs=6, cv=3, tol=1e-10, max_iter=2000).fit(X, y)
    full = LogisticRegression(C=float(cvm.C_[0]), tol=1e-10, max_iter=2000).fit(X, y)
    assert_allclose(cvm.coef_, full.coef_, atol=1e-6)
    assert_allclose(cvm.predict_proba(X), full.predict_proba(X), atol=1e-6)
    assert_array_equal(cvm.predict(X), full.predict(X))


def test_newton_path_keeps_multinomial_intercepts_centred():
    # reference: scikit-learn's newton-cholesky on each training fold at
    # each C, whose multinomial intercepts sum to 0.  The loss is flat
    # along a shift shared by every class's intercept; before the fix a
    # warm-started Newton-CG step followed that flat direction and moved
    # all three intercepts of the unscaled iris path by 0.16.
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    X, y = load_iris(return_X_y=True)
    cvm = LogisticRegressionCV(solver="newton", tol=1e-8,
                               scoring="neg_log_loss").fit(X, y)
    for f, (train, _) in enumerate(StratifiedKFold(5).split(X, y)):
        for i, C in enumerate(cvm.Cs_[:7]):     # C <= 21.5
            ref = SkLogisticRegression(C=C, solver="newton-cholesky",
                                       tol=1e-10).fit(X[train], y[train])
            for c in range(3):
                assert_allclose(cvm.coefs_paths_[c][f, i, -1], ref.intercept_[c],
                                atol=1e-6)
                assert_allclose(cvm.coefs_paths_[c][f, i, :-1], ref.coef_[c],
                                atol=1e-6)


def test_no_runtime_import_of_sklearn():
    # A fresh interpreter fits and scores with no scikit-learn module loaded
    # (reference: its sys.modules), and gets the score of the same fit made
    # here, where scikit-learn is loaded (reference: that score, exactly).
    code = ("import sys, numpy as np; from clogreg import LogisticRegressionCV;"
            "X = np.random.default_rng(0).normal(size=(60, 2));"
            "y = (X[:, 0] > 0).astype(int);"
            "m = LogisticRegressionCV(Cs=3, cv=3, scoring='roc_auc').fit(X, y);"
            "print(repr(m.score(X, y)));"
            "print(sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": ":".join(sys.path)}).stdout.split("\n")
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    here = LogisticRegressionCV(Cs=3, cv=3, scoring="roc_auc").fit(X, y)
    assert out[1] == "[]"
    assert float(out[0]) == here.score(X, y)


@pytest.mark.parametrize("est", [
    LogisticRegressionCV(),
    LogisticRegressionCV(scoring="neg_log_loss"),   # scikit-learn's default
    LogisticRegressionCV(use_legacy_attributes=False),
    LogisticRegressionCV(max_iter=5, cv=3),
], ids=["default", "neg_log_loss", "new_attributes", "max_iter_5"])
def test_check_estimator_passes_with_zero_failures(est):
    # At the defaults, large chosen Cs give float32 probabilities that
    # round to 1 (check_classifiers_train compares their log with
    # predict_log_proba at atol 1e-9), and warm-started path points that
    # meet tol at their start (check_non_transformer_estimators_n_iter
    # wants n_iter_ >= 1): both failed before.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(est, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300])
              for r in results if r["status"] == "failed"]
    assert len(results) > 50
    assert failed == []


def test_convergence_warning_of_the_folds_is_sklearns_too():
    # Reference: scikit-learn's own ConvergenceWarning class and filter, as
    # for LogisticRegression: a user's ignore filter on it must silence the
    # folds' max_iter warning (which must otherwise be raised).
    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning

    X, y = make_classification(n_samples=200, random_state=0)
    model = LogisticRegressionCV(Cs=[1e4], cv=3, max_iter=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    folds = [w for w in caught if "cross-validation fit" in str(w.message)]
    assert len(folds) == 1
    assert issubclass(folds[0].category, SkConvergenceWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", SkConvergenceWarning)
        model.fit(X, y)


def test_borrowed_methods_name_the_cv_estimator():
    # LogisticRegressionCV reuses LogisticRegression's protocol methods;
    # their messages must name the class the user called.  Reference: the
    # class's own name.
    from clogreg import NotFittedError

    cv = LogisticRegressionCV()
    with pytest.raises(NotFittedError, match="this LogisticRegressionCV is not "
                       "fitted yet; call fit"):
        cv.predict([[0.0, 1.0]])
    with pytest.raises(ValueError, match="invalid parameter 'Cz' for "
                       "LogisticRegressionCV"):
        cv.set_params(Cz=3)
