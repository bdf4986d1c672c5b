"""
Regularization path
===================

The coefficients of an L2-penalised ``LogisticRegression`` as the inverse
penalty strength ``C`` grows: strongly penalised models (small C) keep
every coefficient near 0, weakly penalised ones reach the unpenalised
fit.  ``LogisticRegressionCV`` picks the C with the best cross-validated
log-loss, marked by the dashed line.

The data are simulated: six standardised features, of which three matter.
"""

import matplotlib.pyplot as plt
import numpy as np

from clogreg import LogisticRegression, LogisticRegressionCV

rng = np.random.default_rng(0)
n, d = 400, 6
true_coef = np.array([2.0, -1.5, 1.0, 0.0, 0.0, 0.0])
X = rng.normal(size=(n, d))
y = (X @ true_coef + rng.logistic(size=n) > 0).astype(int)

# %%
# One fit per C, each started from the previous one (``warm_start``).
Cs = np.logspace(-3, 2, 30)
model = LogisticRegression(warm_start=True, tol=1e-8)
coefs = np.array([model.set_params(C=C).fit(X, y).coef_[0] for C in Cs])

cv = LogisticRegressionCV(Cs=Cs, cv=5, scoring="neg_log_loss", tol=1e-8).fit(X, y)
print(f"C chosen by 5-fold cross-validation: {cv.C_[0]:.4g}")
print("coefficients there:", cv.coef_.round(3).tolist())

fig, ax = plt.subplots(figsize=(6.4, 4.8))
for j in range(d):
    ax.plot(Cs, coefs[:, j], label=f"x{j + 1} (true {true_coef[j]:g})")
ax.axvline(cv.C_[0], color="gray", linestyle="--", label="C chosen by CV")
ax.set_xscale("log")
ax.set_xlabel("C (inverse penalty strength)")
ax.set_ylabel("coefficient")
ax.set_title("L2 regularization path")
ax.legend(fontsize="small")
ax.grid(True, alpha=0.3)
fig.tight_layout()
