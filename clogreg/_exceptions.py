"""Exceptions and warnings raised by clogreg."""


class ConvergenceWarning(UserWarning):
    """A solver stopped (at ``max_iter`` or in its line search) before its
    convergence test was met.  The coefficients are finite and usable, but
    not at the tolerance that was asked for.

    When scikit-learn is imported, the warning raised also subclasses its
    ``sklearn.exceptions.ConvergenceWarning``, so
    ``warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)``
    silences it (a filter on that class needs scikit-learn imported, so
    the warning never has to import it).

    Examples
    --------
    >>> import warnings
    >>> from clogreg import ConvergenceWarning, LogisticRegression
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = LogisticRegression(max_iter=1, tol=0).fit([[0], [1], [3]], [0, 1, 1])
    >>> issubclass(caught[0].category, ConvergenceWarning)
    True
    """


class DataConversionWarning(UserWarning):
    """Input was converted to the form the estimator needs (for example a
    column-vector y raveled to 1-D).  Named like scikit-learn's warning of
    the same meaning (and a subclass of it when scikit-learn is imported).

    Examples
    --------
    >>> import warnings
    >>> import clogreg
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = clogreg.LogisticRegression().fit([[0], [1]], [[0], [1]])
    >>> issubclass(caught[0].category, clogreg.DataConversionWarning)
    True
    """


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit``.

    Subclasses both ValueError and AttributeError, like scikit-learn's
    ``NotFittedError``, so either ``except`` clause catches it; when
    scikit-learn is imported, the raised error also subclasses its
    ``NotFittedError``.

    Examples
    --------
    >>> import clogreg
    >>> try:
    ...     clogreg.LogisticRegression().predict([[1.0]])
    ... except clogreg.NotFittedError as exc:
    ...     print(type(exc).__name__, isinstance(exc, ValueError))
    NotFittedError True
    """


_COMBINED = {}


def _with_sklearn_twin(ours, name):
    """``ours``, or when scikit-learn is already imported, a subclass of
    both ``ours`` and scikit-learn's class of the same name, so that
    scikit-learn's tools and warning filters recognise it.  scikit-learn is
    never imported here."""
    import sys

    sk = sys.modules.get("sklearn.exceptions")
    theirs = getattr(sk, name, None)
    if theirs is None:
        return ours
    cls = _COMBINED.get((ours, theirs))
    if cls is None:
        cls = type(name, (ours, theirs), {"__module__": __name__,
                                          "__doc__": ours.__doc__})
        _COMBINED[(ours, theirs)] = cls
    return cls


def not_fitted_error(estimator, before=None):
    """The NotFittedError to raise when ``estimator`` is used unfitted (see
    ``_with_sklearn_twin``); ``before`` names the call that needs the fit."""
    message = (f"this {type(estimator).__name__} is not fitted yet; call "
               f"fit(X, y) {'first' if before is None else 'before ' + before}")
    return _with_sklearn_twin(NotFittedError, "NotFittedError")(message)


def data_conversion_warning():
    """The DataConversionWarning class to warn with."""
    return _with_sklearn_twin(DataConversionWarning, "DataConversionWarning")


def convergence_warning():
    """The ConvergenceWarning class to warn with (see ``_with_sklearn_twin``).

    "Already imported" rather than "importable" is enough: a filter or an
    ``except`` naming scikit-learn's class has imported it, and importing
    scikit-learn (and scipy) inside a fit would cost a second and more."""
    return _with_sklearn_twin(ConvergenceWarning, "ConvergenceWarning")
