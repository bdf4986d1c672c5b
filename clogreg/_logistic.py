"""The ``LogisticRegression`` estimator: parameters, fit and prediction.

Design: this module only orchestrates.  Inputs go through ``_validation``,
the iterations run in ``clogreg.solvers`` and the arithmetic in
``clogreg.kernels``.  It must never copy a C-contiguous float32/float64 X,
and never store non-finite coefficients.
"""

import math
import numbers
import warnings

import numpy as np

from . import kernels, solvers
from ._exceptions import ConvergenceWarning, NotFittedError
from ._validation import check_sample_weight, check_scalar, check_X, check_y

_SOLVERS = ("auto", "lbfgs", "gd", "sgd")
_PENALTIES = ("l2", None)
_LBFGS_MEMORY = 10
_SGD_N_ITER_NO_CHANGE = 5
_SGD_DEFAULT_BATCH = 200

_STATUS_HINT = {
    1: "the solver reached max_iter={max_iter} before the gradient fell below "
       "tol={tol}; increase max_iter, scale the features, or loosen tol",
    2: "the line search could not decrease the objective any further; the "
       "problem may be badly scaled: scale the features",
}


class LogisticRegression:
    """Logistic regression (binary and multinomial) on a Cython engine.

    Minimises scikit-learn's objective ``C * sum_i s_i * loss_i + ||W||^2 / 2``
    (without the penalty when ``penalty=None`` or ``C=inf``), where ``loss_i``
    is the log-loss of sample i and ``s_i`` its weight.  The intercept is never
    penalised.  Two classes give one coefficient row (the log-odds of
    ``classes_[1]``); K >= 3 classes give the full softmax parameterisation
    with K rows.

    Parameters
    ----------
    penalty : {'l2', None}, default='l2'
        ``None`` fits without penalty.  'l1' and 'elasticnet' are planned.
    C : float, default=1.0
        Inverse regularisation strength, > 0; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : {'auto', 'lbfgs', 'gd', 'sgd'}, default='auto'
        'auto' is 'lbfgs'.  'gd' is full-batch gradient descent: fixed steps
        with ``learning_rate``, otherwise Barzilai-Borwein steps with a
        non-monotone line search.  'sgd' is mini-batch stochastic gradient
        descent with ``batch_size`` rows per step and ``max_iter`` epochs.
    tol : float, default=1e-4
        Stop when the largest absolute gradient entry of the *mean* objective
        ``(1/S) * sum_i s_i * loss_i + ||W||^2 / (2 C S)`` (with
        ``S = sum_i s_i``) is <= tol, as scikit-learn does.  For 'sgd', stop
        when the epoch's mean objective has not improved by tol for 5 epochs.
    max_iter : int, default=100
        Iterations ('lbfgs', 'gd') or epochs ('sgd').
    learning_rate : float or None, default=None
        Step size on the gradient of the mean objective.  'gd': a fixed step
        (one pass over X per iteration); None picks steps automatically.
        'sgd': the initial step, decayed as ``1/sqrt(1 + epoch)``; None uses
        ``4 / L``, with L the curvature bound ``c * lambda_max(X1'X1 / m)``
        (c = 1/4 binary, 1/2 multinomial; X1 is up to 1024 evenly spaced
        rows with a column of ones).  Logistic gradients are bounded, so
        steps above 1/L do not diverge; the tail averaging of 'sgd' absorbs
        their noise.  Ignored by 'lbfgs'.
    batch_size : int or None, default=None
        Rows per 'sgd' step, in [1, n_samples]; None means
        ``min(200, max(1, n_samples // 16))``, at least 16 steps an epoch.
    random_state : int, numpy Generator or None, default=None
        Seeds the 'sgd' shuffling.  An int gives reproducible fits.
    n_threads : int or None, default=None
        Threads of the engine.  None uses all cores, honouring
        ``OMP_NUM_THREADS``.  Results do not depend on it (bitwise).
    verbose : int, default=0
        At 1, print the objective every 10 iterations.
    callback : callable or None, default=None
        ``callback(iteration, objective)`` after every iteration; returning
        True stops the fit, keeping the coefficients reached so far.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        float32 when X was float32, else float64.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Iterations (epochs for 'sgd') run.
    n_features_in_ : int
    loss_curve_ : ndarray of shape (n_iter_,)
        Mean objective after each iteration (for 'sgd', the mean of the
        batch objectives over each epoch).

    Examples
    --------
    >>> import numpy as np
    >>> from clogreg import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> model = LogisticRegression().fit(X, y)
    >>> model.predict([[0.2], [2.8]]).tolist()
    [0, 1]
    """

    def __init__(self, penalty="l2", *, C=1.0, fit_intercept=True,
                 solver="auto", tol=1e-4, max_iter=100, learning_rate=None,
                 batch_size=None, random_state=None, n_threads=None,
                 verbose=0, callback=None):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose
        self.callback = callback

    def __repr__(self):
        defaults = LogisticRegression.__init__.__kwdefaults__
        changed = [f"{k}={getattr(self, k)!r}" for k in defaults
                   if getattr(self, k) is not defaults[k]
                   and getattr(self, k) != defaults[k]]
        if self.penalty != "l2":
            changed.insert(0, f"penalty={self.penalty!r}")
        return f"LogisticRegression({', '.join(changed)})"

    # ------------------------------------------------------------ params
    def _validated_params(self):
        if self.penalty in ("l1", "elasticnet"):
            raise ValueError(
                f"penalty={self.penalty!r} is not implemented yet; "
                "use penalty='l2' or penalty=None")
        if self.penalty not in _PENALTIES:
            raise ValueError(f"penalty must be 'l2' or None, got {self.penalty!r}")
        check_scalar(self.C, "C", low=0, low_inclusive=False, allow_inf=True)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got "
                            f"{self.fit_intercept!r}")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        check_scalar(self.tol, "tol", low=0)
        check_scalar(self.max_iter, "max_iter", kind=numbers.Integral, low=1)
        if self.learning_rate is not None:
            check_scalar(self.learning_rate, "learning_rate", low=0,
                         low_inclusive=False)
        if self.batch_size is not None:
            check_scalar(self.batch_size, "batch_size", kind=numbers.Integral,
                         low=1)
        if self.n_threads is not None:
            check_scalar(self.n_threads, "n_threads", kind=numbers.Integral,
                         low=1)
        check_scalar(self.verbose, "verbose", kind=numbers.Integral, low=0)
        if self.callback is not None and not callable(self.callback):
            raise TypeError(f"callback must be callable or None, got "
                            f"{type(self.callback).__name__}")
        rs = self.random_state
        if not (rs is None or isinstance(rs, (numbers.Integral, np.random.Generator,
                                              np.random.RandomState))
                ) or isinstance(rs, bool):
            raise TypeError("random_state must be None, an int or a numpy "
                            f"Generator, got {rs!r}")
        if isinstance(rs, numbers.Integral) and rs < 0:
            raise ValueError(f"random_state must be >= 0, got {rs}")
        solver = "lbfgs" if self.solver == "auto" else self.solver
        n_threads = (kernels.max_threads() if self.n_threads is None
                     else int(self.n_threads))
        return solver, n_threads

    def _seed(self):
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**62))
        return int(np.random.default_rng(rs).integers(0, 2**62))

    # ---------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Fit the model to X and y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.  C-contiguous float32/float64 arrays are used without
            a copy; float32 gives a float32 model.
        y : array-like of shape (n_samples,)
            Labels of any sortable type, at least two distinct values.
        sample_weight : array-like of shape (n_samples,) or None
            Non-negative, finite weights.

        Returns
        -------
        self : LogisticRegression

        Raises
        ------
        ValueError, TypeError
            For invalid input or parameters, and when the objective becomes
            NaN or infinite (too large a learning_rate, unscaled features).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> m = LogisticRegression(C=10.0).fit([[0], [1], [2], [3]], [0, 0, 1, 1])
        >>> m.coef_.shape, m.classes_.tolist()
        ((1, 1), [0, 1])
        """
        solver, n_threads = self._validated_params()
        X = check_X(X)
        classes, y_index = check_y(y, X.shape[0])
        sw = check_sample_weight(sample_weight, X.shape[0])
        n, d = X.shape
        k = 1 if classes.shape[0] == 2 else classes.shape[0]
        fit_intercept = bool(self.fit_intercept)
        weight_sum = float(n if sw is None else sw.sum())
        unpenalized = self.penalty is None or math.isinf(self.C)
        alpha = 0.0 if unpenalized else 1.0 / (float(self.C) * weight_sum)

        theta = np.zeros(k * d + (k if fit_intercept else 0))
        if fit_intercept:
            theta[k * d:] = _log_odds_start(y_index, sw, classes.shape[0])
        curve = np.zeros(self.max_iter)
        max_iter = int(self.max_iter)
        tol = float(self.tol)

        if solver == "lbfgs":
            n_iter, status, _ = solvers.lbfgs(
                X, y_index, sw, theta, k, fit_intercept, alpha, tol, max_iter,
                _LBFGS_MEMORY, n_threads, self.callback, int(self.verbose),
                curve)
        elif solver == "gd":
            lr = float(self.learning_rate or 0.0)
            step0 = 0.0
            if not lr:
                _, mean_sq = kernels._row_sqnorm_stats(X)
                step0 = 1.0 / _curvature_bound(mean_sq, fit_intercept, k, alpha)
            n_iter, status, _ = solvers.gd(
                X, y_index, sw, theta, k, fit_intercept, alpha, tol, max_iter,
                lr, step0, n_threads, self.callback, int(self.verbose), curve)
        else:
            batch = (min(_SGD_DEFAULT_BATCH, max(1, n // 16))
                     if self.batch_size is None else int(self.batch_size))
            if batch > n:
                raise ValueError(f"batch_size={batch} is larger than the "
                                 f"number of samples ({n}); use at most {n}")
            lr = self.learning_rate
            if lr is None:
                lr = _sgd_default_step(X, fit_intercept, k, alpha)
            n_iter, status, _ = solvers.sgd(
                X, y_index, sw, theta, k, fit_intercept, alpha, tol, max_iter,
                float(lr), batch, self._seed(), _SGD_N_ITER_NO_CHANGE,
                n_threads, self.callback, int(self.verbose), curve)

        if status == 3:
            raise ValueError(
                f"the objective became NaN or infinite at iteration "
                f"{n_iter + 1} of solver {solver!r}; the steps are too large "
                "for this data: use a smaller learning_rate, or standardize the "
                "features (zero mean, unit variance) before fitting")
        if status in _STATUS_HINT:
            warnings.warn(
                f"clogreg: {_STATUS_HINT[status].format(max_iter=max_iter, tol=tol)}",
                ConvergenceWarning, stacklevel=2)

        self.classes_ = classes
        self.coef_ = theta[:k * d].reshape(k, d).astype(X.dtype)
        self.intercept_ = (theta[k * d:].astype(X.dtype) if fit_intercept
                           else np.zeros(k, dtype=X.dtype))
        self.n_iter_ = int(n_iter)
        self.n_features_in_ = d
        self.loss_curve_ = curve[:n_iter].copy()
        return self

    @classmethod
    def from_coef(cls, coef, intercept, classes=(0, 1)):
        """Build a fitted model from known coefficients.

        Parameters
        ----------
        coef : array-like of shape (1, n_features) for two classes, or
            (n_classes, n_features) for three or more.
        intercept : array-like of shape (coef.shape[0],)
        classes : sequence of labels, sorted ascending, default (0, 1)

        Returns
        -------
        LogisticRegression

        Examples
        --------
        The AND gate of the seeds:

        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.predict([[0, 0], [0, 1], [1, 0], [1, 1]]).tolist()
        [0, 0, 0, 1]
        """
        coef = check_X(coef, name="coef")
        if np.ndim(classes) != 1 or len(classes) < 2:
            raise ValueError("classes must be a 1-D sequence of at least two "
                             "labels")
        unordered = ValueError("classes must be distinct and sorted ascending; "
                               "coef rows follow that order")
        try:
            uniq, codes = check_y(classes, len(classes))
        except (ValueError, TypeError) as exc:
            if str(exc).startswith("y has a single class"):
                raise unordered from None
            raise type(exc)(f"invalid classes: {exc}") from None
        if uniq.shape[0] != codes.shape[0] or (
                codes != np.arange(codes.shape[0])).any():
            raise unordered
        classes = uniq
        k = 1 if classes.shape[0] == 2 else classes.shape[0]
        if coef.shape[0] != k:
            raise ValueError(f"coef must have {k} row(s) for {classes.shape[0]} "
                             f"classes, got shape {coef.shape}")
        intercept = np.asarray(intercept)
        if intercept.dtype.kind not in "biuf":
            raise TypeError(f"intercept must be numeric, got dtype {intercept.dtype}")
        intercept = intercept.astype(coef.dtype).reshape(-1)
        if intercept.shape != (k,):
            raise ValueError(f"intercept must have shape ({k},), got "
                             f"{np.shape(intercept)}")
        if not np.isfinite(intercept).all():
            raise ValueError("intercept contains NaN or infinity")
        model = cls()
        model.classes_ = classes
        model.coef_ = coef.copy()
        model.intercept_ = intercept.copy()
        model.n_iter_ = 0
        model.n_features_in_ = coef.shape[1]
        model.loss_curve_ = np.zeros(0)
        return model

    # ---------------------------------------------------------- prediction
    def _check_predict_input(self, X):
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                "this LogisticRegression is not fitted yet; call fit(X, y) "
                "first")
        X = check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but this model was "
                             f"fitted with {self.n_features_in_}")
        coef = np.ascontiguousarray(self.coef_, dtype=np.float64)
        intercept = np.ascontiguousarray(self.intercept_, dtype=np.float64)
        return X, coef, intercept

    def _threads(self):
        return kernels.max_threads() if self.n_threads is None else int(self.n_threads)

    def decision_function(self, X):
        """Scores: log-odds of ``classes_[1]`` (shape (n,)) for two classes,
        else the K softmax logits (shape (n, K)).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.decision_function([[1, 1]]).tolist()
        [1.0]
        """
        X, coef, intercept = self._check_predict_input(X)
        out = np.empty((X.shape[0], coef.shape[0]), dtype=X.dtype)
        kernels._predict_into(0, X, coef, intercept, out, None, self._threads())
        return out.ravel() if coef.shape[0] == 1 else out

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the
        order of ``classes_``.  The dtype follows X (float32 or float64).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.predict_proba([[1, 1]])[:, 1].round(4).tolist()
        [0.7311]
        """
        X, coef, intercept = self._check_predict_input(X)
        out = np.empty((X.shape[0], max(coef.shape[0], 2)), dtype=X.dtype)
        kernels._predict_into(1, X, coef, intercept, out, None, self._threads())
        return out

    def predict_log_proba(self, X):
        """Log of ``predict_proba``, computed without rounding tiny
        probabilities to 0 first.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> float(gate.predict_log_proba([[0, 0]])[0, 1].round(4))
        -4.0181
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            # log sigmoid(z) = -log(1 + exp(-z))
            return np.column_stack([-np.logaddexp(0, scores),
                                    -np.logaddexp(0, -scores)])
        top = scores.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
        return scores - lse

    def predict(self, X):
        """Most probable class of each row, as labels from ``classes_``.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0],
        ...                                     classes=["off", "on"])
        >>> gate.predict([[1, 1], [0, 1]]).tolist()
        ['on', 'off']
        """
        X, coef, intercept = self._check_predict_input(X)
        idx = np.empty(X.shape[0], dtype=np.intp)
        kernels._predict_into(2, X, coef, intercept, None, idx, self._threads())
        return self.classes_.take(idx)

    def score(self, X, y, sample_weight=None):
        """Accuracy (weighted when ``sample_weight`` is given).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.score([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])
        1.0
        """
        pred = self.predict(X)
        y = np.asarray(y)
        if y.shape != pred.shape:
            raise ValueError(f"y has shape {y.shape}, expected {pred.shape}")
        sw = check_sample_weight(sample_weight, pred.shape[0])
        return float(np.average(pred == y, weights=sw))


def _log_odds_start(y_index, sample_weight, n_classes):
    """Intercepts that reproduce the weighted class frequencies: the exact
    optimum for a model without features, and a good start otherwise."""
    counts = np.bincount(y_index, weights=sample_weight, minlength=n_classes)
    freq = np.maximum(counts / counts.sum(), 1e-12)
    log_freq = np.log(freq)
    if n_classes == 2:
        return np.array([log_freq[1] - log_freq[0]])
    return log_freq - log_freq.mean()


def _sgd_default_step(X, fit_intercept, k, alpha):
    """4 / L, L = c * top eigenvalue of the second-moment matrix of up to
    1024 evenly spaced rows (20 power iterations on a small copy)."""
    n = X.shape[0]
    rows = X[np.linspace(0, n - 1, min(n, 1024)).astype(np.intp)].astype(np.float64)
    if fit_intercept:
        rows = np.hstack([rows, np.ones((rows.shape[0], 1))])
    v = np.ones(rows.shape[1]) / math.sqrt(rows.shape[1])
    lam = 0.0
    for _ in range(20):
        w = rows.T @ (rows @ v) / rows.shape[0]
        lam = float(np.linalg.norm(w))
        if lam == 0.0:
            break
        v = w / lam
    c = 0.25 if k == 1 else 0.5
    return 4.0 / (c * lam + alpha) if c * lam + alpha > 0 else 1.0


def _curvature_bound(mean_or_max_sq_norm, fit_intercept, k, alpha):
    """Upper bound on the Hessian of the mean objective (or of one sample's
    term): sigmoid' <= 1/4 and the softmax Hessian <= 1/2 in operator norm,
    times the squared row norm (+1 for the intercept column)."""
    c = 0.25 if k == 1 else 0.5
    return c * (mean_or_max_sq_norm + (1.0 if fit_intercept else 0.0)) + alpha
