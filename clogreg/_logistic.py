"""The ``LogisticRegression`` estimator: parameters, fit and prediction.

Design: this module only orchestrates.  Inputs go through ``_validation``,
the iterations run in ``clogreg.solvers`` and the arithmetic in
``clogreg.kernels``.  It must never copy a C-contiguous float32/float64 X,
and never store non-finite coefficients.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import kernels, solvers
from ._dask import is_dask_collection
from ._exceptions import convergence_warning, not_fitted_error
from ._heuristics import ENGINE_SOLVERS as _SOLVERS
from ._heuristics import SKLEARN_SOLVERS as _SKLEARN_SOLVERS
from ._heuristics import engine_solver as _engine_solver
from ._inference import InferenceResult
from ._inference import inference as _inference
from ._path import (
    _SGD_N_ITER_NO_CHANGE,
    _dense,
    _no_blas_dot,
    _theta_from_model,
    change_of_variables,
    column_statistics,
    fit_path,
    is_external,
)
from ._steps import sgd_default_step
from ._typing import ClassWeight, PenaltyName, SolverName
from ._validation import (
    as_row_matrix,
    check_feature_names,
    check_finite,
    check_sample_weight,
    check_scalar,
    check_X,
    check_y,
    encode_labels,
    feature_names,
)

_PENALTIES = ("l2", "l1", "elasticnet", None)
# scikit-learn's ConvergenceWarning phrases at max_iter, per solver name.
_SKLEARN_MAX_ITER = {
    "lbfgs": "lbfgs failed to converge after {n_iter} iteration(s): ",
    "newton-cg": "newton-cg failed to converge. Increase the number of "
                 "iterations: ",
    "newton-cholesky": "Newton solver did not converge after {n_iter} "
                       "iterations: ",
    "liblinear": "Liblinear failed to converge, increase the number of "
                 "iterations: ",
    "sag": "The max_iter was reached which means the coef_ did not converge: ",
    "saga": "The max_iter was reached which means the coef_ did not converge: ",
}
# penalty left unset: l1_ratio and C choose it, as in scikit-learn >= 1.8
# ("deprecated" is scikit-learn's spelling of that default).
_UNSET_PENALTY = ("auto", "deprecated")
_INT_MAX = 2**31 - 1
_SGD_DEFAULT_BATCH = 200

_STATUS_HINT = {
    1: "the solver reached max_iter={max_iter} before the gradient fell below "
       "tol={tol}; increase max_iter or loosen tol; with strongly correlated "
       "features, solver='newton' needs far fewer iterations",
    # The solvers already run in preconditioned (standardised) coordinates,
    # so standardize=True would change the penalty, not the conditioning.
    2: "the line search could not decrease the objective any further: along "
       "the search direction it is flat to float64's rounding, so tol={tol} "
       "is finer than this data allow; the coefficients are kept, and a "
       "looser tol silences this",
}

# sgd's own stopping rule (solvers.sgd), which is not a gradient test.
_SGD_MAX_ITER = (
    "sgd ran max_iter={max_iter} epochs and the objective of its averaged "
    f"coefficients (loss_curve_) still fell by more than tol={{tol}} over the "
    f"last {_SGD_N_ITER_NO_CHANGE} epochs; increase max_iter or loosen tol, "
    "or use solver='auto' for the optimum itself")

# The estimators inside fit or partial_fit right now, by id(): a module-level
# registry rather than a lock on the instance, which pickle, copy.deepcopy
# and sklearn.clone would have to copy.  The lock is held only to enter and
# leave, never during a fit, so fits of different estimators run in parallel.
_fitting: dict[int, object] = {}     # id(estimator) -> the entry's token
_fitting_lock = threading.Lock()


def _refuse_dask(what, values, why):
    """A TypeError for a method that does not run on Dask collections
    (instead of numpy silently computing the whole collection here)."""
    if any(is_dask_collection(v) for v in values):
        raise TypeError(f"{what} does not take Dask collections: {why}")


# What a decorator that keeps its method's signature returns.
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _blockwise_on_dask(method: _Method) -> _Method:
    """A prediction method that, given a Dask collection, returns a lazy
    dask array computed block by block by this same method."""
    @functools.wraps(method)
    def wrapper(self, X):
        if is_dask_collection(X):
            from . import _dask
            if "coef_" not in self.__dict__:
                raise not_fitted_error(self)
            return _dask.map_prediction(self, method.__name__, X)
        return method(self, X)
    return wrapper  # type: ignore[return-value]


def _one_fit_at_a_time(method: _Method) -> _Method:
    """Make ``method`` (fit or partial_fit) all-or-nothing for its estimator.

    The body runs on a scratch estimator holding a shallow copy of the
    attributes, and the result is published by one store of ``__dict__``:
    if the body raises anything (bad data, a diverging step, Ctrl-C in the
    engine or a callback), the estimator keeps every attribute as it was,
    private state included.  Another thread reading an attribute meanwhile
    gets the old value until the store, then the new one, never a value a
    half-done fit left (a reader taking ``vars(model)`` once sees one whole
    model; one reading attributes one by one may straddle the store).  The
    body must
    replace, not mutate, the containers it stores (arrays, dicts), since the
    scratch copy shares them with the estimator until it is published.

    A second fit or partial_fit of the same estimator while one runs (from
    another thread, or from its own callback) is a RuntimeError: the two
    would overwrite each other's results.
    """

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        key = id(self)      # stable: the estimator is alive until we return
        # The token makes the exit remove only our own entry, whatever an
        # exception (Ctrl-C) interrupts; entering inside the try leaves no
        # gap where an entry could be made and never removed.
        token = object()
        try:
            with _fitting_lock:
                if key in _fitting:
                    raise RuntimeError(
                        f"this {type(self).__name__} is already being fitted: "
                        f"{method.__name__} was called while fit or partial_fit "
                        "runs on the same estimator (from another thread, or "
                        "from its callback); one estimator runs one fit at a "
                        "time, so give each thread its own estimator, e.g. "
                        "sklearn.base.clone(model) or copy.deepcopy(model)")
                _fitting[key] = token
            scratch = object.__new__(type(self))
            scratch.__dict__.update(self.__dict__)
            method(scratch, *args, **kwargs)
            self.__dict__ = scratch.__dict__      # publish: one store
        finally:
            with _fitting_lock:
                if _fitting.get(key) is token:
                    del _fitting[key]
        return self

    return guarded  # type: ignore[return-value]


class LogisticRegression:
    """Logistic regression (binary and multinomial) on a Cython engine.

    Minimises scikit-learn's objective ``C * sum_i s_i * loss_i + penalty(W)``
    where ``loss_i`` is the log-loss of sample i and ``s_i`` its weight (times
    its class weight).  The penalty is ``||W||^2 / 2`` ('l2'), ``||W||_1``
    ('l1'), ``l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2``
    ('elasticnet') or nothing (None, or ``C=inf``).  The intercept is never
    penalised.  Two classes give one coefficient row (the log-odds of
    ``classes_[1]``); K >= 3 classes give the full softmax parameterisation
    with K rows.

    Parameters
    ----------
    penalty : {'auto', 'l2', 'l1', 'elasticnet', None}, default='auto'
        'auto' (or scikit-learn's 'deprecated') lets ``l1_ratio`` and ``C``
        choose, as scikit-learn >= 1.8 does: ``l1_ratio`` 0 (or None) is
        'l2', 1 is 'l1', in between 'elasticnet', and ``C=np.inf`` is no
        penalty.  An explicit penalty wins over ``l1_ratio``; a UserWarning
        says when the two disagree.  Unlike scikit-learn, clogreg does not
        deprecate ``penalty``.
    C : float, default=1.0
        Inverse regularisation strength, > 0; ``np.inf`` means no penalty.
        With ``penalty=None``, a C other than 1.0 warns that it is ignored.
    l1_ratio : float in [0, 1] or None, default=None
        The L1 share of the penalty (see ``penalty``); required by
        'elasticnet'.  None means unset (scikit-learn's default is 0.0, the
        same penalty), so that ``penalty='l1'`` alone is no conflict.
    dual : bool, default=False
        scikit-learn's liblinear dual formulation; only False is
        implemented (True raises ValueError): the primal problem has the
        same solution.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : str, default='auto'
        'auto', 'lbfgs', 'newton', 'gd', 'sgd', or one of scikit-learn's
        names, run by the engine solver minimising the same objective:
        'newton-cg' and 'newton-cholesky' -> 'newton' (L2 or none);
        'liblinear' -> 'newton' for L2, 'lbfgs' (OWL-QN) for L1 (binary
        only, a finite penalty); 'sag' -> 'lbfgs' (L2 or none); 'saga' ->
        'lbfgs' (any penalty).  Pairs scikit-learn refuses raise ValueError.
        'auto' is 'lbfgs'; with an L2 penalty (finite C), when lbfgs has
        not converged after a third of ``max_iter``, 'auto' hands over to
        'newton' from lbfgs's point for the rest of ``max_iter``
        (``n_iter_`` counts both).  'lbfgs' is L-BFGS, or OWL-QN (its orthant-wise
        variant) when the penalty has an L1 part.  'newton' is LIBLINEAR's
        trust-region Newton-CG (L2 or no penalty), fewest passes on
        ill-conditioned data.  'gd' is full-batch (proximal) gradient
        descent: fixed steps with ``learning_rate``, otherwise
        Barzilai-Borwein steps with a non-monotone line search.  'sgd' is
        mini-batch stochastic gradient descent (L1 by cumulative clipping) with
        ``batch_size`` rows per step and ``max_iter`` epochs.
    tol : float, default=1e-4
        Stop when the largest absolute entry of the gradient (for L1, of
        the minimum-norm subgradient) of the *mean* objective
        ``(1/S) * (sum_i s_i * loss_i + penalty(W) / C)`` (``S = sum_i s_i``)
        is <= tol, as scikit-learn does; 'lbfgs' also waits until the
        decrease its quasi-Newton model predicts is <= tol**2, 'newton'
        until its last step predicted a decrease <= tol**2, and 'gd' until
        ``b * ||g||**2 / 2 <= tol**2``, the decrease of the best step along
        the gradient g when the curvature there is 1/b, b the largest
        Barzilai-Borwein step ``s's / s'y`` of the last 10 iterations (with
        many features or ill-conditioning the gradient bound alone stops
        early).  For 'sgd', stop when the best mean objective of the
        averaged coefficients (``loss_curve_``) has improved by at most tol
        over the last 5 epochs together.
    max_iter : int, default=100
        Iterations ('lbfgs', 'newton', 'gd') or epochs ('sgd').  0 returns
        the starting point (zero coefficients and the intercepts of the
        class frequencies, or the warm start) with a ConvergenceWarning.
    learning_rate : float or None, default=None
        Step size on the gradient of the mean objective.  'gd': a fixed step
        (one pass over X per iteration); None picks steps automatically.
        'sgd': the initial step, decayed as ``1/sqrt(1 + epoch)``; None uses
        ``4 / L``, with L the curvature bound ``c * lambda_max(X1'X1 / m)``
        plus the L2 strength
        (c = 1/4 binary, 1/2 multinomial; X1 is up to 1024 evenly spaced
        rows with a column of ones).  Logistic gradients are bounded, so
        steps above 1/L do not diverge; the averaging of 'sgd' absorbs
        their noise.  Where the noise dominates (wide, noisy data), the
        first epoch is run again from the start with a smaller step while
        its averaged coefficients are no better than the start or its last
        iterate's objective exceeds theirs by more than a quarter of the
        start's (``fit`` only, not ``partial_fit``).  Ignored by 'lbfgs'
        and 'newton'.
    batch_size : int or None, default=None
        Rows per 'sgd' step, in [1, n_samples]; None means
        ``min(200, max(1, n_samples // 16))``, at least 16 steps an epoch.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies each sample's weight by its class's weight.  'balanced'
        uses ``n_samples / (n_classes * count(class))``.
    intercept_scaling : float, default=1
        scikit-learn's liblinear device for penalising the intercept (as
        the weight of a constant feature of this value); validated (> 0),
        no effect here: the intercept is never penalised, which is
        liblinear's limit of a large intercept_scaling.
    standardize : bool, default=False
        Fit as if every feature were scaled to zero mean and unit variance
        (weighted by sample and class weights), without a scaled copy of X:
        the scaling is folded into the coefficients the kernels see.
        ``coef_`` and ``intercept_`` are reported in the original units, so
        ``predict`` takes raw X.  Zero-variance features get scale 1; a
        feature whose standard deviation is subnormal (below about 2.2e-308)
        raises ValueError, as its coefficient per raw unit would overflow.
        Sparse X is never centred (the mean is folded into the intercept).
        Without an intercept, features are scaled but not centred.  The
        penalty applies to the standardised coefficients.
    warm_start : bool, default=False
        Start ``fit`` from the previous ``coef_``/``intercept_`` when the
        new data has the same classes and number of features.  Only the
        coefficients carry over: 'newton' restarts its trust region (at
        radius ||gradient||), 'lbfgs' its memory, 'gd' its step, so k fits
        with ``max_iter=1`` do not equal one fit with ``max_iter=k``; run
        to convergence, they reach the same optimum.
    random_state : int, numpy Generator or None, default=None
        Drives the 'sgd' shuffling.  An int gives reproducible fits.
    n_threads : int or None, default=None
        Threads of the engine.  None uses all cores, honouring
        ``OMP_NUM_THREADS``.  Results do not depend on it (bitwise).
    n_jobs : int or None, default=None
        Accepted for scikit-learn's code (``n_jobs=-1``); no effect, as in
        scikit-learn >= 1.8: ``n_threads`` sets the engine's threads.
    verbose : int, default=0
        At 1, print progress to stdout, each line with the seconds since
        ``fit`` was called: first what is being fitted, then the iteration
        (the epoch for 'sgd'), the mean objective and the largest gradient
        entry (for 'sgd', both of the averaged coefficients the epoch ends
        with, which the fit returns) at the first, every 10th and the last
        iteration and at least every 2 seconds of a long fit.
    callback : callable or None, default=None
        ``callback(iteration, objective)`` after every iteration; returning
        True stops the fit, keeping the coefficients reached so far.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        float32 when X was float32, else float64; a scipy CSR matrix after
        ``sparsify()``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,), int32
        Iterations (epochs for 'sgd', calls for ``partial_fit``) run, in
        scikit-learn's shape.
    n_features_in_ : int
    loss_curve_ : ndarray of shape (n_iter_[0],)
        Mean objective after each iteration.  For 'sgd', of the
        coefficients the fit would return had it stopped after that epoch
        (the average of the iterates, each epoch's average weighted by its
        number: the noisy iterates themselves are not reported), one extra
        pass over X an epoch; for ``partial_fit``, of each call's chunk.
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation statistics (only with ``standardize=True``).

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

    # The fitted attributes (set by fit, partial_fit, from_coef or load).
    classes_: NDArray[Any]
    coef_: NDArray[np.floating[Any]]
    intercept_: NDArray[np.floating[Any]]
    n_iter_: NDArray[np.int32]
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]
    loss_curve_: NDArray[np.float64]
    mean_: NDArray[np.float64]
    scale_: NDArray[np.float64]

    def __init__(self, penalty: PenaltyName | None = "auto", *, C: float = 1.0,
                 l1_ratio: float | None = None, dual: bool = False,
                 fit_intercept: bool = True, intercept_scaling: float = 1,
                 solver: SolverName = "auto", tol: float = 1e-4,
                 max_iter: int = 100,
                 learning_rate: float | None = None,
                 batch_size: int | None = None,
                 class_weight: ClassWeight = None,
                 standardize: bool = False, warm_start: bool = False,
                 random_state: int | np.random.Generator | np.random.RandomState
                 | None = None,
                 n_threads: int | None = None, n_jobs: int | None = None,
                 verbose: int = 0,
                 callback: Callable[[int, float], bool | None] | None = None
                 ) -> None:
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.standardize = standardize
        self.warm_start = warm_start
        self.random_state = random_state
        self.n_threads = n_threads
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.callback = callback

    def __repr__(self):
        # the parameters that differ from their defaults, in signature order
        params = inspect.signature(LogisticRegression.__init__).parameters
        changed = []
        for name, param in params.items():
            if name == "self":
                continue
            value, default = getattr(self, name), param.default
            if value is not default and value != default:
                changed.append(f"{name}={value!r}")
        return f"LogisticRegression({', '.join(changed)})"

    # ------------------------------------------- the scikit-learn protocol
    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters, as a dict (scikit-learn protocol).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> LogisticRegression(C=2.0).get_params()["C"]
        2.0
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> LogisticRegression:
        """Set constructor parameters; returns self (scikit-learn protocol).

        Raises
        ------
        ValueError
            For a name that is not a parameter of the constructor.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> LogisticRegression().set_params(C=0.5, solver="newton").C
        0.5
        """
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for "
                                 f"{type(self).__name__}; valid parameters "
                                 f"are {sorted(valid)}")
            setattr(self, name, value)
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coef_")

    def __sklearn_tags__(self):
        # Imported only when scikit-learn asks: it is not a dependency.
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier",
                    target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=True),
                    input_tags=InputTags(sparse=True))

    _estimator_type = "classifier"   # scikit-learn < 1.6 reads this

    # ------------------------------------------------------------ params
    def _validated_params(self, partial=False, warn=True):
        """Check every parameter; return (engine solver, n_threads).

        With ``warn``, warns (UserWarning) where ``penalty`` and
        ``l1_ratio`` or ``C`` disagree, with scikit-learn's key phrases
        (``load`` checks a file's parameters without warning).
        ``partial`` (for partial_fit, which always runs 'sgd') skips the
        solver/penalty pairs that only ``fit`` refuses."""
        if not (self.penalty in _PENALTIES or (
                isinstance(self.penalty, str) and self.penalty in _UNSET_PENALTY)):
            raise ValueError(f"penalty must be one of 'auto', 'l2', 'l1', "
                             f"'elasticnet' or None, got {self.penalty!r}")
        check_scalar(self.C, "C", low=0, low_inclusive=False, allow_inf=True)
        if self.l1_ratio is not None:
            check_scalar(self.l1_ratio, "l1_ratio", low=0, high=1)
        elif self.penalty == "elasticnet":
            raise ValueError("penalty='elasticnet' needs l1_ratio, a number "
                             "in [0, 1] (l1_ratio must be specified when "
                             "penalty is elasticnet)")
        for name in ("fit_intercept", "standardize", "warm_start", "dual"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got "
                                f"{getattr(self, name)!r}")
        check_scalar(self.intercept_scaling, "intercept_scaling", low=0,
                     low_inclusive=False)
        if self.n_jobs is not None:
            check_scalar(self.n_jobs, "n_jobs", kind=numbers.Integral,
                         low=-_INT_MAX)
        name = self.solver
        if not (isinstance(name, str)
                and (name in _SOLVERS or name in _SKLEARN_SOLVERS)):
            raise ValueError(f"solver must be one of {_SOLVERS} or scikit-learn's "
                             f"{tuple(_SKLEARN_SOLVERS)} or 'lbfgs', got {name!r}")
        if self.dual:
            raise ValueError(
                f"Solver {name} supports only dual=False, got dual=True: "
                "clogreg solves the primal problem, whose solution is the "
                "same as the dual's; use dual=False")
        penalty, _ = self._penalty_kind()
        if not partial:
            self._check_solver_penalty(name, penalty)
        if warn:
            self._warn_penalty_conflicts(penalty)
        check_scalar(self.tol, "tol", low=0)
        check_scalar(self.max_iter, "max_iter", kind=numbers.Integral, low=0)
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
        cw = self.class_weight
        if not (cw is None or _is_balanced(cw) or isinstance(cw, dict)):
            raise ValueError(f"class_weight must be None, 'balanced' or a dict "
                             f"mapping labels to weights, got {cw!r}")
        rs = self.random_state
        if not (rs is None or isinstance(rs, (numbers.Integral, np.random.Generator,
                                              np.random.RandomState))
                ) or isinstance(rs, bool):
            raise TypeError("random_state must be None, an int or a numpy "
                            f"Generator, got {rs!r}")
        if isinstance(rs, numbers.Integral) and rs < 0:
            raise ValueError(f"random_state must be >= 0, got {rs}")
        return _engine_solver(name, penalty), self._threads()

    def _penalty_kind(self):
        """(penalty, l1_ratio) that the fit uses, penalty in 'l2', 'l1',
        'elasticnet', None: an unset penalty is chosen by l1_ratio (0 or
        None: 'l2', 1: 'l1', between: 'elasticnet') and C (inf: None), as
        in scikit-learn >= 1.8; an explicit one wins over l1_ratio."""
        penalty, ratio = self.penalty, self.l1_ratio
        if isinstance(penalty, str) and penalty in _UNSET_PENALTY:
            ratio = 0.0 if ratio is None else float(ratio)
            penalty = ("l2" if ratio == 0 else "l1" if ratio == 1
                       else "elasticnet")
            if math.isinf(self.C):
                penalty = None
            return penalty, ratio
        if penalty == "elasticnet":
            return penalty, float(ratio)
        return penalty, 1.0 if penalty == "l1" else 0.0

    def _check_solver_penalty(self, name, penalty):
        """Refuse the solver/penalty pairs scikit-learn refuses for its
        solver names (with its messages' key phrases), and 'newton' with
        an L1 part: no engine solver of that kind minimises them."""
        l1_part = penalty in ("l1", "elasticnet") and not math.isinf(self.C)
        if name == "newton" and l1_part:
            raise ValueError(f"solver='newton' handles penalty='l2' or None, not "
                             f"{penalty!r}; use solver='auto' (OWL-QN)")
        if name in ("newton-cg", "newton-cholesky", "sag") \
                and penalty not in ("l2", None):
            raise ValueError(
                f"Solver {name} supports only 'l2' or None penalties, got "
                f"{penalty} penalty; use solver='saga' or 'auto' (OWL-QN), "
                "which minimise the L1 and elastic-net objectives")
        if name == "liblinear":
            if penalty == "elasticnet":
                raise ValueError(
                    "Only 'saga' solver supports elasticnet penalty, got "
                    "solver=liblinear; use solver='saga' or 'auto'")
            if penalty is None:
                raise ValueError(
                    "C=np.inf as well as penalty=None is not supported for the "
                    "liblinear solver (as in scikit-learn); use solver='auto' "
                    "for an unpenalised fit")

    def _check_solver_classes(self, classes):
        if self.solver == "liblinear" and classes.shape[0] > 2:
            raise ValueError(
                "The 'liblinear' solver does not support multiclass "
                f"classification (n_classes >= 3; y has {classes.shape[0]}), "
                "as in scikit-learn; use solver='auto' for the multinomial "
                "model, or wrap the estimator in a OneVsRestClassifier")

    def _warn_penalty_conflicts(self, penalty):
        """scikit-learn's warnings (same phrases, UserWarning) where penalty
        and l1_ratio, or penalty=None and C, disagree.  An l1_ratio of None
        is unset here, never a conflict.  stacklevel 4: past
        _validated_params, fit and its _one_fit_at_a_time wrapper."""
        ratio = self.l1_ratio
        if penalty != "elasticnet" and ratio is not None and 0 < ratio < 1:
            warnings.warn(
                "clogreg: l1_ratio parameter is only used when penalty is "
                f"'elasticnet'. Got (penalty={penalty}): the fit ignores "
                f"l1_ratio={ratio}", UserWarning, stacklevel=4)
        if ratio is not None and ((self.penalty == "l2" and ratio != 0)
                                  or (self.penalty == "l1" and ratio != 1)):
            warnings.warn(
                f"clogreg: Inconsistent values: penalty={self.penalty} with "
                f"l1_ratio={ratio}; the explicit penalty={self.penalty!r} is "
                "used: leave penalty unset to let l1_ratio choose",
                UserWarning, stacklevel=4)
        if self.penalty is None and self.C != 1.0:
            warnings.warn(
                "clogreg: Setting penalty=None will ignore the C and l1_ratio "
                f"parameters (C={self.C!r} has no effect)", UserWarning,
                stacklevel=4)

    def _penalty_strengths(self, weight_sum):
        """(alpha, l1) of the mean objective."""
        penalty, ratio = self._penalty_kind()
        if penalty is None or math.isinf(self.C):
            return 0.0, 0.0
        scale = 1.0 / (float(self.C) * weight_sum)
        if not math.isfinite(scale):
            raise ValueError(f"C={self.C} is too small: C times the total sample "
                             f"weight ({weight_sum:g}) underflows; use C >= "
                             f"{1e-300 / weight_sum:.1g}")
        # l2 has ratio 0 and l1 ratio 1: (1 - r) * scale and r * scale are
        # then exactly (scale, 0) and (0, scale)
        return (1.0 - ratio) * scale, ratio * scale

    def _seed(self):
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**62))
        return int(np.random.default_rng(rs).integers(0, 2**62))

    def _class_weighted(self, classes, y_index, sw):
        """sample_weight times class_weight (None when both are trivial)."""
        per_class = self._per_class_weight(
            classes, np.bincount(y_index, minlength=classes.shape[0]))
        if per_class is None:
            return sw
        w = per_class[y_index]
        return w if sw is None else sw * w

    def _per_class_weight(self, classes, counts):
        """The weight of each class (None without class_weight), given the
        number of samples of each (for 'balanced': n / (K * count))."""
        cw = self.class_weight
        if cw is None:
            return None
        if _is_balanced(cw):
            per_class = counts.sum() / (classes.shape[0] * counts)
        else:
            per_class = np.ones(classes.shape[0])
            known = {c.item() if hasattr(c, "item") else c: i
                     for i, c in enumerate(classes)}
            for label, weight in cw.items():
                key = label.item() if hasattr(label, "item") else label
                if key not in known:
                    raise ValueError(
                        f"class_weight names {label!r}, which is not a class of "
                        f"y; the classes are {classes.tolist()}")
                check_scalar(weight, f"class_weight[{label!r}]", low=0)
                per_class[known[key]] = float(weight)
        return per_class

    def _standardization(self, Xm, sw, k, alpha, precondition=False,
                         freeze=False):
        """(mean, scale) of the change of variables, or (None, None): the
        column statistics (``_path.column_statistics``) and the scale for
        L2 strength ``alpha`` (``_path.change_of_variables``, which says
        how zero-variance columns are treated)."""
        if not (self.standardize or precondition):
            return None, None
        stats = column_statistics(Xm, sw)
        return stats[0], change_of_variables(self, stats, k, alpha,
                                             precondition, freeze)

    def _start(self, classes, class_totals, k, d, mean, scale):
        """Initial theta in the solver's (possibly standardised) units;
        ``class_totals``: the weight of each class."""
        fit_intercept = bool(self.fit_intercept)
        theta = np.zeros(k * d + (k if fit_intercept else 0))
        if (self.warm_start and hasattr(self, "coef_")
                and self.coef_.shape == (k, d)
                and np.array_equal(getattr(self, "classes_", None), classes)):
            theta = _theta_from_model(self, k, d, mean, scale)
        elif fit_intercept:
            theta[k * d:] = _log_odds_start(class_totals)
        return theta

    def _store(self, theta, classes, k, d, dtype, mean, scale):
        fit_intercept = bool(self.fit_intercept)
        coef = theta[:k * d].reshape(k, d)
        intercept = theta[k * d:] if fit_intercept else np.zeros(k)
        if scale is not None:
            coef = coef / scale
            if fit_intercept:
                intercept = intercept - _no_blas_dot(coef, mean)
        if dtype == np.float32 and (
                np.abs(coef).max(initial=0.0) > np.finfo(np.float32).max
                or np.abs(intercept).max(initial=0.0) > np.finfo(np.float32).max):
            raise ValueError(
                "the fitted coefficients exceed float32's range (about 3.4e38), "
                "so a float32 model cannot hold them; fit on float64 X, or use a "
                "penalty (finite C)")
        self.classes_ = classes
        self.coef_ = coef.astype(dtype)
        self.intercept_ = np.asarray(intercept, dtype=dtype).copy()
        self.n_features_in_ = d
        if scale is not None and self.standardize:
            # an infinite scale only freezes a constant column (its
            # coefficient is 0): it is reported as the documented 1
            self.mean_, self.scale_ = mean, np.where(np.isinf(scale), 1.0, scale)
        else:
            self.__dict__.pop("mean_", None)
            self.__dict__.pop("scale_", None)

    def _raise_or_warn(self, status, n_iter, solver, max_iter, tol, depth=0):
        """Raise for a non-finite objective; warn (ConvergenceWarning, at the
        caller of the public method ``depth`` frames further up) for the
        other unconverged statuses."""
        if status == 3:
            raise ValueError(
                f"the objective became NaN or infinite at iteration "
                f"{n_iter + 1} of solver {solver!r}; the steps are too large "
                "for this data: use a smaller learning_rate, or set "
                "standardize=True (or scale the features) before fitting")
        if status in _STATUS_HINT:
            # scikit-learn's words for its solver names, which user code
            # and tests match on
            lead = _SKLEARN_MAX_ITER.get(self.solver, "") if status == 1 else ""
            hint = _SGD_MAX_ITER if solver == "sgd" and status == 1 \
                else _STATUS_HINT[status]
            warnings.warn(
                f"clogreg: {lead.format(n_iter=n_iter)}"
                f"{hint.format(max_iter=max_iter, tol=tol)}",
                convergence_warning(),
                stacklevel=4 + depth)   # the caller of fit's wrapper

    # ---------------------------------------------------------------- fit
    @_one_fit_at_a_time
    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | None = None) -> LogisticRegression:
        """Fit the model to X and y.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
            Features.  C-contiguous float32/float64 arrays, and CSR matrices
            with float32/float64 data and int32 or int64 indices (both the
            same), are used without a copy; float32 gives a float32 model.
            A CSR row may repeat a column index: repeats add up (as in
            scipy), summed into a copy first.
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
        progress = solvers.Progress()   # verbose's elapsed times count from here
        solver, n_threads = self._validated_params()
        self.__dict__.pop("_partial_state", None)   # fit starts a new stream
        if any(is_dask_collection(v) for v in (X, y, sample_weight)):
            from . import _dask
            data, classes, names = _dask.prepare(self, X, y, sample_weight,
                                                 solver)
            try:
                return self._fit_prepared(data, data, classes, None, None,
                                          names, data.dtype, data.weight_sum,
                                          solver, n_threads, progress)
            finally:
                data.release()
        names = feature_names(X)
        X = check_X(X, accept_sparse=True)
        classes, y_index = check_y(y, X.shape[0])
        self._check_solver_classes(classes)
        sw = check_sample_weight(sample_weight, X.shape[0])
        sw = self._class_weighted(classes, y_index, sw)
        weight_sum = float(X.shape[0] if sw is None else sw.sum())
        return self._fit_prepared(X, as_row_matrix(X), classes, y_index, sw,
                                  names, X.dtype, weight_sum, solver, n_threads,
                                  progress)

    def _fit_prepared(self, X, Xm, classes, y_index, sw, names, dtype,
                      weight_sum, solver, n_threads, progress):
        """fit, once the data is validated: X and Xm in memory, or both a
        Dask fit's external data (``clogreg._dask``, y_index and sw None).
        ``progress``: the clock of verbose's lines, started by fit."""
        n, d = X.shape
        k = 1 if classes.shape[0] == 2 else classes.shape[0]
        if self.verbose:
            # the first line, before the statistics passes: what is fitted
            progress.say(int(self.verbose),
                         _fit_summary(X, Xm, dtype, classes, solver, n_threads))
        if not weight_sum > 0:
            raise ValueError("the class weights leave every sample with weight 0")
        alpha, l1 = self._penalty_strengths(weight_sum)
        max_iter = int(self.max_iter)
        tol = float(self.tol)
        path = fit_path(self, X, Xm, classes, y_index, sw, solver, n_threads,
                        [(alpha, l1)], progress=progress)
        (point,) = path.points
        n_iter, status, n_passes = point.n_iter, point.status, point.n_passes
        curve = point.curve
        self._raise_or_warn(status, n_iter, solver, max_iter, tol, depth=1)
        if point.separable:
            warnings.warn(
                "clogreg: the classes look linearly separable: without a penalty "
                "the objective keeps decreasing as the coefficients grow, so no "
                "finite optimum exists and the coefficients returned are "
                "arbitrary in size; use a penalty (finite C)",
                convergence_warning(), stacklevel=4)   # past fit's wrapper
        self._store(point.theta, classes, k, d, dtype, path.mean, point.scale)
        self._set_feature_names(names)
        self._n_passes = int(n_passes)   # evaluations over X: for benchmarks
        self.n_iter_ = np.array([n_iter], dtype=np.int32)   # scikit-learn's shape
        self.loss_curve_ = np.array(curve, dtype=np.float64)
        return self

    def _set_feature_names(self, names):
        if names is None:
            self.__dict__.pop("feature_names_in_", None)
        else:
            self.feature_names_in_ = names

    def _batch_size(self, n):
        if self.batch_size is None:
            return min(_SGD_DEFAULT_BATCH, max(1, n // 16))
        batch = int(self.batch_size)
        if batch > n:
            raise ValueError(f"batch_size={batch} is larger than the number of "
                             f"samples ({n}); use at most {n}")
        return batch

    @_one_fit_at_a_time
    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None) -> LogisticRegression:
        """One epoch of mini-batch SGD over X, y, continuing from the current
        coefficients (those of the previous call, or of ``fit`` when the
        classes and features agree): learning from data in chunks.

        The first call needs ``classes`` (every label that will ever
        appear).  The step keeps decaying across calls as
        ``learning_rate / sqrt(1 + calls)``; the L2/L1 penalty of each call
        is scaled by that call's total weight, as in scikit-learn's
        SGDClassifier.  With ``standardize=True`` the first call's column
        statistics are kept for all later calls.  ``solver`` is ignored:
        this is always 'sgd'.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like or None
            All labels; required on the first call, optional after (it must
            then equal ``classes_``).
        sample_weight : array-like of shape (n_samples,) or None

        Returns
        -------
        self : LogisticRegression

        Examples
        --------
        >>> import numpy as np
        >>> from clogreg import LogisticRegression
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 25)
        >>> y = np.array([0, 0, 1, 1] * 25)
        >>> m = LogisticRegression(random_state=0)
        >>> for _ in range(20):
        ...     m = m.partial_fit(X, y, classes=[0, 1])
        >>> m.predict([[0.0], [3.0]]).tolist()
        [0, 1]
        """
        _refuse_dask("partial_fit", (X, y, sample_weight),
                     "it learns from in-memory chunks: call it on each block, "
                     "e.g. for block in X.to_delayed().ravel(): "
                     "model.partial_fit(block.compute(), ...), or fit the "
                     "collection whole with fit")
        progress = solvers.Progress()   # verbose's elapsed times count from here
        _, n_threads = self._validated_params(partial=True)
        if _is_balanced(self.class_weight):
            raise ValueError("class_weight='balanced' needs the class counts of "
                             "the whole data, which partial_fit never sees; pass "
                             "a dict of class weights instead")
        first = not hasattr(self, "_partial_state")
        if first and classes is None and hasattr(self, "classes_"):
            classes = self.classes_          # continuing a model fit() made
        if first:
            if classes is None:
                raise ValueError("the first call to partial_fit needs classes=, "
                                 "the list of every label that can appear")
            if np.ndim(classes) != 1:
                raise TypeError("classes must be a 1-D sequence of every label "
                                f"that can appear, got {classes!r}")
            all_classes, codes = check_y(classes, len(classes))
            if all_classes.shape[0] != codes.shape[0]:
                raise ValueError("classes must not repeat a label")
        else:
            all_classes = self.classes_
            if classes is not None and not np.array_equal(
                    np.unique(np.asarray(classes)), all_classes):
                raise ValueError(f"classes differ from those of the first "
                                 f"partial_fit call ({all_classes.tolist()})")
        names = feature_names(X)
        if not first:
            check_feature_names(getattr(self, "feature_names_in_", None), X)
        X = check_X(X, accept_sparse=True)
        y_index = encode_labels(y, all_classes, X.shape[0])
        sw = check_sample_weight(sample_weight, X.shape[0])
        sw = self._class_weighted(all_classes, y_index, sw)
        Xm = as_row_matrix(X)
        n, d = X.shape
        k = 1 if all_classes.shape[0] == 2 else all_classes.shape[0]
        if not first and d != self.n_features_in_:
            raise ValueError(f"X has {d} features, but LogisticRegression is "
                             f"expecting {self.n_features_in_} features as input "
                             "(the number it was fitted with)")
        weight_sum = float(n if sw is None else sw.sum())
        if not weight_sum > 0:
            raise ValueError("every sample of this batch has weight 0")
        alpha, l1 = self._penalty_strengths(weight_sum)
        if first:
            mean, scale = self._standardization(Xm, sw, k, alpha)
            lr = self.learning_rate
            if lr is None:
                lr = sgd_default_step(X, sw, k, self.fit_intercept, alpha, mean,
                                       scale)
            self._partial_state = {"calls": 0, "lr": float(lr), "mean": mean,
                                   "scale": scale, "shuffle_state": self._seed()}
            if (hasattr(self, "coef_") and self.coef_.shape == (k, d)
                    and np.array_equal(self.classes_, all_classes)):
                # continue from a model that fit() produced
                theta = _theta_from_model(self, k, d, mean, scale)
            else:
                theta = np.zeros(k * d + (k if self.fit_intercept else 0))
        else:
            state = self._partial_state
            mean, scale = state["mean"], state["scale"]
            theta = _theta_from_model(self, k, d, mean, scale)
        state = self._partial_state
        obj = solvers.Objective(Xm, y_index, sw, k, bool(self.fit_intercept),
                                alpha, l1, mean, scale, n_threads)
        curve = []
        # No calibration of the automatic step (solvers.sgd's calibrate):
        # on a stream of small chunks it divided the step by 13 and ended
        # further from the optimum (the README's ten 1000-row chunks:
        # 2.3e-3 above it against 2.0e-3).
        n_iter, status, _, _ = solvers.sgd(
            obj, theta, 0.0, 1, state["lr"], self._batch_size(n),
            state["shuffle_state"] + state["calls"], 1, state["calls"], self.callback,
            int(self.verbose), curve, progress, False)
        self._raise_or_warn(status if status == 3 else 0, n_iter, "sgd", 1, 0.0)
        self._store(theta, all_classes, k, d, X.dtype, mean, scale)
        if first:
            self._set_feature_names(names)
        # a new dict: the old one is shared with the estimator until publication
        self._partial_state = state = {**state, "calls": state["calls"] + 1}
        self.n_iter_ = np.array([state["calls"]], dtype=np.int32)
        self.loss_curve_ = np.append(getattr(self, "loss_curve_", np.zeros(0))
                                     if not first else np.zeros(0), curve)
        return self

    @classmethod
    def from_coef(cls, coef: ArrayLike, intercept: ArrayLike,
                  classes: ArrayLike = (0, 1)) -> LogisticRegression:
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

        Raises
        ------
        ValueError
            For non-finite values, shapes that do not match ``classes``, or
            coefficients so large that a row's ``sum(|coef[k]|) +
            |intercept[k]|`` overflows float64 (its scores would be +-inf or
            NaN for inputs of size 1).

        Examples
        --------
        The AND gate of the known-coefficients tutorial:

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
            if str(exc).startswith("y has 1 class"):
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
        from ._io import coefficient_overflow

        overflow = coefficient_overflow(coef, intercept)
        if overflow is not None:
            raise ValueError(overflow)
        model = cls()
        model.classes_ = classes
        model.coef_ = coef.copy()
        model.intercept_ = intercept.copy()
        model.n_iter_ = np.zeros(1, dtype=np.int32)
        model.n_features_in_ = coef.shape[1]
        model.loss_curve_ = np.zeros(0)
        return model

    # ------------------------------------------------- sparse coefficients
    def sparsify(self) -> LogisticRegression:
        """Store ``coef_`` as a scipy CSR matrix, as scikit-learn's
        ``sparsify`` does: less memory when most coefficients are 0 (an L1
        penalty).  Predictions are unchanged; ``densify()`` undoes it.
        scipy is needed (imported here only).

        Returns
        -------
        self : LogisticRegression

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ImportError
            Without scipy.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> m = LogisticRegression.from_coef([[0.0, 2.0, 0.0]], [0.5]).sparsify()
        >>> m.coef_.nnz, m.predict([[0, 1, 0]]).tolist()
        (1, [1])
        """
        if "coef_" not in self.__dict__:
            raise not_fitted_error(self, "sparsify()")
        try:
            import scipy.sparse
        except ImportError:
            raise ImportError("sparsify() stores coef_ as a scipy.sparse CSR "
                              "matrix and needs scipy: pip install scipy") from None
        self.coef_ = scipy.sparse.csr_matrix(self.coef_)
        return self

    def densify(self) -> LogisticRegression:
        """Store ``coef_`` as a dense ndarray again (after ``sparsify()``;
        a dense ``coef_`` is left as it is).

        Returns
        -------
        self : LogisticRegression

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> m = LogisticRegression.from_coef([[0.0, 2.0]], [0.5])
        >>> type(m.sparsify().densify().coef_).__name__
        'ndarray'
        """
        if "coef_" not in self.__dict__:
            raise not_fitted_error(self, "densify()")
        self.coef_ = np.asarray(_dense(self.coef_))
        return self

    # ---------------------------------------------------------- model files
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` as a versioned JSON document.

        The file holds the format and clogreg versions, the parameters
        (except ``callback``, which is code), ``classes_`` with their type,
        ``coef_`` and ``intercept_`` bit for bit, the standardisation
        statistics, ``n_features_in_`` and ``feature_names_in_``.  The write
        is atomic: a temporary file in the same directory is renamed over
        ``path``, so a failed save never leaves a half-written model.
        Read it back with ``clogreg.load``, which executes nothing.

        Parameters
        ----------
        path : str or os.PathLike

        Examples
        --------
        >>> import os, tempfile
        >>> from clogreg import LogisticRegression, load
        >>> model = LogisticRegression().fit([[0], [1], [2], [3]], ["a", "a", "b", "b"])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> model.save(path)
        >>> load(path).predict([[3]]).tolist()
        ['b']
        """
        from ._io import save

        save(self, path)

    # ---------------------------------------------------------- prediction
    def _check_predict_input(self, X):
        """(X, its RowMatrix, coef, intercept, classes) for a prediction.

        The fitted attributes are read from one ``__dict__``: a fit
        publishes its results by replacing that dict whole (see
        ``_one_fit_at_a_time``), so a prediction running meanwhile uses
        either the old model or the new one, never a mix of the two."""
        state = self.__dict__
        if "coef_" not in state:
            raise not_fitted_error(self)
        check_feature_names(state.get("feature_names_in_"), X, stacklevel=5)
        # The NaN/infinity check runs inside the prediction pass (_predict).
        X = check_X(X, accept_sparse=True, defer_finite=True)
        if X.shape[1] != state["n_features_in_"]:
            raise ValueError(f"X has {X.shape[1]} features, but LogisticRegression "
                             f"is expecting {state['n_features_in_']} features as "
                             "input (the number it was fitted with)")
        coef = np.ascontiguousarray(_dense(state["coef_"]), dtype=np.float64)
        intercept = np.ascontiguousarray(state["intercept_"], dtype=np.float64)
        return X, as_row_matrix(X), coef, intercept, state["classes_"]

    def _predict(self, mode, X, Xm, coef, intercept, out, out_class):
        """Run the prediction kernel; it counts the rows with a non-finite
        score, which any NaN or infinity in X produces: then find and
        report the first one.  With finite X and coefficients the kernel
        never gives a NaN score (it recomputes a row whose sums overflow
        with scaled terms), only +-inf for a score beyond float64, whose
        probabilities are exactly 0 and 1: those pass.  Coefficients made
        non-finite by hand (``coef_`` is a plain attribute) are refused
        here, as no prediction can be trusted then."""
        if kernels._predict_into(mode, Xm, coef, intercept, out, out_class,
                                 self._threads()):
            check_finite(X)
            if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
                raise ValueError("coef_ or intercept_ contains NaN or infinity: "
                                 "this model cannot predict; fit it again or "
                                 "set finite coefficients")

    def _threads(self):
        """n_threads, validated, as the engine takes it (a C int).  The
        engine caps every team at the processors available to the process
        and at the work, and runs serially in a forked child, so a large
        value is harmless (see ``kernels.max_threads``)."""
        if self.n_threads is None:
            return kernels._requested_threads()
        return int(check_scalar(self.n_threads, "n_threads",
                                kind=numbers.Integral, low=1))

    @_blockwise_on_dask
    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Scores: log-odds of ``classes_[1]`` (shape (n,)) for two classes,
        else the K softmax logits (shape (n, K)); always float64, as a score
        may exceed float32's range.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.decision_function([[1, 1]]).tolist()
        [1.0]
        """
        X, Xm, coef, intercept, classes = self._check_predict_input(X)
        out = np.empty((X.shape[0], coef.shape[0]))
        self._predict(0, X, Xm, coef, intercept, out, None)
        # Always float64: a score can exceed float32's range even when X and
        # the coefficients are float32, and must not turn into inf.
        return out.ravel() if coef.shape[0] == 1 else out

    @_blockwise_on_dask
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the
        order of ``classes_``.  The dtype follows X (float32 or float64).
        Never NaN for finite X: a score beyond float64 gives probabilities
        exactly 0 and 1 (classes tied at +inf share the probability), and
        ``predict`` is their argmax.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.predict_proba([[1, 1]])[:, 1].round(4).tolist()
        [0.7311]
        """
        X, Xm, coef, intercept, classes = self._check_predict_input(X)
        out = np.empty((X.shape[0], max(coef.shape[0], 2)))
        self._predict(1, X, Xm, coef, intercept, out, None)
        return out.astype(X.dtype, copy=False)

    @_blockwise_on_dask
    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of ``predict_proba``, computed without rounding tiny
        probabilities to 0 first; float64.  Where ``predict_proba``
        returns exactly 1 (with float32 X, any probability within 3e-8 of
        1), the log is exactly 0, so that ``np.log(predict_proba(X))``
        agrees with it to the precision of X's dtype.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> float(gate.predict_log_proba([[0, 0]])[0, 1].round(4))
        -4.0181
        """
        X, Xm, coef, intercept, classes = self._check_predict_input(X)
        scores = np.empty((X.shape[0], coef.shape[0]))
        self._predict(0, X, Xm, coef, intercept, scores, None)
        proba = np.empty((X.shape[0], max(coef.shape[0], 2)))
        self._predict(1, X, Xm, coef, intercept, proba, None)
        one = proba.astype(X.dtype, copy=False) == 1    # as predict_proba
        if coef.shape[0] == 1:
            # log sigmoid(z) = -log(1 + exp(-z))
            z = scores[:, 0]
            log_proba = np.column_stack([-np.logaddexp(0, z),
                                         -np.logaddexp(0, -z)])
        else:
            log_proba = _log_softmax(scores)
        log_proba[one] = 0.0
        return log_proba

    @_blockwise_on_dask
    def predict(self, X: ArrayLike) -> np.ndarray:
        """Most probable class of each row, as labels from ``classes_``.

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0],
        ...                                     classes=["off", "on"])
        >>> gate.predict([[1, 1], [0, 1]]).tolist()
        ['on', 'off']
        """
        X, Xm, coef, intercept, classes = self._check_predict_input(X)
        idx = np.empty(X.shape[0], dtype=np.intp)
        self._predict(2, X, Xm, coef, intercept, None, idx)
        return classes.take(idx)

    def score(self, X: ArrayLike, y: ArrayLike,
              sample_weight: ArrayLike | None = None) -> float:
        """Accuracy (weighted when ``sample_weight`` is given).

        Examples
        --------
        >>> from clogreg import LogisticRegression
        >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
        >>> gate.score([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])
        1.0
        """
        pred = self.predict(X)
        if is_dask_collection(pred):       # X on Dask: the labels, computed
            pred = pred.compute()
        if is_dask_collection(y):
            y = y.compute()
        if is_dask_collection(sample_weight):
            sample_weight = sample_weight.compute()
        y = np.asarray(y)
        if y.shape != pred.shape:
            raise ValueError(f"y has shape {y.shape}, expected {pred.shape}")
        sw = check_sample_weight(sample_weight, pred.shape[0])
        return float(np.average(pred == y, weights=sw))

    def inference(self, X: ArrayLike, y: ArrayLike,
                  sample_weight: ArrayLike | None = None) -> InferenceResult:
        """Standard errors, z statistics, p-values and confidence intervals
        of the fitted coefficients, from the observed Fisher information
        ``X~' W X~`` at ``coef_``/``intercept_`` (``X~`` has a leading
        column of ones when the model has an intercept; ``W = p (1 - p) s``
        with ``s`` the sample times class weights, read as frequency
        weights).  For an unpenalised binary model these are statsmodels'
        ``Logit`` results.

        Pass the data the model was fitted on.  Three or more classes use
        the reference-class parameterisation of statsmodels' ``MNLogit``
        (each class against ``classes_[0]``).  A penalised model warns that
        its p-values are not valid, and its standard errors include the
        penalty's Hessian.  The normal distribution comes from
        ``math.erfc``: no scipy needed.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,) or None

        Returns
        -------
        InferenceResult
            With ``params`` (intercept first), ``std_err``, ``z``,
            ``p_value``, ``cov``, ``conf_int(alpha=0.05)`` and
            ``summary()``.

        Raises
        ------
        ValueError
            When the maximum-likelihood estimate does not exist (perfect or
            quasi-perfect separation) or the information is singular
            (collinear or constant features); also for invalid input.

        Examples
        --------
        >>> import numpy as np
        >>> from clogreg import LogisticRegression
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> model = LogisticRegression(penalty=None, solver="newton", tol=1e-10)
        >>> res = model.fit(X, y).inference(X, y)
        >>> res.params.round(4).tolist(), res.p_value.round(3).tolist()
        ([-3.0351, 1.214], [0.233, 0.183])
        """
        _refuse_dask("inference", (X, y, sample_weight),
                     "it needs X in memory: pass X.compute() (the Fisher "
                     "information is d x d, but its pass over X runs here)")
        return _inference(self, X, y, sample_weight)


def _log_softmax(scores):
    """Row-wise log-softmax of float64 scores, +-inf handled."""
    top = scores.max(axis=1, keepdims=True)
    infinite = np.isinf(top[:, 0])
    if infinite.any():
        # As predict_proba: the classes at an infinite maximum share the
        # probability (log(1 / n_top)), the others get log(0) = -inf;
        # computed on scores of 0 / -inf to avoid inf - inf.
        scores = scores.copy()
        at_top = scores[infinite] == top[infinite]
        scores[infinite] = np.where(at_top, 0.0, -np.inf)
        top[infinite] = 0.0
    lse = top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
    return scores - lse


def _fit_summary(X, Xm, dtype, classes, solver, n_threads):
    """verbose's first line: the shape, layout and type of X, the classes,
    the solver and where the passes run."""
    if is_external(Xm):
        layout, where = " Dask collection", "on the Dask workers"
    else:
        layout = " CSR" if hasattr(X, "indptr") else ""
        threads = min(int(n_threads), kernels.max_threads())
        where = f"{threads} thread{'s' if threads > 1 else ''}"
    n, d = X.shape
    return (f"fit {n} x {d} {np.dtype(dtype).name}{layout}, "
            f"{classes.shape[0]} classes, solver {solver}, {where}")


def _log_odds_start(counts):
    """Intercepts that reproduce the weighted class frequencies (``counts``:
    the weight of each class): the exact optimum for a model without
    features, and a good start otherwise."""
    freq = np.maximum(counts / counts.sum(), 1e-12)
    log_freq = np.log(freq)
    if counts.shape[0] == 2:
        return np.array([log_freq[1] - log_freq[0]])
    return log_freq - log_freq.mean()


def _is_balanced(class_weight):
    # An array compared with a string would broadcast: test the type first.
    return isinstance(class_weight, str) and class_weight == "balanced"
