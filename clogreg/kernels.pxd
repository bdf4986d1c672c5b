# cython: language_level=3
"""Public Cython API of clogreg's numerical kernels.

Other extensions may ``from clogreg.kernels cimport ...`` everything
declared here.  Every function is ``noexcept nogil`` and works on raw
pointers plus lengths (or on the plain C struct ``Matrix``), so it can be
called from C-level code without the GIL and without depending on Cython's
memoryview layout.

Conventions shared by the array kernels
---------------------------------------
* A data matrix is read one row at a time.  It is either dense row-major
  (C-contiguous) with ``n_cols`` values per row, or CSR (the ``data``,
  ``indices``, ``indptr`` triplet of scipy.sparse.csr_matrix, with int32 or
  int64 indices).  Values are float32 or float64; all arithmetic is carried
  out and accumulated in float64.
* ``n_classes`` is the number of score columns: 1 for a binary model (the
  score is the log-odds of the second class), K >= 3 for a multinomial
  (softmax) model.
* ``coef`` is row-major ``(n_classes, n_cols)`` float64; ``intercept`` holds
  ``n_classes`` float64 values, or is NULL for a model without intercept.
* ``y`` holds class indices: 0/1 for a binary model, 0..K-1 otherwise.
* ``sample_weight`` is NULL (all ones) or one non-negative value per row.
* ``rows`` is NULL (use rows ``0 .. n_rows-1``) or ``n_rows`` row indices;
  this is how mini-batches are read without copying them.
* ``n_threads`` is an upper bound: a kernel uses at most as many threads
  as the processors the process may run on and the blocks of work, and
  one in a process made by fork() (OpenMP's threads do not survive it).
  The result never depends on it.

Stability
---------
Stable API from version 0.1 on: ``Matrix``, ``sigmoid``, ``log1pexp``,
``softmax_row``, ``loss_gradient``, ``hessian_product``,
``loss_gradient_dense``, ``predict_rows``, ``decision_function_dense``,
``predict_proba_dense`` and ``predict_class_dense``.  This file declares
no extension type, on purpose: a module that cimports a .pxd checks the
size of every extension type declared there when it is imported, so an
internal type here (clogreg's ``RowMatrix``, now in the private
``clogreg/_rowmatrix.pxd``) would tie every downstream build to its
layout.  Plain C extensions get the same kernels
under per-dtype names from ``clogreg.capi`` (``clogreg/capi.pxd``, header
``clogreg/capi_api.h``).  A module that cimports from here imports
``clogreg.kernels`` when it is itself imported.
"""

from cython cimport floating


cdef struct Matrix:
    Py_ssize_t n_rows
    Py_ssize_t n_cols
    const void* data        # dense: n_rows * n_cols values; CSR: the nonzeros
    const void* indices     # CSR column indices; NULL for a dense matrix
    const void* indptr      # CSR row pointers (n_rows + 1 entries); NULL if dense
    int float_bytes         # 4 (float32) or 8 (float64)
    int index_bytes         # 4 (int32) or 8 (int64); CSR only


# ---------------------------------------------------------------- scalars
cdef double sigmoid(double z) noexcept nogil
cdef double log1pexp(double z) noexcept nogil
# softmax_row returns log(sum(exp(scores))); ``out`` may alias ``scores``.
cdef double softmax_row(const floating* scores, floating* out,
                        Py_ssize_t n_classes) noexcept nogil

# ---------------------------------------------------------- training pass
# loss_gradient and loss_gradient_dense return the weighted loss sum, or -1.0
# when their workspace cannot be allocated; hessian_product returns 0, or -1
# when out of memory.
cdef double loss_gradient(
    const Matrix* X, const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows, Py_ssize_t n_rows,
    double* grad_coef, double* grad_intercept, double* proba,
    int n_threads) noexcept nogil

cdef int hessian_product(
    const Matrix* X, const double* sample_weight, const double* proba,
    Py_ssize_t n_classes, const double* v_coef, const double* v_intercept,
    double* out_coef, double* out_intercept, int n_threads) noexcept nogil

cdef double loss_gradient_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows,
    double* grad_coef, double* grad_intercept,
    int n_threads) noexcept nogil

# -------------------------------------------------------------- prediction
# Each returns 0, or -1 when a small scratch buffer could not be allocated.
cdef int predict_rows(
    const Matrix* X, int mode, const double* coef, const double* intercept,
    Py_ssize_t n_classes, double* out, Py_ssize_t* out_class,
    int n_threads) noexcept nogil

cdef int decision_function_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    double* out, int n_threads) noexcept nogil

cdef int predict_proba_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    double* out, int n_threads) noexcept nogil

cdef int predict_class_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    Py_ssize_t* out, int n_threads) noexcept nogil

# ------------------------------------------ internal: not part of the API
# For clogreg's own solvers; may change in any version.  As loss_gradient
# and hessian_product, with the same bits, but checking for Ctrl-C during a
# large pass: they return -2.0 / -2 when a signal handler raised, leaving
# its exception set (for the Python-level caller to raise).  _interrupted
# runs the signal handlers (1 if one raised; main thread only, else 0).
cdef double _loss_gradient_checked(
    const Matrix* X, const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows, Py_ssize_t n_rows,
    double* grad_coef, double* grad_intercept, double* proba,
    int n_threads) noexcept nogil

cdef int _hessian_product_checked(
    const Matrix* X, const double* sample_weight, const double* proba,
    Py_ssize_t n_classes, const double* v_coef, const double* v_intercept,
    double* out_coef, double* out_intercept, int n_threads) noexcept nogil

cdef int _interrupted() noexcept nogil
