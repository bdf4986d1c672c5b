"""Vectorised ``sigmoid`` and ``softmax`` on the engine's stable kernels."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import kernels


def _as_float_array(a, name):
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    dtype = (np.float32 if arr.dtype.kind == "f" and arr.dtype.itemsize == 4
             else np.float64)
    return np.asarray(arr, dtype=dtype, order="C")


def sigmoid(z: ArrayLike) -> NDArray[np.floating[Any]] | np.floating[Any]:
    """Logistic function ``1 / (1 + exp(-z))``, elementwise.

    Never overflows and never warns: every finite input, up to +-1e308,
    gives a result in [0, 1]; +-inf give 1 and 0.  float32 input gives
    float32 output, anything else float64.

    Parameters
    ----------
    z : array-like or scalar

    Returns
    -------
    ndarray of the shape of ``z`` (a numpy scalar for scalar input)

    Raises
    ------
    ValueError
        If ``z`` contains NaN.

    Examples
    --------
    >>> import clogreg
    >>> clogreg.sigmoid([-1e308, 0.0, 1e308]).tolist()
    [0.0, 0.5, 1.0]
    """
    arr = _as_float_array(z, "z")
    if np.isnan(arr).any():
        raise ValueError("z contains NaN; sigmoid is defined for numbers and +-inf")
    flat = arr.reshape(-1)
    out = np.empty_like(flat)
    kernels._sigmoid(flat, out)
    out = out.reshape(arr.shape)
    return out[()] if out.ndim == 0 else out


def softmax(Z: ArrayLike, axis: int = -1) -> NDArray[np.floating[Any]]:
    """Softmax along ``axis``: ``exp(Z) / sum(exp(Z))``, by log-sum-exp.

    Subtracting each slice's maximum first means nothing overflows for any
    finite input, up to +-1e308, and each slice sums to 1.

    Parameters
    ----------
    Z : array-like, at least 1-D
    axis : int, default=-1

    Returns
    -------
    ndarray of the shape of ``Z``; float32 for float32 input, else float64

    Raises
    ------
    ValueError
        If ``Z`` is 0-D or contains NaN or infinity.

    Examples
    --------
    The softmax tutorial's example:

    >>> import clogreg
    >>> clogreg.softmax([8, 5, 2]).round(8).tolist()
    [0.95033021, 0.04731416, 0.00235563]
    """
    arr = _as_float_array(Z, "Z")
    if arr.ndim == 0:
        raise ValueError("softmax needs at least a 1-D array")
    if not np.isfinite(arr).all():
        raise ValueError("Z contains NaN or infinity; softmax needs finite scores")
    moved = np.ascontiguousarray(np.moveaxis(arr, axis, -1))
    rows = moved.reshape(-1, moved.shape[-1]) if moved.size else moved.reshape(0, 0)
    out = np.empty_like(rows)
    if rows.size:
        kernels._softmax(rows, out)
    return np.moveaxis(out.reshape(moved.shape), -1, axis)
