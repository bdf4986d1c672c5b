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


def _load_engine_with_passive_waiting():
    """Load the compiled engine (and with it its OpenMP runtime) with
    OMP_WAIT_POLICY=PASSIVE, unless the user set a wait policy or a spin
    count; then put the environment back as it was.

    Why: by default libgomp's idle threads spin for a while after every
    parallel region, waiting for the next one.  On a machine where another
    process keeps a core busy, the spinning worker competes with the
    caller's thread and the other process, and a region's start waits
    until the scheduler runs it: ``benchmarks/threads.py`` measured a
    default fit at 1.6 (tall 200k x 100) to 12 times (10k x 50, 30
    iterations) the time of ``n_threads=1`` with one core busy, and 0.8 to
    0.9 times with passive waiting (which also wakes the worker in about
    30 microseconds instead of milliseconds).  A passive worker sleeps
    between passes, so it never takes a core someone else needs.

    The variable is read once, when the runtime is loaded.  The Linux
    wheels carry their own copy of libgomp, so this configures clogreg's
    threads only; where the runtime is shared and already loaded (a
    source build, after another OpenMP library), nothing changes.  The
    environment is restored at once: child processes and libraries
    loaded later see the user's own settings.
    """
    import os

    keys = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")
    if any(k in os.environ for k in keys):
        from . import kernels  # noqa: F401
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        from . import kernels  # noqa: F401
    finally:
        del os.environ["OMP_WAIT_POLICY"]


_load_engine_with_passive_waiting()

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
