/* The binary log-loss and the sigmoid, for a short array of scores at
 * once: with e = exp(-|z[i]|) (in [0, 1], never overflows),
 *
 *     p[i]          = sigmoid(z[i]) = 1 / (1 + e) for z >= 0, e / (1 + e) else,
 *     loss[2 i]     = log1p(e) + max(z, 0)   (the row's loss if its label is 0),
 *     loss[2 i + 1] = log1p(e) + max(-z, 0)  (... if its label is 1),
 *
 * i.e. log(1 + exp(+-z)) with no overflow and no cancellation; the caller
 * picks loss[2 i + y] without a branch (_binary_rows in kernels.pyx).  The
 * loop is plain arithmetic with no calls and no data-dependent branches,
 * which compilers vectorise (4 lanes with AVX2, 8 with AVX-512); libm's
 * exp and log1p cost a call each per row, about a third of a float32 pass
 * over 100 features.
 *
 * Accuracy: a few units in the last place of double precision for every
 * input (tests/test_kernels.py compares with numpy over the whole range,
 * subnormal results included).  Only IEEE arithmetic in a fixed order (no
 * -ffast-math, no fused multiply-add on any platform: -ffp-contract=off,
 * see clogreg_simd.h), so the AVX-512, AVX2 and baseline versions, and
 * the x86-64 and aarch64 builds, give the same bits
 * (tests/test_simd_clones.py), and the result does not depend on the
 * platform's libm.  NaN propagates to every output;
 * z = +inf gives p = 1 and losses (+inf, 0), z = -inf p = 0 and (0, +inf).
 *
 * Method (textbook; constants are Taylor coefficients and the usual
 * two-part split of log 2):
 *   exp(x), x = -|z|: x = k log 2 + r with k = nearest integer to x / log 2
 *     and |r| <= log(2) / 2 (log 2 split in a 32-bit head, so k * head is
 *     exact, and a tail); exp(r) by its Taylor polynomial of degree 13
 *     (truncation < 1e-17), evaluated as 1 + (r + r^2 T(r)) with Estrin's
 *     scheme for T; times 2^k built from exponent bits, in two
 *     halves so that each factor is a normal number down to exp(-746) = 0.
 *   log1p(e): u = 1 + e rounded, c = (e - (u - 1)) / u its rounding error
 *     to first order (1 / u also gives p); u = 2^j m with m in
 *     [sqrt(1/2), sqrt 2], j in {0, 1}; with f = m - 1 and s = f / (2 + f), log m = 2 atanh s
 *     = f - (f^2/2 - s (f^2/2 + R)), R = sum_{n=1..10} 2 s^(2n) / (2n + 1)
 *     (|s| <= 0.1716: truncation < 1e-17; Estrin's scheme);
 *     l = j log 2 + log m + c.
 */
#ifndef CLOGREG_VMATH_H
#define CLOGREG_VMATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#include "clogreg_simd.h"   /* CLOGREG_CLONES_WIDE */

/* 2^k for an integer-valued double k in [-1022, 1023]: the exponent field
 * is k + 1023, read off the low bits of (k + 1023) + 2^52. */
static inline double clogreg_pow2(double k)
{
    double b = (k + 1023.0) + 4503599627370496.0;     /* 2^52 */
    uint64_t bits;
    memcpy(&bits, &b, sizeof bits);
    bits = (bits - UINT64_C(0x4330000000000000)) << 52;
    memcpy(&b, &bits, sizeof b);
    return b;
}

CLOGREG_CLONES_WIDE
static void clogreg_logistic_terms(const double *z, double *p, double *loss,
                                   ptrdiff_t n)
{
    const double shift = 6755399441055744.0;          /* 1.5 * 2^52 */
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01; /* 32 significant bits */
    const double ln2_lo = 1.90821492927058770002e-10; /* log 2 - ln2_hi */
    const double sqrt2 = 1.4142135623730951;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        double x, t, k, k1, r, r2, r4, a0, a1, a2, a3, a4, a5, q, ex, u, inv, c,
            m, f, s, s2, R, hfsq, j, lm;
        /* ---- e = exp(x), x = -|z| in [-746, 0] */
        x = -fabs(z[i]);
        x = x < -746.0 ? -746.0 : x;       /* keeps NaN; -inf -> -746 -> 0 */
        t = x * log2e;
        k = (t + shift) - shift;           /* nearest integer, in [-1076, 0] */
        r = (x - k * ln2_hi) - k * ln2_lo;
        /* q = 1 + (r + r^2 T(r)), T(r) = sum_{k=0..11} r^k / (k + 2)!, by
         * Estrin's scheme (pairs, then powers r^2, r^4): a short
         * dependency chain, so the vectorised loop is not latency-bound. */
        r2 = r * r;
        r4 = r2 * r2;
        a0 = 1.0 / 2.0 + r * (1.0 / 6.0);
        a1 = 1.0 / 24.0 + r * (1.0 / 120.0);
        a2 = 1.0 / 720.0 + r * (1.0 / 5040.0);
        a3 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
        a4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
        a5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
        q = (a0 + r2 * a1) + r4 * ((a2 + r2 * a3) + r4 * (a4 + r2 * a5));
        q = 1.0 + (r + r2 * q);
        k1 = (k * 0.5 + shift) - shift;    /* k = k1 + (k - k1), both >= -538 */
        ex = (q * clogreg_pow2(k1)) * clogreg_pow2(k - k1);
        /* ---- p = sigmoid(z) */
        u = 1.0 + ex;
        inv = 1.0 / u;
        p[i] = z[i] >= 0.0 ? inv : ex * inv;
        /* ---- l = log1p(ex), ex in [0, 1] */
        c = (ex - (u - 1.0)) * inv;
        j = u > sqrt2 ? 1.0 : 0.0;
        m = u > sqrt2 ? 0.5 * u : u;
        f = m - 1.0;
        s = f / (2.0 + f);
        s2 = s * s;
        /* R = s2 sum_{n=0..9} 2 s2^n / (2n + 3), by Estrin's scheme */
        r2 = s2 * s2;
        r4 = r2 * r2;
        a0 = 2.0 / 3.0 + s2 * (2.0 / 5.0);
        a1 = 2.0 / 7.0 + s2 * (2.0 / 9.0);
        a2 = 2.0 / 11.0 + s2 * (2.0 / 13.0);
        a3 = 2.0 / 15.0 + s2 * (2.0 / 17.0);
        a4 = 2.0 / 19.0 + s2 * (2.0 / 21.0);
        R = s2 * ((a0 + r2 * a1) + r4 * ((a2 + r2 * a3) + r4 * a4));
        hfsq = 0.5 * f * f;
        lm = f - (hfsq - s * (hfsq + R));
        lm = j * ln2_hi + (lm + (j * ln2_lo + c));   /* log1p(ex) */
        loss[2 * i] = lm + (z[i] > 0.0 ? z[i] : 0.0);
        loss[2 * i + 1] = lm + (z[i] < 0.0 ? -z[i] : 0.0);
    }
}

#endif /* CLOGREG_VMATH_H */
