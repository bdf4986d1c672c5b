"""
Softmax regions of three classes
================================

A multinomial (softmax) ``LogisticRegression`` on simulated iris-like
data: petal length and width of three species, drawn from normal
distributions with the means and spreads of Fisher's iris measurements.

With three or more classes, ``clogreg.plot.decision_boundary`` shades each
class's region, the convex polygon where its logit is the largest, and
draws the borders, the segments where two classes tie ahead of the third.
"""

import matplotlib.pyplot as plt
import numpy as np

from clogreg import LogisticRegression, plot

# %%
# 50 flowers per species: (mean, standard deviation) of petal length and
# width in centimetres.
species = np.array(["setosa", "versicolor", "virginica"])
means = np.array([[1.46, 0.25], [4.26, 1.33], [5.55, 2.03]])
spreads = np.array([[0.17, 0.11], [0.47, 0.20], [0.55, 0.27]])
rng = np.random.default_rng(0)
index = np.repeat(np.arange(3), 50)
X = means[index] + spreads[index] * rng.normal(size=(150, 2))
y = species[index]

model = LogisticRegression(C=10.0).fit(X, y)
print("classes:", model.classes_.tolist())
print(f"training accuracy: {model.score(X, y):.3f}")

fig, ax = plt.subplots(figsize=(6.4, 4.8))
plot.decision_boundary(model, X, y, ax=ax)
ax.set_xlabel("petal length (cm)")
ax.set_ylabel("petal width (cm)")
ax.set_title("Softmax regions, iris-like data")
fig.tight_layout()
