# cython: language_level=3, cdivision=True, initializedcheck=False
# boundscheck and wraparound are set by setup.py (see kernels.pyx).
"""RowMatrix: the read-only view of a dense or CSR matrix that the Python
layer hands to the kernels (internal; see clogreg/_rowmatrix.pxd).

Design
------
* No copy.  A dense C-contiguous float32/float64 array or the three CSR
  arrays are wrapped as they are; the view keeps them alive.
* The kernels index with the CSR arrays unchecked, so ``RowMatrix.csr``
  validates the structure first (``_check_csr``, without the GIL).
* What this module must never do: accept a structure the kernels would
  read out of bounds, or import ``clogreg.kernels`` (which imports it).
"""

from cpython.buffer cimport (PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBuffer_Release,
                             PyObject_GetBuffer)
from libc.stdint cimport int64_t


ctypedef fused index_t:
    int
    int64_t


cdef int _check_csr(const index_t* indices, const index_t* indptr,
                    Py_ssize_t n_rows, Py_ssize_t n_cols,
                    Py_ssize_t nnz) noexcept nogil:
    """0 if the CSR structure is valid, else a code for the first defect.
    The kernels index with these arrays unchecked, so this runs first."""
    cdef Py_ssize_t i, j
    if indptr[0] != 0 or indptr[n_rows] != nnz:
        return 1
    for i in range(n_rows):
        if indptr[i + 1] < indptr[i]:
            return 2
    for j in range(nnz):
        if indices[j] < 0 or indices[j] >= n_cols:
            return 3
    return 0


cdef class RowMatrix:
    """Read-only view of a dense or CSR matrix for the kernels.

    ``RowMatrix(X)`` wraps a C-contiguous float32/float64 2-D array;
    ``RowMatrix.csr(data, indices, indptr, n_cols)`` wraps CSR arrays (after
    checking that the structure is valid).  No data is copied.
    """

    def __init__(self, X):
        # The raw buffer protocol, not a typed memoryview: this runs on every
        # predict call, and a memoryview costs microseconds to set up.
        cdef Py_buffer view
        cdef int width
        PyObject_GetBuffer(X, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
        try:
            if view.ndim != 2:
                raise TypeError("RowMatrix needs a 2-D array")
            if view.format == NULL or view.format[0] == 0 or (
                    view.format[1] != 0 and not (view.format[0] in b"<=@"
                                                 and view.format[2] == 0)):
                raise TypeError("RowMatrix needs native float32 or float64")
            fmt = view.format[1] if view.format[1] != 0 else view.format[0]
            if fmt == b"d" and view.itemsize == 8:
                width = 8
            elif fmt == b"f" and view.itemsize == 4:
                width = 4
            else:
                raise TypeError("RowMatrix needs float32 or float64 values")
            if view.shape[0] < 1 or view.shape[1] < 1:
                raise ValueError("RowMatrix needs at least one row and one column")
            # The pointer stays valid after the release: self keeps X alive
            # and a numpy array never moves its data.
            _dense_matrix(&self.M, view.buf, width, view.shape[0], view.shape[1])
        finally:
            PyBuffer_Release(&view)
        self.dtype = X.dtype
        self.is_sparse = False
        self._refs = X

    @staticmethod
    def csr(data, indices, indptr, Py_ssize_t n_cols):
        cdef RowMatrix self = RowMatrix.__new__(RowMatrix)
        cdef const double[::1] d64
        cdef const float[::1] d32
        cdef const int[::1] i32
        cdef const int[::1] p32
        cdef const int64_t[::1] i64
        cdef const int64_t[::1] p64
        cdef Py_ssize_t n_rows = indptr.shape[0] - 1
        cdef Py_ssize_t nnz = data.shape[0]
        cdef int bad
        if n_rows < 1 or n_cols < 1:
            raise ValueError("a sparse matrix needs at least one row and column")
        if indices.shape[0] != nnz:
            raise ValueError("CSR indices and data have different lengths")
        self.M.n_rows = n_rows
        self.M.n_cols = n_cols
        if data.dtype.name == "float64":
            d64 = data
            self.M.data = &d64[0] if nnz > 0 else NULL
            self.M.float_bytes = 8
        elif data.dtype.name == "float32":
            d32 = data
            self.M.data = &d32[0] if nnz > 0 else NULL
            self.M.float_bytes = 4
        else:
            raise TypeError(f"sparse data must be float32 or float64, got {data.dtype}")
        if indices.dtype.name == "int32" and indptr.dtype.name == "int32":
            i32 = indices
            p32 = indptr
            with nogil:
                bad = _check_csr(&i32[0] if nnz > 0 else <int*>NULL, &p32[0],
                                 n_rows, n_cols, nnz)
            self.M.indices = &i32[0] if nnz > 0 else <int*>&p32[0]
            self.M.indptr = &p32[0]
            self.M.index_bytes = 4
        elif indices.dtype.name == "int64" and indptr.dtype.name == "int64":
            i64 = indices
            p64 = indptr
            with nogil:
                bad = _check_csr(&i64[0] if nnz > 0 else <int64_t*>NULL, &p64[0],
                                 n_rows, n_cols, nnz)
            self.M.indices = &i64[0] if nnz > 0 else <int64_t*>&p64[0]
            self.M.indptr = &p64[0]
            self.M.index_bytes = 8
        else:
            raise TypeError("CSR indices and indptr must both be int32 or int64")
        if bad:
            raise ValueError(
                "invalid CSR structure: "
                + ("indptr must start at 0 and end at nnz" if bad == 1 else
                   "indptr must be non-decreasing" if bad == 2 else
                   f"column indices must be in [0, {n_cols})"))
        if nnz == 0:
            # Keep a valid (never dereferenced) data pointer for empty data.
            self.M.data = self.M.indptr
        self.dtype = data.dtype
        self.is_sparse = True
        self._refs = (data, indices, indptr)
        return self

    @property
    def shape(self):
        return (self.M.n_rows, self.M.n_cols)
