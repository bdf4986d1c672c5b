"""The C API (clogreg.capi and its header) against the Python API and numpy.

References: clogreg's Python API (``clogreg.sigmoid``, ``clogreg.softmax``,
``LogisticRegression.from_coef(...).predict_proba``), and a float64 numpy
log-loss and gradient (X @ W.T, residuals, X.T @ R).

The build test compiles examples/embed/c_ext, a plain-C extension that
includes ``clogreg/capi_api.h`` from ``clogreg.get_include()``, in a
temporary directory against the installed clogreg, exactly as a downstream
project would; it is built once for the module and then called in process.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import clogreg
from clogreg import LogisticRegression

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "examples", "embed", "c_ext")

# The stable C API: every name, once.
C_API = {
    "clogreg_capi_version",
    "clogreg_sigmoid",
    "clogreg_log1pexp",
    "clogreg_softmax_row_f64",
    "clogreg_softmax_row_f32",
    "clogreg_loss_grad_f64",
    "clogreg_loss_grad_f32",
    "clogreg_predict_proba_f64",
    "clogreg_predict_proba_f32",
}


def header_path():
    return os.path.join(clogreg.get_include(), "clogreg", "capi_api.h")


def test_header_is_installed_and_declares_exactly_the_api():
    with open(header_path(), encoding="utf-8") as f:
        header = f.read()
    assert "static int import_clogreg__capi(void)" in header
    assert set(re.findall(r"^#define (clogreg_\w+) ", header, re.M)) == C_API


def test_module_exports_exactly_the_api():
    from clogreg import capi

    assert set(capi.__pyx_capi__) == C_API


def run(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


NO_EXTENSION_SETUP = textwrap.dedent("""
    from setuptools import Extension, setup
    setup(name="probe", ext_modules=[Extension("probe", ["probe.c"])])
""")


@pytest.fixture(scope="module")
def embed_c(tmp_path_factory):
    """examples/embed/c_ext, built against the installed clogreg."""
    if not os.path.isdir(EXAMPLE):
        pytest.skip("examples/embed/c_ext is not next to the tests")
    work = tmp_path_factory.mktemp("embed_c")
    for name in ["embed_c.c", "setup.py"]:
        shutil.copy(os.path.join(EXAMPLE, name), work / name)
    build = run([sys.executable, "setup.py", "build_ext", "--inplace"], work)
    if build.returncode != 0:
        # Tell "no C compiler here" (skip) from "the header is broken" (fail)
        # by building an extension that does not use clogreg at all.
        probe = tmp_path_factory.mktemp("probe")
        (probe / "probe.c").write_text(
            "#include <Python.h>\nPyMODINIT_FUNC PyInit_probe(void)"
            " { return NULL; }\n")
        (probe / "setup.py").write_text(NO_EXTENSION_SETUP)
        if run([sys.executable, "setup.py", "build_ext", "--inplace"],
               probe).returncode != 0:
            pytest.skip("no working C compiler")
        pytest.fail("embed_c did not build:\n" + build.stdout[-2000:]
                    + build.stderr[-3000:])
    path = next(p for p in os.listdir(work)
                if p.startswith("embed_c") and p.endswith((".so", ".pyd")))
    spec = importlib.util.spec_from_file_location("embed_c", work / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ref_loss_grad(X, y, coef, intercept):
    """Log-loss sum and gradients in float64 numpy."""
    X = X.astype(np.float64)
    n = X.shape[0]
    Z = X @ coef.T + (0.0 if intercept is None else intercept)
    if coef.shape[0] == 1:
        z = Z[:, 0]
        loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z)).sum()
        R = (1 / (1 + np.exp(-z)) - y)[:, None]
    else:
        lse = np.logaddexp.reduce(Z, axis=1)
        loss = (lse - Z[np.arange(n), y]).sum()
        R = np.exp(Z - lse[:, None])
        R[np.arange(n), y] -= 1.0
    return loss, R.T @ X, R.sum(axis=0)


def test_capi_version(embed_c):
    assert embed_c.capi_version() == 1


def test_scalars_match_python_api(embed_c):
    z = np.array([-1e308, -800.0, -40.0, -3.0, 0.0, 1e-300, 3.0, 18.5, 40.0,
                  800.0, 1e308])
    assert_array_equal([embed_c.sigmoid(v) for v in z], clogreg.sigmoid(z))
    with np.errstate(over="ignore"):
        ref = np.logaddexp(0.0, z)
    assert_allclose([embed_c.log1pexp(v) for v in z], ref, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_row_matches_python_api(embed_c, dtype):
    rng = np.random.default_rng(1)
    for scores in [np.array([8.0, 5.0, 2.0]), np.array([1000.0, -1000.0]),
                   rng.normal(scale=20, size=7)]:
        scores = scores.astype(dtype)
        out = np.empty_like(scores)
        lse = embed_c.softmax_row(scores, out)
        assert_array_equal(out, clogreg.softmax(scores))
        assert_allclose(lse, np.logaddexp.reduce(scores.astype(np.float64)),
                        rtol=1e-15)


@pytest.mark.parametrize("n_classes", [1, 4])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_proba_matches_python_api(embed_c, n_classes, dtype):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 6)).astype(dtype)
    coef = rng.normal(size=(n_classes, 6))
    intercept = rng.normal(size=n_classes)
    classes = list(range(max(2, n_classes)))
    proba = LogisticRegression.from_coef(coef, intercept,
                                         classes=classes).predict_proba(X)
    assert proba.dtype == dtype
    for n_threads in (1, 2):
        out = np.empty((3000, len(classes)))
        embed_c.predict_proba(X, coef, intercept, out, n_threads)
        # The same kernel computes both (in float64; the Python API rounds
        # to X's dtype), so they agree to the last bit.
        assert_array_equal(out.astype(dtype), proba)


@pytest.mark.parametrize("with_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_grad_matches_numpy(embed_c, n_classes, dtype, with_intercept):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 5)).astype(dtype)
    y = rng.integers(0, max(2, n_classes), size=700).astype(np.intc)
    coef = rng.normal(size=(n_classes, 5))
    intercept = rng.normal(size=n_classes) if with_intercept else None
    grad_coef = np.full((n_classes, 5), np.nan)
    grad_intercept = np.full(n_classes, np.nan)
    loss = embed_c.loss_grad(X, y, coef, intercept, grad_coef, grad_intercept, 2)
    ref_loss, ref_coef, ref_intercept = ref_loss_grad(X, y, coef, intercept)
    assert_allclose(loss, ref_loss, rtol=1e-12)
    assert_allclose(grad_coef, ref_coef, rtol=1e-10, atol=1e-10)
    if with_intercept:
        assert_allclose(grad_intercept, ref_intercept, rtol=1e-10, atol=1e-10)
    else:
        assert np.isnan(grad_intercept).all()   # never written


def test_c_extension_checks_buffers_before_calling_the_kernels(embed_c):
    """The example validates buffers before calling the kernels."""
    X = np.zeros((4, 3))
    with pytest.raises(TypeError, match="X must be"):
        embed_c.predict_proba(X.astype(np.int64), np.zeros((1, 3)), None,
                              np.empty((4, 2)))
    with pytest.raises(ValueError, match="coef must have shape"):
        embed_c.predict_proba(X, np.zeros((1, 2)), None, np.empty((4, 2)))
    with pytest.raises(ValueError, match="out must have shape"):
        embed_c.predict_proba(X, np.zeros((1, 3)), None, np.empty((4, 1)))


def test_the_embedding_page_declares_exactly_the_api_with_the_header_types():
    # reference: the installed header; the C block of docs/embedding.md must
    # name every function (the _f32 twins in comments) with the header's
    # argument types
    page = os.path.join(EXAMPLE, "..", "..", "..", "docs", "embedding.md")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"<!-- run by tests/test_capi.py -->\n```c\n(.*?)```", text,
                      re.S).group(1)
    block = " ".join(re.sub(r"/\*.*?\*/", "", block, flags=re.S).split())
    shown = dict(re.findall(r"(clogreg_\w+)\((.*?)\);", block))
    twins = {"clogreg_loss_grad_f32", "clogreg_predict_proba_f32"}
    assert set(shown) == C_API - twins

    def canonical(argument, named):
        words = re.findall(r"\w+", argument)
        if named and len(words) > 1:
            words = words[:-1]                  # the parameter's name
        return " ".join(sorted(words)) + " *" * argument.count("*")

    with open(header_path(), encoding="utf-8") as f:
        header = " ".join(f.read().split())
    for name, args in shown.items():
        declared = re.search(rf"\(\*__pyx_api_f_7clogreg_4capi_{name}\)\((.*?)\) = 0;",
                             header).group(1)
        assert ([canonical(a, True) for a in args.split(",")]
                == [canonical(a, False) for a in declared.split(",")]), name
