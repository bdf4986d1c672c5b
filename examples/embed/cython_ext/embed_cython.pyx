# cython: boundscheck=False, wraparound=False
"""Calling clogreg's kernels from another Cython extension.

Everything clogreg/kernels.pxd declares is ``noexcept nogil`` and takes
pointers plus lengths, so a downstream extension can run its own loops on
clogreg's numerics with the GIL released.  ``fit_gd`` below is such a loop:
plain gradient descent on the mean log-loss, every iteration one fused
loss-and-gradient pass of clogreg's engine, no Python in between.

The kernels trust the lengths they are given, so every function checks its
shapes first (and bounds checking of the memoryviews is off).
"""

import numpy as np

from cython cimport floating
from clogreg.kernels cimport (
    log1pexp,
    loss_gradient_dense,
    predict_proba_dense,
    sigmoid,
    softmax_row,
)


cdef check_model(Py_ssize_t n_samples, Py_ssize_t n_features,
                 Py_ssize_t n_y, Py_ssize_t coef_rows, Py_ssize_t coef_cols,
                 Py_ssize_t n_intercept):
    if n_samples < 1 or n_features < 1:
        raise ValueError("X must have at least one row and one column")
    if n_y >= 0 and n_y != n_samples:
        raise ValueError("y must have one entry per row of X")
    if coef_rows < 1 or coef_cols != n_features or n_intercept != coef_rows:
        raise ValueError("coef must be (n_classes, n_features), intercept (n_classes,)")


def scalars(double z):
    """(sigmoid(z), log(1 + exp(z)))."""
    cdef double s, l
    with nogil:
        s = sigmoid(z)
        l = log1pexp(z)
    return s, l


def softmax(const double[::1] scores):
    """(softmax(scores), log(sum(exp(scores))))."""
    if scores.shape[0] < 1:
        raise ValueError("scores must not be empty")
    out = np.empty(scores.shape[0])
    cdef double[::1] o = out
    cdef double lse
    with nogil:
        lse = softmax_row(&scores[0], &o[0], scores.shape[0])
    return out, lse


def loss_grad(const floating[:, ::1] X, const int[::1] y,
              const double[:, ::1] coef, const double[::1] intercept,
              int n_threads=1):
    """(loss sum, gradient of coef, gradient of intercept) of the log-loss.
    y holds class indices: 0/1 for one coef row, 0..n_classes-1 otherwise."""
    check_model(X.shape[0], X.shape[1], y.shape[0], coef.shape[0],
                coef.shape[1], intercept.shape[0])
    grad_coef = np.empty((coef.shape[0], coef.shape[1]))
    grad_intercept = np.empty(coef.shape[0])
    cdef double[:, ::1] gc = grad_coef
    cdef double[::1] gi = grad_intercept
    cdef double loss
    with nogil:
        loss = loss_gradient_dense(&X[0, 0], X.shape[0], X.shape[1], &y[0],
                                   NULL, &coef[0, 0], &intercept[0],
                                   coef.shape[0], NULL, &gc[0, 0], &gi[0],
                                   n_threads)
    if loss < 0:
        raise MemoryError("clogreg's loss_gradient_dense is out of memory")
    return loss, grad_coef, grad_intercept


def predict_proba(const floating[:, ::1] X, const double[:, ::1] coef,
                  const double[::1] intercept, int n_threads=1):
    """Class probabilities, shape (n_samples, max(2, n_classes))."""
    check_model(X.shape[0], X.shape[1], -1, coef.shape[0], coef.shape[1],
                intercept.shape[0])
    cdef Py_ssize_t width = 2 if coef.shape[0] == 1 else coef.shape[0]
    out = np.empty((X.shape[0], width))
    cdef double[:, ::1] o = out
    cdef int status
    with nogil:
        status = predict_proba_dense(&X[0, 0], X.shape[0], X.shape[1],
                                     &coef[0, 0], &intercept[0], coef.shape[0],
                                     &o[0, 0], n_threads)
    if status != 0:
        raise MemoryError("clogreg's predict_proba_dense is out of memory")
    return out


def fit_gd(const double[:, ::1] X, const int[::1] y, double learning_rate,
           int n_iter, int n_threads=1):
    """Binary logistic regression, no penalty, by fixed-step gradient descent
    on the mean log-loss: (coef, intercept).  y holds 0/1."""
    check_model(X.shape[0], X.shape[1], y.shape[0], 1, X.shape[1], 1)
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1], it, j
    coef = np.zeros((1, d))
    intercept = np.zeros(1)
    cdef double[:, ::1] w = coef
    cdef double[::1] b = intercept
    cdef double[::1] gw = np.empty(d)
    cdef double gb = 0.0
    cdef double step = learning_rate / n
    cdef double loss = 0.0
    with nogil:
        for it in range(n_iter):
            loss = loss_gradient_dense(&X[0, 0], n, d, &y[0], NULL, &w[0, 0],
                                       &b[0], 1, NULL, &gw[0], &gb, n_threads)
            if loss < 0:
                break
            for j in range(d):
                w[0, j] -= step * gw[j]
            b[0] -= step * gb
    if loss < 0:
        raise MemoryError("clogreg's loss_gradient_dense is out of memory")
    return coef, intercept
