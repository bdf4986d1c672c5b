"""LogisticRegression: the seeds' worked examples, labels, dtypes, API.

References: the seeds' published numbers (AND gate probabilities and
predictions, the mini-batch seed's accuracy 1.0), scikit-learn's
LogisticRegression on the same data, and numpy float64 formulas.
"""


import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import clogreg
from clogreg import LogisticRegression
from clogreg._datasets import make_seed_clouds

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def test_and_gate_from_known_coefficients_reproduces_the_seed():
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4], classes=(0, 1))
    proba = gate.predict_proba(AND_X)[:, 1]
    # Published in the AND-gate seed (computed there with math.exp).
    assert proba.tolist() == [0.01798620996209156, 0.18242552380635635,
                              0.18242552380635635, 0.7310585786300049]
    assert gate.predict(AND_X).tolist() == [0, 0, 0, 1]
    assert_allclose(gate.predict_proba(AND_X).sum(axis=1), 1.0, rtol=1e-15)


def test_seed_simulated_data_unpenalized_equals_sklearn_c_inf():
    X, y = make_seed_clouds()
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
    assert model.score(X, y) == 1.0  # the seed reports accuracy 1.0


def test_make_moons_accuracy_close_to_sklearn():
    X, y = make_moons(n_samples=100, noise=0.24, random_state=0)
    sk = SkLogisticRegression().fit(X, y).score(X, y)
    for solver in ("auto", "gd", "sgd"):
        model = LogisticRegression(solver=solver, random_state=0).fit(X, y)
        assert abs(model.score(X, y) - sk) <= 0.02, solver


def test_larger_c_gives_larger_coefficient_norm():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    norms = [np.linalg.norm(LogisticRegression(C=C).fit(X, y).coef_)
             for C in (0.001, 0.01, 0.1, 1.0, 10.0)]
    assert all(a < b for a, b in zip(norms, norms[1:], strict=False))


@pytest.mark.parametrize("labels", [
    pytest.param(["no", "yes"], id="strings"),
    pytest.param([-1.5, 2.25], id="floats"),
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
    model = LogisticRegression(penalty=None, max_iter=50, tol=0).fit(X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    assert model.score(X, y) == 1.0
    assert model.loss_curve_[-1] < 1e-10
    assert (np.diff(model.loss_curve_) <= 0).all()


def test_repr_shows_changed_parameters():
    assert repr(LogisticRegression()) == "LogisticRegression()"
    assert repr(LogisticRegression(C=2.0, solver="gd")) == \
        "LogisticRegression(C=2.0, solver='gd')"
