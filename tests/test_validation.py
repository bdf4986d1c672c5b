"""Input validation: every bad input fails loudly, with the right exception
type and a message that says what was wrong; unusual but valid input works
and gives the same model as a C-contiguous float64 copy.

The tables below are the contract: each row is one kind of bad input, the
exception type it must raise and a regex the message must match.
"""

import contextlib
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import clogreg
from clogreg import LogisticRegression, NotFittedError
from clogreg._validation import check_X

try:
    import scipy.sparse as sparse
except ImportError:  # scipy is a test dependency, but keep the rest running
    sparse = None

needs_scipy = pytest.mark.skipif(sparse is None, reason="scipy is not installed")

# --------------------------------------------------------------------- data
# Small, well-posed, non-separable: every fit below converges without a
# warning (pytest turns warnings into errors).
_RNG = np.random.default_rng(20240611)
N, D = 50, 3
X_BASE = _RNG.standard_normal((N, D))
Y_BASE = (X_BASE @ np.array([1.0, -2.0, 0.5])
          + 0.75 * _RNG.standard_normal(N) > 0).astype(np.int64)
assert 10 < Y_BASE.sum() < 40

FLOATS = [pytest.param(np.float32, id="float32"),
          pytest.param(np.float64, id="float64")]
NONFINITE = [pytest.param(np.nan, id="nan"),
             pytest.param(np.inf, id="inf"),
             pytest.param(-np.inf, id="-inf")]
PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba",
                   "decision_function", "score"]


def _X(dtype=np.float64):
    """A fresh copy of the base features."""
    return np.array(X_BASE, dtype=dtype)


def _y():
    return Y_BASE.copy()


def _X_with(value, dtype=np.float64, at=(7, 1)):
    X = _X(dtype)
    X[at] = value
    return X


def _object_X(value, at=(4, 2)):
    X = _X().astype(object)
    X[at] = value
    return X


def _call(model, method, X):
    if method == "score":
        return model.score(X, _y())
    return getattr(model, method)(X)


@contextlib.contextmanager
def _raises(exc, match):
    """pytest.raises, plus: the exception is exactly ``exc``, not a subclass
    (numpy's AxisError, say, is a ValueError only by accident)."""
    with pytest.raises(exc, match=match) as info:
        yield info
    assert type(info.value) is exc, (
        f"expected exactly {exc.__name__}, got {type(info.value).__name__}: "
        f"{info.value}")


@pytest.fixture(scope="module", params=FLOATS)
def fitted(request):
    return LogisticRegression().fit(_X(request.param), _y())


# ------------------------------------------------------------ fit: X and y
def fit_case(id, exc, match, *, X=None, y=None, sample_weight=None, **params):
    return pytest.param(params, _X() if X is None else X,
                        _y() if y is None else y, sample_weight, exc, match,
                        id=id)


def _long_double_overflow():
    X = _X(np.longdouble)
    X[2, 0] = np.longdouble("1e400")
    return X


_HAS_WIDE_LONGDOUBLE = np.finfo(np.longdouble).max > np.finfo(np.float64).max

X_CASES = [
    # non-finite values, both engine dtypes
    *[fit_case(f"{name}-in-X-{dt.__name__}", ValueError,
               rf"X contains .*{name}.* at row 7, column 1; remove or impute",
               X=_X_with(value, dt))
      for dt in (np.float32, np.float64)
      for name, value in (("nan", np.nan), ("inf", np.inf), ("-inf", -np.inf))],
    # shapes
    *[fit_case(f"empty-X-{dt.__name__}", ValueError,
               r"X has 0 samples \(shape \(0, 3\)\)",
               X=np.empty((0, D), dtype=dt), y=np.empty(0))
      for dt in (np.float32, np.float64)],
    fit_case("empty-list-X", ValueError, r"X must be 2-D .*got 1-D with shape \(0,\)",
             X=[], y=[]),
    *[fit_case(f"zero-features-{dt.__name__}", ValueError,
               r"X has 0 feature\(s\) \(shape=\(50, 0\)\) while a minimum of 1 is "
               r"required",
               X=np.empty((N, 0), dtype=dt))
      for dt in (np.float32, np.float64)],
    *[fit_case(f"1d-X-{dt.__name__}", ValueError,
               r"X must be 2-D .*got 1-D with shape \(50,\);.*X\.reshape\(-1, 1\)",
               X=_X(dt)[:, 0])
      for dt in (np.float32, np.float64)],
    *[fit_case(f"3d-X-{dt.__name__}", ValueError,
               r"X must be 2-D .*got 3-D with shape \(50, 3, 1\)",
               X=_X(dt)[:, :, None])
      for dt in (np.float32, np.float64)],
    fit_case("0d-X", ValueError, r"X must be 2-D .*got 0-D", X=1.0),
    fit_case("ragged-list-X", ValueError,
             r"X could not be read as a 2-D numeric array.*equal-length rows",
             X=[[1.0, 2.0], [3.0]], y=[0, 1]),
    # non-numeric
    fit_case("string-X", TypeError, r"X contains strings \(dtype <U",
             X=_X().astype(str)),
    fit_case("list-of-string-rows-X", TypeError, r"X contains strings",
             X=[["a", "b", "c"]] * N),
    fit_case("bytes-X", TypeError, r"X contains strings \(dtype \|S",
             X=_X().astype(bytes)),
    fit_case("object-X-with-string", TypeError,
             r"X contains strings \('a' at row 4, column 2\)",
             X=_object_X("a")),
    fit_case("object-X-with-numeric-string", TypeError,
             r"X contains strings \('1.5' at row 4, column 2\)",
             X=_object_X("1.5")),
    fit_case("object-X-with-dict", TypeError,
             r"X has dtype object with non-numeric entries",
             X=_object_X({})),
    fit_case("object-X-with-None", ValueError,
             r"X contains None at row 4, column 2",
             X=_object_X(None)),
    fit_case("object-X-with-huge-int", ValueError,
             r"X contains an integer too large for float64",
             X=_object_X(2 ** 2000)),
    pytest.param(
        {}, _long_double_overflow() if _HAS_WIDE_LONGDOUBLE else None, _y(),
        None, ValueError, r"X contains .* at row 2, column 0, which is too "
        r"large for float64", id="longdouble-X-beyond-float64",
        marks=pytest.mark.skipif(not _HAS_WIDE_LONGDOUBLE,
                                 reason="long double is float64 here")),
    fit_case("complex-X", ValueError,
             r"Complex data not supported: X has dtype complex128",
             X=_X().astype(complex)),
    fit_case("complex64-X", ValueError,
             r"Complex data not supported: X has dtype complex64",
             X=_X().astype(np.complex64)),
    fit_case("datetime-X", TypeError, r"X has unsupported dtype datetime64",
             X=np.zeros((N, D), dtype="datetime64[s]")),
    fit_case("masked-X-with-masked-entries", ValueError,
             r"X is a masked array with masked entries.*filled",
             X=np.ma.masked_array(_X(), mask=_X() > 1.5)),
]

Y_CASES = [
    fit_case("nan-in-y", ValueError, r"y contains NaN or infinity",
             y=np.where(np.arange(N) == 3, np.nan, Y_BASE)),
    fit_case("inf-in-y", ValueError, r"y contains NaN or infinity",
             y=np.where(np.arange(N) == 3, np.inf, Y_BASE)),
    fit_case("nan-in-float32-y", ValueError, r"y contains NaN or infinity",
             y=np.where(np.arange(N) == 3, np.nan, Y_BASE).astype(np.float32)),
    fit_case("nan-in-object-y", ValueError, r"y contains NaN or infinity",
             y=np.array([float("nan"), *Y_BASE[1:]], dtype=object)),
    fit_case("NaT-in-y", ValueError, r"y contains NaT",
             y=np.array(["NaT"] + ["2020-01-01", "2021-01-01"] * 24 + ["2020-01-01"],
                        dtype="datetime64[D]")),
    fit_case("single-class-int", ValueError, r"y has 1 class \(1\).*at "
             r"least two classes", y=np.ones(N, dtype=int)),
    fit_case("single-class-str", ValueError, r"y has 1 class \('a'\)",
             y=["a"] * N),
    fit_case("y-shorter-than-X", ValueError,
             r"X has 50 samples but y has 49; they must have the same length",
             y=Y_BASE[:-1]),
    fit_case("y-longer-than-X", ValueError, r"X has 50 samples but y has 51",
             y=np.r_[Y_BASE, 0]),
    fit_case("2-column-y", ValueError,
             r"y must be 1-D, got shape \(50, 2\).*multi-output",
             y=np.c_[Y_BASE, Y_BASE]),
    fit_case("scalar-y", ValueError, r"y must be 1-D, got shape \(\)", y=1),
    fit_case("mixed-int-str-labels-list", TypeError,
             r"y mixes strings with other types",
             y=[1, "a"] * (N // 2)),
    fit_case("mixed-float-str-labels-list", TypeError,
             r"y mixes strings with other types",
             y=[1.5, "a"] * (N // 2)),
    fit_case("mixed-bytes-int-labels-list", TypeError,
             r"y mixes strings with other types",
             y=[b"a", 1] * (N // 2)),
    fit_case("mixed-labels-object-array", TypeError,
             r"y mixes label types \['int', 'str'\]",
             y=np.array([1, "a"] * (N // 2), dtype=object)),
    fit_case("None-in-y-list", ValueError, r"y contains None",
             y=[None, *Y_BASE[1:].tolist()]),
    fit_case("None-in-y-strings", ValueError, r"y contains None",
             y=["a", None] * (N // 2)),
    fit_case("None-in-y-object-array", ValueError, r"y contains None",
             y=np.array([None, *Y_BASE[1:]], dtype=object)),
    fit_case("complex-y", TypeError, r"y is complex",
             y=Y_BASE.astype(complex)),
    fit_case("unsortable-labels", TypeError, r"y labels cannot be sorted",
             y=[{}, {}] * (N // 2)),
]


@pytest.mark.parametrize("params, X, y, sample_weight, exc, match",
                         X_CASES + Y_CASES)
def test_fit_rejects_bad_data(params, X, y, sample_weight, exc, match):
    model = LogisticRegression(**params)
    with _raises(exc, match):
        model.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(model, "coef_"), "a failed fit must not leave a model"


# -------------------------------------------------------------- parameters
PARAM_CASES = [
    fit_case("C-zero", ValueError, r"C must be > 0, got 0", C=0),
    fit_case("C-negative", ValueError, r"C must be > 0, got -1", C=-1.0),
    fit_case("C-minus-inf", ValueError, r"C must be > 0, got -inf", C=-np.inf),
    fit_case("C-nan", ValueError, r"C must not be NaN", C=np.nan),
    fit_case("C-string", TypeError, r"C must be a real number, got '1'", C="1"),
    fit_case("C-None", TypeError, r"C must be a real number, got None", C=None),
    fit_case("tol-negative", ValueError, r"tol must be >= 0, got -0.001", tol=-1e-3),
    fit_case("tol-nan", ValueError, r"tol must not be NaN", tol=np.nan),
    fit_case("max_iter-negative", ValueError, r"max_iter must be >= 0, got -5",
             max_iter=-5),
    fit_case("max_iter-numpy-negative", ValueError,
             r"max_iter must be >= 0, got -1", max_iter=np.int64(-1)),
    fit_case("max_iter-fraction", TypeError,
             r"max_iter must be an integer, got 1.5 \(float\)", max_iter=1.5),
    fit_case("max_iter-integral-float", TypeError,
             r"max_iter must be an integer, got 10.0 \(float\)", max_iter=10.0),
    fit_case("max_iter-string", TypeError, r"max_iter must be an integer",
             max_iter="100"),
    fit_case("solver-unknown", ValueError,
             r"solver must be one of \('auto', 'lbfgs', 'newton', 'gd', 'sgd'\) "
             r"or scikit-learn's .*'saga'.*got 'adam'", solver="adam"),
    fit_case("solver-None", ValueError, r"solver must be one of .*got None",
             solver=None),
    fit_case("penalty-unknown", ValueError,
             r"penalty must be one of 'auto', 'l2', 'l1', 'elasticnet' or None, "
             r"got 'l3'",
             penalty="l3"),
    fit_case("penalty-string-none", ValueError,
             r"penalty must be one of .* got 'none'", penalty="none"),
    fit_case("elasticnet-without-l1_ratio", ValueError,
             r"penalty='elasticnet' needs l1_ratio", penalty="elasticnet"),
    fit_case("l1_ratio-above-one", ValueError, r"l1_ratio must be <= 1, got 1.5",
             penalty="elasticnet", l1_ratio=1.5),
    fit_case("l1_ratio-negative", ValueError, r"l1_ratio must be >= 0, got -0.1",
             penalty="elasticnet", l1_ratio=-0.1),
    fit_case("l1_ratio-string", TypeError, r"l1_ratio must be a real number",
             penalty="elasticnet", l1_ratio="half"),
    fit_case("newton-with-l1", ValueError,
             r"solver='newton' handles penalty='l2' or None, not 'l1'",
             solver="newton", penalty="l1"),
    fit_case("class_weight-string", ValueError,
             r"class_weight must be None, 'balanced' or a dict",
             class_weight="even"),
    fit_case("class_weight-unknown-label", ValueError,
             r"class_weight names 7, which is not a class of y",
             class_weight={7: 2.0}),
    fit_case("class_weight-negative", ValueError,
             r"class_weight\[1\] must be >= 0, got -1", class_weight={1: -1.0}),
    fit_case("standardize-string", TypeError,
             r"standardize must be True or False, got 'yes'", standardize="yes"),
    fit_case("warm_start-int", TypeError,
             r"warm_start must be True or False, got 1", warm_start=1),
    fit_case("learning_rate-zero-gd", ValueError,
             r"learning_rate must be > 0, got 0", solver="gd", learning_rate=0.0),
    fit_case("learning_rate-negative-sgd", ValueError,
             r"learning_rate must be > 0, got -0.1", solver="sgd",
             learning_rate=-0.1),
    fit_case("learning_rate-nan", ValueError, r"learning_rate must not be NaN",
             solver="sgd", learning_rate=np.nan),
    fit_case("batch_size-zero-sgd", ValueError, r"batch_size must be >= 1, got 0",
             solver="sgd", batch_size=0),
    fit_case("batch_size-above-n_samples-sgd", ValueError,
             r"batch_size=51 is larger than the number of samples \(50\)",
             solver="sgd", batch_size=N + 1),
    fit_case("batch_size-fraction", TypeError, r"batch_size must be an integer",
             solver="sgd", batch_size=2.5),
    fit_case("n_threads-zero", ValueError, r"n_threads must be >= 1, got 0",
             n_threads=0),
    fit_case("n_threads-negative", ValueError, r"n_threads must be >= 1, got -1",
             n_threads=-1),
    fit_case("n_threads-float", TypeError, r"n_threads must be an integer",
             n_threads=2.0),
    fit_case("random_state-string", TypeError,
             r"random_state must be None, an int or a numpy Generator, got 'seed'",
             random_state="seed"),
    fit_case("random_state-float", TypeError, r"random_state must be None, an int",
             random_state=1.5),
    fit_case("random_state-bool", TypeError, r"random_state must be None, an int",
             random_state=True),
    fit_case("random_state-negative", ValueError, r"random_state must be >= 0",
             random_state=-1),
    fit_case("callback-int", TypeError,
             r"callback must be callable or None, got int", callback=3),
    fit_case("callback-string", TypeError,
             r"callback must be callable or None, got str", callback="print"),
    fit_case("fit_intercept-int", TypeError,
             r"fit_intercept must be True or False, got 1", fit_intercept=1),
    fit_case("fit_intercept-string", TypeError,
             r"fit_intercept must be True or False, got 'yes'", fit_intercept="yes"),
    fit_case("fit_intercept-None", TypeError,
             r"fit_intercept must be True or False, got None", fit_intercept=None),
    fit_case("verbose-negative", ValueError, r"verbose must be >= 0", verbose=-1),
]


@pytest.mark.parametrize("params, X, y, sample_weight, exc, match", PARAM_CASES)
def test_fit_rejects_bad_parameters(params, X, y, sample_weight, exc, match):
    model = LogisticRegression(**params)
    with _raises(exc, match):
        model.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(model, "coef_")


# ---------------------------------------------------------- sample weights
def _weights(**changes):
    sw = np.ones(N)
    for i, v in changes.items():
        sw[int(i[1:])] = v
    return sw


SAMPLE_WEIGHT_CASES = [
    fit_case("negative", ValueError, r"sample_weight contains negative values",
             sample_weight=_weights(i5=-0.5)),
    fit_case("all-negative-scalar", ValueError,
             r"sample_weight contains negative values", sample_weight=-1.0),
    fit_case("nan", ValueError, r"sample_weight contains NaN or infinity",
             sample_weight=_weights(i5=np.nan)),
    fit_case("inf", ValueError, r"sample_weight contains NaN or infinity",
             sample_weight=_weights(i5=np.inf)),
    fit_case("nan-scalar", ValueError, r"sample_weight contains NaN or infinity",
             sample_weight=float("nan")),
    fit_case("None-entry", ValueError, r"sample_weight contains NaN or infinity",
             sample_weight=[None] + [1.0] * (N - 1)),
    fit_case("too-short", ValueError,
             r"sample_weight has 49 entries but X has 50 samples",
             sample_weight=np.ones(N - 1)),
    fit_case("too-long", ValueError,
             r"sample_weight has 51 entries but X has 50 samples",
             sample_weight=np.ones(N + 1)),
    fit_case("column-vector", ValueError,
             r"sample_weight must be 1-D, got shape \(50, 1\)",
             sample_weight=np.ones((N, 1))),
    fit_case("all-zero", ValueError, r"sample_weight sums to zero",
             sample_weight=np.zeros(N)),
    fit_case("zero-scalar", ValueError, r"sample_weight sums to zero",
             sample_weight=0.0),
    fit_case("sum-overflows", ValueError, r"sample_weight sums to infinity",
             sample_weight=np.full(N, 1e308)),
    fit_case("strings", TypeError, r"sample_weight must be numeric, got dtype <U",
             sample_weight=["1"] * N),
    fit_case("object-strings", TypeError, r"sample_weight contains strings",
             sample_weight=np.array(["1"] * N, dtype=object)),
    fit_case("complex", TypeError, r"sample_weight is complex",
             sample_weight=np.ones(N, dtype=complex)),
]


@pytest.mark.parametrize("params, X, y, sample_weight, exc, match",
                         SAMPLE_WEIGHT_CASES)
def test_fit_rejects_bad_sample_weight(params, X, y, sample_weight, exc, match):
    model = LogisticRegression(**params)
    with _raises(exc, match):
        model.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(model, "coef_")


def test_score_rejects_bad_sample_weight(fitted):
    X = _X(fitted.coef_.dtype)
    with _raises(ValueError, r"sample_weight has 3 entries but X has 50 samples"):
        fitted.score(X, _y(), sample_weight=np.ones(3))
    with _raises(ValueError, r"sample_weight contains negative values"):
        fitted.score(X, _y(), sample_weight=-np.ones(N))


# ----------------------------------------------------------------- sparse
SPARSE_FORMATS = ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array"]


@needs_scipy
@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
def test_fit_rejects_sparse_X_with_nan(fmt):
    X = _X().copy()
    X[3, 2] = np.nan
    with _raises(ValueError, r"X contains nan at row 3, column 2"):
        LogisticRegression().fit(getattr(sparse, fmt)(X), _y())


@needs_scipy
def test_fit_rejects_complex_and_empty_sparse_X():
    with _raises(ValueError, r"Complex data not supported"):
        LogisticRegression().fit(sparse.csr_matrix(_X().astype(complex)), _y())
    with _raises(ValueError, r"at least one sample and one feature"):
        LogisticRegression().fit(sparse.csr_matrix((N, 0)), _y())


@needs_scipy
@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_predict_rejects_sparse_X_with_wrong_width(fitted, method):
    X = sparse.csr_matrix(np.ones((4, fitted.n_features_in_ + 1),
                                  dtype=fitted.coef_.dtype))
    with _raises(ValueError, r"X has 4 features, but LogisticRegression is "
                             r"expecting 3 features as input"):
        _call(fitted, method, X)


@needs_scipy
def test_fit_rejects_sparse_y_and_sample_weight():
    with _raises(TypeError, r"y must be a 1-D array of labels, not a sparse"):
        LogisticRegression().fit(_X(), sparse.csr_matrix(_y()))
    with _raises(TypeError, r"sample_weight must be a 1-D array, not a sparse"):
        LogisticRegression().fit(_X(), _y(),
                                 sample_weight=sparse.csr_matrix(np.ones(N)))


# -------------------------------------------------------------- prediction
@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_predict_before_fit_raises_not_fitted(method):
    # scikit-learn is imported in this process, so the error also subclasses
    # its NotFittedError (tested in test_logistic.py); not exactly ours.
    with pytest.raises(NotFittedError,
                       match=r"not fitted yet; call fit\(X, y\) first") as info:
        _call(LogisticRegression(), method, _X())
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AttributeError)


@pytest.mark.parametrize("base", [ValueError, AttributeError])
def test_not_fitted_error_is_caught_by_either_base_class(base):
    assert issubclass(NotFittedError, base)
    with pytest.raises(base):
        LogisticRegression().predict(_X())


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("value", NONFINITE)
def test_predict_rejects_nonfinite_X(fitted, method, value):
    X = _X_with(value, fitted.coef_.dtype)
    with _raises(ValueError, r"X contains .* at row 7, column 1"):
        _call(fitted, method, X)


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("n_features", [1, 2, 4])
def test_predict_rejects_wrong_number_of_features(fitted, method, n_features):
    X = np.ones((N, n_features), dtype=fitted.coef_.dtype)
    with _raises(ValueError, rf"X has {n_features} features, but "
                             r"LogisticRegression is expecting 3 features"):
        _call(fitted, method, X)


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize("X, match", [
    pytest.param(np.ones(D), r"X must be 2-D .*got 1-D.*reshape\(1, -1\)",
                 id="1d"),
    pytest.param(np.ones((N, D, 1)), r"X must be 2-D .*got 3-D", id="3d"),
    pytest.param(np.empty((0, D)), r"X has 0 samples", id="empty"),
])
def test_predict_rejects_bad_shapes(fitted, method, X, match):
    with _raises(ValueError, match):
        _call(fitted, method, X)


@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_predict_rejects_strings(fitted, method):
    with _raises(TypeError, r"X contains strings"):
        _call(fitted, method, _X().astype(str))


def test_score_rejects_y_of_wrong_length(fitted):
    with _raises(ValueError, r"y has shape \(49,\), expected \(50,\)"):
        fitted.score(_X(fitted.coef_.dtype), _y()[:-1])


# --------------------------------------------------------------- from_coef
FROM_COEF_CASES = [
    pytest.param(dict(coef=[[1.0, 2.0], [3.0, 4.0]], intercept=[0.0, 0.0]),
                 r"coef must have 1 row\(s\) for 2 classes, got shape \(2, 2\)",
                 id="two-rows-for-two-classes"),
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[0.0], classes=[0, 1, 2]),
                 r"coef must have 3 row\(s\) for 3 classes, got shape \(1, 2\)",
                 id="one-row-for-three-classes"),
    pytest.param(dict(coef=np.ones((2, 2)), intercept=[0.0, 0.0],
                      classes=["a", "b", "c"]),
                 r"coef must have 3 row\(s\) for 3 classes", id="two-rows-for-three"),
    pytest.param(dict(coef=[1.0, 2.0], intercept=[0.0]),
                 r"coef must be 2-D", id="1d-coef"),
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[0.0, 1.0]),
                 r"intercept must have shape \(1,\), got \(2,\)",
                 id="intercept-too-long"),
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[]),
                 r"intercept must have shape \(1,\), got \(0,\)",
                 id="intercept-empty"),
    pytest.param(dict(coef=np.ones((3, 2)), intercept=np.zeros(2),
                      classes=[0, 1, 2]),
                 r"intercept must have shape \(3,\), got \(2,\)",
                 id="intercept-too-short-multiclass"),
    *[pytest.param(dict(coef=np.array([[1.0, value]], dtype=dt), intercept=[0.0]),
                   rf"coef contains .*{name}.* at row 0, column 1; coef must "
                   r"contain only finite values",
                   id=f"{name}-coef-{dt.__name__}")
      for dt in (np.float32, np.float64)
      for name, value in (("nan", np.nan), ("inf", np.inf))],
    *[pytest.param(dict(coef=[[1.0, 2.0]], intercept=[value]),
                   r"intercept contains NaN or infinity", id=f"{name}-intercept")
      for name, value in (("nan", np.nan), ("inf", np.inf), ("-inf", -np.inf))],
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[0.0], classes=[1, 0]),
                 r"classes must be distinct and sorted ascending",
                 id="unsorted-classes"),
    pytest.param(dict(coef=np.ones((3, 2)), intercept=np.zeros(3),
                      classes=["b", "a", "c"]),
                 r"classes must be distinct and sorted ascending",
                 id="unsorted-string-classes"),
    pytest.param(dict(coef=np.ones((3, 2)), intercept=np.zeros(3),
                      classes=[0, 1, 1]),
                 r"classes must be distinct and sorted ascending",
                 id="duplicate-classes"),
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[0.0], classes=[1, 1]),
                 r"classes must be distinct and sorted ascending",
                 id="two-equal-classes"),
    pytest.param(dict(coef=[[1.0, 2.0]], intercept=[0.0], classes=[1]),
                 r"classes must be a 1-D sequence of at least two labels",
                 id="single-class"),
]


@pytest.mark.parametrize("kwargs, match", FROM_COEF_CASES)
def test_from_coef_rejects_bad_input(kwargs, match):
    with _raises(ValueError, match):
        LogisticRegression.from_coef(**kwargs)


@needs_scipy
def test_from_coef_rejects_sparse_coef():
    with _raises(TypeError, r"coef is a scipy\.sparse matrix.*coef\.toarray\(\)"):
        LogisticRegression.from_coef(sparse.csr_matrix([[1.0, 2.0]]), [0.0])


# ---------------------------------------------------- sigmoid and softmax
@pytest.mark.parametrize("z", [
    pytest.param([0.0, np.nan], id="list"),
    pytest.param(np.array([[0.0], [np.nan]], dtype=np.float32), id="float32"),
    pytest.param(np.array([np.nan, 1.0]), id="float64"),
    pytest.param(float("nan"), id="scalar"),
])
def test_sigmoid_rejects_nan(z):
    with _raises(ValueError, r"z contains NaN"):
        clogreg.sigmoid(z)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("value", NONFINITE)
def test_softmax_rejects_nonfinite(dtype, value):
    Z = np.array([[0.0, 1.0], [2.0, value]], dtype=dtype)
    with _raises(ValueError, r"Z contains NaN or infinity; softmax needs finite"):
        clogreg.softmax(Z)


@pytest.mark.parametrize("Z", [
    pytest.param(1.0, id="python-float"),
    pytest.param(np.float32(1.0), id="numpy-float32"),
    pytest.param(np.array(2.0), id="0d-array"),
])
def test_softmax_rejects_0d_input(Z):
    with _raises(ValueError, r"softmax needs at least a 1-D array"):
        clogreg.softmax(Z)


@pytest.mark.parametrize("func, name", [
    pytest.param(clogreg.sigmoid, "z", id="sigmoid"),
    pytest.param(clogreg.softmax, "Z", id="softmax"),
])
@pytest.mark.parametrize("value, dtype", [
    pytest.param(["a", "b"], "<U1", id="strings"),
    pytest.param(np.array([1.0, 2.0], dtype=object), "object", id="object"),
    pytest.param([None, 1.0], "object", id="None"),
    pytest.param(np.array([1j, 2.0]), "complex128", id="complex"),
])
def test_sigmoid_softmax_reject_non_numeric(func, name, value, dtype):
    with _raises(TypeError, rf"{name} must be numeric, got dtype {re.escape(dtype)}"):
        func(value)


# ------------------------------------- valid but unusual input simply works
def _fit(X, y=None):
    return LogisticRegression().fit(X, _y() if y is None else y)


def _big_endian(X):
    return X.astype(X.dtype.newbyteorder(">"))


def _read_only(X):
    X = X.copy()
    X.flags.writeable = False
    return X


def _int_X():
    return np.rint(2 * X_BASE).astype(np.int64)


UNUSUAL_CASES = [
    pytest.param(lambda: _read_only(_X()), lambda: _X(), id="read-only"),
    pytest.param(lambda: np.asfortranarray(_X()), lambda: _X(), id="fortran-order"),
    pytest.param(lambda: np.repeat(_X(), 2, axis=0)[::2], lambda: _X(),
                 id="strided-rows"),
    pytest.param(lambda: np.repeat(_X(), 2, axis=1)[:, ::2], lambda: _X(),
                 id="strided-columns"),
    pytest.param(lambda: _X()[::-1], lambda: _X()[::-1].copy(),
                 id="reversed-view"),
    pytest.param(_int_X, lambda: _int_X().astype(np.float64), id="int64"),
    pytest.param(lambda: _int_X().astype(np.int8), lambda: _int_X().astype(float),
                 id="int8"),
    pytest.param(lambda: (_int_X() + 10).astype(np.uint16),
                 lambda: (_int_X() + 10).astype(float), id="uint16"),
    pytest.param(lambda: _X() > 0, lambda: (_X() > 0).astype(float), id="bool"),
    pytest.param(lambda: _X().astype(np.float16),
                 lambda: _X().astype(np.float16).astype(float), id="float16"),
    pytest.param(lambda: _big_endian(_X()), lambda: _X(), id="big-endian-float64"),
    pytest.param(lambda: _X().tolist(), lambda: _X(), id="list-of-lists"),
    pytest.param(lambda: [tuple(row) for row in _X().tolist()], lambda: _X(),
                 id="list-of-tuples"),
    pytest.param(lambda: _X().astype(object), lambda: _X(), id="numeric-object"),
    pytest.param(lambda: np.ma.masked_array(_X()), lambda: _X(),
                 id="masked-array-without-masked-entries"),
]


@pytest.mark.parametrize("make_X, make_reference", UNUSUAL_CASES)
def test_unusual_but_valid_X_gives_the_contiguous_float64_result(make_X,
                                                                 make_reference):
    y = _y()
    model = _fit(make_X(), y)
    reference = make_reference()
    assert reference.flags.c_contiguous and reference.dtype == np.float64
    expected = _fit(reference, y)
    assert model.coef_.dtype == np.float64
    assert_allclose(model.coef_, expected.coef_, rtol=1e-10, atol=0)
    assert_allclose(model.intercept_, expected.intercept_, rtol=1e-10, atol=0)
    # prediction accepts the same unusual layout
    assert_allclose(model.predict_proba(make_X()), expected.predict_proba(reference),
                    rtol=1e-10, atol=1e-15)


def test_strided_view_of_rows():
    X = _X()[::2]
    y = _y()[::2]
    model = _fit(X, y)
    expected = _fit(np.ascontiguousarray(X), y)
    assert_allclose(model.coef_, expected.coef_, rtol=1e-10, atol=0)
    assert_allclose(model.intercept_, expected.intercept_, rtol=1e-10, atol=0)


def test_matrix_X_works():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        X = np.asmatrix(_X())
    model = _fit(X)
    expected = _fit(_X())
    assert_allclose(model.coef_, expected.coef_, rtol=1e-10, atol=0)
    assert_array_equal(model.predict(X), expected.predict(_X()))


@pytest.mark.parametrize("transform", [
    pytest.param(_read_only, id="read-only"),
    pytest.param(np.asfortranarray, id="fortran-order"),
    pytest.param(_big_endian, id="big-endian"),
])
def test_unusual_float32_X_gives_the_contiguous_float32_result(transform):
    X = _X(np.float32)
    model = _fit(transform(X))
    expected = _fit(X)
    assert model.coef_.dtype == np.float32
    assert_allclose(model.coef_, expected.coef_, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("make", [
    pytest.param(lambda X: X, id="writeable"),
    pytest.param(_read_only, id="read-only"),
])
def test_check_X_does_not_copy_c_contiguous_float_arrays(dtype, make):
    X = make(_X(dtype))
    assert check_X(X) is X


def test_check_X_does_not_copy_memmap(tmp_path):
    mm = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+",
                                   dtype=np.float64, shape=(N, D))
    mm[:] = X_BASE
    assert check_X(mm) is mm
    del mm


@pytest.mark.parametrize("X", [
    pytest.param(np.asfortranarray(X_BASE), id="fortran"),
    pytest.param(np.repeat(X_BASE, 2, axis=0)[::2], id="strided"),
    pytest.param(X_BASE.astype(np.int32), id="int32"),
    pytest.param(X_BASE.astype(">f4"), id="big-endian-float32"),
])
def test_check_X_converts_to_c_contiguous_engine_dtype(X):
    out = check_X(X)
    assert out.flags.c_contiguous
    assert out.dtype in (np.float32, np.float64) and out.dtype.isnative
    assert not np.shares_memory(out, X)
    assert_array_equal(out, np.asarray(X, dtype=out.dtype))


# ------------------------------------------------- fit never mutates input
@pytest.mark.filterwarnings("ignore::clogreg.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["lbfgs", "gd", "sgd"])
@pytest.mark.parametrize("make_X", [
    pytest.param(lambda: _X(np.float64), id="float64"),
    pytest.param(lambda: _X(np.float32), id="float32"),
    pytest.param(lambda: np.asfortranarray(_X()), id="fortran"),
    pytest.param(_int_X, id="int64"),
])
def test_fit_does_not_mutate_inputs(solver, make_X):
    X = make_X()
    y = np.where(_y() == 1, "yes", "no")
    sw = np.linspace(0.5, 2.0, N)
    X0, y0, sw0 = X.copy(), y.copy(), sw.copy()
    flags0 = (X.flags.c_contiguous, X.flags.f_contiguous, X.flags.writeable)
    model = LogisticRegression(solver=solver, random_state=0, max_iter=300)
    model.fit(X, y, sample_weight=sw)
    assert_array_equal(X, X0)
    assert X.dtype == X0.dtype
    assert (X.flags.c_contiguous, X.flags.f_contiguous, X.flags.writeable) == flags0
    assert_array_equal(y, y0)
    assert_array_equal(sw, sw0)
    model.predict_proba(X)
    model.score(X, y, sample_weight=sw)
    assert_array_equal(X, X0)
    assert_array_equal(sw, sw0)


def test_fit_does_not_mutate_list_input():
    X = _X().tolist()
    y = _y().tolist()
    sw = [1.0] * N
    X0 = [row[:] for row in X]
    LogisticRegression().fit(X, y, sample_weight=sw)
    assert X == X0
    assert y == _y().tolist()
    assert sw == [1.0] * N


def test_failed_fit_does_not_mutate_inputs():
    X = _X_with(np.nan)
    y = _y()
    X0, y0 = X.copy(), y.copy()
    with pytest.raises(ValueError, match=r"X contains"):
        LogisticRegression().fit(X, y)
    assert_array_equal(X, X0)  # NaN == NaN in assert_array_equal
    assert_array_equal(y, y0)


@pytest.mark.parametrize("classes, exc, match", [
    pytest.param([1, "a"], TypeError, r"invalid classes: y mixes strings",
                 id="mixed-label-types"),
    pytest.param([None, 1], ValueError, r"invalid classes: y contains None",
                 id="none-label"),
])
def test_from_coef_rejects_bad_classes(classes, exc, match):
    with _raises(exc, match):
        LogisticRegression.from_coef([[1.0, 2.0]], [0.0], classes=classes)


def test_from_coef_rejects_non_numeric_intercept():
    with _raises(TypeError, r"intercept must be numeric"):
        LogisticRegression.from_coef([[1.0, 2.0]], ["a"])


def test_column_vector_y_warns_and_fits_like_1d_y():
    # scikit-learn's convention: a (n, 1) y is raveled with a warning.
    flat = LogisticRegression().fit(_X(), Y_BASE)
    with pytest.warns(clogreg.DataConversionWarning, match="column-vector y"):
        column = LogisticRegression().fit(_X(), Y_BASE[:, None])
    np.testing.assert_array_equal(column.coef_, flat.coef_)


_INT64 = np.iinfo(np.int64)


@pytest.mark.parametrize("y", [
    pytest.param(np.random.default_rng(1).integers(0, 2, 200_001), id="0/1, chunked"),
    pytest.param(np.random.default_rng(2).integers(-1, 2, 1000).astype(np.int8), id="int8 -1/0/1"),
    pytest.param(np.random.default_rng(3).choice([7, 40_000], 70_000).astype(np.uint16),
                 id="uint16 with a gap"),
    pytest.param(np.array([5, 3, 5], dtype=np.uint64), id="uint64"),
    pytest.param(np.array([2 ** 63 + 5, 3], dtype=np.uint64), id="uint64 above int64"),
    pytest.param(np.random.default_rng(4).integers(-10 ** 12, 10 ** 12, 500),
                 id="wide span"),
    pytest.param(np.array([_INT64.min, _INT64.max, 0]), id="the whole int64 range"),
    pytest.param(np.array([3.5, -1.0, 3.5]), id="float"),
    pytest.param(np.array(["b", "a", "b"]), id="str"),
])
def test_label_codes_match_numpy_unique(y):
    # Integer labels of a narrow span are counted rather than hashed: the
    # classes, their dtype and the codes are np.unique's either way.
    from clogreg._validation import _sorted_unique
    classes, codes = _sorted_unique(y)
    want, inverse = np.unique(y, return_inverse=True)
    assert classes.dtype == want.dtype and codes.dtype == np.int32
    assert_array_equal(classes, want)
    assert_array_equal(codes, inverse.ravel())


def test_continuous_y_is_rejected_as_a_regression_target():
    y = np.linspace(0, 1, N)
    with _raises(ValueError, r"Unknown label type: continuous"):
        LogisticRegression().fit(_X(), y)


def test_missing_y_is_a_clear_error():
    with _raises(ValueError, r"requires y to be passed, but the target y is None"):
        LogisticRegression().fit(_X(), None)


# --------------------------------------------------- feature-name checks
class _Columns:
    """A minimal DataFrame-like X: ``columns`` and ``__array__``."""

    def __init__(self, values, columns):
        self.values, self.columns = values, list(columns)
        self.shape = values.shape

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def _named_model(names):
    X = np.random.default_rng(3).standard_normal((40, len(names)))
    y = np.arange(40) % 2
    # tol=10 stops at once: these tests need a fitted model, not a good one
    return LogisticRegression(tol=10.0).fit(_Columns(X, names), y), X


_PREFIX = "The feature names should match those that were passed during fit; "


@pytest.mark.parametrize("given, detail", [
    # the messages of the quadratic version, verbatim
    (["sepal", "sw", "pl", "pw"],
     "names unseen at fit time: ['sepal']; names seen at fit time, now "
     "missing: ['sl']"),
    (["sl", "sw", "pl"], "names seen at fit time, now missing: ['pw']"),
    (["sl", "sw", "pl", "pw", "x"], "names unseen at fit time: ['x']"),
    (["a", "b", "c", "d", "e", "f", "sl", "sw"],
     "names unseen at fit time: ['a', 'b', 'c', 'd', 'e'] and 1 more; names "
     "seen at fit time, now missing: ['pl', 'pw']"),
    # the old message said only "the same names in a different order"
    (["sw", "sl", "pl", "pw"],
     "the same names in a different order (column 0 is 'sw', at fit time 'sl')"),
    # the old message said "in a different order" here too, which was wrong
    (["sl", "sw", "pl", "pw", "pw"],
     "the same names, but X has 5 columns and fit had 4: a name is repeated"),
])
def test_feature_name_mismatch_says_which_names(given, detail):
    model, X = _named_model(["sl", "sw", "pl", "pw"])
    Xg = np.resize(X, (X.shape[0], len(given)))
    with _raises(ValueError, re.escape(_PREFIX + detail) + "$"):
        model.predict(_Columns(Xg, given))


def test_feature_name_mismatch_names_what_sklearn_names():
    # Reference: scikit-learn's own check lists the same unseen and missing
    # names (it sorts them; we keep their order in X).
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    fitted, given = ["sl", "sw", "pl", "pw"], ["pw", "q", "sl", "r"]
    model, X = _named_model(fitted)
    sk = SkLogisticRegression().fit(pd.DataFrame(X, columns=fitted),
                                    np.arange(40) % 2)
    with pytest.raises(ValueError) as ours:
        model.predict(_Columns(X, given))
    with pytest.raises(ValueError) as theirs:
        sk.predict(pd.DataFrame(X, columns=given))
    sk_text = str(theirs.value)
    sk_unseen = re.search(r"unseen at fit time:\n((?:- .*\n)+)", sk_text).group(1)
    sk_missing = re.search(r"now missing:\n((?:- .*\n)+)", sk_text).group(1)
    assert sk_unseen == "- q\n- r\n" and sk_missing == "- pl\n- sw\n"
    assert str(ours.value) == (_PREFIX + "names unseen at fit time: ['q', 'r']; "
                               "names seen at fit time, now missing: ['sw', 'pl']")


class _CountedName(str):
    """A string name that counts every hash and comparison made on it."""

    operations = 0

    def __hash__(self):
        _CountedName.operations += 1
        return str.__hash__(self)

    def __eq__(self, other):
        _CountedName.operations += 1
        return str.__eq__(self, other)

    def __ne__(self, other):
        _CountedName.operations += 1
        return str.__ne__(self, other)


@pytest.mark.parametrize("d", [1000, 4000])
@pytest.mark.parametrize("change", ["reversed", "renamed", "same"])
def test_feature_name_check_is_linear_in_the_number_of_names(d, change):
    # Reference: an exact count.  The check makes O(d) hashes and
    # comparisons; the quadratic version built set(fitted) once per given
    # name: d**2 hashes (1e6 at d=1000, 33 s at d=20000 with plain str).
    names = [f"f{j}" for j in range(d)]
    model, X = _named_model([_CountedName(n) for n in names])
    given = names[::-1] if change == "reversed" else list(names)
    if change == "renamed":
        given[d // 2] = "new"
    given = [_CountedName(n) for n in given]     # other objects: no `is` shortcut
    _CountedName.operations = 0
    if change == "same":
        model.predict(_Columns(X, given))
    else:
        with pytest.raises(ValueError, match=_PREFIX):
            model.predict(_Columns(X, given))
    # 8 * d today when reversed: two elementwise passes, two sets, two
    # lookups per name (a hash, then == on the hit); the old code: 2e6 at d=1000
    assert d <= _CountedName.operations <= 10 * d


# ----------------------------------------- scikit-learn's key phrases (issue 13)

def _sklearn_message(X, y, sample_weight=None):
    """The ValueError scikit-learn's LogisticRegression raises for (X, y)."""
    sklearn_lm = pytest.importorskip("sklearn.linear_model")
    with pytest.raises(ValueError) as info:
        sklearn_lm.LogisticRegression().fit(X, y, sample_weight=sample_weight)
    return str(info.value)


def _nan_at(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


@pytest.mark.parametrize("case, phrase", [
    ("short-y", "Found input variables with inconsistent numbers of samples: "
                "[50, 49]"),
    ("nan-X", "Input X contains NaN"),
    ("inf-X", "Input X contains infinity or a value too large"),
    ("nan-sparse-X", "Input X contains NaN"),
    ("nan-y", "Input y contains NaN"),
    ("nan-weight", "Input sample_weight contains NaN"),
    # (scikit-learn then prints the label as np.int64(1); ours says 1)
    ("one-class", "This solver needs samples of at least 2 classes in the data, "
                  "but the data contains only one class"),
])
def test_errors_carry_sklearns_key_phrase(case, phrase):
    # Reference: scikit-learn's own message for the same input contains the
    # phrase; ours keeps its explanation and adds it.
    X, y, sw = _X(), _y(), None
    if case == "short-y":
        y = y[:-1]
    elif case == "nan-X":
        X = _nan_at(X, np.nan)
    elif case == "inf-X":
        X = _nan_at(X, np.inf)
    elif case == "nan-sparse-X":
        import scipy.sparse

        X = scipy.sparse.csr_matrix(_nan_at(X, np.nan))
    elif case == "nan-y":
        y = y.astype(float)
        y[2] = np.nan
    elif case == "nan-weight":
        sw = np.ones(X.shape[0])
        sw[5] = np.nan
    else:
        y = np.ones(X.shape[0], dtype=int)
    assert X.shape[0] == 50
    assert phrase in _sklearn_message(X, y, sw)
    with pytest.raises(ValueError, match=re.escape(phrase)) as info:
        LogisticRegression().fit(X, y, sample_weight=sw)
    ours = str(info.value)
    assert len(ours) > len(phrase) + 20     # our explanation is still there
