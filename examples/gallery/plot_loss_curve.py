"""
Loss curves of the solvers
==========================

The mean objective (log-loss plus the L2 penalty) after each iteration of
each solver, on the batch-gradient-descent tutorial's Gaussian clouds.
``'newton'`` and ``'lbfgs'`` take a handful of iterations; ``'gd'``
(gradient descent with Barzilai-Borwein steps) a few dozen; ``'sgd'``
counts epochs, each of many mini-batch steps, and stops when an epoch no
longer improves the objective.

``clogreg.plot.loss_curve`` draws ``model.loss_curve_``.
"""

import matplotlib.pyplot as plt

from clogreg import LogisticRegression, plot
from clogreg._datasets import make_gaussian_clouds

X, y = make_gaussian_clouds(1000)

# %%
# One model per solver, each with its default stopping rule.
models = {solver: LogisticRegression(solver=solver, random_state=0).fit(X, y)
          for solver in ("newton", "lbfgs", "gd", "sgd")}
for solver, model in models.items():
    unit = "epochs" if solver == "sgd" else "iterations"
    print(f"{solver:>6}: {model.n_iter_[0]:3d} {unit:<10} final objective "
          f"{model.loss_curve_[-1]:.6f}")

fig, axes = plt.subplots(2, 2, figsize=(8, 6))
for ax, (solver, model) in zip(axes.ravel(), models.items(), strict=True):
    plot.loss_curve(model, ax=ax)
    unit = "epochs" if solver == "sgd" else "iterations"
    ax.set_title(f"solver={solver!r}: {model.n_iter_[0]} {unit}")
fig.tight_layout()
