"""clogreg against its peers, side by side, in one run.

    python benchmarks/run.py [--quick] [--out benchmarks/RESULTS.md]

Absolute times on a shared machine are noise; every figure that matters
here is a ratio of two timings taken in the same run, interleaved.  The
measurements (issue 5):

1. Fit with default settings on five shapes, against scikit-learn's
   lbfgs, newton-cholesky, liblinear and saga where each applies: wall
   time, the objective C * sum(loss) + ||W||^2 / 2 from one shared numpy
   formula, clogreg's time / the fastest peer's, and clogreg's objective
   minus the best peer objective (relative).  liblinear penalises its
   intercept, so it counts for time only.
2. One loss+gradient pass in GB/s of X read, against X.sum() on the same
   array (the machine's streaming read bandwidth), float64 and float32.
3. The batch-gradient-descent tutorial's numpy step against clogreg's fixed-step gd.
4. One-row predict_proba latency against scikit-learn and bare numpy, and
   batch predict throughput on 200k rows against scikit-learn.
5. Peak memory of a fit beyond X itself (in a fresh subprocess).
6. LogisticRegressionCV(Cs=10, cv=5) against scikit-learn's on the same
   folds (200,000 x 100 and the wide 20,000 x 1,000), interleaved runs:
   median times, their ratio, each library's largest CV-score difference
   from the scores at the optimum, and the chosen Cs.
7. A fit on a persisted 4,000,000 x 100 dask array on a 2-worker
   LocalCluster: clogreg on Dask, dask-ml's LogisticRegression (admm, its
   default, and lbfgs) and clogreg in memory on the same data: time,
   passes, objective gap, and the added latency per evaluation.

The table is printed and written to benchmarks/RESULTS.md with a
description of the machine.
"""

import argparse
import gc
import os
import platform
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------- helpers

def objective(model, X, y, C=1.0):
    """C * sum of log-losses + ||W||^2 / 2, float64, one formula for all."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    Z = np.asarray(X @ coef.T) + intercept
    codes = np.searchsorted(model.classes_, y)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        loss = np.where(codes == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    else:
        top = Z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
        loss = lse - Z[np.arange(len(codes)), codes]
    return C * loss.sum() + 0.5 * (coef ** 2).sum()


def publish(text, path):
    """Print a benchmark's report and write it to ``path``, atomically: a
    run that fails while writing leaves the previous report whole."""
    print(text)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def timed(fn, repeat):
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sklearn

    import clogreg
    info = clogreg.show_config(print_out=False)
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
            f"clogreg {info['version']} (OpenMP {'on' if info['openmp'] else 'off'}, "
            f"{info['threads']} threads)")


# ------------------------------------------------------------------ shapes

def shapes(quick):
    from sklearn.datasets import make_classification
    scale = 10 if quick else 1
    out = []
    X, y = make_classification(200_000 // scale, 100, n_informative=50,
                               random_state=0)
    out.append(("tall f64", X, y, "binary"))
    out.append(("tall f32", X.astype(np.float32), y, "binary"))
    X, y = make_classification(10_000 // scale, 500, n_informative=250,
                               random_state=0)
    out.append(("wide", X, y, "binary"))
    X, y = make_classification(100_000 // scale, 50, n_informative=30,
                               n_classes=10, random_state=0)
    out.append(("multinomial", X, y, "multi"))
    out.append(("sparse csr", *sparse_problem(100_000 // scale, 20_000, 0.002),
                "binary"))
    return out


def sparse_problem(n, d, density):
    from scipy import sparse
    rng = np.random.default_rng(0)
    X = sparse.random(n, d, density=density, format="csr", random_state=rng,
                      data_rvs=rng.standard_normal)
    w = rng.normal(size=d) * (rng.random(d) < 0.2)
    y = (X @ w + rng.logistic(size=n) > 0).astype(int)
    return X, y


# ------------------------------------------------------------ measurements

def fit_table(quick):
    from sklearn.linear_model import LogisticRegression as SkLR

    import clogreg
    repeat = 1 if quick else 2
    rows = []
    for name, X, y, kind in shapes(quick):
        peers = {"sklearn lbfgs": lambda: SkLR(),
                 "sklearn newton-cholesky": lambda: SkLR(solver="newton-cholesky"),
                 "sklearn saga": lambda: SkLR(solver="saga")}
        if kind == "binary":
            peers["sklearn liblinear"] = lambda: SkLR(solver="liblinear")
        results = {}
        for label, make in [("clogreg", clogreg.LogisticRegression), *peers.items()]:
            if label == "sklearn newton-cholesky" and name == "sparse csr":
                continue   # dense Hessian of 20 000 features: not applicable
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seconds, model = timed(
                    lambda make=make, X=X, y=y: make().fit(X, y), repeat)
            results[label] = (seconds, objective(model, X, y))
        solving = {k: v for k, v in results.items() if k != "sklearn liblinear"}
        best_obj = min(v[1] for k, v in solving.items() if k != "clogreg")
        fastest = min(v[0] for k, v in results.items() if k != "clogreg")
        ours = results["clogreg"]
        for label, (seconds, obj) in results.items():
            rows.append((name, label, seconds, obj,
                         "" if label == "sklearn liblinear" else
                         f"{(obj - best_obj) / best_obj:+.1e}"))
        rows.append((name, "**clogreg / fastest peer**", ours[0] / fastest,
                     (ours[1] - best_obj) / best_obj, ""))
    lines = ["| shape | solver | time (s) | objective | rel. to best peer |",
             "|---|---|---|---|---|"]
    for name, label, seconds, obj, rel in rows:
        if label.startswith("**"):
            lines.append(f"| {name} | {label} | **{seconds:.2f}** | "
                         f"**{obj:+.1e}** | |")
        else:
            lines.append(f"| {name} | {label} | {seconds:.3f} | {obj:.6f} | {rel} |")
    return "\n".join(lines)


def bandwidth_table(quick):
    from clogreg import kernels
    from clogreg._validation import as_row_matrix
    n = 20_000 if quick else 400_000
    rng = np.random.default_rng(0)
    lines = ["| dtype | X.sum() GB/s | loss+gradient pass GB/s | ratio |",
             "|---|---|---|---|"]
    threads = kernels.max_threads()
    for dtype in (np.float64, np.float32):
        X = rng.normal(size=(n, 100)).astype(dtype)
        y = (rng.random(n) < 0.5).astype(np.int32)
        M = as_row_matrix(X)
        coef, b = np.full((1, 100), 0.01), np.zeros(1)
        gcoef, gb = np.empty_like(coef), np.empty(1)
        reps = 20
        def sums(X=X, reps=reps):
            return [X.sum() for _ in range(reps)]

        def passes(M=M, y=y, coef=coef, b=b, gcoef=gcoef, gb=gb, reps=reps):
            return [kernels._loss_gradient(M, y, None, coef, b, gcoef, gb, threads)
                    for _ in range(reps)]

        # Alternate the two, best of 7 each: a slow spell of the shared
        # machine then costs both sides alike.
        t_sum = t_pass = np.inf
        for _ in range(7):
            t_sum = min(t_sum, timed(sums, 1)[0])
            t_pass = min(t_pass, timed(passes, 1)[0])
        gbs_sum = X.nbytes * reps / t_sum / 1e9
        gbs_pass = X.nbytes * reps / t_pass / 1e9
        lines.append(f"| {np.dtype(dtype).name} | {gbs_sum:.1f} | {gbs_pass:.1f} | "
                     f"**{gbs_pass / gbs_sum:.2f}** |")
    return "\n".join(lines)


def gd_step_table(quick):
    from sklearn.datasets import make_classification

    import clogreg
    n = 20_000 if quick else 200_000
    X, y = make_classification(n, 100, n_informative=50, random_state=0)
    w = np.zeros(100)
    lr = 1e-6
    steps = 10

    def tutorial_steps():
        nonlocal w
        for _ in range(steps):
            p = 1 / (1 + np.exp(-(X @ w)))
            w += lr * X.T @ (y - p)

    model = clogreg.LogisticRegression(solver="gd", learning_rate=lr * n, tol=0,
                                       max_iter=steps, fit_intercept=False,
                                       penalty=None)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)

    t_seed, _ = timed(tutorial_steps, 3)
    t_ours, _ = timed(ours, 3)
    return ("| tutorial numpy step (ms) | clogreg gd step (ms) | tutorial / clogreg |\n"
            "|---|---|---|\n"
            f"| {t_seed / steps * 1e3:.2f} | {t_ours / steps * 1e3:.2f} | "
            f"**{t_seed / t_ours:.2f}** |")


def predict_table(quick):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression as SkLR

    import clogreg
    X, y = make_classification(20_000, 100, n_informative=50, random_state=0)
    ours = clogreg.LogisticRegression().fit(X, y)
    sk = SkLR().fit(X, y)
    w, b = ours.coef_[0].copy(), float(ours.intercept_[0])
    x = X[:1].copy()
    reps = 2000 if quick else 20000

    def loop(fn):
        def run():
            for _ in range(reps):
                fn()
        return run

    t_np, _ = timed(loop(lambda: 1 / (1 + np.exp(-(x @ w + b)))), 5)
    t_ours, _ = timed(loop(lambda: ours.predict_proba(x)), 5)
    t_sk, _ = timed(loop(lambda: sk.predict_proba(x)), 5)
    big = np.tile(X, (10, 1))   # 200k rows
    tb_ours, _ = timed(lambda: ours.predict_proba(big), 5)
    tb_sk, _ = timed(lambda: sk.predict_proba(big), 5)
    return ("| one-row predict_proba (us) | clogreg | bare numpy | scikit-learn | "
            "clogreg / numpy |\n|---|---|---|---|---|\n"
            f"| | {t_ours / reps * 1e6:.1f} | {t_np / reps * 1e6:.1f} | "
            f"{t_sk / reps * 1e6:.1f} | **{t_ours / t_np:.2f}** |\n\n"
            "| batch predict_proba, 200k rows | clogreg (rows/s) | scikit-learn "
            "(rows/s) | clogreg / scikit-learn |\n|---|---|---|---|\n"
            f"| | {big.shape[0] / tb_ours:.3g} | {big.shape[0] / tb_sk:.3g} | "
            f"**{tb_sk / tb_ours:.2f}** |")


MEMORY_SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    import clogreg

    def status(key):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024

    n, d, dtype = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32 if dtype == "float32"
                            else np.float64)
    y = (X[:, :10].sum(axis=1) + rng.logistic(size=n) > 0).astype(np.int64)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                      # reset the peak (VmHWM) to now
    before = status("VmRSS:")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clogreg.LogisticRegression().fit(X, y)
    print(status("VmHWM:") - before, X.nbytes)
""")


def memory_table(quick):
    n = 50_000 if quick else 500_000
    lines = ["| X | X size (MB) | peak growth during fit (MB) | growth / X |",
             "|---|---|---|---|"]
    for dtype in ("float64", "float32"):
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(n), "100",
                              dtype], capture_output=True, text=True, check=True,
                             cwd="/")
        grown, size = map(int, out.stdout.split())
        lines.append(f"| {n} x 100 {dtype} | {size / 1e6:.0f} | {grown / 1e6:.1f} | "
                     f"**{grown / size:.3f}** |")
    return "\n".join(lines)


def cv_table(quick, tiny=False):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegressionCV as SkCV

    import clogreg
    scale = 100 if tiny else (10 if quick else 1)
    repeat = 1 if quick or tiny else 3
    problems = [("200,000 x 100", 200_000 // scale, 100),
                ("20,000 x 1,000 (wide)", 20_000 // scale,
                 100 if tiny else 1_000)]
    lines = ["| problem | clogreg s | sklearn s | ratio | max score diff "
             "clogreg / sklearn vs optimum | C_ clogreg / sklearn / optimum |",
             "|---|---|---|---|---|---|"]
    for name, n, d in problems:
        X, y = make_classification(n, d, n_informative=d // 2, random_state=0)
        kw = dict(Cs=10, cv=5)
        times = {"ours": [], "sk": []}
        ours = ref = None
        for _ in range(repeat):      # interleaved
            gc.collect()
            t = time.perf_counter()
            ours = clogreg.LogisticRegressionCV(**kw).fit(X, y)
            times["ours"].append(time.perf_counter() - t)
            gc.collect()
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = SkCV(l1_ratios=(0.0,), scoring=None,
                           use_legacy_attributes=True, **kw).fit(X, y)
            times["sk"].append(time.perf_counter() - t)
        # The optimum's scores: scikit-learn's newton-cholesky at tol=1e-10,
        # converged on every fold and C (scikit-learn's default lbfgs stops
        # at max_iter=100 on some of them).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = SkCV(l1_ratios=(0.0,), scoring=None, solver="newton-cholesky",
                       tol=1e-10, max_iter=1000, use_legacy_attributes=True,
                       **kw).fit(X, y)
        t_ours, t_sk = np.median(times["ours"]), np.median(times["sk"])
        best = opt.scores_[1][..., 0]
        d_ours = np.abs(ours.scores_[1] - best).max()
        d_sk = np.abs(ref.scores_[1][..., 0] - best).max()
        lines.append(f"| {name} | {t_ours:.2f} | {t_sk:.2f} | "
                     f"**{t_ours / t_sk:.3f}** | {d_ours:.1e} / {d_sk:.1e} | "
                     f"{ours.C_[0]:.4g} / {ref.C_[0]:.4g} / {opt.C_[0]:.4g} |")
    return "\n".join(lines)


def _dask_problem(n, d, chunk):
    """A persisted n x d float64 dask array generated on the workers, and
    binary labels from a known model with logistic noise."""
    import dask.array as da
    rs = da.random.RandomState(0)
    X = rs.standard_normal((n, d), chunks=(chunk, d))
    w = np.random.default_rng(0).normal(size=d) / np.sqrt(d) * 3
    z = X @ w + rs.logistic(size=n, chunks=chunk)
    y = (z > 0).astype(np.int64)
    return X.persist(), y.persist()


def _evaluation_latency(client, X, y, Xn, yn, repeat=15):
    """Median wall time of one loss+gradient evaluation on the Dask data
    minus that of the in-memory pass (the engine's Objective both times),
    interleaved."""
    import clogreg
    from clogreg import _dask, solvers
    from clogreg._validation import as_row_matrix
    est = clogreg.LogisticRegression()
    data, _, _ = _dask.prepare(est, X, y, None, "lbfgs")
    n, d = Xn.shape
    alpha = 1.0 / n
    remote = solvers.Objective(data, None, None, 1, True, alpha, 0.0, None, None, 1)
    local = solvers.Objective(as_row_matrix(Xn), yn.astype(np.int32), None, 1,
                              True, alpha, 0.0, None, None, est._threads())
    theta = np.zeros(d + 1)
    grad = np.zeros(d + 1)
    diffs = []
    for _ in range(repeat):
        t = time.perf_counter()
        remote.value_and_gradient(theta, grad)
        t_remote = time.perf_counter() - t
        t = time.perf_counter()
        local.value_and_gradient(theta, grad)
        diffs.append(t_remote - (time.perf_counter() - t))
    data.release()
    return float(np.median(diffs))


def dask_table(quick, sizes=None):
    """clogreg distributed vs dask-ml's LogisticRegression (its default
    solver and lbfgs) and clogreg in memory on the same data."""
    try:
        import dask_ml
        import distributed
        from dask_ml.linear_model import LogisticRegression as DaskMLLR
    except ImportError as exc:
        return f"skipped: {exc} (pip install dask-ml distributed)"
    import clogreg
    # dask-ml's admm takes ~200 s at 400k rows here: it runs at the small
    # size only
    sizes = sizes or ([(40_000, ("admm", "lbfgs"))] if quick else
                      [(400_000, ("admm", "lbfgs")), (4_000_000, ("lbfgs",))])
    d = 100
    lines = ["| data | fit | time (s) | passes over X | objective - best "
             "(relative) | time / clogreg Dask |", "|---|---|---|---|---|---|"]
    notes = []
    for n, dask_ml_solvers in sizes:
        chunk = n // 40 if n < 1_000_000 else 100_000
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                      host="127.0.0.1", dashboard_address=":0",
                                      silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            X, y = _dask_problem(n, d, chunk)
            distributed.wait([X, y])
            Xn, yn = client.compute([X, y], sync=True)      # the same data
            rows = []
            for name, kw in [("clogreg, Dask", {}),
                             ("clogreg, Dask, tol=1e-8", dict(tol=1e-8))]:
                t, ours = timed(lambda kw=kw, X=X, y=y: clogreg.LogisticRegression(
                    **kw).fit(X, y), 1 if quick else 3)
                rows.append((name, t, ours, ours._n_passes))
            t, mem = timed(lambda Xn=Xn, yn=yn: clogreg.LogisticRegression()
                           .fit(Xn, yn), 1 if quick else 3)
            rows.append(("clogreg, in memory (2 threads)", t, mem, mem._n_passes))
            for solver in dask_ml_solvers:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t, theirs = timed(lambda s=solver, X=X, y=y:
                                      DaskMLLR(solver=s).fit(X, y), 1)
                theirs.classes_ = np.array([0, 1])
                theirs.coef_ = np.atleast_2d(theirs.coef_)
                theirs.intercept_ = np.atleast_1d(theirs.intercept_)
                label = f"dask-ml {solver}" + (" (default)" if solver == "admm"
                                               else "")
                rows.append((label, t, theirs, None))
            latency = _evaluation_latency(client, X, y, Xn, yn)
            objs = [objective(m, Xn, yn) for _, _, m, _ in rows]
            best = min(objs)
            t_ours = rows[0][1]
            size = f"{n:,} x {d} ({n * d * 8 / 1e9:.1f} GB, {n // chunk} blocks)"
            for (name, t, _, passes), obj in zip(rows, objs, strict=True):
                lines.append(f"| {size} | {name} | {t:.2f} | "
                             f"{passes if passes else 'n/a'} | "
                             f"{(obj - best) / abs(best):.1e} | {t / t_ours:.2f} |")
            notes.append(f"{n:,} rows: one loss+gradient evaluation on Dask takes "
                         f"{latency * 1e3:.1f} ms longer than the in-memory pass "
                         "(median of 15, interleaved).")
    notes.append(
        "float64, persisted on LocalCluster(n_workers=2, threads_per_worker=1, "
        "host='127.0.0.1'); passes = evaluations of the objective (the Dask "
        "fit also reads X once to validate it and once for the column "
        "statistics, as the in-memory fit does).  dask-ml "
        f"{dask_ml.__version__} (C=1 on the same objective: lamduh = 1/C and "
        "L2 = ||beta||^2/2, but it penalises the intercept too; objectives are "
        f"all computed by one numpy formula), distributed {distributed.__version__}.")
    return "\n".join(lines) + "\n\n" + "\n".join(notes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one tenth of the sizes, fewer repeats")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()

    q = args.quick
    sections = [("Machine", machine()),
                ("1. Fit, default settings", fit_table(q)),
                ("2. One loss+gradient pass vs streaming read", bandwidth_table(q)),
                ("3. The batch-gradient-descent tutorial's numpy step vs clogreg gd",
                 gd_step_table(q)),
                ("4. Prediction", predict_table(q)),
                ("5. Peak memory during fit, beyond X", memory_table(q)),
                ("6. LogisticRegressionCV(Cs=10, cv=5)", cv_table(q)),
                ("7. Fit on a Dask cluster", dask_table(q))]
    text = (f"# clogreg benchmarks{' (quick)' if args.quick else ''}\n\n"
            f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}`\n\n"
            + "\n\n".join(f"## {title}\n\n{body}" for title, body in sections) + "\n")
    publish(text, args.out)


if __name__ == "__main__":
    main()
