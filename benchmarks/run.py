"""Side-by-side fit benchmark: clogreg against scikit-learn, one run, ratios.

    python benchmarks/run.py [--quick]

Fits the tall problem make_classification(200_000, 100, n_informative=50,
random_state=0) in float64 and float32 with the default settings of each
library, and reports wall time, the objective C * sum(loss) + ||w||^2 / 2
(one shared numpy formula) and the ratio of clogreg's time to the fastest
peer's.  Absolute times on a shared machine are noise; read the ratios.
(Issue 5 extends this to the full suite.)
"""

import argparse
import platform
import time
import warnings

import numpy as np


def objective(coef, intercept, X, y, C=1.0):
    z = X @ np.asarray(coef, dtype=np.float64)[0] + float(intercept[0])
    loss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    return C * loss.sum() + 0.5 * float((np.asarray(coef, dtype=np.float64) ** 2).sum())


def best_of(fit, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
    return min(times), model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="20 000 rows instead of 200 000, one repeat")
    args = parser.parse_args()

    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression as SkLR

    import clogreg

    n = 20_000 if args.quick else 200_000
    repeat = 1 if args.quick else 3
    X, y = make_classification(n, 100, n_informative=50, random_state=0)
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"clogreg {clogreg.__version__} (threads "
          f"{clogreg.show_config(print_out=False)['threads']}), "
          f"numpy {np.__version__}, scikit-learn {sklearn.__version__}")
    print(f"\ntall {n} x 100, default settings, best of {repeat}\n")
    print("| dtype | solver | time (s) | objective | time / fastest sklearn |")
    print("|---|---|---|---|---|")
    warnings.simplefilter("ignore")
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)
        rows = []
        for name, make in [("sklearn lbfgs", lambda: SkLR()),
                           ("sklearn newton-cholesky",
                            lambda: SkLR(solver="newton-cholesky")),
                           ("clogreg auto", lambda: clogreg.LogisticRegression())]:
            seconds, model = best_of(lambda make=make, Xd=Xd: make().fit(Xd, y),
                                     repeat)
            rows.append((name, seconds,
                         objective(model.coef_, model.intercept_, X, y)))
        fastest_peer = min(s for name, s, _ in rows if name.startswith("sklearn"))
        for name, seconds, obj in rows:
            print(f"| {np.dtype(dtype).name} | {name} | {seconds:.3f} | {obj:.6f} | "
                  f"{seconds / fastest_peer:.2f} |")


if __name__ == "__main__":
    main()
