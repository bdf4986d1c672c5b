"""Does the default solver converge where users fit it?  Two tables.

    python benchmarks/convergence.py [--sgd] [--no-grid]

1. ConvergenceWarnings of ``GridSearchCV(est, {"C": np.logspace(-2, 2,
   5)}, cv=5)`` (the 25 fold fits and the refit) on scikit-learn's four
   bundled datasets (breast_cancer, iris, wine, digits), each raw, through
   a ``StandardScaler`` pipeline, and (clogreg only) with
   ``standardize=True``; for clogreg's default and for scikit-learn's
   default (lbfgs).  Then, for each C, the relative gap of the default
   fit's objective (on the whole data set) above a tight optimum:
   scikit-learn's newton-cg at tol=1e-12, or clogreg's newton at tol=1e-12
   where that is lower (the objective is C * sum(loss) + ||W||^2 / 2, one
   numpy float64 formula; with standardize=True on the standardised
   data).  The largest gap over the five Cs is printed.
2. (``--sgd``) solver='sgd' with its automatic step on 100,000 x 200
   standard-normal data, labels from a logistic model: the mean objective
   after each epoch (``loss_curve_``, and the numpy formula on the
   returned coefficients) against the lbfgs optimum at tol=1e-10.

No timing: these are counts and objectives, so no lock is needed.
"""

import argparse
import warnings

import numpy as np

GRID_CS = np.logspace(-2, 2, 5)


def objective(coef, intercept, X, y, classes, C):
    """C * sum of log-losses + ||W||^2 / 2, float64."""
    coef = np.asarray(coef, dtype=np.float64)
    Z = X @ coef.T + np.asarray(intercept, dtype=np.float64)
    codes = np.searchsorted(classes, y)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        loss = np.where(codes == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    else:
        top = Z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
        loss = lse - Z[np.arange(len(codes)), codes]
    return C * loss.sum() + 0.5 * (coef ** 2).sum()


def datasets():
    from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
    return {"breast_cancer": load_breast_cancer, "iris": load_iris,
            "wine": load_wine, "digits": load_digits}


def count_warnings(make_estimator, X, y):
    """ConvergenceWarnings (clogreg's or scikit-learn's: clogreg's is a
    subclass of scikit-learn's) of one grid search."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    est = make_estimator()
    key = "C" if not hasattr(est, "steps") else f"{est.steps[-1][0]}__C"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GridSearchCV(est, {key: GRID_CS}, cv=5).fit(X, y)
    return sum(issubclass(w.category, ConvergenceWarning) for w in caught)


def optimum(X, y, C):
    """The lower of two tight-tolerance objectives (see the docstring)."""
    from sklearn.linear_model import LogisticRegression as Sk

    from clogreg import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = Sk(C=C, solver="newton-cg", tol=1e-12, max_iter=10_000).fit(X, y)
        ours = LogisticRegression(C=C, solver="newton", tol=1e-12,
                                  max_iter=10_000).fit(X, y)
    return min(objective(m.coef_, m.intercept_, X, y, m.classes_, C)
               for m in (sk, ours))


def grid_table():
    from sklearn.linear_model import LogisticRegression as Sk
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from clogreg import LogisticRegression

    rows = []
    for name, loader in datasets().items():
        X, y = loader(return_X_y=True)
        Xs = StandardScaler().fit_transform(X)
        variants = [
            ("raw", X, lambda: LogisticRegression(), lambda: Sk(), X),
            ("StandardScaler pipeline", X,
             lambda: make_pipeline(StandardScaler(), LogisticRegression()),
             lambda: make_pipeline(StandardScaler(), Sk()), Xs),
            ("standardize=True", X, lambda: LogisticRegression(standardize=True),
             None, Xs),
        ]
        for label, Xfit, ours, theirs, Xobj in variants:
            n_ours = count_warnings(ours, Xfit, y)
            n_sk = "" if theirs is None else count_warnings(theirs, Xfit, y)
            worst = 0.0
            for C in GRID_CS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if label == "standardize=True":
                        # the problem it solves is the standardised one
                        m = LogisticRegression(C=C, standardize=True).fit(Xfit, y)
                        coef = m.coef_ * m.scale_
                        intercept = m.intercept_ + m.coef_ @ m.mean_
                    else:
                        m = LogisticRegression(C=C).fit(Xobj, y)
                        coef, intercept = m.coef_, m.intercept_
                f = objective(coef, intercept, Xobj, y, m.classes_, C)
                f_opt = optimum(Xobj, y, C)
                worst = max(worst, (f - f_opt) / f_opt)
            rows.append((name, label, n_ours, n_sk, worst))
            print(f"{name:14s} {label:24s} clogreg {n_ours:3d}  "
                  f"scikit-learn {n_sk!s:>3s}  largest gap {worst:.1e}", flush=True)
    print()
    print("| data | features | ConvergenceWarnings: clogreg | scikit-learn "
          "(lbfgs) | clogreg's largest objective gap over C |")
    print("| --- | --- | --- | --- | --- |")
    for name, label, n_ours, n_sk, worst in rows:
        print(f"| {name} | {label} | {n_ours} | {n_sk if n_sk != '' else '-'} | "
              f"{worst:.1e} |")


def wide_problem(n=100_000, d=200):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    y = (X @ w + rng.logistic(size=n) > 0).astype(int)
    return X, y


def sgd_table(epochs=12):
    from clogreg import LogisticRegression

    X, y = wide_problem()
    n = X.shape[0]
    ref = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    f_opt = objective(ref.coef_, ref.intercept_, X, y, ref.classes_, 1.0) / n
    print(f"optimum (lbfgs, tol=1e-10): mean objective {f_opt:.6f}; start "
          f"log 2 = {np.log(2):.6f}")
    print("| epochs | loss_curve_[-1] | numpy objective of coef_ | gap to the "
          "optimum |")
    print("| --- | --- | --- | --- |")
    for e in (1, 2, 3, 5, 8, 12)[:sum(1 for k in (1, 2, 3, 5, 8, 12) if k <= epochs)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LogisticRegression(solver="sgd", max_iter=e, tol=0.0,
                                   random_state=0).fit(X, y)
        f = objective(m.coef_, m.intercept_, X, y, m.classes_, 1.0) / n
        print(f"| {e} | {m.loss_curve_[-1]:.6f} | {f:.6f} | {f - f_opt:.1e} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sgd", action="store_true",
                        help="also the sgd table (100,000 x 200)")
    parser.add_argument("--no-grid", action="store_true",
                        help="skip the grid-search table")
    args = parser.parse_args()
    if not args.no_grid:
        grid_table()
    if args.sgd:
        print()
        sgd_table()


if __name__ == "__main__":
    main()
