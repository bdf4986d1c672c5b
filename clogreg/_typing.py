"""The types of clogreg's string-valued parameters, for type checkers.

Design: one ``Literal`` alias per vocabulary (solvers, penalties,
scorings), used in the constructors' signatures, so that mypy or pyright
rejects ``solver="lbgfs"`` before anything runs.  They are annotations
only: the run-time checks in ``_logistic`` and ``_cv`` stay the authority
(and the error a user without a type checker gets), and
tests/test_typing.py checks that each alias lists exactly the names those
checks accept.  This module must never import anything but the standard
library and numpy.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

#: ``LogisticRegression(solver=...)``: clogreg's solvers, then
#: scikit-learn's names (run by the engine solver of the same objective).
SolverName: TypeAlias = Literal[
    "auto", "lbfgs", "newton", "gd", "sgd",
    "newton-cg", "newton-cholesky", "liblinear", "sag", "saga",
]
#: ``LogisticRegression(penalty=...)``, besides None ('deprecated' is
#: scikit-learn's spelling of 'auto').
PenaltyName: TypeAlias = Literal["auto", "deprecated", "l2", "l1", "elasticnet"]
#: ``LogisticRegressionCV(penalty=...)``.
CVPenaltyName: TypeAlias = Literal["deprecated", "l2", "l1", "elasticnet"]
#: ``LogisticRegressionCV(scoring=...)``, besides a callable and None.
ScoringName: TypeAlias = Literal[
    "accuracy", "neg_log_loss", "neg_brier_score", "roc_auc",
    "balanced_accuracy", "f1",
]
#: ``class_weight=``: a weight per class label, 'balanced', or None.
ClassWeight: TypeAlias = dict[Any, float] | Literal["balanced"] | None
