"""Does solver='auto' pick the faster of clogreg's lbfgs and newton?

    flock /work/bench.lock python benchmarks/auto_solver.py [--quick]
        [--rounds R] [--threads 1,0] [--problems covtype,covtype-corr,...]

For each problem, default settings (C=1, tol=1e-4, max_iter=100) and each
thread setting (1, and 0 for the default), the fits of solver='auto',
'lbfgs' and 'newton' run in interleaved rounds (auto, lbfgs, newton,
auto, ...); the table quotes the median wall time of each, its iterations
(``n_iter_``), its passes over X (``_n_passes``: loss-and-gradient
evaluations, and for newton Hessian-vector products too, each one pass),
whether it warned (ConvergenceWarning), its objective's relative gap
above a tight optimum, and the ratio of auto's median to the faster of
lbfgs's and newton's.  The tight optimum: the lowest objective of
clogreg's newton at tol=1e-10 and scikit-learn's newton-cholesky at
tol=1e-10 (dense problems), with the objective C * sum(loss) +
||W||^2 / 2 from one numpy float64 formula.

Problems (``benchmarks/problems.py`` and ``benchmarks/run.py``):
covtype (``covtype_like``, 500k x 54 raw units), covtype-corr
(``covtype_like_correlated``: the same with covertype's dependences
between columns), covtype-corr-hard (the same with harder labels:
twice the label noise, accuracy 0.75), tall (200k x 100 make_classification),
wide (20k x 1000), multinomial (100k x 50, 10 classes), sparse (100k x 20k CSR, 0.2%);
a covtype problem with another draw of its generator as covtype:SEED.
--quick: a tenth of the rows, 3 rounds.

Timings: hold the lock (``flock /work/bench.lock``).  The fits are
bitwise deterministic, so the counts and gaps are the same every round.
"""

import argparse
import gc
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SOLVERS = ("auto", "lbfgs", "newton")
PROBLEMS = ("covtype", "covtype-corr", "tall", "wide", "multinomial",
            "sparse")


def make_problem(name, quick):
    from problems import covtype_like, covtype_like_correlated
    from run import sparse_problem
    from sklearn.datasets import make_classification
    s = 10 if quick else 1
    name, _, seed = name.partition(":")     # covtype:1 -> seed 1
    seed = int(seed or 0)
    if name == "covtype":
        return covtype_like(500_000 // s, seed)
    if name == "covtype-corr":
        return covtype_like_correlated(500_000 // s, seed)
    if name == "covtype-corr-hard":
        return covtype_like_correlated(500_000 // s, seed, noise=2.0)
    if name == "tall":
        return make_classification(200_000 // s, 100, n_informative=50,
                                   random_state=0)
    if name == "wide":
        return make_classification(20_000 // s, 1000, n_informative=500,
                                   random_state=0)
    if name == "multinomial":
        return make_classification(100_000 // s, 50, n_informative=30,
                                   n_classes=10, random_state=0)
    if name == "sparse":
        return sparse_problem(100_000 // s, 20_000, 0.002)
    raise ValueError(name)


def tight_optimum(X, y):
    from run import objective
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression as SkLR

    from clogreg import LogisticRegression
    best = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogisticRegression(solver="newton", tol=1e-10,
                               max_iter=1000).fit(X, y)
        best = min(best, objective(m, X, y))
        if not sparse.issparse(X):
            sk = SkLR(solver="newton-cholesky", tol=1e-10,
                      max_iter=1000).fit(X, y)
            best = min(best, objective(sk, X, y))
    return best


def fit_once(solver, n_threads, X, y):
    from clogreg import ConvergenceWarning, LogisticRegression
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        m = LogisticRegression(solver=solver, n_threads=n_threads).fit(X, y)
        seconds = time.perf_counter() - start
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return seconds, m, warned


def measure(name, X, y, threads, rounds):
    from run import objective
    f_opt = tight_optimum(X, y)
    rows = []
    for n_threads in threads:
        times = {s: [] for s in SOLVERS}
        info = {}
        for _ in range(rounds):
            for s in SOLVERS:
                seconds, m, warned = fit_once(s, n_threads or None, X, y)
                times[s].append(seconds)
                info[s] = (int(np.max(m.n_iter_)), int(m._n_passes), warned,
                           (objective(m, X, y) - f_opt) / abs(f_opt))
        med = {s: float(np.median(times[s])) for s in SOLVERS}
        ratio = med["auto"] / min(med["lbfgs"], med["newton"])
        for s in SOLVERS:
            it, passes, warned, gap = info[s]
            rows.append((name, n_threads or "default", s, med[s], it, passes,
                         "yes" if warned else "no", gap,
                         ratio if s == "auto" else None))
        print(f"# {name} threads={n_threads or 'default'} done", flush=True,
              file=sys.stderr)
    return rows


def table(rows, rounds):
    out = [f"Medians of {rounds} interleaved rounds; gap: relative, above "
           "the tight optimum; ratio: auto / the faster of lbfgs and newton.",
           "",
           "| problem | threads | solver | median s | iterations | passes "
           "| warned | gap | auto / fastest |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, th, s, med, it, passes, warned, gap, ratio in rows:
        r = f"{ratio:.2f}" if ratio is not None else ""
        out.append(f"| {name} | {th} | {s} | {med:.3f} | {it} | {passes} | "
                   f"{warned} | {gap:.1e} | {r} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--threads", default="1,0",
                    help="comma-separated n_threads; 0 = the default")
    ap.add_argument("--problems", default=",".join(PROBLEMS[:5]))
    args = ap.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for name in args.problems.split(","):
        X, y = make_problem(name, args.quick)
        rows += measure(name, X, y, threads, rounds)
    print(table(rows, rounds))


if __name__ == "__main__":
    main()
