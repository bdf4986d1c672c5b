"""Input validation: the one place where user input becomes engine arrays.

Design: the engine reads C-contiguous float32 or float64 matrices and
int32 class indices.  Input that already has that form is passed through
*without a copy* (read-only arrays and memmaps included).  Everything else
is converted once, here, and the conversions are listed in docs/input.md:

* other numeric dtypes (ints, bools, float16, long double) -> float64, and
  big-endian float32/float64 -> the native type of the same size;
* Fortran-ordered or strided arrays -> a C-contiguous copy (the fused pass
  reads rows; a strided read would be several times slower);
* sparse matrices -> CSR with float32/float64 data and int32 or int64
  indices (a CSR matrix already in that form is used as is).

Every rejection is a ValueError or TypeError whose message says what was
wrong and how to fix it.  This module must never modify the caller's data.
"""

import math
import numbers
import warnings

import numpy as np

from . import kernels
from ._exceptions import data_conversion_warning

_FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_sparse(X):
    return type(X).__module__.startswith("scipy.sparse")


def _position(flat_index, shape):
    """Human-readable position of a flat index: 'row r, column c' for 2-D."""
    if len(shape) == 2:
        row, col = divmod(int(flat_index), shape[1])
        return f"row {row}, column {col}"
    return f"index {tuple(int(i) for i in np.unravel_index(flat_index, shape))}"


def _is_missing(value):
    """None, or one of pandas' missing-value scalars (pd.NA, pd.NaT), which
    nullable pandas columns turn into; pandas is never imported here."""
    if value is None:
        return True
    kind = type(value)
    return (kind.__name__ in ("NAType", "NaTType")
            and kind.__module__.startswith("pandas"))


def _check_object_entries(arr, name):
    """Reject missing values, strings and complex numbers in an object
    array before the float cast (which would silently turn None into NaN,
    parse '1.5', and fail on pd.NA or 1j with an unhelpful message)."""
    for pos, value in enumerate(arr.flat):
        if _is_missing(value):
            raise ValueError(
                f"{name} contains {'None' if value is None else value} at "
                f"{_position(pos, arr.shape)}; remove or impute missing values "
                "first")
        if isinstance(value, (complex, np.complexfloating)):
            raise ValueError(
                f"Complex data not supported: {name} contains {value!r} at "
                f"{_position(pos, arr.shape)}; pass real-valued features")
        if isinstance(value, (str, bytes)):
            raise TypeError(
                f"{name} contains strings ({value!r} at "
                f"{_position(pos, arr.shape)}); logistic regression needs "
                "numeric features: encode them first")


def check_sparse(X, *, name="X", defer_finite=False):
    """Return a scipy.sparse matrix as a finite CSR matrix the engine reads.

    A CSR matrix with float32/float64 data and matching int32/int64 index
    arrays is returned as is (no copy).  CSC, COO and the other formats are
    converted to CSR once; other value dtypes become float64.  Repeated
    column indices within a row are summed into a copy (never in place).
    scipy itself is never imported here: the matrix's own methods do the
    work.  With
    ``defer_finite`` the values are not scanned: see ``check_X``.
    """
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got a {X.ndim}-D sparse array")
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"{name} has shape {X.shape}; at least one sample and "
                         "one feature are required")
    if X.format != "csr":
        X = X.tocsr()
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {X.dtype}; "
                         "pass real-valued features")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} has unsupported dtype {X.dtype}; pass a numeric "
                        "sparse matrix")
    if X.dtype not in _FLOAT_TYPES:
        X = X.astype(np.float32 if X.dtype.kind == "f" and X.dtype.itemsize == 4
                     else np.float64)
    if X.indices.dtype != X.indptr.dtype or X.indices.dtype.name not in (
            "int32", "int64"):
        X = X.copy()
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    data = X.data
    if not data.flags.c_contiguous or data.dtype.byteorder not in "=|":
        X = X.copy()
        X.data = np.ascontiguousarray(X.data, dtype=X.data.dtype.newbyteorder("="))
    if not getattr(X, "has_canonical_format", False) and _repeats_a_column(X):
        # Repeated column indices in a row add up (as in scipy), which the
        # engine's linear passes honour, but not the column statistics
        # (squares, exact constancy): sum them, into a copy, never in the
        # user's matrix.  Canonical (sorted, no repeats) CSR, the common
        # case, costs no copy; unsorted rows without repeats are kept too.
        X = X.copy()
        X.sum_duplicates()
    if not defer_finite:
        check_finite(X, name=name)
    return X


# Unsorted CSR rows are searched for a repeated column this many stored
# entries at a time: the search costs O(block) memory, not a copy of X
# (whose parts may be memmaps of a file larger than memory).
_REPEAT_BLOCK = 1 << 18


def _repeats_a_column(X):
    """Whether some row of the CSR matrix ``X`` stores a column index twice.

    Block by block of rows: each entry gets the key ``row * d + column``
    (row local to its block, so the key fits int64 while the block has at
    most _REPEAT_BLOCK rows), and a repeat is two equal sorted keys.
    """
    n, d = X.shape
    indptr = X.indptr
    start = 0
    while start < n:
        # the rows whose entries end within _REPEAT_BLOCK of the block's
        # first entry, at least one row and at most _REPEAT_BLOCK rows
        stop = int(np.searchsorted(indptr, indptr[start] + _REPEAT_BLOCK,
                                   side="right")) - 1
        stop = min(max(stop, start + 1), start + _REPEAT_BLOCK, n)
        lo, hi = int(indptr[start]), int(indptr[stop])
        if hi - lo > 1:
            rows = np.repeat(np.arange(stop - start, dtype=np.int64),
                             np.diff(indptr[start:stop + 1]))
            keys = rows * d + X.indices[lo:hi]
            keys.sort()
            if (keys[1:] == keys[:-1]).any():
                return True
        start = stop
    return False


def check_finite(X, *, name="X", source=None):
    """Raise ValueError naming the first NaN or infinity of ``X`` (a
    C-contiguous float32/float64 array or a CSR matrix from
    ``check_sparse``), with its row and column; do nothing if all values
    are finite.  ``source`` is the array ``X`` was converted from, if any."""
    if _is_sparse(X):
        if X.data.size:
            bad = kernels._first_nonfinite(X.data)
            if bad >= 0:
                row = int(np.searchsorted(X.indptr, bad, side="right") - 1)
                raise ValueError(
                    f"{name} contains {float(X.data[bad])!r} at row {row}, column "
                    f"{int(X.indices[bad])}; remove or impute NaN and infinite "
                    "values first" + _sklearn_nonfinite(name, X.data[bad]))
        return
    bad = kernels._first_nonfinite(X)
    if bad >= 0:
        row, col = divmod(int(bad), X.shape[1])
        if (source is not None and source is not X and source.dtype.kind == "f"
                and np.isfinite(source[row, col])):
            # e.g. a long double beyond the float64 range
            raise ValueError(
                f"{name} contains {source[row, col]!r} at row {row}, column "
                f"{col}, which is too large for float64; rescale the features")
        hint = ("remove or impute NaN and infinite values first" if name == "X"
                else f"{name} must contain only finite values")
        raise ValueError(
            f"{name} contains {float(X[row, col])!r} at row {row}, column {col}; "
            f"{hint}" + _sklearn_nonfinite(name, X[row, col]))


def _sklearn_nonfinite(name, values):
    """scikit-learn's phrase for non-finite input (``values`` holds at
    least one NaN or infinity), in parentheses: code and tests written for
    scikit-learn match on it."""
    if np.isnan(np.asarray(values, dtype=np.float64)).any():
        return f" (Input {name} contains NaN)"
    return f" (Input {name} contains infinity or a value too large)"


def check_X(X, *, name="X", accept_sparse=False, defer_finite=False):
    """Return ``X`` as a finite, C-contiguous float32/float64 2-D array, or
    (with ``accept_sparse``) as a CSR matrix from ``check_sparse``.

    A C-contiguous float32 or float64 ndarray is returned as is: no copy.

    ``defer_finite=True`` skips the scan for NaN and infinity over a float
    array the caller passed as is (converted arrays are always scanned).
    Only the prediction paths use it: their kernel counts the rows with a
    non-finite score, which a NaN or an infinity in X always produces, and
    calls ``check_finite`` for the exact error when that count is not 0.
    The check is moved into the pass that reads X anyway, never skipped.
    """
    if _is_sparse(X):
        if accept_sparse:
            return check_sparse(X, name=name, defer_finite=defer_finite)
        raise TypeError(
            f"{name} is a scipy.sparse matrix, which is not accepted here; "
            f"pass {name}.toarray()")
    if isinstance(X, np.ma.MaskedArray) and np.ma.is_masked(X):
        raise ValueError(
            f"{name} is a masked array with masked entries; fill them "
            f"({name}.filled(value)) or drop those rows first")
    if isinstance(X, (np.matrix, np.ma.MaskedArray)):
        X = np.asarray(X)   # a plain ndarray view, no copy
    source = X
    if isinstance(X, np.ndarray) and X.dtype in _FLOAT_TYPES:
        arr = X
    else:
        try:
            arr = np.asarray(X)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{name} could not be read as a 2-D numeric array ({exc}); "
                "pass a list of equal-length rows or a numpy array") from None
        source = arr
        kind = arr.dtype.kind
        if kind == "O":
            _check_object_entries(arr, name)
            try:
                arr = arr.astype(np.float64, order="C")
            except OverflowError:
                raise ValueError(
                    f"{name} contains an integer too large for float64; "
                    "rescale the features") from None
            except (ValueError, TypeError) as exc:
                raise TypeError(
                    f"{name} has dtype object with non-numeric entries ({exc}); "
                    f"convert {name} to a numeric array first") from None
        elif kind in "US":
            raise TypeError(
                f"{name} contains strings (dtype {arr.dtype}); "
                "logistic regression needs numeric features: encode them first")
        elif kind == "c":
            raise ValueError(f"Complex data not supported: {name} has dtype "
                             f"{arr.dtype}; pass real-valued features")
        elif kind not in "biuf":
            raise TypeError(f"{name} has unsupported dtype {arr.dtype}; "
                            "pass a numeric array")
        # order="C": a converted Fortran-ordered or strided array is copied
        # once, straight into the row-major layout the engine reads.
        elif arr.dtype.kind == "f" and arr.dtype.itemsize == 4:
            # big-endian float32 (a native one was a list: already C order)
            arr = arr.astype(np.float32, order="C", copy=False)
        elif arr.dtype not in _FLOAT_TYPES:
            with np.errstate(over="ignore"):   # reported below, with position
                arr = arr.astype(np.float64, order="C")
    if arr.ndim != 2:
        hint = (f" reshape with {name}.reshape(-1, 1) for a single feature"
                f" or {name}.reshape(1, -1) for a single sample;"
                if arr.ndim == 1 else "")
        raise ValueError(f"Reshape your data: {name} must be 2-D (n_samples, "
                         "n_features), got "
                         f"{arr.ndim}-D with shape {arr.shape};{hint}".rstrip(";"))
    n, d = arr.shape
    if n == 0:
        raise ValueError(f"{name} has 0 samples (shape {arr.shape}); "
                         "at least one is required")
    if d == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a "
                         "minimum of 1 is required; "
                         "at least one is required")
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if not (defer_finite and arr is X):
        check_finite(arr, name=name, source=source)
    return arr


def _check_labels(y, n_samples):
    """``y`` as a 1-D ndarray of ``n_samples`` usable labels: no missing,
    non-finite or complex values, no silent mixing of strings and numbers."""
    if _is_sparse(y):
        raise TypeError("y must be a 1-D array of labels, not a sparse matrix")
    if y is None:
        raise ValueError("LogisticRegression requires y to be passed, but the "
                         "target y is None")
    raw = y
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected; "
                      "it was raveled to shape (n_samples,): pass y.ravel() to "
                      "silence this warning", data_conversion_warning(),
                      stacklevel=5)     # past check_y, fit and its wrapper
        y = y.ravel()
        raw = raw if isinstance(raw, np.ndarray) else y
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}; multi-output "
                         "targets are not supported")
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]}; "
                         "they must have the same length (Found input "
                         "variables with inconsistent numbers of samples: "
                         f"[{n_samples}, {y.shape[0]}])")
    if y.dtype.kind == "c":
        raise TypeError("y is complex; labels must be real numbers or strings")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity; every sample needs a "
                         "finite label" + _sklearn_nonfinite("y", y))
    if y.dtype.kind == "f" and (y != np.round(y)).any():
        raise ValueError(
            "Unknown label type: continuous. y holds non-integer floats, which "
            "looks like a regression target; a classifier needs class labels "
            "(integers, integer-valued floats, strings, ...)")
    if y.dtype.kind in "mM" and np.isnat(y).any():
        raise ValueError("y contains NaT; every sample needs a label")
    if y.dtype.kind in "US" and not isinstance(raw, np.ndarray):
        # numpy turns [1, "a"] into ["1", "a"] (and [1, b"a"] into
        # [b"1", b"a"]): refuse the silent conversion.
        text = str if y.dtype.kind == "U" else bytes
        if any(not isinstance(v, text) for v in raw):
            raise TypeError("y mixes strings with other types; use labels of "
                            "one type")
    if y.dtype.kind == "O":
        missing = next((v for v in y if _is_missing(v)), False)
        if missing is not False:
            raise ValueError(f"y contains {'None' if missing is None else missing}"
                             "; every sample needs a label")
        bad = next((v for v in y if isinstance(v, numbers.Real)
                    and not isinstance(v, numbers.Integral)
                    and not math.isfinite(v)), None)
        if bad is not None:
            raise ValueError("y contains NaN or infinity; every sample needs a "
                             "finite label" + _sklearn_nonfinite("y", bad))
        types = {type(v) for v in y}
        if len(types) > 1 and not all(issubclass(t, numbers.Real) for t in types):
            raise TypeError(f"y mixes label types {sorted(t.__name__ for t in types)}; "
                            "use labels of one type")
    return y


# Labels are encoded in chunks of this many: np.unique(y, return_inverse=True)
# holds about five index arrays of n_samples int64 at once, which for a long,
# narrow X is a sizeable fraction of X itself.
_LABEL_CHUNK = 1 << 16


def _sorted_unique(y):
    """``(classes, codes)``: the sorted distinct labels of the 1-D array y
    and the int32 position of each label among them, as
    ``np.unique(y, return_inverse=True)`` gives them, but in 4 bytes per
    label plus chunk-sized temporaries."""
    n = y.shape[0]
    if y.dtype.kind in "iu" and n > 0:
        found = _integer_codes(y)
        if found is not None:
            return found
    try:
        if n <= _LABEL_CHUNK:
            classes, codes = np.unique(y, return_inverse=True)
            return classes, codes.reshape(-1).astype(np.int32)
        classes = np.unique(np.concatenate(
            [np.unique(y[i:i + _LABEL_CHUNK]) for i in range(0, n, _LABEL_CHUNK)]))
        codes = np.empty(n, dtype=np.int32)
        for i in range(0, n, _LABEL_CHUNK):
            # every label is in classes, so the left insertion point is it
            codes[i:i + _LABEL_CHUNK] = np.searchsorted(classes,
                                                        y[i:i + _LABEL_CHUNK])
        return classes, codes
    except TypeError as exc:
        raise TypeError(f"y labels cannot be sorted ({exc}); use labels of "
                        "one comparable type") from None


def _integer_codes(y):
    """``_sorted_unique`` of integer labels spanning fewer values than
    max(65536, len(y)) (the usual 0..k-1 or -1/1), by counting: a table of
    one entry per value in the span instead of hashing and binary search
    (200k labels: about 5 times faster).  None for a wider span."""
    lo, hi = int(y.min()), int(y.max())
    span = hi - lo + 1
    if span > max(_LABEL_CHUNK, y.shape[0]) or hi > np.iinfo(np.int64).max:
        return None
    offset = np.int64(lo)
    present = np.zeros(span, dtype=bool)
    chunks = [slice(i, i + _LABEL_CHUNK) for i in range(0, y.shape[0], _LABEL_CHUNK)]
    for c in chunks:
        present[y[c].astype(np.int64) - offset] = True
    values = np.flatnonzero(present)
    table = np.zeros(span, dtype=np.int32)
    table[values] = np.arange(values.shape[0], dtype=np.int32)
    codes = np.empty(y.shape[0], dtype=np.int32)
    for c in chunks:
        codes[c] = table[y[c].astype(np.int64) - offset]
    return (values + offset).astype(y.dtype), codes


def check_y(y, n_samples):
    """Return ``(classes, y_index)``: sorted unique labels and int32 codes."""
    classes, y_index = _sorted_unique(_check_labels(y, n_samples))
    if classes.shape[0] == 0:
        raise ValueError("y has no labels (0 classes); logistic regression needs "
                         "samples of at least two classes")
    if classes.shape[0] < 2:
        raise ValueError(
            f"y has 1 class ({_plain(classes[0])!r}); logistic regression needs "
            "samples of at least two classes (This solver needs samples of at "
            "least 2 classes in the data, but the data contains only one "
            f"class: {_plain(classes[0])!r})")
    return classes, y_index


def encode_labels(y, classes, n_samples):
    """Return the int32 codes of ``y`` in ``classes`` (sorted, as from
    ``check_y``): the labels of one ``partial_fit`` call.

    ``y`` is validated as in ``check_y`` (it may hold a single class); a
    label that is not in ``classes`` is a ValueError naming it.  Labels are
    matched by Python equality, so ``1``, ``1.0`` and ``True`` are the same
    class, and ``"1"`` is not ``1``.
    """
    labels, inverse = _sorted_unique(_check_labels(y, n_samples))
    index = {}
    for i, c in enumerate(classes):
        index.setdefault(_plain(c), i)
    codes = np.empty(labels.shape[0], dtype=np.int32)
    for j, label in enumerate(labels):
        try:
            code = index.get(_plain(label))
        except TypeError:   # an unhashable label cannot be one of classes
            code = None
        if code is None:
            raise ValueError(f"y contains {_plain(label)!r}, which is not one of "
                             f"the classes {classes.tolist()}")
        codes[j] = code
    return codes[inverse]


def feature_names(X):
    """String column names of a DataFrame-like X, as an object array, or
    None.  Mixed string and non-string names are an error, as in
    scikit-learn; all-non-string names (a default RangeIndex) mean None."""
    columns = getattr(X, "columns", None)
    if columns is None or _is_sparse(X):
        return None
    names = list(columns)
    kinds = {isinstance(name, str) for name in names}
    if kinds == {True}:
        return np.array(names, dtype=object)
    if kinds == {True, False}:
        raise TypeError("X has column names of mixed types (some strings, some "
                        "not); use string names for every column, or none")
    return None


def _some_names(names, limit=5):
    """The first ``limit`` of ``names`` as a list repr, followed by how many
    more there are: an error message names a few, never a million."""
    names = list(names)
    shown = repr([str(n) for n in names[:limit]])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def check_feature_names(fitted, X, stacklevel=4):
    """Compare X's column names with ``fitted``, the names a model was
    fitted with (its ``feature_names_in_``, or None): a mismatch is a
    ValueError; names on one side only, a UserWarning.

    Linear in the number of names: one elementwise comparison, then (only
    on a mismatch) one set per side, built once.  ``stacklevel``: the
    warning's, pointing at the user's call (4 for partial_fit's wrapper ->
    its body -> here; predictions pass 5: their Dask wrapper -> the method
    -> _check_predict_input -> here).
    """
    given = feature_names(X)
    if fitted is None and given is None:
        return
    if fitted is None:
        warnings.warn("X has feature names, but LogisticRegression was fitted "
                      "without feature names", UserWarning, stacklevel=stacklevel)
        return
    if given is None:
        warnings.warn("X does not have valid feature names, but "
                      "LogisticRegression was fitted with feature names",
                      UserWarning, stacklevel=stacklevel)
        return
    if given.shape == fitted.shape and not (given != fitted).any():
        return
    fitted_set, given_set = set(fitted), set(given)
    unseen = [n for n in given if n not in fitted_set]
    missing = [n for n in fitted if n not in given_set]
    detail = []
    if unseen:
        detail.append(f"names unseen at fit time: {_some_names(unseen)}")
    if missing:
        detail.append(f"names seen at fit time, now missing: {_some_names(missing)}")
    if not detail and given.shape != fitted.shape:
        # the same set of names, so one side repeats a name
        detail.append(f"the same names, but X has {given.shape[0]} columns and "
                      f"fit had {fitted.shape[0]}: a name is repeated")
    elif not detail:
        j = int(np.flatnonzero(given != fitted)[0])
        detail.append(f"the same names in a different order (column {j} is "
                      f"{str(given[j])!r}, at fit time {str(fitted[j])!r})")
    raise ValueError("The feature names should match those that were passed "
                     "during fit; " + "; ".join(detail))


def as_row_matrix(X):
    """The engine's view of a validated X (dense ndarray or CSR matrix)."""
    if _is_sparse(X):
        return kernels.RowMatrix.csr(X.data, X.indices, X.indptr, X.shape[1])
    return kernels.RowMatrix(X)


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def check_sample_weight(sample_weight, n_samples):
    """Return None or a float64 array of ``n_samples`` finite weights >= 0."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sw = np.full(n_samples, float(sample_weight))
    else:
        if _is_sparse(sample_weight):
            raise TypeError("sample_weight must be a 1-D array, not a sparse "
                            "matrix")
        try:
            sw = np.asarray(sample_weight)
        except (ValueError, TypeError):
            raise TypeError("sample_weight must be a 1-D numeric array") from None
        kind = sw.dtype.kind
        if kind == "c":
            raise TypeError(f"sample_weight is complex (dtype {sw.dtype}); "
                            "weights must be real numbers")
        if kind == "O":
            if any(isinstance(v, (str, bytes)) for v in sw.flat):
                raise TypeError("sample_weight contains strings; weights must "
                                "be numbers")
            try:
                sw = sw.astype(np.float64)
            except (ValueError, TypeError, OverflowError):
                raise TypeError("sample_weight must be numeric") from None
        elif kind not in "biuf":
            raise TypeError(f"sample_weight must be numeric, got dtype {sw.dtype}")
        if sw.ndim != 1:
            raise ValueError(f"sample_weight must be 1-D, got shape {sw.shape}")
        if sw.shape[0] != n_samples:
            raise ValueError(f"sample_weight has {sw.shape[0]} entries but X has "
                             f"{n_samples} samples")
        sw = np.ascontiguousarray(sw, dtype=np.float64)
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity"
                         + _sklearn_nonfinite("sample_weight", sw))
    if (sw < 0).any():
        raise ValueError("sample_weight contains negative values; weights must "
                         "be >= 0")
    with np.errstate(over="ignore"):
        total = sw.sum()
    if not total > 0:
        raise ValueError("sample_weight sums to zero; at least one sample needs "
                         "a positive weight")
    if not math.isfinite(total):
        raise ValueError("sample_weight sums to infinity (float64 overflow); "
                         "rescale the weights")
    if total < np.finfo(np.float64).tiny:
        # The solvers average by 1 / sum, which would overflow to infinity.
        raise ValueError(f"sample_weight sums to {float(total):.3g}, below the "
                         "smallest normal float64 (2.2e-308); rescale the "
                         "weights")
    return sw


# Every integer hyper-parameter (max_iter, batch_size, n_threads, verbose)
# reaches the engine as a C int; a larger one would raise OverflowError
# there (model files enforce the same bound, see _io._C_INT_MAX).
_C_INT_MAX = 2**31 - 1


def check_scalar(value, name, *, kind=numbers.Real, low=None, high=None,
                 low_inclusive=True, allow_inf=False):
    """Validate one hyper-parameter; return it unchanged.  Integers
    (``kind=numbers.Integral``) are at most 2**31 - 1 unless ``high`` says
    otherwise."""
    if kind is numbers.Integral and high is None:
        high = _C_INT_MAX
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = "an integer" if kind is numbers.Integral else "a real number"
        raise TypeError(f"{name} must be {expected}, got {value!r} "
                        f"({type(value).__name__})")
    if value != value:
        raise ValueError(f"{name} must not be NaN")
    if not allow_inf and value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value
