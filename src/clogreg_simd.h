/* Dense row kernels of clogreg: dot products and axpy, float64 and float32,
 * and the per-row steps of the column moments and of the check for NaN.
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
 * through an ifunc).  The float32 functions and the logistic terms of
 * clogreg_vmath.h also get an AVX-512 version (CLOGREG_CLONES_WIDE): they
 * are bound by arithmetic, not memory (widening float32 to float64: a
 * float32 pass over 200k x 100 took about 5 ms instead of 7.5; exp and
 * log1p: 2.8 instead of 4.7 ns a score in a C benchmark, a float32 pass
 * over 100 columns in cache 20.4 instead of 22.1 ns a row); the float64
 * row kernels are bound by memory and were no faster with it.  No version uses FMA (and nothing is contracted
 * anyway), and the eight lanes are the same in all, so every version
 * rounds identically: tests/test_simd_clones.py compiles each one and
 * compares the bits.  Elsewhere (macOS, Windows, musl, ARM) the baseline
 * is compiled as is.
 *
 * float32 rows are widened to float64 before multiplying: the sums are
 * float64, as everywhere in the engine.
 */
#ifndef CLOGREG_SIMD_H
#define CLOGREG_SIMD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
    (defined(__GNUC__) || defined(__clang__)) && !defined(CLOGREG_NO_CLONES)
#define CLOGREG_CLONES __attribute__((target_clones("avx2", "default")))
#define CLOGREG_CLONES_WIDE \
    __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLOGREG_CLONES
#define CLOGREG_CLONES_WIDE
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

CLOGREG_CLONES_WIDE
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

CLOGREG_CLONES_WIDE
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

CLOGREG_CLONES_WIDE
static void clogreg_axpy4_f32(const double *a, const float *x0, const float *x1,
                              const float *x2, const float *x3, double *g,
                              ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        g[i] = (((g[i] + a[0] * (double)x0[i]) + a[1] * (double)x1[i]) +
                a[2] * (double)x2[i]) + a[3] * (double)x3[i];
}

/* Ask for the cache lines of [p, p + bytes) ahead of their use. */
static inline void clogreg_prefetch(const void *p, ptrdiff_t bytes)
{
#if defined(__GNUC__) || defined(__clang__)
    const char *c = (const char *)p;
    ptrdiff_t k;
    for (k = 0; k < bytes; k += 64)
        __builtin_prefetch(c + k, 0, 3);
#else
    (void)p;
    (void)bytes;
#endif
}

/* The squared norm of a row, in the lanes and order of the dot products. */
CLOGREG_CLONES
static double clogreg_sqnorm_f64(const double *x, ptrdiff_t n)
{
    const double *w = x;
    CLOGREG_DOT_BODY(double)
}

CLOGREG_CLONES_WIDE
static double clogreg_sqnorm_f32(const float *x, ptrdiff_t n)
{
    const float *w = x;
    CLOGREG_DOT_BODY(float)
}

/* One dense row of positive weight in the first pass of the column
 * moments (_moments in kernels.pyx): cmax[j] = max(cmax[j], |x[j]|) and
 * differs[j] = 1 where x[j] != first[j].  Selects rather than branches, so
 * that it vectorises; a NaN (never passed: the data was checked) would
 * leave both unchanged. */
#define CLOGREG_COLSCAN_BODY                                                \
    ptrdiff_t j;                                                            \
    for (j = 0; j < n; j++) {                                               \
        double v = (double)x[j], a = fabs(v);                               \
        cmax[j] = a > cmax[j] ? a : cmax[j];                                \
        differs[j] = v != first[j] ? 1.0 : differs[j];                      \
    }

CLOGREG_CLONES
static void clogreg_colscan_f64(const double *x, const double *first,
                                double *cmax, double *differs, ptrdiff_t n)
{
    CLOGREG_COLSCAN_BODY
}

CLOGREG_CLONES_WIDE
static void clogreg_colscan_f32(const float *x, const double *first,
                                double *cmax, double *differs, ptrdiff_t n)
{
    CLOGREG_COLSCAN_BODY
}

/* acc[j] += s * dev * dev with dev = x[j] * inv[j] - mean[j] * inv[j]: the
 * centred squares of the column moments, each column on its own. */
#define CLOGREG_CENTRED_BODY                                                \
    ptrdiff_t j;                                                            \
    for (j = 0; j < n; j++) {                                               \
        double dev = (double)x[j] * inv[j] - mean[j] * inv[j];              \
        acc[j] += s * dev * dev;                                            \
    }

CLOGREG_CLONES
static void clogreg_centred_sq_f64(const double *x, double s, const double *mean,
                                   const double *inv, double *acc, ptrdiff_t n)
{
    CLOGREG_CENTRED_BODY
}

CLOGREG_CLONES_WIDE
static void clogreg_centred_sq_f32(const float *x, double s, const double *mean,
                                   const double *inv, double *acc, ptrdiff_t n)
{
    CLOGREG_CENTRED_BODY
}

/* 1 if one of x[0], ..., x[n - 1] is NaN or infinite (all its exponent
 * bits set), else 0: integer tests OR-ed together, which (unlike a
 * floating-point sum) compilers may vectorise in any order. */
#define CLOGREG_NONFINITE_BODY(U_T, EXP)                                    \
    U_T bits, acc = 0;                                                      \
    ptrdiff_t i;                                                            \
    for (i = 0; i < n; i++) {                                               \
        memcpy(&bits, x + i, sizeof bits);                                  \
        acc |= (U_T)((bits & (EXP)) == (EXP));                              \
    }                                                                       \
    return acc != 0;

CLOGREG_CLONES
static int clogreg_any_nonfinite_f64(const double *x, ptrdiff_t n)
{
    CLOGREG_NONFINITE_BODY(uint64_t, UINT64_C(0x7ff0000000000000))
}

CLOGREG_CLONES
static int clogreg_any_nonfinite_f32(const float *x, ptrdiff_t n)
{
    CLOGREG_NONFINITE_BODY(uint32_t, UINT32_C(0x7f800000))
}

#endif /* CLOGREG_SIMD_H */
