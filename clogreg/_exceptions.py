"""Exceptions and warnings raised by clogreg."""


class ConvergenceWarning(UserWarning):
    """A solver stopped (at ``max_iter`` or in its line search) before its
    convergence test was met.  The coefficients are finite and usable, but
    not at the tolerance that was asked for."""


class NotFittedError(ValueError, AttributeError):
    """A method that needs a fitted model was called before ``fit``.

    Subclasses both ValueError and AttributeError, like scikit-learn's
    ``NotFittedError``, so either ``except`` clause catches it.
    """
