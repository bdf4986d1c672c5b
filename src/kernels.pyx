# cython: language_level=3, cdivision=True, initializedcheck=False
# boundscheck and wraparound are set by setup.py: off in release builds,
# on when CLOGREG_DEBUG=1 is in the environment at build time.
"""Numerical kernels of clogreg: stable scalars, the fused training pass,
Hessian-vector products and prediction, on dense or CSR rows.

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
* Bounded threads.  Every parallel region takes its team size from
  ``clogreg_team_size``: never more threads than the processors the
  process may use or the blocks to share, and none in a forked child.
* One code path for dense and sparse.  The row helpers ``_row_dot`` and
  ``_row_axpy`` are the only place where a dense row and a CSR row differ;
  the public functions dispatch once on the value and index types.
* float64 everywhere it matters.  ``X`` may be float32 or float64 (fused
  type); coefficients, scores and accumulators are float64.
* Interruptible fits.  In the solvers' passes (``_loss_gradient_checked``,
  ``_hessian_product_checked``) the thread that entered the pass (the
  team's thread 0, the caller's) takes the GIL for a moment after its
  blocks, every CHECK_WORK multiply-adds or so, to run Python's signal
  handlers (``_interrupted``); when one raised (Ctrl-C), every thread
  skips the blocks it has not started and the pass returns at once.  No
  barrier is added and no block changes, nor the order of the reduction:
  the bits are those of an unchecked pass.  The stable API
  (``loss_gradient``...) never checks: a C caller gets no Python exception
  it did not ask for.
* What this module must never do: allocate Python objects in a loop, hold
  the GIL while it reads ``X`` (beyond a signal check), produce a NaN or an
  overflow from finite input, or size a parallel region anywhere but in
  ``clogreg_team_size``.
"""

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, fabs, frexp, ldexp, log, log1p, sqrt
from cpython.buffer cimport (PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBuffer_Release,
                             PyObject_GetBuffer)
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset

from cpython.ref cimport PyObject

from clogreg._rowmatrix cimport RowMatrix, _dense_matrix

import threading

# ``kernels.RowMatrix`` stays a Python-level name, for clogreg's Python layer
# and the tests; the type itself is internal and stays out of kernels.pxd
# (see clogreg/_rowmatrix.pxd).  A cimported name is not a module attribute.
globals()["RowMatrix"] = RowMatrix


cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #endif
    #if defined(_OPENMP) && (defined(__unix__) || defined(__APPLE__))
    #include <pthread.h>
    #define CLOGREG_WATCH_FORK 1
    #endif

    /* 1 in a process made by fork() from one that had loaded clogreg (and
       in its descendants).  libgomp's thread pool does not survive a
       fork: the child's first parallel region waits forever for the
       parent's worker threads.  So a child never enters one. */
    static volatile int clogreg_forked = 0;
    static void clogreg_mark_forked(void) { clogreg_forked = 1; }

    /* Registered once, when clogreg.kernels is imported.  pthread_atfork
       rather than os.register_at_fork: it also sees a fork() made by C
       code, outside Python's os.fork. */
    static int clogreg_watch_fork(void) {
    #ifdef CLOGREG_WATCH_FORK
        return pthread_atfork(NULL, NULL, clogreg_mark_forked);
    #else
        return 0;
    #endif
    }

    static int clogreg_openmp_enabled(void) {
    #ifdef _OPENMP
        return 1;
    #else
        return 0;
    #endif
    }

    /* The one place that sizes a team: every parallel region asks here
       (through _team_size) for its number of threads.  At most the
       requested number, the processors this process may run on
       (omp_get_num_procs honours the CPU affinity mask) and the tasks to
       share; 1 in a forked child and when the work is too small to be
       worth waking a team.  Without the cap, n_threads or OMP_NUM_THREADS
       of 10**6 would start one thread per task (and libgomp ends the whole
       process when it cannot create one). */
    static int clogreg_team_size(long long requested, long long n_tasks,
                                 long long work, long long min_work) {
    #ifdef _OPENMP
        long long n = requested, procs;
        if (clogreg_forked || work < min_work || n <= 1 || n_tasks <= 1)
            return 1;
        if (n > n_tasks)
            n = n_tasks;
        procs = omp_get_num_procs();   /* a system call: ask once */
        if (n > procs)
            n = procs;
        return n < 1 ? 1 : (int)n;
    #else
        return 1;
    #endif
    }

    /* The thread's number in its team: 0 for the thread that entered the
       parallel region (and outside one). */
    static int clogreg_thread_num(void) {
    #ifdef _OPENMP
        return omp_get_thread_num();
    #else
        return 0;
    #endif
    }

    static int clogreg_omp_max_threads(void) {
    #ifdef _OPENMP
        return omp_get_max_threads();
    #else
        return 1;
    #endif
    }
    """
    int clogreg_openmp_enabled() noexcept nogil
    int clogreg_omp_max_threads() noexcept nogil
    int clogreg_thread_num() noexcept nogil
    int clogreg_watch_fork() noexcept nogil
    int clogreg_team_size(long long requested, long long n_tasks,
                          long long work, long long min_work) noexcept nogil


if clogreg_watch_fork() != 0:
    raise ImportError("clogreg.kernels: pthread_atfork failed (out of memory)")


# ------------------------------------------------------- Ctrl-C in a pass

cdef extern from "Python.h":
    # Declared here without Cython's ``except -1``: a raising handler's
    # exception must stay set, through noexcept kernels, until the
    # Python-level caller raises it (``_raise_pending``).
    int _run_signal_handlers "PyErr_CheckSignals" () noexcept
    unsigned long _thread_ident "PyThread_get_thread_ident" () noexcept nogil
    PyObject* PyErr_Occurred() noexcept

# Python runs signal handlers in its main thread only; elsewhere a check
# would take the GIL for nothing.
cdef unsigned long _main_thread = <unsigned long>threading.main_thread().ident


cdef int _interrupted() noexcept nogil:
    """1 when a signal handler raised (Ctrl-C: KeyboardInterrupt), whose
    exception is then left set for the Python-level caller to raise with
    ``_raise_pending``; else 0.  Takes the GIL for about a microsecond, on
    the main thread only (anywhere else: 0 at once)."""
    cdef int status
    if _thread_ident() != _main_thread:
        return 0
    with gil:
        status = _run_signal_handlers()
    return 1 if status != 0 else 0


cdef int _raise_pending() except -1:
    """Raise the exception that a signal handler left set (``_interrupted``)."""
    if PyErr_Occurred() == NULL:
        raise SystemError("clogreg: a pass was interrupted, but no exception "
                          "is set")
    return -1


# Blocking of the training pass.  A block is at least ROWS_PER_BLOCK rows
# (so its private gradient is amortised over many rows), there are at most
# MAX_BLOCKS of them (plenty to balance any realistic core count), and all
# private gradients together stay under WORKSPACE_DOUBLES.
cdef enum:
    ROWS_PER_BLOCK = 256
    MAX_BLOCKS = 64
    GROUP = 16                       # rows scored together in _binary_rows
    WORKSPACE_DOUBLES = 1 << 22      # 32 MiB
    PREDICT_CHUNK = 1024             # rows per task in the prediction kernels
    # Below this many multiply-adds (about half a millisecond on one core)
    # a pass runs on one thread: on a busy machine a parallel region waits
    # for its slowest thread, and a descheduled one costs a scheduler tick
    # (4 ms), more than such a pass can save (benchmarks/THREADS.md: a
    # 10k x 50 fit went from 1.27 to 1.00 times its one-thread time with
    # one core busy).  The result is the same.
    PARALLEL_MIN_WORK = 1 << 20
    # Multiply-adds of thread 0 between two checks for Ctrl-C in a checked
    # pass: about 10-30 ms on one core (measured: about 2 GMAC/s).  A pass
    # of less than an eighth of it is not checked (the solver checks
    # after each iteration).
    CHECK_WORK = 1 << 25


cdef inline int _team_size(int requested, Py_ssize_t n_tasks,
                           Py_ssize_t work) noexcept nogil:
    """Threads for a parallel region of ``n_tasks`` tasks and ``work``
    multiply-adds: see clogreg_team_size.  A result of 1 means: run the
    serial loop, never enter a parallel region."""
    return clogreg_team_size(requested, n_tasks, work, PARALLEL_MIN_WORK)


# ------------------------------------------------------------------ scalars

cdef double sigmoid(double z) noexcept nogil:
    """Logistic function 1 / (1 + exp(-z)), without overflow.

    exp(-z) overflows only for z < -709.78; below -700, 1 + exp(z) == 1 in
    double precision, so sigmoid(z) == exp(z) exactly.  Elsewhere the
    textbook formula is accurate to an ulp (and matches the tutorials bit for
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
# A row is read either densely (indices == NULL) or through CSR.  These
# helpers are the only place where the two layouts differ.

ctypedef fused index_t:
    int
    int64_t


cdef extern from "clogreg_simd.h":
    # Fixed-order dense kernels with an AVX2 clone where the platform allows
    # (see the header for why both clones give the same bits).
    double clogreg_dot_f64(const double* x, const double* w, Py_ssize_t n) noexcept nogil
    double clogreg_dot_f32(const float* x, const double* w, Py_ssize_t n) noexcept nogil
    void clogreg_axpy_f64(double a, const double* x, double* g, Py_ssize_t n) noexcept nogil
    void clogreg_axpy_f32(double a, const float* x, double* g, Py_ssize_t n) noexcept nogil
    void clogreg_axpy4_f64(const double* a, const double* x0, const double* x1,
                           const double* x2, const double* x3, double* g,
                           Py_ssize_t n) noexcept nogil
    void clogreg_axpy4_f32(const double* a, const float* x0, const float* x1,
                           const float* x2, const float* x3, double* g,
                           Py_ssize_t n) noexcept nogil
    double clogreg_sqnorm_f64(const double* x, Py_ssize_t n) noexcept nogil
    double clogreg_sqnorm_f32(const float* x, Py_ssize_t n) noexcept nogil
    void clogreg_colscan_f64(const double* x, const double* first, double* cmax,
                             double* differs, Py_ssize_t n) noexcept nogil
    void clogreg_colscan_f32(const float* x, const double* first, double* cmax,
                             double* differs, Py_ssize_t n) noexcept nogil
    void clogreg_centred_sq_f64(const double* x, double s, const double* mean,
                                const double* inv, double* acc,
                                Py_ssize_t n) noexcept nogil
    void clogreg_centred_sq_f32(const float* x, double s, const double* mean,
                                const double* inv, double* acc,
                                Py_ssize_t n) noexcept nogil
    int clogreg_any_nonfinite_f64(const double* x, Py_ssize_t n) noexcept nogil
    int clogreg_any_nonfinite_f32(const float* x, Py_ssize_t n) noexcept nogil
    void clogreg_prefetch(const void* p, Py_ssize_t nbytes) noexcept nogil


cdef extern from "clogreg_vmath.h":
    # sigmoid(z) and the loss for label 0 and for label 1 of n scores,
    # vectorised arithmetic (no libm calls; a few ulp; see the header).
    void clogreg_logistic_terms(const double* z, double* p, double* loss,
                                Py_ssize_t n) noexcept nogil


cdef inline double _dot(const floating* x, const double* w,
                        Py_ssize_t d) noexcept nogil:
    if floating is double:
        return clogreg_dot_f64(x, w, d)
    else:
        return clogreg_dot_f32(x, w, d)


cdef inline double _row_dot(const floating* data, const index_t* indices,
                            const index_t* indptr, Py_ssize_t r, Py_ssize_t d,
                            const double* w) noexcept nogil:
    cdef Py_ssize_t j
    cdef double s = 0.0
    if indices == NULL:
        return _dot(data + r * d, w, d)
    for j in range(indptr[r], indptr[r + 1]):
        s += data[j] * w[indices[j]]
    return s


cdef inline void _row_axpy(double a, const floating* data,
                           const index_t* indices, const index_t* indptr,
                           Py_ssize_t r, Py_ssize_t d, double* g) noexcept nogil:
    cdef Py_ssize_t j
    if indices == NULL:
        if floating is double:
            clogreg_axpy_f64(a, data + r * d, g, d)
        else:
            clogreg_axpy_f32(a, data + r * d, g, d)
    else:
        for j in range(indptr[r], indptr[r + 1]):
            g[indices[j]] += a * data[j]


cdef inline void _row_scores(const floating* data, const index_t* indices,
                             const index_t* indptr, Py_ssize_t r, Py_ssize_t d,
                             const double* coef, const double* intercept,
                             Py_ssize_t K, double* z) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(K):
        z[k] = _row_dot(data, indices, indptr, r, d, coef + k * d)
        if intercept != NULL:
            z[k] += intercept[k]


cdef inline Py_ssize_t min_ssize(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


# ------------------------------------------------------ the training pass

cdef Py_ssize_t _n_blocks(Py_ssize_t n_rows, Py_ssize_t stride) noexcept nogil:
    """Number of row blocks of a pass: a function of the shape only, so that
    the reduction order never depends on the thread count."""
    cdef Py_ssize_t nb = (n_rows + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    if nb > MAX_BLOCKS:
        nb = MAX_BLOCKS
    if nb * stride > WORKSPACE_DOUBLES:
        nb = WORKSPACE_DOUBLES // stride
    if nb < 1:
        nb = 1
    return nb


cdef enum PassMode:
    PASS_GRADIENT = 0
    PASS_HESSIAN = 1


cdef void _block(int mode, const floating* data, const index_t* indices,
                 const index_t* indptr, Py_ssize_t d, const int* y,
                 const double* sw, const double* coef, const double* intercept,
                 Py_ssize_t K, const Py_ssize_t* rows, Py_ssize_t start,
                 Py_ssize_t stop, const double* proba_in, double* proba_out,
                 double* buf) noexcept nogil:
    """One block of rows of a pass, into buf.

    buf layout: [sum over coef (K*d) | sum over intercept (K) | scratch (K) |
    loss].  PASS_GRADIENT: loss and gradient at ``coef``; the probabilities
    go to ``proba_out`` when it is not NULL.  PASS_HESSIAN: Hessian of the
    loss times the direction ``coef`` (with ``intercept`` its intercept
    part), with the probabilities ``proba_in`` of the expansion point.
    """
    cdef double* g_coef = buf
    cdef double* g_int = buf + K * d
    cdef double* z = g_int + K
    cdef double loss = 0.0
    cdef Py_ssize_t i, r, k
    cdef int yi
    cdef double s, lse, zy, res, mean_a
    cdef const double* pk

    memset(buf, 0, (K * (d + 2) + 1) * sizeof(double))
    if mode == PASS_GRADIENT and K == 1:
        buf[K * (d + 2)] = _binary_rows(data, indices, indptr, d, y, sw, coef,
                                        intercept, rows, start, stop,
                                        proba_out, g_coef, g_int)
        return
    for i in range(start, stop):
        r = rows[i] if rows != NULL else i
        if indices == NULL and i + GROUP < stop:
            # see _binary_rows
            clogreg_prefetch(data + (rows[i + GROUP] if rows != NULL else i + GROUP) * d,
                             d * sizeof(floating))
        s = sw[r] if sw != NULL else 1.0
        if s == 0.0:
            if proba_out != NULL:
                for k in range(K):
                    proba_out[i * K + k] = 0.0
            continue
        _row_scores(data, indices, indptr, r, d, coef, intercept, K, z)
        if mode == PASS_HESSIAN:
            pk = proba_in + i * K
            if K == 1:
                # d2 loss / dz2 = p (1 - p)
                res = s * pk[0] * (1.0 - pk[0]) * z[0]
                _row_axpy(res, data, indices, indptr, r, d, g_coef)
                g_int[0] += res
            else:
                # (diag(p) - p p^T) a  =  p * (a - p.a)
                mean_a = 0.0
                for k in range(K):
                    mean_a += pk[k] * z[k]
                for k in range(K):
                    res = s * pk[k] * (z[k] - mean_a)
                    _row_axpy(res, data, indices, indptr, r, d, g_coef + k * d)
                    g_int[k] += res
            continue
        # softmax rows (binary ones go through _binary_rows)
        yi = y[r]
        zy = z[yi]
        lse = _softmax_inplace(z, K)
        loss += s * (lse - zy)
        for k in range(K):
            if proba_out != NULL:
                proba_out[i * K + k] = z[k]
            res = s * (z[k] - (1.0 if k == yi else 0.0))
            _row_axpy(res, data, indices, indptr, r, d, g_coef + k * d)
            g_int[k] += res
    buf[K * (d + 2)] = loss


cdef double _binary_rows(const floating* data, const index_t* indices,
                         const index_t* indptr, Py_ssize_t d, const int* y,
                         const double* sw, const double* coef,
                         const double* intercept, const Py_ssize_t* rows,
                         Py_ssize_t start, Py_ssize_t stop, double* proba_out,
                         double* g_coef, double* g_int) noexcept nogil:
    """Loss and gradient of a block of binary rows; returns the loss sum.

    Rows go in groups of GROUP: first the group's scores (independent dot
    products the CPU overlaps), then sigmoid and log1p(exp(-|z|)) for the
    whole group, and each row's loss for either label, in one vectorised
    call (``clogreg_logistic_terms``), then
    each row's gradient term, in row order (dense rows four at a time, in
    one pass over the gradient): the same sums in the same order as one
    row at a time.  With e = exp(-|z|) <= 1, nothing overflows:
      loss = log(1 + exp(z)) - y z = log1p(e) + max(+-z, 0)
             (+z for y = 0, -z for y = 1: no large cancellation),
      p = sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) else.
    """
    cdef double zg[GROUP]
    cdef double pg[GROUP]
    cdef double lg[2 * GROUP]
    cdef double loss = 0.0, s, res
    cdef double held_res[4]
    cdef Py_ssize_t held_row[4]
    cdef Py_ssize_t i0, q, m, r
    cdef int yi, n_held = 0
    i0 = start
    while i0 < stop:
        m = min_ssize(GROUP, stop - i0)
        for q in range(m):
            r = rows[i0 + q] if rows != NULL else i0 + q
            if sw != NULL and sw[r] == 0.0:
                zg[q] = 0.0      # skipped below; its data is never read
            else:
                zg[q] = _row_dot(data, indices, indptr, r, d, coef)
                if intercept != NULL:
                    zg[q] += intercept[0]
            if indices == NULL and i0 + q + GROUP < stop:
                # Ask for the cache lines of the dense row a group ahead:
                # the hardware prefetcher alone fell behind (a pass over
                # 200k x 100 took 5.0 instead of 6.3 ms in float64, 4.2
                # instead of 5.3 ms in float32).  Inline here: GCC drops a
                # call to a helper it finds has no effect but prefetching.
                r = rows[i0 + q + GROUP] if rows != NULL else i0 + q + GROUP
                clogreg_prefetch(data + r * d, d * sizeof(floating))
        clogreg_logistic_terms(zg, pg, lg, m)
        for q in range(m):
            r = rows[i0 + q] if rows != NULL else i0 + q
            s = sw[r] if sw != NULL else 1.0
            if s == 0.0:
                if proba_out != NULL:
                    proba_out[i0 + q] = 0.0
                continue
            yi = y[r]
            loss += s * lg[2 * q + yi]          # no branch on the label
            if proba_out != NULL:
                proba_out[i0 + q] = pg[q]
            res = s * (pg[q] - yi)
            g_int[0] += res
            if indices != NULL:
                _row_axpy(res, data, indices, indptr, r, d, g_coef)
            else:
                held_res[n_held] = res
                held_row[n_held] = r
                n_held += 1
                if n_held == 4:
                    # dense rows in fours: one pass over g for four rows
                    if floating is double:
                        clogreg_axpy4_f64(held_res, data + held_row[0] * d,
                                          data + held_row[1] * d,
                                          data + held_row[2] * d,
                                          data + held_row[3] * d, g_coef, d)
                    else:
                        clogreg_axpy4_f32(held_res, data + held_row[0] * d,
                                          data + held_row[1] * d,
                                          data + held_row[2] * d,
                                          data + held_row[3] * d, g_coef, d)
                    n_held = 0
        for q in range(n_held):
            _row_axpy(held_res[q], data, indices, indptr, held_row[q], d, g_coef)
        n_held = 0
        i0 += m
    return loss


cdef double _pass(int mode, const floating* data, const index_t* indices,
                  const index_t* indptr, Py_ssize_t d, const int* y,
                  const double* sw, const double* coef,
                  const double* intercept, Py_ssize_t K,
                  const Py_ssize_t* rows, Py_ssize_t n,
                  const double* proba_in, double* proba_out,
                  double* out_coef, double* out_intercept,
                  int n_threads, bint check) noexcept nogil:
    """Blocked, multithreaded pass with a fixed-order reduction.  Returns
    the weighted loss sum (PASS_GRADIENT), 0 (PASS_HESSIAN), -1.0 when
    the workspace could not be allocated, or -2.0 when ``check`` is set
    and a signal handler raised (see ``_interrupted``; the outputs are
    then incomplete)."""
    cdef Py_ssize_t stride = K * (d + 2) + 1
    cdef Py_ssize_t nb = _n_blocks(n, stride)
    cdef Py_ssize_t b, j, n_par, nnz = 0, macs, per_block, every
    cdef double loss = 0.0
    cdef double* work
    cdef double* work_mem
    # Written by thread 0 only, read by all: through pointers, so that the
    # parallel loop shares them (a variable assigned in a prange body would
    # be private to each thread).
    cdef volatile int stop_flag = 0
    cdef volatile int* stop = &stop_flag
    cdef Py_ssize_t since_check = 0
    cdef Py_ssize_t* since = &since_check
    if indices != NULL:
        # Sparse rows touch few of the d columns, but every block's private
        # gradient is cleared and reduced in full: keep that below a 16th of
        # the pass's own work (a function of the data only, never of the
        # thread count).
        if rows == NULL:
            nnz = indptr[n] - indptr[0]
        else:
            for j in range(n):
                nnz += indptr[rows[j] + 1] - indptr[rows[j]]
        if nb * stride * 16 > K * nnz:
            nb = (K * nnz) // (16 * stride)
            if nb < 1:
                nb = 1
    # Each block's partials start a cache line of their own: the two
    # threads run neighbouring blocks, and the end of one block's partials
    # (the intercept and loss, written for every row) shared a line with
    # the start of the next one's gradient (400k x 100 float32, 2-thread
    # pass: 29.7 -> 31.3 GB/s, medians of 14 interleaved rounds).  The
    # block count above comes from the unpadded size, as before.
    stride = (stride + 7) // 8 * 8
    work_mem = <double*>malloc((nb * stride + 8) * sizeof(double))
    if work_mem == NULL:
        return -1.0
    work = work_mem + (8 - (<size_t>work_mem // sizeof(double)) % 8) % 8
    macs = K * nnz if indices != NULL else K * n * d
    n_par = _team_size(n_threads, nb, macs)
    check = check and macs >= CHECK_WORK // 8
    per_block = macs // nb + 1
    # thread 0 checks after every ``every`` multiply-adds of its blocks: at
    # most CHECK_WORK, and about twice in a smaller pass
    every = min_ssize(CHECK_WORK, macs // (2 * n_par) + 1)
    if n_par > 1:
        # Blocks are handed out as threads become free (dynamic): a thread
        # the OS deschedules on a shared machine then holds up fewer of
        # them.  Which thread runs a block never changes its result, and
        # the partials are summed in block order below.
        for b in prange(nb, num_threads=n_par, schedule='dynamic'):
            if stop[0] == 0:
                _block(mode, data, indices, indptr, d, y, sw, coef, intercept,
                       K, rows, b * n // nb, (b + 1) * n // nb, proba_in,
                       proba_out, work + b * stride)
                if check and clogreg_thread_num() == 0:
                    since[0] = since[0] + per_block
                    if since[0] >= every:
                        since[0] = 0
                        if _interrupted():
                            stop[0] = 1
    else:
        for b in range(nb):
            _block(mode, data, indices, indptr, d, y, sw, coef, intercept, K,
                   rows, b * n // nb, (b + 1) * n // nb, proba_in, proba_out,
                   work + b * stride)
            if check:
                since_check += per_block
                if since_check >= every:
                    since_check = 0
                    if _interrupted():
                        stop_flag = 1
                        break
    # and once at the end, before the reduction: a checked pass always looks
    # (thread 0 may have run too few blocks to reach ``every``)
    if check and stop_flag == 0 and _interrupted():
        stop_flag = 1
    if stop_flag:
        free(work_mem)
        return -2.0
    # Fixed-order reduction of the per-block partials.
    memset(out_coef, 0, K * d * sizeof(double))
    if out_intercept != NULL:
        memset(out_intercept, 0, K * sizeof(double))
    for b in range(nb):
        for j in range(K * d):
            out_coef[j] += work[b * stride + j]
        if out_intercept != NULL:
            for j in range(K):
                out_intercept[j] += work[b * stride + K * d + j]
        loss += work[b * stride + K * (d + 2)]
    free(work_mem)
    return loss


cdef double _dispatch_pass(int mode, const Matrix* X, const int* y,
                           const double* sw, const double* coef,
                           const double* intercept, Py_ssize_t K,
                           const Py_ssize_t* rows, Py_ssize_t n,
                           const double* proba_in, double* proba_out,
                           double* out_coef, double* out_intercept,
                           int n_threads, bint check) noexcept nogil:
    cdef Py_ssize_t d = X.n_cols
    if X.float_bytes == 8:
        if X.indices == NULL or X.index_bytes == 4:
            return _pass[double, int](
                mode, <const double*>X.data, <const int*>X.indices,
                <const int*>X.indptr, d, y, sw, coef, intercept, K, rows, n,
                proba_in, proba_out, out_coef, out_intercept, n_threads,
                check)
        return _pass[double, int64_t](
            mode, <const double*>X.data, <const int64_t*>X.indices,
            <const int64_t*>X.indptr, d, y, sw, coef, intercept, K, rows, n,
            proba_in, proba_out, out_coef, out_intercept, n_threads,
                check)
    if X.indices == NULL or X.index_bytes == 4:
        return _pass[float, int](
            mode, <const float*>X.data, <const int*>X.indices,
            <const int*>X.indptr, d, y, sw, coef, intercept, K, rows, n,
            proba_in, proba_out, out_coef, out_intercept, n_threads,
                check)
    return _pass[float, int64_t](
        mode, <const float*>X.data, <const int64_t*>X.indices,
        <const int64_t*>X.indptr, d, y, sw, coef, intercept, K, rows, n,
        proba_in, proba_out, out_coef, out_intercept, n_threads,
                check)


cdef double loss_gradient(
        const Matrix* X, const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows, Py_ssize_t n_rows,
        double* grad_coef, double* grad_intercept, double* proba,
        int n_threads) noexcept nogil:
    """Weighted loss sum and its gradient, in one pass over the rows.

    Returns ``sum_i s_i * loss_i`` over the ``n_rows`` rows (all rows, or
    those listed in ``rows``), writes ``sum_i s_i * dloss_i/dcoef`` to
    ``grad_coef`` (K*d values) and, when ``intercept`` is not NULL, the
    intercept gradient to ``grad_intercept`` (K values).  When ``proba`` is
    not NULL it receives each row's probabilities (n_rows * K values; the
    second class's for a binary model), as ``hessian_product`` needs them.
    No penalty is included.  Returns -1.0 if its workspace could not be
    allocated.
    """
    return _dispatch_pass(PASS_GRADIENT, X, y, sample_weight, coef, intercept,
                          n_classes, rows, n_rows, NULL, proba, grad_coef,
                          grad_intercept if intercept != NULL else NULL,
                          n_threads, False)


cdef int hessian_product(
        const Matrix* X, const double* sample_weight, const double* proba,
        Py_ssize_t n_classes, const double* v_coef, const double* v_intercept,
        double* out_coef, double* out_intercept, int n_threads) noexcept nogil:
    """Hessian of the weighted loss sum times a direction, in one pass.

    ``proba`` holds the probabilities that ``loss_gradient`` wrote at the
    expansion point.  ``v_coef``/``v_intercept`` is the direction
    (``v_intercept`` NULL for a model without intercept); the product goes
    to ``out_coef``/``out_intercept``.  Returns 0, or -1 when out of memory.
    """
    cdef double r = _dispatch_pass(
        PASS_HESSIAN, X, NULL, sample_weight, v_coef, v_intercept, n_classes,
        NULL, X.n_rows, proba, NULL, out_coef,
        out_intercept if v_intercept != NULL else NULL, n_threads, False)
    return -1 if r < 0.0 else 0


cdef double _loss_gradient_checked(
        const Matrix* X, const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows, Py_ssize_t n_rows,
        double* grad_coef, double* grad_intercept, double* proba,
        int n_threads) noexcept nogil:
    """``loss_gradient`` that checks for Ctrl-C during a large pass (the
    solvers' pass): -2.0 when a signal handler raised, its exception left
    set (see ``_interrupted``).  Same bits as ``loss_gradient``."""
    return _dispatch_pass(PASS_GRADIENT, X, y, sample_weight, coef, intercept,
                          n_classes, rows, n_rows, NULL, proba, grad_coef,
                          grad_intercept if intercept != NULL else NULL,
                          n_threads, True)


cdef int _hessian_product_checked(
        const Matrix* X, const double* sample_weight, const double* proba,
        Py_ssize_t n_classes, const double* v_coef, const double* v_intercept,
        double* out_coef, double* out_intercept, int n_threads) noexcept nogil:
    """``hessian_product`` that checks for Ctrl-C during a large pass: -2
    when a signal handler raised (its exception left set)."""
    cdef double r = _dispatch_pass(
        PASS_HESSIAN, X, NULL, sample_weight, v_coef, v_intercept, n_classes,
        NULL, X.n_rows, proba, NULL, out_coef,
        out_intercept if v_intercept != NULL else NULL, n_threads, True)
    if r == -2.0:
        return -2
    return -1 if r < 0.0 else 0


cdef double loss_gradient_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const int* y, const double* sample_weight,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        const Py_ssize_t* rows,
        double* grad_coef, double* grad_intercept,
        int n_threads) noexcept nogil:
    """``loss_gradient`` on a dense row-major matrix given by pointer.
    ``n_samples`` counts the rows used (the entries of ``rows`` when it is
    not NULL)."""
    cdef Matrix M
    _dense_matrix(&M, X, sizeof(floating), n_samples, n_features)
    return loss_gradient(&M, y, sample_weight, coef, intercept, n_classes,
                         rows, n_samples, grad_coef, grad_intercept, NULL,
                         n_threads)


# ------------------------------------------------------------- prediction

cdef enum PredictMode:
    MODE_DECISION = 0
    MODE_PROBA = 1
    MODE_CLASS = 2


cdef void _row_scores_scaled(const floating* data, const index_t* indices,
                             const index_t* indptr, Py_ssize_t r, Py_ssize_t d,
                             const double* coef, const double* intercept,
                             Py_ssize_t K, double* z) noexcept nogil:
    """The scores of row r without intermediate overflow: each z[k] is the
    float64 dot that an unbounded exponent range would give, rounded to
    +-inf only when the score itself is beyond float64.

    The plain dot overflows when a partial sum exceeds 1.8e308 (inf, or
    inf - inf = NaN) although the score may be small.  Here, with
    2^(a-1) <= max_j |x_j| < 2^a (a >= 0), 2^(c-1) <= max_j |w_kj| < 2^c
    and |b_k| < 2^e, T = max(a + c, e):

        z_k = 2^T * ( sum_j (x_j 2^-a)(w_kj 2^(a-T)) + b_k 2^-T )

    Scaling by a power of two is exact but for bits below 2^-1074 (an
    absolute error of at most 2^(T-1074) per term, below the rounding error
    of a sum that reached 2^1023 unless X and w are both near 1e308), and
    every scaled term is at most 1 in magnitude, so the sum stays below
    n_terms + 1: no overflow.  The
    final ``ldexp`` rounds to +-inf exactly when |z_k| exceeds float64.
    Only rows whose plain score is not finite come here (rare), so the
    per-term ``ldexp`` calls cost nothing on the common path.  A NaN or an
    infinity in the row (or in the coefficients) keeps its row non-finite.
    """
    cdef Py_ssize_t j, k, col, lo, hi
    cdef const floating* x
    cdef const double* w
    cdef double xmax = 0.0, wmax, b, s
    cdef int a, c, e, t
    if indices == NULL:
        x, lo, hi = data + r * d, 0, d
    else:
        x, lo, hi = data, indptr[r], indptr[r + 1]
    for j in range(lo, hi):
        if fabs(x[j]) > xmax:
            xmax = fabs(x[j])
    if xmax - xmax != 0.0:
        return                  # an infinity in X: the plain scores stand
    frexp(xmax, &a)
    if a < 0:
        a = 0
    for k in range(K):
        w = coef + k * d
        wmax = 0.0
        for j in range(lo, hi):
            col = j - lo if indices == NULL else indices[j]
            if fabs(w[col]) > wmax:
                wmax = fabs(w[col])
        b = intercept[k] if intercept != NULL else 0.0
        if wmax - wmax != 0.0 or b - b != 0.0:
            continue            # non-finite coefficients: nothing to rescue
        frexp(wmax, &c)
        frexp(b, &e)
        t = a + c if a + c > e else e
        s = 0.0
        for j in range(lo, hi):
            col = j - lo if indices == NULL else indices[j]
            s += ldexp(<double>x[j], -a) * ldexp(w[col], a - t)
        z[k] = ldexp(s + ldexp(b, -t), t)


cdef bint _softmax_limit(double* z, Py_ssize_t K) noexcept nogil:
    """softmax(z) in place when max(z) is +-inf, and return True; else
    leave z alone and return False.  The limit of softmax as the infinite
    scores grow: the classes whose score equals the maximum share the
    probability equally, the others get exactly 0 (never the NaN of
    inf - inf).  A NaN score (from a NaN in X) is left to the caller."""
    cdef Py_ssize_t k, n_top = 0
    cdef double m = z[0]
    for k in range(K):
        if z[k] != z[k]:
            return False
        if z[k] > m:
            m = z[k]
    if m - m == 0.0:
        return False
    for k in range(K):
        if z[k] == m:
            n_top += 1
    for k in range(K):
        z[k] = 1.0 / n_top if z[k] == m else 0.0
    return True


cdef Py_ssize_t _predict_chunk(
        int mode, const floating* data, const index_t* indices,
        const index_t* indptr, Py_ssize_t start, Py_ssize_t stop,
        Py_ssize_t d, const double* coef, const double* intercept,
        Py_ssize_t K, double* out, Py_ssize_t* out_class,
        double* z) noexcept nogil:
    """Predictions for rows start..stop; returns how many of these rows have
    a score that is not finite (after ``_row_scores_scaled``: a NaN or an
    infinity in X, or a score beyond float64)."""
    cdef Py_ssize_t i, k, best, n_bad = 0
    cdef double e, inv, check
    cdef bint bad
    cdef Py_ssize_t width = 2 if K == 1 else K
    for i in range(start, stop):
        _row_scores(data, indices, indptr, i, d, coef, intercept, K, z)
        check = 0.0
        for k in range(K):
            check += z[k] - z[k]      # 0 when finite, NaN for NaN or +-inf
        bad = check != 0.0
        if bad:
            # Overflow of a partial sum, or a true score beyond float64, or
            # a NaN/inf in X: recompute without intermediate overflow.
            _row_scores_scaled(data, indices, indptr, i, d, coef, intercept,
                               K, z)
            check = 0.0
            for k in range(K):
                check += z[k] - z[k]
            bad = check != 0.0
            if bad:
                n_bad += 1
        if mode == MODE_DECISION:
            for k in range(K):
                out[i * K + k] = z[k]
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
                # Both probabilities from one exponential, e = exp(-z):
                # p1 = 1 / (1 + e) exactly as ``sigmoid`` computes it, and
                # p0 = e * p1, never 1 - p1, so tiny p0 stay accurate.
                # Below z = -700, exp(-z) would overflow: p1 = exp(z), p0 = 1.
                if z[0] >= -700.0:
                    e = exp(-z[0])
                    inv = 1.0 / (1.0 + e)
                    out[i * width] = e * inv
                    out[i * width + 1] = inv
                else:
                    out[i * width] = 1.0
                    out[i * width + 1] = exp(z[0])
            else:
                # exp(inf - inf) would be NaN: rows with an infinite
                # score take the limit (only looked at for those rows).
                if not (bad and _softmax_limit(z, K)):
                    _softmax_inplace(z, K)
                for k in range(K):
                    out[i * width + k] = z[k]
    return n_bad


cdef Py_ssize_t _predict(
        int mode, const floating* data, const index_t* indices,
        const index_t* indptr, Py_ssize_t n, Py_ssize_t d,
        const double* coef, const double* intercept, Py_ssize_t K,
        double* out, Py_ssize_t* out_class, int n_threads) noexcept nogil:
    """Returns the number of rows with a non-finite score, or -1 when out
    of memory."""
    cdef Py_ssize_t n_chunks = (n + PREDICT_CHUNK - 1) // PREDICT_CHUNK
    cdef Py_ssize_t c, n_bad = 0
    cdef double* z
    cdef double z_small[16]
    cdef int n_par = _team_size(
        n_threads, n_chunks,
        K * (indptr[n] - indptr[0]) if indices != NULL else K * n * d)
    if n_par <= 1 and K <= 16:
        # Serial path with a stack buffer: no malloc, which matters for
        # one-row latency.
        return _predict_chunk(mode, data, indices, indptr, 0, n, d, coef,
                              intercept, K, out, out_class, z_small)
    # One scratch row of K doubles per chunk (n/1024 * K doubles in all).
    z = <double*>malloc(n_chunks * K * sizeof(double))
    if z == NULL:
        return -1
    if n_par <= 1:
        n_bad = _predict_chunk(mode, data, indices, indptr, 0, n, d, coef,
                               intercept, K, out, out_class, z)
    else:
        for c in prange(n_chunks, num_threads=n_par, schedule='dynamic'):
            n_bad += _predict_chunk(mode, data, indices, indptr, c * PREDICT_CHUNK,
                                    min_ssize(n, (c + 1) * PREDICT_CHUNK), d,
                                    coef, intercept, K, out, out_class, z + c * K)
    free(z)
    return n_bad


cdef Py_ssize_t _predict_matrix(
        const Matrix* X, int mode, const double* coef, const double* intercept,
        Py_ssize_t n_classes, double* out, Py_ssize_t* out_class,
        int n_threads) noexcept nogil:
    """``predict_rows`` returning the number of rows whose score is not
    finite (-1 when out of memory).  A NaN or an infinity anywhere in a row
    always makes its scores non-finite (x * w is NaN or +-inf for every w,
    and sums keep it so), so a count of 0 proves the data finite."""
    cdef Py_ssize_t n = X.n_rows, d = X.n_cols
    if X.float_bytes == 8:
        if X.indices == NULL or X.index_bytes == 4:
            return _predict[double, int](
                mode, <const double*>X.data, <const int*>X.indices,
                <const int*>X.indptr, n, d, coef, intercept, n_classes, out,
                out_class, n_threads)
        return _predict[double, int64_t](
            mode, <const double*>X.data, <const int64_t*>X.indices,
            <const int64_t*>X.indptr, n, d, coef, intercept, n_classes, out,
            out_class, n_threads)
    if X.indices == NULL or X.index_bytes == 4:
        return _predict[float, int](
            mode, <const float*>X.data, <const int*>X.indices,
            <const int*>X.indptr, n, d, coef, intercept, n_classes, out,
            out_class, n_threads)
    return _predict[float, int64_t](
        mode, <const float*>X.data, <const int64_t*>X.indices,
        <const int64_t*>X.indptr, n, d, coef, intercept, n_classes, out,
        out_class, n_threads)


cdef int predict_rows(
        const Matrix* X, int mode, const double* coef, const double* intercept,
        Py_ssize_t n_classes, double* out, Py_ssize_t* out_class,
        int n_threads) noexcept nogil:
    """Prediction over all rows of ``X``.

    mode 0: scores ``X @ coef.T + intercept`` into ``out`` (n_rows, K).
    mode 1: probabilities into ``out``: (n_rows, 2) for a binary model
    (n_classes == 1), (n_rows, K) otherwise.  mode 2: index of the most
    probable class into ``out_class`` (a binary score of exactly 0 predicts
    class 0).  Returns 0, or -1 when out of memory.
    """
    return -1 if _predict_matrix(X, mode, coef, intercept, n_classes, out,
                                 out_class, n_threads) < 0 else 0


cdef int decision_function_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        double* out, int n_threads) noexcept nogil:
    """Scores ``X @ coef.T + intercept`` into ``out`` (n_samples, n_classes)."""
    cdef Matrix M
    _dense_matrix(&M, X, sizeof(floating), n_samples, n_features)
    return predict_rows(&M, MODE_DECISION, coef, intercept, n_classes, out,
                        NULL, n_threads)


cdef int predict_proba_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        double* out, int n_threads) noexcept nogil:
    """Class probabilities into ``out``: (n_samples, 2) for a binary model
    (n_classes == 1), (n_samples, n_classes) otherwise."""
    cdef Matrix M
    _dense_matrix(&M, X, sizeof(floating), n_samples, n_features)
    return predict_rows(&M, MODE_PROBA, coef, intercept, n_classes, out,
                        NULL, n_threads)


cdef int predict_class_dense(
        const floating* X, Py_ssize_t n_samples, Py_ssize_t n_features,
        const double* coef, const double* intercept, Py_ssize_t n_classes,
        Py_ssize_t* out, int n_threads) noexcept nogil:
    """Index of the most probable class of each row into ``out``."""
    cdef Matrix M
    _dense_matrix(&M, X, sizeof(floating), n_samples, n_features)
    return predict_rows(&M, MODE_CLASS, coef, intercept, n_classes, NULL,
                        out, n_threads)


# ------------------------------------------------ Python-visible wrappers
# Thin def functions used by clogreg's Python layer and by the tests.  They
# take preallocated outputs so that this module needs no numpy.

def openmp_enabled():
    """True when the extension was compiled with OpenMP."""
    return bool(clogreg_openmp_enabled())


def max_threads():
    """Threads a large pass runs on when ``n_threads`` is not given: what
    OpenMP would use (``OMP_NUM_THREADS``, else the processors), capped at
    the processors available to this process (its CPU affinity); 1 in a
    process made by fork() and without OpenMP.  Any ``n_threads`` is capped
    the same way (and at the number of blocks of work)."""
    return int(clogreg_team_size(clogreg_omp_max_threads(), 1LL << 62,
                                 PARALLEL_MIN_WORK, PARALLEL_MIN_WORK))


def _requested_threads():
    """OpenMP's default request (``OMP_NUM_THREADS``, else the processors),
    uncapped: what the Python layer passes as ``n_threads`` when none is
    given.  Every parallel region caps it (``clogreg_team_size``), so this
    skips ``max_threads``' query of the CPU affinity, a system call that
    would cost a one-row prediction about half a microsecond."""
    return int(clogreg_omp_max_threads())


def _sigmoid(const floating[::1] z, floating[::1] out):
    cdef Py_ssize_t i, n = z.shape[0]
    _check_given("_sigmoid", "out", out is None, "it is required")
    _check_length("_sigmoid", "out", out.shape[0], n, "one per entry of z")
    with nogil:
        for i in range(n):
            out[i] = <floating>sigmoid(z[i])


def _log1pexp(const double[::1] z, double[::1] out):
    cdef Py_ssize_t i, n = z.shape[0]
    _check_given("_log1pexp", "out", out is None, "it is required")
    _check_length("_log1pexp", "out", out.shape[0], n, "one per entry of z")
    with nogil:
        for i in range(n):
            out[i] = log1pexp(z[i])


def _logistic_terms(const double[::1] z, double[::1] p, double[:, ::1] loss):
    """sigmoid(z) into p, and into loss[i] the loss of score z[i] for label
    0 and for label 1, as the binary training pass computes them
    (``clogreg_logistic_terms``); for the tests."""
    if p.shape[0] != z.shape[0] or loss.shape[0] != z.shape[0] or loss.shape[1] != 2:
        raise ValueError(f"p needs {z.shape[0]} entries and loss shape "
                         f"({z.shape[0]}, 2), like z; got {p.shape[0]} and "
                         f"({loss.shape[0]}, {loss.shape[1]})")
    if z.shape[0] == 0:
        return
    with nogil:
        clogreg_logistic_terms(&z[0], &p[0], &loss[0, 0], z.shape[0])


def _softmax(const floating[:, ::1] Z, floating[:, ::1] out):
    cdef Py_ssize_t i, n = Z.shape[0], k = Z.shape[1]
    _check_given("_softmax", "out", out is None, "it is required")
    _check_shape("_softmax", "out", out.shape[0], out.shape[1], n, k,
                 "the shape of Z")
    if k == 0:
        return
    with nogil:
        for i in range(n):
            softmax_row(&Z[i, 0], &out[i, 0], k)


cdef Py_ssize_t _nonfinite_scan(const floating* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, start, stop
    cdef int found
    # Chunks of 8192 values tested at once (exponent bits, clogreg_simd.h),
    # so the exact position is searched in one chunk only: x - x is 0 for
    # finite x and NaN otherwise.  Every CHECK_WORK / 8 values (a few
    # milliseconds), a check for Ctrl-C (-2 when a handler raised).
    start = 0
    while start < n:
        if start % (CHECK_WORK // 8) == 0 and start > 0 and _interrupted():
            return -2
        stop = min_ssize(n, start + 8192)
        if floating is double:
            found = clogreg_any_nonfinite_f64(a + start, stop - start)
        else:
            found = clogreg_any_nonfinite_f32(a + start, stop - start)
        if found:
            for i in range(start, stop):
                if a[i] - a[i] != 0.0:
                    return i
        start = stop
    return -1


def _first_nonfinite(a):
    """Flat index of the first NaN or infinity in the C-contiguous float32
    or float64 array ``a`` (any number of dimensions), or -1.  Ctrl-C
    interrupts a long scan (KeyboardInterrupt)."""
    cdef Py_buffer view
    cdef Py_ssize_t n, found
    PyObject_GetBuffer(a, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
    try:
        fmt = view.format[1] if view.format[0] in b"<=@" else view.format[0]
        n = view.len // view.itemsize if view.itemsize > 0 else 0
        if fmt == b"d" and view.itemsize == 8:
            with nogil:
                found = _nonfinite_scan(<const double*>view.buf, n)
        elif fmt == b"f" and view.itemsize == 4:
            with nogil:
                found = _nonfinite_scan(<const float*>view.buf, n)
        else:
            raise TypeError("_first_nonfinite needs native float32 or float64")
    finally:
        PyBuffer_Release(&view)
    if found == -2:
        _raise_pending()
    return found


cdef inline double _inverse_unit(double c) noexcept nogil:
    """1 / u for the power of two u = 2^e with u / 2 <= c < u (``frexp``:
    c = m * 2^e, 1/2 <= m < 1), for c > 0.

    Multiplying by a power of two is exact (short of underflow), so sums of
    values in units of u round as the plain sums would, minus their
    overflow and underflow.
    Below c = 2^-1024 (subnormal), 1 / u would overflow: it is capped at
    2^1023, which still brings c / u >= 2^-1074 * 2^1023 = 2^-51, far from
    underflow when squared.
    """
    cdef int e
    frexp(c, &e)
    return ldexp(1.0, -e if e > -1023 else 1023)


cdef inline void _see(double v, Py_ssize_t j, double* first,
                      Py_ssize_t* seen) noexcept nogil:
    """Count v, a value of column j in a row of positive weight, towards
    the exact constancy test of ``_moments``."""
    if seen[j] == 0:
        first[j] = v
        seen[j] = 1
    elif seen[j] > 0:
        seen[j] = seen[j] + 1 if v == first[j] else -1


cdef int _moments(const floating* data, const index_t* indices,
                  const index_t* indptr, Py_ssize_t n, Py_ssize_t d,
                  const double* sw, double* mean, double* std,
                  double* sq_norm_stats) noexcept nogil:
    """Weighted column means and standard deviations of any finite data,
    from +-1.8e308 down to the subnormals.

    Two passes (mean, then centred squares): the one-pass sum-of-squares
    formula loses everything when |mean| >> std.  A column whose largest
    magnitude c_j = max |x_ij| over the rows of positive weight (rows of
    weight 0 are skipped, however far out they lie) exceeds 1e100 or is
    below 1e-100 has its squared deviations summed in units of u_j, the
    power of two of ``_inverse_unit`` (u_j / 2 <= c_j < u_j; u_j = 2^-1023
    for c_j below 2^-1024), so that they neither overflow nor underflow to
    0:

        std_j = u_j * sqrt(sum_i s_i (x_ij / u_j - mean_j / u_j)^2 / S).

    The mean of a column below 1e-100, or whose plain weighted sum
    overflows, is summed in the same units, mean_j = u_j * sum_i s_i
    (x_ij / u_j) / S: near the subnormals this keeps the digits that
    rounding each s_i * x_ij to a subnormal would lose.  Otherwise the
    plain formulas, whose bits the units would not change anyway: scaling
    by a power of two is exact, short of overflow and underflow.

    A constant column (every value among the rows of positive weight equal
    to the first, compared exactly in the first pass) gets std_j = 0 and
    mean_j = that value exactly: the formulas above would leave rounding
    noise in both (0.1 summed 30 times is not 30 * 0.1), which a
    standardisation would divide by.  In CSR the rows without an entry
    hold 0: the column is constant if its stored values among the rows of
    positive weight all equal one v and either v == 0 or every such row
    stores one.  A CSR row must not repeat a column (``check_sparse`` sums
    repeats first): the centred squares count each entry as one value.
    Returns -1 when out of memory, -2 when a signal handler raised (checked
    every CHECK_WORK / 8 values or so, a few milliseconds: ``_interrupted``).
    """
    cdef Py_ssize_t i, j, col, n_pos = 0
    # rows between two checks for Ctrl-C; next_check: the next row to check at
    cdef Py_ssize_t every = (CHECK_WORK // 8) // (
        (indptr[n] - indptr[0]) // n + 1 if indices != NULL and n > 0 else d + 1) + 1
    cdef Py_ssize_t next_check = every
    cdef double s, total = 0.0, row_sq, mx = 0.0, sum_sq = 0.0, dev, mc
    cdef bint rescale = False
    cdef const floating* row
    # cmax[j]: the largest magnitude of column j; inv[j]: 1 / u_j; first[j]:
    # its first value among the rows of positive weight
    cdef double* cmax = <double*>malloc(4 * d * sizeof(double))
    # seen[j]: how many rows of positive weight hold first[j] in column j
    # (stored entries, for CSR), or -1 once a different value appeared
    cdef Py_ssize_t* seen = <Py_ssize_t*>malloc(d * sizeof(Py_ssize_t))
    cdef double* inv
    cdef double* first
    cdef double* differs   # dense rows: 1 where a value differed from first
    if cmax == NULL or seen == NULL:
        free(cmax)
        free(seen)
        return -1
    inv = cmax + d
    first = cmax + 2 * d
    differs = cmax + 3 * d
    memset(mean, 0, d * sizeof(double))
    memset(std, 0, d * sizeof(double))
    memset(cmax, 0, d * sizeof(double))
    memset(differs, 0, d * sizeof(double))
    memset(seen, 0, d * sizeof(Py_ssize_t))
    for i in range(n):
        if i == next_check:
            next_check += every
            if _interrupted():
                free(cmax)
                free(seen)
                return -2
        s = sw[i] if sw != NULL else 1.0
        total += s
        _row_axpy(s, data, indices, indptr, i, d, mean)
        row_sq = 0.0
        if indices == NULL:
            # dense rows: vectorised helpers (clogreg_simd.h); the exact
            # constancy test is differs[j], turned into seen[j] below
            row = data + i * d
            if floating is double:
                row_sq = clogreg_sqnorm_f64(row, d)
            else:
                row_sq = clogreg_sqnorm_f32(row, d)
            if s > 0.0:
                if n_pos == 0:
                    for j in range(d):
                        first[j] = row[j]
                if floating is double:
                    clogreg_colscan_f64(row, first, cmax, differs, d)
                else:
                    clogreg_colscan_f32(row, first, cmax, differs, d)
        else:
            for j in range(indptr[i], indptr[i + 1]):
                row_sq += <double>data[j] * data[j]
                if s > 0.0:
                    if fabs(data[j]) > cmax[indices[j]]:
                        cmax[indices[j]] = fabs(data[j])
                    _see(data[j], indices[j], first, seen)
        if s > 0.0:
            n_pos += 1
        sum_sq += row_sq
        if row_sq > mx:
            mx = row_sq
    if indices == NULL:
        for j in range(d):
            seen[j] = 0 if n_pos == 0 else (-1 if differs[j] != 0.0 else n_pos)
    for j in range(d):
        mean[j] /= total
        inv[j] = 1.0
        if cmax[j] > 0.0 and (cmax[j] < 1e-100 or not (mean[j] - mean[j] == 0.0)):
            inv[j] = _inverse_unit(cmax[j])
            rescale = True
    if rescale:
        # Redo those means with each value in its column's unit (|x / u| < 1,
        # so no sum exceeds S); columns of unit 1 are summed as above.
        memset(mean, 0, d * sizeof(double))
        next_check = every
        for i in range(n):
            if i == next_check:
                next_check += every
                if _interrupted():
                    free(cmax)
                    free(seen)
                    return -2
            s = sw[i] if sw != NULL else 1.0
            if s == 0.0:
                continue       # x / u may overflow, and 0 * inf is NaN
            if indices == NULL:
                row = data + i * d
                for j in range(d):
                    mean[j] += s * (row[j] * inv[j])
            else:
                for j in range(indptr[i], indptr[i + 1]):
                    col = indices[j]
                    mean[col] += s * (data[j] * inv[col])
        for j in range(d):
            mean[j] = (mean[j] / total) / inv[j]
    # A large column's mean took its unit only if the plain sum overflowed
    # (in units, its tiny values underflow), but its squares always need
    # it.  |mean_j| <= c_j up to rounding, so in a column summed in units
    # each squared deviation is at most 4 (times s_i).
    for j in range(d):
        if cmax[j] > 1e100:
            inv[j] = _inverse_unit(cmax[j])
    next_check = every
    for i in range(n):
        if i == next_check:
            next_check += every
            if _interrupted():
                free(cmax)
                free(seen)
                return -2
        s = sw[i] if sw != NULL else 1.0
        if s == 0.0:
            continue
        if indices == NULL:
            if floating is double:
                clogreg_centred_sq_f64(data + i * d, s, mean, inv, std, d)
            else:
                clogreg_centred_sq_f32(data + i * d, s, mean, inv, std, d)
        else:
            for j in range(indptr[i], indptr[i + 1]):
                col = indices[j]
                dev = data[j] * inv[col] - mean[col] * inv[col]
                mc = mean[col] * inv[col]
                # the implicit zero of this entry is counted below as
                # (0 - mean)^2, in the same unit; replace it by the real value
                std[col] += s * (dev * dev - mc * mc)
    for j in range(d):
        if indices != NULL:
            mc = mean[j] * inv[j]
            std[j] += total * mc * mc
        std[j] = std[j] / total
        std[j] = sqrt(std[j]) / inv[j] if std[j] > 0.0 else 0.0
        if seen[j] == 0:
            # no stored value in a row of positive weight: all (implicit) 0
            mean[j] = 0.0
            std[j] = 0.0
        elif seen[j] > 0 and (seen[j] == n_pos or first[j] == 0.0):
            # constant: first[j] in every row of positive weight (or stored
            # zeros beside implicit ones)
            mean[j] = first[j]
            std[j] = 0.0
    free(cmax)
    free(seen)
    sq_norm_stats[0] = mx
    sq_norm_stats[1] = sum_sq / n
    return 0


# The def wrappers below hand raw pointers to kernels that trust every
# length: these O(1) checks run first, with the GIL, so that a wrong length
# is a ValueError rather than a read or write out of bounds.  (The values
# of y, class indices, are not checked: that would take a pass over y.)

cdef int _check_length(str where, str name, Py_ssize_t got, Py_ssize_t expected,
                       str what) except -1:
    if got != expected:
        raise ValueError(f"{where}: {name} has {got} entries, expected "
                         f"{expected} ({what})")
    return 0


cdef int _check_shape(str where, str name, Py_ssize_t rows, Py_ssize_t cols,
                      Py_ssize_t want_rows, Py_ssize_t want_cols,
                      str what) except -1:
    if rows != want_rows or cols != want_cols:
        raise ValueError(f"{where}: {name} has shape ({rows}, {cols}), expected "
                         f"({want_rows}, {want_cols}) ({what})")
    return 0


cdef int _check_given(str where, str name, bint is_none, str why) except -1:
    if is_none:
        raise ValueError(f"{where}: {name} is None, but {why}")
    return 0


cdef int _check_coef(str where, str name, Py_ssize_t rows, Py_ssize_t cols,
                     Py_ssize_t d, bint is_none) except -1:
    _check_given(where, name, is_none, "it is required")
    if rows < 1 or cols != d:
        raise ValueError(f"{where}: {name} has shape ({rows}, {cols}), expected "
                         f"(n_classes, {d}) with n_classes >= 1 (X has {d} "
                         "columns)")
    return 0


def _column_moments(RowMatrix X, const double[::1] sample_weight,
                    double[::1] mean, double[::1] std):
    """Weighted column means and standard deviations into ``mean``/``std``
    (no overflow for any finite data); returns (max, mean) over rows of the
    squared row norm."""
    cdef const double* sw = NULL
    cdef double stats[2]
    cdef Matrix* M = &X.M
    cdef int status = 0
    where = "_column_moments"
    if sample_weight is not None:
        _check_length(where, "sample_weight", sample_weight.shape[0], M.n_rows,
                      "one per row of X")
        sw = &sample_weight[0]
    _check_given(where, "mean", mean is None, "it is required")
    _check_given(where, "std", std is None, "it is required")
    _check_length(where, "mean", mean.shape[0], M.n_cols, "one per column of X")
    _check_length(where, "std", std.shape[0], M.n_cols, "one per column of X")
    with nogil:
        if M.float_bytes == 8:
            if M.indices == NULL or M.index_bytes == 4:
                status = _moments[double, int](<const double*>M.data, <const int*>M.indices,
                                      <const int*>M.indptr, M.n_rows, M.n_cols,
                                      sw, &mean[0], &std[0], stats)
            else:
                status = _moments[double, int64_t](
                    <const double*>M.data, <const int64_t*>M.indices,
                    <const int64_t*>M.indptr, M.n_rows, M.n_cols, sw,
                    &mean[0], &std[0], stats)
        else:
            if M.indices == NULL or M.index_bytes == 4:
                status = _moments[float, int](<const float*>M.data, <const int*>M.indices,
                                     <const int*>M.indptr, M.n_rows, M.n_cols,
                                     sw, &mean[0], &std[0], stats)
            else:
                status = _moments[float, int64_t](
                    <const float*>M.data, <const int64_t*>M.indices,
                    <const int64_t*>M.indptr, M.n_rows, M.n_cols, sw,
                    &mean[0], &std[0], stats)
    if status == -2:
        _raise_pending()
    if status != 0:
        raise MemoryError("clogreg: could not allocate the column statistics")
    return stats[0], stats[1]


def _loss_gradient(RowMatrix X, const int[::1] y,
                   const double[::1] sample_weight,
                   const double[:, ::1] coef, const double[::1] intercept,
                   double[:, ::1] grad_coef, double[::1] grad_intercept,
                   int n_threads=1, double[::1] proba=None):
    """Weighted loss sum; gradients written into grad_coef/grad_intercept.

    ``sample_weight``, ``intercept`` (then also ``grad_intercept``) and
    ``proba`` may be None.  Every length is checked (ValueError); the
    values of ``y``, class indices below max(2, n_classes), are not.
    """
    cdef const double* sw = NULL
    cdef const double* b = NULL
    cdef double* gb = NULL
    cdef double* pr = NULL
    cdef double loss
    cdef Py_ssize_t n = X.M.n_rows, d = X.M.n_cols, K
    where = "_loss_gradient"
    _check_coef(where, "coef", coef.shape[0], coef.shape[1], d, coef is None)
    K = coef.shape[0]
    _check_given(where, "y", y is None, "it is required")
    _check_length(where, "y", y.shape[0], n, "one per row of X")
    _check_given(where, "grad_coef", grad_coef is None, "it is required")
    _check_shape(where, "grad_coef", grad_coef.shape[0], grad_coef.shape[1],
                 K, d, "the shape of coef")
    if sample_weight is not None:
        _check_length(where, "sample_weight", sample_weight.shape[0], n,
                      "one per row of X")
        sw = &sample_weight[0]
    if intercept is not None:
        _check_length(where, "intercept", intercept.shape[0], K,
                      "one per row of coef")
        _check_given(where, "grad_intercept", grad_intercept is None,
                     "intercept is given")
        _check_length(where, "grad_intercept", grad_intercept.shape[0], K,
                      "one per row of coef")
        b = &intercept[0]
        gb = &grad_intercept[0]
    if proba is not None:
        _check_length(where, "proba", proba.shape[0], n * K,
                      "rows of X times rows of coef")
        pr = &proba[0]
    with nogil:
        loss = loss_gradient(&X.M, &y[0], sw, &coef[0, 0], b, K, NULL, n,
                             &grad_coef[0, 0], gb, pr, n_threads)
    if loss < 0:
        raise MemoryError("clogreg: could not allocate the gradient workspace")
    return loss


def _hessian_product(RowMatrix X, const double[::1] sample_weight,
                     const double[::1] proba, const double[:, ::1] v_coef,
                     const double[::1] v_intercept, double[:, ::1] out_coef,
                     double[::1] out_intercept, int n_threads=1):
    """Hessian-vector product of the weighted loss sum (see
    ``hessian_product``); ``sample_weight`` and ``v_intercept`` (then also
    ``out_intercept``) may be None.  Every length is checked (ValueError).
    """
    cdef const double* sw = NULL
    cdef const double* vb = NULL
    cdef double* ob = NULL
    cdef int status
    cdef Py_ssize_t n = X.M.n_rows, d = X.M.n_cols, K
    where = "_hessian_product"
    _check_coef(where, "v_coef", v_coef.shape[0], v_coef.shape[1], d,
                v_coef is None)
    K = v_coef.shape[0]
    _check_given(where, "proba", proba is None, "it is required")
    _check_length(where, "proba", proba.shape[0], n * K,
                  "rows of X times rows of v_coef")
    _check_given(where, "out_coef", out_coef is None, "it is required")
    _check_shape(where, "out_coef", out_coef.shape[0], out_coef.shape[1], K, d,
                 "the shape of v_coef")
    if sample_weight is not None:
        _check_length(where, "sample_weight", sample_weight.shape[0], n,
                      "one per row of X")
        sw = &sample_weight[0]
    if v_intercept is not None:
        _check_length(where, "v_intercept", v_intercept.shape[0], K,
                      "one per row of v_coef")
        _check_given(where, "out_intercept", out_intercept is None,
                     "v_intercept is given")
        _check_length(where, "out_intercept", out_intercept.shape[0], K,
                      "one per row of v_coef")
        vb = &v_intercept[0]
        ob = &out_intercept[0]
    with nogil:
        status = hessian_product(&X.M, sw, &proba[0], K, &v_coef[0, 0], vb,
                                 &out_coef[0, 0], ob, n_threads)
    if status != 0:
        raise MemoryError("clogreg: could not allocate the Hessian workspace")


def _predict_into(int mode, RowMatrix X, const double[:, ::1] coef,
                  const double[::1] intercept, double[:, ::1] out,
                  Py_ssize_t[::1] out_class, int n_threads=1):
    """mode 0: decision (``out`` of shape (n_rows, K)), 1: probabilities
    (``out`` of shape (n_rows, 2) when K == 1, else (n_rows, K)); 2: class
    indices (``out_class`` of n_rows entries).  K = coef.shape[0]; the
    unused output and ``intercept`` may be None.  Every length is checked
    (ValueError).  Returns the number of rows whose score is not finite:
    0 proves X free of NaN and infinity (see ``_predict_matrix``)."""
    cdef const double* b = NULL
    cdef double* o = NULL
    cdef Py_ssize_t* oc = NULL
    cdef Py_ssize_t status
    cdef Py_ssize_t n = X.M.n_rows, d = X.M.n_cols, K
    where = "_predict_into"
    if mode not in (0, 1, 2):
        raise ValueError(f"{where}: mode must be 0, 1 or 2, got {mode}")
    _check_coef(where, "coef", coef.shape[0], coef.shape[1], d, coef is None)
    K = coef.shape[0]
    if intercept is not None:
        _check_length(where, "intercept", intercept.shape[0], K,
                      "one per row of coef")
        b = &intercept[0]
    if mode == 2:
        _check_given(where, "out_class", out_class is None, "mode is 2")
        _check_length(where, "out_class", out_class.shape[0], n,
                      "one per row of X")
        oc = &out_class[0]
    else:
        _check_given(where, "out", out is None, f"mode is {mode}")
        _check_shape(where, "out", out.shape[0], out.shape[1], n,
                     2 if mode == 1 and K == 1 else K,
                     "rows of X by classes" if mode == 1 else
                     "rows of X by rows of coef")
        o = &out[0, 0]
    with nogil:
        status = _predict_matrix(&X.M, mode, &coef[0, 0], b, K, o, oc,
                                  n_threads)
    if status < 0:
        raise MemoryError("clogreg: could not allocate prediction scratch")
    return status
