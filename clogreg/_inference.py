"""Statistical inference for a fitted model: standard errors, z, p-values.

Design
------
* The covariance of the coefficients is the inverse of the observed Fisher
  information at the fitted coefficients, ``X~' W X~`` with ``X~`` the
  design (a column of ones first when the model has an intercept) and
  ``W = p (1 - p) s`` (``s``: sample weight times class weight, read as
  frequency weights).  For a penalised model the Hessian of the penalty is
  added (``1/C`` times the squared standardisation scale of each
  coefficient; the L1 part contributes nothing, its Hessian being 0 where
  it is differentiable), and a warning says that the p-values are not
  valid under penalisation.
* Multinomial models use the reference-class parameterisation of
  statsmodels' ``MNLogit``: class ``classes_[0]`` is the reference and
  class k has parameters ``theta_k = (b_k - b_0, W_k - W_0)``.  These are
  what a softmax model identifies (adding one vector to every row of the
  full parameterisation changes no probability).  For the L2 penalty the
  full model's optimum has rows summing to 0, so its penalty, as a function
  of the thetas, is ``1/2 theta' ((I - J/K) kron D) theta / C``: that is
  the penalty Hessian used.
* The normal distribution comes from ``math.erfc`` (two-sided p-value
  ``erfc(|z| / sqrt 2)``; quantiles by bisection on it), and the
  chi-square law of the likelihood-ratio test from the regularised
  incomplete gamma function (``chi2_sf``): no scipy.
* The null model of ``summary()``'s goodness of fit predicts the class
  frequencies: the maximum of the intercept-only likelihood, in closed
  form, as statsmodels' ``llnull`` (which fits it numerically).
* Before reporting, the maximum of the (penalised) log-likelihood is
  located by Newton's method started at the fitted coefficients.  If it
  does not exist (complete or quasi-complete separation: the coefficients
  run off to infinity, Newton's steps stop shrinking) or the information
  is singular (collinear or constant features), ``inference`` raises a
  ValueError that says so; it never returns NaN or meaningless numbers.  If
  the maximum is more than ``_MAX_SHIFT`` standard errors away from the
  model's coefficients (a loose ``tol``, or data other than the training
  data), it warns.  The reported values are always those at the model's
  coefficients.

This module must never change the model, and must never import scipy.
"""

from __future__ import annotations

import math
import textwrap
import warnings

import numpy as np

from ._exceptions import convergence_warning, not_fitted_error
from ._validation import (
    _is_sparse,
    check_feature_names,
    check_sample_weight,
    check_X,
    check_y,
    feature_names,
)

_NEWTON_MAX_ITER = 30
# Newton's search for the optimum has converged when its step changes no
# log-odds by more than this (see _check_optimum).
_STEP_LOGIT = 1e-8
# Reciprocal condition number (of the information scaled to unit
# diagonal) below which the information counts as singular.
_MIN_RCOND = 1e-12
# Warn when the model's coefficients are further than this many standard
# errors from the maximum of the likelihood on the given data.
_MAX_SHIFT = 0.1
# summary() notes quasi-separation when more than this fraction of the
# samples is perfectly predicted (statsmodels' Logit.summary threshold).
_PERFECT_NOTE = 0.1
# A sample is perfectly predicted when its class has a fitted probability
# within this of 1 (statsmodels' threshold too).
_PERFECT_GAP = 1e-4


# ------------------------------------------------------------ normal law
def normal_two_sided_p(z):
    """P(|Z| >= |z|) for a standard normal Z: ``erfc(|z| / sqrt(2))``."""
    return np.array([math.erfc(abs(float(v)) / math.sqrt(2.0))
                     for v in np.ravel(z)]).reshape(np.shape(z))


def normal_isf(q):
    """The z with P(Z > z) = q, for q in (0, 1): bisection on math.erfc
    (P(Z > z) = erfc(z / sqrt 2) / 2 decreases in z) to the last bit."""
    q = float(q)
    if not 0.0 < q < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {q}")
    if q > 0.5:
        return -normal_isf(1.0 - q)
    lo, hi = 0.0, 40.0          # P(Z > 40) < 1e-300
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if 0.5 * math.erfc(mid / math.sqrt(2.0)) > q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# ------------------------------------------------------- chi-square law
# The series of P and the continued fraction of Q stop when a term changes
# the sum by less than this (relative): float64's rounding.
_GAMMA_EPS = 1e-16
_GAMMA_MAX_TERMS = 100_000


def chi2_sf(x, df):
    """P(X >= x) for X chi-square with ``df`` degrees of freedom.

    The chi-square law is a gamma law: ``sf(x, df) = Q(df/2, x/2)``, with
    ``Q(a, t) = Gamma(a, t) / Gamma(a)`` the regularised upper incomplete
    gamma function (Abramowitz & Stegun 6.5.3 and 26.4.19).  Q is computed
    from the power series of its complement ``P(a, t) = t^a e^-t / Gamma(a)
    * sum_k t^k / (a (a+1) ... (a+k))`` (A&S 6.5.29) when ``t < a + 1``,
    where the series converges fast and Q = 1 - P does not cancel (Q is
    above about 1/4 there), and otherwise from its continued fraction
    ``Q(a, t) = t^a e^-t / Gamma(a) * 1/(t+1-a- 1(1-a)/(t+3-a- 2(2-a)/(t+5-a-
    ...)))`` (A&S 6.5.31) evaluated by the modified Lentz method, which
    keeps the relative accuracy of tiny tail probabilities.  The common
    factor is taken through logarithms (``math.lgamma``), so that it does
    not overflow for large df.  No scipy.

    Examples
    --------
    >>> from clogreg._inference import chi2_sf
    >>> round(chi2_sf(3.841458820694124, 1), 12)       # the 5% point of chi2(1)
    0.05
    """
    x, df = float(x), float(df)
    if not df > 0.0 or math.isinf(df):
        raise ValueError(f"df must be positive and finite, got {df}")
    if math.isnan(x):
        return math.nan
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, t = 0.5 * df, 0.5 * x
    log_front = a * math.log(t) - t - math.lgamma(a)
    if t < a + 1.0:
        term = total = 1.0 / a
        for k in range(1, _GAMMA_MAX_TERMS):
            term *= t / (a + k)
            total += term
            if abs(term) < abs(total) * _GAMMA_EPS:
                break
        return max(0.0, 1.0 - math.exp(log_front) * total)
    # Modified Lentz for h = 1/(b_0 + a_1/(b_1 + a_2/(b_2 + ...))), with
    # b_k = t + 2k + 1 - a and a_k = -k (k - a): h is the product of the
    # ratios delta_k = C_k D_k of successive convergents; tiny stands in for
    # a zero denominator.
    tiny = 1e-300
    b = t + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for k in range(1, _GAMMA_MAX_TERMS):
        an = -k * (k - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _GAMMA_EPS:
            break
    return math.exp(log_front) * h


# ------------------------------------------------------- the design matrix
class _Design:
    """Products with the design ``X~ = [1 | X]`` (or ``X`` without an
    intercept), dense or CSR, without forming ``X~``; all in float64."""

    def __init__(self, X, fit_intercept):
        if _is_sparse(X):
            self.X = X.astype(np.float64) if X.dtype != np.float64 else X
        else:
            self.X = np.asarray(X, dtype=np.float64)
        self.sparse = _is_sparse(X)
        self.icpt = 1 if fit_intercept else 0
        self.n = X.shape[0]
        self.p = X.shape[1] + self.icpt

    def scores(self, theta):
        """(n, m): X~ theta' for theta of shape (m, p)."""
        out = np.asarray(self.X @ theta[:, self.icpt:].T)
        if self.icpt:
            out = out + theta[:, 0]
        return out

    def tmatmul(self, R):
        """(m, p): R' X~ for R of shape (n, m)."""
        out = np.empty((R.shape[1], self.p))
        if self.icpt:
            out[:, 0] = R.sum(axis=0)
        out[:, self.icpt:] = np.asarray(self.X.T @ R).T
        return out

    def column_rms(self):
        """(p,): root-mean-square of each column of X~ (1 for the ones)."""
        if self.sparse:
            sq = np.asarray(self.X.multiply(self.X).mean(axis=0)).ravel()
        else:
            sq = np.einsum("ij,ij->j", self.X, self.X) / self.n
        return np.concatenate([np.ones(self.icpt), np.sqrt(sq)])

    def gram(self, w):
        """(p, p): X~' diag(w) X~."""
        G = np.empty((self.p, self.p))
        if self.sparse:
            XtWX = (self.X.T @ self.X.multiply(w[:, None]).tocsr()).toarray()
        else:
            XtWX = self.X.T @ (self.X * w[:, None])
        G[self.icpt:, self.icpt:] = XtWX
        if self.icpt:
            G[0, 0] = w.sum()
            G[0, 1:] = G[1:, 0] = np.asarray(self.X.T @ w).ravel()
        return 0.5 * (G + G.T)


# --------------------------------------------------- the likelihood itself
class _Likelihood:
    """Negative weighted log-likelihood of the reference-class model plus
    the quadratic penalty ``1/2 theta' P theta``; theta has shape (m, p),
    m = n_classes - 1, and the reference class has score 0."""

    def __init__(self, design, y_index, weights, n_classes, penalty_hessian):
        self.design = design
        self.y = y_index
        self.s = weights
        self.k = n_classes
        self.P = penalty_hessian
        self.rows = np.arange(y_index.shape[0])

    def _proba(self, theta):
        """(log P, P, 1 - P) of shape (n, K).  log-sum-exp with log1p,
        and 1 - P_a as the sum of the other probabilities, so that a
        probability within rounding of 1 keeps its tiny complement (what
        separation is made of) instead of cancelling to 0."""
        eta = self.design.scores(theta)
        Z = np.column_stack([np.zeros(eta.shape[0]), eta])
        top_at = Z.argmax(axis=1)
        E = np.exp(Z - Z[self.rows, top_at][:, None])
        E[self.rows, top_at] = 0.0
        logp = Z - (Z[self.rows, top_at] + np.log1p(E.sum(axis=1)))[:, None]
        P = np.exp(logp)
        rest = np.empty_like(P)
        for a in range(self.k):
            rest[:, a] = P[:, :a].sum(axis=1) + P[:, a + 1:].sum(axis=1)
        return logp, P, rest

    def log_likelihood(self, theta):
        logp, _, _ = self._proba(theta)
        return float(self.s @ logp[self.rows, self.y])

    def _residual(self, P, rest):
        """(n, m): p_a - [y == a] for the non-reference classes, with
        p_a - 1 written as -(1 - p_a)."""
        R = P[:, 1:].copy()
        own = self.y >= 1
        R[own, self.y[own] - 1] = -rest[own, self.y[own]]
        return R

    def gradient(self, theta):
        _, P, rest = self._proba(theta)
        grad = self.design.tmatmul(self._residual(P, rest) * self.s[:, None])
        return grad.ravel() + self.P @ theta.ravel()

    def derivatives(self, theta):
        """(gradient (m*p,), Hessian (m*p, m*p) with the penalty, P, 1 - P)."""
        m, p = theta.shape
        _, P, rest = self._proba(theta)
        grad = self.design.tmatmul(self._residual(P, rest) * self.s[:, None])
        H = np.empty((m * p, m * p))
        for a in range(m):
            for b in range(a, m):
                if a == b:
                    w = P[:, a + 1] * rest[:, a + 1]
                else:
                    w = -P[:, a + 1] * P[:, b + 1]
                block = self.design.gram(w * self.s)
                H[a * p:(a + 1) * p, b * p:(b + 1) * p] = block
                H[b * p:(b + 1) * p, a * p:(a + 1) * p] = block
        return grad.ravel() + self.P @ theta.ravel(), H + self.P, P, rest


class _Singular(ValueError):
    pass


def _factor(H):
    """Cholesky factor of H scaled to unit diagonal, and the scaling;
    raises _Singular with the index of a culprit parameter vector."""
    d = np.diag(H).copy()
    bad = np.flatnonzero(~(d > 0) | ~np.isfinite(d))
    if bad.size:
        v = np.zeros(H.shape[0])
        v[bad[0]] = 1.0
        raise _Singular(v)
    scale = 1.0 / np.sqrt(d)
    S = H * scale[:, None] * scale[None, :]
    eig, vec = np.linalg.eigh(S)
    if not eig[0] > _MIN_RCOND * eig[-1]:
        raise _Singular(vec[:, 0])
    return np.linalg.cholesky(S), scale


def _solve(factor, b):
    L, scale = factor
    z = np.linalg.solve(L, b * scale)
    return np.linalg.solve(L.T, z) * scale


def _inverse(factor):
    L, scale = factor
    Linv = np.linalg.inv(L)
    return (Linv.T @ Linv) * scale[:, None] * scale[None, :]


# ------------------------------------------------------------------ results
class InferenceResult:
    """Standard errors, z statistics, p-values and confidence intervals of
    a fitted ``LogisticRegression``, as returned by
    ``LogisticRegression.inference``.

    Parameters are ordered intercept first (``'const'``, when the model has
    one), then the features.  For three or more classes they come class by
    class, each non-reference class against ``classes_[0]`` (as in
    statsmodels' ``MNLogit``).

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        The model's coefficients in this order.
    std_err : ndarray of shape (n_params,)
        Square roots of the diagonal of ``cov``.
    z : ndarray of shape (n_params,)
        ``params / std_err``.
    p_value : ndarray of shape (n_params,)
        Two-sided, from the normal distribution: ``erfc(|z| / sqrt(2))``.
    cov : ndarray of shape (n_params, n_params)
        Inverse of the observed Fisher information (plus the penalty's
        Hessian for a penalised model).
    param_names : list of str
        ``'const'`` and the feature names (``x1``, ``x2``, ... when the
        model has none); for multinomial models prefixed by the class,
        ``'<class>:<name>'``.
    classes : ndarray
        The model's ``classes_``; ``classes[0]`` is the reference class.
    log_likelihood : float
        The weighted log-likelihood at ``params``.
    nobs : float
        The number of samples (the sum of the weights when weighted).
    penalized : bool
        Whether the model was penalised (then p-values are not valid).
    log_likelihood_null : float
        The log-likelihood of the null model, the one that predicts each
        class with its (weighted) frequency: ``sum_k S_k log(S_k / S)``,
        with ``S_k`` the weight of class k and ``S`` the total (as
        statsmodels' ``llnull``, an intercept-only model, also for a model
        fitted without an intercept).
    pseudo_r2 : float
        McFadden's pseudo R-squared, ``1 - log_likelihood /
        log_likelihood_null`` (statsmodels' ``prsquared``).
    llr : float
        The likelihood-ratio statistic against the null model,
        ``2 (log_likelihood - log_likelihood_null)``.
    llr_p_value : float
        ``P(chi2(df_model) >= llr)``, the p-value of the likelihood-ratio
        test that every coefficient but the intercepts is 0 (NaN when
        ``df_model`` is 0).
    df_model : int
        The degrees of freedom of the likelihood-ratio test: the number of
        parameters beyond the null model's (one intercept per non-reference
        class), as statsmodels' ``df_model``.
    df_resid : float
        ``nobs`` minus the number of parameters.
    converged : bool or None
        Whether the model's coefficients are at the maximum of the
        (penalised) likelihood on the given data, to within a tenth of a
        standard error (``False`` comes with a ConvergenceWarning); None
        for a penalty with an L1 part, where it is not checked.
    perfectly_predicted : float
        The (weighted) fraction of the samples whose fitted probability of
        their own class is within 1e-4 of 1.  Above 0.1, ``summary`` adds a
        note: it points to quasi-complete separation.

    Examples
    --------
    >>> import numpy as np
    >>> from clogreg import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = np.array([0, 0, 1, 0, 1, 1])
    >>> model = LogisticRegression(penalty=None, solver="newton", tol=1e-10)
    >>> res = model.fit(X, y).inference(X, y)
    >>> res.param_names, res.std_err.round(3).tolist()
    (['const', 'x1'], [2.546, 0.913])
    """

    params: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    cov: np.ndarray
    param_names: list[str]
    classes: np.ndarray
    log_likelihood: float
    nobs: float
    penalized: bool
    log_likelihood_null: float
    pseudo_r2: float
    llr: float
    llr_p_value: float
    df_model: int
    df_resid: float
    converged: bool | None
    perfectly_predicted: float

    def __init__(self, params, cov, param_names, classes, log_likelihood, nobs,
                 penalty, penalty_note, *, log_likelihood_null, df_model,
                 converged, perfectly_predicted):
        self.params = params
        self.cov = cov
        self.std_err = np.sqrt(np.diag(cov))
        self.z = params / self.std_err
        self.p_value = normal_two_sided_p(self.z)
        self.param_names = param_names
        self.classes = classes
        self.log_likelihood = log_likelihood
        self.nobs = nobs
        self.penalized = bool(penalty_note)
        self.log_likelihood_null = log_likelihood_null
        self.pseudo_r2 = 1.0 - log_likelihood / log_likelihood_null
        self.llr = 2.0 * (log_likelihood - log_likelihood_null)
        self.llr_p_value = chi2_sf(self.llr, df_model) if df_model > 0 else math.nan
        self.df_model = df_model
        self.df_resid = nobs - len(params)
        self.converged = converged
        self.perfectly_predicted = perfectly_predicted
        self._penalty = penalty
        self._penalty_note = penalty_note
        self._n_per_class = len(param_names) // max(1, len(classes) - 1)

    def __repr__(self):
        return (f"<InferenceResult: {len(self.params)} parameters, "
                f"log-likelihood {self.log_likelihood:.6g}>")

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Confidence intervals ``params -+ z_(1 - alpha/2) * std_err``.

        Parameters
        ----------
        alpha : float in (0, 1), default=0.05
            1 - the coverage: 0.05 gives 95% intervals.

        Returns
        -------
        ndarray of shape (n_params, 2)
            Lower and upper bounds, one row per parameter.

        Examples
        --------
        >>> import numpy as np
        >>> from clogreg import LogisticRegression
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> model = LogisticRegression(penalty=None, solver="newton", tol=1e-10)
        >>> model.fit(X, y).inference(X, y).conf_int().round(3).tolist()
        [[-8.025, 1.954], [-0.575, 3.003]]
        """
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)):
            raise TypeError(f"alpha must be a number in (0, 1), got {alpha!r}")
        if not 0.0 < float(alpha) < 1.0:
            raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
        q = normal_isf(float(alpha) / 2.0)
        return np.column_stack([self.params - q * self.std_err,
                                self.params + q * self.std_err])

    def summary(self, alpha: float = 0.05) -> str:
        """A table of the results, like statsmodels' ``summary()``.

        The header gives the goodness of fit as statsmodels' ``Logit``
        summary does: the log-likelihood and that of the null model
        (``LL-null``), McFadden's pseudo R-squared, the p-value of the
        likelihood-ratio test against the null model, the residual and
        model degrees of freedom, and whether the coefficients are at the
        likelihood's maximum (``Converged``).  Notes follow the table: that
        p-values are not valid for a penalised model, and, when more than
        a tenth of the samples is perfectly predicted, that this points to
        quasi-complete separation.

        Parameters
        ----------
        alpha : float in (0, 1), default=0.05
            For the confidence-interval columns.

        Returns
        -------
        str

        Examples
        --------
        >>> import numpy as np
        >>> from clogreg import LogisticRegression
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> model = LogisticRegression(penalty=None, solver="newton", tol=1e-10)
        >>> print(model.fit(X, y).inference(X, y).summary())
        Logistic regression: inference
        ========================================================================
        Classes:          [0, 1]  (log-odds of 1 vs 0)
        Observations:     6               Log-likelihood:  -2.4780
        Df residuals:     4               LL-null:         -4.1589
        Df model:         1               Pseudo R-squ.:   0.4042
        Converged:        True            LLR p-value:     0.06673
        Penalty:          none
        Covariance:       inverse observed Fisher information
        ========================================================================
                         coef    std err        z    P>|z|     [0.025     0.975]
        ------------------------------------------------------------------------
        const         -3.0351     2.5457   -1.192    0.233    -8.0246     1.9544
        x1             1.2140     0.9126    1.330    0.183    -0.5746     3.0027
        ========================================================================
        """
        ci = self.conf_int(alpha)
        name_w = max(10, max(len(n) for n in self.param_names) + 2)
        heads = ["coef", "std err", "z", "P>|z|", f"[{alpha / 2:g}",
                 f"{1 - alpha / 2:g}]"]
        widths = [11, 11, 9, 9, 11, 11]
        head = f"{'':<{name_w}}" + "".join(
            f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))
        width = len(head)
        classes = [c.item() if hasattr(c, "item") else c for c in self.classes]
        if len(classes) == 2:
            what = f"(log-odds of {classes[1]!r} vs {classes[0]!r})"
        else:
            what = f"(log-odds of each class vs {classes[0]!r})"
        converged = ("not checked" if self.converged is None
                     else str(self.converged))
        pairs = [("Observations:", _count(self.nobs),
                  "Log-likelihood:", f"{self.log_likelihood:#.5g}"),
                 ("Df residuals:", _count(self.df_resid),
                  "LL-null:", f"{self.log_likelihood_null:#.5g}"),
                 ("Df model:", f"{self.df_model}",
                  "Pseudo R-squ.:", f"{self.pseudo_r2:.4f}"),
                 ("Converged:", converged,
                  "LLR p-value:", f"{self.llr_p_value:.4g}")]
        lines = ["Logistic regression: inference", "=" * width,
                 f"{'Classes:':<18}{classes!r}  {what}"]
        lines += [f"{a:<18}{b:<16}{c:<17}{d}" for a, b, c, d in pairs]
        lines += [f"{'Penalty:':<18}{self._penalty}",
                 f"{'Covariance:':<18}inverse observed Fisher information"
                 + (" + penalty Hessian" if self.penalized else ""),
                 "=" * width, head]
        per = self._n_per_class
        for start in range(0, len(self.params), per):
            if len(classes) > 2:
                lines.append("-" * width)
                lines.append(f"{classes[1 + start // per]!r} vs {classes[0]!r}")
            lines.append("-" * width)
            for i in range(start, start + per):
                name = self.param_names[i]
                if len(classes) > 2:
                    name = name.split(":", 1)[1]
                cells = [_num(self.params[i]), _num(self.std_err[i]),
                         f"{self.z[i]:.3f}", f"{self.p_value[i]:.3f}",
                         _num(ci[i, 0]), _num(ci[i, 1])]
                lines.append(f"{name:<{name_w}}" + "".join(
                    f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
        lines.append("=" * width)
        notes = []
        if self.penalized:
            notes.append(self._penalty_note)
        if self.perfectly_predicted > _PERFECT_NOTE:
            notes.append(
                f"A fraction {self.perfectly_predicted:.2f} of the observations "
                "is perfectly predicted (fitted probability of its class "
                "within 1e-4 of 1): this points to quasi-complete separation, "
                "and some parameters may not be identified.")
        for note in notes:
            lines.extend(textwrap.wrap(note, width, break_on_hyphens=False))
        return "\n".join(lines)


def _count(v):
    """A number of observations: an integer as one, else 6 digits."""
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.6g}"


def _num(v):
    v = float(v)
    if v == 0.0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:.4f}"
    return f"{v:.3e}"


# ---------------------------------------------------------------- the work
def _labels_as_codes(model, y, n):
    """y as int indices into model.classes_ (every label must be one)."""
    labels, codes = check_y(y, n)
    classes = model.classes_
    pos = np.minimum(np.searchsorted(classes, labels), classes.shape[0] - 1)
    unknown = classes[pos] != labels
    if unknown.any():
        bad = labels[unknown][0]
        bad = bad.item() if hasattr(bad, "item") else bad
        raise ValueError(f"y contains {bad!r}, which is not one of the "
                         f"model's classes {classes.tolist()}")
    return np.ascontiguousarray(pos[codes], dtype=np.intp)


def _reference_params(model, k):
    """theta of shape (K-1, p): (b_k - b_0, W_k - W_0), or (b, w) binary."""
    coef = model.coef_
    coef = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef,
                      dtype=np.float64)            # sparse after sparsify()
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    full = np.column_stack([intercept, coef]) if model.fit_intercept else coef
    if k == 2:
        return full.copy()
    return full[1:] - full[0]


def _is_penalized(model):
    # the penalty the fit used: penalty, or l1_ratio and C when it is unset
    return (model._penalty_kind()[0] is not None
            and not math.isinf(float(model.C)))


def _penalty(model, k, p, d):
    """(Hessian of the quadratic part of the penalty divided by C, in
    theta, of shape (m*p, m*p); whether the penalty has an L1 part)."""
    m = 1 if k == 2 else k - 1
    if not _is_penalized(model):
        return np.zeros((m * p, m * p)), False
    ratio = model._penalty_kind()[1]      # 0 for 'l2', 1 for 'l1'
    l2, has_l1 = 1.0 - ratio, ratio > 0
    # With standardize=True the penalty acts on coef_ * scale_.
    scale = (np.asarray(model.scale_, dtype=np.float64)
             if model.standardize and hasattr(model, "scale_") else np.ones(d))
    D = np.diag(np.concatenate([np.zeros(p - d), scale ** 2]))
    mix = np.eye(1) if k == 2 else np.eye(m) - np.full((m, m), 1.0 / k)
    return np.kron(mix, D) * (l2 / float(model.C)), has_l1


def _culprits(vector, names, threshold):
    """The names of the (at most 8) entries of ``vector`` larger than
    ``threshold`` times its largest."""
    v = np.abs(vector) / np.abs(vector).max()
    picked = [names[i] for i in np.flatnonzero(v > threshold)]
    return picked[:8] + (["..."] if len(picked) > 8 else [])


def _singular_error(vector, names, rest, y_index, weights):
    # ``vector`` spans the null space in unit-diagonal scaling, where each
    # entry is a parameter's share of the vanishing combination.
    involved = _culprits(vector, names, 1e-3)
    # A sample whose own class has probability 1 to rounding adds nothing
    # to the information: the likelihood has flattened out along a
    # direction, which is what separation looks like numerically.
    flat = (rest[np.arange(rest.shape[0]), y_index] < 1e-12)[weights > 0]
    if flat.any():
        return ValueError(
            f"the Fisher information is singular: {int(flat.sum())} samples "
            "have fitted probabilities of 0 or 1 (to rounding), which points "
            "to (quasi-)complete separation (parameters involved: "
            f"{', '.join(involved)}); standard errors do not exist. Remove the "
            "separating feature(s) or merge categories")
    return ValueError(
        "the Fisher information is singular: the parameters "
        f"{', '.join(involved)} are not identified (collinear or constant "
        "features, or too few samples); drop or combine those features")


def inference(model, X, y, sample_weight=None):
    """See ``LogisticRegression.inference``."""
    if not hasattr(model, "coef_"):
        raise not_fitted_error(model)
    model._validated_params(partial=True)
    given_names = feature_names(X)
    check_feature_names(getattr(model, "feature_names_in_", None), X)
    X = check_X(X, accept_sparse=True)
    n, d = X.shape
    if d != model.n_features_in_:
        raise ValueError(f"X has {d} features, but the model was fitted with "
                         f"{model.n_features_in_}")
    y_index = _labels_as_codes(model, y, n)
    sw = check_sample_weight(sample_weight, n)
    s = model._class_weighted(model.classes_, y_index, sw)
    s = np.ones(n) if s is None else np.asarray(s, dtype=np.float64)
    k = model.classes_.shape[0]
    present = np.bincount(y_index, weights=s, minlength=k) > 0
    if not present.all():
        missing = model.classes_[~present][0]
        missing = missing.item() if hasattr(missing, "item") else missing
        raise ValueError(f"y has no sample (of positive weight) of class "
                         f"{missing!r}; its parameters cannot be estimated")

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = given_names
    names = ([str(v) for v in names] if names is not None
             else [f"x{j + 1}" for j in range(d)])
    per_class = (["const"] if model.fit_intercept else []) + names
    if k == 2:
        param_names = per_class
    else:
        labels = [c.item() if hasattr(c, "item") else c for c in model.classes_]
        param_names = [f"{labels[a]}:{nm}" for a in range(1, k) for nm in per_class]

    design = _Design(X, model.fit_intercept)
    theta0 = _reference_params(model, k)
    p = theta0.shape[1]
    Pen, has_l1 = _penalty(model, k, p, d)
    lik = _Likelihood(design, y_index, s, k, Pen)

    what = "none"
    if _is_penalized(model):
        penalty = model._penalty_kind()[0]
        what = (f"{penalty}, C={model.C!r}"
                + (f", l1_ratio={model.l1_ratio!r}"
                   if penalty == "elasticnet" else ""))
        note = (f"The model is penalised ({what}): the standard errors include "
                "the penalty's Hessian and the coefficients are shrunk, so "
                "p-values and confidence intervals are not valid; fit with "
                "penalty=None for inference.")
        warnings.warn(f"clogreg: {note}", UserWarning, stacklevel=3)
    else:
        note = ""

    derivs = lik.derivatives(theta0)
    converged = None
    if not has_l1:
        converged = _check_optimum(lik, theta0, derivs, param_names)
    _, H, _, rest = derivs
    try:
        factor = _factor(H)
    except _Singular as exc:
        raise _singular_error(exc.args[0], param_names, rest, y_index, s) from None
    cov = _inverse(factor)
    # The null model predicts the class frequencies (the maximum of the
    # intercept-only likelihood, in closed form).
    totals = np.bincount(y_index, weights=s, minlength=k)
    total = float(s.sum())
    null = float(totals @ np.log(totals / total))
    perfect = rest[np.arange(n), y_index] < _PERFECT_GAP
    m = theta0.shape[0]
    return InferenceResult(theta0.ravel(), cov, param_names, model.classes_,
                           lik.log_likelihood(theta0), total, what, note,
                           log_likelihood_null=null,
                           df_model=m * (p - 1), converged=converged,
                           perfectly_predicted=float(s @ perfect) / total)


def _check_optimum(lik, theta0, derivs, names):
    """Newton's method from theta0 on the (penalised) likelihood: raise if
    its maximum does not exist or the information is singular; warn if it
    is far (in standard errors) from theta0.  ``derivs`` are the
    derivatives at theta0.  Returns whether theta0 is at the maximum (to
    _MAX_SHIFT standard errors).

    Convergence is measured in log-odds, a scale-free test: Newton has
    converged when its step changes the linear predictors by at most
    _STEP_LOGIT (root-mean-square over the samples).  Under
    separation every Newton step moves the nearest samples' log-odds by
    about 1 (on exp(-a t), Newton adds 1/a to t), so it never converges;
    otherwise Newton converges quadratically from near the optimum.
    """
    shape = theta0.shape
    theta = theta0.ravel().copy()
    rms = np.tile(lik.design.column_rms(), shape[0])
    for _ in range(_NEWTON_MAX_ITER):
        g, H, _, rest = derivs
        try:
            factor = _factor(H)
        except _Singular as exc:
            raise _singular_error(exc.args[0], names, rest, lik.y, lik.s) from None
        step = _solve(factor, g)
        # A bound on the root-mean-square change of the log-odds.
        move = float((np.abs(step) * rms).sum())
        if move <= _STEP_LOGIT:
            break
        # A step that changes the log-odds by less than 0.1 (RMS) barely
        # changes the weights p (1 - p): Newton's full step is safe there.
        t = 1.0 if move <= 0.1 else _line_search(lik, theta, step, shape)
        if t == 0.0:
            break       # the gradient is at rounding level: converged
        theta = theta - t * step
        derivs = lik.derivatives(theta.reshape(shape))
    else:
        raise ValueError(
            "the maximum-likelihood estimate does not exist: the classes are "
            "(quasi-)completely separated, so the likelihood keeps increasing "
            "as the coefficients grow without bound (along "
            f"{', '.join(_culprits(step * rms, names, 0.1))}); standard errors and "
            "p-values are undefined. Remove the separating feature(s), merge "
            "categories, or fit a penalised model (whose p-values are not "
            "valid either)")
    se = np.sqrt(np.diag(_inverse(factor)))
    shift = np.abs(theta - theta0.ravel()) / se
    if shift.max() <= _MAX_SHIFT:
        return True
    warnings.warn(
        f"clogreg: the model's coefficients are {shift.max():.2g} standard "
        "errors away from the optimum of its objective on this data; the "
        "standard errors and p-values assume they are at the optimum: "
        "refit with a smaller tol (e.g. tol=1e-8), or pass the data the "
        "model was fitted on", convergence_warning(), stacklevel=4)
    return False


def _line_search(lik, theta, step, shape):
    """A t in (0, 1] with F(theta - t step) < F(theta), found from the sign
    of the directional derivative phi'(t) = -g(theta - t step) . step of
    the convex phi(t) = F(theta - t step), never from differences of F,
    which round away near a separated optimum.  0 when none is found."""
    def slope(t):
        return -float(lik.gradient((theta - t * step).reshape(shape)) @ step)

    if slope(1.0) <= 0.0:
        return 1.0      # phi decreases all the way to t = 1
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if slope(mid) < 0.0:
            lo = mid
        else:
            hi = mid
    return lo
