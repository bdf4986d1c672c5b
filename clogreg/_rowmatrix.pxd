# cython: language_level=3
"""Internal: the matrix view the Python layer hands to the engine.

Not part of clogreg's stable Cython API (that is ``clogreg/kernels.pxd``):
``RowMatrix``'s fields may change in any release.  It lives in its own
module, away from ``kernels.pxd``, because every module that cimports a
.pxd imports and size-checks each extension type the .pxd declares: a
field added to an internal type there would break the import of every
downstream extension ("size changed", an error under ``-W error``).

Only ``clogreg.kernels`` and ``clogreg.solvers`` cimport this file.  It
cimports the struct ``Matrix`` from ``clogreg.kernels``, which costs no
run-time import (a struct has no Python-level existence), so
``clogreg._rowmatrix`` does not depend on ``clogreg.kernels`` at run time
while ``clogreg.kernels`` imports it.
"""

from clogreg.kernels cimport Matrix


cdef class RowMatrix:
    """A dense or CSR matrix seen through ``Matrix``; keeps its arrays alive."""
    cdef Matrix M
    cdef readonly object dtype
    cdef readonly bint is_sparse
    cdef object _refs


cdef inline void _dense_matrix(Matrix* M, const void* X, int float_bytes,
                               Py_ssize_t n, Py_ssize_t d) noexcept nogil:
    """``M`` = the dense row-major matrix of ``n`` rows of ``d`` values at
    ``X`` (``float_bytes`` 4 or 8)."""
    M.n_rows = n
    M.n_cols = d
    M.data = X
    M.indices = NULL
    M.indptr = NULL
    M.float_bytes = float_bytes
    M.index_bytes = 0
