"""Exceptions and warnings raised by clogreg."""


class ConvergenceWarning(UserWarning):
    """A solver stopped (at ``max_iter`` or in its line search) before its
    convergence test was met.  The coefficients are finite and usable, but
    not at the tolerance that was asked for."""


class DataConversionWarning(UserWarning):
    """Input was converted to the form the estimator needs (for example a
    column-vector y raveled to 1-D).  Named like scikit-learn's warning of
    the same meaning."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit``.

    Subclasses both ValueError and AttributeError, like scikit-learn's
    ``NotFittedError``, so either ``except`` clause catches it.
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


def not_fitted_error(message):
    """A NotFittedError to raise (see ``_with_sklearn_twin``)."""
    return _with_sklearn_twin(NotFittedError, "NotFittedError")(message)


def data_conversion_warning():
    """The DataConversionWarning class to warn with."""
    return _with_sklearn_twin(DataConversionWarning, "DataConversionWarning")
