"""Pictures of what a model learned: ``clogreg.plot``.

Design: matplotlib is an optional extra (``pip install clogreg[plot]``)
and is imported inside each function, so ``import clogreg.plot`` costs
nothing and works without it; calling a function without matplotlib raises
an ImportError that names the extra.  Every function draws on the Axes it
is given (or on a new one from ``plt.subplots()``) and returns that Axes;
none calls ``show`` or ``savefig`` or touches global settings (backend,
rcParams).  The decision boundary is computed from ``coef_`` and
``intercept_`` in float64: the set where the log-odds are 0 is a straight
line, drawn exactly (not traced on a grid); multinomial regions are the
argmax of the logits on a grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._exceptions import not_fitted_error
from ._validation import check_X, check_y, feature_names

__all__ = ["decision_boundary", "loss_curve", "sigmoid"]

_EXTRA_HINT = "pip install clogreg[plot]"


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


def decision_boundary(model: Any, X: ArrayLike, y: ArrayLike, ax: Any = None, *,
                      features: tuple[int | str, int | str] = (0, 1),
                      resolution: int = 300) -> Any:
    """Scatter the samples coloured by class, with the decision boundary.

    For two classes the boundary is the line where the log-odds are 0 (the
    predicted probability is 1/2); for three or more, the plane is shaded
    by the predicted class.  With more than two features, the two chosen
    ``features`` are drawn and the others are held at their means over X.

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
    resolution : int, default=300
        Grid points per axis for the multinomial regions.

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
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    labels, codes = check_y(y, n)
    classes = model.classes_
    pos = np.minimum(np.searchsorted(classes, labels), classes.shape[0] - 1)
    if (classes[pos] != labels).any():
        bad = labels[classes[pos] != labels][0]
        raise ValueError(f"y contains {bad!r}, which is not one of the model's "
                         f"classes {classes.tolist()}")
    y_index = pos[codes]

    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    others = [j for j in range(d) if j not in (a, b)]
    # Logits as a function of the two drawn features: the others sit at
    # their means and fold into the intercept.
    offset = intercept + coef[:, others] @ X[:, others].mean(axis=0)

    span_x = np.ptp(X[:, a]) or 1.0
    span_y = np.ptp(X[:, b]) or 1.0
    box = (X[:, a].min() - 0.05 * span_x, X[:, a].max() + 0.05 * span_x,
           X[:, b].min() - 0.05 * span_y, X[:, b].max() + 0.05 * span_y)
    colors = _class_colors(classes.shape[0])
    if coef.shape[0] > 1:
        gx, gy = np.meshgrid(np.linspace(box[0], box[1], resolution),
                             np.linspace(box[2], box[3], resolution))
        logits = (np.outer(gx.ravel(), coef[:, a]) + np.outer(gy.ravel(), coef[:, b])
                  + offset)
        region = logits.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, region, levels=np.arange(classes.shape[0] + 1) - 0.5,
                    colors=colors, alpha=0.2)
    alpha = 0.8 if n <= 500 else 0.3
    size = 25 if n <= 500 else 6
    for i, label in enumerate(classes):
        mask = y_index == i
        if mask.any():
            ax.scatter(X[mask, a], X[mask, b], s=size, alpha=alpha,
                       color=colors[i], edgecolors="none", label=str(label))
    if coef.shape[0] == 1:
        segment = _segment_in_box(coef[0, [a, b]], float(offset[0]), box)
        if segment is not None:
            (x0, y0), (x1, y1) = segment
            ax.plot([x0, x1], [y0, y1], color="black", linewidth=1.5,
                    label="decision boundary")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(names[a] if names else f"x{a + 1}")
    ax.set_ylabel(names[b] if names else f"x{b + 1}")
    title = "Decision boundary"
    if others:
        title += "\n(other features at their means)"
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small", markerscale=(25 / size) ** 0.5)
    return ax


def loss_curve(model: Any, ax: Any = None) -> Any:
    """Plot the mean objective after each iteration (``model.loss_curve_``).

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
            markersize=3, label="mean objective")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(unit)
    ax.set_ylabel("mean objective (log-loss + penalty)")
    ax.set_title(f"Loss curve: {curve.size} {unit}{'s' if curve.size != 1 else ''}")
    ax.grid(True, alpha=0.3)
    return ax


def sigmoid(ax: Any = None, *, limit: float = 10.0) -> Any:
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
    ax.plot(z, _sigmoid(z), linewidth=2, label="sigmoid(z) = 1 / (1 + exp(-z))")
    ax.axhline(0.5, color="gray", linestyle="--", linewidth=1,
               label="threshold 0.5")
    ax.axvline(0.0, color="gray", linestyle=":", linewidth=1)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("z = w . x + b")
    ax.set_ylabel("sigmoid(z)")
    ax.set_title("The logistic (sigmoid) function")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax
