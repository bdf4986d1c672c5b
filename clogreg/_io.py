"""Safe model files: a versioned JSON document, written atomically.

Design: a model file holds data only (numbers, strings, lists), so loading
one executes nothing, unlike pickle.  Every float is written with Python's
shortest round-tripping repr, so coefficients come back bit for bit.
``load`` trusts nothing: it checks the format and version, every field's
type, the shapes against each other, that numbers are finite, and that the
parameters are ones ``LogisticRegression`` accepts, and it raises a
ValueError naming the first problem.  It must never return a model that
would crash or mispredict later.  ``save`` writes a temporary file in the
target directory and renames it over the target, so a failed save leaves
no half-written model behind.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._logistic import LogisticRegression

FORMAT = "clogreg-model"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 1 << 30

# Parameters saved with the model.  ``callback`` cannot be stored (code is
# never saved), and a numpy Generator ``random_state`` is saved as None.
_SAVED_PARAMS = ("penalty", "C", "l1_ratio", "fit_intercept", "solver", "tol",
                 "max_iter", "learning_rate", "batch_size", "class_weight",
                 "standardize", "warm_start", "random_state", "n_threads",
                 "verbose")


class _Invalid(ValueError):
    pass


def _float_list(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _labels(classes):
    """Classes as (kind, JSON values), keeping their Python type."""
    kind = classes.dtype.kind
    if kind == "b":
        return "bool", [bool(v) for v in classes]
    if kind in "iu":
        return "int", [int(v) for v in classes]
    if kind == "f":
        return "float", [float(v) for v in classes]
    if kind == "U" or (kind == "O" and all(isinstance(v, str) for v in classes)):
        return "str", [str(v) for v in classes]
    raise ValueError(f"cannot save classes of dtype {classes.dtype}: only bool, "
                     "int, float and str labels can be stored")


def _param_value(name, value):
    if name == "random_state" and not (value is None
                                       or isinstance(value, numbers.Integral)):
        return None
    if name == "class_weight" and isinstance(value, dict):
        kind, keys = _labels(np.array(list(value.keys())))
        return {"kind": kind, "labels": keys,
                "weights": [float(w) for w in value.values()]}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return "inf" if math.isinf(value) else float(value)
    return value


def model_document(model):
    """The JSON-ready dict that ``save`` writes."""
    from . import __version__

    if not hasattr(model, "coef_"):
        from ._exceptions import not_fitted_error

        raise not_fitted_error("this LogisticRegression is not fitted yet; call "
                               "fit(X, y) before save()")
    kind, classes = _labels(np.asarray(model.classes_))
    coef = np.asarray(model.coef_)
    intercept = np.asarray(model.intercept_)
    for name, arr in (("coef_", coef), ("intercept_", intercept)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity; refusing to save it")
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "clogreg_version": __version__,
        "params": {name: _param_value(name, getattr(model, name))
                   for name in _SAVED_PARAMS},
        "classes": {"kind": kind, "values": classes},
        "dtype": coef.dtype.name,
        "coef": {"shape": list(coef.shape), "values": _float_list(coef)},
        "intercept": _float_list(intercept),
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": (None if getattr(model, "feature_names_in_", None) is None
                             else [str(n) for n in model.feature_names_in_]),
        "standardization": None,
        "n_iter": int(getattr(model, "n_iter_", 0)),
    }
    if getattr(model, "scale_", None) is not None and model.standardize:
        doc["standardization"] = {"mean": _float_list(model.mean_),
                                  "scale": _float_list(model.scale_)}
    return doc


def save(model, path):
    """Write ``model`` to ``path`` as JSON, atomically (see module docs)."""
    text = json.dumps(model_document(model), allow_nan=False, indent=1)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".clogreg-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ------------------------------------------------------------------ load

def _need(cond, message):
    if not cond:
        raise _Invalid(message)


def _get(doc, key, types, where="the file"):
    _need(isinstance(doc, dict), f"{where} must be a JSON object")
    _need(key in doc, f"{where} has no {key!r} field")
    value = doc[key]
    _need(isinstance(value, types) and not (isinstance(value, bool)
                                            and bool not in _as_tuple(types)),
          f"field {key!r} of {where} has the wrong type "
          f"({type(value).__name__})")
    return value


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _floats(values, name, length=None):
    _need(isinstance(values, list), f"{name} must be a list of numbers")
    _need(all(isinstance(v, (int, float)) and not isinstance(v, bool)
              for v in values), f"{name} must contain only numbers")
    arr = np.array(values, dtype=np.float64)
    _need(np.isfinite(arr).all(), f"{name} contains a non-finite number")
    if length is not None:
        _need(arr.shape == (length,), f"{name} has {arr.shape[0]} values, "
                                      f"expected {length}")
    return arr


def _restore_labels(kind, values, name):
    _need(isinstance(values, list) and values, f"{name} must be a non-empty list")
    checks = {"bool": lambda v: isinstance(v, bool),
              "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v),
              "str": lambda v: isinstance(v, str)}
    _need(kind in checks, f"{name} has unknown kind {kind!r}")
    _need(all(checks[kind](v) for v in values),
          f"{name} holds values that are not all of kind {kind!r}")
    if kind == "str":
        return np.array(values, dtype=object)
    if kind == "int":
        _need(all(-2**63 <= v < 2**63 for v in values), f"{name}: integer out of range")
        return np.array(values, dtype=np.int64)
    return np.array(values, dtype=bool if kind == "bool" else np.float64)


def _params(doc):
    from ._logistic import LogisticRegression

    raw = _get(doc, "params", dict)
    unknown = set(raw) - set(_SAVED_PARAMS)
    _need(not unknown, f"unknown parameters {sorted(unknown)}")
    params = {}
    for name, value in raw.items():
        if name == "class_weight" and isinstance(value, dict):
            labels = _restore_labels(value.get("kind"), value.get("labels"),
                                     "class_weight labels")
            weights = _floats(value.get("weights"), "class_weight weights",
                              len(labels))
            value = {(lab.item() if hasattr(lab, "item") else lab): float(w)
                     for lab, w in zip(labels, weights, strict=True)}
        if name == "C" and value == "inf":
            value = math.inf
        _need(value is None or isinstance(value, (bool, int, float, str, dict)),
              f"parameter {name!r} has an unsupported value")
        params[name] = value
    model = LogisticRegression(**params)
    try:
        model._validated_params()
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"invalid parameters: {exc}") from None
    return model


def model_from_document(doc):
    """Rebuild a LogisticRegression from a parsed model document."""
    _need(isinstance(doc, dict), "the file must contain a JSON object")
    _need(doc.get("format") == FORMAT, "this is not a clogreg model file "
                                       "(no 'format': 'clogreg-model' field)")
    version = _get(doc, "format_version", int)
    _need(version == FORMAT_VERSION,
          f"format_version {version} is not supported (this clogreg reads "
          f"version {FORMAT_VERSION}); save the model again with this version")
    model = _params(doc)
    cls_doc = _get(doc, "classes", dict)
    classes = _restore_labels(cls_doc.get("kind"), cls_doc.get("values"), "classes")
    _need(len(classes) >= 2, "classes must hold at least two labels")
    sorted_unique = np.unique(classes)
    _need(len(sorted_unique) == len(classes) and
          all(a == b for a, b in zip(sorted_unique, classes, strict=True)),
          "classes must be distinct and sorted")
    dtype = _get(doc, "dtype", str)
    _need(dtype in ("float32", "float64"), f"dtype {dtype!r} is not float32 "
                                           "or float64")
    d = _get(doc, "n_features_in", int)
    _need(d >= 1, "n_features_in must be >= 1")
    k = 1 if len(classes) == 2 else len(classes)
    coef_doc = _get(doc, "coef", dict)
    shape = coef_doc.get("shape")
    _need(shape == [k, d], f"coef shape {shape} does not match {len(classes)} "
                           f"classes and {d} features (expected {[k, d]})")
    coef = _floats(coef_doc.get("values"), "coef", k * d).reshape(k, d)
    intercept = _floats(_get(doc, "intercept", list), "intercept", k)
    if not model.fit_intercept:
        _need((intercept == 0).all(), "intercept must be 0 when fit_intercept "
                                      "is false")
    names = doc.get("feature_names_in")
    if names is not None:
        _need(isinstance(names, list) and len(names) == d and
              all(isinstance(n, str) for n in names),
              f"feature_names_in must be {d} strings")
    std = doc.get("standardization")
    if std is not None:
        _need(isinstance(std, dict), "standardization must be an object")
        mean = _floats(std.get("mean"), "standardization mean", d)
        scale = _floats(std.get("scale"), "standardization scale", d)
        _need((scale > 0).all(), "standardization scale must be positive")
        _need(model.standardize, "standardization statistics given but "
                                 "standardize is false")
    n_iter = _get(doc, "n_iter", int)
    _need(n_iter >= 0, "n_iter must be >= 0")

    model.classes_ = classes
    model.coef_ = coef.astype(dtype)
    model.intercept_ = intercept.astype(dtype)
    # float32 values were stored exactly; a float64 one that is not a float32
    # would have been rounded: refuse rather than change the model.
    _need(np.array_equal(model.coef_.astype(np.float64), coef) and
          np.array_equal(model.intercept_.astype(np.float64), intercept),
          f"coefficients are not representable in {dtype}")
    model.n_features_in_ = d
    model.n_iter_ = n_iter
    model.loss_curve_ = np.zeros(0)
    if names is not None:
        model.feature_names_in_ = np.array(names, dtype=object)
    if std is not None:
        model.mean_, model.scale_ = mean, scale
    return model


def _reject_constant(name):
    raise _Invalid(f"the file contains {name}, which is not a finite number")


def load(path: str | os.PathLike[str]) -> LogisticRegression:
    """Read a model written by ``LogisticRegression.save``.

    Nothing in the file is executed.  A file that is not a valid clogreg
    model (garbage, truncated, tampered with, or from an unsupported format
    version) raises a ValueError that names the problem.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    LogisticRegression
        Fitted; its predictions equal those of the saved model bit for bit.

    Examples
    --------
    >>> import os, tempfile
    >>> import clogreg
    >>> model = clogreg.LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> model.save(path)
    >>> bool((clogreg.load(path).coef_ == model.coef_).all())
    True
    """
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise FileNotFoundError(f"cannot read model file {path!r}: {exc}") from None
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path!r} is {size} bytes, more than a clogreg model "
                         "file can be")
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
        return model_from_document(doc)
    except _Invalid as exc:
        raise ValueError(f"{path!r} is not a valid clogreg model: {exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not a valid clogreg model: it is not UTF-8 "
                         "text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!r} is not a valid clogreg model: not valid JSON "
                         f"(truncated or corrupted?): {exc}") from None
    except RecursionError:
        raise ValueError(f"{path!r} is not a valid clogreg model: nested too "
                         "deeply") from None
