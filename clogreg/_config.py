"""Build and runtime facts: ``show_config`` and ``get_include``."""

from __future__ import annotations

import os
import platform
import sys

import numpy as np

from . import kernels


def get_include() -> str:
    """Directory to put on a downstream build's include path.

    It contains the ``clogreg`` package directory, so Cython finds
    ``clogreg/kernels.pxd`` for ``from clogreg.kernels cimport ...``.

    Examples
    --------
    >>> import os, clogreg
    >>> os.path.isfile(os.path.join(clogreg.get_include(), "clogreg", "kernels.pxd"))
    True
    """
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def show_config(print_out: bool = True) -> dict[str, object]:
    """Report how clogreg was built and how many threads it will use.

    Parameters
    ----------
    print_out : bool, default=True
        Print the report; the dict is returned either way.

    Returns
    -------
    dict with keys 'version', 'openmp', 'threads', 'python', 'numpy',
    'platform'.

    Examples
    --------
    >>> import clogreg
    >>> info = clogreg.show_config(print_out=False)
    >>> sorted(info)
    ['numpy', 'openmp', 'platform', 'python', 'threads', 'version']
    """
    from . import __version__

    info = {
        "version": __version__,
        "openmp": kernels.openmp_enabled(),
        "threads": kernels.max_threads(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
    }
    if print_out:
        width = max(map(len, info))
        for key, value in info.items():
            print(f"{key:<{width}} : {value}")
    return info
