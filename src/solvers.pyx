# cython: language_level=3, cdivision=True, initializedcheck=False
# boundscheck and wraparound are set by setup.py (see kernels.pyx).
"""Solvers of clogreg: L-BFGS / OWL-QN, trust-region Newton-CG, gradient
descent and mini-batch SGD.

Design
------
* The iteration loop lives here, not in Python.  Each iteration calls the
  fused pass of ``clogreg.kernels`` with the GIL released; the GIL is taken
  back only to check for Ctrl-C, to call the user's callback and to print
  progress.
* Ctrl-C within a fraction of a second, the model untouched.  Besides the
  check after each iteration, the kernels' checked passes look at the
  signals every few hundredths of a second of work, and so does an sgd
  epoch between its mini-batches; an interrupted pass makes the solver
  raise the handler's exception (KeyboardInterrupt) at once.  ``theta``
  is then left half-updated: the Python layer fits into a scratch
  estimator and publishes nothing on an exception.
* Progress (``verbose``): one clock per fit (``Progress``, started by the
  Python layer when fit is called, so that its validation and statistics
  passes count), a line at iteration 1, every 10th, the last, and
  whenever PRINT_SECONDS have passed since the previous line; within a
  long sgd epoch or Newton iteration too.
* All solvers minimise the mean objective of ``clogreg/solvers.pxd``, so
  ``tol`` means what it means in scikit-learn: a bound on the largest
  absolute entry of the gradient of the mean objective (for an L1 penalty,
  of its minimum-norm subgradient).  L-BFGS also requires the decrease its
  quasi-Newton model predicts to be <= tol**2, Newton the decrease its last
  accepted step predicted, gradient descent the decrease its curvature
  estimate predicts along the gradient.
* An ``Objective`` holds the data and the problem; the solvers only see
  ``theta = [coef (K*d, row-major) | intercept (K)]`` in float64.  The data
  is either a ``RowMatrix`` in this process, whose sums over rows the
  kernels compute with the GIL released, or an external data object (a
  Dask collection's blocks, ``clogreg._dask``) that computes the same sums
  elsewhere: the solvers cannot tell them apart, only the data pass and
  the Hessian product of ``smooth_objective`` / ``_hessp`` differ (see
  ``_external_pass``).
* L1 penalties produce exact zeros by construction: OWL-QN projects every
  step onto an orthant (Andrew & Gao, ICML 2007), gradient descent takes
  proximal (soft-thresholding) steps, and SGD clips each weight by its
  cumulative penalty, never past 0.  Nothing is thresholded after the fact.
* Counters: iterations and epochs never exceed ``max_iter``, a C int (the
  Python layer rejects more than 2**31 - 1), so they are ints; the counts
  of evaluations and passes, up to hundreds per iteration, and
  ``first_epoch`` (partial_fit calls so far) are Py_ssize_t.
* What these solvers must never do: return non-finite coefficients.  A
  non-finite objective stops the solver with status NONFINITE and the
  Python layer raises.

Status codes returned to Python: 0 converged, 1 max_iter reached, 2 the line
search could not make progress, 3 non-finite objective, 4 stopped by the
callback.
"""

from libc.math cimport sqrt, fabs, INFINITY
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.float cimport DBL_EPSILON
from libc.stdint cimport int64_t
from cpython.exc cimport PyErr_CheckSignals, PyErr_Occurred

from time import perf_counter

import numpy as np

from clogreg._rowmatrix cimport RowMatrix
from clogreg.kernels cimport (Matrix, _hessian_product_checked, _interrupted,
                              _loss_gradient_checked)

cdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1
    LINESEARCH_FAILED = 2
    NONFINITE = 3
    CALLBACK_STOP = 4

# scikit-learn passes ftol = 64 * eps to L-BFGS-B; the relative-decrease
# tests below use the same bound.
cdef double FTOL = 64.0 * DBL_EPSILON
cdef int STALL = 10     # L-BFGS: iterations without the gradient halving
cdef int PRINT_EVERY = 10
cdef double PRINT_SECONDS = 2.0   # verbose: at most this long without a line
# sgd: multiply-adds between two checks for Ctrl-C within an epoch, a
# batch counting its rows' values times the classes plus 4 K d for its
# parameter updates.  Shuffled rows in small batches go several times
# slower than a streaming pass (measured on 1M x 200 float64: an epoch of
# 200-row batches about 1 s, a full pass about 0.15 s), hence an eighth of
# the kernels' CHECK_WORK: a check every 10-20 ms.
cdef double CHECK_WORK = 1 << 22

# The clock of the verbose lines; the tests replace it with a fake one.
_clock = perf_counter


cdef class Progress:
    """The clock of one fit's verbose lines: when the fit started (the
    zero of the elapsed times printed) and when the last line went out.

    Created when ``fit`` is called, before its validation and statistics
    passes, and handed to the solver (which starts its own when given
    None)."""
    cdef public double start, last

    def __init__(self):
        self.start = self.last = _clock()

    def say(self, int verbose, str text):
        """Print ``clogreg: <text>  elapsed <s> s`` when verbose > 0."""
        cdef double now
        if verbose > 0:
            now = _clock()
            print(f"clogreg: {text}  elapsed {now - self.start:.3f} s",
                  flush=True)
            self.last = now


cdef int _tick(Progress progress, int verbose, int it, Py_ssize_t done,
               Py_ssize_t total) except -1 with gil:
    """Within iteration ``it``, a long one, a line when PRINT_SECONDS have
    passed since the last: how far it got (sgd: ``done`` batches of
    ``total``; Newton, total 0: ``done`` Hessian products)."""
    if verbose > 0 and _clock() - progress.last >= PRINT_SECONDS:
        what = (f"batch {done} of {total}" if total > 0 else
                f"{done} Hessian product{'s' if done > 1 else ''}")
        progress.say(verbose, f"iter {it:6d}  (running: {what})")
    return 0


cdef double _values_per_row(const Matrix* X) noexcept nogil:
    """Mean number of stored values in a row: n_cols dense, nnz / n_rows
    CSR."""
    cdef Py_ssize_t nnz
    if X == NULL:
        return 0.0          # external data: sgd refuses it
    if X.indices == NULL or X.n_rows == 0:
        return <double>X.n_cols
    if X.index_bytes == 4:
        nnz = (<const int*>X.indptr)[X.n_rows] - (<const int*>X.indptr)[0]
    else:
        nnz = (<const int64_t*>X.indptr)[X.n_rows] - (<const int64_t*>X.indptr)[0]
    return nnz / <double>X.n_rows


cdef int _raise_set() except -1:
    """Raise the exception a signal handler left set during a checked pass
    (see kernels._interrupted)."""
    if PyErr_Occurred() == NULL:
        raise SystemError("clogreg: a pass was interrupted, but no exception "
                          "is set")
    return -1


# ------------------------------------------------------- small vector ops

cdef inline double _vdot(const double* a, const double* b, Py_ssize_t n) noexcept nogil:
    cdef double s = 0.0
    cdef Py_ssize_t i
    for i in range(n):
        s += a[i] * b[i]
    return s


cdef inline double _max_abs(const double* a, Py_ssize_t n) noexcept nogil:
    cdef double m = 0.0
    cdef Py_ssize_t i
    for i in range(n):
        if fabs(a[i]) > m or a[i] != a[i]:
            m = fabs(a[i])
    return m


cdef inline bint _finite(double x) noexcept nogil:
    return x - x == 0.0


cdef inline bint _all_finite(const double* a, Py_ssize_t n) noexcept nogil:
    cdef double acc = 0.0
    cdef Py_ssize_t i
    for i in range(n):
        acc += a[i] - a[i]
    return acc == 0.0


cdef inline double _sign(double x) noexcept nogil:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


# ------------------------------------------------------------ the problem

cdef class Objective:
    """The data, labels, weights and penalty of one fit.

    Parameters
    ----------
    X : clogreg._rowmatrix.RowMatrix
    y : int32 array of class indices
    sample_weight : float64 array or None
    n_classes : 1 (binary) or K
    fit_intercept : bool
    alpha, l1 : L2 and L1 strengths on the mean objective
    mean, scale : float64 arrays (standardisation) or None
    n_threads : int
    precondition : bool
        With mean and scale: keep the penalty on the coefficients in
        original units (the change of variables only preconditions).
    """

    def __init__(self, X, y, sample_weight,
                 Py_ssize_t n_classes, bint fit_intercept, double alpha,
                 double l1, mean, scale, int n_threads,
                 bint precondition=False):
        cdef const double[::1] sw
        cdef const double[::1] mu
        cdef const int[::1] yv
        cdef RowMatrix Xr
        cdef Py_ssize_t n, d, i
        self.P.n_classes = n_classes
        self.P.fit_intercept = fit_intercept
        self.P.alpha = alpha
        self.P.l1 = l1
        self.P.n_threads = n_threads if n_threads > 0 else 1
        self.P.proba = NULL
        self.P.external = NULL
        if isinstance(X, RowMatrix):
            Xr = X
            n, d = Xr.M.n_rows, Xr.M.n_cols
            yv = y
            if yv.shape[0] != n:
                raise ValueError("y and X have different numbers of rows")
            self.X = Xr
            self.P.X = &Xr.M
            self.P.y = &yv[0]
            refs = [y]
        else:
            # External data: it holds its own labels and weights (times
            # the class weights) and computes the sums over its rows.
            if y is not None or sample_weight is not None:
                raise ValueError("external data holds its own labels and "
                                 "weights: pass y=None, sample_weight=None")
            n, d = X.n_samples, X.n_features
            self.P.X = NULL
            self.P.y = NULL
            self.P.external = <void*>X
            refs = [X]
        self.P.n_samples = n
        self.P.n_features = d
        self.P.n_params = n_classes * d + (n_classes if fit_intercept else 0)
        if self.P.external != NULL:
            self.P.sample_weight = NULL
            self.P.weight_sum = float(X.weight_sum)
        elif sample_weight is None:
            self.P.sample_weight = NULL
            self.P.weight_sum = <double>n
        else:
            sw = sample_weight
            if sw.shape[0] != n:
                raise ValueError("sample_weight and X have different lengths")
            self.P.sample_weight = &sw[0]
            self.P.weight_sum = 0.0
            for i in range(n):
                self.P.weight_sum += sw[i]
            refs.append(sample_weight)
        if not self.P.weight_sum > 0.0:
            raise ValueError("the sample weights sum to zero")
        self.P.mean = NULL
        self.P.inv_scale = NULL
        self.P.pen_scale = NULL
        if scale is not None:
            mu = mean
            if mu.shape[0] != d or len(scale) != d:
                raise ValueError("mean and scale need one entry per column")
            self._inv_scale = <double*>malloc(d * sizeof(double))
            if self._inv_scale == NULL:
                raise MemoryError("clogreg: could not allocate the scales")
            for i in range(d):
                self._inv_scale[i] = 1.0 / scale[i]
            refs.append(mean)
            self.P.inv_scale = self._inv_scale
            self.P.pen_scale = self._inv_scale if precondition else NULL
            # Without an intercept, centring would add one: scale only.
            self.P.mean = &mu[0] if fit_intercept else NULL
        self._scratch = <double*>malloc(2 * self.P.n_params * sizeof(double))
        if self._scratch == NULL:
            raise MemoryError("clogreg: could not allocate the workspace")
        self.P.theta_eff = self._scratch
        self.P.v_eff = self._scratch + self.P.n_params
        self._refs = refs

    def __dealloc__(self):
        free(self._inv_scale)
        free(self._scratch)
        free(self._proba)

    def enable_hessian(self):
        """Allocate the per-row probabilities that Hessian products need
        (external data keeps what it needs itself)."""
        if self._proba == NULL and self.P.external == NULL:
            self._proba = <double*>malloc(
                self.P.n_samples * self.P.n_classes * sizeof(double))
            if self._proba == NULL:
                raise MemoryError("clogreg: could not allocate the Hessian "
                                  "workspace")
            self.P.proba = self._proba

    @property
    def n_params(self):
        return self.P.n_params

    def value_and_gradient(self, const double[::1] theta, double[::1] grad):
        """Mean objective (without the L1 term) and its gradient; for tests."""
        cdef double f
        if theta.shape[0] != self.P.n_params or grad.shape[0] != self.P.n_params:
            raise ValueError("theta and grad need n_params entries")
        with nogil:
            f = smooth_objective(&self.P, &theta[0], &grad[0], NULL,
                                 self.P.n_samples, self.P.weight_sum, False)
        if f < 0.0:
            _evaluation_failed(self)
        return f


cdef object _evaluation_failed(Objective obj):
    """Raise why an evaluation returned -1: Ctrl-C during a checked pass
    (its exception is set), the external data's exception (a lost Dask
    worker, Ctrl-C...) when it recorded one, else the kernels' failed
    allocation."""
    cdef object data
    if PyErr_Occurred() != NULL:
        _raise_set()
    if obj.P.external != NULL:
        data = <object>obj.P.external
        err = getattr(data, "_error", None)
        if err is not None:
            data._error = None
            raise err
    raise MemoryError("clogreg: could not allocate the workspace")


cdef double _external_pass(Problem* P, const double* eff, double* grad,
                           bint keep) noexcept nogil:
    """Loss sum and its gradient (original units, not yet divided by the
    weight sum) from the external data, at the effective parameters
    ``eff``; -1.0 with the exception kept on the data object if it raised.
    ``keep``: remember this point for the Hessian products that follow."""
    cdef double loss = -1.0
    cdef Py_ssize_t p = P.n_params
    with gil:
        data = <object>P.external
        try:
            loss = float(data.loss_gradient_into(
                np.asarray(<double[:p]> <double*> eff),
                np.asarray(<double[:p]> grad), bool(keep)))
            if loss < 0.0:      # a negative loss sum is impossible
                raise RuntimeError(f"external data returned loss {loss}")
        except BaseException as exc:
            data._error = exc
            loss = -1.0
    return loss


cdef int _external_hessp(Problem* P, const double* v, double* out) noexcept nogil:
    """Hessian of the loss sum at the last kept point, times ``v``
    (effective units), from the external data; -1 if it raised."""
    cdef int status = 0
    cdef Py_ssize_t p = P.n_params
    with gil:
        data = <object>P.external
        try:
            data.hessian_product_into(np.asarray(<double[:p]> <double*> v),
                                      np.asarray(<double[:p]> out))
        except BaseException as exc:
            data._error = exc
            status = -1
    return status


cdef inline double _ps(const Problem* P, Py_ssize_t j) noexcept nogil:
    """Penalty multiplier of coefficient j (1 unless preconditioning)."""
    return P.pen_scale[j % P.n_features] if P.pen_scale != NULL else 1.0


cdef inline void _effective(const Problem* P, const double* theta,
                            double* eff) noexcept nogil:
    """Parameters in original units: W / scale and b - mean . (W / scale)."""
    cdef Py_ssize_t K = P.n_classes, d = P.n_features, k, j
    cdef double shift
    for k in range(K):
        shift = 0.0
        for j in range(d):
            eff[k * d + j] = theta[k * d + j] * P.inv_scale[j]
            if P.mean != NULL:
                shift += P.mean[j] * eff[k * d + j]
        if P.fit_intercept:
            eff[K * d + k] = theta[K * d + k] - shift


cdef inline void _pull_back(const Problem* P, double* g) noexcept nogil:
    """Chain rule for ``_effective``: gradient in original units -> in
    standardised units, in place (g_W = (g_W' - mean g_b) / scale)."""
    cdef Py_ssize_t K = P.n_classes, d = P.n_features, k, j
    for k in range(K):
        for j in range(d):
            if P.mean != NULL:
                g[k * d + j] -= P.mean[j] * g[K * d + k]
            g[k * d + j] *= P.inv_scale[j]


cdef double smooth_objective(Problem* P, const double* theta, double* grad,
                             const Py_ssize_t* rows, Py_ssize_t n_rows,
                             double weight_sum, bint keep_proba) noexcept nogil:
    """Mean loss over the given rows plus the L2 term, and its gradient.

    Returns -1.0 if the kernel's workspace could not be allocated (the
    objective itself is never negative).
    """
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    cdef Py_ssize_t j
    cdef double penalty = 0.0
    cdef double inv_w = 1.0 / weight_sum
    # An sgd batch whose weights sum to less than 1 / DBL_MAX (subnormal;
    # fit rejects such a total) has inv_w = inf, and 0 * inf is NaN: divide
    # by weight_sum instead.  Otherwise multiply, as always.
    cdef bint divide = not _finite(inv_w)
    cdef const double* eff = theta
    if P.inv_scale != NULL:
        _effective(P, theta, P.theta_eff)
        eff = P.theta_eff
    cdef double loss
    if P.external != NULL:      # every row: sgd's batches are refused
        loss = _external_pass(P, eff, grad, keep_proba)
    else:
        loss = _loss_gradient_checked(
            P.X, P.y, P.sample_weight, eff, eff + Kd if P.fit_intercept else NULL,
            P.n_classes, rows, n_rows, grad, grad + Kd if P.fit_intercept else NULL,
            P.proba if keep_proba else NULL, P.n_threads)
    if loss < 0.0:
        return -1.0
    if P.inv_scale != NULL:
        _pull_back(P, grad)
    if divide:
        for j in range(P.n_params):
            grad[j] = grad[j] / weight_sum
        loss = loss / weight_sum
        inv_w = 1.0
    cdef double c
    for j in range(Kd):
        c = _ps(P, j)
        c = c * c
        penalty += c * theta[j] * theta[j]
        grad[j] = grad[j] * inv_w + P.alpha * c * theta[j]
    for j in range(Kd, P.n_params):
        grad[j] = grad[j] * inv_w
    return loss * inv_w + 0.5 * P.alpha * penalty


cdef int _hessp(Problem* P, const double* v, double* out) noexcept nogil:
    """Hessian of the smooth mean objective at the point whose
    probabilities are in P.proba, times v."""
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    cdef Py_ssize_t j
    cdef double inv_w = 1.0 / P.weight_sum
    cdef const double* ve = v
    if P.inv_scale != NULL:
        _effective(P, v, P.v_eff)
        ve = P.v_eff
    if P.external != NULL:
        if _external_hessp(P, ve, out) != 0:
            return -1
    elif _hessian_product_checked(P.X, P.sample_weight, P.proba, P.n_classes,
                                  ve, ve + Kd if P.fit_intercept else NULL,
                                  out, out + Kd if P.fit_intercept else NULL,
                                  P.n_threads) != 0:
        return -1
    if P.inv_scale != NULL:
        _pull_back(P, out)
    cdef double c
    for j in range(Kd):
        c = _ps(P, j)
        out[j] = out[j] * inv_w + P.alpha * c * c * v[j]
    for j in range(Kd, P.n_params):
        out[j] = out[j] * inv_w
    return 0


cdef void _drop_shared_shift(const Problem* P, double* v) noexcept nogil:
    """Remove from v, in place, its part along the directions in which the
    multinomial objective is exactly flat: the same shift added to every
    class's intercept (always unpenalised), and to every class's
    coefficient of one feature when there is no L2 penalty.  No probability
    changes along them, so the Hessian is singular there and a Newton step
    has nothing to gain; but a rounding-level part of a CG direction along
    them has near-zero curvature, and CG would follow it to the
    trust-region boundary (measured on iris: every intercept shifted by
    0.16 in the middle of a warm-started path)."""
    cdef Py_ssize_t K = P.n_classes, d = P.n_features, k, j
    cdef double m
    if K < 2:
        return
    if P.alpha == 0.0:
        for j in range(d):
            m = 0.0
            for k in range(K):
                m += v[k * d + j]
            m /= K
            for k in range(K):
                v[k * d + j] -= m
    if P.fit_intercept:
        m = 0.0
        for k in range(K):
            m += v[K * d + k]
        m /= K
        for k in range(K):
            v[K * d + k] -= m


cdef double _grad_max(const Problem* P, const double* g) noexcept nogil:
    """Largest absolute entry of the (sub)gradient ``g`` for the stopping
    test, taken in the coordinates the user's problem is posed in.

    When the change of variables only preconditions (w = theta * u,
    b_eff = b - mean . w), the gradient in original units is
    g_w = g_theta / u + mean * g_b, so that ``tol`` keeps scikit-learn's
    meaning whatever the preconditioner.  With standardize=True the problem
    is posed in standardised units and ``g`` is already in them.
    """
    cdef Py_ssize_t K = P.n_classes, d = P.n_features, k, j
    cdef double m = 0.0, v
    if P.pen_scale == NULL:
        return _max_abs(g, P.n_params)
    for k in range(K):
        for j in range(d):
            if P.inv_scale[j] == 0.0:
                # a frozen constant column (scale inf) is no free parameter:
                # the intercept's gradient speaks for it (g_w = c g_b)
                continue
            v = g[k * d + j] / P.inv_scale[j]
            if P.mean != NULL:
                v += P.mean[j] * g[K * d + k]
            if fabs(v) > m or v != v:
                m = fabs(v)
    for j in range(K * d, P.n_params):
        if fabs(g[j]) > m or g[j] != g[j]:
            m = fabs(g[j])
    return m


cdef double _l1_norm(const Problem* P, const double* theta) noexcept nogil:
    cdef Py_ssize_t j
    cdef double s = 0.0
    for j in range(P.n_classes * P.n_features):
        s += fabs(theta[j]) * _ps(P, j)
    return s


cdef void _pseudo_gradient(const Problem* P, const double* x, const double* g,
                           double* pg) noexcept nogil:
    """Minimum-norm subgradient of F = f + l1 ||W||_1 (Andrew & Gao, 2007)."""
    cdef Py_ssize_t j, Kd = P.n_classes * P.n_features
    cdef double lam
    for j in range(P.n_params):
        lam = P.l1 * _ps(P, j) if j < Kd else 0.0
        if j >= Kd or lam == 0.0:
            pg[j] = g[j]
        elif x[j] > 0.0:
            pg[j] = g[j] + lam
        elif x[j] < 0.0:
            pg[j] = g[j] - lam
        elif g[j] + lam < 0.0:
            pg[j] = g[j] + lam
        elif g[j] - lam > 0.0:
            pg[j] = g[j] - lam
        else:
            pg[j] = 0.0


cdef void _soft_threshold(const Problem* P, double* x, double t) noexcept nogil:
    """Proximal step of t * l1 * ||W||_1: shrink each coefficient by t * l1
    towards 0, stopping at exactly 0."""
    cdef Py_ssize_t j
    cdef double lam
    for j in range(P.n_classes * P.n_features):
        lam = t * P.l1 * _ps(P, j)
        if x[j] > lam:
            x[j] -= lam
        elif x[j] < -lam:
            x[j] += lam
        else:
            x[j] = 0.0


cdef int _end_iteration(object callback, int verbose, int it, int max_iter,
                        double f, double gmax, int status,
                        list loss_curve, Progress progress) except -1:
    """Record the objective, check for Ctrl-C, print progress and call the
    user's callback after iteration ``it``.  A line goes out at iteration
    1, every PRINT_EVERY-th, the last, and when PRINT_SECONDS have passed
    since the last line.

    ``status`` is MAX_ITER while the solver would go on.  Returns the status
    to continue with: CALLBACK_STOP if the callback returned True.  The
    curve grows as iterations happen, so a huge ``max_iter`` reserves
    nothing.
    """
    loss_curve.append(f)
    PyErr_CheckSignals()
    cdef bint last = status != MAX_ITER or it == max_iter
    if verbose > 0 and (it == 1 or it % PRINT_EVERY == 0 or last
                        or _clock() - progress.last >= PRINT_SECONDS):
        progress.say(verbose, f"iter {it:6d}  objective {f:.10g}  "
                     f"max|grad| {gmax:.3e}")
    if callback is not None and callback(it, f) and status == MAX_ITER:
        return CALLBACK_STOP
    return status


cdef inline double _full(Problem* P, const double* x, double* g,
                         bint keep_proba) noexcept nogil:
    return smooth_objective(P, x, g, NULL, P.n_samples, P.weight_sum,
                            keep_proba)


# ------------------------------------------------------------------ L-BFGS

cdef double _eval_at(Problem* P, const double* x, const double* d, double a,
                     double* x_out, double* g_out, double* dphi) noexcept nogil:
    """f(x + a d) and its directional derivative along d."""
    cdef Py_ssize_t i
    cdef double f
    for i in range(P.n_params):
        x_out[i] = x[i] + a * d[i]
    f = _full(P, x_out, g_out, False)
    dphi[0] = _vdot(g_out, d, P.n_params)
    return f


cdef double _cubic_min(double a, double fa, double da, double b, double fb,
                       double db) noexcept nogil:
    """Minimiser of the cubic interpolating (a, fa, da) and (b, fb, db),
    safeguarded to the middle 80% of [a, b]; bisection if undefined.
    (Nocedal & Wright, Numerical Optimization, eq. 3.59.)"""
    cdef double d1 = da + db - 3.0 * (fa - fb) / (a - b)
    cdef double disc = d1 * d1 - da * db
    cdef double d2, t, lo, hi
    lo = a if a < b else b
    hi = b if a < b else a
    if disc < 0.0 or not _finite(disc):
        return 0.5 * (a + b)
    d2 = sqrt(disc)
    if b < a:
        d2 = -d2
    t = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2)
    if not _finite(t) or t < lo + 0.1 * (hi - lo) or t > hi - 0.1 * (hi - lo):
        return 0.5 * (a + b)
    return t


cdef int _wolfe_search(Problem* P, const double* x, double f0, const double* d,
                       double dphi0, double a_init, double* x_new,
                       double* g_new, double* f_out, int max_eval,
                       Py_ssize_t* n_eval) noexcept nogil:
    """Line search for the strong Wolfe conditions (Nocedal & Wright,
    Algorithms 3.5 and 3.6), c1 = 1e-4, c2 = 0.9.

    The sufficient-decrease test allows a slack of a few ulps of f0: near
    the optimum f changes by less than its rounding error, and the
    gradient-based curvature test must then be the one that decides
    (Hager & Zhang's "approximate Wolfe" idea).  Returns 0 on success with
    x_new, g_new and f_out at the accepted point, -1 on failure, -2 when
    out of memory.
    """
    cdef double c1 = 1e-4, c2 = 0.9
    cdef double slack = 8.0 * DBL_EPSILON * fabs(f0)
    cdef double a_prev = 0.0, f_prev = f0, d_prev = dphi0
    cdef double a = a_init, fa, da
    cdef double lo = 0.0, f_lo = f0, d_lo = dphi0, hi = 0.0, f_hi = f0, d_hi = dphi0
    cdef int i, used = 0
    cdef bint zoom = False
    for i in range(max_eval):
        used += 1
        fa = _eval_at(P, x, d, a, x_new, g_new, &da)
        n_eval[0] += 1
        if fa < 0.0:
            return -2
        if not (_finite(fa) and _finite(da)) or fa > f0 + c1 * a * dphi0 + slack \
                or (i > 0 and fa >= f_prev + slack):
            lo, f_lo, d_lo = a_prev, f_prev, d_prev
            hi, f_hi, d_hi = a, fa, da
            zoom = True
            break
        if fabs(da) <= -c2 * dphi0:
            f_out[0] = fa
            return 0
        if da >= 0.0:
            lo, f_lo, d_lo = a, fa, da
            hi, f_hi, d_hi = a_prev, f_prev, d_prev
            zoom = True
            break
        a_prev, f_prev, d_prev = a, fa, da
        a = 4.0 * a
    if not zoom:
        return -1
    while used < 2 * max_eval:
        if _finite(f_hi) and _finite(d_hi):
            a = _cubic_min(lo, f_lo, d_lo, hi, f_hi, d_hi)
        else:
            a = lo + 0.1 * (hi - lo)   # hi overflowed: stay near lo
        if fabs(hi - lo) <= DBL_EPSILON * fabs(lo) or a == lo or a == hi:
            break
        fa = _eval_at(P, x, d, a, x_new, g_new, &da)
        n_eval[0] += 1
        used += 1
        if fa < 0.0:
            return -2
        if not (_finite(fa) and _finite(da)) or fa > f0 + c1 * a * dphi0 + slack \
                or fa >= f_lo + slack:
            hi, f_hi, d_hi = a, fa, da
        else:
            if fabs(da) <= -c2 * dphi0:
                f_out[0] = fa
                return 0
            if da * (hi - lo) >= 0.0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = a, fa, da
    # No point satisfied both conditions.  lo always satisfies sufficient
    # decrease; take it if it is a real step.
    if lo > 0.0:
        f_out[0] = _eval_at(P, x, d, lo, x_new, g_new, &da)
        n_eval[0] += 1
        if f_out[0] < 0.0:
            return -2
        if _finite(f_out[0]):
            return 0
    return -1


cdef int _orthant_search(Problem* P, const double* x, double F0,
                         const double* pg, const double* d, double a_init,
                         double* x_new, double* g_new, double* F_out,
                         int max_eval, Py_ssize_t* n_eval) noexcept nogil:
    """OWL-QN's projected backtracking line search (Andrew & Gao, 2007).

    Each trial point is projected onto the orthant of x (or of -pg where x
    is 0): a coefficient whose sign would change is set to exactly 0.
    Accepts when F decreases by 1e-4 * pg . (x_new - x), with the same
    few-ulp slack as the Wolfe search.
    """
    cdef Py_ssize_t j, Kd = P.n_classes * P.n_features
    cdef double a = a_init, f, F, orth, decrease
    cdef double slack = 8.0 * DBL_EPSILON * fabs(F0)
    cdef int i
    for i in range(max_eval):
        decrease = 0.0
        for j in range(P.n_params):
            x_new[j] = x[j] + a * d[j]
            if j < Kd:
                orth = _sign(x[j]) if x[j] != 0.0 else -_sign(pg[j])
                if _sign(x_new[j]) != orth:
                    x_new[j] = 0.0
            decrease += pg[j] * (x_new[j] - x[j])
        f = _full(P, x_new, g_new, False)
        n_eval[0] += 1
        if f < 0.0:
            return -2
        F = f + P.l1 * _l1_norm(P, x_new)
        if _finite(F) and F <= F0 + 1e-4 * decrease + slack:
            F_out[0] = F
            return 0
        a *= 0.5
    return -1


cdef void _two_loop(const double* S, const double* Yv, const double* rho,
                    double* coeffs, int m, int n_mem, int head, Py_ssize_t p,
                    const double* pg, double* dirn) noexcept nogil:
    """L-BFGS two-loop recursion (Nocedal & Wright, Algorithm 7.4):
    dirn = -H pg with the n_mem most recent pairs of the ring buffer."""
    cdef int j, idx
    cdef Py_ssize_t i
    cdef double gamma, beta
    for i in range(p):
        dirn[i] = -pg[i]
    for j in range(n_mem):
        idx = (head - 1 - j + m) % m
        coeffs[idx] = rho[idx] * _vdot(S + idx * p, dirn, p)
        for i in range(p):
            dirn[i] -= coeffs[idx] * Yv[idx * p + i]
    if n_mem > 0:
        idx = (head - 1 + m) % m
        gamma = 1.0 / (rho[idx] * _vdot(Yv + idx * p, Yv + idx * p, p))
        for i in range(p):
            dirn[i] *= gamma
    for j in range(n_mem - 1, -1, -1):
        idx = (head - 1 - j + m) % m
        beta = rho[idx] * _vdot(Yv + idx * p, dirn, p)
        for i in range(p):
            dirn[i] += (coeffs[idx] - beta) * S[idx * p + i]


def lbfgs(Objective obj, double[::1] theta, double tol, int max_iter,
          int memory, object callback, int verbose, list loss_curve,
          Progress progress=None):
    """Limited-memory BFGS (Nocedal & Wright, Algorithms 7.4 and 7.5); with
    an L1 term, its orthant-wise variant OWL-QN.

    ``theta`` holds the start on entry and the solution on return.  Writes
    the objective after each iteration into ``loss_curve`` (length
    >= max_iter).  Returns (n_iter, status, n_evaluations).
    """
    if progress is None:
        progress = Progress()     # verbose's elapsed times: from here
    cdef Problem* P = &obj.P
    cdef Py_ssize_t p = P.n_params
    if theta.shape[0] != p:
        raise ValueError(f"theta has {theta.shape[0]} entries, expected {p}")
    cdef int m = memory if memory > 0 else 1
    cdef bint owl = P.l1 > 0.0
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    cdef double* buf = <double*>malloc((2 * m * p + 5 * p + 2 * m) * sizeof(double))
    if buf == NULL:
        raise MemoryError("clogreg: could not allocate L-BFGS memory")
    cdef double* S = buf                   # m rows of s = x_{k+1} - x_k
    cdef double* Yv = S + m * p            # m rows of y = g_{k+1} - g_k
    cdef double* g = Yv + m * p
    cdef double* g_new = g + p
    cdef double* x_new = g_new + p
    cdef double* dirn = x_new + p
    cdef double* pg = dirn + p
    cdef double* rho = pg + p
    cdef double* coeffs = rho + m
    cdef double* x = &theta[0]
    cdef double f, f_new = 0.0, gmax, dphi0, a_init, sy, yy
    cdef int it = 0, status = MAX_ITER, n_mem = 0, head = 0
    cdef int ls = 0, attempt, stalled = 0
    cdef double g_ref
    cdef Py_ssize_t n_eval = 0      # up to ~80 per iteration: beyond C int
    cdef Py_ssize_t i
    try:
        with nogil:
            f = _full(P, x, g, False)
            n_eval = 1
        if f < 0.0:
            _evaluation_failed(obj)
        if not (_finite(f) and _all_finite(g, p)):
            return 0, NONFINITE, n_eval
        f += P.l1 * _l1_norm(P, x)
        _pseudo_gradient(P, x, g, pg)
        gmax = _grad_max(P, pg)
        if gmax <= tol:
            return 0, CONVERGED, n_eval
        g_ref = gmax
        while it < max_iter:
            with nogil:
                for attempt in range(2):
                    _two_loop(S, Yv, rho, coeffs, m, n_mem, head, p, pg, dirn)
                    if owl:
                        # Keep only the components that agree in sign with
                        # the steepest descent direction -pg.
                        for i in range(Kd):
                            if dirn[i] * pg[i] >= 0.0:
                                dirn[i] = 0.0
                    dphi0 = _vdot(pg, dirn, p)
                    if not dphi0 < 0.0:
                        # Not a descent direction (rounding): restart from -pg.
                        n_mem = 0
                        for i in range(p):
                            dirn[i] = -pg[i]
                        dphi0 = -_vdot(pg, pg, p)
                    if n_mem == 0:
                        a_init = 1.0 / sqrt(-dphi0)
                        if a_init > 1.0:
                            a_init = 1.0
                    else:
                        a_init = 1.0
                    if owl:
                        ls = _orthant_search(P, x, f, pg, dirn, a_init, x_new,
                                             g_new, &f_new, 40, &n_eval)
                    else:
                        ls = _wolfe_search(P, x, f, dirn, dphi0, a_init, x_new,
                                           g_new, &f_new, 20, &n_eval)
                    if ls != -1 or n_mem == 0:
                        break
                    n_mem = 0     # retry along steepest descent, fresh memory
            if ls == -2:
                _evaluation_failed(obj)
            if ls != 0:
                status = LINESEARCH_FAILED
                break
            it += 1
            with nogil:
                # Update the memory with s = x_new - x, y = g_new - g (the
                # smooth part's gradients, also under OWL-QN).
                sy = 0.0
                yy = 0.0
                for i in range(p):
                    S[head * p + i] = x_new[i] - x[i]
                    Yv[head * p + i] = g_new[i] - g[i]
                    sy += S[head * p + i] * Yv[head * p + i]
                    yy += Yv[head * p + i] * Yv[head * p + i]
                if sy > DBL_EPSILON * yy and sy > 0.0:
                    rho[head] = 1.0 / sy
                    head = (head + 1) % m
                    if n_mem < m:
                        n_mem += 1
                memcpy(x, x_new, p * sizeof(double))
                memcpy(g, g_new, p * sizeof(double))
                _pseudo_gradient(P, x, g, pg)
            gmax = _grad_max(P, pg)
            if not (_finite(f_new) and _all_finite(x, p)):
                status = NONFINITE
                break
            if gmax <= tol:
                # ... and the decrease the quasi-Newton model still predicts,
                # pg.H.pg / 2 (H: the inverse-Hessian estimate), is below
                # tol**2: the gradient bound alone leaves a gap that grows
                # with the number of features.
                with nogil:
                    _two_loop(S, Yv, rho, coeffs, m, n_mem, head, p, pg, dirn)
                    if -0.5 * _vdot(pg, dirn, p) <= tol * tol:
                        status = CONVERGED
            if gmax <= 0.5 * g_ref:
                g_ref = gmax
                stalled = 0
            else:
                stalled += 1
            if (f - f_new) <= FTOL * max(fabs(f), fabs(f_new), 1.0) and (
                    stalled >= STALL or f_new <= FTOL):
                # Negligible decrease: a stop once the gradient has not
                # halved for STALL iterations either, or the objective is
                # itself negligible (separable data).  Below that rounding
                # level of f the gradient stays accurate, and L-BFGS keeps
                # reducing it: a stop on f alone left coefficients 1e-6 from
                # the optimum at tol=1e-12, where going on meets the tol.
                status = CONVERGED
            f = f_new
            status = _end_iteration(callback, verbose, it, max_iter, f, gmax,
                                    status, loss_curve, progress)
            if status != MAX_ITER:
                break
        return it, status, n_eval
    finally:
        free(buf)


# ---------------------------------------------------- trust-region Newton

def newton(Objective obj, double[::1] theta, double tol, int max_iter,
           object callback, int verbose, list loss_curve,
           Progress progress=None, bint continuing=False):
    """Trust-region Newton-CG for smooth (L2 or unpenalised) problems.

    The method of LIBLINEAR (Lin, Weng & Keerthi, "Trust region Newton
    method for large-scale logistic regression", JMLR 2008): each outer
    iteration approximately solves the Newton system by conjugate gradients
    (Steihaug's truncation at the trust-region boundary), every
    Hessian-vector product being one fused pass over X.  Trust-region
    constants are the paper's: eta = (1e-4, 0.25, 0.75), sigma = (0.25,
    0.5, 4); the CG forcing term is superlinear (see below), and CG stays
    out of the multinomial model's flat directions (``_drop_shared_shift``).
    ``continuing``: the start is another solver's unconverged point (see
    ``clogreg._heuristics.run_auto``), not accepted on the gradient bound
    alone: at least one step must also predict a decrease <= tol**2.
    Returns (n_iter, status, n_passes).
    """
    if progress is None:
        progress = Progress()     # verbose's elapsed times: from here
    cdef Problem* P = &obj.P
    cdef Py_ssize_t p = P.n_params
    if theta.shape[0] != p:
        raise ValueError(f"theta has {theta.shape[0]} entries, expected {p}")
    if P.l1 > 0.0:
        raise ValueError("newton handles L2 and unpenalised problems only")
    obj.enable_hessian()
    cdef double* buf = <double*>malloc(7 * p * sizeof(double))
    if buf == NULL:
        raise MemoryError("clogreg: could not allocate Newton memory")
    cdef double* g = buf
    cdef double* s = g + p
    cdef double* r = s + p
    cdef double* dv = r + p
    cdef double* Hd = dv + p
    cdef double* x_new = Hd + p
    cdef double* g_new = x_new + p
    cdef double* x = &theta[0]
    cdef double eta0 = 1e-4, eta1 = 0.25, eta2 = 0.75
    cdef double sigma1 = 0.25, sigma2 = 0.5, sigma3 = 4.0
    cdef double f, f_new = 0.0, delta, gnorm, gmax, rTr, rnew, dHd, alpha
    cdef double sd, dd, ss, tau, gs, prered, actred, snorm, alpha_tr
    cdef double last_pred = INFINITY   # predicted decrease of the last accepted step
    cdef int it = 0, status = MAX_ITER, cg, max_cg, hs = 0
    cdef Py_ssize_t n_pass = 0      # up to 502 per iteration: beyond C int
    cdef Py_ssize_t i
    max_cg = <int>(p if p < 500 else 500)
    try:
        with nogil:
            f = _full(P, x, g, True)
            n_pass = 1
        if f < 0.0:
            _evaluation_failed(obj)
        if not (_finite(f) and _all_finite(g, p)):
            return 0, NONFINITE, n_pass
        gmax = _grad_max(P, g)
        if gmax <= tol and not continuing:
            return 0, CONVERGED, n_pass
        # LIBLINEAR's first radius, ||g||.  Continuing from another
        # solver's point, where ||g|| is small, ||theta|| (when larger):
        # the first CG solve then runs to its forcing tolerance (the
        # Newton step, whose length becomes the radius), where a radius of
        # ||g|| cuts it short and the small decrease the cut step predicts
        # passes the stopping test far from the optimum (measured:
        # standardised wine at C=100, 9e-4 above it).
        delta = sqrt(_vdot(g, g, p))
        if continuing:
            delta = max(delta, sqrt(_vdot(x, x, p)))
        while it < max_iter:
            with nogil:
                # Steihaug-CG on H s = -g within ||s|| <= delta.
                gnorm = sqrt(_vdot(g, g, p))
                memset(s, 0, p * sizeof(double))
                for i in range(p):
                    r[i] = -g[i]
                _drop_shared_shift(P, r)
                memcpy(dv, r, p * sizeof(double))
                rTr = _vdot(r, r, p)
                for cg in range(max_cg):
                    # Forcing term min(0.1, sqrt(||g||)): superlinear
                    # (Nocedal & Wright, Theorem 7.2), where LIBLINEAR's
                    # fixed 0.1 is linear and stops at the default tol
                    # far from the optimum along flat directions.
                    if sqrt(rTr) <= min(0.1, sqrt(gnorm)) * gnorm:
                        break
                    hs = _hessp(P, dv, Hd)
                    n_pass += 1
                    if hs != 0:
                        break
                    if verbose > 0:
                        _tick(progress, verbose, it + 1, cg + 1, 0)
                    _drop_shared_shift(P, Hd)
                    dHd = _vdot(dv, Hd, p)
                    sd = _vdot(s, dv, p)
                    dd = _vdot(dv, dv, p)
                    ss = _vdot(s, s, p)
                    alpha = rTr / dHd if dHd > 0.0 else INFINITY
                    if dHd <= 0.0 or ss + 2.0 * alpha * sd + alpha * alpha * dd \
                            >= delta * delta:
                        # Go to the boundary: ||s + tau d|| = delta.
                        tau = (-sd + sqrt(sd * sd + dd * (delta * delta - ss))) / dd
                        for i in range(p):
                            s[i] += tau * dv[i]
                            r[i] -= tau * Hd[i]
                        break
                    for i in range(p):
                        s[i] += alpha * dv[i]
                        r[i] -= alpha * Hd[i]
                    rnew = _vdot(r, r, p)
                    for i in range(p):
                        dv[i] = r[i] + (rnew / rTr) * dv[i]
                    rTr = rnew
                if hs == 0:
                    for i in range(p):
                        x_new[i] = x[i] + s[i]
                    f_new = _full(P, x_new, g_new, True)
                    n_pass += 1
            if hs != 0 or f_new < 0.0:
                _evaluation_failed(obj)
            it += 1
            gs = _vdot(g, s, p)
            # r = -g - H s, so s'Hs = -s'(r + g) and the model's predicted
            # reduction -(g's + s'Hs/2) is -(g's - s'r)/2.
            prered = -0.5 * (gs - _vdot(s, r, p))
            actred = f - f_new if _finite(f_new) else -INFINITY
            snorm = sqrt(_vdot(s, s, p))
            if it == 1:
                delta = min(delta, snorm)
            if _finite(f_new) and f_new - f - gs > 0.0:
                alpha_tr = max(sigma1, -0.5 * (gs / (f_new - f - gs)))
            else:
                alpha_tr = sigma3
            if actred < eta0 * prered:
                delta = min(max(alpha_tr, sigma1) * snorm, sigma2 * delta)
            elif actred < eta1 * prered:
                delta = max(sigma1 * delta, min(alpha_tr * snorm, sigma2 * delta))
            elif actred < eta2 * prered:
                delta = max(sigma1 * delta, min(alpha_tr * snorm, sigma3 * delta))
            else:
                delta = max(delta, min(alpha_tr * snorm, sigma3 * delta))
            if actred > eta0 * prered:
                last_pred = prered
                memcpy(x, x_new, p * sizeof(double))
                memcpy(g, g_new, p * sizeof(double))
                if fabs(actred) <= FTOL * max(fabs(f), 1.0) and \
                        fabs(prered) <= FTOL * max(fabs(f), 1.0):
                    status = CONVERGED
                f = f_new
            else:
                # Rejected: the probabilities must be those of x again.
                with nogil:
                    f = _full(P, x, g_new, True)
                    n_pass += 1
                if f < 0.0:
                    _evaluation_failed(obj)
                if fabs(prered) <= FTOL * max(fabs(f), 1.0):
                    # The model predicts no decrease above rounding: the
                    # same "negligible relative decrease" stop as L-BFGS.
                    status = CONVERGED
                elif delta <= DBL_EPSILON * snorm:
                    status = LINESEARCH_FAILED   # the trust region collapsed
            gmax = _grad_max(P, g)
            if not (_finite(f) and _all_finite(x, p)):
                status = NONFINITE
                break
            if gmax <= tol and last_pred <= tol * tol:
                # As in lbfgs, the gradient bound alone is not enough with
                # many features: the last accepted step must also have
                # predicted a decrease <= tol**2 (Newton's next one is
                # smaller still).
                status = CONVERGED
            status = _end_iteration(callback, verbose, it, max_iter, f, gmax,
                                    status, loss_curve, progress)
            if status != MAX_ITER:
                break
        return it, status, n_pass
    finally:
        free(buf)


# --------------------------------------------------------- gradient descent

def gd(Objective obj, double[::1] theta, double tol, int max_iter,
       double learning_rate, double initial_step, object callback,
       int verbose, list loss_curve, Progress progress=None):
    """Full-batch (proximal) gradient descent.

    With ``learning_rate > 0``: fixed steps ``theta -= learning_rate * grad``
    (followed by soft-thresholding for an L1 term) and exactly one pass
    over X per iteration, the tutorials' algorithm.  Otherwise: Barzilai-Borwein
    steps (BB1, s's / s'y) safeguarded by a non-monotone sufficient-decrease
    test over the last 10 objectives (Grippo, Lampariello & Lucidi 1986;
    with the proximal step, Wright, Nowak & Figueiredo's SpaRSA, 2009),
    starting from ``initial_step``.  Returns (n_iter, status, n_passes).

    Stopping test: max|pg| <= tol (pg the gradient, for L1 the minimum-norm
    subgradient) AND the decrease still predicted along -pg is <= tol**2,
    the kind of test lbfgs and newton also make.  The prediction: on the
    quadratic model ``f(x - t pg) = f - t ||pg||^2 + t^2 ||pg||^2 / (2 b)``,
    whose curvature along pg is 1/b, the best step t = b decreases f by
    ``b ||pg||^2 / 2``.  For b we take the largest BB1 step
    ``b_i = s_i's_i / s_i'y_i`` (s = x_new - x, y = g_new - g: the inverse
    of the mean curvature along s) of the last 10 iterations, the window
    of the non-monotone line search.  Why the largest: BB steps alternate
    between short ones (high curvature) and long ones that follow the
    flattest directions met, and for a quadratic with Hessian H the gap
    left is pg.H^-1.pg / 2 <= ||pg||^2 / (2 lambda_min(H)); the largest
    recent b_i is the iteration's own estimate of 1 / lambda_min.  A single
    BB step still stopped breast_cancer (standardised) 4e-6 (relative)
    above the optimum, the gradient bound alone 1.3e-5; the window max
    1.3e-7, as lbfgs.  With a fixed ``learning_rate`` b is measured, not
    used.  ``s'y <= 0`` (f is convex: only rounding, s at rounding level)
    or s = 0 (a fixed point of the step) gives no estimate, b_i = 0.  The
    start is accepted by the gradient bound alone, as in lbfgs and newton.
    """
    if progress is None:
        progress = Progress()     # verbose's elapsed times: from here
    cdef Problem* P = &obj.P
    cdef Py_ssize_t p = P.n_params
    if theta.shape[0] != p:
        raise ValueError(f"theta has {theta.shape[0]} entries, expected {p}")
    cdef double* buf = <double*>malloc(4 * p * sizeof(double))
    if buf == NULL:
        raise MemoryError("clogreg: could not allocate gradient memory")
    cdef double* g = buf
    cdef double* g_new = g + p
    cdef double* x_new = g_new + p
    cdef double* pg = x_new + p
    cdef double* x = &theta[0]
    cdef bint fixed = learning_rate > 0.0
    cdef double step = learning_rate if fixed else initial_step
    cdef double f, f_new = 0.0, f_ref, gmax, sy, ss, dx, pred
    cdef double hist[10]
    cdef double bbh[10]
    cdef int it = 0, status = MAX_ITER, k, bt
    cdef Py_ssize_t n_eval = 0      # up to 60 per iteration: beyond C int
    cdef bint accepted
    cdef Py_ssize_t i
    try:
        with nogil:
            f = _full(P, x, g, False)
        n_eval = 1
        if f < 0.0:
            _evaluation_failed(obj)
        if not (_finite(f) and _all_finite(g, p)):
            return 0, NONFINITE, n_eval
        f += P.l1 * _l1_norm(P, x)
        for k in range(10):
            hist[k] = f
            bbh[k] = 0.0
        _pseudo_gradient(P, x, g, pg)
        if _grad_max(P, pg) <= tol:
            return 0, CONVERGED, n_eval
        while it < max_iter:
            with nogil:
                f_ref = hist[0]
                for k in range(1, 10):
                    if hist[k] > f_ref:
                        f_ref = hist[k]
                accepted = False
                for bt in range(60 if not fixed else 1):
                    for i in range(p):
                        x_new[i] = x[i] - step * g[i]
                    if P.l1 > 0.0:
                        _soft_threshold(P, x_new, step)
                    f_new = _full(P, x_new, g_new, False)
                    n_eval += 1
                    if f_new < 0.0:
                        accepted = True
                        break
                    f_new += P.l1 * _l1_norm(P, x_new)
                    if fixed:
                        accepted = True
                        break
                    ss = 0.0
                    for i in range(p):
                        dx = x_new[i] - x[i]
                        ss += dx * dx
                    if _finite(f_new) and f_new <= f_ref - 0.5e-4 * ss / step:
                        accepted = True
                        break
                    step *= 0.5
                sy = 0.0
                ss = 0.0
                if accepted and f_new >= 0.0:
                    for i in range(p):
                        sy += (x_new[i] - x[i]) * (g_new[i] - g[i])
                        ss += (x_new[i] - x[i]) * (x_new[i] - x[i])
                if accepted and not fixed and f_new >= 0.0:
                    if sy > 0.0:
                        step = ss / sy
                    else:
                        step = 2.0 * step
                    if step > 1e12:
                        step = 1e12
                    if step < 1e-12:
                        step = 1e-12
            if f_new < 0.0:
                _evaluation_failed(obj)
            if not accepted:
                status = LINESEARCH_FAILED
                break
            it += 1
            memcpy(x, x_new, p * sizeof(double))
            memcpy(g, g_new, p * sizeof(double))
            if not (_finite(f_new) and _all_finite(x, p) and _all_finite(g, p)):
                status = NONFINITE
                break
            hist[it % 10] = f_new
            _pseudo_gradient(P, x, g, pg)
            gmax = _grad_max(P, pg)
            bbh[it % 10] = ss / sy if sy > 0.0 else 0.0
            if gmax <= tol:
                # ... and the predicted decrease b ||pg||^2 / 2 <= tol**2,
                # b the largest recent BB1 step (see the docstring).
                pred = bbh[0]
                for k in range(1, 10):
                    if bbh[k] > pred:
                        pred = bbh[k]
                if 0.5 * pred * _vdot(pg, pg, p) <= tol * tol:
                    status = CONVERGED
            f = f_new
            status = _end_iteration(callback, verbose, it, max_iter, f, gmax,
                                    status, loss_curve, progress)
            if status != MAX_ITER:
                break
        return it, status, n_eval
    finally:
        free(buf)


# ------------------------------------------------------ mini-batch SGD

cdef inline unsigned long long _splitmix64(unsigned long long* state) noexcept nogil:
    """SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit
    generator; plenty for shuffling rows."""
    cdef unsigned long long z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef int _sgd_epoch(Problem* P, double* x, double* g, double* avg,
                    double* applied, double* owed, Py_ssize_t* perm,
                    unsigned long long* state, double eta,
                    Py_ssize_t batch_size, double mean_weight,
                    Py_ssize_t* n_steps, Py_ssize_t* n_batches,
                    double* since, double row_work, double step_work,
                    void* progress, int verbose, int it,
                    Py_ssize_t n_per_epoch) noexcept nogil:
    """One epoch (iteration ``it`` of the verbose lines): shuffle, step
    along each batch, sum the iterates into ``avg``.  Between batches,
    every CHECK_WORK of work (counted in ``since``, ``row_work`` per row
    and ``step_work`` per step), check for Ctrl-C and let ``progress`` (a
    Progress) print a running line.  Returns 0, 1 for a non-finite
    objective or iterate, 2 when out of memory (or a pass was
    interrupted), 3 when interrupted between batches."""
    cdef Py_ssize_t n = P.n_samples, p = P.n_params
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    cdef Py_ssize_t i, j, tmp, start, nb
    cdef double fb, wb, before
    for i in range(n - 1, 0, -1):
        j = <Py_ssize_t>(_splitmix64(state) % <unsigned long long>(i + 1))
        tmp = perm[i]
        perm[i] = perm[j]
        perm[j] = tmp
    n_steps[0] = 0
    for i in range(p):
        avg[i] = 0.0
    start = 0
    while start < n:
        nb = batch_size if start + batch_size <= n else n - start
        wb = <double>nb if P.sample_weight == NULL else nb * mean_weight
        if wb > 0.0:
            fb = smooth_objective(P, x, g, perm + start, nb, wb, False)
            n_batches[0] += 1
            if fb < 0.0:
                return 2
            fb += P.l1 * _l1_norm(P, x)
            if not _finite(fb):
                return 1
            for i in range(p):
                x[i] -= eta * g[i]
            if P.l1 > 0.0:
                # Cumulative L1 penalty (Tsuruoka, Tsujii & Ananiadou, ACL
                # 2009): clip each weight towards 0 by the penalty it is
                # still owed, never past 0.
                owed[0] += eta * P.l1
                for i in range(Kd):
                    before = x[i]
                    if x[i] > 0.0:
                        x[i] = max(0.0, x[i] - (owed[0] * _ps(P, i) + applied[i]))
                    elif x[i] < 0.0:
                        x[i] = min(0.0, x[i] + (owed[0] * _ps(P, i) - applied[i]))
                    applied[i] += x[i] - before
            for i in range(p):
                avg[i] += x[i]
            n_steps[0] += 1
        start += nb
        since[0] += nb * row_work + step_work
        if since[0] >= CHECK_WORK:
            since[0] = 0.0
            if _interrupted():
                return 3
            if verbose > 0:
                with gil:
                    _tick(<Progress><object>progress, verbose, it,
                          (start + batch_size - 1) // batch_size, n_per_epoch)
    if not _all_finite(x, p):
        return 1
    return 0


cdef void _epoch_model(const Problem* P, const double* x, const double* avg,
                       Py_ssize_t n_steps, int epoch, double* model) noexcept nogil:
    """The model after epoch ``epoch`` (1, 2, ... within this call): the
    mean of the epochs' averages of their iterates weighted by the epoch
    number (Lacoste-Julien, Schmidt & Bach 2012's weighting by the step
    number, per epoch), updated in place: model <- (1 - w) model + w avg
    with w = 2 / (epoch + 1), so epoch 1's model is its average.  The
    noise left in one epoch's average shrinks as more epochs enter, and
    the early, far epochs weigh least.  Averaging L1 iterates can un-zero
    a coefficient that was zero only part of the time; keep exact zeros
    where the final iterate has them."""
    cdef Py_ssize_t i, Kd = P.n_classes * P.n_features
    cdef double w = 2.0 / (epoch + 1.0), a
    for i in range(P.n_params):
        a = avg[i] / n_steps if n_steps > 0 else x[i]
        if P.l1 > 0.0 and i < Kd and x[i] == 0.0:
            model[i] = 0.0
        elif epoch <= 1:
            model[i] = a
        else:
            model[i] = (1.0 - w) * model[i] + w * a


# An automatic step is retried on the first epoch while that epoch's
# average is no better than the start, or its last iterate's objective lies
# more than NOISE_SHARE of the start's objective above the average's: then
# the noise of the steps, which grows with the step, dominates.
cdef double NOISE_SHARE = 0.25
cdef int MAX_RETRIES = 12


def sgd(Objective obj, double[::1] theta, double tol, int max_iter,
        double learning_rate, Py_ssize_t batch_size, unsigned long long shuffle_state,
        int n_iter_no_change, Py_ssize_t first_epoch, object callback,
        int verbose, list loss_curve, Progress progress=None,
        bint calibrate=False):
    """Mini-batch stochastic gradient descent, with clipped L1 steps.

    Each epoch shuffles the rows (Fisher-Yates driven by SplitMix64 from
    ``shuffle_state``) and steps along each batch's estimate of the mean objective's
    gradient, sum_{i in batch} s_i grad_i / (n_b S / n) plus the penalty's:
    divided by the batch's expected weight n_b S / n, not by its own weight
    sum, which would make the estimate biased (with one-row batches it
    would drop the weights altogether; a row of weight 1e4 among rows of
    weight 1 would count as much as any other).  An L1 term
    is applied by the cumulative-penalty clipping of Tsuruoka et al. (2009),
    which, unlike plain soft-thresholding of noisy iterates, leaves the
    irrelevant weights at exactly 0.  The step of epoch e is
    ``learning_rate / sqrt(1 + e)``, e counted from ``first_epoch`` (so
    that successive ``partial_fit`` calls keep decaying).

    The model of an epoch is the average of its iterates (tail averaging,
    Polyak & Juditsky 1992), which cancels most of the noise of the steps;
    the last epoch's is returned in ``theta``.  After each epoch one full
    pass evaluates that model: its mean objective is what ``loss_curve``
    records, verbose prints (with its largest gradient entry) and the
    callback receives, so that they describe the returned coefficients, not
    the noisy iterates.  Stops when the best of those objectives has
    improved by at most ``tol`` over the last ``n_iter_no_change`` epochs
    together (not when each epoch gains less than ``tol``: an exact
    objective decreasing slowly with the decaying step does that long
    before the optimum).

    ``calibrate`` (for an automatic ``learning_rate``): one more pass
    evaluates the start, and the first epoch is run again from the start
    with a smaller step while its model is no better than the start, or
    while the objective at its last iterate (one more pass) exceeds the
    model's by more than a quarter of the start's objective: the iterates'
    excess over their average is the noise of the steps, which grows with
    the step (on wide, noisy data an epoch of too large a step ends
    further from the optimum than it began).  The step is divided by at
    least 2, by the excess over an eighth of the start's objective when
    that is more, at most 12 times.

    Returns (n_epochs, status, n_batches, learning_rate), the last the
    initial step actually used.
    """
    if progress is None:
        progress = Progress()     # verbose's elapsed times: from here
    cdef Problem* P = &obj.P
    cdef Py_ssize_t p = P.n_params, n = P.n_samples
    if theta.shape[0] != p:
        raise ValueError(f"theta has {theta.shape[0]} entries, expected {p}")
    if P.external != NULL:
        raise ValueError("sgd draws mini-batches of rows in this process; "
                         "external (distributed) data runs lbfgs, newton or gd")
    if batch_size < 1 or batch_size > n:
        raise ValueError("batch_size must be in [1, n_samples]")
    if not learning_rate > 0.0:
        raise ValueError("learning_rate must be positive")
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    # g, avg, model, pg, the start, the L1 penalty applied so far per
    # weight, and the best objective of the last n_iter_no_change epochs
    cdef double* g = <double*>malloc((5 * p + Kd + n_iter_no_change + 1)
                                     * sizeof(double))
    cdef Py_ssize_t* perm = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t))
    cdef double mean_weight = P.weight_sum / n   # 1 exactly for unit weights
    if g == NULL or perm == NULL:
        free(g)
        free(perm)
        raise MemoryError("clogreg: could not allocate SGD memory")
    cdef double* x = &theta[0]
    cdef double* avg = g + p
    cdef double* model = avg + p
    cdef double* pg = model + p
    cdef double* x0 = pg + p
    cdef double* applied = x0 + p
    cdef double* best_hist = applied + Kd
    cdef double owed = 0.0             # L1 penalty any weight could have had
    cdef Py_ssize_t n_steps = 0, n_batches = 0, i
    cdef unsigned long long state = shuffle_state, state0
    cdef double eta, f0 = INFINITY, f = INFINITY
    cdef double best = INFINITY, gmax = 0.0, excess = 0.0
    cdef double lr = learning_rate
    cdef int epoch = 0, status = MAX_ITER, retries = 0, rc = 0
    if n_iter_no_change < 1:
        raise ValueError("n_iter_no_change must be >= 1")
    cdef int m_hist = n_iter_no_change + 1
    # work since the last check for Ctrl-C, and a batch's (see CHECK_WORK)
    cdef double since = 0.0
    cdef double row_work = P.n_classes * _values_per_row(P.X)
    cdef double step_work = 4.0 * Kd
    cdef Py_ssize_t n_per_epoch = (n + batch_size - 1) // batch_size
    try:
        for i in range(n):
            perm[i] = i
        memset(applied, 0, Kd * sizeof(double))
        for i in range(m_hist):
            best_hist[i] = INFINITY
        if calibrate:
            with nogil:
                f0 = _full(P, x, g, False)
            if f0 < 0.0:
                _evaluation_failed(obj)
            f0 += P.l1 * _l1_norm(P, x)
            memcpy(x0, x, p * sizeof(double))
        while epoch < max_iter:
            eta = lr / sqrt(1.0 + epoch + first_epoch)
            state0 = state
            with nogil:
                rc = _sgd_epoch(P, x, g, avg, applied, &owed, perm, &state,
                                eta, batch_size, mean_weight, &n_steps,
                                &n_batches, &since, row_work, step_work,
                                <void*>progress, verbose, epoch + 1,
                                n_per_epoch)
                if rc == 0:
                    _epoch_model(P, x, avg, n_steps, epoch + 1, model)
                    f = _full(P, model, g, False)
                    if f < 0.0:
                        rc = 2
            if rc == 3:
                _raise_set()
            if rc == 2:
                _evaluation_failed(obj)
            if rc == 0:
                f += P.l1 * _l1_norm(P, model)
                if not (_finite(f) and _all_finite(g, p)):
                    rc = 1
            excess = 0.0
            if calibrate and epoch == 0 and rc == 0:
                # The last iterate's excess over the average: the noise of
                # the steps (an epoch of few, noiseless steps ends with the
                # last iterate at or below its average).
                with nogil:
                    excess = _full(P, x, pg, False)
                if excess < 0.0:
                    _evaluation_failed(obj)
                excess += P.l1 * _l1_norm(P, x) - f
            if calibrate and epoch == 0 and retries < MAX_RETRIES and _finite(f0) \
                    and (rc == 1 or not f < f0
                         or not excess <= NOISE_SHARE * f0):
                # Too large a step: run the first epoch again, from the
                # start and with the same shuffle, with a smaller one.
                excess = excess / (0.5 * NOISE_SHARE * f0) \
                    if rc == 0 and _finite(excess) else 2.0
                lr = lr / (excess if excess > 2.0 else 2.0)
                retries += 1
                memcpy(x, x0, p * sizeof(double))
                memset(applied, 0, Kd * sizeof(double))
                owed = 0.0
                state = state0
                continue
            epoch += 1
            if rc == 1:
                status = NONFINITE
                break
            _pseudo_gradient(P, model, g, pg)
            gmax = _grad_max(P, pg)
            if f < best:
                best = f
            # best_hist[e % m]: the best objective after epoch e (m =
            # n_iter_no_change + 1 slots; before epoch 1, +inf)
            if epoch >= n_iter_no_change and \
                    best > best_hist[(epoch - n_iter_no_change) % m_hist] - tol:
                status = CONVERGED
            best_hist[epoch % m_hist] = best
            status = _end_iteration(callback, verbose, epoch, max_iter,
                                    f, gmax, status, loss_curve,
                                    progress)
            if status != MAX_ITER:
                break
        if status != NONFINITE and epoch > 0:
            memcpy(x, model, p * sizeof(double))
        return epoch, status, n_batches, lr
    finally:
        free(g)
        free(perm)
