"""The objective mappings of benchmarks/peers.py: glum's alpha = 1/(C n) and
liblinear's ``-s 0 -B 1 -R -c C`` reach the optimum of clogreg's objective
C * sum(log-loss) + ||w||^2 / 2 with an unpenalised intercept.  The
reference objective is a numpy float64 formula; each peer is skipped when it
is not installed."""

import numpy as np
import pytest

import clogreg


def _problem(n=600, d=8):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, d)) * np.linspace(0.5, 3.0, d)
    w = rng.normal(size=d)
    y = (X @ w + 1.5 + rng.logistic(size=n) > 0).astype(np.int64)
    return X, y


def _objective(coef, intercept, X, y, C):
    z = X @ coef + intercept
    loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    return C * loss.sum() + 0.5 * coef @ coef


@pytest.fixture(scope="module", params=[0.05, 2.0])
def reference(request):
    X, y = _problem()
    C = request.param
    m = clogreg.LogisticRegression(C=C, solver="newton", tol=1e-12,
                                   max_iter=200).fit(X, y)
    coef, b = m.coef_[0], float(m.intercept_[0])
    # an independent check that this is the optimum: the gradient of the
    # numpy objective vanishes there
    z = X @ coef + b
    r = C * (1 / (1 + np.exp(-z)) - y)
    assert np.abs(np.append(X.T @ r + coef, r.sum())).max() < 1e-7
    return X, y, C, coef, b, _objective(coef, b, X, y, C)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("solver", ["irls-ls", "lbfgs"])
def test_glum_alpha_is_one_over_c_n(reference, solver):
    glum = pytest.importorskip("glum")
    X, y, C, coef, b, best = reference
    m = glum.GeneralizedLinearRegressor(
        family="binomial", alpha=1.0 / (C * len(y)), l1_ratio=0, solver=solver,
        gradient_tol=1e-10, max_iter=1000).fit(X, y)
    obj = _objective(m.coef_, m.intercept_, X, y, C)
    assert abs(obj - best) <= 1e-9 * best
    np.testing.assert_allclose(m.coef_, coef, rtol=1e-5, atol=1e-6)
    assert m.intercept_ == pytest.approx(b, rel=1e-5, abs=1e-6)


def test_liblinear_bias_unpenalised(reference):
    liblinearutil = pytest.importorskip("liblinear.liblinearutil")
    X, y, C, coef, b, best = reference
    model = liblinearutil.train(liblinearutil.problem(y, X),
                                liblinearutil.parameter(
                                    f"-s 0 -B 1 -R -c {C} -e 1e-10 -q"))
    w, bias = model.get_decfun()
    sign = 1.0 if model.get_labels()[0] == 1 else -1.0
    w, bias = sign * np.asarray(w), sign * bias
    assert abs(_objective(w, bias, X, y, C) - best) <= 1e-9 * best
    np.testing.assert_allclose(w, coef, rtol=1e-5, atol=1e-6)
    assert bias == pytest.approx(b, rel=1e-5, abs=1e-6)
    # without -R the bias is penalised: another optimum, a worse objective
    # for ours, so the flag matters
    penalised = liblinearutil.train(liblinearutil.problem(y, X),
                                    liblinearutil.parameter(
                                        f"-s 0 -B 1 -c {C} -e 1e-10 -q"))
    w2, b2 = penalised.get_decfun()
    obj2 = _objective(sign * np.asarray(w2), sign * b2, X, y, C)
    assert obj2 - best > 1e-6 * best
