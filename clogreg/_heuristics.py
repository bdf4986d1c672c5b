"""The solver heuristics of ``solver='auto'``: which engine solver runs a
fit, and when it hands over to another.

Design: 'auto' starts with L-BFGS, the fewest passes over X on most
problems, and, for an L2 penalty (finite C) on data in this process,
hands over to trust-region Newton from L-BFGS's point when a third
of ``max_iter`` has passed without convergence.  Newton's quadratic
convergence finishes ill-conditioned problems (raw or standardised
breast_cancer and digits at large C, where L-BFGS needs 120 to 570
iterations) in a few more iterations; a problem L-BFGS solves within a
third of the budget never sees Newton, so its fit is L-BFGS's, bit for
bit.  Why a third: on the grid C = 0.01 ... 100 over the four bundled
datasets, raw and standardised, a half left 3 of the 25 folds of raw
breast_cancer at C=100 unconverged and took 7% more passes over X.  The
step-size rules live in ``clogreg._steps``.

What it must never do: exceed ``max_iter`` iterations in all, or lose the
objective curve of the first solver.
"""

from __future__ import annotations

import math

from . import solvers

# scikit-learn's solver names -> the engine solver minimising the same
# objective (liblinear: for L1 see engine_solver).  sag and saga are
# stochastic-average methods for the full-batch objective; lbfgs reaches
# that objective's optimum in fewer passes.
SKLEARN_SOLVERS = {"newton-cg": "newton", "newton-cholesky": "newton",
                   "liblinear": "newton", "sag": "lbfgs", "saga": "lbfgs"}
ENGINE_SOLVERS = ("auto", "lbfgs", "newton", "gd", "sgd")

# The share of max_iter lbfgs runs before newton takes over, and at least
# MIN_LBFGS iterations: a max_iter of 10 or less is a deliberate truncation
# (a progress check, a warm-started step), which stays lbfgs's.
LBFGS_SHARE = 1 / 3
MIN_LBFGS = 10
_MAX_ITER = 1        # the engine's status codes (src/solvers.pyx)
_LINESEARCH_FAILED = 2


def engine_solver(name, penalty):
    """The engine solver that runs solver ``name`` for ``penalty``
    ('auto' runs 'lbfgs', which ``run_auto`` may hand over to 'newton')."""
    if name == "auto":
        return "lbfgs"
    if name in ENGINE_SOLVERS:
        return name
    if name == "liblinear" and penalty == "l1":
        return "lbfgs"      # OWL-QN: liblinear's L1 objective, by another route
    return SKLEARN_SOLVERS[name]


def hands_over(est, external):
    """True when ``est``'s 'auto' fit may hand over from lbfgs to newton:
    solver 'auto', penalty 'l2' with a finite C (newton handles no L1
    part; without a penalty the data may be separable, with no finite
    optimum, where lbfgs's long steps are what drives the objective to 0
    and newton's trust region crawls), data in this process (a Dask fit
    keeps one solver)."""
    if est.solver != "auto" or external:
        return False
    penalty, _ = est._penalty_kind()
    return penalty == "l2" and not math.isinf(est.C)


def run_auto(obj, theta, tol, max_iter, memory, callback, verbose, curve,
             progress=None):
    """lbfgs for the first max(ceil(max_iter / 3), 10) iterations (at most
    max_iter); then, unless it converged (or the callback stopped it, or
    the objective became non-finite), newton from its point for the rest
    of ``max_iter``.
    Returns (n_iter, status, n_passes) of the two together; ``curve``
    holds both solvers' objectives in order, and the callback sees the
    iterations numbered on from lbfgs's.  ``progress``: the fit's
    ``solvers.Progress`` (verbose's clock), or None for a new one."""
    if progress is None:
        progress = solvers.Progress()
    first = min(max_iter, max(math.ceil(max_iter * LBFGS_SHARE), MIN_LBFGS))
    n1, status, passes = solvers.lbfgs(obj, theta, tol, first, memory,
                                       callback, verbose, curve, progress)
    rest = max_iter - n1
    if status not in (_MAX_ITER, _LINESEARCH_FAILED) or rest <= 0:
        return n1, status, passes
    progress.say(verbose, f"lbfgs did not converge in {n1} iterations; "
                 "newton continues from its point (its iterations below "
                 f"count from 1; n_iter_ adds them to these {n1})")
    shifted = None
    if callback is not None:
        def shifted(it, f):
            return callback(n1 + it, f)
    # continuing: lbfgs's point may meet the gradient bound but not its
    # second test; newton must not accept it on the bound alone either
    n2, status, more = solvers.newton(obj, theta, tol, rest, shifted,
                                      verbose, curve, progress, True)
    return n1 + n2, status, passes + more
