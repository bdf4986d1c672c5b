"""Command line: ``python -m clogreg demo`` (also the ``clogreg`` script)."""

import argparse
import sys
import time

import numpy as np


def _log_loss(model, X, y):
    logp = model.predict_log_proba(X)
    idx = np.searchsorted(model.classes_, y)
    return float(-logp[np.arange(len(y)), idx].mean())


def demo(out=sys.stdout):
    """Fit the batch-GD seed's simulated data with 'auto' and with 'gd'."""
    from ._config import show_config
    from ._datasets import make_seed_clouds
    from ._logistic import LogisticRegression

    X, y = make_seed_clouds()
    info = show_config(print_out=False)
    print(f"clogreg {info['version']} demo: the batch-GD seed's simulated data, "
          f"{X.shape[0]} samples x {X.shape[1]} features ({X.dtype}); "
          f"OpenMP {'on' if info['openmp'] else 'off'}, "
          f"{info['threads']} thread(s)", file=out)
    header = (f"{'solver':<8} {'coef':>22} {'intercept':>10} {'accuracy':>9} "
              f"{'log-loss':>9} {'iters':>6} {'fit time':>10}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for solver in ("auto", "gd"):
        model = LogisticRegression(solver=solver, max_iter=1000)
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
        coef = "[" + ", ".join(f"{c:.5f}" for c in model.coef_[0]) + "]"
        print(f"{solver:<8} {coef:>22} {model.intercept_[0]:>10.5f} "
              f"{model.score(X, y):>9.4f} {_log_loss(model, X, y):>9.5f} "
              f"{model.n_iter_:>6d} {elapsed * 1e3:>8.1f}ms", file=out)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="clogreg", description="Logistic regression on a Cython engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="fit the seeds' simulated dataset and report")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
