"""LogisticRegression: the tutorials' worked examples, labels, dtypes, API.

References: the tutorials' published numbers (AND gate probabilities and
predictions, the mini-batch tutorial's accuracy 1.0), scikit-learn's
LogisticRegression on the same data, and numpy float64 formulas.
"""


import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import clogreg
from clogreg import LogisticRegression
from clogreg._datasets import make_gaussian_clouds

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def test_and_gate_from_known_coefficients_reproduces_the_seed():
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4], classes=(0, 1))
    proba = gate.predict_proba(AND_X)[:, 1]
    # Published in the AND-gate tutorial (computed there with math.exp).
    assert proba.tolist() == [0.01798620996209156, 0.18242552380635635,
                              0.18242552380635635, 0.7310585786300049]
    assert gate.predict(AND_X).tolist() == [0, 0, 0, 1]
    assert_allclose(gate.predict_proba(AND_X).sum(axis=1), 1.0, rtol=1e-15)


def test_seed_simulated_data_unpenalized_equals_sklearn_c_inf():
    X, y = make_gaussian_clouds()
    X = X.astype(np.float64)
    sk = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    ours = LogisticRegression(penalty=None, tol=1e-10, max_iter=1000).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-6)
    assert_array_equal(ours.predict(X), sk.predict(X))
    also = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    assert_array_equal(also.coef_, ours.coef_)


def test_minibatch_seed_make_classification_accuracy_one():
    X, y = make_classification(n_features=2, n_redundant=0, n_informative=2,
                               random_state=1, n_clusters_per_class=1)
    model = LogisticRegression(solver="sgd", batch_size=100, random_state=0)
    model.fit(X, y)
    assert model.score(X, y) == 1.0  # the tutorial reports accuracy 1.0


def test_make_moons_accuracy_close_to_sklearn():
    X, y = make_moons(n_samples=100, noise=0.24, random_state=0)
    sk = SkLogisticRegression().fit(X, y).score(X, y)
    for solver in ("auto", "gd", "sgd"):
        model = LogisticRegression(solver=solver, random_state=0).fit(X, y)
        # 100 points: 0.01 is one point; SGD may land three points away.
        assert abs(model.score(X, y) - sk) <= 0.03 + 1e-12, solver


def test_larger_c_gives_larger_coefficient_norm():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    norms = [np.linalg.norm(LogisticRegression(C=C).fit(X, y).coef_)
             for C in (0.001, 0.01, 0.1, 1.0, 10.0)]
    assert all(a < b for a, b in zip(norms, norms[1:], strict=False))


@pytest.mark.parametrize("labels", [
    pytest.param(["no", "yes"], id="strings"),
    pytest.param([-1.0, 2.0], id="floats"),
    pytest.param([True, False], id="bools"),
    pytest.param([7, 3], id="ints"),
])
def test_labels_of_any_type_are_returned_as_given(labels):
    X, y01 = make_classification(n_samples=200, n_features=4, random_state=2)
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[y01]
    model = LogisticRegression().fit(X, y)
    assert_array_equal(model.classes_, np.sort(np.unique(y)))
    pred = model.predict(X)
    assert set(pred.tolist()) <= set(np.asarray(labels).tolist())
    # Same fit as on 0/1 labels ordered like the sorted classes.
    y_codes = np.searchsorted(model.classes_, y)
    ref = LogisticRegression().fit(X, y_codes)
    assert_array_equal(model.coef_, ref.coef_)


def test_multiclass_string_labels_and_shapes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = np.array(["cat", "dog", "emu"])[(X[:, 0] > 0.5).astype(int) + (X[:, 1] > 0)]
    model = LogisticRegression().fit(X, y)
    assert model.coef_.shape == (3, 5) and model.intercept_.shape == (3,)
    proba = model.predict_proba(X)
    assert proba.shape == (300, 3)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10)
    scores = model.decision_function(X)
    assert_allclose(scores, X @ model.coef_.T + model.intercept_, rtol=1e-12)


def test_binary_prediction_methods_agree_with_numpy():
    X, y = make_classification(n_samples=400, n_features=6, random_state=5)
    model = LogisticRegression().fit(X, y)
    z = X @ model.coef_[0] + model.intercept_[0]
    assert_allclose(model.decision_function(X), z, rtol=1e-12, atol=1e-12)
    ref = np.column_stack([1.0 / (1.0 + np.exp(z)), 1.0 / (1.0 + np.exp(-z))])
    assert_allclose(model.predict_proba(X), ref, rtol=1e-12)
    assert_allclose(model.predict_log_proba(X), np.log(ref), rtol=1e-10)
    assert_array_equal(model.predict(X), (z > 0).astype(int))
    assert model.score(X, y) == np.mean(model.predict(X) == y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_log_proba_is_the_log_of_the_returned_probabilities(n_classes):
    # float32 probabilities within 3e-8 of 1 round to exactly 1; their log
    # must then be 0 (scikit-learn's check_classifiers_train: atol 1e-9),
    # while every other entry keeps the float64-accurate log.  Reference:
    # numpy float64 log-softmax of the float64 scores.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    coef = [[9.0, 1.0]] if n_classes == 2 else [[9.0, 0.0], [0.0, 1.0], [-9.0, 0.0]]
    model = LogisticRegression.from_coef(coef, [0.0] * len(coef),
                                         classes=np.arange(n_classes))
    proba = model.predict_proba(X)
    log_proba = model.predict_log_proba(X)
    Z = X.astype(np.float64) @ np.array(coef).T
    if n_classes == 2:
        Z = np.column_stack([np.zeros(len(X)), Z[:, 0]])
    ref = Z - Z.max(axis=1, keepdims=True)
    ref -= np.log(np.exp(ref).sum(axis=1, keepdims=True))
    one = proba == 1
    assert proba.dtype == np.float32 and one.sum() > 10
    assert (ref[one] < -1e-9).any()     # accurate logs that round away
    assert_array_equal(log_proba[one], 0.0)
    assert_allclose(log_proba[~one], ref[~one], rtol=1e-12, atol=1e-14)  # score ulps
    with np.errstate(divide="ignore"):
        log_of_proba = np.log(proba.astype(np.float64))
    # float32 rounds p by a relative 2**-24 at most: its log moves by that
    # much, absolutely; scikit-learn's check is (rtol=8, atol=1e-9)
    assert_allclose(log_proba, log_of_proba, rtol=0, atol=2.0**-23)
    assert_allclose(log_proba, log_of_proba, rtol=8, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_kept_and_x_not_copied(dtype):
    X, y = make_classification(n_samples=500, n_features=5, random_state=0)
    X = np.ascontiguousarray(X, dtype=dtype)
    X.flags.writeable = False   # any in-place write or copy-on-write would fail
    model = LogisticRegression().fit(X, y)
    assert model.coef_.dtype == dtype and model.intercept_.dtype == dtype
    assert model.predict_proba(X).dtype == dtype
    assert clogreg._validation.check_X(X) is X


def test_integer_x_becomes_float64():
    X, y = make_classification(n_samples=200, n_features=3, n_informative=2,
                               n_redundant=0, random_state=0)
    Xi = np.round(X * 10).astype(np.int64)
    model = LogisticRegression().fit(Xi, y)
    assert model.coef_.dtype == np.float64
    ref = LogisticRegression().fit(Xi.astype(np.float64), y)
    assert_array_equal(model.coef_, ref.coef_)


def test_sample_weight_zero_equals_dropping_rows_and_integer_weights_repeat():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    w = np.random.default_rng(0).integers(0, 3, size=300)
    weighted = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)
    repeated = LogisticRegression(tol=1e-10, max_iter=1000).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-6)


def test_weighted_fit_matches_sklearn():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    w = np.random.default_rng(1).uniform(0.1, 2.0, size=300)
    sk = SkLogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y, sample_weight=w)
    ours = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6)


def test_without_intercept_matches_sklearn():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    sk = SkLogisticRegression(fit_intercept=False, tol=1e-10, max_iter=10_000).fit(X, y)
    ours = LogisticRegression(fit_intercept=False, tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6)
    assert_array_equal(ours.intercept_, [0.0])


def test_refit_is_identical_and_does_not_mutate_inputs():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    X0, y0 = X.copy(), y.copy()
    model = LogisticRegression()
    first = model.fit(X, y).coef_.copy()
    second = model.fit(X, y).coef_
    assert_array_equal(first, second)
    assert_array_equal(X, X0)
    assert_array_equal(y, y0)


def test_predict_on_one_row_and_lists():
    X, y = make_classification(n_samples=100, n_features=3, n_informative=2,
                               n_redundant=0, random_state=0)
    model = LogisticRegression().fit(X.tolist(), y.tolist())
    assert model.predict([X[0].tolist()]).shape == (1,)
    assert model.predict_proba(X[:1]).shape == (1, 2)


def test_unpenalized_separable_data_stays_finite():
    # No finite optimum exists; the fit must still return finite
    # coefficients that separate the data, with a vanishing objective.
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(clogreg.ConvergenceWarning, match="linearly separable"):
        model = LogisticRegression(penalty=None, max_iter=50, tol=0).fit(X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert model.score(X, y) == 1.0
    assert model.loss_curve_[-1] < 1e-10
    assert (np.diff(model.loss_curve_) <= 0).all()


def test_repr_shows_changed_parameters():
    assert repr(LogisticRegression()) == "LogisticRegression()"
    assert repr(LogisticRegression(C=2.0, solver="gd")) == \
        "LogisticRegression(C=2.0, solver='gd')"


# ------------------------------------------------ the full model family

def test_class_weight_balanced_and_dict_match_sklearn():
    X, y = make_classification(n_samples=400, n_features=5, weights=[0.8, 0.2],
                               random_state=4)
    for cw in ("balanced", {0: 1.0, 1: 3.0}):
        sk = SkLogisticRegression(class_weight=cw, tol=1e-10, max_iter=10_000)
        sk.fit(X, y)
        ours = LogisticRegression(class_weight=cw, tol=1e-10, max_iter=1000)
        ours.fit(X, y)
        # This problem is flat along one direction: objectives agree to
        # rounding, coefficients only to ~1e-5 (scikit-learn's own accuracy).
        w = np.where(y == 1, 1.0, 1.0)
        if cw == "balanced":
            w = np.where(y == 1, 200 / (y == 1).sum(), 200 / (y == 0).sum())
        else:
            w = np.where(y == 1, 3.0, 1.0)

        def obj(m, w=w):
            z = X @ m.coef_[0] + m.intercept_[0]
            loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
            return (w * loss).sum() + 0.5 * (m.coef_ ** 2).sum()

        assert abs(obj(ours) - obj(sk)) <= 1e-10 * obj(sk)
        assert_allclose(ours.coef_, sk.coef_, rtol=1e-4)
        assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-4)


def test_class_weight_multiplies_sample_weight():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    sw = np.random.default_rng(0).uniform(0.5, 2, size=300)
    both = LogisticRegression(class_weight={1: 2.0}, tol=1e-10).fit(X, y, sw)
    manual = LogisticRegression(tol=1e-10).fit(X, y, sw * np.where(y == 1, 2.0, 1.0))
    assert_allclose(both.coef_, manual.coef_, rtol=1e-10)


def test_intercept_is_not_penalized():
    # With a huge penalty the coefficients vanish, and the unpenalised
    # intercept alone must fit the class frequencies: 90% positives give
    # log(0.9 / 0.1) = log 9.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3))
    y = np.r_[np.ones(900), np.zeros(100)]
    for solver in ("lbfgs", "newton", "gd"):
        model = LogisticRegression(C=1e-4, solver=solver, tol=1e-10,
                                   max_iter=1000).fit(X, y)
        assert_allclose(model.intercept_, [np.log(9)], rtol=1e-3)
        assert np.abs(model.coef_).max() < 5e-3


@pytest.mark.parametrize("k", [2, 3])
def test_standardize_equals_fit_on_scaled_copy(k):
    # Reference: the same model fitted on X scaled by numpy (zero mean, unit
    # variance), with its coefficients mapped back to raw units.
    rng = np.random.default_rng(1)
    X = rng.normal(loc=[5, -300, 0.01], scale=[2, 100, 0.001], size=(500, 3))
    y = (np.argsort(np.argsort(X @ [1, 0.01, 500], axis=0)) * k // 500)
    mean, std = X.mean(axis=0), X.std(axis=0)
    scaled = LogisticRegression(tol=1e-10, max_iter=1000).fit((X - mean) / std, y)
    raw = LogisticRegression(standardize=True, tol=1e-10, max_iter=1000).fit(X, y)
    assert_allclose(raw.predict_proba(X), scaled.predict_proba((X - mean) / std),
                    rtol=1e-6, atol=1e-9)
    ref = scaled.coef_ / std
    assert_allclose(raw.coef_, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())
    assert_allclose(raw.mean_, mean, rtol=1e-12)
    assert_allclose(raw.scale_, std, rtol=1e-12)


def test_standardize_makes_raw_breast_cancer_converge_like_scaled():
    from sklearn.datasets import load_breast_cancer
    X, y = load_breast_cancer(return_X_y=True)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    scaled = LogisticRegression(tol=1e-6, max_iter=1000).fit(Xs, y)
    raw = LogisticRegression(standardize=True, tol=1e-6, max_iter=1000).fit(X, y)
    assert raw.n_iter_ <= scaled.n_iter_ + 2
    scaled.set_params(tol=1e-10).fit(Xs, y)
    raw.set_params(tol=1e-10).fit(X, y)
    assert_allclose(raw.predict_proba(X), scaled.predict_proba(Xs), atol=1e-6)


def test_standardize_zero_variance_feature_gets_scale_one():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=200), np.full(200, 7.0)])
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(standardize=True).fit(X, y)
    assert model.scale_[1] == 1.0
    assert np.isfinite(model.coef_).all()


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_sparse_fit_equals_dense_fit(k, dtype, standardize, penalty):
    from scipy import sparse
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 20))
    X[rng.random(X.shape) < 0.7] = 0.0
    y = (X @ rng.normal(size=(20, k))).argmax(axis=1)
    X = X.astype(dtype)
    params = dict(penalty=penalty, C=0.5, standardize=standardize, tol=1e-10,
                  max_iter=2000)
    dense = LogisticRegression(**params).fit(X, y)
    for fmt in (sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix,
                sparse.csr_array):
        model = LogisticRegression(**params).fit(fmt(X), y)
        rtol = 1e-6 if dtype == np.float64 else 1e-4
        assert_allclose(model.coef_, dense.coef_, rtol=rtol, atol=1e-7)
        assert model.coef_.dtype == dtype
        assert_allclose(model.predict_proba(sparse.csr_matrix(X)),
                        dense.predict_proba(X), rtol=rtol, atol=1e-7)
        assert_array_equal(model.predict(sparse.csr_matrix(X)), dense.predict(X))


def test_csr_float_input_is_not_copied():
    from scipy import sparse
    X = sparse.random(50, 8, density=0.3, format="csr", random_state=0)
    assert clogreg._validation.check_X(X, accept_sparse=True) is X


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
def test_warm_start_second_fit_takes_at_most_two_iterations(solver):
    X, y = make_classification(n_samples=500, n_features=6, random_state=0)
    model = LogisticRegression(solver=solver, warm_start=True, max_iter=1000)
    model.fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ <= 2 < first
    cold = LogisticRegression(solver=solver, max_iter=1000).fit(X, y)
    assert cold.n_iter_ == first


def test_warm_start_with_standardize_keeps_the_solution():
    X, y = make_classification(n_samples=500, n_features=6, random_state=0)
    X = X * [1, 10, 100, 0.1, 1, 5] + 3
    model = LogisticRegression(standardize=True, warm_start=True, tol=1e-8)
    coef = model.fit(X, y).coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ <= 2
    assert_allclose(model.coef_, coef, rtol=1e-6)


@pytest.mark.parametrize("k", [2, 3])
def test_partial_fit_over_chunks_reaches_full_fit_accuracy(k):
    X, y = make_classification(n_samples=6000, n_features=10, n_informative=6,
                               n_classes=k, random_state=0)
    full = LogisticRegression().fit(X, y).score(X, y)
    model = LogisticRegression(random_state=0)
    for _epoch in range(5):
        for chunk in np.array_split(np.arange(6000), 12):
            model.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert model.n_iter_ == 60
    assert model.score(X, y) >= full - 0.01


def test_partial_fit_needs_classes_and_rejects_new_labels():
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    model = LogisticRegression()
    with pytest.raises(ValueError, match="needs classes="):
        model.partial_fit(X, y)
    model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="y contains 2, which is not one of the "
                                         r"classes \[0, 1\]"):
        model.partial_fit(X, np.where(y == 1, 2, 0))


def test_partial_fit_continues_from_fit_and_refuses_balanced():
    X, y = make_classification(n_samples=400, n_features=5, random_state=0)
    model = LogisticRegression(random_state=0).fit(X, y)
    coef = model.coef_.copy()
    model.partial_fit(X[:50], y[:50], classes=[0, 1])
    fresh = LogisticRegression(random_state=0).partial_fit(X[:50], y[:50],
                                                           classes=[0, 1])
    # One small epoch from the fitted model stays near it; from zero it
    # does not get there.
    assert np.linalg.norm(model.coef_ - coef) < np.linalg.norm(fresh.coef_ - coef)
    with pytest.raises(ValueError, match="class_weight='balanced' needs"):
        LogisticRegression(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    # partial_fit ignores solver, so solver='newton' with L1 is no error there
    LogisticRegression(solver="newton", penalty="l1").partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_predict_names_the_first_nan_or_inf_of_x(method, bad, dtype, sparse_input):
    # The scan for NaN and infinity runs inside the prediction pass; the
    # error must still name the first bad value, as numpy finds it, also
    # when that column's coefficient is 0 (inf * 0 is NaN in the pass).
    X, y = make_classification(300, 6, random_state=0)
    model = LogisticRegression().fit(X, y)
    model.coef_[0, 2] = 0.0
    X = X.astype(dtype)
    X[200, 2] = bad
    X[250, 0] = bad
    row, col = np.argwhere(~np.isfinite(X))[0]
    if sparse_input:
        sparse = pytest.importorskip("scipy.sparse")
        X = sparse.csr_matrix(X)
    with pytest.raises(ValueError, match=rf"X contains {bad!r} at row {row}, "
                                         rf"column {col}; remove or impute"):
        getattr(model, method)(X)


def test_predict_on_finite_x_whose_scores_overflow_does_not_raise():
    # Finite X, scores beyond float64: the pass sees non-finite scores,
    # scans X, finds it finite and returns what numpy's formulas give.
    model = LogisticRegression.from_coef([[1e300, 1.0]], [0.0])
    X = np.array([[1e300, 0.0], [-1e300, 0.0], [0.0, 2.0]])
    with np.errstate(over="ignore"):
        scores = X @ model.coef_[0] + model.intercept_[0]
    assert_array_equal(model.decision_function(X), scores)
    assert_array_equal(model.predict(X), [1, 0, 1])
    assert_allclose(model.predict_proba(X)[:, 1],
                    [1.0, 0.0, 1 / (1 + np.exp(-2.0))], rtol=1e-15)


def _reference_sgd_step(X, sw, mean, scale, alpha, c=0.25):
    """4 / (c * lambda + alpha), lambda the largest eigenvalue of the
    weighted second-moment matrix sum_i s_i r_i r_i' / S of the
    standardised rows r_i = [(x_i - mean) / scale, 1]: float64 numpy, with
    np.linalg.eigvalsh."""
    R = np.column_stack([(X - mean) / scale, np.ones(X.shape[0])])
    gram = (R * sw[:, None]).T @ R / sw.sum()
    return 4.0 / (c * np.linalg.eigvalsh(gram).max() + alpha)


@pytest.mark.parametrize("outlier", [False, True])
def test_sgd_default_step_matches_the_weighted_eigenvalue(outlier):
    # Weights spread over a decade, some rows of weight 0; with ``outlier``
    # one of them lies 1e200 away, which must change nothing.
    from clogreg._steps import sgd_default_step
    rng = np.random.default_rng(12)
    n = 80
    z = rng.standard_normal((n, 1))
    X = np.hstack([z + 0.3 * rng.standard_normal((n, 1)), 2.0 * z,
                   rng.standard_normal((n, 1)) + 5.0])
    sw = rng.uniform(0.2, 2.0, n)
    sw[::9] = 0.0
    if outlier:
        X[9] = [1e200, -1e200, 1e200]
    mean = np.average(X[sw > 0], axis=0, weights=sw[sw > 0])
    scale = np.sqrt(np.average((X[sw > 0] - mean) ** 2, axis=0,
                               weights=sw[sw > 0]))
    alpha = 1.0 / sw.sum()
    step = sgd_default_step(X, sw, 1, True, alpha, mean, scale)
    expected = _reference_sgd_step(X[sw > 0], sw[sw > 0], mean, scale, alpha)
    # 20 power iterations on a matrix whose top eigenvalue stands well
    # apart (two features are nearly collinear): far below 1e-9.
    assert_allclose(step, expected, rtol=1e-9)
    # The same step through fit's own statistics: partial_fit keeps it.
    model = LogisticRegression(standardize=True)
    model.partial_fit(X, (z[:, 0] > 0).astype(int), classes=[0, 1],
                      sample_weight=sw)
    assert_allclose(model._partial_state["lr"], expected, rtol=1e-9)
    # The rows' weights matter: the unweighted estimate is another number.
    if not outlier:
        unweighted = _reference_sgd_step(X, np.ones(n), X.mean(axis=0),
                                         X.std(axis=0), alpha)
        assert abs(unweighted / expected - 1) > 1e-3


# ------------------------------------------- failed fits change nothing
def _attributes(model):
    """Every attribute of ``model``, private ones included, with arrays
    and dicts unpacked so that == compares values (and dtypes)."""
    def plain(value):
        if isinstance(value, np.ndarray):
            return ("ndarray", value.dtype.str, value.shape, value.tolist())
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value
    return {name: plain(value) for name, value in vars(model).items()}


def _interrupt(iteration, objective):
    raise KeyboardInterrupt       # what Ctrl-C inside the engine's loop gives


_RNG = np.random.default_rng(12)
_X = _RNG.normal(size=(200, 3))
_Y = (_X @ [1.0, -1.0, 0.5] + _RNG.logistic(size=200) > 0).astype(int)

# (estimator parameters, X, exception) of a first partial_fit that fails
_FAILURES = {
    "batch_size too large": ({"batch_size": 201}, _X, ValueError),
    "diverging step": ({"learning_rate": 1e300}, _X, ValueError),
    "Ctrl-C": ({"callback": _interrupt}, _X, KeyboardInterrupt),
    "bad X": ({}, np.full((200, 3), np.nan), ValueError),
}


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("failure", list(_FAILURES))
def test_failed_first_partial_fit_leaves_the_estimator_as_it_was(failure,
                                                                 standardize):
    # Reference: the attributes before the call, and a fresh estimator fed
    # only the calls that succeeded (bit for bit).
    params, X, exc = _FAILURES[failure]
    model = LogisticRegression(standardize=standardize, random_state=0,
                               **params)
    before = _attributes(model)
    with pytest.raises(exc):
        model.partial_fit(X, _Y, classes=[0, 1])
    assert _attributes(model) == before
    model.set_params(batch_size=None, learning_rate=None, callback=None)
    model.partial_fit(_X, _Y, classes=[0, 1]).partial_fit(_X[::-1], _Y[::-1])
    fresh = LogisticRegression(standardize=standardize, random_state=0)
    fresh.partial_fit(_X, _Y, classes=[0, 1]).partial_fit(_X[::-1], _Y[::-1])
    assert _attributes(model) == _attributes(fresh)


@pytest.mark.parametrize("failure", list(_FAILURES))
def test_failed_later_partial_fit_keeps_the_stream(failure):
    params, X, exc = _FAILURES[failure]
    if failure == "diverging step":      # later calls keep the first step
        params, X = {}, _X * 1e300
    model = LogisticRegression(standardize=True, random_state=0)
    model.partial_fit(_X, _Y, classes=[0, 1])
    before = _attributes(model)
    model.set_params(**params)
    with pytest.raises(exc):
        model.partial_fit(X, _Y)
    model.set_params(batch_size=None, learning_rate=None, callback=None)
    assert _attributes(model) == before
    model.partial_fit(_X[::-1], _Y[::-1])
    fresh = LogisticRegression(standardize=True, random_state=0)
    fresh.partial_fit(_X, _Y, classes=[0, 1]).partial_fit(_X[::-1], _Y[::-1])
    assert _attributes(model) == _attributes(fresh)
    assert model.n_iter_ == 2


@pytest.mark.parametrize("start", ["fit", "partial_fit"])
@pytest.mark.parametrize("failure", ["Ctrl-C", "diverging step", "one class",
                                     "bad weights"])
def test_failed_refit_keeps_the_old_model(failure, start):
    # Reference: the attributes of the fitted model before the failed refit
    # (its coef_, and the partial_fit stream, which fit would have reset).
    model = LogisticRegression(solver="sgd", random_state=0)
    if start == "fit":
        model.fit(_X, _Y)
    else:
        model.partial_fit(_X, _Y, classes=[0, 1])
    before = _attributes(model)
    y, sample_weight = _Y, None
    if failure == "Ctrl-C":
        model.callback = _interrupt
    elif failure == "diverging step":
        model.learning_rate = 1e300
    elif failure == "one class":
        y = np.zeros_like(_Y)
    else:
        sample_weight = np.zeros(len(_Y))
    with pytest.raises((KeyboardInterrupt, ValueError)):
        model.fit(_X * 3.0, y, sample_weight=sample_weight)
    model.set_params(callback=None, learning_rate=None)
    assert _attributes(model) == before
    refit = model.fit(_X, _Y)
    assert refit is model
    assert_array_equal(model.coef_,
                       LogisticRegression(solver="sgd", random_state=0)
                       .fit(_X, _Y).coef_)


def test_fit_and_partial_fit_keep_their_signature_and_docs():
    import inspect
    assert list(inspect.signature(LogisticRegression.fit).parameters) == [
        "self", "X", "y", "sample_weight"]
    assert list(inspect.signature(LogisticRegression.partial_fit).parameters) == [
        "self", "X", "y", "classes", "sample_weight"]
    assert LogisticRegression.fit.__doc__.startswith("Fit the model")
    assert LogisticRegression.partial_fit.__doc__.startswith("One epoch")


def test_warnings_of_fit_point_at_the_callers_line():
    # Reference: this file.  fit's wrapper is one more frame between the
    # warning and the user; every warning must still name the user's line.
    import warnings

    class Named:
        columns = ["a", "b", "c"]

        def __array__(self, dtype=None, copy=None):
            return _X if dtype is None else _X.astype(dtype)

    named = LogisticRegression().partial_fit(Named(), _Y, classes=[0, 1])
    calls = {
        "max_iter": lambda: LogisticRegression(max_iter=1).fit(_X, _Y),
        "separable": lambda: LogisticRegression(C=np.inf).fit(_X, _X[:, 0] > 0),
        "column-vector y": lambda: LogisticRegression().fit(_X, _Y[:, None]),
        "partial_fit names": lambda: named.partial_fit(_X, _Y),
        "predict names": lambda: named.predict(_X),
    }
    for what, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert caught, what
        assert {w.filename for w in caught} == {__file__}, what


# ------------------------------------- one estimator, one fit at a time
@pytest.mark.parametrize("second", ["fit", "partial_fit"])
@pytest.mark.parametrize("first", ["fit", "partial_fit"])
def test_concurrent_fits_of_one_estimator_raise_and_others_run(first, second):
    # Deterministic: the first fit waits inside its callback until this
    # thread has tried the second one.  References: the serial fits of the
    # same estimators, bit for bit.
    import threading

    inside, release = threading.Event(), threading.Event()

    def block_once(iteration, objective):
        if not inside.is_set():
            inside.set()
            assert release.wait(60), "the test never released the fit"

    def run(model, method):
        if method == "fit":
            return model.fit(_X, _Y)
        return model.partial_fit(_X, _Y, classes=[0, 1])

    busy = LogisticRegression(solver="sgd", random_state=0, callback=block_once)
    errors = []

    def first_fit():
        try:
            run(busy, first)
        except BaseException as exc:        # reported below, not lost
            errors.append(exc)

    worker = threading.Thread(target=first_fit)
    worker.start()
    try:
        assert inside.wait(60)
        with pytest.raises(RuntimeError, match=r"already being fitted.*its own "
                                               r"estimator.*sklearn\.base\.clone"):
            run(busy, second)
        # a different estimator fits meanwhile, in another thread: the guard
        # is per estimator (a global lock would time out here)
        other = LogisticRegression(solver="sgd", random_state=1)
        helper = threading.Thread(target=run, args=(other, second))
        helper.start()
        helper.join(60)
        assert not helper.is_alive()
    finally:
        release.set()
        worker.join(60)
    assert not errors and not worker.is_alive()
    assert_array_equal(other.coef_, run(LogisticRegression(
        solver="sgd", random_state=1), second).coef_)
    serial = run(LogisticRegression(solver="sgd", random_state=0), first)
    busy.callback = None
    assert _attributes(busy) == _attributes(serial)
    # the guard is released: the estimator fits again, and still pickles
    import copy
    import pickle
    run(busy, first)
    assert _attributes(pickle.loads(pickle.dumps(busy))) == _attributes(busy)
    assert _attributes(copy.deepcopy(busy)) == _attributes(busy)


def test_fit_from_its_own_callback_is_refused_and_changes_nothing():
    model = LogisticRegression(random_state=0).fit(_X, _Y)
    before = _attributes(model)

    def refit(iteration, objective):
        model.fit(_X, _Y)

    model.callback = refit
    with pytest.raises(RuntimeError, match="already being fitted"):
        model.fit(_X[:100], _Y[:100])
    model.callback = None
    assert _attributes(model) == before


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_a_prediction_during_a_refit_uses_one_whole_model(method, monkeypatch):
    # A refit publishes its results by replacing the estimator's __dict__;
    # a prediction must read the fitted attributes from one dict.  The
    # refit is made to land between the prediction's first read and the
    # kernel call (inside its input check), deterministically.  Reference:
    # the same prediction from a copy of the old model, bit for bit.
    import copy

    import clogreg._logistic as logistic_module

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    old = copy.deepcopy(model)
    X_new = rng.normal(size=(60, 3))
    y_new = np.where(X_new[:, 1] > 0, "up", "down")   # other classes too
    real_check_X = logistic_module.check_X
    refits = []

    def check_X_then_refit(*args, **kwargs):
        out = real_check_X(*args, **kwargs)
        if kwargs.get("defer_finite") and not refits:
            refits.append(model.fit(X_new, y_new))
        return out

    monkeypatch.setattr(logistic_module, "check_X", check_X_then_refit)
    got = getattr(model, method)(X)
    monkeypatch.undo()
    assert refits, "the refit did not happen inside the prediction"
    assert model.classes_.tolist() == ["down", "up"]       # it was published
    assert_array_equal(got, getattr(old, method)(X))
