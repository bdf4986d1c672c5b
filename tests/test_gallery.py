"""The gallery scripts (examples/gallery/plot_*.py) run and draw the truth.

Each script runs with runpy, in a fresh working directory, on matplotlib's
Agg backend.  References: scikit-learn's LogisticRegression and
LogisticRegressionCV fitted on the script's own data (the models the
scripts fit and draw), the AND gate's probabilities as the
known-coefficients tutorial publishes them, the objective written out in
numpy (the loss curves' last points), and the engine's own predictions at
the drawn regions and boundaries.
"""

import os
import runpy

import numpy as np
import pytest
from numpy.testing import assert_allclose

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

sklearn_lm = pytest.importorskip("sklearn.linear_model")

GALLERY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "examples", "gallery")
SCRIPTS = ["plot_decision_boundary.py", "plot_multiclass.py", "plot_loss_curve.py",
           "plot_regularization_path.py"]


def run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plt.close("all")
    return runpy.run_path(os.path.join(GALLERY, name), run_name="__main__")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_script_is_a_gallery_entry():
    found = sorted(n for n in os.listdir(GALLERY) if n.endswith(".py"))
    assert found == sorted(SCRIPTS)
    for name in SCRIPTS:
        with open(os.path.join(GALLERY, name), encoding="utf-8") as f:
            text = f.read()
        # sphinx-gallery: a module docstring whose first line is an rst
        # title, underlined with '=' to its length.
        assert text.startswith('"""\n')
        title, underline = text.split("\n")[1:3]
        assert title and set(underline) == {"="} and len(underline) == len(title)
        assert "seed" not in text.lower()
        imports = {line.split()[1].split(".")[0] for line in text.splitlines()
                   if line.startswith(("import ", "from "))}
        assert imports <= {"numpy", "matplotlib", "clogreg"}, imports


def regions_by_class(ax):
    """{class index: polygon} from the region patches, by their colour."""
    colours = [to_rgba(c.get_facecolor()[0], 1.0) for c in ax.collections]
    return {colours.index(to_rgba(p.get_facecolor(), 1.0)): np.asarray(p.get_xy())
            for p in ax.patches}


def test_plot_decision_boundary(tmp_path, monkeypatch, capsys):
    ns = run("plot_decision_boundary.py", tmp_path, monkeypatch)
    X, y, model = ns["X"], ns["y"], ns["model"]
    ref = sklearn_lm.LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(
        X.astype(np.float64), y)
    assert_allclose(model.coef_, ref.coef_, rtol=1e-3)
    assert_allclose(model.intercept_, ref.intercept_, rtol=1e-3)
    # The known-coefficients tutorial's printed probabilities.
    assert_allclose(ns["gate"].predict_proba(ns["inputs"])[:, 1],
                    [0.01798620996209156, 0.18242552380635635,
                     0.18242552380635635, 0.7310585786300049], rtol=1e-12)
    assert "0.731059" in capsys.readouterr().out
    left, right = ns["fig"].axes
    for ax, fitted, data in ((left, model, X), (right, ns["gate"], ns["inputs"])):
        regions = regions_by_class(ax)
        assert sorted(regions) == [0, 1]
        for k, poly in regions.items():
            inside = poly[:-1].mean(axis=0)
            assert fitted.predict(inside[None])[0] == fitted.classes_[k]
        (line,) = ax.get_lines()
        ends = np.column_stack([line.get_xdata(), line.get_ydata()])
        assert_allclose(fitted.decision_function(ends), 0.0, atol=1e-9)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "0", "1", "decision boundary"]
        assert sum(len(c.get_offsets()) for c in ax.collections) == len(data)


def test_plot_multiclass(tmp_path, monkeypatch):
    ns = run("plot_multiclass.py", tmp_path, monkeypatch)
    X, y, model = ns["X"], ns["y"], ns["model"]
    ref = sklearn_lm.LogisticRegression(C=10.0, tol=1e-10, max_iter=5000).fit(X, y)
    assert list(model.classes_) == list(ref.classes_)
    assert_allclose(model.coef_, ref.coef_, rtol=1e-3, atol=1e-3)
    assert_allclose(model.intercept_, ref.intercept_, rtol=1e-3, atol=1e-3)
    (ax,) = ns["fig"].axes
    regions = regions_by_class(ax)
    assert sorted(regions) == [0, 1, 2]
    for k, poly in regions.items():
        inside = poly[:-1].mean(axis=0)
        assert ref.predict(inside[None])[0] == model.classes_[k]
    # Three pairwise borders meeting at one point, each a tie of the two
    # best classes.
    lines = ax.get_lines()
    assert len(lines) == 3
    for line in lines:
        ends = np.column_stack([line.get_xdata(), line.get_ydata()])
        top2 = np.sort(model.decision_function(ends), axis=1)[:, -2:]
        assert_allclose(top2[:, 1] - top2[:, 0], 0.0, atol=1e-9)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "setosa", "versicolor", "virginica", "decision boundary"]


def mean_objective(model, X, y):
    """(1/n) sum log-loss + ||w||^2 / (2 C n), in float64 numpy."""
    X = X.astype(np.float64)
    z = X @ model.coef_[0].astype(np.float64) + float(model.intercept_[0])
    loss = np.logaddexp(0.0, z) - y * z
    w = model.coef_[0].astype(np.float64)
    return loss.mean() + 0.5 * w @ w / (model.C * len(y))


def test_plot_loss_curve(tmp_path, monkeypatch):
    ns = run("plot_loss_curve.py", tmp_path, monkeypatch)
    X, y, models = ns["X"], ns["y"], ns["models"]
    axes = ns["fig"].axes
    assert len(axes) == len(models) == 4
    ref = sklearn_lm.LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(
        X.astype(np.float64), y)
    optimum = mean_objective(ref, X, y)
    for ax, (solver, model) in zip(axes, models.items(), strict=True):
        (line,) = ax.get_lines()
        assert_allclose(line.get_ydata(), model.loss_curve_, rtol=0)
        assert len(line.get_ydata()) == model.n_iter_[0]
        assert solver in ax.get_title()
        if solver == "sgd":
            # the mean of the epoch's batch objectives: near the optimum
            assert model.loss_curve_[-1] == pytest.approx(optimum, rel=0.05)
            assert ax.get_xlabel() == "epoch"
        else:
            # the objective at the final coefficients, and the optimum's
            assert model.loss_curve_[-1] == pytest.approx(
                mean_objective(model, X, y), rel=1e-6)
            assert model.loss_curve_[-1] == pytest.approx(optimum, rel=1e-5)
            assert ax.get_xlabel() == "iteration"


def test_plot_regularization_path(tmp_path, monkeypatch):
    ns = run("plot_regularization_path.py", tmp_path, monkeypatch)
    X, y, Cs, coefs, cv = ns["X"], ns["y"], ns["Cs"], ns["coefs"], ns["cv"]
    (ax,) = ns["fig"].axes
    lines = ax.get_lines()
    assert len(lines) == X.shape[1] + 1
    for j, line in enumerate(lines[:-1]):
        assert_allclose(line.get_xdata(), Cs)
        assert_allclose(line.get_ydata(), coefs[:, j])
    for i in (0, 10, 20, 29):
        ref = sklearn_lm.LogisticRegression(C=Cs[i], tol=1e-12, max_iter=1000)
        assert_allclose(coefs[i], ref.fit(X, y).coef_[0], rtol=1e-5, atol=1e-8)
    ref_cv = sklearn_lm.LogisticRegressionCV(
        Cs=Cs, cv=5, scoring="neg_log_loss", l1_ratios=(0.0,),
        use_legacy_attributes=False, tol=1e-10, max_iter=1000).fit(X, y)
    assert cv.C_[0] == pytest.approx(ref_cv.C_, rel=1e-12)
    assert_allclose(lines[-1].get_xdata(), [cv.C_[0]] * 2)
    assert ax.get_xscale() == "log"
