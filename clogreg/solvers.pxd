# cython: language_level=3
"""Cython declarations of clogreg's solvers (see src/solvers.pyx).

The solvers minimise the *mean* objective

    f(theta) = (1/S) sum_i s_i loss_i + (alpha/2) ||W||^2

where S = sum_i s_i, W is the coefficient part of ``theta`` (the intercept is
never penalised) and ``alpha = 1 / (C * S)``; its minimiser is the minimiser
of scikit-learn's ``C * sum_i s_i loss_i + ||W||^2 / 2``.

Only ``Problem`` and ``objective`` are meant for other extensions; the
solver loops are driven from Python through their def wrappers.
"""

from cython cimport floating


cdef struct Problem:
    Py_ssize_t n_samples
    Py_ssize_t n_features
    Py_ssize_t n_classes      # 1 for binary, K for multinomial
    Py_ssize_t n_params       # n_classes * n_features (+ n_classes)
    const int* y
    const double* sample_weight   # NULL means all ones
    double weight_sum
    double alpha              # L2 strength on the mean objective
    bint fit_intercept
    int n_threads


cdef double objective(const floating* X, const Problem* P,
                      const double* theta, double* grad,
                      const Py_ssize_t* rows, Py_ssize_t n_rows,
                      double weight_sum) noexcept nogil
