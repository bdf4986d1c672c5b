"""``examples/tutorial.py`` runs, quickly, and prints the tutorials' numbers.

References: the numbers the tutorials publish (the AND gate's probabilities,
softmax([8, 5, 2]), make_classification accuracy 1.0), scikit-learn fits
of the same data, and the PNG file signature of the saved plots.
"""

import ast
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from clogreg._datasets import make_gaussian_clouds

TUTORIAL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", "tutorial.py")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path_factory.mktemp("tutorial")
    start = time.perf_counter()
    # cwd="/": import the installed clogreg, not the source tree.
    proc = subprocess.run([sys.executable, TUTORIAL, str(out_dir)], cwd="/",
                          capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""            # no warnings
    return proc.stdout, out_dir, elapsed


def value(stdout, label):
    match = re.search(rf"^{re.escape(label)}: (.*)$", stdout, re.M)
    assert match, f"no line {label!r}"
    return match.group(1)


def test_runs_in_under_a_minute_without_warnings(run):
    stdout, _, elapsed = run
    assert elapsed < 60
    sections = re.findall(r"^== (\d)\.", stdout, re.M)
    assert sections == [str(i) for i in range(1, 9)]     # the tutorials' order


def test_prints_the_numbers_the_seeds_publish(run):
    stdout, _, _ = run
    assert_allclose(ast.literal_eval(value(stdout, "AND gate probabilities")),
                    [0.01798620996209156, 0.18242552380635635,
                     0.18242552380635635, 0.7310585786300049], rtol=1e-15)
    assert ast.literal_eval(value(stdout, "AND gate predictions")) == [0, 0, 0, 1]
    assert_allclose(ast.literal_eval(value(stdout, "softmax([8, 5, 2])")),
                    [0.95033021, 0.04731416, 0.00235563], atol=5e-9)
    assert value(stdout, "make_classification accuracy (the tutorial reports "
                         "1.0)") == "1.0"
    tutorial, ours = (float(v) for v in re.findall(
        r"^cross-entropy .*: ([\d.]+)$", stdout, re.M))
    assert tutorial == ours


def test_fits_agree_with_scikit_learn(run):
    stdout, _, _ = run
    X, y = make_gaussian_clouds()
    sk = SkLogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(
        X.astype(np.float64), y)
    accuracy = float(value(stdout, "gradient descent accuracy"))
    assert abs(accuracy - sk.score(X, y)) < 1e-3
    weights = re.search(r"^default solver .* weights \[(.*)\], intercept (.*)$",
                        stdout, re.M)
    assert_allclose([float(w) for w in weights.group(1).split(",")],
                    sk.coef_[0], rtol=1e-3)
    assert_allclose(float(weights.group(2)), sk.intercept_[0], rtol=1e-3)
    iris = load_iris()
    sk_iris = SkLogisticRegression(max_iter=1000).fit(iris.data, iris.target)
    assert abs(float(value(stdout, "iris training accuracy"))
               - sk_iris.score(iris.data, iris.target)) <= 0.01


def test_saves_the_plots_as_png(run):
    _, out_dir, _ = run
    names = sorted(os.listdir(out_dir))
    assert names == ["decision_boundary.png", "iris_regions.png", "loss_curve.png",
                     "sigmoid.png"]
    for name in names:
        with open(out_dir / name, "rb") as f:
            data = f.read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 10_000, name
