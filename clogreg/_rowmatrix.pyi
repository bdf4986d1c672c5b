"""Type stubs of the compiled ``clogreg._rowmatrix`` (src/_rowmatrix.pyx).

Internal: the read-only view of a dense or CSR matrix that the Python
layer hands to the kernels.  Its Cython-level fields are in
``_rowmatrix.pxd``; this file describes what Python sees.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

@disjoint_base  # a Cython extension type: its C layout is fixed
class RowMatrix:
    """Read-only view of a C-contiguous float32/float64 2-D array, or of
    CSR arrays (``RowMatrix.csr``); no data is copied."""

    @property
    def dtype(self) -> np.dtype[Any]: ...
    @property
    def is_sparse(self) -> bool: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    def __init__(self, X: NDArray[np.float32] | NDArray[np.float64]) -> None: ...
    @staticmethod
    def csr(
        data: NDArray[np.float32] | NDArray[np.float64],
        indices: NDArray[np.int32] | NDArray[np.int64],
        indptr: NDArray[np.int32] | NDArray[np.int64],
        n_cols: int,
    ) -> RowMatrix: ...
