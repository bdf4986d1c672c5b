"""``LogisticRegressionCV``: the penalty strength chosen by cross-validation.

Design: each fold is one call of the shared path routine
(``_path.fit_path``, the engine of ``LogisticRegression.fit``): the fold's
column statistics are computed once, and its Cs are solved from the
strongest penalty to the weakest, each warm-started from the previous
optimum.  Folds run in threads (the engine releases the GIL), each with its
own objective and estimators, so results do not depend on ``n_jobs``.  The
parameters are validated by a ``LogisticRegression`` built with the same
values, and prediction is ``LogisticRegression``'s own code.  The folds
(stratified K-fold, as scikit-learn's ``StratifiedKFold(shuffle=False)``)
and the scores are computed here in numpy.

What it must never do: import scikit-learn at run time, or let one fold's
state reach another.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._exceptions import convergence_warning
from ._logistic import _STATUS_HINT, LogisticRegression, _is_balanced, _refuse_dask
from ._path import column_statistics, fit_path, uses_preconditioner
from ._typing import ClassWeight, CVPenaltyName, ScoringName, SolverName
from ._validation import (
    as_row_matrix,
    check_sample_weight,
    check_scalar,
    check_X,
    check_y,
    feature_names,
)

_SCORINGS = ("accuracy", "neg_log_loss", "neg_brier_score", "roc_auc",
             "balanced_accuracy", "f1")


class LogisticRegressionCV:
    """Logistic regression with C (and l1_ratio) chosen by cross-validation.

    scikit-learn's ``LogisticRegressionCV`` (1.9) interface on clogreg's
    engine.  For each fold and each l1_ratio, the Cs are fitted as one
    warm-started path, strongest penalty first, on the fold's training
    rows; each fitted model is scored on the fold's test rows.  The best
    (C, l1_ratio) maximises the score summed over folds; with
    ``refit=True`` the model is then fitted on all the data at that point,
    starting from the folds' mean coefficients there.

    Parameters
    ----------
    Cs : int or array-like of floats, default=10
        The Cs to try; an int n means ``np.logspace(-4, 4, n)``.
    l1_ratios : array-like of floats in [0, 1] or None, default=None
        Elastic-net mixes to try.  None (or all 0) is the L2 penalty, all 1
        the L1 penalty; otherwise each value is an elastic-net penalty
        ``l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2``.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator, iterable or None, default=None
        None means 5.  An int is the number of stratified folds (the folds
        of scikit-learn's ``StratifiedKFold(n_splits)``, unshuffled).  An
        object with a ``split(X, y)`` method (any scikit-learn splitter),
        or an iterable of (train, test) index arrays, gives its folds.
    dual : bool, default=False
        Only False: clogreg solves the primal problem.
    penalty : {'l2', 'l1', 'elasticnet'} or 'deprecated', default='deprecated'
        As in scikit-learn, where it is deprecated: l1_ratios alone selects
        the penalty when this is left at 'deprecated'.
    scoring : str, callable or None, default=None
        None or 'accuracy' (weighted accuracy), 'neg_log_loss',
        'neg_brier_score', 'roc_auc' (binary), 'balanced_accuracy', 'f1' (binary, the
        positive class being ``classes_[1]``), all computed in numpy as
        scikit-learn's metrics; or a callable ``scorer(estimator, X, y)``
        (given ``sample_weight=`` too when fit has sample weights).
    solver : str, default='lbfgs'
        Any solver ``LogisticRegression`` accepts.
    tol : float, default=1e-4
    max_iter : int, default=100
        Iteration limit of each point of the path and of the refit.
    class_weight : dict, 'balanced' or None, default=None
        'balanced' weighs each class by ``S / (n_classes * S_k)`` with S_k
        the total sample weight of class k over *all* the data (as
        scikit-learn), the same weights in every fold.
    n_jobs : int or None, default=None
        Folds fitted in parallel threads: None is 1, -1 all processors.
        The results do not depend on it (bitwise).
    verbose : int, default=0
        Passed to the solvers.
    refit : bool, default=True
        Refit on all the data at the best point.  False: ``coef_`` is the
        mean over folds of each fold's best coefficients, and ``C_`` the
        mean of their Cs.
    intercept_scaling : float, default=1.0
        Accepted for scikit-learn compatibility; the intercept is never
        penalised here, so it has no effect.
    random_state : int, numpy Generator or None, default=None
        Drives the 'sgd' solver's shuffling; the folds never shuffle.
    use_legacy_attributes : bool, default=True
        True: scikit-learn 1.9's default shapes (``C_`` an array,
        ``scores_``/``coefs_paths_`` dicts keyed by class).  False: its
        new ones (floats and plain arrays, see Attributes).
    standardize : bool, default=False
        As in ``LogisticRegression``, in every fit.
    n_threads : int or None, default=None
        Engine threads, shared among the parallel folds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        ``[None]`` when l1_ratios is None.
    C_, l1_ratio_ : ndarray of shape (n_classes,) or (1,); floats without
        legacy attributes
    coefs_paths_ : dict of class -> ndarray of shape (n_folds, n_cs, n_dof),
        or (n_folds, n_cs, n_l1_ratios, n_dof) when l1_ratios is given
        (n_dof = n_features + fit_intercept, the intercept last); binary
        problems have the one key ``classes_[1]``.  Without legacy
        attributes: an array (n_folds, n_l1_ratios, n_cs, n_rows, n_dof).
    scores_ : dict of class -> ndarray of shape (n_folds, n_cs) (or
        (n_folds, n_cs, n_l1_ratios)), the same for every key; without
        legacy attributes an array (n_folds, n_l1_ratios, n_cs).
    n_iter_ : ndarray of shape (1, n_folds, n_cs) (or (1, n_folds, n_cs,
        n_l1_ratios)); without legacy attributes (n_folds, n_l1_ratios,
        n_cs).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from clogreg import LogisticRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = (X[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    >>> model = LogisticRegressionCV(Cs=[0.01, 1.0, 100.0], cv=4).fit(X, y)
    >>> model.scores_[1].shape, float(model.C_[0])
    ((4, 3), 0.01)
    """

    # The fitted attributes (set by fit).
    classes_: NDArray[Any]
    coef_: NDArray[np.floating[Any]]
    intercept_: NDArray[np.floating[Any]]
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]
    Cs_: NDArray[np.float64]
    l1_ratios_: NDArray[Any]
    # arrays with the legacy attributes, floats without (see Attributes)
    C_: NDArray[np.float64] | float
    l1_ratio_: NDArray[Any] | float | None
    coefs_paths_: dict[Any, NDArray[np.float64]] | NDArray[np.float64]
    scores_: dict[Any, NDArray[np.float64]] | NDArray[np.float64]
    n_iter_: NDArray[np.int32]

    def __init__(self, *, Cs: int | ArrayLike = 10,
                 l1_ratios: ArrayLike | None = None, fit_intercept: bool = True,
                 cv: Any = None, dual: bool = False,
                 penalty: CVPenaltyName = "deprecated",
                 scoring: ScoringName | Callable[..., float] | None = None,
                 solver: SolverName = "lbfgs",
                 tol: float = 1e-4, max_iter: int = 100,
                 class_weight: ClassWeight = None,
                 n_jobs: int | None = None, verbose: int = 0,
                 refit: bool = True, intercept_scaling: float = 1.0,
                 random_state: int | np.random.Generator | np.random.RandomState
                 | None = None,
                 use_legacy_attributes: bool = True,
                 standardize: bool = False,
                 n_threads: int | None = None) -> None:
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.standardize = standardize
        self.n_threads = n_threads

    def __repr__(self):
        defaults = LogisticRegressionCV.__init__.__kwdefaults__
        changed = [f"{k}={getattr(self, k)!r}" for k in defaults
                   if getattr(self, k) is not defaults[k]
                   and not _equal(getattr(self, k), defaults[k])]
        return f"LogisticRegressionCV({', '.join(changed)})"

    # The scikit-learn protocol and prediction are LogisticRegression's own
    # code: it reads only the constructor's signature and the fitted
    # attributes (coef_, intercept_, classes_, n_features_in_,
    # feature_names_in_, n_threads), which this class has too.
    _param_names = LogisticRegression.__dict__["_param_names"]   # a classmethod
    __sklearn_is_fitted__ = LogisticRegression.__sklearn_is_fitted__
    __sklearn_tags__ = LogisticRegression.__sklearn_tags__
    _estimator_type = "classifier"
    _threads = LogisticRegression._threads
    _check_predict_input = LogisticRegression._check_predict_input
    _predict = LogisticRegression._predict
    if TYPE_CHECKING:
        # The public borrowed methods as a type checker must see them here:
        # LogisticRegression's own are typed with its class as self.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...
        def set_params(self, **params: Any) -> LogisticRegressionCV: ...
        def decision_function(self, X: ArrayLike) -> np.ndarray: ...
        def predict_proba(self, X: ArrayLike) -> np.ndarray: ...
        def predict_log_proba(self, X: ArrayLike) -> np.ndarray: ...
        def predict(self, X: ArrayLike) -> np.ndarray: ...
    else:
        get_params = LogisticRegression.get_params
        set_params = LogisticRegression.set_params
        decision_function = LogisticRegression.decision_function
        predict_proba = LogisticRegression.predict_proba
        predict_log_proba = LogisticRegression.predict_log_proba
        predict = LogisticRegression.predict

    # ------------------------------------------------------------ params
    def _penalty_and_l1_ratios(self):
        """(penalty, l1_ratios_), as scikit-learn 1.9 derives them."""
        l1_ratios = self.l1_ratios
        if l1_ratios is not None:
            l1_ratios = list(np.atleast_1d(np.asarray(l1_ratios, dtype=object)))
        penalty = self.penalty
        if penalty == "deprecated":
            if l1_ratios is None or all(_is_number(r) and r == 0
                                        for r in l1_ratios):
                penalty = "l2"
            elif all(_is_number(r) and r == 1 for r in l1_ratios):
                penalty = "l1"
            else:
                penalty = "elasticnet"
        elif penalty not in ("l1", "l2", "elasticnet"):
            raise ValueError("penalty must be 'l1', 'l2', 'elasticnet' or left "
                             f"at 'deprecated' (use l1_ratios), got {penalty!r}")
        if penalty == "elasticnet":
            if not l1_ratios or not all(_is_number(r) and 0 <= r <= 1
                                        for r in l1_ratios):
                raise ValueError("l1_ratios must be an array-like of numbers "
                                 f"between 0 and 1; got (l1_ratios={self.l1_ratios!r})")
            return penalty, [float(r) for r in l1_ratios]
        if l1_ratios is None:
            return penalty, [None]
        return penalty, l1_ratios

    def _Cs(self):
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            check_scalar(self.Cs, "Cs", kind=numbers.Integral, low=1)
            return np.logspace(-4, 4, int(self.Cs))
        try:
            Cs = np.asarray(self.Cs, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError("Cs must be an int (the number of Cs on a log grid "
                            f"from 1e-4 to 1e4) or a list of floats, got "
                            f"{self.Cs!r}") from None
        if Cs.size == 0 or not (Cs > 0).all() or np.isnan(Cs).any():
            raise ValueError(f"Cs must be positive numbers, got {self.Cs!r}")
        return Cs

    def _estimator(self, penalty, l1_ratio, C=1.0, class_weight=None):
        """A LogisticRegression with this model's parameters at one point."""
        params = dict(penalty=penalty, C=float(C),
                      l1_ratio=l1_ratio if penalty == "elasticnet" else None,
                      fit_intercept=self.fit_intercept, solver=self.solver,
                      tol=self.tol, max_iter=self.max_iter,
                      class_weight=class_weight, standardize=self.standardize,
                      random_state=self.random_state, n_threads=self.n_threads,
                      verbose=self.verbose)
        accepted = set(LogisticRegression._param_names())
        for name in ("dual", "intercept_scaling"):
            if name in accepted:
                params[name] = getattr(self, name)
        return LogisticRegression(**params)

    def _validated(self):
        for name in ("refit", "use_legacy_attributes", "dual"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got "
                                f"{getattr(self, name)!r}")
        if self.dual and "dual" not in LogisticRegression._param_names():
            raise ValueError("dual=True is not supported: clogreg solves the "
                             "primal problem; use dual=False")
        penalty, l1_ratios = self._penalty_and_l1_ratios()
        Cs = self._Cs()
        check_scalar(self.intercept_scaling, "intercept_scaling", low=0,
                     low_inclusive=False)
        if self.n_jobs is not None:
            check_scalar(self.n_jobs, "n_jobs", kind=numbers.Integral, low=-1)
            if self.n_jobs == 0:
                raise ValueError("n_jobs must be None, -1 or a positive int, got 0")
        scoring = self.scoring
        if not (scoring is None or callable(scoring) or scoring in _SCORINGS):
            raise ValueError(f"scoring must be None, a callable scorer(estimator, "
                             f"X, y) or one of {_SCORINGS}, got {scoring!r}")
        # every other parameter is LogisticRegression's, validated there
        cw = self.class_weight
        probe = self._estimator(penalty, l1_ratios[-1], Cs[0],
                                None if _is_balanced(cw) else cw)
        solver, n_threads = probe._validated_params()
        return penalty, l1_ratios, Cs, solver, n_threads

    # ---------------------------------------------------------------- fit
    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | None = None) -> LogisticRegressionCV:
        """Cross-validate the Cs (and l1_ratios), then fit at the best.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the training rows in every fit, and of the test
            rows in every score.

        Returns
        -------
        self : LogisticRegressionCV

        Examples
        --------
        >>> from clogreg import LogisticRegressionCV
        >>> X = [[0.0], [0.2], [1.0], [1.2], [2.0], [2.2], [3.0], [3.2]]
        >>> y = [0, 0, 0, 1, 0, 1, 1, 1]
        >>> LogisticRegressionCV(Cs=3, cv=2).fit(X, y).Cs_.tolist()
        [0.0001, 1.0, 10000.0]
        """
        _refuse_dask("LogisticRegressionCV.fit", (X, y, sample_weight),
                     "its folds are fitted in memory: pass X.compute(), or "
                     "cross-validate LogisticRegression fits on Dask "
                     "(LogisticRegression(C=C).fit on each fold)")
        penalty, l1_ratios, Cs, solver, n_threads = self._validated()
        names = feature_names(X)
        X = check_X(X, accept_sparse=True)
        classes, y_index = check_y(y, X.shape[0])
        sw = check_sample_weight(sample_weight, X.shape[0])
        n, d = X.shape
        k = 1 if classes.shape[0] == 2 else classes.shape[0]
        class_weight = self.class_weight
        if _is_balanced(class_weight):
            # over all the data, with the sample weights, as scikit-learn
            counts = np.bincount(y_index, weights=sw, minlength=classes.shape[0])
            per_class = counts.sum() / (classes.shape[0] * counts)
            class_weight = dict(zip(classes.tolist(), per_class.tolist(),
                                    strict=True))
        folds = _folds(self.cv, X, np.asarray(y) if not hasattr(y, "iloc")
                       else y.to_numpy(), y_index, n)
        n_workers = _workers(self.n_jobs, len(folds))
        fold_threads = max(1, n_threads // n_workers)
        # strongest penalty (smallest C) first; results in the order of Cs
        order = np.argsort(Cs, kind="stable")
        estimators = [self._estimator(penalty, r, 1.0, class_weight)
                      for r in l1_ratios]
        for est in estimators:
            est.n_threads = fold_threads

        def run_fold(fold):
            train, test = fold
            return _fit_fold(estimators, solver, fold_threads, X, classes,
                             y_index, sw, Cs, order, train, test, self.scoring)

        if n_workers == 1:
            results = [run_fold(f) for f in folds]
        else:
            with ThreadPoolExecutor(n_workers) as pool:
                results = list(pool.map(run_fold, folds))

        n_folds, n_l1, n_cs = len(folds), len(l1_ratios), Cs.shape[0]
        # paths[f, l, c] = (rows of [coef | intercept]); scores[f, l, c]
        paths = np.array([r[0] for r in results])     # (f, l, c, k, d + b)
        scores = np.array([r[1] for r in results])    # (f, l, c)
        n_iter = np.array([r[2] for r in results])    # (f, l, c)
        statuses = {s for r in results for s in r[3]}
        for status in sorted(statuses):
            if status in _STATUS_HINT:
                warnings.warn(
                    "clogreg: in a cross-validation fit, "
                    + _STATUS_HINT[status].format(max_iter=self.max_iter,
                                                  tol=self.tol),
                    convergence_warning(), stacklevel=2)

        Cs_arr = Cs
        if self.refit:
            total = scores.sum(axis=0).T                   # (c, l)
            c_best, l_best = np.unravel_index(np.argmax(total), total.shape)
            C_best, l1_best = Cs_arr[c_best], l1_ratios[l_best]
            mean_path = paths[:, l_best, c_best].mean(axis=0)   # (k, d + b)
            start = LogisticRegression(**estimators[l_best].get_params())
            start.set_params(C=float(C_best), warm_start=True)
            start.classes_ = classes
            start.coef_ = mean_path[:, :d].copy()
            start.intercept_ = (mean_path[:, d].copy() if self.fit_intercept
                                else np.zeros(k))
            start.n_threads = self.n_threads
            model = start.fit(X, classes.take(y_index), sample_weight=sw)
            coef = model.coef_
            intercept = model.intercept_
            C_out = [float(C_best)]
            l1_out = [l1_best]
        else:
            flat = scores.transpose(0, 2, 1).reshape(n_folds, -1)  # (f, c * l)
            best = np.argmax(flat, axis=1)
            c_idx, l_idx = np.unravel_index(best, (n_cs, n_l1))
            w = np.mean([paths[f, l_idx[f], c_idx[f]] for f in range(n_folds)],
                        axis=0)
            coef = w[:, :d].astype(X.dtype)
            intercept = (w[:, d] if self.fit_intercept else np.zeros(k)
                         ).astype(X.dtype)
            C_out = [float(np.mean(Cs_arr[c_idx]))]
            l1_out = [float(np.mean(np.asarray(l1_ratios, dtype=float)[l_idx]))
                      if penalty == "elasticnet" else 0.0]

        self.classes_ = classes
        self.coef_ = np.asarray(coef)
        self.intercept_ = np.asarray(intercept)
        self.n_features_in_ = d
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names
        self.Cs_ = Cs_arr
        self.l1_ratios_ = np.asarray(l1_ratios)
        keys = classes[1:] if k == 1 else classes
        no_l1_axis = self.l1_ratios is None
        if self.use_legacy_attributes:
            self.C_ = np.repeat(np.asarray(C_out), len(keys) if k > 1 else 1)
            self.l1_ratio_ = np.repeat(np.asarray(l1_out), len(keys) if k > 1 else 1)
            # (f, l, c, k, dof) -> per class (f, c, l, dof)
            per_class = paths.transpose(3, 0, 2, 1, 4)
            sc = scores.transpose(0, 2, 1)                  # (f, c, l)
            it = n_iter.transpose(0, 2, 1)[None]            # (1, f, c, l)
            if no_l1_axis:
                per_class, sc, it = per_class[..., 0, :], sc[..., 0], it[..., 0]
            self.coefs_paths_ = {key: per_class[i] for i, key in enumerate(keys)}
            self.scores_ = {key: sc.copy() for key in keys}
            self.n_iter_ = it
        else:
            self.C_ = float(C_out[0])
            if no_l1_axis:
                self.l1_ratio_ = 1.0 if penalty == "l1" else 0.0
            else:
                self.l1_ratio_ = float(l1_out[0])
            self.coefs_paths_ = paths
            self.scores_ = scores
            self.n_iter_ = n_iter
        return self

    def score(self, X: ArrayLike, y: ArrayLike,
              sample_weight: ArrayLike | None = None) -> float:
        """The ``scoring`` of this model on X, y (accuracy for None).

        Examples
        --------
        >>> from clogreg import LogisticRegressionCV
        >>> X = [[0.0], [0.2], [1.0], [1.2], [2.0], [2.2], [3.0], [3.2]]
        >>> y = [0, 0, 0, 1, 0, 1, 1, 1]
        >>> model = LogisticRegressionCV(Cs=3, cv=2, scoring="roc_auc").fit(X, y)
        >>> model.score(X, y)
        0.9375
        """
        sw = None
        X_checked = check_X(X, accept_sparse=True, defer_finite=True)
        if sample_weight is not None:
            sw = check_sample_weight(sample_weight, X_checked.shape[0])
        y = np.asarray(y)
        if y.shape != (X_checked.shape[0],):
            raise ValueError(f"y has shape {y.shape}, expected "
                             f"({X_checked.shape[0]},): one label per row of X")
        return _score(self.scoring, self, X, y, sw, self.classes_)


# ------------------------------------------------------------------ folds
def _folds(cv, X, y, y_index, n):
    """The list of (train, test) index arrays that ``cv`` describes."""
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        check_scalar(cv, "cv", kind=numbers.Integral, low=2)
        return stratified_k_fold(y, int(cv))
    folds = None
    if isinstance(cv, (str, bytes)):
        pass
    elif hasattr(cv, "split"):
        folds = cv.split(X, y)
    elif isinstance(cv, Iterable):
        folds = cv
    if folds is None:
        raise TypeError("cv must be None, an int (the number of stratified "
                        "folds), an object with a split(X, y) method or an "
                        f"iterable of (train, test) index arrays, got {cv!r}")
    out = []
    for pair in folds:
        try:
            train, test = pair
        except (TypeError, ValueError):
            raise ValueError("each fold of cv must be a (train, test) pair of "
                             "index arrays") from None
        out.append((_indices(train, n, "train"), _indices(test, n, "test")))
    if not out:
        raise ValueError("cv gave no folds")
    return out


def _indices(idx, n, what):
    idx = np.asarray(idx)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"a boolean {what} mask must have one entry per "
                             f"sample ({n}), got shape {idx.shape}")
        return np.flatnonzero(idx)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise ValueError(f"cv's {what} indices must be a 1-D integer array")
    idx = idx.astype(np.intp)
    if idx.size == 0:
        raise ValueError(f"a fold of cv has an empty {what} set")
    if idx.min() < -n or idx.max() >= n:
        raise ValueError(f"cv's {what} indices must lie in [0, {n}), got "
                         f"{idx.min()}..{idx.max()}")
    return idx


def stratified_k_fold(y, n_splits):
    """(train, test) index pairs of stratified K-fold without shuffling:
    the folds of scikit-learn's ``StratifiedKFold(n_splits)``.

    Classes are numbered in the order of their first appearance in y; the
    labels sorted by that number are dealt round-robin to the folds, which
    fixes how many samples of each class each fold tests; each class's
    samples then go, in their order in y, to fold 0 first, then fold 1...

    Examples
    --------
    >>> from clogreg._cv import stratified_k_fold
    >>> [test.tolist() for _, test in stratified_k_fold([0, 0, 1, 1, 0, 1], 3)]
    [[0, 2], [1, 3], [4, 5]]
    """
    y = np.asarray(y)
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    rank = np.empty(first.shape[0], dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
    code = rank[inverse]                    # class number by first appearance
    n_classes = first.shape[0]
    counts = np.bincount(code, minlength=n_classes)
    if np.all(n_splits > counts):
        raise ValueError(f"n_splits={n_splits} cannot be greater than the number "
                         "of members in each class; use a smaller cv")
    if n_splits > counts.min():
        warnings.warn(f"The least populated class in y has only {counts.min()} "
                      f"members, which is less than n_splits={n_splits}.",
                      UserWarning, stacklevel=4)
    dealt = np.sort(code)
    # per[f, c]: test samples of class c in fold f
    per = np.array([np.bincount(dealt[f::n_splits], minlength=n_classes)
                    for f in range(n_splits)])
    test_fold = np.empty(y.shape[0], dtype=np.intp)
    for c in range(n_classes):
        test_fold[code == c] = np.repeat(np.arange(n_splits), per[:, c])
    everything = np.arange(y.shape[0])
    return [(everything[test_fold != f], everything[test_fold == f])
            for f in range(n_splits)]


def _workers(n_jobs, n_tasks):
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, min(int(n_jobs), n_tasks))


# ------------------------------------------------------------------ one fold
def _fit_fold(estimators, solver, n_threads, X, classes, y_index, sw, Cs,
              order, train, test, scoring):
    """Fit the path of every l1_ratio on the training rows, score every
    point on the test rows: (paths (l, c, k, dof), scores (l, c),
    n_iter (l, c), statuses)."""
    X_train, X_test = X[train], X[test]
    y_train = y_index[train]
    sw_train = None if sw is None else sw[train]
    sw_test = None if sw is None else sw[test]
    y_test = classes.take(y_index[test])
    Xm = as_row_matrix(X_train)
    d = X.shape[1]
    k = 1 if classes.shape[0] == 2 else classes.shape[0]
    stats = None
    paths, scores, n_iters, statuses = [], [], [], []
    for est in estimators:
        w = est._class_weighted(classes, y_train, sw_train)
        weight_sum = float(X_train.shape[0] if w is None else w.sum())
        if not weight_sum > 0:
            raise ValueError("a training fold has total weight 0; give its "
                             "samples positive weights or use other folds")
        if stats is None and (est.standardize or uses_preconditioner(est, solver)):
            stats = column_statistics(Xm, w)   # once per fold
        points = [LogisticRegression(**{**est.get_params(), "C": float(c)})
                  for c in Cs[order]]
        penalties = [m._penalty_strengths(weight_sum) for m in points]
        path = fit_path(est, X_train, Xm, classes, y_train, w, solver, n_threads,
                        penalties, stats=stats)
        if path.points[-1].status == 3:
            est._raise_or_warn(3, path.points[-1].n_iter, solver, est.max_iter,
                               est.tol)
        row_paths = [None] * len(Cs)
        row_scores = [None] * len(Cs)
        row_iter = [0] * len(Cs)
        for j, (model, point) in enumerate(zip(points, path.points, strict=True)):
            model._store(point.theta, classes, k, d, X.dtype, path.mean,
                         point.scale)
            statuses.append(point.status)
            coef = np.asarray(model.coef_, dtype=np.float64)
            if est.fit_intercept:
                coef = np.column_stack([coef, model.intercept_])
            i = order[j]
            row_paths[i] = coef
            row_iter[i] = point.n_iter
            row_scores[i] = _score(scoring, model, X_test, y_test, sw_test,
                                   classes)
        paths.append(row_paths)
        scores.append(row_scores)
        n_iters.append(row_iter)
    return paths, scores, n_iters, statuses


# ------------------------------------------------------------------ scores
def _score(scoring, model, X, y, sw, classes):
    """The score of a fitted model on (X, y), weighted by sw."""
    if callable(scoring):
        if sw is None:
            return float(scoring(model, X, y))
        return float(scoring(model, X, y, sample_weight=sw))
    if scoring is None or scoring == "accuracy":
        return accuracy(y, model.predict(X), sw)
    if scoring == "balanced_accuracy":
        return balanced_accuracy(y, model.predict(X), sw)
    if scoring == "f1":
        return f1(y, model.predict(X), classes, sw)
    if scoring == "neg_log_loss":
        return -log_loss(y, model.predict_proba(X), classes, sw)
    if scoring == "neg_brier_score":
        return -brier_score(y, model.predict_proba(X), classes, sw)
    return roc_auc(y, model.decision_function(X), classes, sw)


def accuracy(y, pred, sw=None):
    """Weighted share of correct predictions: sum_i s_i [pred_i = y_i] / S."""
    return float(np.average(np.asarray(pred) == np.asarray(y), weights=sw))


def balanced_accuracy(y, pred, sw=None):
    """Mean over the classes present in y of the (weighted) recall
    ``sum_{i: y_i = c} s_i [pred_i = c] / sum_{i: y_i = c} s_i``; a class
    only predicted has no recall and is left out (with a warning), as in
    scikit-learn."""
    y, pred = np.asarray(y), np.asarray(pred)
    w = np.ones(y.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    labels = np.union1d(y, pred)
    recalls = []
    for c in labels:
        mask = y == c
        support = w[mask].sum()
        if support == 0:
            continue
        recalls.append(w[mask & (pred == c)].sum() / support)
    if len(recalls) < labels.shape[0]:
        warnings.warn("y_pred contains classes not in y_true", UserWarning,
                      stacklevel=3)
    return float(np.mean(recalls))


def f1(y, pred, classes, sw=None):
    """F1 of the positive class ``classes[-1]`` (binary problems):
    2 TP / (2 TP + FP + FN), weighted; 0 when there is no positive in y
    nor pred, as scikit-learn's zero_division default."""
    if classes.shape[0] > 2:
        raise ValueError("scoring='f1' is for binary problems: target is "
                         "multiclass but average='binary'; use a callable "
                         "scorer for a multiclass F1")
    y, pred = np.asarray(y), np.asarray(pred)
    w = np.ones(y.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    pos = classes[-1]
    tp = w[(y == pos) & (pred == pos)].sum()
    fp = w[(y != pos) & (pred == pos)].sum()
    fn = w[(y == pos) & (pred != pos)].sum()
    denom = 2 * tp + fp + fn
    return float(2 * tp / denom) if denom > 0 else 0.0


def log_loss(y, proba, classes, sw=None):
    """Weighted mean of -log p_i(y_i), the probabilities clipped to
    [eps, 1 - eps] (eps of float64), as scikit-learn's log_loss."""
    proba = np.asarray(proba, dtype=np.float64)
    eps = np.finfo(np.float64).eps
    col = np.searchsorted(classes, y)
    if not np.array_equal(classes.take(np.minimum(col, classes.shape[0] - 1)), y):
        raise ValueError("y has labels that are not classes of the model")
    p = np.clip(proba[np.arange(proba.shape[0]), col], eps, 1 - eps)
    return float(np.average(-np.log(p), weights=sw))


def brier_score(y, proba, classes, sw=None):
    """Weighted mean of the squared distance between the probabilities and
    the one-hot labels, ``sum_k (p_ik - [y_i = c_k])^2``, halved for two
    classes (where it equals ``(p_i1 - [y_i = c_1])^2``), as scikit-learn's
    brier_score_loss."""
    proba = np.asarray(proba, dtype=np.float64)
    col = np.searchsorted(classes, y)
    if not np.array_equal(classes.take(np.minimum(col, classes.shape[0] - 1)), y):
        raise ValueError("y has labels that are not classes of the model")
    sq = proba ** 2
    rows = np.arange(proba.shape[0])
    # (p - onehot)^2 summed over k: sum_k p_k^2 - 2 p_y + 1
    per_row = sq.sum(axis=1) - 2.0 * proba[rows, col] + 1.0
    if classes.shape[0] == 2:
        per_row = 0.5 * per_row
    return float(np.average(per_row, weights=sw))


def roc_auc(y, scores, classes, sw=None):
    """Area under the ROC curve of ``scores`` for the positive class
    ``classes[-1]``: the weighted probability that a positive outscores a
    negative, ties counting one half,

        AUC = sum_{i pos, j neg} s_i s_j ([z_i > z_j] + [z_i = z_j] / 2)
              / (S_pos S_neg),

    computed over groups of tied scores in O(n log n)."""
    if classes.shape[0] > 2:
        raise ValueError("scoring='roc_auc' is for binary problems; use a "
                         "callable scorer (one-vs-rest) for multiclass")
    y = np.asarray(y)
    z = np.asarray(scores, dtype=np.float64).reshape(-1)
    w = np.ones(y.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    pos = (y == classes[-1])
    w_pos = np.where(pos, w, 0.0)
    w_neg = np.where(pos, 0.0, w)
    if not (w_pos.sum() > 0 and w_neg.sum() > 0):
        raise ValueError("Only one class is present in y_true. ROC AUC score "
                         "is not defined in that case.")
    order = np.argsort(z, kind="mergesort")
    z, w_pos, w_neg = z[order], w_pos[order], w_neg[order]
    starts = np.flatnonzero(np.r_[True, z[1:] != z[:-1]])
    group_pos = np.add.reduceat(w_pos, starts)
    group_neg = np.add.reduceat(w_neg, starts)
    neg_below = np.cumsum(group_neg) - group_neg
    area = np.sum(group_pos * (neg_below + 0.5 * group_neg))
    return float(area / (w_pos.sum() * w_neg.sum()))


def _is_number(r):
    return isinstance(r, numbers.Real) and not isinstance(r, bool)


def _equal(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
