/* Dense row kernels of clogreg: dot products and axpy, float64 and float32.
 *
 * Design: each function is plain C with a fixed evaluation order: the dot
 * products keep eight independent partial sums (lane k takes elements
 * k, k+8, k+16, ...) combined by one fixed expression.  The compiler may
 * map the eight lanes onto SIMD registers but may not reorder them (no
 * -ffast-math) nor fuse a product and a sum into one fused multiply-add
 * (rounded once instead of twice: setup.py passes -ffp-contract=off, as
 * GCC contracts by default wherever the target has FMA, e.g. on aarch64,
 * and clang within an expression), so every build computes the same bits.
 *
 * On x86-64 Linux with glibc, GCC and clang build a baseline (SSE2) and an
 * AVX2 version of each function and pick one at load time (target_clones,
 * through an ifunc).  AVX2 without FMA (and no contraction anyway), so
 * both versions round identically.  Elsewhere (macOS, Windows, musl, ARM)
 * the baseline is compiled as is.
 *
 * float32 rows are widened to float64 before multiplying: the sums are
 * float64, as everywhere in the engine.
 */
#ifndef CLOGREG_SIMD_H
#define CLOGREG_SIMD_H

#include <stddef.h>
#include <stdlib.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
    (defined(__GNUC__) || defined(__clang__)) && !defined(CLOGREG_NO_CLONES)
#define CLOGREG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLOGREG_CLONES
#endif

/* Lane k takes elements k, k + 8, ...; the tail (n % 8 elements) goes
 * into the lanes of its positions, through a switch rather than a loop:
 * with eight named sums the compiler keeps them in registers (a loop over
 * an array of eight spilled them to the stack on every call). */
#define CLOGREG_DOT_BODY(X_T)                                               \
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;  \
    ptrdiff_t i = 0;                                                        \
    for (; i + 8 <= n; i += 8) {                                            \
        a0 += (double)x[i] * w[i];                                          \
        a1 += (double)x[i + 1] * w[i + 1];                                  \
        a2 += (double)x[i + 2] * w[i + 2];                                  \
        a3 += (double)x[i + 3] * w[i + 3];                                  \
        a4 += (double)x[i + 4] * w[i + 4];                                  \
        a5 += (double)x[i + 5] * w[i + 5];                                  \
        a6 += (double)x[i + 6] * w[i + 6];                                  \
        a7 += (double)x[i + 7] * w[i + 7];                                  \
    }                                                                       \
    switch (n - i) {                                                        \
    case 7: a6 += (double)x[i + 6] * w[i + 6]; /* fall through */           \
    case 6: a5 += (double)x[i + 5] * w[i + 5]; /* fall through */           \
    case 5: a4 += (double)x[i + 4] * w[i + 4]; /* fall through */           \
    case 4: a3 += (double)x[i + 3] * w[i + 3]; /* fall through */           \
    case 3: a2 += (double)x[i + 2] * w[i + 2]; /* fall through */           \
    case 2: a1 += (double)x[i + 1] * w[i + 1]; /* fall through */           \
    case 1: a0 += (double)x[i] * w[i];                                      \
    }                                                                       \
    return ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7));

CLOGREG_CLONES
static double clogreg_dot_f64(const double *x, const double *w, ptrdiff_t n)
{
    CLOGREG_DOT_BODY(double)
}

CLOGREG_CLONES
static double clogreg_dot_f32(const float *x, const double *w, ptrdiff_t n)
{
    CLOGREG_DOT_BODY(float)
}

/* g += a * x */
CLOGREG_CLONES
static void clogreg_axpy_f64(double a, const double *x, double *g, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        g[i] += a * x[i];
}

CLOGREG_CLONES
static void clogreg_axpy_f32(double a, const float *x, double *g, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        g[i] += a * (double)x[i];
}

/* g += a[0] * x0, then a[1] * x1, a[2] * x2, a[3] * x3: the same sums, in
 * the same order, as four axpy calls, with one load and store of g instead
 * of four. */
CLOGREG_CLONES
static void clogreg_axpy4_f64(const double *a, const double *x0, const double *x1,
                              const double *x2, const double *x3, double *g,
                              ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        g[i] = (((g[i] + a[0] * x0[i]) + a[1] * x1[i]) + a[2] * x2[i]) + a[3] * x3[i];
}

CLOGREG_CLONES
static void clogreg_axpy4_f32(const double *a, const float *x0, const float *x1,
                              const float *x2, const float *x3, double *g,
                              ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        g[i] = (((g[i] + a[0] * (double)x0[i]) + a[1] * (double)x1[i]) +
                a[2] * (double)x2[i]) + a[3] * (double)x3[i];
}

#endif /* CLOGREG_SIMD_H */
