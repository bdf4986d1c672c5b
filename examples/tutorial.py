"""The tutorials' path through logistic regression, with clogreg.

The tutorials this project grew from build logistic regression with numpy
loops.  This script walks the same path, in their order, with clogreg:

1. the sigmoid;            5. L2 regularisation;
2. the loss;               6. the AND gate from known coefficients;
3. gradient descent;       7. softmax, and three classes of iris;
4. mini-batches;           8. pictures: decision boundary and loss curve;

and ends with what the "risk factor" users of the tutorials asked for: p-values.

Run it as ``python examples/tutorial.py [OUTPUT_DIR]`` (plots go to
OUTPUT_DIR, by default ./tutorial_output).  It needs clogreg, scikit-learn
(for the tutorials' datasets) and matplotlib (``pip install clogreg[plot]``)
for step 8, and runs in a few seconds.
"""

import os
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_classification,
    make_moons,
)

import clogreg
from clogreg import LogisticRegression


def section(title):
    print(f"\n== {title} ==")


def main(out_dir="tutorial_output"):
    started = time.perf_counter()

    # ------------------------------------------------------------------ 1
    section("1. The sigmoid squashes any score into a probability")
    z = np.array([-10.0, -1.0, 0.0, 1.0, 10.0])
    print("z:                ", z.tolist())
    print("sigmoid(z):       ", clogreg.sigmoid(z).round(6).tolist())
    print("1 / (1 + exp(-z)):", (1 / (1 + np.exp(-z))).round(6).tolist())
    # The tutorials' one-liner overflows for large negative scores; the engine's
    # kernel switches to exp(z) below -700 and never warns.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        naive = 1 / (1 + np.exp(-np.array([-1000.0])))
    print(f"naive sigmoid(-1000) = {naive[0]} with {len(caught)} overflow "
          f"warning(s); clogreg.sigmoid(-1000) = {clogreg.sigmoid(-1000.0)}")

    # ------------------------------------------------------------------ 2
    section("2. The loss: cross-entropy, the negative log-likelihood")
    y_true = np.array([1, 0, 1, 1])
    p = np.array([0.9, 0.2, 0.6, 0.99])
    tutorial_loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    # The same number from a model: a single feature whose log-odds are
    # log(p / (1 - p)) reproduces these probabilities.
    one = LogisticRegression.from_coef([[1.0]], [0.0])
    logp = one.predict_log_proba(np.log(p / (1 - p)).reshape(-1, 1))
    model_loss = -logp[np.arange(4), y_true].mean()
    print(f"cross-entropy by the tutorial's formula: {tutorial_loss:.10f}")
    print(f"cross-entropy from predict_log_proba: {model_loss:.10f}")

    # ------------------------------------------------------------------ 3
    section("3. Gradient descent on the batch-gradient-descent tutorial's data")
    rng = np.random.RandomState(10)                 # the tutorial's data
    cov = [[1, 0.5], [0.5, 1]]
    x1 = rng.multivariate_normal([0, 0], cov, 10000)
    x2 = rng.multivariate_normal([1, 4], cov, 10000)
    X = np.vstack((x1, x2)).astype(np.float32)
    y = np.hstack((np.zeros(10000), np.ones(10000)))
    trace = []
    gd = LogisticRegression(penalty=None, solver="gd", max_iter=1000,
                            callback=lambda it, f: trace.append((it, f)) and False)
    gd.fit(X, y)
    for it, f in trace:
        if it == 1 or it % 5 == 0:      # the tutorial prints its log-likelihood
            print(f"  iteration {it:3d}: mean log-loss {f:.6f}")
    print(f"gradient descent: {gd.n_iter_[0]} iterations, weights "
          f"{np.round(gd.coef_[0].astype(float), 4).tolist()}, intercept "
          f"{gd.intercept_[0]:.4f}")
    print(f"gradient descent accuracy: {gd.score(X, y):.4f}")
    auto = LogisticRegression(penalty=None).fit(X, y)
    print(f"default solver (L-BFGS): {auto.n_iter_[0]} iterations, weights "
          f"{np.round(auto.coef_[0].astype(float), 4).tolist()}, intercept "
          f"{auto.intercept_[0]:.4f}")

    # ------------------------------------------------------------------ 4
    section("4. Mini-batches, with the features normalised")
    Xc, yc = make_classification(n_features=2, n_redundant=0, n_informative=2,
                                 random_state=1, n_clusters_per_class=1)
    sgd = LogisticRegression(solver="sgd", batch_size=100, max_iter=1000,
                             standardize=True, random_state=0).fit(Xc, yc)
    print("make_classification accuracy (the tutorial reports 1.0): "
          f"{sgd.score(Xc, yc)}")
    Xm, ym = make_moons(n_samples=100, noise=0.24, random_state=0)
    moons = LogisticRegression(solver="sgd", batch_size=100, max_iter=1000,
                               standardize=True, random_state=0).fit(Xm, ym)
    print(f"make_moons accuracy (a straight line can only do so much; the tutorial "
          f"reports 0.87): {moons.score(Xm, ym)}")
    # The mini-batch tutorial's "NaN in my losses": unnormalised data and too
    # large a step.
    try:
        LogisticRegression(solver="sgd", learning_rate=1e6, penalty=None,
                           max_iter=50).fit(Xc * 1e150, yc)
    except ValueError as exc:
        print(f"without normalisation: ValueError: {str(exc)[:72]}...")

    # ------------------------------------------------------------------ 5
    section("5. L2 regularisation shrinks the weights (lambda = 1 / C)")
    Xb, yb = load_breast_cancer(return_X_y=True)
    for C in (100.0, 1.0, 0.01, 0.001):
        l2 = LogisticRegression(C=C, standardize=True, max_iter=1000).fit(Xb, yb)
        norm = np.linalg.norm(l2.coef_ * l2.scale_)     # in standardised units
        print(f"  C = {C:<7g} |w| = {norm:7.3f}   training accuracy "
              f"{l2.score(Xb, yb):.4f}")

    # ------------------------------------------------------------------ 6
    section("6. The AND gate from known coefficients")
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4.0], classes=(0, 1))
    inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
    print(f"AND gate probabilities: {gate.predict_proba(inputs)[:, 1].tolist()}")
    print(f"AND gate predictions: {gate.predict(inputs).tolist()}")

    # ------------------------------------------------------------------ 7
    section("7. Softmax, and three classes of iris")
    print(f"softmax([8, 5, 2]): {clogreg.softmax([8, 5, 2]).tolist()}")
    iris = load_iris()
    species = iris.target_names[iris.target]
    softmax_model = LogisticRegression(max_iter=500).fit(iris.data, species)
    proba = softmax_model.predict_proba(iris.data[:1])[0]
    print(f"iris classes: {softmax_model.classes_.tolist()}")
    first = dict(zip(softmax_model.classes_.tolist(), proba.round(4).tolist(),
                     strict=True))
    print(f"iris first flower: {first}")
    print(f"iris training accuracy: {softmax_model.score(iris.data, species):.4f}")

    # ------------------------------------------------------------------ 8
    section("8. Pictures: the decision boundary and the loss curve")
    try:
        from matplotlib.figure import Figure

        from clogreg import plot
    except ImportError:
        print("matplotlib is not installed: pip install clogreg[plot]")
    else:
        os.makedirs(out_dir, exist_ok=True)
        pictures = [
            ("sigmoid.png", lambda ax: plot.sigmoid(ax=ax)),
            ("decision_boundary.png",
             lambda ax: plot.decision_boundary(gd, X, y, ax=ax)),
            ("loss_curve.png", lambda ax: plot.loss_curve(gd, ax=ax)),
            ("iris_regions.png", lambda ax: plot.decision_boundary(
                softmax_model, iris.data, species, ax=ax, features=(2, 3))),
        ]
        for name, draw in pictures:
            fig = Figure(figsize=(6.4, 4.8), dpi=100)
            draw(fig.subplots())
            fig.tight_layout()
            path = os.path.join(out_dir, name)
            fig.savefig(path)
            print(f"saved {path}")

    # ------------------------------------------------------------ p-values
    section("Beyond the tutorials: standard errors and p-values")
    rng = np.random.default_rng(0)
    age = rng.uniform(20, 80, size=500)
    dose = rng.normal(size=500)
    noise = rng.normal(size=500)
    risk = -5 + 0.08 * age + 0.7 * dose
    sick = (risk + rng.logistic(size=500) > 0).astype(int)
    Xr = np.column_stack([age, dose, noise])
    model = LogisticRegression(penalty=None, tol=1e-8).fit(Xr, sick)
    print("x1 = age, x2 = dose, x3 = noise (a DataFrame's column names would "
          "be used)")
    print(model.inference(Xr, sick).summary())
    print(f"\ntutorial finished in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
