# cython: language_level=3
"""C API of clogreg: the kernels of ``clogreg.kernels`` for plain-C extensions.

Design
------
* Cython's ``cdef api`` machinery.  Every function below is exported from
  the ``clogreg.capi`` module as a capsule in ``__pyx_capi__``; Cython
  writes a header, ``capi_api.h``, that setup.py installs as
  ``clogreg/capi_api.h`` (``clogreg.get_include()`` is the directory to
  add to the include path).  A C extension includes it after ``Python.h``
  and calls ``import_clogreg__capi()`` once in its module init function;
  that imports ``clogreg.capi``, fills in the function pointers, and checks
  each function's C signature against the one the header was generated
  for.  The extension then calls the functions by name, without the GIL.
* Explicit names per dtype.  C has no fused types, so each kernel that
  reads ``X`` exists as ``*_f64`` (double) and ``*_f32`` (float); the two
  are the two specialisations of one fused Cython kernel.
* Thin wrappers only.  Each function calls the corresponding kernel of
  ``clogreg/kernels.pxd`` and nothing else, so the C API has exactly the
  numerics (and the documentation) of the Cython API.  This module must
  never hold state or need the GIL.

Stable API
----------
Every ``clogreg_*`` function below is stable from clogreg 0.1 on: its name,
signature and meaning will not change; new functions may be added, and
``clogreg_capi_version()`` then increases.
"""

from clogreg.kernels cimport (
    log1pexp,
    loss_gradient_dense,
    predict_proba_dense,
    sigmoid,
    softmax_row,
)

cdef enum:
    # Incremented whenever a function is added to this module.
    CAPI_VERSION = 1


cdef api int clogreg_capi_version() noexcept nogil:
    """Version of this C API: 1 in clogreg 0.1."""
    return CAPI_VERSION


# ------------------------------------------------------------------ scalars

cdef api double clogreg_sigmoid(double z) noexcept nogil:
    """1 / (1 + exp(-z)); never overflows (see kernels.sigmoid)."""
    return sigmoid(z)


cdef api double clogreg_log1pexp(double z) noexcept nogil:
    """log(1 + exp(z)) to full precision for every finite z."""
    return log1pexp(z)


cdef api double clogreg_softmax_row_f64(const double* scores, double* out,
                                        Py_ssize_t n_classes) noexcept nogil:
    """out = softmax(scores[0:n_classes]); returns log(sum(exp(scores))).
    ``out`` may alias ``scores``."""
    return softmax_row(scores, out, n_classes)


cdef api double clogreg_softmax_row_f32(const float* scores, float* out,
                                        Py_ssize_t n_classes) noexcept nogil:
    """float32 ``clogreg_softmax_row_f64`` (exponentials summed in double)."""
    return softmax_row(scores, out, n_classes)


# ---------------------------------------------------------- training pass

cdef api double clogreg_loss_grad_f64(
        const double* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows,
        double* grad_coef, double* grad_intercept,
        int n_threads) noexcept nogil:
    """Weighted log-loss sum of a dense row-major X, and its gradient.

    ``kernels.loss_gradient_dense`` on float64 X: returns the loss sum and
    writes the gradient with respect to ``coef`` (n_classes * n_features)
    and ``intercept`` (n_classes) into ``grad_coef``/``grad_intercept``.
    ``sample_weight``, ``intercept`` (then ``grad_intercept`` is unused) and
    ``rows`` may be NULL.  Returns -1.0 if its workspace could not be
    allocated.
    """
    return loss_gradient_dense(X, n_samples, n_features, y, sample_weight,
                               coef, intercept, n_classes, rows, grad_coef,
                               grad_intercept, n_threads)


cdef api double clogreg_loss_grad_f32(
        const float* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows,
        double* grad_coef, double* grad_intercept,
        int n_threads) noexcept nogil:
    """``clogreg_loss_grad_f64`` on float32 X (accumulated in double)."""
    return loss_gradient_dense(X, n_samples, n_features, y, sample_weight,
                               coef, intercept, n_classes, rows, grad_coef,
                               grad_intercept, n_threads)


# -------------------------------------------------------------- prediction

cdef api int clogreg_predict_proba_f64(
        const double* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        double* out, int n_threads) noexcept nogil:
    """Class probabilities of each row of a dense row-major X into ``out``:
    (n_samples, 2) for a binary model (n_classes == 1), else (n_samples,
    n_classes).  Returns 0, or -1 when out of memory."""
    return predict_proba_dense(X, n_samples, n_features, coef, intercept,
                               n_classes, out, n_threads)


cdef api int clogreg_predict_proba_f32(
        const float* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        double* out, int n_threads) noexcept nogil:
    """``clogreg_predict_proba_f64`` on float32 X (the output is double)."""
    return predict_proba_dense(X, n_samples, n_features, coef, intercept,
                               n_classes, out, n_threads)
