# cython: language_level=3
"""Cython declarations of clogreg's solvers (see src/solvers.pyx).

The solvers minimise the *mean* objective

    F(theta) = (1/S) sum_i s_i loss_i + (alpha/2) ||W||^2 + l1 ||W||_1

where S = sum_i s_i, W is the coefficient part of ``theta`` (the intercept
is never penalised), ``alpha = (1 - l1_ratio) / (C * S)`` and
``l1 = l1_ratio / (C * S)``; its minimiser is the minimiser of
scikit-learn's ``C * sum_i s_i loss_i + penalty(W)``.

With standardisation, ``theta`` lives in standardised units: the kernels
see the effective coefficients ``W / scale`` and intercept
``b - mean . (W / scale)``, so no scaled copy of X is ever made.  The same
change of variables also serves as a preconditioner for a problem posed in
the original units: the penalty then applies to ``W / scale``
(``pen_scale``), so the optimum is exactly the unstandardised one.
"""

from clogreg._rowmatrix cimport RowMatrix
from clogreg.kernels cimport Matrix


cdef struct Problem:
    const Matrix* X
    Py_ssize_t n_samples
    Py_ssize_t n_features
    Py_ssize_t n_classes      # 1 for binary, K for multinomial
    Py_ssize_t n_params       # n_classes * n_features (+ n_classes)
    const int* y
    const double* sample_weight   # NULL means all ones
    double weight_sum
    double alpha              # L2 strength on the mean objective
    double l1                 # L1 strength on the mean objective
    bint fit_intercept
    const double* mean        # standardisation: column means (or NULL)
    const double* inv_scale   # standardisation: 1 / column std (or NULL)
    const double* pen_scale   # per-feature multiplier of W in the penalty
                              # (preconditioning: = inv_scale), or NULL
    double* theta_eff         # scratch, n_params
    double* v_eff             # scratch, n_params
    double* proba             # n_samples * n_classes, for Hessian products
    int n_threads
    void* external            # external data (a Python object) computing
                              # the sums over rows in place of X, or NULL


cdef class Objective:
    cdef Problem P
    cdef RowMatrix X
    cdef object _refs
    cdef double* _inv_scale     # owned buffers, freed in __dealloc__
    cdef double* _scratch
    cdef double* _proba


cdef double smooth_objective(Problem* P, const double* theta, double* grad,
                             const Py_ssize_t* rows, Py_ssize_t n_rows,
                             double weight_sum, bint keep_proba) noexcept nogil
