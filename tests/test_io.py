"""Model files: ``LogisticRegression.save`` and ``clogreg.load``.

References: the in-memory model itself (a loaded model must equal it bit
for bit and predict exactly as it does), the documented fields of the
JSON document, and the contract of ``load``: a bad file is a ValueError
naming the problem, nothing in a file is ever executed, and a failed save
leaves no file behind and never harms an existing one.
"""

import copy
import json
import math
import os
import pathlib
import pickle
import stat
import threading
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import clogreg
import clogreg._io as clogreg_io
from clogreg import LogisticRegression, NotFittedError

# Every field of a format-version-1 document; all are required.
FIELDS = ("format", "format_version", "clogreg_version", "params", "classes",
          "dtype", "coef", "intercept", "n_features_in", "feature_names_in",
          "standardization", "n_iter")
PARAMS = ("penalty", "C", "l1_ratio", "fit_intercept", "solver", "tol",
          "max_iter", "learning_rate", "batch_size", "class_weight",
          "standardize", "warm_start", "random_state", "n_threads", "verbose",
          "dual", "intercept_scaling", "n_jobs")
# Added with scikit-learn's spellings (issue 13): files written before lack them.
OPTIONAL_PARAMS = ("dual", "intercept_scaling", "n_jobs")


# ----------------------------------------------------------------- helpers

def make_data(n_classes=2, dtype=np.float64, n=90, d=3, seed=0):
    """Small, well-posed, non-separable data: X (n, d) and class indices."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, n_classes))
    y = np.argmax(X @ W + rng.gumbel(size=(n, n_classes)), axis=1)
    assert set(y.tolist()) == set(range(n_classes))
    return X.astype(dtype), y


def bits(a):
    """The raw bits of a float array (tells -0.0 from 0.0)."""
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.dtype.itemsize}")


def params_of(model):
    return {k: v for k, v in model.get_params().items() if k != "callback"}


def assert_same_model(model, loaded, X):
    """``loaded`` equals ``model`` bit for bit and predicts exactly as it."""
    assert type(loaded) is LogisticRegression
    for name in ("coef_", "intercept_", "classes_"):
        ours, theirs = getattr(model, name), getattr(loaded, name)
        assert theirs.dtype == ours.dtype, name
        assert theirs.shape == ours.shape, name
        assert_array_equal(theirs, ours, err_msg=name)
    assert_array_equal(bits(loaded.coef_), bits(model.coef_))
    assert_array_equal(bits(loaded.intercept_), bits(model.intercept_))
    assert [type(c) for c in loaded.classes_] == [type(c) for c in model.classes_]
    assert loaded.n_features_in_ == model.n_features_in_
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        assert not hasattr(loaded, "feature_names_in_")
    else:
        assert loaded.feature_names_in_.dtype == names.dtype
        assert_array_equal(loaded.feature_names_in_, names)
    if model.standardize and getattr(model, "scale_", None) is not None:
        assert_array_equal(bits(loaded.mean_), bits(model.mean_))
        assert_array_equal(bits(loaded.scale_), bits(model.scale_))
    else:
        assert not hasattr(loaded, "scale_")
    assert params_of(loaded) == params_of(model)
    for method in ("predict_proba", "decision_function", "predict_log_proba",
                   "predict"):
        ours = getattr(model, method)(X)
        theirs = getattr(loaded, method)(X)
        assert theirs.dtype == ours.dtype, method
        assert_array_equal(theirs, ours, err_msg=method)


def assert_round_trip(model, path, X):
    model.save(path)
    loaded = clogreg.load(path)
    assert_same_model(model, loaded, X)
    return loaded


@pytest.fixture(scope="module")
def binary_model():
    X, y = make_data(2)
    return LogisticRegression().fit(X, y), X


@pytest.fixture(scope="module")
def doc(binary_model, tmp_path_factory):
    """The document of a saved binary float64 model."""
    path = tmp_path_factory.mktemp("doc") / "model.json"
    binary_model[0].save(path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def doc32(tmp_path_factory):
    """The document of a saved binary float32 model."""
    X, y = make_data(2, dtype=np.float32)
    path = tmp_path_factory.mktemp("doc32") / "model.json"
    LogisticRegression().fit(X, y).save(path)
    return json.loads(path.read_text(encoding="utf-8"))


def write(path, content):
    """Write a document (dict/list/...), text or bytes to ``path``."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def assert_rejected(path, match):
    """load(path) raises a ValueError matching ``match`` that names the file."""
    with pytest.raises(ValueError, match=match) as info:
        clogreg.load(path)
    assert str(path) in str(info.value)
    return info.value


def tampered(doc, change):
    new = copy.deepcopy(doc)
    change(new)
    return new


# ------------------------------------------------------- bit-exact round trips

@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_binary_and_multinomial_keeps_the_dtype(tmp_path, n_classes,
                                                           dtype):
    X, y = make_data(n_classes, dtype=dtype)
    model = LogisticRegression().fit(X, y)
    assert model.coef_.dtype == dtype
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert loaded.coef_.shape == (1 if n_classes == 2 else n_classes, X.shape[1])
    assert loaded.predict_proba(X).dtype == dtype


LABELS = {
    "int64": np.array([3, 7, 11]),
    "int32": np.array([-4, 0, 9], dtype=np.int32),
    "uint8": np.array([0, 200, 255], dtype=np.uint8),
    "integral float": np.array([-1.0, 0.0, 2.5e9]),
    "integral float32": np.array([1.0, 2.0, 4.0], dtype=np.float32),
    "str": np.array(["ant", "bee", "cat"]),
    "str object (pandas)": pd.Series(["ant", "bee", "cat"]).to_numpy(dtype=object),
    "unicode str": np.array(["ä", "日本", "\U0001f600"]),
}


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_round_trip_keeps_labels_and_their_dtype(tmp_path, kind, n_classes):
    X, idx = make_data(n_classes)
    labels = LABELS[kind][:n_classes]
    model = LogisticRegression().fit(X, labels[idx])
    assert model.classes_.dtype == labels.dtype
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert loaded.predict(X).tolist() == model.predict(X).tolist()


def test_round_trip_bool_labels(tmp_path):
    X, idx = make_data(2)
    model = LogisticRegression().fit(X, idx.astype(bool))
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert loaded.classes_.dtype == np.bool_
    assert loaded.classes_.tolist() == [False, True]


def test_round_trip_labels_from_a_pandas_series(tmp_path):
    X, idx = make_data(3)
    y = pd.Series(np.array(["x", "y", "z"], dtype=object)[idx])
    model = LogisticRegression().fit(X, y)
    assert model.classes_.dtype == object
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert all(type(c) is str for c in loaded.classes_)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_round_trip_standardized_model(tmp_path, n_classes):
    X, y = make_data(n_classes)
    X = X * np.array([1e3, 1.0, 1e-3]) + np.array([5.0, -2.0, 0.0])
    model = LogisticRegression(standardize=True).fit(X, y)
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert loaded.standardize is True
    assert loaded.mean_.shape == loaded.scale_.shape == (X.shape[1],)


@pytest.mark.parametrize("params", [
    {"penalty": None},
    {"C": np.inf},
    {"C": math.inf, "penalty": "l1"},
    {"class_weight": {0: 1.0, 1: 3.5}},
    {"class_weight": "balanced"},
    {"class_weight": {}},
    {"fit_intercept": False},
    {"fit_intercept": False, "standardize": True},
    {"penalty": "elasticnet", "l1_ratio": 0.25, "C": 0.5},
    {"penalty": "l1", "C": 2.0},
    {"solver": "newton", "tol": 1e-8, "max_iter": 50},
    {"solver": "gd", "learning_rate": 0.5, "max_iter": 2000, "tol": 1e-3},
    {"random_state": 12345, "n_threads": 1, "verbose": 0, "warm_start": True},
], ids=repr)
def test_round_trip_parameters(tmp_path, params):
    X, y = make_data(2)
    model = LogisticRegression(**params).fit(X, y)
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    for name, value in params.items():
        assert getattr(loaded, name) == value
    if not model.fit_intercept:
        assert (loaded.intercept_ == 0).all()


def test_round_trip_class_weight_dict_with_string_labels(tmp_path):
    X, idx = make_data(3)
    labels = np.array(["a", "b", "c"])
    model = LogisticRegression(class_weight={"a": 2.0, "c": 0.5}).fit(X, labels[idx])
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert loaded.class_weight == {"a": 2.0, "c": 0.5}
    # The restored parameters refit to the very same model.
    refit = clogreg.load(tmp_path / "model.json").fit(X, labels[idx])
    assert_array_equal(refit.coef_, model.coef_)


def test_round_trip_sgd_model_and_generator_random_state(tmp_path):
    X, y = make_data(2)
    model = LogisticRegression(solver="sgd", random_state=np.random.default_rng(0),
                               max_iter=5, tol=0.0, batch_size=16,
                               learning_rate=0.05)
    with pytest.warns(clogreg.ConvergenceWarning):   # 5 epochs are not enough
        model.fit(X, y)
    model.save(tmp_path / "model.json")
    loaded = clogreg.load(tmp_path / "model.json")
    assert loaded.random_state is None   # a Generator is not stored
    model.random_state = None
    assert_same_model(model, loaded, X)


def test_round_trip_partial_fit_model(tmp_path):
    # partial_fit ignores the solver, so newton + l1 is a valid setting here.
    X, y = make_data(2)
    model = LogisticRegression(solver="newton", penalty="l1", random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    assert_round_trip(model, tmp_path / "model.json", X)


def test_round_trip_feature_names_from_a_dataframe(tmp_path):
    X, y = make_data(3)
    frame = pd.DataFrame(X, columns=["height", "wéight", "age in years"])
    model = LogisticRegression().fit(frame, y)
    loaded = assert_round_trip(model, tmp_path / "model.json", frame)
    assert loaded.feature_names_in_.tolist() == ["height", "wéight", "age in years"]
    # The names are checked at prediction time, as for the original model.
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame[["age in years", "height", "wéight"]])


def test_round_trip_from_coef_models(tmp_path):
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0], classes=["off", "on"])
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    loaded = assert_round_trip(gate, tmp_path / "gate.json", X)
    assert loaded.predict(X).tolist() == ["off", "off", "off", "on"]

    coef = np.array([[1.5, -2.0], [0.25, 0.0], [-3.0, 1.0]], dtype=np.float32)
    multi = LogisticRegression.from_coef(coef, [0.1, -0.2, 0.3], classes=[2, 4, 8])
    assert multi.coef_.dtype == np.float32
    assert_round_trip(multi, tmp_path / "multi.json", X.astype(np.float32))


def test_round_trip_is_bit_exact_for_awkward_floats(tmp_path):
    values = [5e-324, -0.0, 1.7976931348623157e308, 0.1, 1 / 3,
              -2.2250738585072014e-308, 2.0**-1074 * 3, -1e-300]
    model = LogisticRegression.from_coef([values], [-0.0])
    X = np.zeros((2, len(values)))
    loaded = assert_round_trip(model, tmp_path / "model.json", X)
    assert math.copysign(1.0, loaded.intercept_[0]) == -1.0
    assert math.copysign(1.0, loaded.coef_[0, 1]) == -1.0

    rng = np.random.default_rng(7)
    coef = rng.normal(size=(4, 5)) * 10.0 ** rng.integers(-30, 30, size=(4, 5))
    many = LogisticRegression.from_coef(coef, rng.normal(size=4),
                                        classes=[0, 1, 2, 3])
    assert_round_trip(many, tmp_path / "many.json", rng.normal(size=(6, 5)) * 1e-30)
    coef32 = coef.astype(np.float32)
    many32 = LogisticRegression.from_coef(coef32, rng.normal(size=4),
                                          classes=[0, 1, 2, 3])
    assert_round_trip(many32, tmp_path / "many32.json", np.ones((3, 5), np.float32))


def test_paths_may_be_str_or_pathlib(tmp_path, binary_model):
    model, X = binary_model
    as_str = str(tmp_path / "model.json")
    model.save(as_str)
    assert_same_model(model, clogreg.load(as_str), X)
    as_path = pathlib.Path(tmp_path) / "other.json"
    model.save(as_path)
    assert_same_model(model, clogreg.load(as_path), X)
    assert_same_model(model, clogreg.load(str(as_path)), X)
    as_bytes = os.fsencode(tmp_path / "bytes.json")
    model.save(as_bytes)
    assert_same_model(model, clogreg.load(as_bytes), X)


def test_save_overwrites_an_existing_model(tmp_path):
    X, y = make_data(2)
    path = tmp_path / "model.json"
    first = LogisticRegression(C=0.01).fit(X, y)
    first.save(path)
    second = LogisticRegression(C=10.0).fit(X, y)
    second.save(path)
    assert_same_model(second, clogreg.load(path), X)
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_gets_the_usual_permissions(tmp_path, binary_model):
    old = os.umask(0o022)
    try:
        binary_model[0].save(tmp_path / "model.json")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "model.json").st_mode)
    assert mode == 0o644


def test_loaded_model_keeps_working(tmp_path):
    X, y = make_data(3)
    model = LogisticRegression(warm_start=True).fit(X, y)
    model.save(tmp_path / "model.json")
    loaded = clogreg.load(tmp_path / "model.json")
    assert loaded.score(X, y) == model.score(X, y)
    # Refitting from the file's parameters gives the model again.
    fresh = clogreg.load(tmp_path / "model.json").set_params(warm_start=False)
    assert_array_equal(fresh.fit(X, y).coef_, model.coef_)
    loaded.fit(X, y)   # a warm start from the loaded coefficients works
    assert loaded.coef_.shape == model.coef_.shape


# ---------------------------------------------------------------- the document

def test_document_has_the_documented_fields(tmp_path):
    X, y = make_data(3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    labels = np.array(["x", "y", "z"])
    model = LogisticRegression(standardize=True, C=np.inf).fit(frame, labels[y])
    path = tmp_path / "model.json"
    model.save(path)
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text, parse_constant=lambda name: pytest.fail(name))
    assert set(doc) == set(FIELDS)
    assert doc["format"] == "clogreg-model"
    assert doc["format_version"] == 1
    assert doc["clogreg_version"] == clogreg.__version__
    assert set(doc["params"]) == set(PARAMS)
    assert doc["params"]["standardize"] is True
    assert doc["params"]["C"] == "inf"
    assert doc["classes"]["kind"] == "str"
    assert doc["classes"]["values"] == ["x", "y", "z"]
    assert doc["dtype"] == "float64"
    assert doc["coef"]["shape"] == [3, 3]
    assert doc["coef"]["values"] == model.coef_.ravel().tolist()
    assert doc["intercept"] == model.intercept_.tolist()
    assert doc["n_features_in"] == 3
    assert doc["feature_names_in"] == ["a", "b", "c"]
    assert doc["standardization"] == {"mean": model.mean_.tolist(),
                                      "scale": model.scale_.tolist()}
    assert doc["n_iter"] == model.n_iter_


def test_document_of_a_plain_model(doc, binary_model):
    model = binary_model[0]
    assert doc["feature_names_in"] is None
    assert doc["standardization"] is None
    assert doc["classes"] == {"kind": "int", "dtype": "int64", "values": [0, 1]}
    assert doc["params"] == {name: getattr(model, name) for name in PARAMS}


def test_document_is_data_only(tmp_path, binary_model):
    binary_model[0].save(tmp_path / "model.json")
    raw = (tmp_path / "model.json").read_bytes()
    assert raw.decode("ascii")   # plain ASCII JSON text
    assert raw.lstrip().startswith(b"{")


# ------------------------------------------------------------------ bad files

def test_missing_file_is_an_oserror_naming_the_path(tmp_path):
    path = tmp_path / "nope" / "model.json"
    with pytest.raises(FileNotFoundError, match="model.json"):
        clogreg.load(path)
    with pytest.raises(OSError, match=str(tmp_path.name)):
        clogreg.load(tmp_path)   # a directory


def test_file_larger_than_any_model(tmp_path, binary_model, monkeypatch):
    path = tmp_path / "m.json"
    binary_model[0].save(path)
    monkeypatch.setattr(clogreg_io, "MAX_FILE_BYTES", path.stat().st_size)
    assert_same_model(binary_model[0], clogreg.load(path), binary_model[1])
    monkeypatch.setattr(clogreg_io, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert_rejected(path, "larger than")


def test_model_larger_than_the_cap_is_not_saved(tmp_path, binary_model,
                                                 monkeypatch):
    # Reference: the size of the same model's file saved without the cap.
    model = binary_model[0]
    model.save(tmp_path / "free.json")
    size = (tmp_path / "free.json").stat().st_size
    monkeypatch.setattr(clogreg_io, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(ValueError, match=f"refusing to save.*would be {size} "
                                         f"bytes, more than load accepts"):
        model.save(tmp_path / "capped.json")
    assert _listing(tmp_path) == ["free.json"]


def _peak_bytes_of(call):
    """Peak of Python's allocations (tracemalloc) while ``call()`` runs,
    which must raise a ValueError; returns (peak, message)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, str(info.value)


def test_the_size_cap_holds_the_documented_model():
    # Reference: the cap's comment, 4.6 million numbers of 29 bytes (the
    # longest float64 repr is 24 characters: "-2.2250738585072014e-308").
    assert len(repr(-2.2250738585072014e-308)) == 24
    assert 4_600_000 * 29 < clogreg_io.MAX_FILE_BYTES < 5_000_000 * 29


def test_oversized_file_is_refused_before_reading(tmp_path):
    # A sparse file one byte over the cap (no disk used): refused from its
    # stat, so loading allocates almost nothing; the old reader read the
    # whole cap (1 GiB then) into memory before looking at the size.
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(clogreg_io.MAX_FILE_BYTES + 1)
    peak, message = _peak_bytes_of(lambda: clogreg.load(path))
    assert f"larger than {clogreg_io.MAX_FILE_BYTES} bytes" in message
    assert str(path) in message
    assert peak < 1 << 20


def test_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    peak, message = _peak_bytes_of(lambda: clogreg.load(link))
    assert "is a character device, not a regular file" in message
    assert peak < 1 << 20


def test_symlinks_are_followed_to_regular_files_and_directories(tmp_path,
                                                                binary_model):
    model, X = binary_model
    model.save(tmp_path / "real.json")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert_same_model(model, clogreg.load(tmp_path / "link.json"), X)
    (tmp_path / "dir.json").symlink_to(tmp_path)
    with pytest.raises(IsADirectoryError, match="dir.json.*a directory"):
        clogreg.load(tmp_path / "dir.json")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_without_a_writer_is_refused_at_once(tmp_path):
    # The old reader blocked forever in open().  The load runs in a thread:
    # if it blocks, the test opens the FIFO's write end to release it and
    # fails, instead of hanging the suite.
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    outcome = []

    def run():
        try:
            clogreg.load(fifo)
            outcome.append("loaded")
        except Exception as exc:   # noqa: BLE001 (reported below)
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    blocked = thread.is_alive()
    if blocked:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(timeout=20)
    assert not blocked, "load() blocked on a FIFO without a writer"
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError), outcome
    assert str(fifo) in str(outcome[0])
    assert "is a FIFO (named pipe), not a regular file" in str(outcome[0])


def test_json_with_many_containers_is_refused_before_parsing(tmp_path):
    # A non-model JSON of 3 MB of empty lists: json would make 1 million
    # list objects (about 21 bytes of memory per byte of text).  Refused
    # from a count of the brackets outside strings; the reference for the
    # bound is the text itself: its bytes, its str and one stripped copy.
    n = 1_000_000
    path = write(tmp_path / "m.json", "[" + "[]," * n + "[]]")
    peak, message = _peak_bytes_of(lambda: clogreg.load(path))
    assert f"{n + 2} arrays, more than a clogreg model file has" in message
    assert peak < 4 * path.stat().st_size


def test_brackets_and_escapes_inside_strings_are_not_containers(tmp_path):
    # Feature names full of brackets, quotes and backslashes: a valid model
    # (the container count skips strings, escapes included).
    names = ['x[0]', '{a}', 'q"[', 'b\\', 'c\\"{', '"', '[[{{', 'tail\\']
    names += [f"f[{i}]" for i in range(20)]
    model = LogisticRegression.from_coef([np.arange(len(names), dtype=float)],
                                         [0.5])
    model.feature_names_in_ = np.array(names, dtype=object)
    X = pd.DataFrame(np.ones((2, len(names))), columns=names)
    assert_round_trip(model, tmp_path / "m.json", X)


def _with_duplicate(text, key, value):
    """``text`` with ``"key": value,`` inserted before the first ``"key":``."""
    marker = f'"{key}": '
    assert text.count(marker) == 1, key
    return text.replace(marker, f"{marker}{json.dumps(value)}, {marker}")


@pytest.mark.parametrize("which, key, value", [
    ("plain", "coef", {"shape": [1, 3], "values": [1.0, 2.0, 3.0]}),  # top
    ("plain", "C", 1.0),                                       # in params
    ("plain", "shape", [1, 3]),                                # in coef
    ("rich", "mean", 0.0),                                     # standardization
    ("rich", "weights", 2.0),                                  # class_weight
])
def test_repeated_keys_are_refused_at_every_level(tmp_path, doc, rich, which,
                                                  key, value):
    # json keeps the last of two equal keys silently: the old reader loaded
    # such a file.  Reference: the document is valid without the repeat.
    # (The rich document has every container a model may have, so repeats
    # there are scalars: a repeated container is also refused by count.)
    doc = doc if which == "plain" else rich[1]
    text = json.dumps(doc)
    clogreg.load(write(tmp_path / "ok.json", text))
    bad = _with_duplicate(text, key, value)
    assert_rejected(write(tmp_path / "m.json", bad),
                    f"the key '{key}' appears twice in one JSON object")


@pytest.mark.parametrize("content", [b"", b"   \n\t", b"\n"], ids=repr)
def test_empty_file(tmp_path, content):
    assert_rejected(write(tmp_path / "m.json", content), "empty")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(tmp_path, seed):
    data = np.random.default_rng(seed).bytes(2000)
    assert_rejected(write(tmp_path / "m.json", data), "not a valid clogreg model")


@pytest.mark.parametrize("data", [
    b'{"format": "clogreg-model\xff"}',
    "{}".encode("utf-16"),
    b"\xc3\x28",
    '{"format": "é"}'.encode("latin-1"),
], ids=repr)
def test_non_utf8(tmp_path, data):
    assert_rejected(write(tmp_path / "m.json", data), "not UTF-8")


@pytest.mark.parametrize("text", ["[1, 2]", '"clogreg-model"', "3", "null",
                                  "true", "[]"])
def test_json_that_is_not_an_object(tmp_path, text):
    assert_rejected(write(tmp_path / "m.json", text), "JSON object")


@pytest.mark.parametrize("text", ["{", "not json", "{'format': 1}", "{\"a\": }",
                                  "\ufeff{}", "{} {}"], ids=repr)
def test_invalid_json(tmp_path, text):
    assert_rejected(write(tmp_path / "m.json", text), "not valid JSON")


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95, -1])
def test_truncated_file(tmp_path, binary_model, fraction):
    path = tmp_path / "m.json"
    binary_model[0].save(path)
    data = path.read_bytes()
    cut = len(data) - 1 if fraction == -1 else int(len(data) * fraction)
    write(path, data[:cut])
    assert_rejected(path, "not valid JSON")


class _Trap:
    """Unpickling this creates a marker file: proof that a pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_files_are_rejected_never_unpickled(tmp_path, binary_model,
                                                   protocol):
    model = binary_model[0]
    marker = tmp_path / "unpickled"
    path = write(tmp_path / "model.pkl", pickle.dumps(model, protocol=protocol))
    assert_rejected(path, "not a valid clogreg model")
    trap = write(tmp_path / "trap.pkl",
                 pickle.dumps([_Trap(marker), model], protocol=protocol))
    assert_rejected(trap, "not a valid clogreg model")
    assert not marker.exists()


@pytest.mark.parametrize("value", ["clogreg", "sklearn-model", None, 1,
                                   ["clogreg-model"]], ids=repr)
def test_wrong_format(tmp_path, doc, value):
    bad = tampered(doc, lambda d: d.__setitem__("format", value))
    assert_rejected(write(tmp_path / "m.json", bad), "not a clogreg model file")


@pytest.mark.parametrize("value, match", [
    (2, "format_version 2 is not supported"),
    (0, "format_version 0 is not supported"),
    (-1, "format_version -1 is not supported"),
    ("1", "'format_version'.*wrong type"),
    (1.0, "'format_version'.*wrong type"),
    (True, "'format_version'.*wrong type"),
    (None, "'format_version'.*wrong type"),
], ids=repr)
def test_unsupported_format_version(tmp_path, doc, value, match):
    bad = tampered(doc, lambda d: d.__setitem__("format_version", value))
    assert_rejected(write(tmp_path / "m.json", bad), match)


@pytest.mark.parametrize("field", FIELDS)
def test_missing_field(tmp_path, doc, field):
    bad = tampered(doc, lambda d: d.pop(field))
    assert_rejected(write(tmp_path / "m.json", bad), f"'{field}'")


def test_unknown_field(tmp_path, doc):
    bad = tampered(doc, lambda d: d.__setitem__("__class__", "os.system"))
    assert_rejected(write(tmp_path / "m.json", bad), r"unknown fields \['__class__'\]")


@pytest.mark.parametrize("param", [p for p in PARAMS if p not in OPTIONAL_PARAMS])
def test_missing_parameter(tmp_path, doc, param):
    bad = tampered(doc, lambda d: d["params"].pop(param))
    assert_rejected(write(tmp_path / "m.json", bad), f"'{param}'.*missing")


def test_file_without_the_scikit_learn_keywords_loads_with_their_defaults(
        tmp_path, doc):
    # A file written before dual/intercept_scaling/n_jobs existed, with the
    # old default penalty 'l2' and l1_ratio None: it loads, the new keywords
    # get the constructor's defaults (reference: inspect.signature), and it
    # predicts as the file's coefficients say (reference: numpy formula).
    import inspect

    def old(d):
        for name in OPTIONAL_PARAMS:
            d["params"].pop(name)
        d["params"].update(penalty="l2", l1_ratio=None)
    path = write(tmp_path / "old.json", tampered(doc, old))
    model = clogreg.load(path)
    defaults = inspect.signature(LogisticRegression).parameters
    for name in OPTIONAL_PARAMS:
        assert getattr(model, name) == defaults[name].default
    assert model.penalty == "l2"
    X = np.array([[0.5, -1.0, 2.0]])
    z = X @ np.asarray(model.coef_, dtype=np.float64).T + model.intercept_
    assert_allclose(model.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z.ravel())),
                    rtol=1e-12)


def test_scikit_learn_keywords_and_n_iter_round_trip(tmp_path):
    # Reference: the values set before save, compared exactly after load.
    X, y = make_data(2)
    model = LogisticRegression(l1_ratio=1.0, intercept_scaling=3.5, n_jobs=-1,
                               solver="saga", C=0.5).fit(X, y)
    model.save(tmp_path / "m.json")
    back = clogreg.load(tmp_path / "m.json")
    for name in ("penalty", "l1_ratio", "dual", "intercept_scaling", "n_jobs",
                 "solver", "C"):
        assert getattr(back, name) == getattr(model, name), name
    assert back.n_iter_.shape == (1,) and back.n_iter_.dtype == np.int32
    assert_array_equal(back.n_iter_, model.n_iter_)
    assert_array_equal(back.coef_, model.coef_)


def test_save_of_a_sparsified_model_stores_the_dense_values(tmp_path):
    # Reference: the dense model's coefficients, bit for bit (sparsify
    # changes the storage, not the values); load gives a dense coef_.
    X, y = make_data(3)
    model = LogisticRegression(l1_ratio=1.0, C=0.05).fit(X, y)
    dense = model.coef_.copy()
    model.sparsify()
    model.save(tmp_path / "m.json")
    back = clogreg.load(tmp_path / "m.json")
    assert isinstance(back.coef_, np.ndarray)
    assert_array_equal(back.coef_, dense)


@pytest.mark.parametrize("field, key", [("classes", "kind"), ("classes", "dtype"),
                                        ("classes", "values"), ("coef", "shape"),
                                        ("coef", "values")])
def test_missing_subfield(tmp_path, doc, field, key):
    bad = tampered(doc, lambda d: d[field].pop(key))
    assert_rejected(write(tmp_path / "m.json", bad), f"{field} has no '{key}' field")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("where", ["coef", "intercept", "mean", "scale", "C"])
def test_nan_and_infinity_literals(tmp_path, literal, where):
    X, y = make_data(2)
    path = tmp_path / "m.json"
    LogisticRegression(standardize=True).fit(X, y).save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    value = float(literal.replace("Infinity", "inf"))
    if where == "coef":
        doc["coef"]["values"][1] = value
    elif where == "intercept":
        doc["intercept"][0] = value
    elif where == "C":
        doc["params"]["C"] = value
    else:
        doc["standardization"][where][0] = value
    text = json.dumps(doc)   # json writes NaN / Infinity literals
    assert literal in text
    assert_rejected(write(path, text), f"contains {literal}, which is not a finite number")  # noqa: E501


@pytest.mark.parametrize("literal", ["1e400", "-1e999", "1" + "0" * 400])
def test_numbers_beyond_float64(tmp_path, doc, literal):
    text = json.dumps(tampered(doc, lambda d: d["coef"]["values"].__setitem__(
        0, "@")))
    text = text.replace('"@"', literal)
    assert_rejected(write(tmp_path / "m.json", text), "coef contains a non-finite number")  # noqa: E501


def test_integer_with_too_many_digits(tmp_path, doc):
    text = json.dumps(doc).replace('"n_iter": ', '"n_iter": ' + "9" * 5000 + ", "
                                   '"x": ')
    # Python refuses to parse so many digits (unless that limit is off).
    assert_rejected(write(tmp_path / "m.json", text), "not valid JSON|unknown fields")


@pytest.mark.parametrize("values, match", [
    ([], "coef has 0 values, expected 3"),
    ([0.5, 1.0], "coef has 2 values, expected 3"),
    ([0.5, 1.0, 2.0, 3.0], "coef has 4 values, expected 3"),
    ([[0.5, 1.0, 2.0]], "only numbers"),
    ("0.5 1.0 2.0", "list of numbers"),
    ({"0": 1.0}, "list of numbers"),
])
def test_coef_with_wrong_length(tmp_path, doc, values, match):
    bad = tampered(doc, lambda d: d["coef"].__setitem__("values", values))
    assert_rejected(write(tmp_path / "m.json", bad), match)


@pytest.mark.parametrize("shape", [[3, 3], [2, 3], [1, 4], [3], [1, 3, 1], None,
                                   "1x3"], ids=repr)
def test_coef_shape_that_is_wrong(tmp_path, doc, shape):
    bad = tampered(doc, lambda d: d["coef"].__setitem__("shape", shape))
    assert_rejected(write(tmp_path / "m.json", bad), "coef shape")


def test_shape_inconsistent_with_classes(tmp_path, doc):
    bad = tampered(doc, lambda d: d["classes"].__setitem__("values", [0, 1, 2]))
    assert_rejected(write(tmp_path / "m.json", bad),
             r"coef shape \[1, 3\] does not match 3 classes")


def test_multinomial_rows_inconsistent_with_classes(tmp_path):
    X, y = make_data(3)
    path = tmp_path / "m.json"
    LogisticRegression().fit(X, y).save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["classes"]["values"] = [0, 1]
    assert_rejected(write(path, doc), r"coef shape \[3, 3\] does not match 2 classes")
    doc["classes"]["values"] = [0, 1, 2, 3]
    assert_rejected(write(path, doc), r"coef shape \[3, 3\] does not match 4 classes")


@pytest.mark.parametrize("n", [2, 4, 0, -3])
def test_n_features_in_inconsistent_with_coef(tmp_path, doc, n):
    bad = tampered(doc, lambda d: d.__setitem__("n_features_in", n))
    assert_rejected(write(tmp_path / "m.json", bad),
             "coef shape" if n > 0 else "n_features_in must be >= 1")


@pytest.mark.parametrize("values, match", [
    ([1, 0], "distinct and sorted"),
    ([0, 0], "distinct and sorted"),
    ([0, 2, 1], "coef shape|distinct and sorted"),
    ([0], "at least two labels"),
    ([], "non-empty list"),
    ([0, "1"], "not all of kind 'int'"),
    ([0, 1.5], "not all of kind 'int'"),
    ([0, True], "not all of kind 'int'"),
    ([0, None], "not all of kind 'int'"),
    ([0, [1]], "not all of kind 'int'"),
    ("01", "non-empty list"),
    ([0, 2**63], "out of range for int64"),
    ([-(2**63) - 1, 0], "out of range for int64"),
], ids=repr)
def test_bad_int_classes(tmp_path, doc, values, match):
    bad = tampered(doc, lambda d: d["classes"].__setitem__("values", values))
    assert_rejected(write(tmp_path / "m.json", bad), match)


@pytest.mark.parametrize("classes, match", [
    ({"kind": "str", "dtype": "object", "values": ["b", "a"]}, "sorted"),
    ({"kind": "str", "dtype": "object", "values": ["a", "a"]}, "distinct"),
    ({"kind": "str", "dtype": "object", "values": ["a", 1]}, "kind 'str'"),
    ({"kind": "bool", "dtype": "bool", "values": [True, False]}, "sorted"),
    ({"kind": "bool", "dtype": "bool", "values": [0, 1]}, "kind 'bool'"),
    ({"kind": "float", "dtype": "float64", "values": [0.0, "1"]}, "kind 'float'"),
    ({"kind": "float", "dtype": "float64", "values": [0, 10**400]}, "kind 'float'"),
    ({"kind": "float", "dtype": "float32", "values": [0.0, 0.1]},
     "not representable as float32"),
    ({"kind": "float", "dtype": "float16", "values": [0.0, 1e6]},
     "not representable as float16"),
    ({"kind": "int", "dtype": "int8", "values": [0, 300]}, "out of range for int8"),
    ({"kind": "int", "dtype": "uint8", "values": [-1, 3]}, "out of range for uint8"),
    ({"kind": "str", "dtype": "U1", "values": ["a", "bc"]}, "does not fit"),
    ({"kind": "str", "dtype": "U99999", "values": ["a", "b"]}, "does not fit"),
    ({"kind": "str", "dtype": "U2", "values": ["a\x00", "b"]},
     "not representable"),
    ({"kind": "str", "dtype": "int64", "values": ["a", "b"]}, "dtype 'int64'"),
    ({"kind": "int", "dtype": "float64", "values": [0, 1]}, "dtype 'float64'"),
    ({"kind": "int", "dtype": "int128", "values": [0, 1]}, "dtype 'int128'"),
    ({"kind": "int", "dtype": "<i8", "values": [0, 1]}, "dtype '<i8'"),
    ({"kind": "int", "dtype": None, "values": [0, 1]}, "dtype None"),
    ({"kind": "complex", "dtype": "complex128", "values": [0, 1]}, "unknown kind"),
    ({"kind": ["int"], "dtype": "int64", "values": [0, 1]}, "unknown kind"),
    ({"kind": None, "dtype": "int64", "values": [0, 1]}, "unknown kind"),
    ({"kind": "int", "dtype": "int64", "values": [0, 1], "x": 1}, "unknown fields"),
    ([0, 1], "wrong type"),
], ids=repr)
def test_bad_classes(tmp_path, doc, classes, match):
    bad = tampered(doc, lambda d: d.__setitem__("classes", classes))
    assert_rejected(write(tmp_path / "m.json", bad), match)


def test_unknown_parameter_name(tmp_path, doc):
    bad = tampered(doc, lambda d: d["params"].__setitem__("callback", "print"))
    assert_rejected(write(tmp_path / "m.json", bad), r"unknown parameters \['callback'\]")  # noqa: E501
    bad = tampered(doc, lambda d: d["params"].__setitem__("evil", 1))
    assert_rejected(write(tmp_path / "m.json", bad), r"unknown parameters \['evil'\]")


@pytest.mark.parametrize("name, value, match", [
    ("C", -1, "invalid parameters: C must be > 0"),
    ("C", 0, "invalid parameters: C must be > 0"),
    ("C", "1.0", "invalid parameters: C must be a real number"),
    ("C", "-inf", "invalid parameters: C must be a real number"),
    ("C", 10**400, "parameter 'C' is too large"),
    ("C", [1.0], "parameter 'C' has an unsupported value"),
    ("solver", "hack", "invalid parameters: solver must be one of"),
    ("solver", None, "invalid parameters: solver must be one of"),
    ("penalty", "l3", "invalid parameters: penalty must be"),
    ("penalty", {"kind": "l2"}, "parameter 'penalty' has an unsupported value"),
    ("penalty", "elasticnet", "needs l1_ratio"),
    ("l1_ratio", 1.5, "l1_ratio must be <= 1"),
    ("fit_intercept", "yes", "fit_intercept must be True or False"),
    ("fit_intercept", 1, "fit_intercept must be True or False"),
    ("standardize", None, "standardize must be True or False"),
    ("tol", -1e-4, "tol must be >= 0"),
    ("tol", "inf", "tol must be a real number"),
    ("max_iter", -1, "max_iter must be >= 0"),
    ("max_iter", 2.5, "max_iter must be an integer"),
    ("max_iter", 2**40, "parameter 'max_iter' is too large"),
    ("n_threads", 0, "n_threads must be >= 1"),
    ("n_threads", 2**40, "parameter 'n_threads' is too large"),
    ("batch_size", 0, "batch_size must be >= 1"),
    ("learning_rate", -0.1, "learning_rate must be > 0"),
    ("verbose", -1, "verbose must be >= 0"),
    ("random_state", -5, "random_state must be >= 0"),
    ("random_state", "seed", "random_state must be None"),
    ("class_weight", "balance", "class_weight must be None, 'balanced' or a dict"),
    ("class_weight", [1, 2], "parameter 'class_weight' has an unsupported value"),
    ("class_weight", {"0": 1.0}, "class_weight has no 'kind' field"),
    ("class_weight", {"kind": "int", "labels": [0], "weights": [-1.0]},
     "weights must be >= 0"),
    ("class_weight", {"kind": "int", "labels": [0, 1], "weights": [1.0]},
     "weights has 1 values, expected 2"),
    ("class_weight", {"kind": "int", "labels": [0, 0], "weights": [1.0, 2.0]},
     "repeats a label"),
    ("class_weight", {"kind": "int", "labels": [0], "weights": ["1"]},
     "only numbers"),
    ("class_weight", {"kind": ["int"], "labels": [0], "weights": [1.0]},
     "unknown kind"),
    ("class_weight", {"kind": "int", "labels": ["0"], "weights": [1.0]},
     "not all of kind 'int'"),
    ("class_weight", {"kind": "int", "labels": [0], "weights": [1.0], "x": 0},
     "unknown fields"),
], ids=repr)
def test_invalid_parameter_value(tmp_path, doc, name, value, match):
    bad = tampered(doc, lambda d: d["params"].__setitem__(name, value))
    assert_rejected(write(tmp_path / "m.json", bad), match)


def test_params_not_an_object(tmp_path, doc):
    bad = tampered(doc, lambda d: d.__setitem__("params", [["C", 1.0]]))
    assert_rejected(write(tmp_path / "m.json", bad), "'params'.*wrong type")


@pytest.mark.parametrize("names, match", [
    (["a", "b"], "feature_names_in must be null or a list of 3 strings"),
    (["a", "b", "c", "d"], "feature_names_in must be null or a list of 3 strings"),
    (["a", "b", 3], "feature_names_in must be null or a list of 3 strings"),
    ("abc", "feature_names_in must be null or a list of 3 strings"),
    ({"a": 0}, "feature_names_in must be null or a list of 3 strings"),
], ids=repr)
def test_bad_feature_names(tmp_path, doc, names, match):
    bad = tampered(doc, lambda d: d.__setitem__("feature_names_in", names))
    assert_rejected(write(tmp_path / "m.json", bad), match)


@pytest.fixture(scope="module")
def doc_std(tmp_path_factory):
    X, y = make_data(2)
    path = tmp_path_factory.mktemp("std") / "model.json"
    LogisticRegression(standardize=True).fit(X, y).save(path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("change, match", [
    (lambda s: s["scale"].__setitem__(0, 0.0), "scale must be positive"),
    (lambda s: s["scale"].__setitem__(2, -1.0), "scale must be positive"),
    (lambda s: s["scale"].__setitem__(1, -0.0), "scale must be positive"),
    (lambda s: s["scale"].pop(), "scale has 2 values, expected 3"),
    (lambda s: s["mean"].append(1.0), "mean has 4 values, expected 3"),
    (lambda s: s["mean"].__setitem__(0, "0"), "mean must contain only numbers"),
    (lambda s: s.pop("scale"), "standardization has no 'scale' field"),
    (lambda s: s.__setitem__("extra", 1), "unknown fields"),
])
def test_bad_standardization(tmp_path, doc_std, change, match):
    bad = tampered(doc_std, lambda d: change(d["standardization"]))
    assert_rejected(write(tmp_path / "m.json", bad), match)


def test_standardization_without_standardize(tmp_path, doc_std):
    bad = tampered(doc_std, lambda d: d["params"].__setitem__("standardize", False))
    assert_rejected(write(tmp_path / "m.json", bad), "standardize is false")
    bad = tampered(doc_std, lambda d: d.__setitem__("standardization", [1.0]))
    assert_rejected(write(tmp_path / "m.json", bad), "standardization must be a JSON object")  # noqa: E501


def test_nonzero_intercept_without_fit_intercept(tmp_path, doc):
    bad = tampered(doc, lambda d: d["params"].__setitem__("fit_intercept", False))
    assert_rejected(write(tmp_path / "m.json", bad), "intercept must be 0")


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deeply_nested_json(tmp_path, doc, depth):
    # Refused before parsing: more containers than a model document has.
    many = r"it holds \d+ JSON objects and \d+ arrays, more than a clogreg model"
    assert_rejected(write(tmp_path / "m.json", "[" * depth + "]" * depth), many)
    text = json.dumps(tampered(doc, lambda d: d.__setitem__("feature_names_in", "@")))
    text = text.replace('"@"', "[" * depth + "]" * depth)
    assert_rejected(write(tmp_path / "m.json", text), many)
    text = text.replace("[" * depth + "]" * depth, '{"a": ' * depth + "1" + "}" * depth)
    assert_rejected(write(tmp_path / "m.json", text), many)


@pytest.mark.parametrize("where", ["coef", "intercept"])
@pytest.mark.parametrize("value", [0.1, 1e300, -1e39, 1e-50, 1 / 3])
def test_number_not_representable_in_float32(tmp_path, doc32, where, value):
    assert doc32["dtype"] == "float32"
    if where == "coef":
        bad = tampered(doc32, lambda d: d["coef"]["values"].__setitem__(0, value))
    else:
        bad = tampered(doc32, lambda d: d["intercept"].__setitem__(0, value))
    assert_rejected(write(tmp_path / "m.json", bad), "not representable in float32")


def test_float32_values_that_are_representable_load(tmp_path, doc32):
    good = tampered(doc32, lambda d: d["coef"]["values"].__setitem__(0, 0.5))
    loaded = clogreg.load(write(tmp_path / "m.json", good))
    assert loaded.coef_.dtype == np.float32
    assert loaded.coef_[0, 0] == 0.5


@pytest.mark.parametrize("dtype", ["float16", "int64", "float128", None, 64])
def test_bad_model_dtype(tmp_path, doc, dtype):
    bad = tampered(doc, lambda d: d.__setitem__("dtype", dtype))
    assert_rejected(write(tmp_path / "m.json", bad), "dtype")


@pytest.mark.parametrize("where, value, match", [
    (("coef", "values", 0), "1.0", "coef must contain only numbers"),
    (("coef", "values", 0), True, "coef must contain only numbers"),
    (("coef", "values", 0), None, "coef must contain only numbers"),
    (("intercept", 0), "0", "intercept must contain only numbers"),
    (("intercept",), 0.0, "'intercept'.*wrong type"),
    (("n_features_in",), "3", "'n_features_in'.*wrong type"),
    (("n_features_in",), 3.0, "'n_features_in'.*wrong type"),
    (("n_features_in",), True, "'n_features_in'.*wrong type"),
    (("n_iter",), "12", "'n_iter'.*wrong type"),
    (("n_iter",), -1, r"n_iter must be in \[0, 2\*\*31 - 1\]"),
    (("n_iter",), 2**31, r"n_iter must be in \[0, 2\*\*31 - 1\]"),
    (("clogreg_version",), 1, "'clogreg_version'.*wrong type"),
    (("coef",), [0.1, 0.2, 0.3], "'coef'.*wrong type"),
    (("classes",), "0 1", "'classes'.*wrong type"),
    (("params", "C"), "1", "C must be a real number"),
    (("params", "max_iter"), "100", "max_iter must be an integer"),
], ids=repr)
def test_string_where_a_number_should_be(tmp_path, doc, where, value, match):
    bad = copy.deepcopy(doc)
    target = bad
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    assert_rejected(write(tmp_path / "m.json", bad), match)


def test_any_single_byte_change_never_crashes(tmp_path, binary_model):
    """Tampering with any byte gives a ValueError or a model equal to the
    saved one wherever the change is harmless (whitespace, ...)."""
    model, X = binary_model
    path = tmp_path / "m.json"
    model.save(path)
    data = path.read_bytes()
    rng = np.random.default_rng(3)
    for pos in rng.choice(len(data), size=min(len(data), 150), replace=False):
        for replacement in (b"0", b"x", b'"', b"-"):
            write(path, data[:pos] + replacement + data[pos + 1:])
            try:
                loaded = clogreg.load(path)
            except ValueError:
                continue
            # Whatever loads must be a fully working, consistent model.
            proba = loaded.predict_proba(X)
            assert np.isfinite(proba).all()
            assert loaded.predict(X).shape == (X.shape[0],)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)


def _locations(node, prefix=()):
    """Every (path) to a value inside a JSON document."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return []
    out = []
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(_locations(value, prefix + (key,)))
    return out


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """A saved multinomial model using every optional field, its document
    and data to predict."""
    X, idx = make_data(3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    labels = np.array(["ant", "bee", "cat"])
    model = LogisticRegression(standardize=True, class_weight={"bee": 2.0})
    model.fit(frame, labels[idx])
    directory = tmp_path_factory.mktemp("rich")
    model.save(directory / "model.json")
    doc = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    return directory, doc, frame


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_documents_are_rejected_or_give_a_working_model(rich, data):
    """Any one value replaced by any JSON value: a ValueError, or a model
    that predicts finite probabilities."""
    directory, doc, frame = rich
    where = data.draw(st.sampled_from(_locations(doc)))
    value = data.draw(JSON_VALUES)
    bad = copy.deepcopy(doc)
    target = bad
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    path = write(directory / "fuzz.json", bad)
    try:
        loaded = clogreg.load(path)
    except ValueError as exc:
        assert "is not a valid clogreg model" in str(exc)
        return
    names = getattr(loaded, "feature_names_in_", None)
    X = np.asarray(frame)[:, :1].repeat(loaded.n_features_in_, axis=1)
    if names is not None:
        X = pd.DataFrame(X, columns=list(names))
    proba = loaded.predict_proba(X)
    assert np.isfinite(proba).all()
    assert proba.shape == (len(frame), len(loaded.classes_))
    assert set(loaded.predict(X).tolist()) <= set(loaded.classes_.tolist())


# ------------------------------------------------------------------ atomicity

def _listing(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_save_keeps_the_existing_file(tmp_path, binary_model, monkeypatch,
                                             failing):
    model, X = binary_model
    path = tmp_path / "model.json"
    old = LogisticRegression.from_coef([[1.0, 2.0]], [0.5])
    old.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(clogreg_io.os, failing, boom)
    with pytest.raises(OSError, match="disk on fire"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["model.json"]   # no temporary file left
    assert_same_model(old, clogreg.load(path), np.ones((2, 2)))


def test_failed_save_without_existing_file_leaves_nothing(tmp_path, binary_model,
                                                          monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("rename failed")

    monkeypatch.setattr(clogreg_io.os, "replace", boom)
    with pytest.raises(OSError, match="rename failed"):
        binary_model[0].save(tmp_path / "model.json")
    assert _listing(tmp_path) == []


def test_interrupted_save_leaves_nothing(tmp_path, binary_model, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(clogreg_io.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        binary_model[0].save(tmp_path / "model.json")
    assert _listing(tmp_path) == []


def test_save_into_a_missing_directory(tmp_path, binary_model):
    # The message names the target and the missing directory (it used to
    # name the temporary file).
    target = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as info:
        binary_model[0].save(target)
    message = str(info.value)
    assert f"cannot write {str(target)!r}" in message
    assert f"directory {str(target.parent)!r} does not exist" in message
    assert ".clogreg-" not in message and ".tmp" not in message
    assert _listing(tmp_path) == []


def test_interrupt_right_after_the_temporary_file_is_created(tmp_path,
                                                             binary_model,
                                                             monkeypatch):
    # Ctrl-C landing just after os.open created the temporary file (before
    # the code that removes it on failure knew about it) left an orphaned
    # .clogreg-*.tmp.  Simulated by an os.open that creates the file, then
    # raises KeyboardInterrupt.
    real_open = os.open

    def open_then_interrupt(path, flags, *args):
        fd = real_open(path, flags, *args)
        if flags & os.O_CREAT:
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(clogreg_io.os, "open", open_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        binary_model[0].save(tmp_path / "model.json")
    monkeypatch.undo()
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, MemoryError])
def test_any_exception_of_the_writer_leaves_nothing(tmp_path, binary_model,
                                                    monkeypatch, error):
    # Any BaseException while the data is written: no temporary file, and
    # an existing model is untouched.
    path = tmp_path / "model.json"
    old = LogisticRegression.from_coef([[1.0, 2.0]], [0.5])
    old.save(path)
    before = path.read_bytes()

    def failing_write(target, write):
        return real_write(target, lambda f: (f.write(b"{"), write_error()))

    def write_error():
        raise error

    real_write = clogreg_io.write_atomically
    monkeypatch.setattr(clogreg_io, "write_atomically", failing_write)
    with pytest.raises(error):
        binary_model[0].save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["model.json"]


def test_unfitted_model_is_not_saved(tmp_path):
    path = tmp_path / "model.json"
    with pytest.raises(NotFittedError, match="not fitted"):
        LogisticRegression().save(path)
    assert _listing(tmp_path) == []


def test_unfitted_model_does_not_touch_an_existing_file(tmp_path, binary_model):
    path = tmp_path / "model.json"
    binary_model[0].save(path)
    before = path.read_bytes()
    with pytest.raises(NotFittedError):
        LogisticRegression().save(path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["model.json"]


@pytest.mark.parametrize("attr, value", [("coef_", np.nan), ("coef_", np.inf),
                                         ("intercept_", -np.inf),
                                         ("intercept_", np.nan)])
def test_model_with_nonfinite_coefficients_is_not_saved(tmp_path, attr, value):
    X, y = make_data(2)
    model = LogisticRegression().fit(X, y)
    getattr(model, attr).flat[0] = value
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match=f"{attr} contains NaN or infinity"):
        model.save(path)
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("tamper, match", [
    (lambda m: m.set_params(C=-1.0), "refusing to save.*C must be > 0"),
    (lambda m: m.set_params(solver="hack"), "refusing to save.*solver"),
    (lambda m: m.set_params(tol=float("nan")), "tol=nan"),
    (lambda m: m.set_params(penalty=["l2"]), "cannot save parameter penalty"),
    (lambda m: m.set_params(class_weight={0: "heavy"}), "cannot save class_weight"),
    (lambda m: m.set_params(class_weight={(0,): 1.0}), "cannot save class_weight"),
    (lambda m: setattr(m, "coef_", m.coef_[:, :2]), "refusing to save.*coef shape"),
    (lambda m: setattr(m, "coef_", m.coef_.astype(np.float16)), "dtype float16"),
    (lambda m: setattr(m, "classes_", np.array(["2020-01-01", "2021-01-01"],
                                              dtype="datetime64[D]")),
     "cannot save classes"),
    (lambda m: setattr(m, "classes_", np.array([1, 0])), "refusing to save.*sorted"),
    (lambda m: setattr(m, "feature_names_in_", np.array(["a"], dtype=object)),
     "refusing to save.*feature_names_in"),
])
def test_model_that_could_not_be_loaded_is_not_saved(tmp_path, tamper, match):
    X, y = make_data(2)
    model = LogisticRegression().fit(X, y)
    tamper(model)
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match=match):
        model.save(path)
    assert _listing(tmp_path) == []


# ------------------------------------------------------- loading runs nothing

def test_code_in_string_fields_is_only_data(tmp_path, doc):
    marker = tmp_path / "pwned"
    payloads = [f"__import__('os').system('touch {marker}')",
                f"open({str(marker)!r}, 'w')",
                f"exec(\"open({str(marker)!r}, 'w')\")",
                "!!python/object/apply:os.system ['touch pwned']",
                f"cos\nsystem\n(S'touch {marker}'\ntR."]
    classes = sorted(payloads[:3])
    harmless = tampered(doc, lambda d: d.update(
        classes={"kind": "str", "dtype": "object", "values": classes},
        coef={"shape": [3, 3], "values": [0.0] * 9},
        intercept=[0.0, 0.0, 0.0],
        feature_names_in=payloads[2:],
        clogreg_version=payloads[0]))
    loaded = clogreg.load(write(tmp_path / "m.json", harmless))
    assert loaded.classes_.tolist() == classes
    frame = pd.DataFrame(np.zeros((2, 3)), columns=payloads[2:])
    assert loaded.predict(frame).tolist() == [classes[0]] * 2
    assert loaded.feature_names_in_.tolist() == payloads[2:]

    for payload in payloads:
        for where, key in [((), "format"), (("params",), "solver"),
                           (("params",), "penalty"), (("params",), "C"),
                           (("params",), "random_state"), ((), "dtype"),
                           (("classes",), "kind"), (("classes",), "dtype"),
                           (("coef", "values"), 0), ((), payload),
                           (("params",), payload)]:
            bad = copy.deepcopy(doc)
            target = bad
            for step in where:
                target = target[step]
            target[key] = payload if key != payload else 1
            assert_rejected(write(tmp_path / "m.json", bad), "not a valid clogreg model")  # noqa: E501
    assert not marker.exists()
    assert not (pathlib.Path.cwd() / "pwned").exists()


def test_load_does_not_unpickle_or_import(tmp_path, doc, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle or evaluate anything")

    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    path = write(tmp_path / "m.json", doc)
    loaded = clogreg.load(path)
    assert loaded.coef_.shape == (1, 3)
