"""clogreg: logistic regression on a fast, numerically careful Cython engine."""

__version__ = "0.1.0"

from ._config import get_include, show_config
from ._exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from ._functions import sigmoid, softmax
from ._inference import InferenceResult
from ._io import load
from ._logistic import LogisticRegression

__all__ = [
    "ConvergenceWarning",
    "DataConversionWarning",
    "InferenceResult",
    "LogisticRegression",
    "NotFittedError",
    "get_include",
    "load",
    "show_config",
    "sigmoid",
    "softmax",
]
