"""Safe model files: a versioned JSON document, written atomically.

Design: a model file holds data only (numbers, strings, lists), so loading
one executes nothing, unlike pickle.  Every float is written with Python's
shortest round-tripping repr, so coefficients come back bit for bit, and
the labels keep their numpy dtype.  ``load`` trusts nothing: before reading
it checks that the path is a regular file within the size cap (so a FIFO
never blocks it and /dev/zero is never read), before parsing that the JSON
has no more containers than a model, while parsing that no key repeats;
then it checks the format and version, that every field is present (and
no unknown one is), every field's type, the shapes against each other,
that numbers are finite and representable in the model's dtype, that no
coefficient row overflows float64, and that the parameters are ones
``LogisticRegression`` accepts, and it raises a ValueError naming the
first problem.  It must never return a model that would crash or
mispredict later.  ``save`` first checks that its document loads back,
then writes a temporary file in the target directory and renames it over
the target, so a failed or interrupted save leaves no half-written model
and no temporary file behind and never harms an existing file.  The new
file gets the usual permissions (0o666 minus the umask), like any file
the user creates.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import numbers
import os
import re
import secrets
import stat
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._logistic import LogisticRegression

FORMAT = "clogreg-model"
FORMAT_VERSION = 1
# The size cap of a model file.  ``save`` writes at most 29 bytes per
# number (the 24 characters of the longest float64 repr, 3 of indentation,
# a comma and a newline), so 128 MiB holds more than 4.6 million numbers:
# a binary model of 1.5 million standardised features (coef_, mean_ and
# scale_) or 1,000 classes of 4,600 features.  Parsing costs at most about
# 12 times the file size once the JSON containers are capped (a list of
# two-character strings is the worst case; the numbers of a real model
# cost 1.6 times their text), so a hostile file costs at most ~1.5 GiB.
MAX_FILE_BYTES = 128 << 20

# Parameters saved with the model.  ``callback`` cannot be stored (code is
# never saved), and a numpy Generator ``random_state`` is saved as None.
_SAVED_PARAMS = ("penalty", "C", "l1_ratio", "fit_intercept", "solver", "tol",
                 "max_iter", "learning_rate", "batch_size", "class_weight",
                 "standardize", "warm_start", "random_state", "n_threads",
                 "verbose", "dual", "intercept_scaling", "n_jobs")
# Parameters added after the first files were written: a file without
# them (written before) loads with their defaults.
_OPTIONAL_PARAMS = ("dual", "intercept_scaling", "n_jobs")
# Integer parameters that reach the engine as a C int.
_C_INT_PARAMS = ("max_iter", "batch_size", "n_threads", "verbose")
_C_INT_MAX = 2**31 - 1
# Real parameters that are converted with float().
_REAL_PARAMS = ("C", "l1_ratio", "tol", "learning_rate", "intercept_scaling")

# Every field of a format-version-1 document (all required, even if null).
_FIELDS = ("format", "format_version", "clogreg_version", "params", "classes",
           "dtype", "coef", "intercept", "n_features_in", "feature_names_in",
           "standardization", "n_iter")

_INT_DTYPES = ("int8", "int16", "int32", "int64",
               "uint8", "uint16", "uint32", "uint64")
_FLOAT_DTYPES = ("float16", "float32", "float64")
# numpy dtypes each kind of label may be restored as ("U<n>" is also valid
# for strings).
_LABEL_DTYPES = {"bool": ("bool", "object"),
                 "int": _INT_DTYPES + ("object",),
                 "float": _FLOAT_DTYPES + ("object",),
                 "str": ("object",)}
# Longest fixed-width string dtype accepted beyond the longest label.
_MAX_STR_PADDING = 1024
# JSON containers of a format-version-1 document: objects (the document,
# params, class_weight, classes, coef, standardization) and arrays
# (classes values, coef shape and values, intercept, feature_names_in,
# mean, scale, class_weight labels and weights).  A file with more is not
# a model, and is refused before parsing: an empty list or object costs
# Python about 60 bytes for its 3 bytes of text.
_MAX_OBJECTS = 6
_MAX_ARRAYS = 9
# A JSON string literal once its escaped backslashes and quotes are gone
# (a one-character repeat: no regex backtracking state per character).
_BARE_STRING = re.compile(r'"[^"]*"')


class _Invalid(ValueError):
    pass


def _float_list(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _label_kind(values):
    """'bool', 'int', 'float' or 'str' for a sequence of scalars, else None."""
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return "bool"
    if any(isinstance(v, (bool, np.bool_)) for v in values):
        return None
    if all(isinstance(v, numbers.Integral) for v in values):
        return "int"
    if all(isinstance(v, numbers.Real) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return None


_TO_JSON = {"bool": bool, "int": int, "float": float, "str": str}


def _label_values(kind, values, what):
    out = [_TO_JSON[kind](v) for v in values]
    if kind == "float" and not all(math.isfinite(v) for v in out):
        raise ValueError(f"cannot save {what}: it holds NaN or infinity")
    return out


def _labels(classes):
    """Classes as (kind, numpy dtype, JSON values), keeping their type."""
    classes = np.asarray(classes)
    dt = classes.dtype
    kind = None
    if classes.ndim == 1:
        if dt.kind == "b":
            kind, spec = "bool", "bool"
        elif dt.kind in "iu" and dt.name in _INT_DTYPES:
            kind, spec = "int", dt.name
        elif dt.kind == "f" and dt.name in _FLOAT_DTYPES:
            kind, spec = "float", dt.name
        elif dt.kind == "U":
            kind, spec = "str", f"U{max(dt.itemsize // 4, 1)}"
        elif dt.kind == "O":
            kind, spec = _label_kind(list(classes)), "object"
    if kind is None:
        raise ValueError(f"cannot save classes of dtype {dt}: only bool, int, "
                         "float and str labels can be stored")
    return kind, spec, _label_values(kind, classes, "classes")


def _param_value(name, value):
    if name == "random_state" and not (value is None
                                       or isinstance(value, numbers.Integral)):
        return None   # a numpy Generator or RandomState
    if name == "class_weight" and isinstance(value, dict):
        keys = list(value.keys())
        kind = _label_kind(keys)
        if kind is None:
            raise ValueError("cannot save class_weight: its keys must be labels "
                             "of one kind (bool, int, float or str)")
        weights = list(value.values())
        if not all(isinstance(w, numbers.Real) and not isinstance(w, (bool, np.bool_))
                   and math.isfinite(w) for w in weights):
            raise ValueError("cannot save class_weight: its weights must be "
                             "finite numbers")
        return {"kind": kind, "labels": _label_values(kind, keys, "class_weight"),
                "weights": [float(w) for w in weights]}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if math.isnan(value):
            raise ValueError(f"cannot save parameter {name}=nan")
        return "inf" if math.isinf(value) else float(value)
    raise ValueError(f"cannot save parameter {name}={value!r}: only None, bools, "
                     "numbers and strings can be stored")


def model_document(model):
    """The JSON-ready dict that ``save`` writes."""
    from . import __version__

    if not hasattr(model, "coef_"):
        from ._exceptions import not_fitted_error

        raise not_fitted_error(model, "save()")
    kind, spec, classes = _labels(model.classes_)
    coef = model.coef_
    # after sparsify(): the file holds the values (it has no sparse form),
    # and load gives a dense coef_ (call sparsify() again)
    coef = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef)
    intercept = np.asarray(model.intercept_)
    for name, arr in (("coef_", coef), ("intercept_", intercept)):
        if arr.dtype.name not in ("float32", "float64"):
            raise ValueError(f"{name} has dtype {arr.dtype}; only float32 and "
                             "float64 models can be saved")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity; refusing to save it")
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "clogreg_version": __version__,
        "params": {name: _param_value(name, getattr(model, name))
                   for name in _SAVED_PARAMS},
        "classes": {"kind": kind, "dtype": spec, "values": classes},
        "dtype": coef.dtype.name,
        "coef": {"shape": list(coef.shape), "values": _float_list(coef)},
        "intercept": _float_list(intercept),
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": (None if getattr(model, "feature_names_in_", None) is None
                             else [str(n) for n in model.feature_names_in_]),
        "standardization": None,
        # n_iter_ is an array of shape (1,), as scikit-learn's
        "n_iter": int(np.asarray(getattr(model, "n_iter_", 0)).reshape(-1)[0]),
    }
    if getattr(model, "scale_", None) is not None and model.standardize:
        doc["standardization"] = {"mean": _float_list(model.mean_),
                                  "scale": _float_list(model.scale_)}
    return doc


def write_atomically(path, write):
    """Call ``write(binary_file)`` on a new temporary file beside ``path``,
    then rename it over ``path``; ``save`` and the CLI's output files use it.

    Whatever stops it (an OSError, Ctrl-C, any exception of ``write``)
    removes the temporary file and leaves ``path`` as it was.  The name of
    the temporary file is chosen before it is created, so even an interrupt
    that lands right after the creation finds it to remove.  An OSError
    names ``path`` (and the missing directory), never the temporary file.
    The new file gets the usual permissions (0o666 minus the umask).
    """
    path = os.fsdecode(os.fspath(path))
    directory = os.path.dirname(os.path.abspath(path))
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    tmp = fd = f = None
    created = False
    try:
        for _ in range(100):
            tmp = os.path.join(directory, f".clogreg-{secrets.token_hex(8)}.tmp")
            try:
                fd = os.open(tmp, flags, 0o666)
                break
            except FileExistsError:
                tmp = None       # someone else's file: never remove it
        else:
            raise FileExistsError(errno.EEXIST, "could not find a free name for "
                                                "a temporary file")
        created = True
        f = os.fdopen(fd, "wb")
        with f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except BaseException as exc:
        if f is None and fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if not isinstance(exc, OSError):
            raise
        reason = exc.strerror or str(exc)
        if not created and not os.path.isdir(directory):
            message = f"cannot write {path!r}: directory {directory!r} does not exist"
            message += f" ({reason})" if exc.errno == errno.ENOENT else f": {reason}"
        elif not created:
            message = (f"cannot write {path!r}: cannot create a file in "
                       f"{directory!r}: {reason}")
        else:
            message = f"cannot write {path!r}: {reason}"
        if exc.errno is None:
            raise OSError(message) from None
        # OSError(errno, ...) is the matching subclass (FileNotFoundError, ...)
        raise OSError(exc.errno, message) from None
    if os.name == "posix":   # make the rename itself durable
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def save(model, path):
    """Write ``model`` to ``path`` as JSON, atomically (see module docs)."""
    text = json.dumps(model_document(model), allow_nan=False, indent=1)
    # Never write a file that load() would refuse.
    try:
        model_from_document(json.loads(text))
    except _Invalid as exc:
        raise ValueError(f"refusing to save a model that could not be loaded "
                         f"back: {exc}") from None
    data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"refusing to save a model that could not be loaded "
                         f"back: its file would be {len(data)} bytes, more "
                         f"than load accepts ({MAX_FILE_BYTES})")
    write_atomically(path, lambda f: f.write(data))


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


def _fields(obj, keys, where):
    """``obj`` must be a JSON object with exactly the fields ``keys``."""
    _need(isinstance(obj, dict), f"{where} must be a JSON object")
    for key in keys:
        _need(key in obj, f"{where} has no {key!r} field")
    unknown = sorted(set(obj) - set(keys))
    _need(not unknown, f"{where} has unknown fields {unknown}")


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_finite(v):
    """A JSON number that is a finite float64 (huge ints are not)."""
    if not _is_number(v):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _floats(values, name, length=None):
    _need(isinstance(values, list), f"{name} must be a list of numbers")
    _need(all(_is_number(v) for v in values), f"{name} must contain only numbers")
    _need(all(_is_finite(v) for v in values), f"{name} contains a non-finite number")
    arr = np.array([float(v) for v in values], dtype=np.float64)
    if length is not None:
        _need(arr.shape == (length,), f"{name} has {arr.shape[0]} values, "
                                      f"expected {length}")
    return arr


_LABEL_CHECKS = {"bool": lambda v: isinstance(v, bool),
                 "int": lambda v: _is_number(v) and isinstance(v, int),
                 "float": _is_finite,
                 "str": lambda v: isinstance(v, str)}


def _label_list(kind, values, name, allow_empty=False):
    """The labels of ``values`` as Python scalars of ``kind``."""
    _need(isinstance(kind, str) and kind in _LABEL_CHECKS,
          f"{name} has unknown kind {kind!r}")
    _need(isinstance(values, list) and (values or allow_empty),
          f"{name} must be a non-empty list")
    _need(all(_LABEL_CHECKS[kind](v) for v in values),
          f"{name} holds values that are not all of kind {kind!r}")
    return [float(v) for v in values] if kind == "float" else values


def _restore_labels(kind, spec, values, name):
    """The classes array, of numpy dtype ``spec``."""
    values = _label_list(kind, values, name)
    allowed = _LABEL_DTYPES[kind]
    fixed_width = isinstance(spec, str) and re.fullmatch(r"U[1-9][0-9]{0,8}", spec)
    if kind == "str" and fixed_width:
        width = int(spec[1:])
        longest = max(len(v) for v in values)
        _need(longest <= width <= longest + _MAX_STR_PADDING,
              f"{name} dtype {spec} does not fit its labels")
    else:
        _need(isinstance(spec, str) and spec in allowed,
              f"{name} dtype {spec!r} is not valid for labels of kind {kind!r} "
              f"(expected one of {list(allowed)})")
    if spec == "object":
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    elif kind == "int":
        info = np.iinfo(spec)
        _need(all(info.min <= v <= info.max for v in values),
              f"{name}: integer out of range for {spec}")
        arr = np.array(values, dtype=spec)
    else:
        with np.errstate(over="ignore"):
            arr = np.array(values, dtype=spec)
    _need(arr.tolist() == values, f"{name} values are not representable as {spec}")
    return arr


def _class_weight(value):
    _fields(value, ("kind", "labels", "weights"), "class_weight")
    labels = _label_list(value["kind"], value["labels"], "class_weight labels",
                         allow_empty=True)
    weights = _floats(value["weights"], "class_weight weights", len(labels))
    _need((weights >= 0).all(), "class_weight weights must be >= 0")
    weights = {lab: float(w) for lab, w in zip(labels, weights, strict=True)}
    _need(len(weights) == len(labels), "class_weight repeats a label")
    return weights


def _params(doc):
    from ._logistic import LogisticRegression

    raw = _get(doc, "params", dict)
    unknown = set(raw) - set(_SAVED_PARAMS)
    _need(not unknown, f"unknown parameters {sorted(unknown)}")
    missing = [name for name in _SAVED_PARAMS
               if name not in raw and name not in _OPTIONAL_PARAMS]
    _need(not missing, f"parameters {missing} are missing")
    params = {}
    for name in _SAVED_PARAMS:
        if name not in raw:
            continue            # an optional parameter: its default
        value = raw[name]
        if name == "class_weight" and isinstance(value, dict):
            value = _class_weight(value)
        elif name == "C" and value == "inf":
            value = math.inf
        else:
            _need(value is None or isinstance(value, (bool, int, float, str)),
                  f"parameter {name!r} has an unsupported value "
                  f"({type(value).__name__})")
        if name in _C_INT_PARAMS and _is_number(value):
            _need(value <= _C_INT_MAX, f"parameter {name!r} is too large ({value})")
        if name in _REAL_PARAMS and _is_number(value) and isinstance(value, int):
            _need(_is_finite(value), f"parameter {name!r} is too large")
        params[name] = value
    model = LogisticRegression(**params)
    try:
        # partial=True: a solver/penalty pair that only fit() refuses
        # (partial_fit ignores the solver) is a valid constructor setting.
        model._validated_params(partial=True, warn=False)
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
    _fields(doc, _FIELDS, "the file")
    _get(doc, "clogreg_version", str)
    model = _params(doc)

    cls_doc = _get(doc, "classes", dict)
    _fields(cls_doc, ("kind", "dtype", "values"), "classes")
    classes = _restore_labels(cls_doc["kind"], cls_doc["dtype"], cls_doc["values"],
                              "classes")
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
    _fields(coef_doc, ("shape", "values"), "coef")
    shape = coef_doc["shape"]
    _need(shape == [k, d], f"coef shape {shape} does not match {len(classes)} "
                           f"classes and {d} features (expected {[k, d]})")
    coef = _floats(coef_doc["values"], "coef", k * d).reshape(k, d)
    intercept = _floats(_get(doc, "intercept", list), "intercept", k)
    if not model.fit_intercept:
        _need((intercept == 0).all(), "intercept must be 0 when fit_intercept "
                                      "is false")

    names = doc["feature_names_in"]
    if names is not None:
        _need(isinstance(names, list) and len(names) == d and
              all(isinstance(n, str) for n in names),
              f"feature_names_in must be null or a list of {d} strings")
    std = doc["standardization"]
    if std is not None:
        _fields(std, ("mean", "scale"), "standardization")
        mean = _floats(std["mean"], "standardization mean", d)
        scale = _floats(std["scale"], "standardization scale", d)
        _need((scale > 0).all(), "standardization scale must be positive")
        _need(model.standardize, "standardization statistics given but "
                                 "standardize is false")
    n_iter = _get(doc, "n_iter", int)
    _need(0 <= n_iter <= _C_INT_MAX, "n_iter must be in [0, 2**31 - 1]")

    # float32 values were stored exactly; a number that is not a float32
    # would be rounded (or overflow): refuse rather than change the model.
    with np.errstate(over="ignore"):
        coef_t, intercept_t = coef.astype(dtype), intercept.astype(dtype)
    _need(np.array_equal(coef_t.astype(np.float64), coef) and
          np.array_equal(intercept_t.astype(np.float64), intercept),
          f"coefficients are not representable in {dtype}")

    overflow = coefficient_overflow(coef, intercept)
    _need(overflow is None, overflow)

    model.classes_ = classes
    model.coef_ = coef_t
    model.intercept_ = intercept_t
    model.n_features_in_ = d
    model.n_iter_ = np.array([n_iter], dtype=np.int32)
    model.loss_curve_ = np.zeros(0)
    if names is not None:
        model.feature_names_in_ = np.array(names, dtype=object)
    if std is not None:
        model.mean_, model.scale_ = mean, scale
    return model


def coefficient_overflow(coef, intercept):
    """None, or why the coefficients cannot give trustworthy scores.

    A row k with sum_j |coef[k, j]| + |intercept[k]| beyond float64 (about
    1.8e308) has scores of +-inf, or inf - inf, already for inputs of unit
    size, and no rescaling of the arithmetic can rescue the probabilities
    of such a model in general: ``load`` and ``from_coef`` refuse it.
    (Smaller coefficients may still overflow on large inputs; the
    prediction pass recomputes those rows without overflow.)
    """
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    with np.errstate(over="ignore"):
        totals = np.abs(coef).sum(axis=1) + np.abs(intercept)
    bad = np.flatnonzero(~np.isfinite(totals))
    if bad.size == 0:
        return None
    k = int(bad[0])
    return (f"the coefficients are too large: for coef row {k}, "
            f"sum(|coef[{k}]|) + |intercept[{k}]| overflows float64 (the "
            f"largest coefficient is {float(np.abs(coef[k]).max()):.6g}), so "
            "even inputs of size 1 could give inf - inf scores; scale the "
            "coefficients down so that each row's sum stays below 1.8e308")


def _reject_constant(name):
    raise _Invalid(f"the file contains {name}, which is not a finite number")


def _unique_keys(pairs):
    """``object_pairs_hook``: a JSON object as a dict, refusing repeated
    keys (json would keep the last one silently, so a file could carry
    two ``coef`` fields and show either)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Invalid(f"the key {key!r} appears twice in one JSON "
                               "object")
            seen.add(key)
    return obj


def _check_containers(text):
    """Refuse, before parsing, a text with more JSON objects or arrays than
    a model document has (brackets inside strings do not count)."""
    if text.count("{") <= _MAX_OBJECTS and text.count("[") <= _MAX_ARRAYS:
        return   # the common case: no string holds a bracket
    # In valid JSON a backslash occurs only inside strings, where it
    # escapes the next character: dropping the pairs \\ and \" (left to
    # right, as a parser reads them) leaves each string as "[^"]*".
    bare = text.replace("\\\\", "").replace('\\"', "")
    bare = _BARE_STRING.sub("", bare)
    n_objects, n_arrays = bare.count("{"), bare.count("[")
    _need(n_objects <= _MAX_OBJECTS and n_arrays <= _MAX_ARRAYS,
          f"it holds {n_objects} JSON objects and {n_arrays} arrays, more than "
          f"a clogreg model file has (at most {_MAX_OBJECTS} and {_MAX_ARRAYS})")


_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def _file_kind(mode):
    for test, kind in _FILE_KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def _read_model_bytes(path):
    """The bytes of the model file at ``path``, at most MAX_FILE_BYTES.

    ``stat`` comes first (following symlinks): a directory is an OSError;
    a FIFO, a device or a socket is refused without being opened, so
    nothing blocks on a pipe without a writer or reads /dev/zero; a file
    larger than the cap is refused without reading.  The file is then
    opened with O_NONBLOCK and checked again with ``fstat`` (it may have
    been replaced in between), and at most cap + 1 bytes are read.
    """
    invalid = f"{path!r} is not a valid clogreg model"
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a directory")
        if stat.S_ISREG(info.st_mode):
            flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
            fd = os.open(path, flags)
            with os.fdopen(fd, "rb") as f:
                info = os.fstat(f.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
                    # st_size is a hint: /proc-like files report 0.
                    parts, total = [], 0
                    want = info.st_size + 1
                    while total <= MAX_FILE_BYTES:
                        part = f.read(want)
                        if not part:
                            break
                        parts.append(part)
                        total += len(part)
                        want = min(1 << 20, MAX_FILE_BYTES + 1 - total)
                    raw = b"".join(parts)
    except OSError as exc:
        # OSError(errno, ...) is the matching subclass (FileNotFoundError, ...)
        raise OSError(exc.errno, f"cannot read model file {path!r}: "
                                 f"{exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{invalid}: it is {_file_kind(info.st_mode)}, not a "
                         "regular file")
    size = info.st_size if info.st_size > MAX_FILE_BYTES else len(raw)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{invalid}: it is larger than {MAX_FILE_BYTES} bytes "
                         f"({size} bytes or more), more than a clogreg model "
                         "file can be")
    return raw


def load(path: str | os.PathLike[str]) -> LogisticRegression:
    """Read a model written by ``LogisticRegression.save``.

    Nothing in the file is executed.  A file that is not a valid clogreg
    model (garbage, truncated, tampered with, or from an unsupported format
    version) raises a ValueError that names the problem.  Resources stay
    bounded: ``path`` (symlinks followed) must be a regular file of at most
    ``MAX_FILE_BYTES`` (128 MiB), checked before anything is read, so a
    FIFO, a device or an oversized file is refused at once; a file with
    more JSON objects or arrays than a model has is refused before it is
    parsed, and a key repeated in a JSON object is an error.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    LogisticRegression
        Fitted; its predictions equal those of the saved model bit for bit.

    Raises
    ------
    OSError
        When the file cannot be read (FileNotFoundError when it does not
        exist, IsADirectoryError for a directory); the message names the
        path.
    ValueError
        When the file is not a valid clogreg model, is not a regular file
        (a FIFO, a device, a socket) or is larger than ``MAX_FILE_BYTES``.

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
    raw = _read_model_bytes(path)
    invalid = f"{path!r} is not a valid clogreg model"
    if not raw.strip():
        raise ValueError(f"{invalid}: the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{invalid}: it is not UTF-8 text") from None
    del raw
    try:
        _check_containers(text)
        doc = json.loads(text, parse_constant=_reject_constant,
                         object_pairs_hook=_unique_keys)
    except _Invalid as exc:
        raise ValueError(f"{invalid}: {exc}") from None
    except RecursionError:
        raise ValueError(f"{invalid}: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{invalid}: not valid JSON (truncated or corrupted?): "
                         f"{exc}") from None
    except ValueError as exc:   # e.g. an integer with too many digits
        raise ValueError(f"{invalid}: not valid JSON: {exc}") from None
    try:
        return model_from_document(doc)
    except _Invalid as exc:
        raise ValueError(f"{invalid}: {exc}") from None
