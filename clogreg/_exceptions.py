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


def not_fitted_error(message):
    """A NotFittedError to raise.  When scikit-learn is already imported,
    the error also subclasses scikit-learn's NotFittedError, so that its
    tools recognise it; scikit-learn is never imported here."""
    import sys

    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError(message)
    cls = _COMBINED.get(sk.NotFittedError)
    if cls is None:
        cls = type("NotFittedError", (NotFittedError, sk.NotFittedError),
                   {"__module__": __name__, "__doc__": NotFittedError.__doc__})
        _COMBINED[sk.NotFittedError] = cls
    return cls(message)
