# cython: language_level=3, cdivision=True, initializedcheck=False
# boundscheck and wraparound are set by setup.py (see kernels.pyx).
"""Solvers of clogreg: L-BFGS, full-batch gradient descent and mini-batch SGD.

Design
------
* The iteration loop lives here, not in Python.  Each iteration calls the
  fused pass of ``clogreg.kernels`` with the GIL released; the GIL is taken
  back only to check for Ctrl-C, to call the user's callback and to print
  progress.
* All solvers minimise the mean objective of ``clogreg/solvers.pxd``, so
  ``tol`` means what it means in scikit-learn: a bound on the largest
  absolute entry of the gradient of the mean objective.
* The parameter vector is ``theta = [coef (K*d, row-major) | intercept (K)]``
  in float64, whatever the dtype of X.
* What these solvers must never do: return non-finite coefficients.  A
  non-finite objective stops the solver with status NONFINITE and the
  Python layer raises.

Status codes returned to Python: 0 converged, 1 max_iter reached, 2 the line
search could not make progress, 3 non-finite objective, 4 stopped by the
callback, 5 out of memory.
"""

from cython cimport floating
from libc.math cimport sqrt, fabs, INFINITY
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from libc.float cimport DBL_EPSILON
from cpython.exc cimport PyErr_CheckSignals

from clogreg.kernels cimport loss_gradient_dense

cdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1
    LINESEARCH_FAILED = 2
    NONFINITE = 3
    CALLBACK_STOP = 4
    NO_MEMORY = 5

# scikit-learn passes ftol = 64 * eps to L-BFGS-B; the relative-decrease
# test below uses the same bound.
cdef double FTOL = 64.0 * DBL_EPSILON
cdef int PRINT_EVERY = 10


cdef double objective(const floating* X, const Problem* P,
                      const double* theta, double* grad,
                      const Py_ssize_t* rows, Py_ssize_t n_rows,
                      double weight_sum) noexcept nogil:
    """Mean objective over the given rows and its gradient into ``grad``.

    Returns -1.0 if the kernel's workspace could not be allocated (the
    objective itself is never negative).
    """
    cdef Py_ssize_t Kd = P.n_classes * P.n_features
    cdef Py_ssize_t j
    cdef double penalty = 0.0
    cdef double inv_w = 1.0 / weight_sum
    cdef double loss = loss_gradient_dense(
        X, n_rows, P.n_features, P.y, P.sample_weight,
        theta, theta + Kd if P.fit_intercept else NULL, P.n_classes,
        rows, grad, grad + Kd if P.fit_intercept else NULL, P.n_threads)
    if loss < 0.0:
        return -1.0
    for j in range(Kd):
        penalty += theta[j] * theta[j]
        grad[j] = grad[j] * inv_w + P.alpha * theta[j]
    for j in range(Kd, P.n_params):
        grad[j] = grad[j] * inv_w
    return loss * inv_w + 0.5 * P.alpha * penalty


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


# ------------------------------------------------------- shared plumbing

cdef int _make_problem(Problem* P, Py_ssize_t n, Py_ssize_t d, Py_ssize_t K,
                       const int[::1] y, const double[::1] sample_weight,
                       double alpha, bint fit_intercept, Py_ssize_t n_params,
                       int n_threads) except -1:
    cdef Py_ssize_t i
    P.n_samples = n
    P.n_features = d
    P.n_classes = K
    P.fit_intercept = fit_intercept
    P.n_params = K * d + (K if fit_intercept else 0)
    if n_params != P.n_params:
        raise ValueError(f"theta has {n_params} entries, expected "
                         f"{P.n_params}")
    if y.shape[0] != n:
        raise ValueError("y and X have different numbers of rows")
    P.y = &y[0]
    P.alpha = alpha
    P.n_threads = n_threads if n_threads > 0 else 1
    if sample_weight is None:
        P.sample_weight = NULL
        P.weight_sum = <double>n
    else:
        if sample_weight.shape[0] != n:
            raise ValueError("sample_weight and X have different lengths")
        P.sample_weight = &sample_weight[0]
        P.weight_sum = 0.0
        for i in range(n):
            P.weight_sum += sample_weight[i]
    if not P.weight_sum > 0.0:
        raise ValueError("the sample weights sum to zero")
    return 0


cdef int _end_iteration(object callback, int verbose, int it, int max_iter,
                        double f, double gmax, int status) except -1:
    """Ctrl-C check, progress line and user callback after iteration ``it``.

    ``status`` is MAX_ITER while the solver would go on.  Returns the status
    to continue with: CALLBACK_STOP if the callback returned True.
    """
    PyErr_CheckSignals()
    cdef bint last = status != MAX_ITER or it == max_iter
    if verbose > 0 and (it == 1 or it % PRINT_EVERY == 0 or last):
        print(f"clogreg: iter {it:6d}  objective {f:.10g}  "
              f"max|grad| {gmax:.3e}", flush=True)
    if callback is not None and callback(it, f) and status == MAX_ITER:
        return CALLBACK_STOP
    return status


# ------------------------------------------------------------------ L-BFGS

cdef double _eval_at(const floating* X, const Problem* P, const double* x,
                     const double* d, double a, double* x_out, double* g_out,
                     double* dphi) noexcept nogil:
    """f(x + a d) and its directional derivative along d."""
    cdef Py_ssize_t i
    cdef double f
    for i in range(P.n_params):
        x_out[i] = x[i] + a * d[i]
    f = objective(X, P, x_out, g_out, NULL, P.n_samples, P.weight_sum)
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


cdef int _wolfe_search(const floating* X, const Problem* P, const double* x,
                       double f0, const double* d, double dphi0,
                       double a_init, double* x_new, double* g_new,
                       double* f_out, int max_eval, int* n_eval) noexcept nogil:
    """Line search for the strong Wolfe conditions (Nocedal & Wright,
    Algorithms 3.5 and 3.6), c1 = 1e-4, c2 = 0.9.

    The sufficient-decrease test allows a slack of a few ulps of f0: near
    the optimum f changes by less than its rounding error, and the
    gradient-based curvature test must then be the one that decides
    (Hager & Zhang's "approximate Wolfe" idea).  Returns 0 on success with
    x_new, g_new and f_out at the accepted point, -1 on failure.
    """
    cdef double c1 = 1e-4, c2 = 0.9
    cdef double slack = 8.0 * DBL_EPSILON * fabs(f0)
    cdef double a_prev = 0.0, f_prev = f0, d_prev = dphi0
    cdef double a = a_init, fa, da
    cdef double lo, f_lo, d_lo, hi, f_hi, d_hi
    cdef int i, used = 0
    cdef bint zoom = False
    for i in range(max_eval):
        used += 1
        fa = _eval_at(X, P, x, d, a, x_new, g_new, &da)
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
        fa = _eval_at(X, P, x, d, a, x_new, g_new, &da)
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
        f_out[0] = _eval_at(X, P, x, d, lo, x_new, g_new, &da)
        n_eval[0] += 1
        if f_out[0] < 0.0:
            return -2
        if _finite(f_out[0]):
            return 0
    return -1


def lbfgs(const floating[:, ::1] X, const int[::1] y,
          const double[::1] sample_weight, double[::1] theta,
          Py_ssize_t n_classes, bint fit_intercept, double alpha, double tol,
          int max_iter, int memory, int n_threads, object callback,
          int verbose, double[::1] loss_curve):
    """Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4 and 7.5).

    ``theta`` holds the start on entry and the solution on return.  Writes
    the objective after each iteration into ``loss_curve`` (length
    >= max_iter).  Returns (n_iter, status, n_evaluations).
    """
    cdef Problem P
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    _make_problem(&P, n, d, n_classes, y, sample_weight, alpha,
                  fit_intercept, theta.shape[0], n_threads)
    cdef Py_ssize_t p = P.n_params
    cdef int m = memory if memory > 0 else 1
    cdef double* buf = <double*>malloc((2 * m * p + 4 * p + 2 * m) * sizeof(double))
    if buf == NULL:
        raise MemoryError("clogreg: could not allocate L-BFGS memory")
    cdef double* S = buf                   # m rows of s = x_{k+1} - x_k
    cdef double* Yv = S + m * p            # m rows of y = g_{k+1} - g_k
    cdef double* g = Yv + m * p
    cdef double* g_new = g + p
    cdef double* x_new = g_new + p
    cdef double* dirn = x_new + p
    cdef double* rho = dirn + p
    cdef double* coeffs = rho + m
    cdef double* x = &theta[0]
    cdef const floating* Xp = &X[0, 0]
    cdef double f, f_new = 0.0, gmax, dphi0, a_init, sy, yy, gamma, beta
    cdef int it = 0, status = MAX_ITER, n_eval = 0, n_mem = 0, head = 0
    cdef int j, idx, ls
    cdef Py_ssize_t i
    try:
        with nogil:
            f = objective(Xp, &P, x, g, NULL, n, P.weight_sum)
            n_eval = 1
        if f < 0.0:
            raise MemoryError("clogreg: could not allocate the workspace")
        if not (_finite(f) and _all_finite(g, p)):
            return 0, NONFINITE, n_eval
        gmax = _max_abs(g, p)
        if gmax <= tol:
            return 0, CONVERGED, n_eval
        while it < max_iter:
            with nogil:
                # Two-loop recursion: dirn = -H g.
                for i in range(p):
                    dirn[i] = -g[i]
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
                dphi0 = _vdot(g, dirn, p)
                if not dphi0 < 0.0:
                    # Not a descent direction (rounding): restart from -g.
                    n_mem = 0
                    for i in range(p):
                        dirn[i] = -g[i]
                    dphi0 = -_vdot(g, g, p)
                if n_mem == 0:
                    a_init = 1.0 / sqrt(-dphi0)
                    if a_init > 1.0:
                        a_init = 1.0
                else:
                    a_init = 1.0
                ls = _wolfe_search(Xp, &P, x, f, dirn, dphi0, a_init, x_new,
                                   g_new, &f_new, 20, &n_eval)
                if ls == -1 and n_mem > 0:
                    # Retry along steepest descent with a fresh memory.
                    n_mem = 0
                    for i in range(p):
                        dirn[i] = -g[i]
                    dphi0 = -_vdot(g, g, p)
                    a_init = 1.0 / sqrt(-dphi0)
                    if a_init > 1.0:
                        a_init = 1.0
                    ls = _wolfe_search(Xp, &P, x, f, dirn, dphi0, a_init,
                                       x_new, g_new, &f_new, 20, &n_eval)
            if ls == -2:
                raise MemoryError("clogreg: could not allocate the workspace")
            if ls != 0:
                status = LINESEARCH_FAILED
                break
            it += 1
            with nogil:
                # Update the memory with s = x_new - x, y = g_new - g.
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
            gmax = _max_abs(g, p)
            loss_curve[it - 1] = f_new
            if not (_finite(f_new) and _all_finite(x, p)):
                status = NONFINITE
                break
            if gmax <= tol:
                status = CONVERGED
            elif (f - f_new) <= FTOL * max(fabs(f), fabs(f_new), 1.0):
                status = CONVERGED
            f = f_new
            status = _end_iteration(callback, verbose, it, max_iter, f, gmax,
                                    status)
            if status != MAX_ITER:
                break
        return it, status, n_eval
    finally:
        free(buf)


# --------------------------------------------------------- gradient descent

def gd(const floating[:, ::1] X, const int[::1] y,
       const double[::1] sample_weight, double[::1] theta,
       Py_ssize_t n_classes, bint fit_intercept, double alpha, double tol,
       int max_iter, double learning_rate, double initial_step,
       int n_threads, object callback, int verbose, double[::1] loss_curve):
    """Full-batch gradient descent.

    With ``learning_rate > 0``: fixed steps ``theta -= learning_rate * grad``
    and exactly one pass over X per iteration (the seeds' algorithm).
    Otherwise: Barzilai-Borwein steps (BB1, s's / s'y) safeguarded by a
    non-monotone Armijo backtracking over the last 10 objectives (Grippo,
    Lampariello & Lucidi 1986; Raydan 1997), starting from ``initial_step``.
    Returns (n_iter, status, n_evaluations).
    """
    cdef Problem P
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    _make_problem(&P, n, d, n_classes, y, sample_weight, alpha,
                  fit_intercept, theta.shape[0], n_threads)
    cdef Py_ssize_t p = P.n_params
    cdef double* buf = <double*>malloc(3 * p * sizeof(double))
    if buf == NULL:
        raise MemoryError("clogreg: could not allocate gradient memory")
    cdef double* g = buf
    cdef double* g_new = g + p
    cdef double* x_new = g_new + p
    cdef double* x = &theta[0]
    cdef const floating* Xp = &X[0, 0]
    cdef bint fixed = learning_rate > 0.0
    cdef double step = learning_rate if fixed else initial_step
    cdef double f, f_new = 0.0, f_ref, gg, gmax, sy, ss
    cdef double hist[10]
    cdef int it = 0, status = MAX_ITER, n_eval = 0, k, bt
    cdef bint accepted
    cdef Py_ssize_t i
    try:
        with nogil:
            f = objective(Xp, &P, x, g, NULL, n, P.weight_sum)
        n_eval = 1
        if f < 0.0:
            raise MemoryError("clogreg: could not allocate the workspace")
        if not (_finite(f) and _all_finite(g, p)):
            return 0, NONFINITE, n_eval
        for k in range(10):
            hist[k] = f
        if _max_abs(g, p) <= tol:
            return 0, CONVERGED, n_eval
        while it < max_iter:
            with nogil:
                gg = _vdot(g, g, p)
                f_ref = hist[0]
                for k in range(1, 10):
                    if hist[k] > f_ref:
                        f_ref = hist[k]
                accepted = False
                for bt in range(60 if not fixed else 1):
                    for i in range(p):
                        x_new[i] = x[i] - step * g[i]
                    f_new = objective(Xp, &P, x_new, g_new, NULL, n,
                                      P.weight_sum)
                    n_eval += 1
                    if f_new < 0.0 or fixed:
                        accepted = True
                        break
                    if _finite(f_new) and f_new <= f_ref - 1e-4 * step * gg:
                        accepted = True
                        break
                    step *= 0.5
                if accepted and not fixed and f_new >= 0.0:
                    sy = 0.0
                    ss = 0.0
                    for i in range(p):
                        sy += (x_new[i] - x[i]) * (g_new[i] - g[i])
                        ss += (x_new[i] - x[i]) * (x_new[i] - x[i])
                    if sy > 0.0:
                        step = ss / sy
                    else:
                        step = 2.0 * step
                    if step > 1e12:
                        step = 1e12
                    if step < 1e-12:
                        step = 1e-12
            if f_new < 0.0:
                raise MemoryError("clogreg: could not allocate the workspace")
            if not accepted:
                status = LINESEARCH_FAILED
                break
            it += 1
            memcpy(x, x_new, p * sizeof(double))
            memcpy(g, g_new, p * sizeof(double))
            loss_curve[it - 1] = f_new
            if not (_finite(f_new) and _all_finite(x, p) and _all_finite(g, p)):
                status = NONFINITE
                break
            hist[it % 10] = f_new
            gmax = _max_abs(g, p)
            if gmax <= tol:
                status = CONVERGED
            f = f_new
            status = _end_iteration(callback, verbose, it, max_iter, f, gmax,
                                    status)
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


def sgd(const floating[:, ::1] X, const int[::1] y,
        const double[::1] sample_weight, double[::1] theta,
        Py_ssize_t n_classes, bint fit_intercept, double alpha, double tol,
        int max_iter, double learning_rate, Py_ssize_t batch_size,
        unsigned long long seed, int n_iter_no_change, int n_threads,
        object callback, int verbose, double[::1] loss_curve):
    """Mini-batch stochastic gradient descent.

    Each epoch shuffles the rows (Fisher-Yates driven by SplitMix64 from
    ``seed``) and steps along the mean gradient of each batch.  The step of
    epoch e is ``learning_rate / sqrt(1 + e)``.  The returned ``theta`` is
    the average of the iterates of the last epoch (tail averaging, Polyak &
    Juditsky 1992): it cancels most of the noise of the last steps.  ``loss_curve[e]`` is the
    weighted mean of the batch objectives seen during epoch e (free: each is
    a by-product of its gradient).  Stops when that mean has not improved by
    ``tol`` for ``n_iter_no_change`` epochs.  Returns (n_epochs, status,
    n_batches).
    """
    cdef Problem P
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    _make_problem(&P, n, d, n_classes, y, sample_weight, alpha,
                  fit_intercept, theta.shape[0], n_threads)
    cdef Py_ssize_t p = P.n_params
    if batch_size < 1 or batch_size > n:
        raise ValueError("batch_size must be in [1, n_samples]")
    if not learning_rate > 0.0:
        raise ValueError("learning_rate must be positive")
    cdef double* g = <double*>malloc(2 * p * sizeof(double))
    cdef Py_ssize_t* perm = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t))
    if g == NULL or perm == NULL:
        free(g)
        free(perm)
        raise MemoryError("clogreg: could not allocate SGD memory")
    cdef double* x = &theta[0]
    cdef double* avg = g + p
    cdef const floating* Xp = &X[0, 0]
    cdef Py_ssize_t n_steps
    cdef unsigned long long state = seed
    cdef double fb, wb, eta, epoch_loss, epoch_w, best = INFINITY, gmax = 0.0
    cdef int epoch = 0, status = MAX_ITER, no_improve = 0
    cdef Py_ssize_t i, j, start, nb, tmp, n_batches = 0
    cdef bint bad = False, oom = False
    try:
        for i in range(n):
            perm[i] = i
        while epoch < max_iter:
            eta = learning_rate / sqrt(1.0 + epoch)
            with nogil:
                for i in range(n - 1, 0, -1):
                    j = <Py_ssize_t>(_splitmix64(&state) % <unsigned long long>(i + 1))
                    tmp = perm[i]
                    perm[i] = perm[j]
                    perm[j] = tmp
                epoch_loss = 0.0
                epoch_w = 0.0
                n_steps = 0
                for i in range(p):
                    avg[i] = 0.0
                start = 0
                while start < n:
                    nb = batch_size if start + batch_size <= n else n - start
                    wb = 0.0
                    if P.sample_weight == NULL:
                        wb = <double>nb
                    else:
                        for i in range(start, start + nb):
                            wb += P.sample_weight[perm[i]]
                    if wb > 0.0:
                        fb = objective(Xp, &P, x, g, perm + start, nb, wb)
                        n_batches += 1
                        if fb < 0.0:
                            oom = True
                            break
                        if not _finite(fb):
                            bad = True
                            break
                        for i in range(p):
                            x[i] -= eta * g[i]
                            avg[i] += x[i]
                        n_steps += 1
                        epoch_loss += fb * wb
                        epoch_w += wb
                    start += nb
                if not bad and not oom:
                    bad = not _all_finite(x, p)
                    gmax = _max_abs(g, p)
            if oom:
                raise MemoryError("clogreg: could not allocate the workspace")
            epoch += 1
            if bad:
                status = NONFINITE
                break
            epoch_loss = epoch_loss / epoch_w
            loss_curve[epoch - 1] = epoch_loss
            if epoch_loss > best - tol:
                no_improve += 1
            else:
                no_improve = 0
            if epoch_loss < best:
                best = epoch_loss
            if no_improve >= n_iter_no_change:
                status = CONVERGED
            status = _end_iteration(callback, verbose, epoch, max_iter,
                                    epoch_loss, gmax, status)
            if status != MAX_ITER:
                break
        if status != NONFINITE and n_steps > 0:
            for i in range(p):
                x[i] = avg[i] / n_steps
        return epoch, status, n_batches
    finally:
        free(g)
        free(perm)
