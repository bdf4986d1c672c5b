"""``python -m clogreg demo``: runs, and reports numbers that agree with an
independent scikit-learn fit of the same data."""

import io
import subprocess
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from clogreg.__main__ import demo
from clogreg._datasets import make_seed_clouds


def test_demo_reports_both_solvers_with_sklearn_accuracy():
    out = io.StringIO()
    assert demo(out) == 0
    text = out.getvalue()
    lines = {line.split()[0]: line.split() for line in text.splitlines()[3:]}
    assert set(lines) == {"auto", "gd"}
    X, y = make_seed_clouds()
    sk = SkLogisticRegression().fit(X.astype(np.float64), y)
    for row in lines.values():
        accuracy = float(row[4])
        assert abs(accuracy - sk.score(X, y)) < 1e-3
        coef = [float(row[1].strip("[,")), float(row[2].strip("],"))]
        np.testing.assert_allclose(coef, sk.coef_[0], rtol=2e-2)


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "clogreg", "demo"],
                          capture_output=True, text=True, timeout=120,
                          cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout


def test_unknown_command_exits_2():
    proc = subprocess.run([sys.executable, "-m", "clogreg", "nope"],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 2
