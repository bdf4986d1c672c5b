# cython: language_level=3
"""C API of clogreg (module ``clogreg.capi``), for plain-C extensions.

These ``cdef api`` functions are the kernels of ``clogreg/kernels.pxd``
under fixed C names, one per dtype.  Cython code should cimport
``clogreg.kernels`` instead; this file exists so that the signatures are
declared in one place, next to the other headers.

C usage: put ``clogreg.get_include()`` on the include path, then

    #include <Python.h>
    #include "clogreg/capi_api.h"

    PyMODINIT_FUNC PyInit_mymodule(void) {
        if (import_clogreg__capi() < 0)   /* sets an exception on failure */
            return NULL;
        ...
    }

after which ``clogreg_sigmoid(z)`` and the others are callable from any
thread, with or without the GIL.  See src/capi.pyx for each function's
contract.  Everything here is stable API from clogreg 0.1 on.
"""

cdef api int clogreg_capi_version() noexcept nogil

cdef api double clogreg_sigmoid(double z) noexcept nogil
cdef api double clogreg_log1pexp(double z) noexcept nogil
cdef api double clogreg_softmax_row_f64(const double* scores, double* out,
                                        Py_ssize_t n_classes) noexcept nogil
cdef api double clogreg_softmax_row_f32(const float* scores, float* out,
                                        Py_ssize_t n_classes) noexcept nogil

cdef api double clogreg_loss_grad_f64(
    const double* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows,
    double* grad_coef, double* grad_intercept,
    int n_threads) noexcept nogil
cdef api double clogreg_loss_grad_f32(
    const float* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const int* y, const double* sample_weight,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    const Py_ssize_t* rows,
    double* grad_coef, double* grad_intercept,
    int n_threads) noexcept nogil

cdef api int clogreg_predict_proba_f64(
    const double* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    double* out, int n_threads) noexcept nogil
cdef api int clogreg_predict_proba_f32(
    const float* X, Py_ssize_t n_samples, Py_ssize_t n_features,
    const double* coef, const double* intercept, Py_ssize_t n_classes,
    double* out, int n_threads) noexcept nogil
