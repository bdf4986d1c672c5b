"""Kernels of clogreg.kernels against float64 numpy references.

References: np.logaddexp for log(1 + e^z), a float64 numpy log-sum-exp
softmax, and a float64 numpy loss/gradient (X @ W.T, then residuals, then
X.T @ R), plus central finite differences of that numpy loss; numpy's
column statistics (of values lifted by a power of two where float64
squares would underflow); for the def wrappers' length checks, the
ValueError and message each mismatch must raise.
"""

import os

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from clogreg import kernels

EXTREME = np.array([-1e308, -1e300, -800.0, -745.0, -709.0, -40.0, -37.0,
                    -18.0, -1.0, -1e-300, 0.0, 1e-300, 1.0, 18.0, 33.3, 34.0,
                    709.0, 745.0, 800.0, 1e300, 1e308])


def ref_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def ref_loss_grad(X, y, sw, coef, intercept):
    """Weighted loss sum and gradients in float64 numpy."""
    X = X.astype(np.float64)
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw
    Z = X @ coef.T + (0.0 if intercept is None else intercept)
    if coef.shape[0] == 1:
        z = Z[:, 0]
        loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
        R = (ref_sigmoid(z) - y)[:, None]
    else:
        top = Z.max(axis=1, keepdims=True)
        lse = (top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True)))[:, 0]
        loss = lse - Z[np.arange(n), y]
        R = np.exp(Z - lse[:, None])
        R[np.arange(n), y] -= 1.0
    R = R * sw[:, None]
    return (sw * loss).sum(), R.T @ X, R.sum(axis=0)


def as_matrix(X):
    """RowMatrix of a dense array or of a scipy.sparse matrix."""
    if sparse.issparse(X):
        X = X.tocsr()
        return kernels.RowMatrix.csr(X.data, X.indices, X.indptr, X.shape[1])
    return kernels.RowMatrix(X)


def run_kernel(X, y, sw, coef, intercept, n_threads=1, proba=None):
    gc = np.empty_like(coef)
    gi = None if intercept is None else np.empty_like(intercept)
    loss = kernels._loss_gradient(as_matrix(X), y.astype(np.int32), sw, coef,
                                  intercept, gc, gi, n_threads, proba)
    return loss, gc, gi


def test_sigmoid_extreme_inputs_match_reference():
    out = np.empty_like(EXTREME)
    with np.errstate(all="raise"):
        kernels._sigmoid(EXTREME, out)
    with np.errstate(under="ignore", over="ignore"):
        ref = ref_sigmoid(EXTREME)
    assert_allclose(out, ref, rtol=4e-16, atol=1e-300)
    assert np.isfinite(out).all() and (out >= 0).all() and (out <= 1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_random_both_dtypes(dtype):
    z = np.random.default_rng(0).normal(scale=30, size=1000).astype(dtype)
    out = np.empty_like(z)
    kernels._sigmoid(z, out)
    assert out.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    # float32 results below its smallest normal (1.2e-38) lose precision.
    atol = 1.2e-38 if dtype == np.float32 else 0
    assert_allclose(out, ref_sigmoid(z.astype(np.float64)), rtol=rtol, atol=atol)


def test_log1pexp_matches_logaddexp_everywhere():
    z = np.concatenate([EXTREME, np.linspace(-50, 50, 10001)])
    out = np.empty_like(z)
    with np.errstate(all="raise"):
        kernels._log1pexp(z, out)
    ref = np.logaddexp(0.0, z)
    assert np.isfinite(out).all()
    assert_allclose(out, ref, rtol=4e-16, atol=0)


def _ulps(a, b):
    """|a - b| in units of the last place of b (float64)."""
    return np.abs(a - b) / np.spacing(np.abs(b))


def test_logistic_terms_of_the_training_pass_match_numpy_to_a_few_ulp():
    # clogreg_vmath.h: the pass's own exp / log1p arithmetic, compared with
    # numpy's float64 formulas over the whole range of |z|: ordinary
    # scores, large ones whose exp(-|z|) is subnormal, tiny ones, and
    # every power of two from 2^-1074 to 2^10.
    rng = np.random.default_rng(7)
    z = np.concatenate([
        rng.uniform(-40, 40, 100_000), rng.uniform(-750, 750, 20_000),
        np.exp(rng.uniform(-740, 7, 20_000)) * rng.choice([-1, 1], 20_000),
        np.ldexp(1.0, np.arange(-1074, 11)), -np.ldexp(1.0, np.arange(-1074, 11)),
        [0.0, -0.0, 708.3, 708.4, 709.8, 745.1, 745.2, 746.0, 1e300, -1e300],
    ])
    p, loss = np.empty_like(z), np.empty((z.size, 2))
    with np.errstate(all="raise"):
        kernels._logistic_terms(z, p, loss)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        p_ref = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    # log(1 + exp(z)) is the loss of label 0, log(1 + exp(-z)) of label 1
    assert (_ulps(loss[:, 0], np.logaddexp(0.0, z)) <= 4).all()
    assert (_ulps(loss[:, 1], np.logaddexp(0.0, -z)) <= 4).all()
    assert (_ulps(p, p_ref) <= 4).all()
    # beyond |z| = 745, exp(-|z|) is 0: the losses are exactly max(+-z, 0)
    assert loss[-4:].tolist() == [[745.2, 0.0], [746.0, 0.0], [1e300, 0.0],
                                  [0.0, 1e300]]
    assert p[-2:].tolist() == [1.0, 0.0]


def test_logistic_terms_of_non_finite_scores():
    z = np.array([np.inf, -np.inf, np.nan])
    p, loss = np.empty(3), np.empty((3, 2))
    kernels._logistic_terms(z, p, loss)
    assert p[:2].tolist() == [1.0, 0.0]
    assert loss[:2].tolist() == [[np.inf, 0.0], [0.0, np.inf]]
    assert np.isnan(p[2]) and np.isnan(loss[2]).all()
    with pytest.raises(ValueError, match=r"loss shape \(3, 2\), like z"):
        kernels._logistic_terms(z, p, loss[:2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_rows_match_reference_including_extremes(dtype):
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=20, size=(200, 7))
    Z[0] = [1e308, -1e308, 0, 5, -5, 1e308, 1]
    Z[1] = [-1e308] * 7
    if dtype == np.float32:
        Z = np.clip(Z, -3e38, 3e38)
    Z = Z.astype(dtype)
    out = np.empty_like(Z)
    kernels._softmax(Z, out)
    Zd = Z.astype(np.float64)
    top = Zd.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):   # 1e308 - (-1e308) = inf; exp(-inf) = 0
        ref = np.exp(Zd - top)
    ref /= ref.sum(axis=1, keepdims=True)
    assert np.isfinite(out).all()
    rtol = 2e-6 if dtype == np.float32 else 1e-14
    atol = 1.2e-38 if dtype == np.float32 else 1e-300
    assert_allclose(out, ref, rtol=rtol, atol=atol)
    assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-15)


CASES = [
    pytest.param(1, True, True, id="binary-weights-intercept"),
    pytest.param(1, False, False, id="binary-plain"),
    pytest.param(4, True, True, id="multinomial-weights-intercept"),
    pytest.param(4, False, False, id="multinomial-plain"),
]


def make_problem(k, weighted, with_intercept, dtype, n=700, d=9, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    n_labels = 2 if k == 1 else k
    y = rng.integers(0, n_labels, size=n).astype(np.int32)
    sw = rng.uniform(0, 3, size=n) if weighted else None
    coef = rng.normal(size=(k, d))
    intercept = rng.normal(size=k) if with_intercept else None
    return X, y, sw, coef, intercept


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, weighted, with_intercept", CASES)
def test_loss_gradient_matches_numpy(k, weighted, with_intercept, dtype):
    X, y, sw, coef, intercept = make_problem(k, weighted, with_intercept, dtype)
    loss, gc, gi = run_kernel(X, y, sw, coef, intercept)
    rloss, rgc, rgi = ref_loss_grad(X, y, sw, coef, intercept)
    assert_allclose(loss, rloss, rtol=1e-12)
    assert_allclose(gc, rgc, rtol=1e-10, atol=1e-10)
    if with_intercept:
        assert_allclose(gi, rgi, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("k, weighted, with_intercept", CASES)
def test_gradient_matches_finite_differences(k, weighted, with_intercept):
    X, y, sw, coef, intercept = make_problem(k, weighted, with_intercept,
                                             np.float64, n=300, d=5, seed=3)
    _, gc, gi = run_kernel(X, y, sw, coef, intercept)
    h = 1e-6
    for idx in np.ndindex(coef.shape):
        cp, cm = coef.copy(), coef.copy()
        cp[idx] += h
        cm[idx] -= h
        fd = (ref_loss_grad(X, y, sw, cp, intercept)[0]
              - ref_loss_grad(X, y, sw, cm, intercept)[0]) / (2 * h)
        assert_allclose(gc[idx], fd, rtol=1e-6, atol=1e-6)
    if with_intercept:
        for j in range(k):
            bp, bm = intercept.copy(), intercept.copy()
            bp[j] += h
            bm[j] -= h
            fd = (ref_loss_grad(X, y, sw, coef, bp)[0]
                  - ref_loss_grad(X, y, sw, coef, bm)[0]) / (2 * h)
            assert_allclose(gi[j], fd, rtol=1e-6, atol=1e-6)


def test_extreme_scores_give_finite_loss_and_gradient():
    # Scores of +-1e300: the loss is huge but finite, the residual exact.
    X = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    y = np.array([1, 0, 1, 0], dtype=np.int32)
    coef = np.array([[1e300]])
    loss, gc, _ = run_kernel(X, y, None, coef, None)
    assert np.isfinite(loss) and np.isfinite(gc).all()
    # rows 2 and 3 are wrong by a margin of 1e300 each; rows 1, 4 are right
    assert_allclose(loss, 2e300, rtol=1e-15)
    # residuals: p - y = [0, 1, -1, 0]; gradient = sum r_i x_i = 1 + 1
    assert_allclose(gc, [[2.0]])


@pytest.mark.parametrize("k", [1, 5])
def test_loss_gradient_bitwise_identical_across_threads(k):
    # 40 000 rows -> many blocks, so threads really split the work.
    X, y, sw, coef, intercept = make_problem(k, True, True, np.float64,
                                             n=40_000, d=13, seed=7)
    results = [run_kernel(X, y, sw, coef, intercept, n_threads=t)
               for t in (1, 2, 3)]
    for loss, gc, gi in results[1:]:
        assert loss == results[0][0]
        assert_array_equal(gc, results[0][1])
        assert_array_equal(gi, results[0][2])


@pytest.mark.parametrize("layout", ["dense", "csr32", "csr64"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 4])
def test_prediction_kernels_match_numpy(k, dtype, layout):
    X, _, _, coef, intercept = make_problem(k, False, True, dtype, n=3000)
    if layout != "dense":
        X[np.abs(X) < 1.0] = 0.0
    Z = X.astype(np.float64) @ coef.T + intercept
    M = as_matrix(X) if layout == "dense" else as_matrix(to_csr(X, layout))
    out = np.empty((X.shape[0], k))
    kernels._predict_into(0, M, coef, intercept, out, None, 2)
    assert_allclose(out, Z, rtol=1e-12, atol=1e-12)

    proba = np.empty((X.shape[0], max(k, 2)))
    kernels._predict_into(1, M, coef, intercept, proba, None, 2)
    if k == 1:
        ref = np.column_stack([ref_sigmoid(-Z[:, 0]), ref_sigmoid(Z[:, 0])])
    else:
        ref = np.exp(Z - Z.max(axis=1, keepdims=True))
        ref /= ref.sum(axis=1, keepdims=True)
    assert_allclose(proba, ref, rtol=1e-12, atol=1e-15)

    cls = np.empty(X.shape[0], dtype=np.intp)
    kernels._predict_into(2, M, coef, intercept, None, cls, 2)
    expected = (Z[:, 0] > 0).astype(np.intp) if k == 1 else Z.argmax(axis=1)
    assert_array_equal(cls, expected)


@pytest.mark.parametrize("layout", ["dense", "csr32"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_prediction_kernels_count_the_rows_holding_nan_or_inf(mode, k, dtype, layout):
    # The prediction paths defer their NaN/infinity scan to this count, so
    # it must equal the number of rows with a non-finite value (the numpy
    # reference below), also where the coefficient of that column is 0.
    X, _, _, coef, intercept = make_problem(k, False, True, dtype, n=3000)
    coef[:, 4] = 0.0
    rng = np.random.default_rng(1)
    rows = rng.choice(X.shape[0], 40, replace=False)
    X[rows[:15], rng.integers(0, X.shape[1], 15)] = np.nan
    X[rows[15:30], 4] = np.inf                 # times a zero coefficient
    X[rows[30:], rng.integers(0, X.shape[1], 10)] = -np.inf
    X[rows[30], :] = np.inf                    # +inf and -inf terms in one row
    expected = int((~np.isfinite(X)).any(axis=1).sum())
    assert expected == 40
    M = as_matrix(X) if layout == "dense" else as_matrix(to_csr(X, layout))
    out = np.empty((X.shape[0], max(k, 2))) if mode < 2 else None
    cls = np.empty(X.shape[0], dtype=np.intp) if mode == 2 else None
    if mode == 0:
        out = np.empty((X.shape[0], k))
    assert kernels._predict_into(mode, M, coef, intercept, out, cls, 2) == expected
    finite = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    M = as_matrix(finite) if layout == "dense" else as_matrix(to_csr(finite, layout))
    assert kernels._predict_into(mode, M, coef, intercept, out, cls, 2) == 0


def to_csr(X, layout):
    A = sparse.csr_matrix(X)
    if layout == "csr64":
        A.indices = A.indices.astype(np.int64)
        A.indptr = A.indptr.astype(np.int64)
    return A


@pytest.mark.parametrize("layout", ["csr32", "csr64"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, weighted, with_intercept", CASES)
def test_csr_pass_equals_dense_pass(k, weighted, with_intercept, dtype, layout):
    X, y, sw, coef, intercept = make_problem(k, weighted, with_intercept, dtype)
    X[np.abs(X) < 0.8] = 0.0           # about 58% zeros
    dense = run_kernel(X, y, sw, coef, intercept)
    csr = run_kernel(to_csr(X, layout), y, sw, coef, intercept)
    assert_allclose(csr[0], dense[0], rtol=1e-13)
    assert_allclose(csr[1], dense[1], rtol=1e-12, atol=1e-12)
    if with_intercept:
        assert_allclose(csr[2], dense[2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "csr32"])
@pytest.mark.parametrize("k, weighted, with_intercept", CASES)
def test_hessian_product_matches_gradient_differences(k, weighted, with_intercept,
                                                      layout):
    # H v ~ (grad(w + h v) - grad(w - h v)) / 2h, gradients from numpy.
    X, y, sw, coef, intercept = make_problem(k, weighted, with_intercept,
                                             np.float64, n=400, d=6, seed=11)
    M = as_matrix(X if layout == "dense" else to_csr(X, "csr32"))
    rng = np.random.default_rng(2)
    v_coef = rng.normal(size=coef.shape)
    v_int = rng.normal(size=k) if with_intercept else None
    proba = np.empty(X.shape[0] * k)
    run_kernel(X, y, sw, coef, intercept, proba=proba)
    out_coef = np.empty_like(coef)
    out_int = np.empty(k) if with_intercept else None
    kernels._hessian_product(M, sw, proba, v_coef, v_int, out_coef, out_int, 2)
    h = 1e-5
    plus = ref_loss_grad(X, y, sw, coef + h * v_coef,
                         None if intercept is None else intercept + h * v_int)
    minus = ref_loss_grad(X, y, sw, coef - h * v_coef,
                          None if intercept is None else intercept - h * v_int)
    assert_allclose(out_coef, (plus[1] - minus[1]) / (2 * h), rtol=1e-6, atol=1e-6)
    if with_intercept:
        assert_allclose(out_int, (plus[2] - minus[2]) / (2 * h), rtol=1e-6,
                        atol=1e-6)


def test_row_matrix_rejects_corrupt_csr():
    A = sparse.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match=r"column indices must be in \[0, 3\)"):
        kernels.RowMatrix.csr(A.data, np.array([0, 1, 7], dtype=np.int32),
                              A.indptr, 3)
    with pytest.raises(ValueError, match="non-decreasing"):
        kernels.RowMatrix.csr(A.data, A.indices,
                              np.array([0, 2, 1, 3], dtype=np.int32), 3)
    with pytest.raises(ValueError, match="start at 0 and end at nnz"):
        kernels.RowMatrix.csr(A.data, A.indices,
                              np.array([0, 1, 2, 2], dtype=np.int32), 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_first_nonfinite_finds_the_first_bad_entry(dtype):
    a = np.zeros(50_000, dtype=dtype)
    assert kernels._first_nonfinite(a) == -1
    for pos, bad in [(0, np.nan), (8191, np.inf), (8192, -np.inf), (49_999, np.nan)]:
        b = a.copy()
        b[pos] = bad
        b[-1] = np.nan if pos != 49_999 else b[-1]
        assert kernels._first_nonfinite(b) == pos


@pytest.mark.parametrize("layout", ["dense", "csr32"])
@pytest.mark.parametrize("weighted", [False, True])
def test_column_moments_match_numpy(layout, weighted):
    rng = np.random.default_rng(4)
    X = rng.normal(loc=1e4, size=(300, 6))     # large mean: needs two passes
    X[rng.random(X.shape) < 0.5] = 0.0
    sw = rng.uniform(0, 2, size=300) if weighted else None
    M = as_matrix(X if layout == "dense" else to_csr(X, layout))
    mean, std = np.zeros(6), np.zeros(6)
    mx, mean_sq = kernels._column_moments(M, sw, mean, std)
    w = np.ones(300) if sw is None else sw
    ref_mean = np.average(X, axis=0, weights=w)
    ref_std = np.sqrt(np.average((X - ref_mean) ** 2, axis=0, weights=w))
    assert_allclose(mean, ref_mean, rtol=1e-13)
    assert_allclose(std, ref_std, rtol=1e-9)
    sq = (X ** 2).sum(axis=1)
    assert_allclose([mx, mean_sq], [sq.max(), sq.mean()], rtol=1e-13)


def embedding_page_blocks():
    """The Cython module and the setup.py that docs/embedding.md shows: the
    test builds exactly those, so the page's example is proven to work."""
    import re
    page = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), "docs", "embedding.md")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    pyx = re.search(r"```cython\n(# mymodule\.pyx\n.*?)```", text, re.S).group(1)
    setup = re.search(r"```python\n(# setup\.py\n.*?)```", text, re.S).group(1)
    return pyx, setup


DOWNSTREAM_CHECK = '''
import numpy as np
import mymodule as downstream
X = np.random.default_rng(0).normal(size=(50, 4))
y = (X[:, 0] > 0).astype(np.int32)
coef = np.array([[0.5, -1.0, 2.0, 0.25]])
grad = np.zeros(4)
print(repr((downstream.scalars(3.0), downstream.loss_grad(X, y, coef, grad),
            grad.tolist())))
'''


def test_downstream_extension_cimports_the_kernels(tmp_path):
    """Build a tiny extension that cimports clogreg.kernels against the
    installed package and compare what it computes with the Python API.

    The stable API must not tie downstream builds to clogreg's internal
    types: Cython makes a cimporting module import and size-check every
    extension type of the .pxd (``RowMatrix`` was one), so a field added to
    it broke the import of every downstream module under ``-W error``.
    Reference: the generated C names no clogreg type, and the module
    imports with warnings as errors."""
    import ast
    import shutil
    import subprocess
    import sys
    import sysconfig

    # Windows has no CC config variable (setuptools finds MSVC itself).
    cc = sysconfig.get_config_var("CC")
    if cc and shutil.which(cc.split()[0]) is None:
        pytest.skip("no C compiler")
    pyx, setup = embedding_page_blocks()
    (tmp_path / "mymodule.pyx").write_text(pyx)
    (tmp_path / "setup.py").write_text(setup)
    (tmp_path / "check.py").write_text(DOWNSTREAM_CHECK)
    build = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    generated = (tmp_path / "mymodule.c").read_text()
    assert "RowMatrix" not in generated
    run = subprocess.run([sys.executable, "-W", "error", "check.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    (sig, l1p), loss, grad = ast.literal_eval(run.stdout)
    assert_allclose([sig, l1p], [1 / (1 + np.exp(-3.0)), np.logaddexp(0, 3.0)],
                    rtol=1e-15)
    X = np.random.default_rng(0).normal(size=(50, 4))
    y = (X[:, 0] > 0).astype(np.int32)
    coef = np.array([[0.5, -1.0, 2.0, 0.25]])
    ref_loss, ref_grad, _ = ref_loss_grad(X, y, None, coef, None)
    assert_allclose(loss, ref_loss, rtol=1e-13)
    assert_allclose(grad, ref_grad[0], rtol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "csr32"])
def test_column_moments_do_not_overflow_near_the_float64_limit(layout):
    # Reference: the same statistics of X / 1e300, computed by numpy and
    # scaled back (numpy's own variance of X would overflow).
    rng = np.random.default_rng(5)
    small = rng.uniform(-1, 1, size=(200, 3))
    small[rng.random(small.shape) < 0.3] = 0.0
    X = small * 1e300
    M = as_matrix(X if layout == "dense" else to_csr(X, layout))
    mean, std = np.zeros(3), np.zeros(3)
    kernels._column_moments(M, None, mean, std)
    assert np.isfinite(mean).all() and np.isfinite(std).all()
    assert_allclose(mean / 1e300, small.mean(axis=0), rtol=1e-12)
    assert_allclose(std / 1e300, small.std(axis=0), rtol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "csr32", "csr64"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("scale", [1e-200, 1e-300, 1e-310, 2.0**-1070])
def test_column_moments_near_the_smallest_float64(scale, weighted, layout):
    # Squares of values below ~1e-154 underflow; the kernel must not lose
    # the spread of such columns (1e-310 and 2**-1070 are subnormal).
    # Reference: numpy's statistics of the same values lifted by the exact
    # power of two 2**1000 into the normal range, and scaled back.  One
    # column of ordinary size checks that it is unaffected by the others.
    rng = np.random.default_rng(6)
    X = rng.uniform(-1, 1, size=(200, 3)) * [scale, scale, 1.0]
    X[rng.random(X.shape) < 0.3] = 0.0
    X[:, 1] = np.abs(X[:, 1]) + 2 * scale           # a mean far from 0
    sw = rng.uniform(0, 2, size=200) if weighted else None
    M = as_matrix(X if layout == "dense" else to_csr(X, layout))
    mean, std = np.zeros(3), np.zeros(3)
    kernels._column_moments(M, sw, mean, std)
    lift = np.array([2.0**1000, 2.0**1000, 1.0])
    w = np.ones(200) if sw is None else sw
    ref_mean = np.average(X * lift, axis=0, weights=w)
    ref_std = np.sqrt(np.average((X * lift - ref_mean) ** 2, axis=0, weights=w))
    # a subnormal result holds fewer digits: its spacing is 2**-1074, so
    # 2**-74 once lifted (far below rtol for the ordinary column)
    assert_allclose(mean * lift, ref_mean, rtol=1e-12, atol=2.0**-74)
    assert_allclose(std * lift, ref_std, rtol=1e-12, atol=2.0**-74)
    assert (std[:2] > 0).all()


@pytest.mark.parametrize("layout", ["dense", "csr32"])
def test_column_moments_ignore_rows_of_weight_zero(layout):
    # A row of weight 0 has no say in the statistics, however far out it
    # lies.  Here it would set the unit of both columns: that of the first
    # (values near 1) so large that their squares underflow, and scaling
    # the second (values near 1e-300) by 2**997 would overflow it, 0 * inf.
    # Reference: numpy on the rows of positive weight only, the second
    # column lifted by 2**1000.
    rng = np.random.default_rng(7)
    X = rng.normal(1.0, 1.0, size=(50, 2)) * [1.0, 1e-300]
    X[10] = [1e300, 1e300]
    sw = rng.uniform(0.5, 2.0, size=50)
    sw[10] = 0.0
    M = as_matrix(X if layout == "dense" else to_csr(X, layout))
    mean, std = np.zeros(2), np.zeros(2)
    kernels._column_moments(M, sw, mean, std)
    keep, lift = sw > 0, np.array([1.0, 2.0**1000])
    ref_mean = np.average(X[keep] * lift, axis=0, weights=sw[keep])
    ref_std = np.sqrt(np.average((X[keep] * lift - ref_mean) ** 2, axis=0,
                                 weights=sw[keep]))
    assert_allclose(mean * lift, ref_mean, rtol=1e-12)
    assert_allclose(std * lift, ref_std, rtol=1e-12)


# The def wrappers pass raw pointers to kernels that trust every length;
# each mismatch must be a ValueError naming the array, the length given
# and the length expected, before anything is read or written.  X has 5
# rows and 3 columns; the model 1 class (binary) unless stated.
_M = kernels.RowMatrix(np.ones((5, 3)))


def _z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype=dtype)


def _loss_gradient(y=None, sw=None, coef=None, b=None, gc=None, gb=None,
                   proba=None, k=1):
    y = _z(5, dtype=np.int32) if y is None else y
    coef = _z(k, 3) if coef is None else coef
    gc = _z(k, 3) if gc is None else gc
    return lambda: kernels._loss_gradient(_M, y, sw, coef, b, gc, gb, 1, proba)


def _hessian_product(sw=None, proba=None, v=None, vb=None, out=None, ob=None,
                     k=1):
    v = _z(k, 3) if v is None else v
    proba = _z(5 * k) if proba is None else proba
    out = _z(k, 3) if out is None else out
    return lambda: kernels._hessian_product(_M, sw, proba, v, vb, out, ob, 1)


def _predict_into(mode, coef=None, b=None, out=None, out_class=None):
    coef = _z(1, 3) if coef is None else coef
    return lambda: kernels._predict_into(mode, _M, coef, b, out, out_class, 1)


LENGTH_MISMATCHES = [
    pytest.param(_loss_gradient(y=_z(4, dtype=np.int32)),
                 r"_loss_gradient: y has 4 entries, expected 5 \(one per row of X\)",
                 id="loss-y"),
    pytest.param(_loss_gradient(sw=_z(6)),
                 r"_loss_gradient: sample_weight has 6 entries, expected 5",
                 id="loss-sample_weight"),
    pytest.param(_loss_gradient(coef=_z(1, 4), gc=_z(1, 4)),
                 r"_loss_gradient: coef has shape \(1, 4\), expected "
                 r"\(n_classes, 3\) with n_classes >= 1", id="loss-coef-columns"),
    pytest.param(_loss_gradient(coef=_z(0, 3), gc=_z(0, 3)),
                 r"_loss_gradient: coef has shape \(0, 3\)", id="loss-coef-no-rows"),
    pytest.param(_loss_gradient(gc=_z(2, 3)),
                 r"_loss_gradient: grad_coef has shape \(2, 3\), expected \(1, 3\)",
                 id="loss-grad_coef"),
    pytest.param(_loss_gradient(k=3, b=_z(2), gb=_z(3)),
                 r"_loss_gradient: intercept has 2 entries, expected 3",
                 id="loss-intercept"),
    pytest.param(_loss_gradient(k=3, b=_z(3), gb=_z(1)),
                 r"_loss_gradient: grad_intercept has 1 entries, expected 3",
                 id="loss-grad_intercept"),
    pytest.param(_loss_gradient(b=_z(1)),
                 r"_loss_gradient: grad_intercept is None, but intercept is given",
                 id="loss-grad_intercept-missing"),
    pytest.param(_loss_gradient(k=3, proba=_z(5)),
                 r"_loss_gradient: proba has 5 entries, expected 15 \(rows of X "
                 r"times rows of coef\)", id="loss-proba"),
    pytest.param(_hessian_product(sw=_z(4)),
                 r"_hessian_product: sample_weight has 4 entries, expected 5",
                 id="hessian-sample_weight"),
    pytest.param(_hessian_product(k=3, proba=_z(5)),
                 r"_hessian_product: proba has 5 entries, expected 15",
                 id="hessian-proba"),
    pytest.param(_hessian_product(v=_z(1, 2), out=_z(1, 2)),
                 r"_hessian_product: v_coef has shape \(1, 2\), expected "
                 r"\(n_classes, 3\)", id="hessian-v_coef"),
    pytest.param(_hessian_product(out=_z(1, 4)),
                 r"_hessian_product: out_coef has shape \(1, 4\), expected \(1, 3\)",
                 id="hessian-out_coef"),
    pytest.param(_hessian_product(vb=_z(2), ob=_z(1)),
                 r"_hessian_product: v_intercept has 2 entries, expected 1",
                 id="hessian-v_intercept"),
    pytest.param(_hessian_product(vb=_z(1)),
                 r"_hessian_product: out_intercept is None, but v_intercept is given",
                 id="hessian-out_intercept-missing"),
    pytest.param(_hessian_product(vb=_z(1), ob=_z(3)),
                 r"_hessian_product: out_intercept has 3 entries, expected 1",
                 id="hessian-out_intercept"),
    pytest.param(_predict_into(0, out=_z(4, 1)),
                 r"_predict_into: out has shape \(4, 1\), expected \(5, 1\)",
                 id="predict-decision-rows"),
    pytest.param(_predict_into(1, out=_z(5, 1)),
                 r"_predict_into: out has shape \(5, 1\), expected \(5, 2\) "
                 r"\(rows of X by classes\)", id="predict-binary-proba-columns"),
    pytest.param(_predict_into(1, coef=_z(3, 3), out=_z(5, 2)),
                 r"_predict_into: out has shape \(5, 2\), expected \(5, 3\)",
                 id="predict-multinomial-proba-columns"),
    pytest.param(_predict_into(2, out_class=_z(6, dtype=np.intp)),
                 r"_predict_into: out_class has 6 entries, expected 5",
                 id="predict-class"),
    pytest.param(_predict_into(2),
                 r"_predict_into: out_class is None, but mode is 2",
                 id="predict-class-missing"),
    pytest.param(_predict_into(0), r"_predict_into: out is None, but mode is 0",
                 id="predict-out-missing"),
    pytest.param(_predict_into(0, coef=_z(1, 2), out=_z(5, 1)),
                 r"_predict_into: coef has shape \(1, 2\), expected \(n_classes, 3\)",
                 id="predict-coef"),
    pytest.param(_predict_into(0, b=_z(2), out=_z(5, 1)),
                 r"_predict_into: intercept has 2 entries, expected 1",
                 id="predict-intercept"),
    pytest.param(_predict_into(7, out=_z(5, 1)),
                 r"_predict_into: mode must be 0, 1 or 2, got 7", id="predict-mode"),
    pytest.param(lambda: kernels._column_moments(_M, _z(4), _z(3), _z(3)),
                 r"_column_moments: sample_weight has 4 entries, expected 5",
                 id="moments-sample_weight"),
    pytest.param(lambda: kernels._column_moments(_M, None, _z(2), _z(3)),
                 r"_column_moments: mean has 2 entries, expected 3 \(one per "
                 r"column of X\)", id="moments-mean"),
    pytest.param(lambda: kernels._column_moments(_M, None, _z(3), _z(4)),
                 r"_column_moments: std has 4 entries, expected 3", id="moments-std"),
    # The scalar wrappers wrote past a short output (a segfault for a long
    # input) before they checked it.
    *[pytest.param(lambda dt=dt: kernels._sigmoid(_z(10**6, dtype=dt), _z(1, dtype=dt)),
                   r"_sigmoid: out has 1 entries, expected 1000000 \(one per "
                   r"entry of z\)", id=f"sigmoid-out-{np.dtype(dt).name}")
      for dt in (np.float32, np.float64)],
    pytest.param(lambda: kernels._sigmoid(_z(3), _z(4)),
                 r"_sigmoid: out has 4 entries, expected 3", id="sigmoid-out-long"),
    pytest.param(lambda: kernels._log1pexp(_z(10**6), _z(1)),
                 r"_log1pexp: out has 1 entries, expected 1000000", id="log1pexp-out"),
    pytest.param(lambda: kernels._log1pexp(_z(3), None),
                 r"_log1pexp: out is None, but it is required",
                 id="log1pexp-out-missing"),
    *[pytest.param(lambda dt=dt: kernels._softmax(_z(10**5, 3, dtype=dt),
                                                  _z(1, 3, dtype=dt)),
                   r"_softmax: out has shape \(1, 3\), expected \(100000, 3\) "
                   r"\(the shape of Z\)", id=f"softmax-out-rows-{np.dtype(dt).name}")
      for dt in (np.float32, np.float64)],
    pytest.param(lambda: kernels._softmax(_z(10, 4), _z(10, 2)),
                 r"_softmax: out has shape \(10, 2\), expected \(10, 4\)",
                 id="softmax-out-columns"),
]


@pytest.mark.parametrize("call, match", LENGTH_MISMATCHES)
def test_wrappers_reject_wrong_lengths(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_wrappers_accept_the_lengths_they_document():
    # The control for the table above: the same calls with every length
    # right run, and agree with the float64 numpy reference.
    X = np.ones((5, 3))
    y = np.array([0, 1, 0, 1, 1], dtype=np.int32)
    coef, b = np.array([[0.5, -0.25, 1.0]]), np.array([0.1])
    gc, gb, proba = _z(1, 3), _z(1), _z(5)
    loss = kernels._loss_gradient(_M, y, np.ones(5), coef, b, gc, gb, 1, proba)
    ref_loss, ref_gc, ref_gb = ref_loss_grad(X, y, None, coef, b)
    assert_allclose([loss, *gc[0], *gb], [ref_loss, *ref_gc[0], *ref_gb],
                    rtol=1e-14)
    # Hessian times (coef, b): sum_i p_i (1 - p_i) (x_i . coef + b) [x_i, 1]
    out, ob = _z(1, 3), _z(1)
    kernels._hessian_product(_M, None, proba, coef, b, out, ob, 1)
    h = proba * (1 - proba) * (X @ coef[0] + b)
    assert_allclose([*out[0], *ob], [*(h @ X), h.sum()], rtol=1e-14)
    scores, cls = _z(5, 1), _z(5, dtype=np.intp)
    kernels._predict_into(0, _M, coef, b, scores, None, 1)
    kernels._predict_into(2, _M, coef, b, None, cls, 1)
    assert_allclose(scores[:, 0], X @ coef[0] + b, rtol=1e-15)
    assert_array_equal(cls, (scores[:, 0] > 0).astype(np.intp))


def _eight_lane_dot(x, w):
    """The dense dot product in clogreg_simd.h's documented order, in float64
    numpy scalars: lane k sums elements k, k + 8, ... in turn, and the lanes
    combine as ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7))."""
    a = [np.float64(0.0)] * 8
    for j in range(x.size):
        a[j % 8] = a[j % 8] + np.float64(x[j]) * w[j]
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_scores_follow_the_documented_summation_order_bit_for_bit(dtype):
    # Every tail length (d % 8 = 0..7) and rows shorter than one lane sweep;
    # values spread over many magnitudes so that any other order rounds
    # differently.
    rng = np.random.default_rng(5)
    for d in [1, 3, 7, 8, 9, 15, 16, 17, 100, 101, 102, 103]:
        X = (rng.standard_normal((40, d)) * 10.0 ** rng.integers(-8, 8, (40, d)))
        X = X.astype(dtype)
        coef = rng.standard_normal((1, d)) * 10.0 ** rng.integers(-8, 8, (1, d))
        out = np.empty((40, 1))
        kernels._predict_into(0, as_matrix(X), coef, None, out, None, 1)
        expected = [_eight_lane_dot(row, coef[0]) for row in X]
        assert out[:, 0].tolist() == expected, d
