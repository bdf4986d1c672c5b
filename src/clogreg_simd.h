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
 * through an ifunc).  The logistic terms of clogreg_vmath.h also get an
 * AVX-512 clone (CLOGREG_CLONES_WIDE), and the float32 row kernels an
 * AVX-512 version written with intrinsics, picked by an ifunc of their
 * own (CLOGREG_PICK, at the end): both are bound by arithmetic, not
 * memory (exp and log1p: 2.8 instead of 4.7 ns a score in a C benchmark;
 * widening float32 to float64 8 values an instruction: a float32 pass over
 * 200k x 100, one thread, 3.7 instead of 4.3 ms, where the AVX-512 clone
 * of the portable code had taken 4.3 and the AVX2 one about 7.5).  The
 * float64 row kernels are bound by memory and were no faster with
 * AVX-512.  No version uses FMA (and nothing is contracted anyway), and
 * the eight lanes are the same in all, so every version rounds
 * identically: tests/test_simd_clones.py compiles each one and compares
 * the bits.  Elsewhere (macOS, Windows, musl, ARM) the baseline is
 * compiled as is, or the AVX-512 versions where the whole build targets
 * AVX-512.
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
#define CLOGREG_DISPATCH 1
#define CLOGREG_CLONES __attribute__((target_clones("avx2", "default")))
#define CLOGREG_CLONES_WIDE \
    __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLOGREG_DISPATCH 0
#define CLOGREG_CLONES
#define CLOGREG_CLONES_WIDE
#endif

/* The float32 row kernels (dot product, squared norm, axpy, the column
 * scan and centred squares of the moments) have an AVX-512 version written
 * with intrinsics, picked at load time where the build dispatches, and
 * used directly in a build for AVX-512 as a whole (-mavx512f:
 * tests/test_simd_clones.py).  Intrinsics, because GCC's vectoriser, under
 * its generic tuning, keeps the eight lanes in two 256-bit registers and
 * widens each half on its own, whatever the clone's target. */
#if CLOGREG_DISPATCH
#define CLOGREG_AVX512_ROWS 1
#define CLOGREG_AVX512 __attribute__((target("avx512f")))
#elif defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
#define CLOGREG_AVX512_ROWS 1
#define CLOGREG_AVX512
#else
#define CLOGREG_AVX512_ROWS 0
#endif
#if CLOGREG_AVX512_ROWS
#include <immintrin.h>
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
static double clogreg_dot_f32_lanes(const float *x, const double *w, ptrdiff_t n)
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
static void clogreg_axpy_f32_lanes(double a, const float *x, double *g, ptrdiff_t n)
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
static void clogreg_axpy4_f32_lanes(const double *a, const float *x0,
                                    const float *x1, const float *x2,
                                    const float *x3, double *g, ptrdiff_t n)
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

CLOGREG_CLONES
static double clogreg_sqnorm_f32_lanes(const float *x, ptrdiff_t n)
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

CLOGREG_CLONES
static void clogreg_colscan_f32_lanes(const float *x, const double *first,
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

CLOGREG_CLONES
static void clogreg_centred_sq_f32_lanes(const float *x, double s,
                                         const double *mean, const double *inv,
                                         double *acc, ptrdiff_t n)
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

#if CLOGREG_AVX512_ROWS
/* The same sums as the _lanes versions above, element for element: lane k
 * of one 512-bit register is a_k of CLOGREG_DOT_BODY, the tail goes into
 * the lanes of its positions (masked: the other lanes are left as they
 * are, not added 0 to, which would turn a -0 into +0), and the lanes are
 * combined by the same expression.  Each float32 is widened by one
 * instruction, 8 at a time; multiply and add stay two roundings (no FMA).
 */
CLOGREG_AVX512
static inline __m512d clogreg_load8_f32(const float *x, ptrdiff_t m)
{
    /* x[0..m) widened, 0 <= m <= 8; masked loads read nothing beyond */
    if (m == 8)
        return _mm512_cvtps_pd(_mm256_loadu_ps(x));
    return _mm512_cvtps_pd(_mm512_castps512_ps256(
        _mm512_maskz_loadu_ps((__mmask16)((1u << m) - 1u), x)));
}

/* The lanes a_k of acc combined as CLOGREG_DOT_BODY does:
 * (a0 + a4, a1 + a5, a2 + a6, a3 + a7) = (s0, ..., s3), then
 * (s0 + s1) + (s2 + s3). */
CLOGREG_AVX512
static inline double clogreg_lanes_sum(__m512d acc)
{
    __m256d half = _mm256_add_pd(_mm512_castpd512_pd256(acc),
                                 _mm512_extractf64x4_pd(acc, 1));
    __m128d lo = _mm256_castpd256_pd128(half), hi = _mm256_extractf128_pd(half, 1);
    __m128d pair = _mm_add_pd(_mm_unpacklo_pd(lo, hi), _mm_unpackhi_pd(lo, hi));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

CLOGREG_AVX512
static double clogreg_dot_f32_avx512(const float *x, const double *w, ptrdiff_t n)
{
    __m512d acc = _mm512_setzero_pd();
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm512_add_pd(acc, _mm512_mul_pd(clogreg_load8_f32(x + i, 8),
                                               _mm512_loadu_pd(w + i)));
    if (i < n) {
        __mmask8 m = (__mmask8)((1u << (n - i)) - 1u);
        acc = _mm512_mask_add_pd(acc, m, acc,
                                 _mm512_mul_pd(clogreg_load8_f32(x + i, n - i),
                                               _mm512_maskz_loadu_pd(m, w + i)));
    }
    return clogreg_lanes_sum(acc);
}

CLOGREG_AVX512
static void clogreg_axpy_f32_avx512(double a, const float *x, double *g, ptrdiff_t n)
{
    __m512d av = _mm512_set1_pd(a);
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(g + i, _mm512_add_pd(
            _mm512_loadu_pd(g + i), _mm512_mul_pd(av, clogreg_load8_f32(x + i, 8))));
    if (i < n) {
        __mmask8 m = (__mmask8)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_pd(g + i, m, _mm512_add_pd(
            _mm512_maskz_loadu_pd(m, g + i),
            _mm512_mul_pd(av, clogreg_load8_f32(x + i, n - i))));
    }
}

CLOGREG_AVX512
static inline __m512d clogreg_axpy4_step(const __m512d *a, const float *const *x,
                                         __m512d g, ptrdiff_t i, ptrdiff_t m)
{
    g = _mm512_add_pd(g, _mm512_mul_pd(a[0], clogreg_load8_f32(x[0] + i, m)));
    g = _mm512_add_pd(g, _mm512_mul_pd(a[1], clogreg_load8_f32(x[1] + i, m)));
    g = _mm512_add_pd(g, _mm512_mul_pd(a[2], clogreg_load8_f32(x[2] + i, m)));
    return _mm512_add_pd(g, _mm512_mul_pd(a[3], clogreg_load8_f32(x[3] + i, m)));
}

CLOGREG_AVX512
static void clogreg_axpy4_f32_avx512(const double *a, const float *x0,
                                     const float *x1, const float *x2,
                                     const float *x3, double *g, ptrdiff_t n)
{
    const __m512d av[4] = {_mm512_set1_pd(a[0]), _mm512_set1_pd(a[1]),
                           _mm512_set1_pd(a[2]), _mm512_set1_pd(a[3])};
    const float *const x[4] = {x0, x1, x2, x3};
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(g + i, clogreg_axpy4_step(av, x, _mm512_loadu_pd(g + i), i, 8));
    if (i < n) {
        __mmask8 m = (__mmask8)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_pd(g + i, m, clogreg_axpy4_step(
            av, x, _mm512_maskz_loadu_pd(m, g + i), i, n - i));
    }
}

CLOGREG_AVX512
static double clogreg_sqnorm_f32_avx512(const float *x, ptrdiff_t n)
{
    __m512d acc = _mm512_setzero_pd(), v;
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v = clogreg_load8_f32(x + i, 8);
        acc = _mm512_add_pd(acc, _mm512_mul_pd(v, v));
    }
    if (i < n) {
        v = clogreg_load8_f32(x + i, n - i);
        acc = _mm512_mask_add_pd(acc, (__mmask8)((1u << (n - i)) - 1u), acc,
                                 _mm512_mul_pd(v, v));
    }
    return clogreg_lanes_sum(acc);
}

CLOGREG_AVX512
static void clogreg_colscan_f32_avx512(const float *x, const double *first,
                                       double *cmax, double *differs, ptrdiff_t n)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d v, a, c;
    __mmask8 m = 0xff;
    ptrdiff_t i;
    for (i = 0; i < n; i += 8) {
        if (n - i < 8)
            m = (__mmask8)((1u << (n - i)) - 1u);
        v = clogreg_load8_f32(x + i, n - i < 8 ? n - i : 8);
        a = _mm512_abs_pd(v);
        c = _mm512_maskz_loadu_pd(m, cmax + i);
        /* the selects of CLOGREG_COLSCAN_BODY: a > c (ordered), v != first
         * (unordered, as C's !=) */
        _mm512_mask_storeu_pd(cmax + i, m & _mm512_cmp_pd_mask(a, c, _CMP_GT_OQ), a);
        _mm512_mask_storeu_pd(differs + i, m & _mm512_cmp_pd_mask(
            v, _mm512_maskz_loadu_pd(m, first + i), _CMP_NEQ_UQ), one);
    }
}

CLOGREG_AVX512
static void clogreg_centred_sq_f32_avx512(const float *x, double s,
                                          const double *mean, const double *inv,
                                          double *acc, ptrdiff_t n)
{
    const __m512d sv = _mm512_set1_pd(s);
    __m512d iv, dev;
    __mmask8 m = 0xff;
    ptrdiff_t i;
    for (i = 0; i < n; i += 8) {
        if (n - i < 8)
            m = (__mmask8)((1u << (n - i)) - 1u);
        iv = _mm512_maskz_loadu_pd(m, inv + i);
        dev = _mm512_sub_pd(
            _mm512_mul_pd(clogreg_load8_f32(x + i, n - i < 8 ? n - i : 8), iv),
            _mm512_mul_pd(_mm512_maskz_loadu_pd(m, mean + i), iv));
        _mm512_mask_storeu_pd(acc + i, m, _mm512_add_pd(
            _mm512_maskz_loadu_pd(m, acc + i), _mm512_mul_pd(_mm512_mul_pd(sv, dev), dev)));
    }
}
#endif

/* The float32 row kernels by their public names: the AVX-512 version where
 * the CPU (or the whole build) has it, else the clones of the _lanes
 * version. */
#if CLOGREG_DISPATCH
static int clogreg_has_avx512f(void)
{
    __builtin_cpu_init();    /* a resolver may run before the constructors */
    return __builtin_cpu_supports("avx512f");
}

#define CLOGREG_PICK(name, ret, params)                                     \
    static ret (*name##_pick(void)) params                                  \
    {                                                                       \
        return clogreg_has_avx512f() ? name##_avx512 : name##_lanes;        \
    }                                                                       \
    static ret name params __attribute__((ifunc(#name "_pick")));

CLOGREG_PICK(clogreg_dot_f32, double, (const float *, const double *, ptrdiff_t))
CLOGREG_PICK(clogreg_axpy_f32, void, (double, const float *, double *, ptrdiff_t))
CLOGREG_PICK(clogreg_axpy4_f32, void, (const double *, const float *, const float *,
                                       const float *, const float *, double *,
                                       ptrdiff_t))
CLOGREG_PICK(clogreg_sqnorm_f32, double, (const float *, ptrdiff_t))
CLOGREG_PICK(clogreg_colscan_f32, void, (const float *, const double *, double *,
                                         double *, ptrdiff_t))
CLOGREG_PICK(clogreg_centred_sq_f32, void, (const float *, double, const double *,
                                            const double *, double *, ptrdiff_t))
#elif CLOGREG_AVX512_ROWS
#define clogreg_dot_f32 clogreg_dot_f32_avx512
#define clogreg_axpy_f32 clogreg_axpy_f32_avx512
#define clogreg_axpy4_f32 clogreg_axpy4_f32_avx512
#define clogreg_sqnorm_f32 clogreg_sqnorm_f32_avx512
#define clogreg_colscan_f32 clogreg_colscan_f32_avx512
#define clogreg_centred_sq_f32 clogreg_centred_sq_f32_avx512
#else
#define clogreg_dot_f32 clogreg_dot_f32_lanes
#define clogreg_axpy_f32 clogreg_axpy_f32_lanes
#define clogreg_axpy4_f32 clogreg_axpy4_f32_lanes
#define clogreg_sqnorm_f32 clogreg_sqnorm_f32_lanes
#define clogreg_colscan_f32 clogreg_colscan_f32_lanes
#define clogreg_centred_sq_f32 clogreg_centred_sq_f32_lanes
#endif

#endif /* CLOGREG_SIMD_H */
