"""Type stubs of the compiled ``clogreg.kernels`` (src/kernels.pyx).

The Python-visible part of the engine: two public queries
(``openmp_enabled``, ``max_threads``) and the thin ``_``-prefixed
wrappers that clogreg's Python layer and its tests call, which write into
preallocated outputs.  The Cython API for ``cimport`` is ``kernels.pxd``.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray

from clogreg._rowmatrix import RowMatrix as RowMatrix

_Float = NDArray[np.float32] | NDArray[np.float64]
_F64 = NDArray[np.float64]

# ``cdef api`` functions, as capsules, for other extensions.
__pyx_capi__: dict[str, Any]

def openmp_enabled() -> bool: ...
def max_threads() -> int: ...
def _requested_threads() -> int: ...
def _sigmoid(z: _Float, out: _Float) -> None: ...
def _log1pexp(z: _F64, out: _F64) -> None: ...
def _logistic_terms(z: _F64, p: _F64, loss: _F64) -> None: ...
def _softmax(Z: _Float, out: _Float) -> None: ...
def _first_nonfinite(a: _Float) -> int: ...
def _column_moments(
    X: RowMatrix, sample_weight: _F64 | None, mean: _F64, std: _F64
) -> tuple[float, float]: ...
def _loss_gradient(
    X: RowMatrix,
    y: NDArray[np.int32],
    sample_weight: _F64 | None,
    coef: _F64,
    intercept: _F64 | None,
    grad_coef: _F64,
    grad_intercept: _F64 | None,
    n_threads: int = 1,
    proba: _F64 | None = None,
) -> float: ...
def _hessian_product(
    X: RowMatrix,
    sample_weight: _F64 | None,
    proba: _F64,
    v_coef: _F64,
    v_intercept: _F64 | None,
    out_coef: _F64,
    out_intercept: _F64 | None,
    n_threads: int = 1,
) -> None: ...
def _predict_into(
    mode: int,
    X: RowMatrix,
    coef: _F64,
    intercept: _F64 | None,
    out: _F64 | None,
    out_class: NDArray[np.intp] | None,
    n_threads: int = 1,
) -> int: ...
