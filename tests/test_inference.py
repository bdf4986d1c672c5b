"""``LogisticRegression.inference`` (clogreg/_inference.py).

References: statsmodels' ``Logit`` and ``MNLogit`` (unpenalised models,
also on replicated rows for frequency weights), the inverse of the penalised
information written out in float64 numpy (penalised models; for the
multinomial model, from the Hessian of the full softmax parameterisation,
a separate derivation), and scipy.stats.norm for the erfc-based normal law.
"""

import doctest
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose
from scipy.stats import norm
from sklearn.datasets import load_iris

import clogreg
from clogreg import ConvergenceWarning, InferenceResult, LogisticRegression
from clogreg._inference import chi2_sf, normal_isf, normal_two_sided_p

RTOL = 1e-4     # the bar; the fits below agree far closer


def binary_data(n=800, seed=1):
    rng = np.random.default_rng(seed)
    # Features in very different units, one irrelevant.
    X = rng.normal(size=(n, 4)) * [1.0, 10.0, 0.1, 1.0] + [0.0, 5.0, 0.0, 0.0]
    logit = X @ [1.0, -0.1, 5.0, 0.0] + 0.3
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    return X, y


def multinomial_data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    scores = X @ rng.normal(size=(3, 4)) + rng.gumbel(size=(n, 4))
    return X, np.array(["ant", "bee", "cat", "dog"])[scores.argmax(axis=1)]


def assert_matches_statsmodels(res, sm_res, exact_order=True):
    assert_allclose(res.params, np.ravel(sm_res.params), rtol=RTOL)
    assert_allclose(res.std_err, np.ravel(sm_res.bse), rtol=RTOL)
    assert_allclose(res.z, np.ravel(sm_res.tvalues), rtol=RTOL)
    assert_allclose(res.p_value, np.ravel(sm_res.pvalues), rtol=RTOL)
    assert_allclose(res.conf_int(), np.asarray(sm_res.conf_int()), rtol=RTOL)
    assert_allclose(res.conf_int(0.1), np.asarray(sm_res.conf_int(0.1)), rtol=RTOL)
    assert_allclose(res.log_likelihood, sm_res.llf, rtol=1e-8)
    # The goodness-of-fit block of summary(): statsmodels' null model is
    # fitted numerically, ours is in closed form.
    assert_allclose(res.log_likelihood_null, sm_res.llnull, rtol=1e-8)
    assert_allclose(res.pseudo_r2, sm_res.prsquared, rtol=1e-7)
    assert_allclose(res.llr, sm_res.llr, rtol=1e-7)
    assert_allclose(res.llr_p_value, sm_res.llr_pvalue, rtol=1e-6, atol=1e-300)
    assert res.df_model == sm_res.df_model
    assert res.df_resid == sm_res.df_resid
    assert res.converged is True and sm_res.mle_retvals["converged"]


# ----------------------------------------------------- against statsmodels
@pytest.mark.parametrize("solver, tol", [("newton", 1e-10), ("lbfgs", 1e-8)])
def test_binary_unpenalized_matches_statsmodels_logit(solver, tol):
    X, y = binary_data()
    model = LogisticRegression(penalty=None, solver=solver, tol=tol,
                               max_iter=1000).fit(X, y)
    res = model.inference(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    assert_matches_statsmodels(res, ref)
    assert res.param_names == ["const", "x1", "x2", "x3", "x4"]
    assert res.nobs == len(y)
    # The covariance itself, and the model is left alone.
    assert_allclose(res.cov, ref.cov_params(), rtol=RTOL)
    assert_allclose(res.params[1:], model.coef_[0], rtol=0)


def test_float32_model_matches_statsmodels_on_the_same_numbers():
    X, y = binary_data()
    X32 = X.astype(np.float32)
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8).fit(X32, y)
    assert model.coef_.dtype == np.float32
    res = model.inference(X32, y)
    ref = sm.Logit(y, sm.add_constant(X32.astype(np.float64))).fit(disp=0)
    assert_matches_statsmodels(res, ref)


def test_without_intercept_matches_statsmodels():
    X, y = binary_data()
    model = LogisticRegression(penalty=None, fit_intercept=False, solver="newton",
                               tol=1e-8).fit(X, y)
    res = model.inference(X, y)
    assert res.param_names == ["x1", "x2", "x3", "x4"]
    assert_matches_statsmodels(res, sm.Logit(y, X).fit(disp=0))


def test_standardize_changes_nothing_without_a_penalty():
    X, y = binary_data()
    model = LogisticRegression(penalty=None, standardize=True, solver="newton",
                               tol=1e-8).fit(X, y)
    res = model.inference(X, y)
    assert_matches_statsmodels(res, sm.Logit(y, sm.add_constant(X)).fit(disp=0))


def test_sample_weights_are_frequency_weights():
    X, y = binary_data(300)
    w = np.random.default_rng(5).integers(0, 4, size=len(y))
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8)
    res = model.fit(X, y, sample_weight=w).inference(X, y, sample_weight=w)
    ref = sm.Logit(np.repeat(y, w), sm.add_constant(np.repeat(X, w, axis=0))
                   ).fit(disp=0)
    assert_matches_statsmodels(res, ref)
    assert res.nobs == w.sum()


def test_class_weight_counts_like_sample_weight():
    X, y = binary_data(300)
    model = LogisticRegression(penalty=None, class_weight={1: 3.0},
                               solver="newton", tol=1e-8).fit(X, y)
    res = model.inference(X, y)
    rep = np.where(y == 1, 3, 1)
    ref = sm.Logit(np.repeat(y, rep), sm.add_constant(np.repeat(X, rep, axis=0))
                   ).fit(disp=0)
    assert_matches_statsmodels(res, ref)


def test_sparse_input_gives_the_dense_results():
    X, y = binary_data()
    X = X * (np.random.default_rng(2).random(X.shape) < 0.5)
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8).fit(X, y)
    dense = model.inference(X, y)
    sparse = model.inference(sp.csr_matrix(X), y)
    assert_allclose(sparse.std_err, dense.std_err, rtol=1e-12)
    assert_allclose(sparse.params, dense.params, rtol=0)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    assert_matches_statsmodels(sparse, ref)


@pytest.mark.parametrize("solver, tol", [("newton", 1e-10), ("lbfgs", 1e-9)])
def test_multinomial_matches_statsmodels_mnlogit(solver, tol):
    X, y = multinomial_data()
    model = LogisticRegression(penalty=None, solver=solver, tol=tol,
                               max_iter=1000).fit(X, y)
    res = model.inference(X, y)
    codes = np.searchsorted(model.classes_, y)
    ref = sm.MNLogit(codes, sm.add_constant(X)).fit(disp=0, method="newton")
    # statsmodels: one column per non-reference class; ours: class by class.
    for ours, theirs in [(res.params, ref.params), (res.std_err, ref.bse),
                         (res.z, ref.tvalues), (res.p_value, ref.pvalues)]:
        assert_allclose(ours, np.asarray(theirs).T.ravel(), rtol=RTOL)
    assert_allclose(res.log_likelihood, ref.llf, rtol=1e-8)
    assert res.param_names[:5] == ["bee:const", "bee:x1", "bee:x2", "bee:x3",
                                   "cat:const"]
    assert len(res.params) == 12
    assert res.conf_int().shape == (12, 2)


def test_multinomial_iris_matches_mnlogit():
    X, y = load_iris(return_X_y=True)
    X = X[:, [1]]       # sepal width: the classes overlap, the MLE exists
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8).fit(X, y)
    res = model.inference(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton")
    assert_allclose(res.std_err, np.asarray(ref.bse).T.ravel(), rtol=RTOL)
    assert_allclose(res.p_value, np.asarray(ref.pvalues).T.ravel(), rtol=RTOL)


# ---------------------------------------------------------- penalised models
def assert_cov_close(actual, desired, rtol):
    # Entries that cancel to ~0 are compared on the scale of the matrix.
    assert_allclose(actual, desired, rtol=rtol, atol=rtol * np.abs(desired).max())


def numpy_binary_cov(model, X, y, penalty_diag):
    Xt = np.column_stack([np.ones(len(X)), X])
    beta = np.concatenate([model.intercept_, model.coef_[0]]).astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-(Xt @ beta)))
    H = Xt.T @ (Xt * (p * (1 - p))[:, None]) + np.diag(penalty_diag)
    return np.linalg.inv(H)


@pytest.mark.parametrize("standardize", [False, True])
def test_l2_penalised_model_warns_and_includes_the_penalty_hessian(standardize):
    X, y = binary_data()
    C = 0.05
    model = LogisticRegression(C=C, standardize=standardize, solver="newton",
                               tol=1e-8).fit(X, y)
    with pytest.warns(UserWarning, match="not valid"):
        res = model.inference(X, y)
    scale = model.scale_ if standardize else np.ones(4)
    cov = numpy_binary_cov(model, X, y, np.concatenate([[0.0], scale ** 2 / C]))
    assert_cov_close(res.cov, cov, 1e-8)
    assert_allclose(res.std_err, np.sqrt(np.diag(cov)), rtol=1e-8)
    assert res.penalized
    assert "not valid" in res.summary()


def test_elasticnet_and_l1_use_only_the_l2_part_of_the_hessian():
    X, y = binary_data()
    for penalty, l1_ratio, l2 in [("l1", None, 0.0), ("elasticnet", 0.25, 0.75)]:
        model = LogisticRegression(penalty=penalty, l1_ratio=l1_ratio, C=0.5,
                                   solver="lbfgs", tol=1e-8).fit(X, y)
        with pytest.warns(UserWarning, match="penalised"):
            res = model.inference(X, y)
        cov = numpy_binary_cov(model, X, y, np.r_[0.0, np.full(4, l2 / 0.5)])
        assert_cov_close(res.cov, cov, 1e-8)


def test_multinomial_penalised_hessian_is_the_profile_of_the_full_model():
    # Reference: the Hessian of the penalised objective in the full softmax
    # parameterisation (K rows), moved to (row 0, rows k - row 0) and with
    # row 0 profiled out (Schur complement); the intercept shift of row 0
    # is an exactly flat direction and drops out.
    X, y = multinomial_data(600)
    C = 0.3
    model = LogisticRegression(C=C, solver="newton", tol=1e-8).fit(X, y)
    with pytest.warns(UserWarning, match="not valid"):
        res = model.inference(X, y)
    K, d = model.coef_.shape
    p = d + 1
    Xt = np.column_stack([np.ones(len(X)), X])
    Z = Xt @ np.column_stack([model.intercept_, model.coef_]).T
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    H = np.zeros((K * p, K * p))
    for a in range(K):
        for b in range(K):
            w = P[:, a] * ((a == b) - P[:, b])
            H[a * p:(a + 1) * p, b * p:(b + 1) * p] = Xt.T @ (Xt * w[:, None])
    H += np.kron(np.eye(K), np.diag(np.r_[0.0, np.ones(d)])) / C
    # full = T @ [row0, theta_1..theta_{K-1}]
    T = np.kron(np.vstack([np.ones((1, K)), np.eye(K)[1:]]).T, np.eye(p))
    Ht = T.T @ H @ T
    keep = np.arange(p, K * p)
    shift = np.arange(1, p)         # row 0's coefficients (not its intercept)
    schur = Ht[np.ix_(keep, keep)] - Ht[np.ix_(keep, shift)] @ np.linalg.solve(
        Ht[np.ix_(shift, shift)], Ht[np.ix_(shift, keep)])
    assert_cov_close(res.cov, np.linalg.inv(schur), 1e-7)


# ---------------------------------------------------- errors, never garbage
def test_complete_separation_is_a_clear_error():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(clogreg.ConvergenceWarning, match="linearly separable"):
        model = LogisticRegression(penalty=None).fit(X, y)
    with pytest.raises(ValueError, match="separated.*x1"):
        model.inference(X, y)


def test_quasi_complete_separation_is_a_clear_error():
    # x1 < 0 is always class 0, x1 > 0 always class 1; at x1 == 0 both.
    rng = np.random.default_rng(0)
    X = np.column_stack([np.r_[-2.0, -1.0, 0.0, 0.0, 1.0, 2.0] .repeat(5),
                         rng.normal(size=30)])
    y = np.r_[0, 0, 0, 1, 1, 1].repeat(5)
    model = LogisticRegression(penalty=None, tol=1e-8, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with pytest.raises(ValueError, match="does not exist.*separated"):
        model.inference(X, y)
    # statsmodels has no finite answer either: its standard errors explode.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, maxiter=100)
    assert ref.bse[1] > 100


def test_separation_in_a_multinomial_model_is_a_clear_error():
    X, y = load_iris(return_X_y=True)   # setosa is separable by the petals
    model = LogisticRegression(penalty=None, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:, 2:], y)
    with pytest.raises(ValueError, match="separated|separation"):
        model.inference(X[:, 2:], y)


def test_a_penalty_makes_separated_data_estimable():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    model = LogisticRegression(C=1.0, solver="newton", tol=1e-8).fit(X, y)
    with pytest.warns(UserWarning, match="not valid"):
        res = model.inference(X, y)
    cov = numpy_binary_cov(model, X, y, [0.0, 1.0])
    assert_cov_close(res.cov, cov, 1e-8)


@pytest.mark.parametrize("case", ["collinear", "constant", "zero"])
def test_singular_information_names_the_parameters(case):
    X, y = binary_data(400)
    if case == "collinear":
        X = np.column_stack([X[:, 0], X[:, 1], 2 * X[:, 0] - X[:, 1]])
        expected = "x1, x2, x3"
    elif case == "constant":
        X = np.column_stack([X[:, 0], np.full(len(X), 3.0)])
        expected = "const, x2"
    else:
        X = np.column_stack([X[:, 0], np.zeros(len(X))])
        expected = "x2"
    model = LogisticRegression(penalty=None).fit(X, y)
    with pytest.raises(ValueError, match=f"singular.*{expected}"):
        model.inference(X, y)


def test_coefficients_far_from_the_optimum_warn():
    X, y = binary_data()
    model = LogisticRegression(penalty=None, solver="gd", learning_rate=1e-3,
                               max_iter=3)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    with pytest.warns(ConvergenceWarning, match="standard errors away"):
        res = model.inference(X, y)
    assert res.converged is False
    assert "Converged:        False" in res.summary()
    # Still the values at the model's coefficients.
    assert_allclose(res.params[1:], model.coef_[0], rtol=0)
    cov = numpy_binary_cov(model, X, y, np.zeros(5))
    assert_cov_close(res.cov, cov, 1e-8)


def test_bad_input():
    X, y = binary_data(100)
    with pytest.raises(clogreg.NotFittedError):
        LogisticRegression().inference(X, y)
    model = LogisticRegression(penalty=None).fit(X, y)
    with pytest.raises(ValueError, match="3 features.*4"):
        model.inference(X[:, :3], y)
    with pytest.raises(ValueError, match="not one of the model's classes"):
        model.inference(X, np.where(y == 1, 7, 0))
    with pytest.raises(ValueError, match="same length"):
        model.inference(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        model.inference(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="negative"):
        model.inference(X, y, sample_weight=-np.ones(len(y)))
    X3, y3 = multinomial_data(200)
    model3 = LogisticRegression(penalty=None).fit(X3, y3)
    with pytest.raises(ValueError, match="no sample .* of class 'dog'"):
        model3.inference(X3[y3 != "dog"], y3[y3 != "dog"])
    res = model.inference(X, y)
    for alpha in (0, 1, -0.5, 1.5, float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            res.conf_int(alpha)
    with pytest.raises(TypeError, match="alpha"):
        res.conf_int("0.05")


# ------------------------------------------------------------ presentation
def test_summary_uses_feature_names_and_shows_the_numbers():
    pd = pytest.importorskip("pandas")
    X, y = binary_data()
    frame = pd.DataFrame(X, columns=["age", "income", "dose", "noise"])
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8)
    res = model.fit(frame, y).inference(frame, y)
    assert res.param_names == ["const", "age", "income", "dose", "noise"]
    text = res.summary()
    ref = sm.Logit(y, sm.add_constant(frame)).fit(disp=0)
    rows = {line.split()[0]: line.split() for line in text.splitlines()
            if line.split() and line.split()[0] in res.param_names}
    assert list(rows) == res.param_names
    ci = np.asarray(ref.conf_int())
    for i, name in enumerate(res.param_names):
        coef, se, z, pv, lo, hi = map(float, rows[name][1:])
        assert_allclose([coef, se, lo, hi],
                        [ref.params.iloc[i], ref.bse.iloc[i], *ci[i]],
                        rtol=1e-3, atol=1e-4)
        assert abs(z - ref.tvalues.iloc[i]) <= 5e-4
        assert abs(pv - ref.pvalues.iloc[i]) <= 5e-4
    assert "[0.025" in text and "0.975]" in text
    assert "[0.05" in res.summary(alpha=0.1)


def test_multinomial_summary_has_one_block_per_class():
    X, y = multinomial_data(400)
    res = LogisticRegression(penalty=None).fit(X, y).inference(X, y)
    text = res.summary()
    for label in ("bee", "cat", "dog"):
        assert f"'{label}' vs 'ant'" in text
    assert isinstance(res, InferenceResult)
    assert "12 parameters" in repr(res)


def test_normal_law_from_erfc_matches_scipy():
    z = np.r_[0.0, 1e-8, 0.5, 1.0, 1.959963984540054, 3.0, 8.0, 20.0, 37.0, -2.5]
    assert_allclose(normal_two_sided_p(z), 2 * norm.sf(np.abs(z)), rtol=1e-12)
    for q in [1e-300, 1e-20, 1e-6, 0.001, 0.025, 0.05, 0.3, 0.5, 0.7, 0.975]:
        assert_allclose(normal_isf(q), norm.isf(q), rtol=1e-13, atol=1e-15)
    for q in (0.0, 1.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            normal_isf(q)


def test_chi2_survival_function_matches_scipy():
    from scipy.stats import chi2

    for df in (0.5, 1, 2, 3, 4.5, 7, 10, 31, 100, 1000):
        x = np.r_[0.0, np.logspace(-8, 4, 120), 5e4]
        ref = chi2.sf(x, df)
        ours = np.array([chi2_sf(v, df) for v in x])
        # Relative agreement wherever scipy's value is a normal float,
        # tails of 1e-250 included (the continued fraction keeps them).
        normal = ref > 1e-300
        assert normal.sum() > 60
        assert_allclose(ours[normal], ref[normal], rtol=1e-11)
        assert (ours[~normal] < 1e-290).all()
    assert chi2_sf(float("inf"), 3) == 0.0 and chi2_sf(-1.0, 3) == 1.0
    assert np.isnan(chi2_sf(float("nan"), 3))
    for df in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="df"):
            chi2_sf(1.0, df)


def summary_header(text):
    """The 'label: value' pairs of summary()'s header block."""
    pairs = {}
    for line in text.splitlines()[2:8]:
        for label, value in re.findall(r"([A-Z][\w. -]*?):\s+(\S+)", line):
            pairs[label] = value
    return pairs


def test_summary_header_shows_statsmodels_goodness_of_fit():
    X, y = binary_data()
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-10)
    res = model.fit(X, y).inference(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    head = summary_header(res.summary())
    assert float(head["Log-likelihood"]) == pytest.approx(ref.llf, rel=1e-4)
    assert float(head["LL-null"]) == pytest.approx(ref.llnull, rel=1e-4)
    assert float(head["Pseudo R-squ."]) == pytest.approx(ref.prsquared, abs=1e-4)
    assert float(head["LLR p-value"]) == pytest.approx(ref.llr_pvalue, rel=1e-3)
    assert float(head["Df residuals"]) == ref.df_resid
    assert float(head["Df model"]) == ref.df_model
    assert head["Converged"] == "True"
    assert "perfectly predicted" not in res.summary()
    # The multinomial model: MNLogit's definitions (df per class).
    X3, y3 = multinomial_data(400)
    res3 = LogisticRegression(penalty=None, solver="newton", tol=1e-10
                              ).fit(X3, y3).inference(X3, y3)
    codes = np.unique(y3, return_inverse=True)[1]
    ref3 = sm.MNLogit(codes, sm.add_constant(X3)).fit(disp=0, method="newton")
    assert_allclose([res3.log_likelihood_null, res3.pseudo_r2, res3.llr_p_value],
                    [ref3.llnull, ref3.prsquared, ref3.llr_pvalue], rtol=1e-7)
    assert (res3.df_model, res3.df_resid) == (ref3.df_model, ref3.df_resid)


def test_summary_notes_perfectly_predicted_observations():
    # Classes overlap only near x = 0, so the MLE exists, but the many
    # samples far out are predicted to within 1e-4: statsmodels notes
    # "possibly complete quasi-separation" with the same fraction.
    rng = np.random.default_rng(3)
    x = rng.uniform(-30, 30, size=400)
    y = (x + rng.logistic(size=400) > 0).astype(int)
    X = x[:, None]
    res = LogisticRegression(penalty=None, solver="newton", tol=1e-10
                             ).fit(X, y).inference(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    ref_text = ref.summary().as_text()
    assert "quasi-separation" in ref_text
    ref_fraction = float(re.search(r"A fraction (\S+) of", ref_text).group(1))
    # statsmodels' criterion, |y - p| < 1e-4, on its own fit:
    p = ref.predict()
    assert res.perfectly_predicted == pytest.approx(
        np.mean(np.abs(y - p) < 1e-4), abs=1.5 / len(y))
    text = res.summary()
    assert f"A fraction {ref_fraction:.2f} of the observations" in text
    assert "quasi-complete separation" in text
    assert all(len(line) <= 72 for line in text.splitlines())
    # A penalised fit of completely separated data: every sample.
    Xs = np.array([[-9.0], [-8.0], [8.0], [9.0]])
    model = LogisticRegression(C=1e4, solver="newton", tol=1e-10).fit(Xs, [0, 0, 1, 1])
    with pytest.warns(UserWarning, match="not valid"):
        res = model.inference(Xs, [0, 0, 1, 1])
    proba = model.predict_proba(Xs)[np.arange(4), [0, 0, 1, 1]]
    assert res.perfectly_predicted == np.mean(1 - proba < 1e-4) == 1.0
    assert "A fraction 1.00 of the observations" in res.summary()


def test_converged_is_none_with_an_l1_penalty():
    X, y = binary_data(300)
    model = LogisticRegression(penalty="l1", C=10.0, tol=1e-8).fit(X, y)
    with pytest.warns(UserWarning, match="not valid"):
        res = model.inference(X, y)
    assert res.converged is None
    assert summary_header(res.summary())["Converged"] == "not"


def test_docstring_examples_run():
    import clogreg._inference as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
