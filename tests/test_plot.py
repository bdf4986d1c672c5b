"""``clogreg.plot`` (clogreg/plot.py), rendered with matplotlib's Agg backend.

References: the numpy formula of the sigmoid, ``loss_curve_``, the
engine's ``decision_function``/``predict`` at the drawn points (the plot
computes its boundary and regions from ``coef_`` in numpy), the shoelace
area of the region polygons against the plotting box, the colours of the
rendered pixels, matplotlib's own text extents (the layout), and the PNG
file signature.
"""

import doctest
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from clogreg import ConvergenceWarning, LogisticRegression, NotFittedError, plot  # noqa: E402
from clogreg._datasets import make_gaussian_clouds  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def new_axes():
    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    return fig.subplots()


def blobs(n_classes, n=60, d=2, seed=0):
    rng = np.random.default_rng(seed)
    centres = 3 * rng.normal(size=(n_classes, d))
    y = np.arange(n) % n_classes
    return centres[y] + rng.normal(size=(n, d)), y


def test_sigmoid_draws_the_logistic_function():
    ax = plot.sigmoid(ax=new_axes())
    line = ax.get_lines()[0]
    z = np.asarray(line.get_xdata())
    assert z[0] == -10 and z[-1] == 10
    assert_allclose(line.get_ydata(), 1.0 / (1.0 + np.exp(-z)), rtol=1e-15)
    ax = plot.sigmoid(limit=40.0)          # a new pyplot figure
    assert ax.figure in [plt.figure(n) for n in plt.get_fignums()]
    assert_allclose(ax.get_lines()[0].get_ydata()[[0, -1]], [0.0, 1.0], atol=1e-17)


@pytest.mark.parametrize("solver, unit", [("lbfgs", "iteration"), ("sgd", "epoch")])
def test_loss_curve_draws_loss_curve_(solver, unit):
    X, y = blobs(2, n=200)
    model = LogisticRegression(solver=solver, random_state=0, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    ax = plot.loss_curve(model, ax=new_axes())
    line = ax.get_lines()[0]
    assert_allclose(line.get_ydata(), model.loss_curve_, rtol=0)
    assert_allclose(line.get_xdata(), np.arange(1, model.n_iter_[0] + 1))
    assert ax.get_xlabel() == unit


def test_loss_curve_of_a_model_without_one_is_an_error():
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
    with pytest.raises(ValueError, match="no loss curve"):
        plot.loss_curve(gate, ax=new_axes())
    with pytest.raises(NotFittedError):
        plot.loss_curve(LogisticRegression(), ax=new_axes())


def boundary_points(ax):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "decision boundary"]
    return np.column_stack([line.get_xdata(), line.get_ydata()])


def test_binary_boundary_is_where_the_engine_says_probability_one_half():
    X, y = make_gaussian_clouds(500)
    model = LogisticRegression().fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes())
    ends = boundary_points(ax)
    assert_allclose(model.decision_function(ends.astype(np.float64)), 0.0, atol=1e-9)
    # The segment spans the plotted box: each end lies on its edge.
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for x, yy in ends:
        assert min(abs(x - x0), abs(x - x1), abs(yy - y0), abs(yy - y1)) < 1e-9
    # One scatter per class, holding exactly that class's points.
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 2
    for label, pts in zip((0.0, 1.0), offsets, strict=True):
        assert_allclose(np.asarray(pts), X[y == label], rtol=1e-6)
    # make_gaussian_clouds' labels are the floats 0.0 and 1.0: the legend
    # says 0 and 1.
    assert model.classes_.dtype == np.float64
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "0", "1", "decision boundary"]


@pytest.mark.parametrize("labels, texts", [
    ([0.0, 1.0, 2.0], ["0", "1", "2"]),
    ([-1, 3, 7], ["-1", "3", "7"]),
    (["ant", "bee", "cat"], ["ant", "bee", "cat"]),
    ([False, True, True], ["False", "True"]),
])
def test_legend_labels_are_the_class_labels_as_written(labels, texts):
    X, _ = blobs(3, n=30)
    y = np.array(labels)[np.arange(30) % 3]
    model = LogisticRegression().fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes())
    # numpy's own str() of each label, except integral floats
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:len(texts)] == texts
    assert legend[len(texts):] == ["decision boundary"]


def test_more_than_two_features_hold_the_rest_at_their_means():
    X, y = blobs(2, n=300, d=4, seed=3)
    model = LogisticRegression().fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes(), features=(2, 0))
    ends = boundary_points(ax)
    full = np.tile(X.mean(axis=0), (2, 1))
    full[:, 2], full[:, 0] = ends[:, 0], ends[:, 1]
    assert_allclose(model.decision_function(full), 0.0, atol=1e-9)
    assert ax.get_xlabel() == "x3" and ax.get_ylabel() == "x1"
    assert "means" in ax.get_title()


def test_feature_names_pick_the_columns_and_label_the_axes():
    pd = pytest.importorskip("pandas")
    X, y = blobs(2, n=100, d=3)
    frame = pd.DataFrame(X, columns=["age", "dose", "weight"])
    model = LogisticRegression().fit(frame, y)
    ax = plot.decision_boundary(model, frame, y, ax=new_axes(),
                                features=("weight", "age"))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("weight", "age")
    with pytest.raises(ValueError, match="'height' is not a feature name"):
        plot.decision_boundary(model, frame, y, ax=new_axes(),
                               features=("height", "age"))


def rendered(ax):
    fig = ax.figure
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255


@pytest.mark.parametrize("n_classes", [2, 3])
def test_regions_have_the_colour_of_the_predicted_class(n_classes):
    X, y = blobs(n_classes, n=30, seed=1)
    model = LogisticRegression(C=10.0).fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes())
    pixels = rendered(ax)
    height = pixels.shape[0]
    colours = [np.asarray(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert len(colours) == n_classes
    # Probe a grid of points away from the samples, the legend and the
    # class borders (all in display pixels).
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 25)[1:-1], np.linspace(y0, y1, 25)[1:-1])
    probes = np.column_stack([gx.ravel(), gy.ravel()])
    at = ax.transData.transform(probes)
    dots = ax.transData.transform(X)
    far = np.min(np.linalg.norm(at[:, None] - dots[None], axis=2), axis=1) > 10
    legend = ax.get_legend().get_window_extent().expanded(1.1, 1.1)
    far &= ~((legend.x0 <= at[:, 0]) & (at[:, 0] <= legend.x1)
             & (legend.y0 <= at[:, 1]) & (at[:, 1] <= legend.y1))
    proba = model.predict_proba(probes)
    top2 = np.sort(proba, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 0.2
    probes = probes[far & clear]
    assert len(probes) > 100
    predicted = model.predict(probes)
    seen = set()
    for (px, py), k in zip(ax.transData.transform(probes), predicted, strict=True):
        got = pixels[int(round(height - py)), int(round(px))]
        expected = 0.2 * colours[k] + 0.8     # alpha 0.2 over white
        assert_allclose(got, expected, atol=0.02)
        seen.add(int(k))
    assert seen == set(range(n_classes))


def region_polygons(ax):
    return [np.asarray(p.get_xy()) for p in ax.patches]


@pytest.mark.parametrize("n_classes, d", [(2, 2), (3, 2), (4, 3), (5, 2)])
def test_regions_and_boundaries_are_exact(n_classes, d):
    # The polygons tile the plotting box, each vertex is a point where the
    # engine predicts the region's class (or a tie, on a border), and each
    # boundary segment is a tie between the two best classes.
    X, y = blobs(n_classes, n=40 * n_classes, d=d, seed=n_classes)
    model = LogisticRegression(C=10.0).fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes())
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mean = X.mean(axis=0)

    def full(points):
        out = np.tile(mean, (len(points), 1))
        out[:, :2] = points
        return out

    colours = [to_rgba(c.get_facecolor()[0], 1.0) for c in ax.collections]
    area = 0.0
    for poly in region_polygons(ax):        # closed: last vertex == first
        area += 0.5 * abs(np.dot(poly[:-1, 0], poly[1:, 1])
                          - np.dot(poly[1:, 0], poly[:-1, 1]))
    assert area == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-9)
    # one region per class that wins somewhere in the box
    assert len(ax.patches) == len(set(model.predict(X).tolist()))
    for patch in ax.patches:
        k = colours.index(to_rgba(patch.get_facecolor(), 1.0))
        scores = model.decision_function(full(np.asarray(patch.get_xy())))
        if n_classes == 2:
            scores = np.column_stack([np.zeros(len(scores)), scores])
        assert (scores[:, k] >= scores.max(axis=1) - 1e-9).all()
        # and a point inside the polygon is predicted as its class
        inside = np.asarray(patch.get_xy())[:-1].mean(axis=0)
        assert model.predict(full(inside[None]))[0] == model.classes_[k]
    lines = ax.get_lines()
    assert lines and lines[0].get_label() == "decision boundary"
    assert len(lines) >= n_classes - 1
    for line in lines:
        ends = np.column_stack([line.get_xdata(), line.get_ydata()])
        scores = model.decision_function(full(ends))
        if n_classes == 2:
            assert_allclose(scores, 0.0, atol=1e-9)
        else:
            top2 = np.sort(scores, axis=1)[:, -2:]
            assert_allclose(top2[:, 1] - top2[:, 0], 0.0, atol=1e-9)


def test_a_sparsified_model_draws_the_same_picture():
    pytest.importorskip("scipy")
    X, y = blobs(3, n=60, seed=2)
    model = LogisticRegression(C=10.0).fit(X, y)
    dense = plot.decision_boundary(model, X, y, ax=new_axes())
    sparse = plot.decision_boundary(model.sparsify(), X, y, ax=new_axes())
    assert len(sparse.patches) == len(dense.patches) == 3
    for a, b in zip(dense.patches, sparse.patches, strict=True):
        assert_allclose(a.get_xy(), b.get_xy(), rtol=0)


def test_points_stand_out_from_the_shading():
    # At the centre of a sample's marker the canvas shows (nearly) the
    # class colour, not the pale shading under it: an isolated point of
    # each class, on the 1000-point clouds of the tutorial.
    X, y = make_gaussian_clouds(500)
    model = LogisticRegression().fit(X, y)
    ax = plot.decision_boundary(model, X, y, ax=new_axes())
    pixels = rendered(ax)
    height = pixels.shape[0]
    dots = ax.transData.transform(X.astype(np.float64))
    gaps = np.linalg.norm(dots[:, None] - dots[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    isolated = gaps.min(axis=1) > 8
    # ... and away from the boundary line and the legend
    ends = ax.transData.transform(boundary_points(ax))
    normal = np.array([ends[0, 1] - ends[1, 1], ends[1, 0] - ends[0, 0]])
    isolated &= np.abs((dots - ends[0]) @ normal) / np.linalg.norm(normal) > 8
    legend = ax.get_legend().get_window_extent().expanded(1.1, 1.1)
    isolated &= ~((legend.x0 <= dots[:, 0]) & (dots[:, 0] <= legend.x1)
                  & (legend.y0 <= dots[:, 1]) & (dots[:, 1] <= legend.y1))
    for k, scatter in enumerate(ax.collections):
        colour = np.asarray(scatter.get_facecolor()[0][:3])
        shade = 0.2 * colour + 0.8
        picks = np.flatnonzero(isolated & (y == k))
        assert len(picks) >= 3
        for i in picks:
            px, py = dots[i]
            got = pixels[int(round(height - py)), int(round(px))]
            assert np.abs(got - colour).max() < 0.5 * np.abs(shade - colour).max()


def test_loss_curve_label_stays_within_its_axes():
    # A 2 x 2 grid at matplotlib's default figure size, tight_layout: the
    # y-label of the loss curve (bottom left) must be no taller than its
    # axes and stay clear of the plot above it (a label naming the whole
    # objective was 250 pixels tall on 150 pixels of axes).
    X, y = make_gaussian_clouds(200)
    model = LogisticRegression().fit(X, y)
    fig = Figure(figsize=(6.4, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    plot.sigmoid(ax=axes[0, 0])
    plot.decision_boundary(model, X, y, ax=axes[0, 1])
    plot.loss_curve(model, ax=axes[1, 0])
    plot.loss_curve(model, ax=axes[1, 1])
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label = axes[1, 0].yaxis.label.get_window_extent(renderer)
    assert label.height <= axes[1, 0].get_window_extent(renderer).height
    assert label.y1 < axes[0, 0].get_tightbbox(renderer).y0
    assert axes[1, 0].get_lines()[0].get_label() == (
        "mean objective (log-loss + penalty)")


def test_plots_render_to_png(tmp_path):
    X, y = make_gaussian_clouds(2000)
    model = LogisticRegression(solver="gd", max_iter=200).fit(X, y)
    fig = Figure(figsize=(12, 4), dpi=100)
    axes = fig.subplots(1, 3)
    assert plot.sigmoid(ax=axes[0]) is axes[0]
    assert plot.loss_curve(model, ax=axes[1]) is axes[1]
    assert plot.decision_boundary(model, X, y, ax=axes[2]) is axes[2]
    path = tmp_path / "plots.png"
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 20_000 < len(data) < 2_000_000
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (400, 1200)
    # Both class colours are really on the canvas.
    rgb = image[..., :3].reshape(-1, 3)
    for colour in (to_rgba("tab:blue")[:3], to_rgba("tab:orange")[:3]):
        assert (np.abs(rgb - colour).max(axis=1) < 0.15).sum() > 100


def test_bad_arguments():
    X, y = blobs(2, d=3)
    model = LogisticRegression().fit(X, y)
    ax = new_axes()
    with pytest.raises(TypeError, match="Axes"):
        plot.sigmoid(ax="not an axes")
    with pytest.raises(ValueError, match="limit"):
        plot.sigmoid(ax=ax, limit=-1)
    with pytest.raises(ValueError, match="2 features.*3"):
        plot.decision_boundary(model, X[:, :2], y, ax=ax)
    with pytest.raises(ValueError, match="two different columns"):
        plot.decision_boundary(model, X, y, ax=ax, features=(1, 1))
    with pytest.raises(ValueError, match="out of range"):
        plot.decision_boundary(model, X, y, ax=ax, features=(0, 3))
    with pytest.raises(ValueError, match="no name|not a feature name"):
        plot.decision_boundary(model, X, y, ax=ax, features=("a", 0))
    with pytest.raises(ValueError, match="not one of the model's classes"):
        plot.decision_boundary(model, X, y + 5, ax=ax)
    one = LogisticRegression().fit(X[:, :1], y)
    with pytest.raises(ValueError, match="at least two features"):
        plot.decision_boundary(one, X[:, :1], y, ax=ax)
    with pytest.raises(NotFittedError):
        plot.decision_boundary(LogisticRegression(), X, y, ax=ax)


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import fails
    for call in (lambda: plot.sigmoid(),
                 lambda: plot.loss_curve(LogisticRegression().fit([[0], [1]], [0, 1])),
                 lambda: plot.decision_boundary(
                     LogisticRegression().fit([[0, 1], [1, 0]], [0, 1]),
                     [[0, 1], [1, 0]], [0, 1])):
        with pytest.raises(ImportError, match=r"pip install clogreg\[plot\]"):
            call()


def test_importing_clogreg_plot_does_not_import_matplotlib():
    import subprocess

    code = ("import sys; import clogreg.plot; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_docstring_examples_run():
    result = doctest.testmod(plot, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
