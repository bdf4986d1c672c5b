"""Pictures of what a model learned: ``clogreg.plot``.

Design: matplotlib is an optional extra (``pip install clogreg[plot]``)
and is imported inside each function, so ``import clogreg.plot`` costs
nothing and works without it; calling a function without matplotlib raises
an ImportError that names the extra.  Every function draws on the Axes it
is given (or on a new one from ``plt.subplots()``) and returns that Axes;
none calls ``show`` or ``savefig`` or touches global settings (backend,
rcParams).  The decision regions and boundary are computed from ``coef_``
and ``intercept_`` in float64 and drawn exactly, not traced on a grid:
the logits are affine in the two drawn features, so each class's region
is a convex polygon (the plotting box clipped by one half-plane per other
class) and each boundary a straight segment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:       # matplotlib is optional: only the type checker needs it
    from matplotlib.axes import Axes

    from ._cv import LogisticRegressionCV
    from ._logistic import LogisticRegression

    _Model = LogisticRegression | LogisticRegressionCV

from ._exceptions import not_fitted_error
from ._validation import check_X, check_y, feature_names

__all__ = ["decision_boundary", "loss_curve", "sigmoid"]

_EXTRA_HINT = "pip install clogreg[plot]"
# The plotting box extends the data's range by this share on each side, so
# that markers on the extreme samples are drawn whole.
_MARGIN = 0.08


def _matplotlib():
    """(matplotlib.pyplot, matplotlib.axes.Axes), or a clear ImportError."""
    try:
        import matplotlib.axes
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"clogreg.plot needs matplotlib, which is not installed ({exc}); "
            f"install it with: {_EXTRA_HINT}") from None
    return plt, matplotlib.axes.Axes


def _axes(ax):
    plt, Axes = _matplotlib()
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got "
                        f"{type(ax).__name__}")
    return ax


def _check_fitted(model):
    if not hasattr(model, "coef_"):
        raise not_fitted_error(model)


def _class_colors(n):
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _feature_index(spec, names, d):
    if isinstance(spec, str):
        if names is None or spec not in names:
            raise ValueError(f"feature {spec!r} is not a feature name of the "
                             f"model ({'none known' if names is None else names})")
        return names.index(spec)
    if isinstance(spec, (bool, np.bool_)) or not isinstance(spec, (int, np.integer)):
        raise TypeError(f"features must be two column indices or names, got "
                        f"{spec!r}")
    if not -d <= spec < d:
        raise ValueError(f"feature index {spec} is out of range for "
                         f"{d} features")
    return int(spec) % d


def _segment_in_box(w, c, box):
    """End points of the line w[0] x + w[1] y + c = 0 inside the box
    (xmin, xmax, ymin, ymax), or None when it misses the box."""
    xmin, xmax, ymin, ymax = box
    points = []
    if w[1] != 0:
        for x in (xmin, xmax):
            y = -(c + w[0] * x) / w[1]
            if ymin <= y <= ymax:
                points.append((x, y))
    if w[0] != 0:
        for y in (ymin, ymax):
            x = -(c + w[1] * y) / w[0]
            if xmin <= x <= xmax:
                points.append((x, y))
    if len(points) < 2:
        return None
    points.sort()
    return points[0], points[-1]


def _clip_polygon(points, w, c):
    """The part of the convex polygon ``points`` (a list of (x, y)) where
    w[0] x + w[1] y + c >= 0: one Sutherland-Hodgman step, exact up to
    rounding (a vertex is cut where the affine function crosses 0)."""
    out = []
    for i, p in enumerate(points):
        q = points[(i + 1) % len(points)]
        fp = w[0] * p[0] + w[1] * p[1] + c
        fq = w[0] * q[0] + w[1] * q[1] + c
        if fp >= 0:
            out.append(p)
        if (fp >= 0) != (fq >= 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _clip_segment(segment, w, c):
    """The part of the segment where w[0] x + w[1] y + c >= 0, or None."""
    (p, q) = segment
    fp = w[0] * p[0] + w[1] * p[1] + c
    fq = w[0] * q[0] + w[1] * q[1] + c
    if fp < 0 and fq < 0:
        return None
    if fp >= 0 and fq >= 0:
        return segment
    t = fp / (fp - fq)
    cut = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
    return (p, cut) if fp >= 0 else (cut, q)


def _regions_and_edges(W, c, box):
    """The exact picture of a linear classifier in the plane.

    ``W`` (K, 2) and ``c`` (K,) are the logits of K classes as affine
    functions of the two drawn features.  Class k wins where
    ``l_k >= l_j`` for every j: an intersection of half-planes, so its
    region inside the box is a convex polygon, the box clipped by K - 1
    half-planes.  The border between classes k and j is the part of the
    line ``l_k = l_j`` where both beat every other class.  Returns (the K
    polygons, a list of None or vertices; the border segments).
    """
    k_count = W.shape[0]
    xmin, xmax, ymin, ymax = box
    rect = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]
    regions = []
    for k in range(k_count):
        poly = rect
        for j in range(k_count):
            if j != k and len(poly) >= 3:
                poly = _clip_polygon(poly, W[k] - W[j], c[k] - c[j])
        regions.append(poly if len(poly) >= 3 else None)
    edges = []
    for k in range(k_count):
        for j in range(k + 1, k_count):
            seg = _segment_in_box(W[k] - W[j], c[k] - c[j], box)
            for i in range(k_count):
                if seg is not None and i not in (k, j):
                    seg = _clip_segment(seg, W[k] - W[i], c[k] - c[i])
            if seg is not None and seg[0] != seg[1]:
                edges.append(seg)
    return regions, edges


def _label_texts(classes):
    """The class labels as the legend shows them: float labels that are all
    whole numbers (0.0 and 1.0, as ``y`` read from a float array) as
    integers, any other label as ``str`` gives it."""
    values = [c.item() if hasattr(c, "item") else c for c in classes]
    if all(isinstance(v, float) and v.is_integer() for v in values):
        return [str(int(v)) for v in values]
    return [str(v) for v in values]


def _point_style(n):
    """(size, alpha, edge width) of the scatter: bold for a few points,
    smaller and translucent for many, so that dense clouds keep a shape."""
    if n <= 500:
        return 30, 0.9, 0.5
    if n <= 5000:
        return 14, 0.75, 0.3
    return 6, 0.5, 0.0


def decision_boundary(model: _Model, X: ArrayLike, y: ArrayLike,
                      ax: Axes | None = None, *,
                      features: tuple[int | str, int | str] = (0, 1)) -> Axes:
    """Scatter the samples coloured by class, over the predicted regions.

    The plane is shaded by the predicted class and the decision boundary
    is drawn where the predicted class changes: for two classes the line
    where the log-odds are 0 (the predicted probability is 1/2), for three
    or more the segments where two classes tie ahead of the others.
    Regions and boundary are exact (polygons and segments computed from
    ``coef_`` and ``intercept_``, not traced on a grid).  With more than two
    features, the two chosen ``features`` are drawn and the others are
    held at their means over X.

    Parameters
    ----------
    model : fitted LogisticRegression
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels from ``model.classes_``.
    ax : matplotlib Axes or None
        Where to draw; None draws on a new figure (``plt.subplots()``).
    features : pair of int or str, default=(0, 1)
        The columns on the x and y axes, by index or by feature name.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        Without matplotlib (``pip install clogreg[plot]``).

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from clogreg import LogisticRegression, plot
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 0, 0, 1])
    >>> gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
    >>> ax = plot.decision_boundary(gate, X, y, ax=Figure().subplots())
    >>> ax.get_lines()[0].get_label()
    'decision boundary'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['0', '1', 'decision boundary']
    """
    _check_fitted(model)
    ax = _axes(ax)
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = feature_names(X)
    names = None if names is None else [str(v) for v in names]
    X = check_X(X, accept_sparse=True)
    if hasattr(X, "toarray"):
        X = X.toarray()
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if d != model.n_features_in_:
        raise ValueError(f"X has {d} features, but the model was fitted with "
                         f"{model.n_features_in_}")
    if d < 2:
        raise ValueError("decision_boundary needs at least two features; with "
                         "one, plot model.predict_proba against the feature")
    if np.ndim(features) != 1 or len(features) != 2:
        raise ValueError(f"features must be a pair of columns, got {features!r}")
    a, b = (_feature_index(f, names, d) for f in features)
    if a == b:
        raise ValueError(f"features must be two different columns, got {features!r}")
    labels, codes = check_y(y, n)
    classes = model.classes_
    pos = np.minimum(np.searchsorted(classes, labels), classes.shape[0] - 1)
    if (classes[pos] != labels).any():
        bad = labels[classes[pos] != labels][0]
        raise ValueError(f"y contains {bad!r}, which is not one of the model's "
                         f"classes {classes.tolist()}")
    y_index = pos[codes]

    coef = np.asarray(model.coef_.toarray() if hasattr(model.coef_, "toarray")
                      else model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    others = [j for j in range(d) if j not in (a, b)]
    # Logits as a function of the two drawn features: the others sit at
    # their means and fold into the intercept.
    offset = intercept + coef[:, others] @ X[:, others].mean(axis=0)
    W, c = coef[:, [a, b]], offset
    if W.shape[0] == 1:
        # Binary: the log-odds of classes_[1] against a class 0 of logit 0.
        W, c = np.vstack([np.zeros(2), W]), np.r_[0.0, c]

    span_x = np.ptp(X[:, a]) or 1.0
    span_y = np.ptp(X[:, b]) or 1.0
    box = (X[:, a].min() - _MARGIN * span_x, X[:, a].max() + _MARGIN * span_x,
           X[:, b].min() - _MARGIN * span_y, X[:, b].max() + _MARGIN * span_y)
    colors = _class_colors(classes.shape[0])
    regions, edges = _regions_and_edges(W, c, box)
    for k, poly in enumerate(regions):
        if poly is not None:
            ax.fill(*zip(*poly, strict=True), color=colors[k], alpha=0.2,
                    linewidth=0, zorder=0, label="_nolegend_")
    size, alpha, edge = _point_style(n)
    for i, label in enumerate(_label_texts(classes)):
        mask = y_index == i
        if mask.any():
            ax.scatter(X[mask, a], X[mask, b], s=size, alpha=alpha,
                       color=colors[i], edgecolors="white", linewidths=edge,
                       label=label, zorder=2)
    for i, ((x0, y0), (x1, y1)) in enumerate(edges):
        ax.plot([x0, x1], [y0, y1], color="black", linewidth=1.5, zorder=3,
                label="decision boundary" if i == 0 else "_nolegend_")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(names[a] if names else f"x{a + 1}")
    ax.set_ylabel(names[b] if names else f"x{b + 1}")
    title = "Decision boundary"
    if others:
        title += "\n(other features at their means)"
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small", markerscale=(30 / size) ** 0.5,
              framealpha=0.9)
    return ax


def loss_curve(model: LogisticRegression, ax: Axes | None = None) -> Axes:
    """Plot the mean objective after each iteration (``model.loss_curve_``).

    The objective is the mean log-loss plus the penalty over ``C`` times
    the weight sum, the quantity the solvers minimise; the y-axis says
    "mean objective", the line's label (for ``ax.legend()``) says it all.

    Parameters
    ----------
    model : fitted LogisticRegression
    ax : matplotlib Axes or None
        Where to draw; None draws on a new figure (``plt.subplots()``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When the model has no loss curve (built with ``from_coef`` or
        loaded from a file).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from clogreg import LogisticRegression, plot
    >>> model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> ax = plot.loss_curve(model, ax=Figure().subplots())
    >>> len(ax.get_lines()[0].get_ydata()) == int(model.n_iter_[0])
    True
    """
    _check_fitted(model)
    curve = np.asarray(getattr(model, "loss_curve_", np.zeros(0)), dtype=np.float64)
    if curve.size == 0:
        raise ValueError("this model has no loss curve: models built with "
                         "from_coef or read with clogreg.load keep none; fit "
                         "one to see its objective per iteration")
    ax = _axes(ax)
    steps = np.arange(1, curve.size + 1)
    unit = {"sgd": "epoch"}.get(model.solver, "iteration")
    if getattr(model, "_partial_state", None) is not None:
        unit = "partial_fit call"
    ax.plot(steps, curve, marker="o" if curve.size <= 50 else None,
            markersize=3, label="mean objective (log-loss + penalty)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(unit)
    # Short: a long label overruns the axes' height and the neighbour
    # subplot; what the objective is, is in the line's label.
    ax.set_ylabel("mean objective")
    ax.set_title(f"Loss curve: {curve.size} {unit}{'s' if curve.size != 1 else ''}")
    ax.grid(True, alpha=0.3)
    return ax


def sigmoid(ax: Axes | None = None, *, limit: float = 10.0) -> Axes:
    """Plot the S-curve ``sigmoid(z) = 1 / (1 + exp(-z))`` on [-limit, limit].

    Parameters
    ----------
    ax : matplotlib Axes or None
        Where to draw; None draws on a new figure (``plt.subplots()``).
    limit : float, default=10.0

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from clogreg import plot
    >>> ax = plot.sigmoid(ax=Figure().subplots())
    >>> float(ax.get_lines()[0].get_ydata()[200])
    0.5
    """
    from ._functions import sigmoid as _sigmoid

    if isinstance(limit, bool) or not isinstance(limit, (int, float, np.floating)) \
            or not 0 < limit < np.inf:
        raise ValueError(f"limit must be a positive finite number, got {limit!r}")
    ax = _axes(ax)
    z = np.linspace(-limit, limit, 401)
    ax.plot(z, _sigmoid(z), linewidth=2, label="1 / (1 + exp(-z))")
    ax.axhline(0.5, color="gray", linestyle="--", linewidth=1,
               label="threshold 0.5")
    ax.axvline(0.0, color="gray", linestyle=":", linewidth=1)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("z = w . x + b")
    ax.set_ylabel("sigmoid(z)")
    ax.set_title("The logistic (sigmoid) function")
    # Upper left, where the curve is near 0: clear of it at any size.
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax
