"""How fast Ctrl-C stops a large fit, and what the signal checks cost.

    python benchmarks/interrupt.py [--rows N] [--features D] [--dir DIR]
                                   [--site SITE] [--base SITE] [--rounds R]
                                   [--no-delay] [--keep]

Writes a rows x features float64 ``.npy`` file (default 3,000,000 x 200:
4.8 GB, in ``--dir``, default the system's temporary directory), with
binary labels drawn from a logistic model, and then, each in a fresh
process that fits on ``np.load(path, mmap_mode="r")`` (the file's pages
are shared through the page cache, so no process copies X):

* Interrupt delay.  A thread sends SIGINT to its own process at a random
  moment of an sgd fit (one epoch takes seconds at this size) and of an
  lbfgs fit (passes of a few tenths of a second each), and the main thread
  times how long after the signal ``fit`` raised KeyboardInterrupt (the
  fits run with tol=0, so that they last); it also checks that the
  estimator, fitted before, kept its coefficients.  Five signals per
  solver; the median and the maximum are printed.
* Cost of the checks, in one process: a pass over X as the solvers run
  it (checked for Ctrl-C) and as the stable API runs it (unchecked),
  alternating, 4 x ``--rounds`` times each; medians and the median of the
  ratios.
* Cost of the checks in whole fits.  With ``--base SITE`` (a build of
  the code before the checks, installed with ``pip install --target
  SITE``), the same fixed-work fits (lbfgs with max_iter=10 and tol=0, and
  one sgd epoch) alternate between that build and this one for
  ``--rounds`` rounds; the medians, their ratio and the median of the
  rounds' ratios are printed.  On a shared machine these whole fits vary
  far more than the checks cost: the pass comparison above is the
  sharper one.

Run it under the shared lock: ``flock /work/bench.lock python ...``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

BLOCK_ROWS = 250_000

CHILD = textwrap.dedent("""
    import json, random, signal, sys, threading, time, warnings
    import numpy as np
    from clogreg import LogisticRegression

    mode, path = sys.argv[1], sys.argv[2]
    # Python leaves SIGINT ignored when it starts ignored (a background job
    # of a non-interactive shell): make it raise KeyboardInterrupt as usual.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    X = np.load(path, mmap_mode="r")
    y = np.load(path + ".y.npy")
    warnings.simplefilter("ignore")       # max_iter-bound fits do not converge
    out = {"clogreg": __import__("clogreg").__file__}
    if mode == "delay":
        rng = random.Random(0)
        for solver, max_iter, window in (("sgd", 3, (0.5, 2.5)),
                                         ("lbfgs", 50, (0.5, 3.0))):
            model = LogisticRegression(solver=solver, max_iter=1,
                                       random_state=0).fit(X[:20000], y[:20000])
            kept = []
            delays = []
            for _ in range(5):
                sent = []
                done = threading.Event()
                def kill(at=rng.uniform(*window)):
                    if not done.wait(at):         # unless the fit ended first
                        sent.append(time.perf_counter())
                        signal.raise_signal(signal.SIGINT)
                model.set_params(max_iter=max_iter, tol=0.0)
                before = model.coef_.copy()
                t = threading.Thread(target=kill)
                t.start()
                try:
                    try:
                        model.fit(X, y)
                    finally:
                        done.set()
                    delays.append(None)           # finished before the signal
                    t.join()
                except KeyboardInterrupt:
                    delays.append(time.perf_counter() - sent[0])
                    t.join()
                    kept.append(bool(np.array_equal(model.coef_, before)))
            out[solver] = {"delays": delays, "model_kept": all(kept)}
    elif mode == "pass":
        # one pass over X, checked (the solvers') and unchecked (the stable
        # API's), alternating in ABBA order, 2 threads
        from clogreg import kernels, solvers
        Xm = kernels.RowMatrix(X)
        codes = y.astype(np.int32)
        d = X.shape[1]
        obj = solvers.Objective(Xm, codes, None, 1, True, 0.0, 0.0, None, None, 2)
        theta = np.full(d + 1, 0.01)
        grad = np.empty(d + 1)
        coef, b = theta[:d].reshape(1, d).copy(), theta[d:].copy()
        gc, gb = np.empty((1, d)), np.empty(1)
        runs = {"checked": lambda: obj.value_and_gradient(theta, grad),
                "unchecked": lambda: kernels._loss_gradient(
                    Xm, codes, None, coef, b, gc, gb, 2)}
        runs["unchecked"]()           # maps the file's pages: not timed
        out["checked"], out["unchecked"] = [], []
        for i in range(int(sys.argv[3])):
            # ABBA order: neither kind always runs first
            for name in (("checked", "unchecked") if i % 2 == 0
                         else ("unchecked", "checked")):
                t = time.perf_counter()
                runs[name]()
                out[name].append(time.perf_counter() - t)
    else:
        for solver, kw in (("lbfgs", {"max_iter": 10, "tol": 0.0}),
                           ("sgd", {"max_iter": 1, "tol": 0.0})):
            model = LogisticRegression(solver=solver, random_state=0, **kw)
            start = time.perf_counter()
            model.fit(X, y)
            out[solver] = time.perf_counter() - start
    print(json.dumps(out))
""")


def write_data(path, n, d):
    rng = np.random.default_rng(0)
    w = rng.normal(size=d) / np.sqrt(d)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                  shape=(n, d))
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        block = rng.normal(size=(stop - start, d))
        X[start:stop] = block
        y[start:stop] = block @ w + rng.logistic(size=stop - start) > 0
    X.flush()
    del X
    np.save(path + ".y.npy", y)


def run(site, mode, path, *extra):
    env = dict(os.environ, PYTHONPATH=site or "")
    if not site:
        env.pop("PYTHONPATH")
    res = subprocess.run([sys.executable, "-c", CHILD, mode, path, *extra],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--features", type=int, default=200)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--site", default=None,
                    help="PYTHONPATH of the build to measure (default: as is)")
    ap.add_argument("--base", default=None,
                    help="PYTHONPATH of the build to compare the cost with")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-delay", action="store_true",
                    help="only the cost of the checks (with --base)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    path = os.path.join(args.dir, f"interrupt_{args.rows}x{args.features}.npy")
    if not os.path.exists(path + ".y.npy"):
        write_data(path, args.rows, args.features)
    try:
        print(f"X: {args.rows} x {args.features} float64 (memmap of {path})")
        builds = [("this", args.site)] + ([("base", args.base)] if args.base else [])
        for name, site in builds if not args.no_delay else []:
            res = run(site, "delay", path)
            for solver in ("sgd", "lbfgs"):
                got = [d for d in res[solver]["delays"] if d is not None]
                if not got:
                    print(f"{name:4s} {solver:5s}: every fit ended before "
                          "its signal (use more --rows)")
                    continue
                print(f"{name:4s} {solver:5s} interrupt delay: median "
                      f"{statistics.median(got):.3f} s, max {max(got):.3f} s "
                      f"over {len(got)} signals (of "
                      f"{len(res[solver]['delays'])}); model kept: "
                      f"{res[solver]['model_kept']}  [{res['clogreg']}]")
        res = run(args.site, "pass", path, str(4 * args.rounds))
        a, b = statistics.median(res["checked"]), statistics.median(res["unchecked"])
        ratios = [c / u for c, u in zip(res["checked"], res["unchecked"],
                                        strict=True)]
        print(f"one pass, 2 threads: checked {a:.4f} s, unchecked {b:.4f} s "
              f"(medians of {len(ratios)}, alternating); median of the "
              f"ratios checked/unchecked {statistics.median(ratios):.4f}")
        if args.base:
            times = {b: {"lbfgs": [], "sgd": []} for b in ("this", "base")}
            for _ in range(args.rounds):
                for name, site in builds:
                    res = run(site, "time", path)
                    for solver in ("lbfgs", "sgd"):
                        times[name][solver].append(res[solver])
            for solver in ("lbfgs", "sgd"):
                a = statistics.median(times["this"][solver])
                b = statistics.median(times["base"][solver])
                pairs = statistics.median(
                    t / u for t, u in zip(times["this"][solver],
                                          times["base"][solver], strict=True))
                print(f"fit time {solver:5s} (fixed work): this {a:.3f} s, "
                      f"base {b:.3f} s, ratio this/base {a / b:.3f} "
                      f"(medians of {args.rounds} interleaved rounds; median "
                      f"of the rounds' ratios {pairs:.3f})")
                for name in ("this", "base"):
                    print(f"    {name}: " + " ".join(
                        f"{t:.3f}" for t in times[name][solver]))
    finally:
        if not args.keep:
            for p in (path, path + ".y.npy"):
                if os.path.exists(p):
                    os.remove(p)


if __name__ == "__main__":
    main()
