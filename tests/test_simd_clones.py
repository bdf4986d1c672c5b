"""The row kernels of src/clogreg_simd.h and the logistic terms of
src/clogreg_vmath.h give the same bits in every
instruction-set version the build may pick at load time (baseline, AVX2,
AVX-512: ``target_clones``), and the right values.

Each version is compiled on its own from the header (``CLOGREG_NO_CLONES``
and ``-mavx2`` / ``-mavx512f``) with the build's own flags, then run on the
same inputs; a version this CPU cannot run is skipped.  The inputs (printed
by the program) are checked against numpy: the dot products within their
forward error bound, the element-wise kernels exactly, the logistic terms
within a few units in the last place (tests/test_kernels.py checks them
closely over the whole range).
"""
import os
import platform
import shutil
import subprocess
import sysconfig

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER_DIR = os.path.join(ROOT, "src")
EPS = np.finfo(np.float64).eps / 2

# Lengths around the 8-lane loop and its tail, and a long row.
LENGTHS = list(range(0, 20)) + [31, 32, 33, 100, 1001]

DRIVER = r"""
#define CLOGREG_NO_CLONES
#include "clogreg_vmath.h"
#include <stdio.h>

static unsigned long long state = 88172645463325252ULL;
static double draw(void)          /* xorshift64: the same in every build */
{
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    /* mantissa in [-1, 1) times 2^e, e in [-20, 20]: mixed magnitudes */
    double m = (double)(state >> 11) / 4503599627370496.0 - 1.0;
    int e = (int)((state >> 3) % 41) - 20;
    return ldexp(m, e);
}

static void hex(const char *tag, const double *v, ptrdiff_t n)
{
    ptrdiff_t i;
    printf("%s", tag);
    for (i = 0; i < n; i++) {
        unsigned long long b;
        memcpy(&b, v + i, sizeof b);
        printf(" %016llx", b);
    }
    printf("\n");
}

int main(void)
{
    static const ptrdiff_t lengths[] = {LENGTHS};
    static double x[1001], w[1001], g[1001], first[1001], cmax[1001],
        differs[1001], mean[1001], inv[1001], acc[1001], a4[4], out[1];
    static float xf[1001];
    size_t k;
    ptrdiff_t i, n;
    for (k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        n = lengths[k];
        for (i = 0; i < n; i++) {
            x[i] = draw(); w[i] = draw(); g[i] = draw(); xf[i] = (float)draw();
            first[i] = (i % 3 == 0) ? x[i] : (i % 3 == 1) ? (double)xf[i] : draw();
            cmax[i] = fabs(draw()); differs[i] = 0.0;
            mean[i] = draw(); inv[i] = ldexp(1.0, (int)(i % 5) - 2);
            acc[i] = fabs(draw());
        }
        for (i = 0; i < 4; i++) a4[i] = draw();
        printf("n %td\n", n);
        hex("x", x, n); hex("w", w, n); hex("g", g, n); hex("first", first, n);
        hex("cmax", cmax, n); hex("mean", mean, n); hex("inv", inv, n);
        hex("acc", acc, n); hex("a4", a4, 4);
        { double t[1001]; for (i = 0; i < n; i++) t[i] = xf[i]; hex("xf", t, n); }
        out[0] = clogreg_dot_f64(x, w, n); hex("dot_f64", out, 1);
        out[0] = clogreg_dot_f32(xf, w, n); hex("dot_f32", out, 1);
        out[0] = clogreg_sqnorm_f64(x, n); hex("sqnorm_f64", out, 1);
        out[0] = clogreg_sqnorm_f32(xf, n); hex("sqnorm_f32", out, 1);
        { double t[1001]; memcpy(t, g, n * sizeof *t);
          clogreg_axpy_f64(a4[0], x, t, n); hex("axpy_f64", t, n);
          memcpy(t, g, n * sizeof *t);
          clogreg_axpy_f32(a4[0], xf, t, n); hex("axpy_f32", t, n);
          memcpy(t, g, n * sizeof *t);
          clogreg_axpy4_f64(a4, x, w, first, mean, t, n); hex("axpy4_f64", t, n);
          memcpy(t, g, n * sizeof *t);
          clogreg_axpy4_f32(a4, xf, xf, xf, xf, t, n); hex("axpy4_f32", t, n); }
        { double c[1001], d[1001];
          memcpy(c, cmax, n * sizeof *c); memcpy(d, differs, n * sizeof *d);
          clogreg_colscan_f64(x, first, c, d, n); hex("cmax_f64", c, n);
          hex("differs_f64", d, n);
          memcpy(c, cmax, n * sizeof *c); memcpy(d, differs, n * sizeof *d);
          clogreg_colscan_f32(xf, first, c, d, n); hex("cmax_f32", c, n);
          hex("differs_f32", d, n);
          memcpy(c, acc, n * sizeof *c);
          clogreg_centred_sq_f64(x, a4[1], mean, inv, c, n); hex("centred_f64", c, n);
          memcpy(c, acc, n * sizeof *c);
          clogreg_centred_sq_f32(xf, a4[1], mean, inv, c, n); hex("centred_f32", c, n); }
        printf("nonfinite %d %d", clogreg_any_nonfinite_f64(x, n),
               clogreg_any_nonfinite_f32(xf, n));
        if (n > 0) {
            double keep = x[n - 1]; float keepf = xf[n / 2];
            x[n - 1] = (k % 2) ? INFINITY : NAN; xf[n / 2] = (k % 2) ? -INFINITY : NAN;
            printf(" %d %d", clogreg_any_nonfinite_f64(x, n),
                   clogreg_any_nonfinite_f32(xf, n));
            x[n - 1] = keep; xf[n / 2] = keepf;
        }
        printf("\n");
    }
    {   /* the logistic terms over the whole range, and random scores */
        static const double fixed[] = {-800.0, -746.0, -745.0, -709.0, -40.0,
            -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 36.0, 709.0, 800.0};
        double z[64], p[64], loss[128];
        ptrdiff_t m = 0;
        for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
            z[m++] = fixed[k];
        while (m < 61)
            z[m++] = draw();
        clogreg_logistic_terms(z, p, loss, m);
        hex("z", z, m); hex("p", p, m); hex("loss", loss, 2 * m);
    }
    return 0;
}
"""

# version: (compiler flags, the /proc/cpuinfo flag it needs)
VERSIONS = {"baseline": ([], None), "avx2": (["-mavx2"], "avx2"),
            "avx512f": (["-mavx512f"], "avx512f")}


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """{version: program output} for every version this CPU can run."""
    cc = (sysconfig.get_config_var("CC") or "").split()
    if platform.machine() not in ("x86_64", "AMD64") or not cc or \
            shutil.which(cc[0]) is None:
        pytest.skip("needs gcc or clang on x86-64 (the only target_clones platform)")
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "clogreg_setup", os.path.join(ROOT, "setup.py"))
    if spec is None or not os.path.exists(os.path.join(HEADER_DIR, "clogreg_simd.h")):
        pytest.skip("needs the source tree (setup.py and src/)")
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    compile_args, _ = setup.build_flags("unix", debug=False, platform="linux")
    tmp = tmp_path_factory.mktemp("clones")
    source = tmp / "driver.c"
    source.write_text(DRIVER.replace("{LENGTHS}", "{" + ", ".join(map(str, LENGTHS)) + "}"))
    have = _cpu_flags()
    out = {}
    for name, (flags, needs) in VERSIONS.items():
        if needs is not None and needs not in have:
            continue
        exe = tmp / f"driver_{name}"
        subprocess.run([*cc, *compile_args, *flags, "-I", HEADER_DIR, "-o", str(exe),
                        str(source), "-lm"], check=True, capture_output=True,
                       timeout=300)
        out[name] = subprocess.run([str(exe)], check=True, capture_output=True,
                                   text=True, timeout=120).stdout
    return out


def _parse(text):
    """[{tag: float64 array}] per length."""
    cases = [{}]    # the logistic terms come last, after the lengths
    for line in text.splitlines():
        tag, *vals = line.split()
        if tag == "z":
            cases.append({})
        if tag == "n":
            cases.append({"n": int(vals[0])})
        elif tag == "nonfinite":
            cases[-1][tag] = [int(v) for v in vals]
        else:
            cases[-1][tag] = np.array([int(v, 16) for v in vals],
                                      dtype=np.uint64).view(np.float64)
    return cases


def test_every_version_computes_the_same_bits(outputs):
    if len(outputs) < 2:
        pytest.skip(f"this CPU runs only {sorted(outputs)}")
    base = outputs["baseline"]
    for name, text in outputs.items():
        assert text == base, f"{name} differs from the baseline version"


def test_the_kernels_match_numpy(outputs):
    for name, text in outputs.items():
        *cases, logistic = _parse(text)[1:]
        z = logistic["z"].astype(np.longdouble)
        e = np.exp(-np.abs(z))
        p_ref = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        l_ref = np.log1p(e)
        loss_ref = np.stack([l_ref + np.maximum(z, 0), l_ref + np.maximum(-z, 0)], 1)
        for got, ref in ((logistic["p"], p_ref), (logistic["loss"], loss_ref.ravel())):
            err = np.abs(got.astype(np.longdouble) - ref)
            assert np.all(err <= 8 * EPS * np.abs(ref) + 1e-320), (name, err.max())
        for c in cases:
            n = c["n"]
            x, w, g, xf, a = c["x"], c["w"], c["g"], c["xf"], c["a4"]
            # dot products: |error| <= gamma_n sum |x w| (any summation order)
            for got, p in ((c["dot_f64"][0], x * w), (c["dot_f32"][0], xf * w),
                           (c["sqnorm_f64"][0], x * x), (c["sqnorm_f32"][0], xf * xf)):
                ref = float(np.sum(p.astype(np.longdouble)))
                bound = 1.01 * n * EPS * float(np.abs(p).sum())
                assert abs(got - ref) <= bound, (name, n, got, ref)
            # element-wise kernels round each operation as numpy does
            np.testing.assert_array_equal(c["axpy_f64"], g + a[0] * x)
            np.testing.assert_array_equal(c["axpy_f32"], g + a[0] * xf)
            np.testing.assert_array_equal(
                c["axpy4_f64"],
                (((g + a[0] * x) + a[1] * w) + a[2] * c["first"]) + a[3] * c["mean"])
            np.testing.assert_array_equal(
                c["axpy4_f32"], (((g + a[0] * xf) + a[1] * xf) + a[2] * xf) + a[3] * xf)
            for v, tag in ((x, "f64"), (xf, "f32")):
                np.testing.assert_array_equal(c["cmax_" + tag],
                                              np.maximum(c["cmax"], np.abs(v)))
                np.testing.assert_array_equal(c["differs_" + tag],
                                              (v != c["first"]).astype(float))
                dev = v * c["inv"] - c["mean"] * c["inv"]
                np.testing.assert_array_equal(c["centred_" + tag],
                                              c["acc"] + a[1] * dev * dev)
            # no NaN or infinity in the draws; one planted in each
            assert c["nonfinite"] == ([0, 0, 1, 1] if n else [0, 0])
