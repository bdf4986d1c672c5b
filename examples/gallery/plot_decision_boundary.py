"""
Decision boundary of a binary model
===================================

Two correlated Gaussian clouds, the simulated data of the
batch-gradient-descent tutorial (``make_gaussian_clouds``), fitted with
``LogisticRegression``, and the AND gate of the known-coefficients
tutorial, built from its coefficients with ``from_coef``.

``clogreg.plot.decision_boundary`` shades the plane by the predicted class
and draws the boundary, the line where the predicted probability is 1/2
(the log-odds ``w . x + b`` are 0).  Both are computed exactly from
``coef_`` and ``intercept_``, not traced on a grid.
"""

import matplotlib.pyplot as plt
import numpy as np

from clogreg import LogisticRegression, plot
from clogreg._datasets import make_gaussian_clouds

# %%
# Fit the clouds: 500 points per class, labels 0.0 and 1.0.
X, y = make_gaussian_clouds(500)
model = LogisticRegression().fit(X, y)
w1, w2 = model.coef_[0]
print(f"log-odds = {w1:.4f} x1 {w2:+.4f} x2 {model.intercept_[0]:+.4f}")

# %%
# The AND gate: weights 2.5 and 2.5, bias -4.  Only (1, 1) is on the
# positive side of the line 2.5 x1 + 2.5 x2 = 4.
inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
truth = np.array([0, 0, 0, 1])
gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0])
print("AND gate probabilities:", gate.predict_proba(inputs)[:, 1].round(6).tolist())

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
plot.decision_boundary(model, X, y, ax=left)
left.set_title("Gaussian clouds (batch-gradient-descent tutorial)")
plot.decision_boundary(gate, inputs, truth, ax=right)
right.set_title("AND gate from known coefficients")
fig.tight_layout()
