# cython: language_level=3
"""Public Cython API of clogreg's numerical kernels.

Other extensions may ``from clogreg.kernels cimport ...`` everything
declared here.  Every function is ``noexcept nogil`` and works on raw
pointers plus lengths, so it can be called from C-level code without the
GIL and without depending on Cython's memoryview layout.

Conventions shared by the array kernels
---------------------------------------
* ``X`` is a row-major (C-contiguous) matrix of ``n_samples`` rows and
  ``n_features`` columns, of type float32 or float64 (the fused type
  ``floating``).  All arithmetic is carried out and accumulated in float64.
* ``n_classes`` is the number of score columns: 1 for a binary model (the
  score is the log-odds of the second class), K >= 3 for a multinomial
  (softmax) model.
* ``coef`` is row-major ``(n_classes, n_features)`` float64;
  ``intercept`` holds ``n_classes`` float64 values, or is NULL for a model
  without intercept.
* ``y`` holds class indices: 0/1 for a binary model, 0..K-1 otherwise.
* ``sample_weight`` is NULL (all ones) or ``n_samples`` non-negative values.
* ``rows`` is NULL (use rows ``0 .. n_samples-1``) or an array of
  ``n_samples`` row indices into ``X``, ``y`` and ``sample_weight``; this is
  how mini-batches are read without copying them.

Stability: everything in this file is stable API from version 0.1 on.
"""

from cython cimport floating


# ---------------------------------------------------------------- scalars
cdef double sigmoid(double z) noexcept nogil
cdef double log1pexp(double z) noexcept nogil
cdef double softmax_row(const floating* scores, floating* out,
                        Py_ssize_t n_classes) noexcept nogil

# ---------------------------------------------------------- training pass
cdef Py_ssize_t n_blocks_for(Py_ssize_t n_samples, Py_ssize_t n_features,
                             Py_ssize_t n_classes) noexcept nogil

cdef double loss_gradient_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows,
    double* grad_coef, double* grad_intercept,
    int n_threads) noexcept nogil

# -------------------------------------------------------------- prediction
# Each returns 0, or -1 when a small scratch buffer could not be allocated.
cdef int decision_function_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    floating* out, int n_threads) noexcept nogil

cdef int predict_proba_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    floating* out, int n_threads) noexcept nogil

cdef int predict_class_dense(
    const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    Py_ssize_t* out, int n_threads) noexcept nogil
