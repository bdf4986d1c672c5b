"""clogreg: logistic regression on a fast, numerically careful Cython engine."""

__version__ = "0.1.0"


def _find_engine():
    """Make the compiled engine importable from a source checkout.

    ``python -m clogreg`` run in the repository root puts the checkout first
    on sys.path, and its ``clogreg/`` holds the Python sources but not the
    compiled modules, which ``pip install .`` built into the installed copy.
    In that case only, append the installed copy's directory to this
    package's search path, so that ``clogreg.kernels`` and friends resolve
    there.  An installed or in-place-built package is left untouched.
    """
    import importlib.machinery
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)

    def has_engine(directory):
        try:
            names = os.listdir(directory)
        except OSError:
            return False
        return any(n.startswith("kernels.") and n.endswith(suffixes) for n in names)

    if has_engine(here):
        return
    for entry in sys.path:
        candidate = os.path.join(os.path.abspath(entry or os.curdir), "clogreg")
        if candidate != here and has_engine(candidate):
            __path__.append(candidate)
            return


_find_engine()

from ._config import get_include, show_config  # noqa: E402
from ._cv import LogisticRegressionCV  # noqa: E402
from ._exceptions import (  # noqa: E402
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
)
from ._functions import sigmoid, softmax  # noqa: E402
from ._inference import InferenceResult  # noqa: E402
from ._io import load  # noqa: E402
from ._logistic import LogisticRegression  # noqa: E402

__all__ = [
    "ConvergenceWarning",
    "DataConversionWarning",
    "InferenceResult",
    "LogisticRegression",
    "LogisticRegressionCV",
    "NotFittedError",
    "get_include",
    "load",
    "show_config",
    "sigmoid",
    "softmax",
]
