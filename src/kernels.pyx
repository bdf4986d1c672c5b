# cython: language_level=3, cdivision=True, initializedcheck=False
# boundscheck and wraparound are set by setup.py: off in release builds,
# on when CLOGREG_DEBUG=1 is in the environment at build time.
"""Numerical kernels of clogreg: stable scalars, the fused training pass and
prediction.

Design
------
* One fused pass.  ``loss_gradient_dense`` reads each row of ``X`` once: it
  computes the row's scores, its residual (``sigmoid(z) - y`` or
  ``softmax(z) - onehot(y)``) and adds ``residual * row`` to the gradient
  while the row is still in L1 cache.  ``X @ w`` followed by ``X.T @ r``
  would read ``X`` twice.
* Deterministic threads.  Rows are cut into a number of blocks that depends
  only on the problem's shape, never on the thread count.  Each block
  accumulates its own partial gradient; the partials are then summed in
  block order.  The result is bitwise identical for any ``n_threads``.
* float64 everywhere it matters.  ``X`` may be float32 or float64 (fused
  type); coefficients, scores and accumulators are float64.
* What this module must never do: allocate Python objects in a loop, hold
  the GIL while it reads ``X``, or produce a NaN or an overflow from finite
  input.
"""

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, log, log1p
from libc.stdlib cimport malloc, free
from libc.string cimport memset


cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int clogreg_openmp_enabled(void) { return 1; }
    static int clogreg_omp_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int clogreg_openmp_enabled(void) { return 0; }
    static int clogreg_omp_max_threads(void) { return 1; }
    #endif
    """
    int clogreg_openmp_enabled() noexcept nogil
    int clogreg_omp_max_threads() noexcept nogil


# Blocking of the training pass.  A block is at least ROWS_PER_BLOCK rows
# (so its private gradient is amortised over many rows), there are at most
# MAX_BLOCKS of them (plenty to balance any realistic core count), and all
# private gradients together stay under WORKSPACE_DOUBLES.
cdef enum:
    ROWS_PER_BLOCK = 256
    MAX_BLOCKS = 64
    WORKSPACE_DOUBLES = 1 << 22      # 32 MiB
    PREDICT_CHUNK = 1024             # rows per task in the prediction kernels


# ------------------------------------------------------------------ scalars

cdef double sigmoid(double z) noexcept nogil:
    """Logistic function 1 / (1 + exp(-z)), without overflow.

    exp(-z) overflows only for z < -709.78; below -700, 1 + exp(z) == 1 in
    double precision, so sigmoid(z) == exp(z) exactly.  Elsewhere the
    textbook formula is accurate to an ulp (and matches the seeds bit for
    bit).
    """
    if z < -700.0:
        return exp(z)
    return 1.0 / (1.0 + exp(-z))


cdef double log1pexp(double z) noexcept nogil:
    """log(1 + exp(z)) to full double precision for every finite z.

    Piecewise formula from M. Maechler, "Accurately Computing
    log(1 - exp(-|a|))" (Rmpfr vignette, 2012), eq. (10):

        z <= -37       : exp(z)           (log1p(t) == t to double precision)
        -37 < z <= 18  : log1p(exp(z))
        18 < z <= 33.3 : z + exp(-z)
        z > 33.3       : z
    """
    if z <= -37.0:
        return exp(z)
    if z <= 18.0:
        return log1p(exp(z))
    if z <= 33.3:
        return z + exp(-z)
    return z


cdef double softmax_row(const floating* scores, floating* out,
                        Py_ssize_t n_classes) noexcept nogil:
    """out = softmax(scores); returns log(sum(exp(scores))).

    Log-sum-exp trick: with m = max(scores), exp(s_k - m) <= 1, so nothing
    overflows and at least one term equals 1, so the sum never underflows
    to 0.  ``out`` may alias ``scores``.
    """
    cdef Py_ssize_t k
    cdef double m = scores[0]
    cdef double total = 0.0
    cdef double e
    for k in range(1, n_classes):
        if scores[k] > m:
            m = scores[k]
    for k in range(n_classes):
        e = exp(<double>scores[k] - m)
        out[k] = <floating>e
        total += e
    for k in range(n_classes):
        out[k] = <floating>(out[k] / total)
    return m + log(total)


cdef inline double _softmax_inplace(double* z, Py_ssize_t n_classes) noexcept nogil:
    """Double-precision softmax in place (no rounding of the exponentials)."""
    cdef Py_ssize_t k
    cdef double m = z[0]
    cdef double total = 0.0
    for k in range(1, n_classes):
        if z[k] > m:
            m = z[k]
    for k in range(n_classes):
        z[k] = exp(z[k] - m)
        total += z[k]
    for k in range(n_classes):
        z[k] = z[k] / total
    return m + log(total)


# ------------------------------------------------------------ row helpers

cdef inline double _dot(const floating* x, const double* w,
                        Py_ssize_t d) noexcept nogil:
    # Four independent accumulators: a fixed summation order (so results do
    # not depend on compiler flags) with enough parallelism for the FPU.
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t j
    cdef Py_ssize_t d4 = d - d % 4
    for j in range(0, d4, 4):
        s0 += x[j] * w[j]
        s1 += x[j + 1] * w[j + 1]
        s2 += x[j + 2] * w[j + 2]
        s3 += x[j + 3] * w[j + 3]
    for j in range(d4, d):
        s0 += x[j] * w[j]
    return (s0 + s1) + (s2 + s3)


cdef inline void _axpy(double a, const floating* x, double* g,
                       Py_ssize_t d) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(d):
        g[j] += a * x[j]


cdef inline void _row_scores(const floating* x, Py_ssize_t d,
                             const double* coef, const double* intercept,
                             Py_ssize_t n_classes, double* z) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n_classes):
        z[k] = _dot(x, coef + k * d, d)
        if intercept != NULL:
            z[k] += intercept[k]


# ------------------------------------------------------ the training pass

cdef Py_ssize_t n_blocks_for(Py_ssize_t n_samples, Py_ssize_t n_features,
                             Py_ssize_t n_classes) noexcept nogil:
    """Number of row blocks of the training pass: a function of the shape
    only, so that the reduction order never depends on the thread count."""
    cdef Py_ssize_t stride = n_classes * (n_features + 2) + 1
    cdef Py_ssize_t nb = (n_samples + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    if nb > MAX_BLOCKS:
        nb = MAX_BLOCKS
    if nb * stride > WORKSPACE_DOUBLES:
        nb = WORKSPACE_DOUBLES // stride
    if nb < 1:
        nb = 1
    return nb


cdef void _block_loss_gradient(
        const floating* X, Py_ssize_t d, const int* y,
        const double* sw, const double* coef, const double* intercept,
        Py_ssize_t n_classes, const Py_ssize_t* rows,
        Py_ssize_t start, Py_ssize_t stop, double* buf) noexcept nogil:
    """Loss and gradient of rows start..stop-1 into buf.

    buf layout: [grad_coef (K*d) | grad_intercept (K) | scratch (K) | loss].
    """
    cdef Py_ssize_t K = n_classes
    cdef double* g_coef = buf
    cdef double* g_int = buf + K * d
    cdef double* z = g_int + K
    cdef double loss = 0.0
    cdef Py_ssize_t i, r, k
    cdef int yi
    cdef double s, lse, zy, res
    cdef const floating* x

    memset(buf, 0, (K * (d + 2) + 1) * sizeof(double))
    for i in range(start, stop):
        r = rows[i] if rows != NULL else i
        s = sample_weight_at(sw, r)
        if s == 0.0:
            continue
        x = X + r * d
        yi = y[r]
        _row_scores(x, d, coef, intercept, K, z)
        if K == 1:
            # loss = log(1 + exp(z)) - y z, written so that neither branch
            # subtracts two large numbers: log1pexp(-z) if y == 1.
            if yi == 1:
                loss += s * log1pexp(-z[0])
            else:
                loss += s * log1pexp(z[0])
            res = s * (sigmoid(z[0]) - yi)
            _axpy(res, x, g_coef, d)
            g_int[0] += res
        else:
            zy = z[yi]
            lse = _softmax_inplace(z, K)
            loss += s * (lse - zy)
            for k in range(K):
                res = s * (z[k] - (1.0 if k == yi else 0.0))
                _axpy(res, x, g_coef + k * d, d)
                g_int[k] += res
    buf[K * (d + 2)] = loss


cdef inline double sample_weight_at(const double* sw, Py_ssize_t r) noexcept nogil:
    return sw[r] if sw != NULL else 1.0


cdef double loss_gradient_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows,
        double* grad_coef, double* grad_intercept,
        int n_threads) noexcept nogil:
    """Weighted loss sum and its gradient, in one pass over X.

    Returns ``sum_i s_i * loss_i`` and writes ``sum_i s_i * dloss_i/dcoef``
    to ``grad_coef`` (K*d values) and, when ``intercept`` is not NULL, the
    intercept gradient to ``grad_intercept`` (K values).  No penalty is
    included.  Returns -1.0 if its workspace could not be allocated.
    """
    cdef Py_ssize_t d = n_features
    cdef Py_ssize_t K = n_classes
    cdef Py_ssize_t stride = K * (d + 2) + 1
    cdef Py_ssize_t nb = n_blocks_for(n_samples, d, K)
    cdef Py_ssize_t b, j, n_par
    cdef double loss = 0.0
    cdef double* work = <double*>malloc(nb * stride * sizeof(double))
    if work == NULL:
        return -1.0

    n_par = nb if n_threads > nb else n_threads
    if n_par > 1:
        for b in prange(nb, num_threads=n_par, schedule='static'):
            _block_loss_gradient(X, d, y, sample_weight, coef, intercept, K,
                                 rows, b * n_samples // nb,
                                 (b + 1) * n_samples // nb, work + b * stride)
    else:
        for b in range(nb):
            _block_loss_gradient(X, d, y, sample_weight, coef, intercept, K,
                                 rows, b * n_samples // nb,
                                 (b + 1) * n_samples // nb, work + b * stride)

    # Fixed-order reduction of the per-block partials.
    memset(grad_coef, 0, K * d * sizeof(double))
    if intercept != NULL:
        memset(grad_intercept, 0, K * sizeof(double))
    for b in range(nb):
        for j in range(K * d):
            grad_coef[j] += work[b * stride + j]
        if intercept != NULL:
            for j in range(K):
                grad_intercept[j] += work[b * stride + K * d + j]
        loss += work[b * stride + K * (d + 2)]
    free(work)
    return loss


# ------------------------------------------------------------- prediction

cdef enum PredictMode:
    MODE_DECISION = 0
    MODE_PROBA = 1
    MODE_CLASS = 2


cdef void _predict_chunk(
        int mode, const floating* X, Py_ssize_t start, Py_ssize_t stop,
        Py_ssize_t d, const double* coef, const double* intercept,
        Py_ssize_t K, floating* out, Py_ssize_t* out_class,
        double* z) noexcept nogil:
    cdef Py_ssize_t i, k, best
    cdef Py_ssize_t width = 2 if K == 1 else K
    for i in range(start, stop):
        _row_scores(X + i * d, d, coef, intercept, K, z)
        if mode == MODE_DECISION:
            for k in range(K):
                out[i * K + k] = <floating>z[k]
        elif mode == MODE_CLASS:
            if K == 1:
                out_class[i] = 1 if z[0] > 0.0 else 0
            else:
                best = 0
                for k in range(1, K):
                    if z[k] > z[best]:
                        best = k
                out_class[i] = best
        else:
            if K == 1:
                # sigmoid(-z) rather than 1 - sigmoid(z): keeps tiny
                # probabilities of the first class accurate.
                out[i * width] = <floating>sigmoid(-z[0])
                out[i * width + 1] = <floating>sigmoid(z[0])
            else:
                _softmax_inplace(z, K)
                for k in range(K):
                    out[i * width + k] = <floating>z[k]


cdef int _predict(
        int mode, const floating* X, Py_ssize_t n, Py_ssize_t d,
        const double* coef, const double* intercept, Py_ssize_t K,
        floating* out, Py_ssize_t* out_class, int n_threads) noexcept nogil:
    cdef Py_ssize_t n_chunks = (n + PREDICT_CHUNK - 1) // PREDICT_CHUNK
    cdef Py_ssize_t c
    cdef double* z
    cdef double z_small[16]
    cdef int n_par = n_threads
    if n_par > n_chunks:
        n_par = <int>n_chunks
    if n_par <= 1 and K <= 16:
        # Serial path with a stack buffer: no malloc, which matters for
        # one-row latency.
        _predict_chunk(mode, X, 0, n, d, coef, intercept, K, out, out_class,
                       z_small)
        return 0
    # One scratch row of K doubles per chunk (n/1024 * K doubles in all).
    z = <double*>malloc(n_chunks * K * sizeof(double))
    if z == NULL:
        return -1
    if n_par <= 1:
        _predict_chunk(mode, X, 0, n, d, coef, intercept, K, out, out_class, z)
    else:
        for c in prange(n_chunks, num_threads=n_par, schedule='static'):
            _predict_chunk(mode, X, c * PREDICT_CHUNK,
                           min_ssize(n, (c + 1) * PREDICT_CHUNK), d, coef,
                           intercept, K, out, out_class, z + c * K)
    free(z)
    return 0


cdef inline Py_ssize_t min_ssize(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


cdef int decision_function_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        floating* out, int n_threads) noexcept nogil:
    """Scores ``X @ coef.T + intercept`` into ``out`` (n_samples, n_classes).

    Returns 0, or -1 if a scratch buffer could not be allocated."""
    return _predict(MODE_DECISION, X, n_samples, n_features, coef, intercept,
             n_classes, out, NULL, n_threads)


cdef int predict_proba_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        floating* out, int n_threads) noexcept nogil:
    """Class probabilities into ``out``: (n_samples, 2) for a binary model
    (n_classes == 1), (n_samples, n_classes) otherwise."""
    return _predict(MODE_PROBA, X, n_samples, n_features, coef, intercept,
             n_classes, out, NULL, n_threads)


cdef int predict_class_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        Py_ssize_t* out, int n_threads) noexcept nogil:
    """Index of the most probable class of each row into ``out``.  A binary
    score of exactly 0 predicts class 0."""
    return _predict(MODE_CLASS, X, n_samples, n_features, coef, intercept,
             n_classes, <floating*>NULL, out, n_threads)


# ------------------------------------------------ Python-visible wrappers
# Thin def functions used by clogreg's Python layer and by the tests.  They
# take preallocated outputs so that this module needs no numpy.

def openmp_enabled():
    """True when the extension was compiled with OpenMP."""
    return bool(clogreg_openmp_enabled())


def max_threads():
    """Threads OpenMP would use by default (honours OMP_NUM_THREADS)."""
    return int(clogreg_omp_max_threads())


def _sigmoid(const floating[::1] z, floating[::1] out):
    cdef Py_ssize_t i, n = z.shape[0]
    with nogil:
        for i in range(n):
            out[i] = <floating>sigmoid(z[i])


def _log1pexp(const double[::1] z, double[::1] out):
    cdef Py_ssize_t i, n = z.shape[0]
    with nogil:
        for i in range(n):
            out[i] = log1pexp(z[i])


def _softmax(const floating[:, ::1] Z, floating[:, ::1] out):
    cdef Py_ssize_t i, n = Z.shape[0], k = Z.shape[1]
    if k == 0:
        return
    with nogil:
        for i in range(n):
            softmax_row(&Z[i, 0], &out[i, 0], k)


def _first_nonfinite(const floating[::1] a):
    """Index of the first NaN or infinity in ``a``, or -1."""
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t i, start, stop
    cdef double acc0, acc1
    cdef Py_ssize_t found = -1
    with nogil:
        # x - x is 0 for finite x and NaN otherwise; one NaN poisons the sum.
        # Chunked so the exact position is searched in one chunk only.
        start = 0
        while start < n and found < 0:
            stop = min_ssize(n, start + 8192)
            acc0 = 0.0
            acc1 = 0.0
            i = start
            while i + 1 < stop:
                acc0 += a[i] - a[i]
                acc1 += a[i + 1] - a[i + 1]
                i += 2
            if i < stop:
                acc0 += a[i] - a[i]
            if acc0 + acc1 != 0.0:
                for i in range(start, stop):
                    if a[i] - a[i] != 0.0:
                        found = i
                        break
            start = stop
    return found


def _row_sqnorm_stats(const floating[:, ::1] X):
    """(max, mean) over rows of the squared Euclidean row norm."""
    cdef Py_ssize_t i, j, n = X.shape[0], d = X.shape[1]
    cdef double mx = 0.0, total = 0.0, s
    with nogil:
        for i in range(n):
            s = 0.0
            for j in range(d):
                s += <double>X[i, j] * X[i, j]
            total += s
            if s > mx:
                mx = s
    return mx, (total / n if n > 0 else 0.0)


def _loss_gradient(const floating[:, ::1] X, const int[::1] y,
                   const double[::1] sample_weight,
                   const double[:, ::1] coef, const double[::1] intercept,
                   double[:, ::1] grad_coef, double[::1] grad_intercept,
                   int n_threads=1):
    """Weighted loss sum; gradients written into grad_coef/grad_intercept.

    ``sample_weight``, ``intercept`` and ``grad_intercept`` may be None.
    Shapes are checked by the caller (clogreg's Python layer).
    """
    cdef const double* sw = NULL
    cdef const double* b = NULL
    cdef double* gb = NULL
    cdef double loss
    if sample_weight is not None:
        sw = &sample_weight[0]
    if intercept is not None:
        b = &intercept[0]
        gb = &grad_intercept[0]
    with nogil:
        loss = loss_gradient_dense(&X[0, 0], X.shape[0], X.shape[1], &y[0],
                                   sw, &coef[0, 0], b, coef.shape[0], NULL,
                                   &grad_coef[0, 0], gb, n_threads)
    if loss < 0:
        raise MemoryError("clogreg: could not allocate the gradient workspace")
    return loss


def _predict_into(int mode, const floating[:, ::1] X,
                  const double[:, ::1] coef, const double[::1] intercept,
                  floating[:, ::1] out, Py_ssize_t[::1] out_class,
                  int n_threads=1):
    """mode 0: decision, 1: probabilities (into ``out``); 2: class indices
    (into ``out_class``).  The unused output is None."""
    cdef const double* b = NULL
    cdef floating* o = NULL
    cdef Py_ssize_t* oc = NULL
    cdef int status
    if X.shape[0] == 0:
        return
    if intercept is not None:
        b = &intercept[0]
    if out is not None:
        o = &out[0, 0]
    if out_class is not None:
        oc = &out_class[0]
    with nogil:
        status = _predict(mode, &X[0, 0], X.shape[0], X.shape[1],
                          &coef[0, 0], b, coef.shape[0], o, oc, n_threads)
    if status != 0:
        raise MemoryError("clogreg: could not allocate prediction scratch")
