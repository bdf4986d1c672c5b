"""Reliability (issue 8): hostile input, numerics at the edges, index
arithmetic, reproducibility, threads and memory.

References, section by section:

* hostile input: the exception type and a message naming the problem (the
  tables of tests/test_validation.py, extended here without repeating
  them); valid but unusual input: the same fit on a C-contiguous copy,
  bit for bit;
* numerics: numpy float64 formulas (probabilities, the objective along a
  ray), the same fit on unscaled data, scikit-learn's L2 fit;
* index arithmetic: numpy on the few non-zero entries of a matrix of more
  than 2**31 entries that is otherwise the kernel's shared zero page;
* reproducibility and threads: the single-threaded, sequential run, bit
  for bit; that calls overlap is shown with the GIL switch interval
  stretched to 100 s, so that the GIL changes hands only when a thread
  releases it (a pure-Python control shows that nothing overlaps then);
* memory: the kernel's own accounting of the process (/proc/self/statm and
  VmHWM after resetting it through /proc/self/clear_refs), in a fresh
  subprocess.
"""

import contextlib
import mmap
import os
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import clogreg
from clogreg import ConvergenceWarning, LogisticRegression, kernels
from clogreg._cli import main as cli_main
from clogreg._validation import check_X, check_y, encode_labels

try:
    import scipy.sparse as sparse
except ImportError:  # a test dependency; keep the rest running without it
    sparse = None
try:
    import pandas as pd
except ImportError:
    pd = None

needs_scipy = pytest.mark.skipif(sparse is None, reason="scipy is not installed")
needs_pandas = pytest.mark.skipif(pd is None, reason="pandas is not installed")
LINUX_64 = sys.platform.startswith("linux") and sys.maxsize > 2**32

# --------------------------------------------------------------------- data
# Small and well-posed: every fit on it converges without a warning.
_RNG = np.random.default_rng(8)
N, D = 60, 3
X_BASE = _RNG.standard_normal((N, D))
Y_BASE = (X_BASE @ np.array([1.0, -2.0, 0.5])
          + 0.75 * _RNG.standard_normal(N) > 0).astype(np.int64)
assert 15 < Y_BASE.sum() < 45


def _X(dtype=np.float64):
    return np.array(X_BASE, dtype=dtype)


def _y():
    return Y_BASE.copy()


def _object_X(value, at=(4, 2)):
    X = _X().astype(object)
    X[at] = value
    return X


def _csr(X):
    return sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))


def _fitted():
    return LogisticRegression().fit(_X(), _y())


@contextlib.contextmanager
def _raises(exc, match):
    """pytest.raises, but the exception must be exactly ``exc``."""
    with pytest.raises(exc, match=match) as info:
        yield info
    assert type(info.value) is exc, (
        f"expected exactly {exc.__name__}, got {type(info.value).__name__}: "
        f"{info.value}")


def _quiet(func, *args, **kwargs):
    """Call func with ConvergenceWarnings silenced (and nothing else)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return func(*args, **kwargs)


# ================================================================ hostile
# Each row: what is called, the exception it must raise exactly, and a
# regex its message must match.  Only cases that tests/test_validation.py
# does not already have.
def case(id, call, exc, match):
    return pytest.param(call, exc, match, id=id)


def _fit(X=None, y=None, sample_weight=None, **params):
    return lambda: LogisticRegression(**params).fit(
        _X() if X is None else X, _y() if y is None else y,
        sample_weight=sample_weight)


def _nullable_frame():
    frame = pd.DataFrame(_X(), columns=["a", "b", "c"]).astype("Float64")
    frame.iloc[3, 1] = pd.NA
    return frame


def _string_labels_with_na():
    labels = np.where(Y_BASE == 1, "yes", "no").astype(object)
    labels[5] = pd.NA
    return pd.Series(labels, dtype="string")


FIT_CASES = [
    # X
    case("object-X-complex-entry", lambda: _fit(X=_object_X(1j))(), ValueError,
         r"Complex data not supported: X contains 1j at row 4, column 2"),
    case("big-endian-complex-X", lambda: _fit(X=_X().astype(">c16"))(), ValueError,
         r"Complex data not supported: X has dtype >c16"),
    case("list-X-with-None-cell",
         lambda: _fit(X=[[1.0, None, 2.0]] + _X().tolist()[1:])(), ValueError,
         r"X contains None at row 0, column 1; remove or impute"),
    case("object-X-all-None", lambda: _fit(X=np.full((N, D), None))(), ValueError,
         r"X contains None at row 0, column 0"),
    case("zero-by-zero-X", lambda: _fit(X=np.empty((0, 0)), y=[])(), ValueError,
         r"X has 0 samples \(shape \(0, 0\)\)"),
    case("zero-rows-float32-fortran",
         lambda: _fit(X=np.empty((0, D), dtype=np.float32, order="F"), y=[])(),
         ValueError, r"X has 0 samples \(shape \(0, 3\)\)"),
    case("structured-X", lambda: _fit(X=np.zeros((N, 2), dtype=[("a", "f8")]))(),
         TypeError, r"X has unsupported dtype \[\('a', '<f8'\)\]"),
    case("timedelta-X", lambda: _fit(X=np.zeros((N, D), dtype="m8[s]"))(),
         TypeError, r"X has unsupported dtype timedelta64\[s\]"),
    case("void-X", lambda: _fit(X=np.zeros((N, D), dtype="V8"))(), TypeError,
         r"X has unsupported dtype \|V8"),
    # y
    case("mixed-bool-str-labels", lambda: _fit(y=[True, "a"] * (N // 2))(),
         TypeError, r"y mixes strings with other types"),
    case("mixed-str-nan-labels", lambda: _fit(y=["a", float("nan")] * (N // 2))(),
         TypeError, r"y mixes strings with other types"),
    case("mixed-bytes-str-object-labels",
         lambda: _fit(y=np.array([b"a", "a"] * (N // 2), dtype=object))(),
         TypeError, r"y mixes label types \['bytes', 'str'\]"),
    case("zero-size-y-for-X", lambda: _fit(y=np.empty(0, dtype=int))(), ValueError,
         r"X has 60 samples but y has 0"),
    # sample_weight
    case("sample_weight-subnormal-sum",
         lambda: _fit(sample_weight=np.full(N, 5e-324))(), ValueError,
         r"sample_weight sums to 2.96e-322, below the smallest normal float64"),
    case("sample_weight-complex-big-endian",
         lambda: _fit(sample_weight=np.ones(N, dtype=">c16"))(), TypeError,
         r"sample_weight is complex"),
    # parameters
    case("l1_ratio-above-one-with-l2", _fit(l1_ratio=1.5), ValueError,
         r"l1_ratio must be <= 1, got 1.5"),
    case("l1_ratio-just-above-one", _fit(penalty="elasticnet",
                                         l1_ratio=np.nextafter(1.0, 2.0)),
         ValueError, r"l1_ratio must be <= 1"),
    case("l1_ratio-minus-inf", _fit(penalty="elasticnet", l1_ratio=-np.inf),
         ValueError, r"l1_ratio must be finite, got -inf"),
    case("l1_ratio-nan", _fit(penalty="elasticnet", l1_ratio=np.nan), ValueError,
         r"l1_ratio must not be NaN"),
    case("l1_ratio-bool", _fit(penalty="elasticnet", l1_ratio=True), TypeError,
         r"l1_ratio must be a real number, got True \(bool\)"),
    case("class_weight-nan", _fit(class_weight={1: np.nan}), ValueError,
         r"class_weight\[1\] must not be NaN"),
    case("class_weight-inf", _fit(class_weight={0: np.inf}), ValueError,
         r"class_weight\[0\] must be finite, got inf"),
    case("class_weight-string-weight", _fit(class_weight={1: "2"}), TypeError,
         r"class_weight\[1\] must be a real number, got '2'"),
    case("class_weight-all-zero", _fit(class_weight={0: 0.0, 1: 0}), ValueError,
         r"the class weights leave every sample with weight 0"),
    case("class_weight-string-key-for-int-labels", _fit(class_weight={"1": 2.0}),
         ValueError, r"class_weight names '1', which is not a class of y; the "
         r"classes are \[0, 1\]"),
    case("class_weight-None-key", _fit(class_weight={None: 2.0}), ValueError,
         r"class_weight names None, which is not a class of y"),
    case("class_weight-array", _fit(class_weight=np.array([1.0, 2.0])), ValueError,
         r"class_weight must be None, 'balanced' or a dict"),
    case("batch_size-numpy-zero", _fit(solver="sgd", batch_size=np.int64(0)),
         ValueError, r"batch_size must be >= 1, got 0"),
    case("batch_size-negative", _fit(solver="sgd", batch_size=-3), ValueError,
         r"batch_size must be >= 1, got -3"),
    case("batch_size-bool", _fit(solver="sgd", batch_size=True), TypeError,
         r"batch_size must be an integer, got True \(bool\)"),
    case("batch_size-above-n-multinomial",
         _fit(solver="sgd", batch_size=N + 1, y=np.arange(N) % 3), ValueError,
         r"batch_size=61 is larger than the number of samples \(60\)"),
    case("max_iter-beyond-C-int", _fit(max_iter=2**31), ValueError,
         r"max_iter must be <= 2147483647"),
    case("n_threads-beyond-C-int", _fit(n_threads=2**40), ValueError,
         r"n_threads must be <= 2147483647"),
    case("verbose-beyond-C-int", _fit(verbose=2**31), ValueError,
         r"verbose must be <= 2147483647"),
    case("C-subnormal", _fit(C=5e-324), ValueError,
         r"C=5e-324 is too small: C times the total sample weight"),
]


@pytest.mark.parametrize("call, exc, match", FIT_CASES)
def test_fit_rejects_hostile_input(call, exc, match):
    with _raises(exc, match):
        call()


@needs_pandas
@pytest.mark.parametrize("build, exc, match", [
    pytest.param(lambda: _fit(X=_object_X(pd.NA)), ValueError,
                 r"X contains <NA> at row 4, column 2; remove or impute",
                 id="object-X-pandas-NA"),
    pytest.param(lambda: _fit(X=_nullable_frame()), ValueError,
                 r"X contains <NA> at row 3, column 1", id="nullable-frame-NA"),
    pytest.param(lambda: _fit(X=_object_X(pd.NaT)), ValueError,
                 r"X contains NaT at row 4, column 2", id="object-X-pandas-NaT"),
    pytest.param(lambda: _fit(y=_string_labels_with_na()), ValueError,
                 r"y contains <NA>; every sample needs a label",
                 id="string-series-y-with-NA"),
    pytest.param(lambda: _fit(sample_weight=np.array([1.0] * (N - 1) + [pd.NA],
                                                     dtype=object)),
                 TypeError, r"sample_weight must be numeric",
                 id="sample_weight-pandas-NA"),
])
def test_fit_rejects_pandas_missing_values(build, exc, match):
    with _raises(exc, match):
        build()()


def _partial(X=None, y=None, classes=(0, 1), first=None, **params):
    def call():
        model = LogisticRegression(**params)
        if first is not None:
            model.partial_fit(*first)
        model.partial_fit(_X() if X is None else X, _y() if y is None else y,
                          classes=classes)
    return call


PARTIAL_FIT_CASES = [
    case("batch_size-zero", _partial(batch_size=0), ValueError,
         r"batch_size must be >= 1, got 0"),
    case("batch_size-above-chunk", _partial(batch_size=N + 1), ValueError,
         r"batch_size=61 is larger than the number of samples \(60\)"),
    case("l1_ratio-above-one", _partial(penalty="elasticnet", l1_ratio=1.01),
         ValueError, r"l1_ratio must be <= 1, got 1.01"),
    case("l1_ratio-negative", _partial(penalty="elasticnet", l1_ratio=-1e-9),
         ValueError, r"l1_ratio must be >= 0"),
    case("class_weight-unknown-class", _partial(class_weight={5: 2.0}), ValueError,
         r"class_weight names 5, which is not a class of y"),
    case("class_weight-zero-for-every-class",
         _partial(class_weight={0: 0, 1: 0}), ValueError,
         r"every sample of this batch has weight 0"),
    case("new-class-on-first-call", _partial(y=np.where(Y_BASE == 1, 2, 0)),
         ValueError, r"y contains 2, which is not one of the classes \[0, 1\]"),
    case("new-string-class-later",
         _partial(y=np.array(["a", "b", "c"])[np.arange(N) % 3], classes=None,
                  first=(_X(), np.where(Y_BASE == 1, "b", "a"), ["a", "b"])),
         ValueError, r"y contains 'c', which is not one of the classes "
         r"\['a', 'b'\]"),
    case("string-labels-for-int-classes", _partial(y=Y_BASE.astype(str)),
         ValueError, r"y contains '[01]', which is not one of the classes \[0, 1\]"),
    case("classes-changed-later",
         _partial(classes=[0, 1, 2], first=(_X(), _y(), [0, 1])), ValueError,
         r"classes differ from those of the first partial_fit call \(\[0, 1\]\)"),
    case("classes-empty", _partial(classes=[]), ValueError,
         r"y has no labels \(0 classes\)"),
    case("classes-single", _partial(classes=[1]), ValueError, r"y has 1 class"),
    case("classes-repeated", _partial(classes=[0, 1, 1]), ValueError,
         r"classes must not repeat a label"),
    case("features-change-later",
         _partial(X=_X()[:, :2], first=(_X(), _y(), [0, 1])), ValueError,
         r"X has 2 features, but LogisticRegression is expecting 3"),
    case("nan-in-X", _partial(X=np.where(np.arange(N * D).reshape(N, D) == 7,
                                         np.nan, X_BASE)),
         ValueError, r"X contains nan at row 2, column 1"),
    case("classes-scalar", _partial(classes=1), TypeError,
         r"classes must be a 1-D sequence"),
    case("None-labels", _partial(y=[None] * N), ValueError, r"y contains None"),
    case("complex-labels", _partial(y=Y_BASE + 0j), TypeError, r"y is complex"),
    case("mixed-type-labels",
         _partial(y=np.array([1, "a"] * (N // 2), dtype=object)), TypeError,
         r"y mixes label types"),
]


@pytest.mark.parametrize("call, exc, match", PARTIAL_FIT_CASES)
def test_partial_fit_rejects_hostile_input(call, exc, match):
    with _raises(exc, match):
        call()


@needs_scipy
def test_partial_fit_rejects_sparse_labels():
    with _raises(TypeError, r"y must be a 1-D array of labels, not a sparse"):
        LogisticRegression().partial_fit(_X(), sparse.csr_matrix(_y()),
                                         classes=[0, 1])


@pytest.mark.parametrize("y, classes, expected", [
    pytest.param([1, 0, 1], [0, 1], [1, 0, 1], id="ints"),
    pytest.param([1.0, 0.0], [0, 1], [1, 0], id="integral-floats-for-ints"),
    pytest.param(np.array([True, False]), [0, 1], [1, 0], id="bools-for-ints"),
    pytest.param(["b", "b"], ["a", "b", "c"], [1, 1], id="one-class-of-three"),
    pytest.param(np.array([2, 0], dtype=">i4"), [0, 1, 2], [2, 0], id="big-endian"),
])
def test_encode_labels_codes_against_known_classes(y, classes, expected):
    # The partial_fit labels helper (encode_labels): codes are positions
    # in classes; reference: the expected positions, written out.
    codes = encode_labels(y, np.array(classes), len(y))
    assert codes.dtype == np.int32
    assert_array_equal(codes, expected)


@pytest.mark.parametrize("y, exc, match", [
    pytest.param([None, 1], ValueError, r"y contains None", id="None"),
    pytest.param([1 + 0j, 0j], TypeError, r"y is complex", id="complex"),
    pytest.param(np.array([1, "a"], dtype=object), TypeError,
                 r"y mixes label types", id="mixed"),
    pytest.param([2, 0], ValueError,
                 r"y contains 2, which is not one of the classes \[0, 1\]",
                 id="new-class"),
    pytest.param(["0", "1"], ValueError, r"y contains '0', which is not one",
                 id="strings-for-ints"),
    pytest.param([0.5, 1.0], ValueError, r"Unknown label type: continuous",
                 id="continuous"),
])
def test_encode_labels_rejects_what_fit_rejects(y, exc, match):
    with _raises(exc, match):
        encode_labels(y, np.array([0, 1]), len(y))


PREDICT_CASES = [
    pytest.param(lambda: _object_X(None), ValueError,
                 r"X contains None at row 4, column 2", id="object-None"),
    pytest.param(lambda: _X().astype(np.complex64), ValueError,
                 r"Complex data not supported", id="complex64"),
    pytest.param(lambda: _object_X(2j), ValueError,
                 r"Complex data not supported: X contains 2j", id="object-complex"),
    pytest.param(lambda: np.empty((0, 0)), ValueError, r"X has 0 samples",
                 id="zero-by-zero"),
    pytest.param(lambda: np.empty((5, 0), dtype=np.float32), ValueError,
                 r"X has 0 feature\(s\)", id="zero-features"),
    pytest.param(lambda: np.zeros((4, 3), dtype="m8[D]"), TypeError,
                 r"unsupported dtype timedelta64", id="timedelta"),
    pytest.param(lambda: [[1.0, "a", 2.0]], TypeError, r"X contains strings",
                 id="list-with-string"),
]


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
@pytest.mark.parametrize("make_X, exc, match", PREDICT_CASES)
def test_predict_rejects_hostile_input(method, make_X, exc, match):
    with _raises(exc, match):
        getattr(_fitted(), method)(make_X())


@needs_scipy
def test_predict_rejects_sparse_with_nan_and_zero_rows():
    model = _fitted()
    X = _X()
    X[9, 2] = np.nan
    with _raises(ValueError, r"X contains nan at row 9, column 2"):
        model.predict_proba(sparse.csr_matrix(X))
    with _raises(ValueError, r"at least one sample and one feature"):
        model.predict(sparse.csr_matrix((0, D)))


FROM_COEF_CASES = [
    pytest.param(dict(coef=[[1.0, 1j]], intercept=[0.0]), ValueError,
                 r"Complex data not supported: coef", id="complex-coef"),
    pytest.param(dict(coef=np.array([[1.0, None]], dtype=object), intercept=[0.0]),
                 ValueError, r"coef contains None at row 0, column 1",
                 id="None-in-coef"),
    pytest.param(dict(coef=np.empty((1, 0)), intercept=[0.0]), ValueError,
                 r"coef has 0 feature\(s\)", id="zero-features"),
    pytest.param(dict(coef=[[1.0]], intercept=[0.0], classes=[]), ValueError,
                 r"classes must be a 1-D sequence of at least two labels",
                 id="no-classes"),
    pytest.param(dict(coef=[[1.0]], intercept=[0.0], classes=[[0, 1]]), ValueError,
                 r"classes must be a 1-D sequence", id="2d-classes"),
    pytest.param(dict(coef=[[1.0]], intercept=[1j]), TypeError,
                 r"intercept must be numeric, got dtype complex128",
                 id="complex-intercept"),
    pytest.param(dict(coef=[[1.0]], intercept=np.array([None])), TypeError,
                 r"intercept must be numeric, got dtype object", id="None-intercept"),
    pytest.param(dict(coef=[[1.0]], intercept=[0.0], classes=[0.5, np.nan]),
                 ValueError, r"invalid classes: y contains NaN", id="nan-class"),
]


@pytest.mark.parametrize("kwargs, exc, match", FROM_COEF_CASES)
def test_from_coef_rejects_hostile_input(kwargs, exc, match):
    with _raises(exc, match):
        LogisticRegression.from_coef(**kwargs)


@pytest.mark.parametrize("path", [None, 3, [b"model.json"]],
                         ids=["None", "int-not-a-descriptor", "list"])
def test_load_rejects_non_paths(path):
    # an int must not be taken as an open file descriptor (3 may well be one)
    with _raises(TypeError, r"expected str, bytes or os.PathLike object"):
        clogreg.load(path)


def test_cli_max_iter_beyond_c_int_exits_2_without_traceback(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b,status\n1,2,x\n3,1,y\n0,5,x\n2,2,y\n1,1,x\n4,0,y\n")
    code = cli_main(["fit", str(data), "--target", "status", "--out",
                     str(tmp_path / "m.json"), "--max-iter", "3000000000"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and "max_iter must be <= 2147483647" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


# ----------------------------------------- valid but unusual: same as a copy
def _memmap(tmp_path, X, mode="r", order="C"):
    path = tmp_path / f"X-{X.dtype.name}-{order}.dat"
    out = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape, order=order)
    out[:] = X
    out.flush()
    del out
    return np.memmap(path, dtype=X.dtype, mode=mode, shape=X.shape, order=order)


def _read_only(a):
    a = np.array(a, copy=True, order="K")
    a.flags.writeable = False
    return a


def _doubled_rows(X):
    """A view with a row stride of two rows."""
    return np.repeat(X, 2, axis=0)[::2]


UNUSUAL_X = [
    pytest.param(lambda p: _X()[:, ::-1], id="negative-stride-columns"),
    pytest.param(lambda p: _X()[::-1, ::-1], id="negative-strides-both"),
    pytest.param(lambda p: _X(np.float32)[::-1], id="float32-negative-stride-rows"),
    pytest.param(lambda p: np.broadcast_to(_X()[:, :1], (N, D)),
                 id="zero-stride-columns"),
    pytest.param(lambda p: _read_only(_X(np.float32)[:, ::-1]),
                 id="read-only-float32-view"),
    pytest.param(lambda p: _read_only(_X().astype(">f8")), id="read-only-big-endian"),
    pytest.param(lambda p: np.asfortranarray(_X(np.float32)), id="float32-fortran"),
    pytest.param(lambda p: _doubled_rows(_X(np.float32)), id="float32-strided"),
    pytest.param(lambda p: _X().astype(">f2"), id="big-endian-float16"),
    pytest.param(lambda p: np.asfortranarray((_X() * 4).astype(">i4")),
                 id="fortran-big-endian-int32"),
    pytest.param(lambda p: (_X() * 1e3).astype(np.uint64) % 7, id="uint64"),
    pytest.param(lambda p: _memmap(p, _X()), id="memmap-read-only"),
    pytest.param(lambda p: _memmap(p, _X(np.float32), mode="r+"),
                 id="memmap-float32"),
    pytest.param(lambda p: _memmap(p, _X(), order="F"), id="memmap-fortran"),
    pytest.param(lambda p: _memmap(p, _X(), mode="c")[::-1], id="memmap-reversed"),
]


def _contiguous_copy(X):
    """The reference input: a C-contiguous copy in the engine dtype that
    the documented conversion rules pick."""
    X = np.asarray(X)
    dtype = np.float32 if X.dtype.kind == "f" and X.dtype.itemsize == 4 \
        else np.float64
    return np.array(X, dtype=dtype, order="C")


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
@pytest.mark.parametrize("make_X", UNUSUAL_X)
def test_unusual_X_fits_and_predicts_like_its_contiguous_copy(make_X, solver,
                                                              tmp_path):
    X = make_X(tmp_path)
    reference = _contiguous_copy(X)
    params = dict(solver=solver, random_state=0, max_iter=200)
    model = LogisticRegression(**params).fit(X, _y())
    expected = LogisticRegression(**params).fit(reference, _y())
    assert model.coef_.dtype == expected.coef_.dtype == reference.dtype
    assert_array_equal(model.coef_, expected.coef_)
    assert_array_equal(model.intercept_, expected.intercept_)
    assert_array_equal(model.predict_proba(X), expected.predict_proba(reference))
    assert_array_equal(model.decision_function(X),
                       expected.decision_function(reference))


@pytest.mark.parametrize("make_X", UNUSUAL_X[:6])
def test_unusual_X_in_partial_fit_like_its_contiguous_copy(make_X, tmp_path):
    X = make_X(tmp_path)
    reference = _contiguous_copy(X)
    model, expected = LogisticRegression(random_state=1), \
        LogisticRegression(random_state=1)
    for _ in range(3):
        model.partial_fit(X, _y(), classes=[0, 1])
        expected.partial_fit(reference, _y(), classes=[0, 1])
    assert_array_equal(model.coef_, expected.coef_)
    assert_array_equal(model.intercept_, expected.intercept_)


@pytest.mark.parametrize("make_y", [
    pytest.param(lambda: _read_only(Y_BASE), id="read-only"),
    pytest.param(lambda: Y_BASE.astype(">i2"), id="big-endian"),
    pytest.param(lambda: np.repeat(Y_BASE, 2)[::2], id="strided"),
    pytest.param(lambda: Y_BASE[::-1].copy()[::-1], id="negative-stride"),
    pytest.param(lambda: Y_BASE.astype(bool), id="bool"),
    pytest.param(lambda: np.where(Y_BASE == 1, 1.0, -0.0), id="signed-zero-floats"),
])
@pytest.mark.parametrize("make_sw", [
    pytest.param(lambda: None, id="no-weights"),
    pytest.param(lambda: _read_only(np.linspace(0.5, 2, N)), id="read-only-sw"),
    pytest.param(lambda: np.linspace(0.5, 2, N).astype(">f8"), id="big-endian-sw"),
    pytest.param(lambda: np.repeat(np.linspace(0.5, 2, N), 2)[::2], id="strided-sw"),
    pytest.param(lambda: np.linspace(0.5, 2, N)[::-1].copy()[::-1],
                 id="negative-stride-sw"),
])
def test_unusual_y_and_sample_weight_like_contiguous_copies(make_y, make_sw):
    y, sw = make_y(), make_sw()
    y_ref = np.ascontiguousarray(y)
    sw_ref = None if sw is None else np.ascontiguousarray(sw, dtype=np.float64)
    model = LogisticRegression().fit(_X(), y, sample_weight=sw)
    expected = LogisticRegression().fit(_X(), y_ref, sample_weight=sw_ref)
    assert_array_equal(model.classes_, expected.classes_)
    assert_array_equal(model.coef_, expected.coef_)
    assert_array_equal(model.intercept_, expected.intercept_)


@needs_scipy
@pytest.mark.parametrize("transform", [
    pytest.param(lambda A: _csr_with(A, data=_read_only(A.data),
                                     indices=_read_only(A.indices),
                                     indptr=_read_only(A.indptr)),
                 id="read-only-arrays"),
    pytest.param(lambda A: _csr_with(A, data=A.data.astype(">f8")),
                 id="big-endian-data"),
    pytest.param(lambda A: _csr_with(A, data=A.data.astype(">f4")),
                 id="big-endian-float32-data"),
    pytest.param(lambda A: _csr_with(A, indices=A.indices.astype(np.int64)),
                 id="mixed-index-dtypes"),
    pytest.param(lambda A: _csr_with(A, data=np.repeat(A.data, 2)[::2]),
                 id="strided-data"),
])
def test_unusual_csr_fits_like_its_canonical_copy(transform):
    A = _csr(_X())
    unusual = transform(A)
    model = LogisticRegression().fit(unusual, _y())
    dtype = np.float32 if unusual.dtype.itemsize == 4 else np.float64
    canonical = sparse.csr_matrix((np.ascontiguousarray(A.data, dtype=dtype),
                                   A.indices.copy(), A.indptr.copy()), shape=A.shape)
    expected = LogisticRegression().fit(canonical, _y())
    assert_array_equal(model.coef_, expected.coef_)
    assert_array_equal(model.intercept_, expected.intercept_)
    assert_array_equal(model.predict_proba(unusual), expected.predict_proba(canonical))


def _csr_with(A, data=None, indices=None, indptr=None):
    """A CSR matrix that holds exactly the given arrays (scipy's
    constructor would make them canonical)."""
    B = A.copy()
    B.data = A.data if data is None else data
    B.indices = A.indices if indices is None else indices
    B.indptr = A.indptr if indptr is None else indptr
    return B


def test_read_only_memmap_is_used_in_place(tmp_path):
    mm = _memmap(tmp_path, _X())
    assert not mm.flags.writeable
    assert check_X(mm) is mm


@pytest.mark.parametrize("make", [
    pytest.param(lambda: np.asfortranarray(np.arange(400_000, dtype=np.int64)
                                           .reshape(4000, 100)), id="fortran-int64"),
    pytest.param(lambda: np.asfortranarray(np.ones((4000, 100), dtype=">f8")),
                 id="fortran-big-endian-float64"),
    pytest.param(lambda: np.ones((8000, 100), dtype=np.int64)[::2],
                 id="strided-int64"),
])
def test_converted_X_is_copied_once_straight_to_c_order(make):
    # Reference: numpy's own allocation tracing (numpy reports its array
    # buffers to tracemalloc).  One float64 copy of X, not an intermediate
    # in the input's order followed by a second, C-ordered one.
    X = make()
    size = X.shape[0] * X.shape[1] * 8
    tracemalloc.start()
    try:
        out = check_X(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.flags.c_contiguous and out.dtype == np.float64
    assert_array_equal(out, np.asarray(X, dtype=np.float64))
    assert size <= peak < 1.5 * size


@pytest.mark.parametrize("make_y", [
    pytest.param(lambda r, n: r.integers(0, 2, n), id="binary-int64"),
    pytest.param(lambda r, n: r.integers(-5, 5, n).astype(np.int8), id="int8"),
    pytest.param(lambda r, n: r.integers(0, n // 3, n), id="many-classes"),
    pytest.param(lambda r, n: np.array(["b", "a", "c"])[r.integers(0, 3, n)],
                 id="strings"),
    pytest.param(lambda r, n: np.where(r.random(n) < 0.5, -0.0, 1.0) * r.integers(
        0, 3, n), id="floats-with-signed-zeros"),
    pytest.param(lambda r, n: np.array([1, 2.0, 3], dtype=object)[r.integers(0, 3, n)],
                 id="object-int-and-float"),
    pytest.param(lambda r, n: r.random(n) < 0.3, id="bool"),
    pytest.param(lambda r, n: np.datetime64("2020-01-01") + r.integers(0, 4, n),
                 id="datetime"),
])
def test_long_label_arrays_are_encoded_like_numpy_unique(make_y):
    # y longer than the encoder's chunk: classes and codes as
    # np.unique(y, return_inverse=True) gives them.
    n = 3 * 65_536 + 17
    y = make_y(np.random.default_rng(2), n)
    classes, codes = check_y(y, n)
    ref_classes, ref_codes = np.unique(y, return_inverse=True)
    assert_array_equal(classes, ref_classes)
    assert codes.dtype == np.int32 and codes.flags.c_contiguous
    assert_array_equal(codes, ref_codes.reshape(-1))


# ================================================================ numerics
def _numpy_sigmoid(z):
    """1 / (1 + exp(-z)) in float64 numpy, without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _numpy_proba(coef, intercept, X):
    """Binary probabilities and scores in float64 numpy."""
    z = (np.asarray(X, dtype=np.float64) @ np.asarray(coef, dtype=np.float64).T
         + intercept)[:, 0]
    return np.column_stack([_numpy_sigmoid(-z), _numpy_sigmoid(z)]), z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predicting_features_of_1e300_gives_exact_finite_probabilities(dtype):
    big = np.finfo(dtype).max / 10
    X = np.array([[big, 0.0, -0.0], [-big, 1.0, 0.0], [big, -big, big],
                  [5e-324 if dtype == np.float64 else 1e-45, 0.0, 0.0]], dtype=dtype)
    model = LogisticRegression.from_coef([[1e-3, 2.0, -0.5]], [0.25])
    expected, z = _numpy_proba(model.coef_, model.intercept_, X)
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all() and proba.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    assert_allclose(proba, expected, rtol=rtol, atol=0)
    assert_allclose(model.decision_function(X), z, rtol=rtol, atol=0)


def test_float32_decision_function_beyond_float32_range():
    # Scores are float64 whatever X's dtype: 4 * 3e38 is no float32.
    X = np.array([[3e38, 1.0]], dtype=np.float32)
    model = LogisticRegression.from_coef([[4.0, 0.0]], [0.0])
    scores = model.decision_function(X)
    assert scores.dtype == np.float64
    assert_array_equal(scores, [4.0 * float(X[0, 0])])
    assert_array_equal(model.predict_proba(X), [[0.0, 1.0]])
    assert_array_equal(model.predict_log_proba(X), [[-4.0 * float(X[0, 0]), -0.0]])


def _unscaled_reference():
    return LogisticRegression(standardize=True).fit(_X(), _y())


@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1e100, 1e150])
def test_standardize_is_invariant_to_the_scale_of_X(scale):
    # Reference: the same fit on X itself; coef_ is per raw unit, so it
    # scales by 1 / scale.
    reference = _unscaled_reference()
    model = LogisticRegression(standardize=True).fit(_X() * scale, _y())
    assert_allclose(model.coef_ * scale, reference.coef_, rtol=1e-9)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-9)


@pytest.mark.parametrize("scale", [
    pytest.param(1e300, id="1e300"),
    pytest.param(-1e300, id="-1e300"),
    pytest.param(1e-300, id="1e-300"),
    pytest.param(1e-200, id="1e-200"),
    pytest.param("mixed", id="one-column-1e300"),
])
def test_standardize_handles_features_near_the_float64_limits(scale):
    units = np.array([1e300, 1.0, 1.0]) if scale == "mixed" else np.full(D, scale)
    reference = _unscaled_reference()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(standardize=True).fit(_X() * units, _y())
    assert_allclose(model.coef_ * units, reference.coef_, rtol=1e-9)
    assert_allclose(model.scale_ / np.abs(units), reference.scale_, rtol=1e-12)


def test_standardize_rejects_a_feature_of_subnormal_spread():
    # A standard deviation of ~1e-310 would make coef_ (per raw unit) about
    # 1e310: no float64 holds it, so there is no model to return.
    # Reference for the reported value: numpy's std of the column lifted
    # into the normal range by an exact power of two.
    units = np.array([1.0, 1e-310, 1.0])
    X = _X() * units
    std = np.std(X[:, 1] * 2.0**1000) * 2.0**-1000
    with _raises(ValueError, rf"X column 1 has standard deviation {std:.3g}, "
                 r"below the smallest normal float64 \(2\.23e-308\): with "
                 r"standardize=True its coefficient per unit of X would "
                 r"overflow float64"):
        LogisticRegression(standardize=True).fit(X, _y())
    with _raises(ValueError, r"X column 1 has standard deviation"):
        LogisticRegression(standardize=True).partial_fit(X, _y(), classes=[0, 1])


@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd", "sgd"])
def test_subnormal_features_without_standardize_give_finite_models(solver,
                                                                    penalty):
    # Without standardize=True a subnormal feature is left unscaled by the
    # preconditioner (its 1 / scale would overflow): a finite model, whose
    # probabilities are numpy's for its coefficients.
    X = _X() * 1e-310
    model = _quiet(LogisticRegression(solver=solver, penalty=penalty,
                                      random_state=0).fit, X, _y())
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    expected, _ = _numpy_proba(model.coef_, model.intercept_, X)
    assert_allclose(model.predict_proba(X), expected, rtol=1e-15)


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd", "sgd"])
@pytest.mark.parametrize("scale", [1e300, -1e300, 1e-300])
def test_features_near_the_float64_limits_give_finite_models(solver, scale):
    # The floor: finite coefficients and probabilities (possibly
    # with a ConvergenceWarning), never a NaN, an overflow or an error.
    X = _X() * scale
    model = _quiet(LogisticRegression(standardize=True, solver=solver,
                                      random_state=0).fit, X, _y())
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)


def _separable(k):
    """Linearly separable classes (a margin of at least 0.5 around each
    boundary): no finite maximum-likelihood estimate exists."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 2))
    score = X @ [1.0, -1.0]
    keep = np.abs(score) > 0.5 if k == 2 else np.min(
        np.abs(score[:, None] - [-0.8, 0.8]), axis=1) > 0.3
    X, score = X[keep], score[keep]
    y = (score > 0).astype(int) if k == 2 else np.digitize(score, [-0.8, 0.8])
    return X, y


def _objective(model, X, y, t=1.0):
    """Mean unpenalised log-loss of t * (coef_, intercept_): float64 numpy."""
    Z = t * (X @ model.coef_.T + model.intercept_)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        return np.mean(np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z)))
    top = Z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
    return np.mean(lse - Z[np.arange(len(y)), y])


SOLVERS = ["lbfgs", "newton", "gd", "sgd"]


@pytest.mark.parametrize("X, y, sample_weight, params", [
    pytest.param([[0.0], [1.0], [0.5], [0.25]], [0, 1, 0, 1],
                 [1.0, 5e-324, 1.0, 1.0], dict(standardize=True),
                 id="subnormal-weight"),
    pytest.param([[1.0], [4.85739703e-82], [0.0]], [0, 1, 1], [0.0, 1.0, 1.0],
                 dict(penalty=None), id="zero-weight-outlier"),
    pytest.param([[0.0], [1e300]], [0, 1], [0.0, 1.0], {},
                 id="zero-weight-row-1e300-from-the-mean"),
])
def test_sgd_step_with_zero_or_tiny_weights(X, y, sample_weight, params):
    # Found by tests/test_hypothesis.py (HYPOTHESIS_PROFILE=long).  A row of
    # weight 0 far from the weighted mean used to overflow the automatic
    # step's curvature estimate (which read rows whatever their weight) and
    # to set its column's unit in the statistics (the others' squares then
    # underflowed); a batch whose weights summed to a subnormal number made
    # the batch's mean gradient 0 * inf = NaN.
    model = LogisticRegression(solver="sgd", random_state=0, **params)
    _quiet(model.fit, np.array(X), y, sample_weight=sample_weight)
    assert np.isfinite(model.coef_).all()


def test_float32_model_coefficients_beyond_float32_range():
    # Found by tests/test_hypothesis.py (HYPOTHESIS_PROFILE=long).
    X = np.array([[0.0, 1.0], [1.1754944e-38, 1.1754944e-38]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # separable
        try:
            model = LogisticRegression(penalty=None).fit(X, [0, 1])
        except ValueError as exc:          # a clear error is acceptable
            assert "float32" in str(exc)
            return
    assert np.isfinite(model.coef_).all()
    assert np.isfinite(model.predict_proba(X)).all()


@pytest.mark.parametrize("tol, max_iter", [(1e-4, 100), (0.0, 500)])
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("solver", SOLVERS)
def test_separable_unpenalized_fit_stays_finite(solver, k, tol, max_iter):
    X, y = _separable(k)
    model = _quiet(LogisticRegression(penalty=None, solver=solver, tol=tol,
                                      max_iter=max_iter, random_state=0).fit, X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    assert model.score(X, y) == 1.0
    # Reference (numpy): the objective still decreases along the ray through
    # the returned coefficients: there is no finite optimum to converge to.
    assert _objective(model, X, y, 2.0) < _objective(model, X, y)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("solver", SOLVERS)
def test_separable_unpenalized_fit_warns(solver, k):
    X, y = _separable(k)
    with pytest.warns(ConvergenceWarning, match=r"separable|max_iter"):
        model = LogisticRegression(penalty=None, solver=solver,
                                   random_state=0).fit(X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
def test_collinear_and_constant_features_leave_l2_fit_unaffected(solver):
    # Reference: scikit-learn's L2 fit of the same objective, and its
    # symmetry: a duplicated column shares its weight equally; a constant
    # column is absorbed by the unpenalised intercept (its weight -> 0);
    # an all-zero column gets exactly 0.
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X = np.c_[_X(), _X()[:, 0], np.full(N, 3.0), np.zeros(N)]
    model = LogisticRegression(solver=solver, tol=1e-10, max_iter=1000).fit(X, _y())
    sk = SkLogisticRegression(tol=1e-12, max_iter=10_000).fit(X, _y())
    assert_allclose(model.coef_, sk.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(model.coef_[0, 0], model.coef_[0, 3], rtol=1e-7)
    assert abs(model.coef_[0, 4]) < 1e-7
    assert model.coef_[0, 5] == 0.0


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
def test_collinear_unpenalized_fit_converges_to_a_finite_minimiser(solver):
    # No unique optimum: any split of the duplicated column's weight is one.
    # Reference: the fit without the duplicate and the constant column,
    # whose probabilities (identified, unlike the split) must be the same.
    X = np.c_[_X(), _X()[:, 0], np.full(N, 3.0)]
    model = LogisticRegression(penalty=None, solver=solver, tol=1e-9,
                               max_iter=1000).fit(X, _y())
    reduced = LogisticRegression(penalty=None, solver="newton", tol=1e-12).fit(
        _X(), _y())
    assert np.isfinite(model.coef_).all()
    assert_allclose(model.predict_proba(X), reduced.predict_proba(_X()),
                    rtol=1e-5, atol=1e-8)
    assert_allclose(model.coef_[0, 0] + model.coef_[0, 3], reduced.coef_[0, 0],
                    rtol=1e-5)


def test_signed_zeros_do_not_change_the_fit():
    # -0.0 and +0.0 are the same number: the fit is the same to the bit.
    X = np.round(_X(), 0)
    assert (X == 0).any()
    negative = np.where(X == 0, -0.0, X)
    assert np.signbit(negative[X == 0]).all()
    a = LogisticRegression().fit(X, _y())
    b = LogisticRegression().fit(negative, _y())
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)


# ----------------------------------------------- Py_ssize_t index arithmetic
# A matrix of more than 2**31 entries would need 8.6 GB as float32.  A
# private anonymous mapping costs nothing until written: reading an
# untouched page maps the kernel's one shared zero page (huge zero pages
# with MADV_HUGEPAGE), so the engine can read all of it while the process
# keeps a resident size of a few tens of MB.  The few entries written
# become real pages: the markers whose position only a 64-bit offset
# reaches.
_MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)   # Linux value


def _virtual_zeros(n, dtype):
    """n zeros of dtype backed by the zero page; writable."""
    size = n * np.dtype(dtype).itemsize
    try:
        buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
                        | _MAP_NORESERVE)
    except (OSError, ValueError, OverflowError) as exc:
        pytest.skip(f"cannot map {size / 2**30:.1f} GiB of address space: {exc}")
    with contextlib.suppress(AttributeError, OSError):
        buf.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(buf, dtype=dtype)


needs_linux_64 = pytest.mark.skipif(
    not LINUX_64, reason="needs Linux's zero page and a 64-bit address space")


@needs_linux_64
def test_dense_offsets_beyond_2_to_the_31():
    d = 1024
    n = 2**21 + 2                       # the last row starts at 2**31 + 1024
    X = _virtual_zeros(n * d, np.float32).reshape(n, d)
    assert (n - 1) * d > 2**31
    markers = {(n - 1, d - 1): 3.0, (n - 1, 0): 2.0, (n - 2, 7): -1.5, (0, 5): 1.0}
    for pos, value in markers.items():
        X[pos] = value
    coef = np.zeros((1, d))
    coef[0, [d - 1, 0, 7, 5]] = [0.5, -1.0, 4.0, 7.0]
    intercept = np.array([0.25])
    # Reference: numpy on the marker entries (every other entry is 0).
    z = np.full(n, 0.25)
    for (r, c), value in markers.items():
        z[r] += value * coef[0, c]
    M = kernels.RowMatrix(X)
    out = np.empty((n, 1))
    kernels._predict_into(0, M, coef, intercept, out, None, 2)
    assert_allclose(out[:, 0], z, rtol=1e-15)
    # The training pass: with y = 0 the coefficient gradient is
    # sum_i sigmoid(z_i) x_i, non-zero only at the markers.
    p = 1 / (1 + np.exp(-z))
    grad = np.empty((1, d))
    grad_b = np.empty(1)
    loss = kernels._loss_gradient(M, np.zeros(n, dtype=np.int32), None, coef,
                                  intercept, grad, grad_b, 2)
    expected = np.zeros(d)
    for (r, c), value in markers.items():
        expected[c] += p[r] * value
    assert_allclose(grad[0], expected, rtol=1e-12, atol=0)
    assert_allclose(grad_b, p.sum(), rtol=1e-12)
    assert_allclose(loss, np.logaddexp(0, z).sum(), rtol=1e-12)
    # Validation scans the whole buffer in place: the first non-finite
    # entry is the very last one.
    X[n - 1, d - 1] = np.inf
    assert kernels._first_nonfinite(X) == n * d - 1
    with _raises(ValueError, rf"X contains inf at row {n - 1}, column {d - 1}"):
        check_X(X)


@needs_linux_64
def test_sparse_nnz_beyond_2_to_the_31():
    nnz = 2**31 + 5
    data = _virtual_zeros(nnz, np.float32)
    indices = _virtual_zeros(nnz, np.int64)      # all column 0: valid
    d = 7
    indptr = np.array([0, 10, nnz - 3, nnz], dtype=np.int64)
    data[5], indices[5] = 4.0, 1
    data[nnz - 2], indices[nnz - 2] = 1.0, 3
    data[nnz - 1], indices[nnz - 1] = 2.0, 6
    M = kernels.RowMatrix.csr(data, indices, indptr, d)
    coef = np.arange(1.0, d + 1)[None, :]
    out = np.empty((3, 1))
    kernels._predict_into(0, M, coef, np.zeros(1), out, None, 2)
    # Reference: the three non-zero entries times their coefficients.
    assert_array_equal(out[:, 0], [4.0 * 2, 0.0, 1.0 * 4 + 2.0 * 7])


# ========================================================= reproducibility
def _many_blocks(k=2, n=17_000, d=12, seed=5):
    """More than 64 * 256 rows: the engine's maximum of 64 row blocks, so
    two threads split every pass."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    scores = X @ rng.normal(size=(d, k)) + rng.gumbel(size=(n, k))
    return X, scores.argmax(axis=1)


THREAD_CASES = [
    pytest.param(dict(solver="newton"), {}, id="newton"),
    pytest.param(dict(solver="newton"), dict(k=3), id="newton-multinomial"),
    pytest.param(dict(penalty="l1", C=0.01), {}, id="owlqn-l1"),
    pytest.param(dict(penalty="elasticnet", l1_ratio=0.5, C=0.01), dict(k=3),
                 id="owlqn-elasticnet-multinomial"),
    pytest.param(dict(solver="gd", penalty="l1", C=0.01), {}, id="proximal-gd"),
    pytest.param(dict(solver="gd", learning_rate=0.5), {}, id="fixed-step-gd"),
    pytest.param(dict(standardize=True, class_weight="balanced"),
                 dict(dtype=np.float32, weights=True), id="lbfgs-standardize-f32"),
    pytest.param(dict(solver="sgd", penalty="l1", C=0.01, batch_size=4000),
                 dict(weights=True), id="sgd-l1"),
    pytest.param(dict(solver="newton"), dict(csr=True), id="newton-csr"),
    pytest.param(dict(standardize=True), dict(csr=True, k=3, dtype=np.float32),
                 id="lbfgs-csr-f32-multinomial"),
]


@pytest.mark.parametrize("params, data", THREAD_CASES)
def test_thread_count_does_not_change_a_single_bit(params, data):
    # Extends tests/test_solvers.py (lbfgs/gd/sgd, dense float64 L2).
    X, y = _many_blocks(data.get("k", 2))
    X = X.astype(data.get("dtype", np.float64))
    if data.get("csr"):
        if sparse is None:
            pytest.skip("scipy is not installed")
        X = sparse.csr_matrix(np.where(np.abs(X) > 0.8, X, 0), dtype=X.dtype)
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    sw = np.linspace(0.2, 3.0, len(y)) if data.get("weights") else None
    fits = [_quiet(LogisticRegression(n_threads=t, max_iter=15, random_state=0,
                                      **params).fit, X, y, sample_weight=sw)
            for t in (1, 2)]
    assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert_array_equal(fits[0].intercept_, fits[1].intercept_)
    assert_array_equal(fits[0].loss_curve_, fits[1].loss_curve_)
    assert fits[0].n_iter_ == fits[1].n_iter_
    assert_array_equal(fits[0].predict_proba(X), fits[1].predict_proba(X))


@pytest.mark.parametrize("params", [
    pytest.param(dict(solver=s), id=s) for s in SOLVERS] + [
    pytest.param(dict(solver="sgd", penalty="elasticnet", l1_ratio=0.3),
                 id="sgd-elasticnet"),
    pytest.param(dict(penalty="l1", standardize=True), id="owlqn-standardize"),
])
def test_fit_twice_is_bitwise_identical(params):
    X, y = _many_blocks(3, n=3000)
    model = LogisticRegression(random_state=7, max_iter=30, **params)
    first = _quiet(model.fit, X, y)
    coef, intercept, curve = first.coef_.copy(), first.intercept_.copy(), \
        first.loss_curve_.copy()
    again = _quiet(model.fit, X, y)                       # the same estimator
    fresh = _quiet(LogisticRegression(random_state=7, max_iter=30, **params).fit,
                   X, y)
    for other in (again, fresh):
        assert_array_equal(other.coef_, coef)
        assert_array_equal(other.intercept_, intercept)
        assert_array_equal(other.loss_curve_, curve)


def _stream(random_state, chunks=4):
    X, y = _many_blocks(2, n=2000)
    model = LogisticRegression(random_state=random_state)
    for Xc, yc in zip(np.array_split(X, chunks), np.array_split(y, chunks),
                      strict=True):
        model.partial_fit(Xc, yc, classes=[0, 1])
    return model


def test_partial_fit_streams_are_reproducible_and_seeded():
    a, b, c = _stream(11), _stream(11), _stream(12)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(a.coef_, c.coef_)


@needs_scipy
def test_sgd_seed_controls_sparse_fits():
    X, y = _many_blocks(2, n=2000)
    X = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    fit = [_quiet(LogisticRegression(solver="sgd", random_state=s, max_iter=5,
                                     tol=0).fit, X, y) for s in (1, 1, 2)]
    assert_array_equal(fit[0].coef_, fit[1].coef_)
    assert not np.array_equal(fit[0].coef_, fit[2].coef_)


# ================================================================= threads
@contextlib.contextmanager
def _gil_changes_hands_only_when_released():
    """Stretch the GIL switch interval to 100 s: a waiting thread then gets
    the GIL only when the running one releases it (blocking, or a
    ``with nogil`` section), never by preemption."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def _in_threads(n_threads, func, calls=3):
    """Run ``func(i)`` ``calls`` times in each of n_threads threads started
    together; return the results and the (start, end) of every call."""
    barrier = threading.Barrier(n_threads)
    results = [[] for _ in range(n_threads)]
    spans = [[] for _ in range(n_threads)]
    errors = []

    def work(i):
        try:
            barrier.wait()
            for _ in range(calls):
                start = time.perf_counter()
                result = func(i)
                spans[i].append((start, time.perf_counter()))
                results[i].append(result)
        except BaseException as exc:   # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    with _gil_changes_hands_only_when_released():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return results, [s for per_thread in spans for s in per_thread]


def _most_at_once(spans):
    """The largest number of calls in progress at the same moment."""
    events = sorted([(start, 1) for start, _ in spans]
                    + [(end, -1) for _, end in spans])
    depth = most = 0
    for _, step in events:
        depth += step
        most = max(most, depth)
    return most


def _busy_python(i):
    total = 0
    for j in range(200_000):
        total += j ^ i
    return total


def test_gil_holding_calls_never_overlap_under_the_harness():
    # The control: pure Python never releases the GIL, so with the switch
    # interval stretched no two calls can be in progress at once.  This is
    # what makes an overlap below evidence of a released GIL.
    results, spans = _in_threads(8, _busy_python, calls=2)
    assert _most_at_once(spans) == 1
    assert all(r == [_busy_python(i)] * 2 for i, r in enumerate(results))


def _threads_problem():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(60_000, 40))
    y = np.digitize(X[:, 0] + X[:, 1] + rng.logistic(size=60_000), [-1, 0, 1])
    return X, y


@pytest.fixture(scope="module")
def threads_model():
    X, y = _threads_problem()
    return LogisticRegression(max_iter=20).fit(X[:5000], y[:5000]), X


def test_eight_threads_predict_proba_agree_and_run_concurrently(threads_model):
    model, X = threads_model
    expected = model.predict_proba(X)
    results, spans = _in_threads(8, lambda i: model.predict_proba(X))
    for per_thread in results:
        for proba in per_thread:
            assert_array_equal(proba, expected)
    # 24 calls of about 10 ms each; the GIL changes hands only when the
    # engine releases it, so calls in progress together prove it does.
    assert _most_at_once(spans) >= 2


def test_prediction_kernel_releases_the_gil(threads_model):
    # The bare kernel, without the validation around it (which releases
    # the GIL too, in its finiteness scan).
    model, X = threads_model
    M = kernels.RowMatrix(X)
    coef, intercept = model.coef_.copy(), model.intercept_.copy()

    def predict(i):
        out = np.empty((X.shape[0], coef.shape[0]))
        kernels._predict_into(1, M, coef, intercept, out, None, 1)
        return out

    results, spans = _in_threads(8, predict)
    expected = model.predict_proba(X)
    assert all(np.array_equal(out, expected) for r in results for out in r)
    assert _most_at_once(spans) >= 2


# catch_warnings is not thread-safe: silence the expected warnings here.
@pytest.mark.filterwarnings("ignore::clogreg.ConvergenceWarning")
def test_separate_fits_in_parallel_threads_equal_sequential_fits():
    X, y = _threads_problem()
    X, y = X[:8000], y[:8000]
    configs = [dict(C=0.1 * (i + 1), solver=SOLVERS[i % 4], random_state=i,
                    max_iter=40, n_threads=1 + i % 2) for i in range(8)]
    X0, y0 = X.copy(), y.copy()
    sequential = [LogisticRegression(**c).fit(X, y) for c in configs]
    results, spans = _in_threads(
        8, lambda i: LogisticRegression(**configs[i]).fit(X, y), calls=1)
    for i, (model,) in enumerate(results):
        assert_array_equal(model.coef_, sequential[i].coef_)
        assert_array_equal(model.intercept_, sequential[i].intercept_)
    assert _most_at_once(spans) >= 2
    assert_array_equal(X, X0)
    assert_array_equal(y, y0)


def _snapshot(*arrays):
    return [(a.copy(), a.dtype, a.flags.c_contiguous, a.flags.writeable)
            for a in arrays]


def _assert_unchanged(arrays, snapshot):
    for a, (copy, dtype, c_contiguous, writeable) in zip(arrays, snapshot,
                                                         strict=True):
        assert_array_equal(a, copy)
        assert (a.dtype, a.flags.c_contiguous, a.flags.writeable) == \
            (dtype, c_contiguous, writeable)


@pytest.mark.parametrize("params", [
    pytest.param(dict(solver="newton", class_weight={"a": 2.0}), id="newton"),
    pytest.param(dict(standardize=True, penalty="l1"), id="standardize-l1"),
    pytest.param(dict(solver="gd", warm_start=True), id="gd-warm-start"),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_never_mutates_inputs(params, dtype):
    # Extends tests/test_validation.py (lbfgs, gd, sgd on dense input).
    X = _X(dtype)
    y, sw = np.where(_y() == 1, "b", "a"), np.linspace(0.5, 2.0, N)
    snap = _snapshot(X, y, sw)
    model = LogisticRegression(**params)
    for _ in range(2):
        _quiet(model.fit, X, y, sample_weight=sw)
        model.predict_proba(X)
        model.partial_fit(X, y, sample_weight=sw)
    _assert_unchanged((X, y, sw), snap)


@needs_scipy
@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_never_mutates_sparse_inputs(solver):
    A = _csr(_X())
    A.indices = A.indices.astype(np.int64)
    A.indptr = A.indptr.astype(np.int64)
    snap = _snapshot(A.data, A.indices, A.indptr)
    model = _quiet(LogisticRegression(solver=solver, standardize=True,
                                      random_state=0).fit, A, _y())
    model.predict_proba(A)
    model.partial_fit(A, _y())
    _assert_unchanged((A.data, A.indices, A.indptr), snap)


def test_fit_reads_read_only_inputs_without_writing():
    # numpy refuses any write into these; a fit that tried would raise.
    # Reference: the same calls on writable copies give the same bits.
    X, y, sw = (_read_only(a) for a in (_X(), _y(), np.linspace(0.5, 2.0, N)))
    assert not (X.flags.writeable or y.flags.writeable or sw.flags.writeable)
    for solver in SOLVERS:
        results = []
        for args in ((X, y, sw), (X.copy(), y.copy(), sw.copy())):
            model = _quiet(LogisticRegression(solver=solver, random_state=0).fit,
                           *args[:2], sample_weight=args[2])
            fitted = model.coef_.copy()
            model.partial_fit(*args[:2], sample_weight=args[2])
            results.append((fitted, model.coef_, model.predict_proba(args[0])))
        for ours, reference in zip(*results, strict=True):
            assert_array_equal(ours, reference)


# ================================================================== memory
def _run_python(code, tmp_path, *args, timeout=600):
    """Run code in a fresh interpreter (outside the source tree, so that it
    imports the installed clogreg) and return its last stdout line.

    glibc's malloc is told to serve every block above 64 KiB by mmap, and
    to unmap it when freed (a fixed threshold turns off its adaptive one):
    memory freed by one step then leaves the resident set instead of
    hiding the next step's allocations."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536",
               MALLOC_TRIM_THRESHOLD_="65536")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"),
    reason="needs Linux's /proc/self/status and clear_refs")

_LEAK_SCRIPT = """
import gc, io, os, sys, tempfile, warnings
import numpy as np
import scipy.sparse as sp
import clogreg
from clogreg import LogisticRegression

warnings.simplefilter("ignore")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = (X @ [1.0, -2.0, 0.5] + rng.logistic(size=40) > 0).astype(int)
y3 = np.digitize(X[:, 0] + rng.logistic(size=40), [-0.5, 0.5])
S = sp.csr_matrix(np.where(np.abs(X) > 0.7, X, 0.0))
X32, bad = X.astype(np.float32), np.where(X > 1.5, np.nan, X)
path = os.path.join(tempfile.mkdtemp(), "m.json")
LogisticRegression().fit(X, y).save(path)
solvers = ("lbfgs", "newton", "gd", "sgd")

def cycle(i):
    solver = solvers[i % 4]
    m = LogisticRegression(solver=solver, max_iter=15, random_state=i)
    m.fit(X if i % 3 else X32, y3 if i % 5 == 0 else y)
    m.predict_proba(X); m.predict(X32); m.decision_function(X)
    m = LogisticRegression(standardize=True, penalty="l1", max_iter=15).fit(S, y)
    m.predict_proba(S)
    m.partial_fit(X, y)
    clogreg.load(path).predict(X)
    for call in (lambda: LogisticRegression().fit(bad, y),
                 lambda: LogisticRegression(C=-1).fit(X, y),
                 lambda: m.predict(X[:, :2])):
        try:
            call()
        except ValueError:
            pass

for i in range(300):
    cycle(i)
gc.collect()
before = rss()
for i in range(3000):
    cycle(i)
gc.collect()
print(before, rss())
"""


@needs_scipy
@needs_proc
def test_thousands_of_fit_predict_cycles_keep_rss_flat(tmp_path):
    # 3000 cycles, each: a fit (one of the four solvers, dense float32 or
    # float64, binary or three classes), three predictions, a standardised
    # L1 fit on CSR and its prediction, a partial_fit, a model file loaded
    # and used, and three calls that fail validation.  Reference: the
    # process's resident set after 300 warm-up cycles.
    before, after = map(int, _run_python(_LEAK_SCRIPT, tmp_path).split())
    growth = (after - before) / 2**20
    print(f"RSS {before / 2**20:.1f} MiB after warm-up, "
          f"{after / 2**20:.1f} MiB after 3000 more cycles (+{growth:.2f} MiB)")
    assert growth < 2.0, f"RSS grew by {growth:.2f} MiB over 3000 cycles"


_NO_COPY_SCRIPT = """
import sys, warnings
import numpy as np
from clogreg import LogisticRegression

warnings.simplefilter("ignore")
def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

dtype = np.dtype(sys.argv[1])
d = 50
n = (240 * 2**20) // (d * dtype.itemsize)          # X: 240 MiB
rng = np.random.default_rng(0)
X = np.empty((n, d), dtype=dtype)
for start in range(0, n, 1 << 16):
    rows = min(1 << 16, n - start)
    X[start:start + rows] = rng.standard_normal((rows, d), dtype=np.float32)
y = (X[:, :5].sum(axis=1) + rng.logistic(size=n) > 0).astype(np.int64)
out = []
for solver, max_iter in (("lbfgs", 10), ("newton", 5), ("gd", 10), ("sgd", 2)):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                  # VmHWM := VmRSS
    before = status("VmRSS")
    LogisticRegression(solver=solver, max_iter=max_iter, random_state=0).fit(X, y)
    out.append(f"{solver}:{status('VmHWM') - before}")
print(X.nbytes, *out)
"""


@needs_proc
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fit_adds_less_than_a_quarter_of_X_to_peak_memory(dtype, tmp_path):
    # A C-contiguous X of 240 MiB, 50 features: fit must read it in place.
    # Reference: the peak resident set (VmHWM, reset to the current RSS
    # through /proc/self/clear_refs just before the fit) minus the resident
    # set before it.  What fit may allocate is O(n_samples), listed in the
    # README: int32 labels, newton's probabilities, sgd's row order.
    size, *peaks = _run_python(_NO_COPY_SCRIPT, tmp_path, dtype).split()
    size = int(size)
    report = {s: int(v) for s, v in (p.split(":") for p in peaks)}
    print(f"X {size / 2**20:.0f} MiB {dtype}: peak memory added by fit: "
          + ", ".join(f"{s} {v / 2**20:.1f} MiB ({v / size:.1%})"
                      for s, v in report.items()))
    for solver, added in report.items():
        assert added < 0.25 * size, (solver, added / size)


@needs_proc
def test_fit_memory_does_not_depend_on_max_iter(tmp_path):
    # Under an address-space limit of 2 GiB above what the interpreter
    # already maps, a tiny fit with the largest valid max_iter must work.
    code = """
    import resource, numpy as np
    from clogreg import LogisticRegression
    with open("/proc/self/status") as f:
        vm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:")][0]
    resource.setrlimit(resource.RLIMIT_AS, (vm + 2**31, vm + 2**31))
    X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 1, 0, 1]
    try:
        print(LogisticRegression(max_iter=2**31 - 1).fit(X, y).n_iter_)
    except MemoryError:
        print("MemoryError")
    """
    assert _run_python(code, tmp_path) != "MemoryError"
