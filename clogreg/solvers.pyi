"""Type stubs of the compiled ``clogreg.solvers`` (src/solvers.pyx).

The objective of one fit and the four solvers that minimise it.  Each
solver updates ``theta`` in place, appends the objective after each
iteration to ``loss_curve`` and returns ``(n_iter, status,
n_evaluations)``; status 0 is converged, 1 max_iter reached, 2 the line
search stalled, 3 stopped by the callback.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

from clogreg._rowmatrix import RowMatrix

_F64 = NDArray[np.float64]
_Callback = Callable[[int, float], object] | None

__pyx_capi__: dict[str, Any]

@disjoint_base  # a Cython extension type: its C layout is fixed
class Objective:
    """The data, labels, weights and penalty of one fit.  ``X`` is a
    RowMatrix, or external data (``clogreg._dask``) holding its own labels
    and weights, with ``y`` and ``sample_weight`` None."""

    def __init__(
        self,
        X: RowMatrix | Any,
        y: NDArray[np.int32] | None,
        sample_weight: _F64 | None,
        n_classes: int,
        fit_intercept: bool,
        alpha: float,
        l1: float,
        mean: _F64 | None,
        scale: _F64 | None,
        n_threads: int,
        precondition: bool = False,
    ) -> None: ...
    @property
    def n_params(self) -> int: ...
    def enable_hessian(self) -> None: ...
    def value_and_gradient(self, theta: _F64, grad: _F64) -> float: ...

@disjoint_base  # a Cython extension type: its C layout is fixed
class Progress:
    start: float
    last: float
    def __init__(self, *args: Any) -> None: ...
    def say(self, verbose: int, text: str) -> None: ...

def lbfgs(
    obj: Objective,
    theta: _F64,
    tol: float,
    max_iter: int,
    memory: int,
    callback: _Callback,
    verbose: int,
    loss_curve: list[float],
    progress: Progress | None = None,
) -> tuple[int, int, int]: ...
def newton(
    obj: Objective,
    theta: _F64,
    tol: float,
    max_iter: int,
    callback: _Callback,
    verbose: int,
    loss_curve: list[float],
    progress: Progress | None = None,
    continuing: bool = False,
) -> tuple[int, int, int]: ...
def gd(
    obj: Objective,
    theta: _F64,
    tol: float,
    max_iter: int,
    learning_rate: float,
    initial_step: float,
    callback: _Callback,
    verbose: int,
    loss_curve: list[float],
    progress: Progress | None = None,
) -> tuple[int, int, int]: ...
def sgd(
    obj: Objective,
    theta: _F64,
    tol: float,
    max_iter: int,
    learning_rate: float,
    batch_size: int,
    shuffle_state: int,
    n_iter_no_change: int,
    first_epoch: int,
    callback: _Callback,
    verbose: int,
    loss_curve: list[float],
    progress: Progress | None = None,
    calibrate: bool = False,
) -> tuple[int, int, int, float]: ...
