"""clogreg against the fastest logistic regressions a Python user can install.

    python benchmarks/peers.py [--quick] [--problems tall64,sparse]
                               [--out benchmarks/PEERS.md] [--lock /work/bench.lock]

Every peer is optional: one that does not import is skipped with a note
(``pip install clogreg[bench]`` brings them all).  The peers and their
mapping onto one objective,

    C * sum(log-loss) + ||W||^2 / 2, intercept unpenalised, float64,

computed by one numpy formula (``objective`` in benchmarks/run.py):

* scikit-learn: lbfgs, newton-cholesky, liblinear (binary; it penalises
  its intercept, so it solves another objective and counts for time only),
  saga (sparse problem only, where an epoch is cheap).
* scikit-learn-intelex (sklearnex): its LogisticRegression, lbfgs (its
  other solver, newton-cg, falls back to scikit-learn's code).  Whether a
  fit ran on oneDAL or fell back is read from sklearnex's own log.
* glum: GeneralizedLinearRegressor(family="binomial", l1_ratio=0) with
  alpha = 1 / (C * n): glum minimises mean(deviance) / 2 + alpha/2 ||w||^2
  and the binomial deviance is twice the log-loss, so C * n times its
  objective is ours.  Solvers lbfgs, irls-cd, irls-ls, trust-constr, each
  a peer; binary only (glum has no multinomial family).
* skglm: its L2 penalty has a gradient but no prox, so only its LBFGS
  solver takes it, and LBFGS fits no intercept.  The L2 logistic
  regression with an intercept is L1_plus_L2(alpha, l1_ratio=0) with the
  Logistic datafit (mean log-loss), alpha = 1 / (C * n), as its
  SparseLogisticRegression(l1_ratio=0) fits it (ProxNewton).  Its
  AndersonCD solver on the same estimator took 10x ProxNewton's time on
  the quick tall problem and is left out.  Binary only (its multiclass is
  one-vs-rest).
* liblinear-official: train(problem(y, X), "-s 0 -B 1 -R -c C -e tol -q"):
  primal trust-region Newton on exactly our objective, the bias feature
  unpenalised (-R).  Binary only (-s 0 is one-vs-rest for more classes).

Method.  The best objective of a problem is that of clogreg's newton at
tol=1e-12 (or any lower objective a peer reaches).  Each peer walks a
tolerance ladder 1e-2, 1e-3, ..., 1e-10 (tol, glum's gradient_tol,
liblinear's -e), loosest first, and keeps the loosest tolerance whose
objective is within 1e-6 (relative) of the best; one that never gets there
is reported with its best gap and left out of "fastest peer".  A fit that
takes longer than the cap (30 s, 5 s with --quick) ends that peer's ladder.
clogreg runs at its defaults (no tuning); its gap is reported too.

Each problem runs in two fresh subprocesses: default threads (the ladder
runs there, untimed for the table), then one thread (OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, NUMBA_NUM_THREADS = 1,
threadpoolctl's threadpool_limits(1), daal4py.daalinit(1) for oneDAL, whose
TBB pool ignores the environment, and clogreg n_threads=1).  The
one-thread table gives each fit's process CPU time / wall time, which
shows whether a library kept to one thread.  Within a subprocess the
contenders run interleaved in rounds (5, or 3 with --quick; a rotated
order each round) and the tables give medians.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set on this machine, are unset
for the subprocesses: they force an older OpenBLAS kernel that would slow
the BLAS-based peers.  The kernel actually run is in the report.

With --lock PATH each problem's pair of subprocesses holds an exclusive
flock on PATH, released between problems.
"""

import argparse
import fcntl
import gc
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import objective, publish, sparse_problem  # noqa: E402

C = 1.0
TARGET = 1e-6
LADDER = [10.0 ** -k for k in range(2, 11)]
PROBLEMS = ["tall64", "tall32", "wide", "multinomial", "sparse", "covtype"]
DESCRIPTION = {
    "tall64": "tall 200k x 100 float64",
    "tall32": "tall 200k x 100 float32",
    "wide": "wide 20k x 1000 float64",
    "multinomial": "multinomial 100k x 50, 10 classes",
    "sparse": "sparse CSR 100k x 20k, 0.2%",
    "covtype": "covtype-like 500k x 54, raw units",
}
ONE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS")


# ---------------------------------------------------------------- problems

def make_problem(name, scale):
    """(X, y, kind) with kind 'binary' or 'multi'; sizes divided by scale."""
    from sklearn.datasets import make_classification
    if name in ("tall64", "tall32"):
        X, y = make_classification(200_000 // scale, 100, n_informative=50,
                                   random_state=0)
        return (X.astype(np.float32) if name == "tall32" else X), y, "binary"
    if name == "wide":
        X, y = make_classification(20_000 // scale, 1000, n_informative=500,
                                   random_state=0)
        return X, y, "binary"
    if name == "multinomial":
        X, y = make_classification(100_000 // scale, 50, n_informative=30,
                                   n_classes=10, random_state=0)
        return X, y, "multi"
    if name == "sparse":
        X, y = sparse_problem(100_000 // scale, 20_000, 0.002)
        return X, y, "binary"
    if name == "covtype":
        from problems import covtype_like
        X, y = covtype_like(500_000 // scale)
        return X, y, "binary"
    raise ValueError(name)


class Fitted:
    """What ``objective`` needs of a model: coef_, intercept_, classes_."""

    def __init__(self, coef, intercept, classes):
        self.coef_ = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.classes_ = np.asarray(classes)
        self.dtype = np.asarray(coef).dtype


# ------------------------------------------------------------- contenders
# Each peer: (label, library, binary_only, other_objective, fit(X, y, tol, one))
# where fit returns a Fitted, and `one` says the one-thread run.

def _sk(solver, max_iter):
    def fit(X, y, tol, one):
        from sklearn.linear_model import LogisticRegression
        m = LogisticRegression(C=C, solver=solver, tol=tol,
                               max_iter=max_iter).fit(X, y)
        return Fitted(m.coef_, m.intercept_, m.classes_)
    return fit


def _sklearnex(X, y, tol, one):
    from sklearnex.linear_model import LogisticRegression
    m = LogisticRegression(C=C, solver="lbfgs", tol=tol,
                           max_iter=100_000).fit(X, y)
    return Fitted(m.coef_, m.intercept_, m.classes_)


def _glum(solver):
    def fit(X, y, tol, one):
        import glum
        m = glum.GeneralizedLinearRegressor(
            family="binomial", alpha=1.0 / (C * X.shape[0]), l1_ratio=0,
            solver=solver, gradient_tol=tol, max_iter=1000).fit(X, y)
        return Fitted(m.coef_, m.intercept_, [0, 1])
    return fit


def _skglm_prox_newton(X, y, tol, one):
    from skglm import SparseLogisticRegression
    m = SparseLogisticRegression(alpha=1.0 / (C * X.shape[0]), l1_ratio=0.0,
                                 tol=tol, max_iter=1000).fit(X, y)
    return Fitted(m.coef_, m.intercept_, m.classes_)


def _liblinear(X, y, tol, one):
    from liblinear.liblinearutil import parameter, problem, train
    model = train(problem(y, X), parameter(f"-s 0 -B 1 -R -c {C} -e {tol} -q"))
    w, b = model.get_decfun()
    sign = 1.0 if model.get_labels()[0] == 1 else -1.0
    return Fitted(sign * np.asarray(w), sign * b, [0, 1])


PEERS = [
    ("sklearn lbfgs", "sklearn", False, None, _sk("lbfgs", 100_000)),
    ("sklearn newton-cholesky", "sklearn", False, None,
     _sk("newton-cholesky", 1000)),
    ("sklearn liblinear", "sklearn", True,
     "penalises its intercept (intercept_scaling=1)", _sk("liblinear", 1000)),
    ("sklearn saga", "sklearn", False, None, _sk("saga", 10_000)),
    ("sklearnex lbfgs", "sklearnex", False, None, _sklearnex),
    ("glum lbfgs", "glum", True, None, _glum("lbfgs")),
    ("glum irls-cd", "glum", True, None, _glum("irls-cd")),
    ("glum irls-ls", "glum", True, None, _glum("irls-ls")),
    ("glum trust-constr", "glum", True, None, _glum("trust-constr")),
    ("skglm prox-newton", "skglm", True, None, _skglm_prox_newton),
    ("liblinear-official", "liblinear", True, None, _liblinear),
]

IMPORTS = {"sklearn": "sklearn.linear_model", "sklearnex": "sklearnex.linear_model",
           "glum": "glum", "skglm": "skglm", "liblinear": "liblinear.liblinearutil"}


def skip_reason(label, binary_only, problem, kind):
    if binary_only and kind == "multi":
        return "binary only"
    if label == "sklearn saga" and problem != "sparse":
        return ("saga runs on the sparse problem only (an epoch over dense "
                "data is not cheap)")
    if problem == "sparse" and label == "sklearn newton-cholesky":
        return "dense 20,000 x 20,000 Hessian"
    if problem == "sparse" and label in ("glum irls-cd", "glum irls-ls"):
        return "IRLS forms a dense 20,000 x 20,000 Hessian (3.2 GB)"
    return None


# ----------------------------------------------------------------- worker

class Timeout(Exception):
    pass


_RANG = []


def _alarm(signum, frame):
    _RANG.append(True)
    raise Timeout()


def run_fit(fn, cap):
    """(wall s, cpu s, result or None if it ran past cap)."""
    gc.collect()
    signal.signal(signal.SIGALRM, _alarm)
    _RANG.clear()
    signal.setitimer(signal.ITIMER_REAL, cap)
    cpu, start = time.process_time(), time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn()
    except Timeout:
        result = None
    except SystemError:
        # the alarm's exception surfacing through numba-compiled code
        if not _RANG:
            raise
        result = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - start, time.process_time() - cpu, result


class FallbackLog(logging.Handler):
    """Counts sklearnex's 'running accelerated' / 'fallback' messages."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.accelerated = self.fallback = 0

    def emit(self, record):
        msg = record.getMessage()
        if "fit" in msg and "accelerated" in msg:
            self.accelerated += 1
        elif "fit" in msg and "fallback" in msg:
            self.fallback += 1


def thread_info():
    out = {}
    try:
        import threadpoolctl
        out["pools"] = [f"{p['internal_api']} {p.get('architecture', '')} "
                        f"{p['num_threads']} thr ({os.path.basename(p['filepath'])})"
                        for p in threadpoolctl.threadpool_info()]
    except ImportError:
        out["pools"] = ["threadpoolctl not installed"]
    try:
        import daal4py
        out["daal4py threads"] = daal4py.num_threads()
    except ImportError:
        pass
    return out


def warm_up(peers, kind, sparse, dtype):
    """Compile the JIT peers (skglm's numba) and load every library on a
    small problem of the same kind, so that no timing pays for it."""
    rng = np.random.default_rng(1)
    n, d = 400, 30
    if sparse:
        from scipy import sparse as sp
        X = sp.random(n, d, density=0.3, format="csr", random_state=rng,
                      data_rvs=rng.standard_normal).astype(dtype)
    else:
        X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, 10 if kind == "multi" else 2, n)
    spent = {}
    for label, fn in peers.items():
        t = time.perf_counter()
        # tol 1e-10 compiles every path skglm's numba takes; the others
        # only load (glum's IRLS on float32 does not reach 1e-10)
        tol = 1e-10 if label.startswith("skglm") else 1e-4
        run_fit(lambda fn=fn, tol=tol: fn(X, y, tol, False), 120)
        spent[label] = time.perf_counter() - t
    return spent


def worker(args):
    one = args.threads == "1"
    settings = {}
    if args.settings:
        with open(args.settings) as f:
            settings = json.load(f)
    results = {}
    for problem in args.problem.split(","):
        with Lock(args.lock):
            results[problem] = fit_problem(args, problem, one,
                                           settings.get(problem))
        with open(args.result, "w") as f:
            json.dump(results, f)


def fit_problem(args, problem, one, settings):
    if one:
        try:
            import threadpoolctl
            threadpoolctl.threadpool_limits(1)
        except ImportError:
            pass
        try:
            import daal4py
            daal4py.daalinit(1)
        except ImportError:
            pass
    import clogreg
    scale = 10 if args.quick else 1
    cap = 5.0 if args.quick else 30.0
    rounds = 3 if args.quick else 5
    X, y, kind = make_problem(problem, scale)
    sparse = not isinstance(X, np.ndarray)
    out = {"problem": problem, "threads": args.threads,
           "shape": list(X.shape), "dtype": str(X.dtype), "peers": {},
           "skipped": {}, "ladder": {}}

    # the peers that apply here
    peers, other = {}, {}
    for label, lib, binary_only, other_obj, fn in PEERS:
        try:
            __import__(IMPORTS[lib])
        except ImportError as exc:
            out["skipped"][label] = f"not installed ({exc})"
            continue
        why = skip_reason(label, binary_only, problem, kind)
        if why:
            out["skipped"][label] = why
            continue
        if settings is not None and label not in settings["chosen"]:
            continue
        peers[label] = fn
        if other_obj:
            other[label] = other_obj
    fallback = FallbackLog()
    sklearnex_log = logging.getLogger("sklearnex")
    sklearnex_log.setLevel(logging.INFO)
    for h in list(sklearnex_log.handlers):
        sklearnex_log.removeHandler(h)
    sklearnex_log.addHandler(fallback)
    sklearnex_log.propagate = False
    phase = time.perf_counter()
    out["warm-up"] = warm_up(peers, kind, sparse, X.dtype)
    out["phases"] = {"warm-up": time.perf_counter() - phase}
    phase = time.perf_counter()

    def ours():
        m = clogreg.LogisticRegression(C=C, n_threads=1 if one else None).fit(X, y)
        return Fitted(m.coef_, m.intercept_, m.classes_)

    # the best objective
    if settings is None:
        X64 = X.astype(np.float64)
        t, _, ref = run_fit(lambda: clogreg.LogisticRegression(
            C=C, solver="newton", tol=1e-12, max_iter=1000).fit(X64, y), 600)
        best = objective(ref, X, y, C)
        out["reference"] = {"objective": best, "seconds": t}
        del X64
    else:
        best = settings["best"]

    # the ladder (default-thread worker only)
    chosen, reached = {}, {}
    if settings is None:
        for label, fn in peers.items():
            steps = []
            pick = None
            for tol in LADDER:
                wall, cpu, res = run_fit(lambda fn=fn, tol=tol: fn(X, y, tol, one), cap)
                if res is None:
                    steps.append({"tol": tol, "seconds": wall, "capped": True})
                    break
                obj = objective(res, X, y, C)
                best = min(best, obj)
                gap = (obj - best) / abs(best)
                steps.append({"tol": tol, "seconds": wall, "objective": obj,
                              "gap": gap, "coef dtype": str(res.dtype)})
                if gap <= TARGET:
                    pick = tol
                    break
                if wall > cap:
                    steps[-1]["capped"] = True
                    break
            out["ladder"][label] = steps
            chosen[label] = pick if pick is not None else steps[-1]["tol"]
            reached[label] = pick is not None
    else:
        chosen = {k: v for k, v in settings["chosen"].items() if k in peers}
        reached = {k: v for k, v in settings["reached"].items() if k in peers}

    out["phases"]["reference+ladder"] = time.perf_counter() - phase
    phase = time.perf_counter()
    # interleaved rounds at the chosen settings
    contenders = {"clogreg (default)": ours}
    for label, fn in peers.items():
        contenders[label] = (lambda fn=fn, tol=chosen[label]: fn(X, y, tol, one))
    times = {k: [] for k in contenders}
    cpus = {k: [] for k in contenders}
    objs = {k: [] for k in contenders}
    names = list(contenders)
    # a peer that never reached the target is timed once, for information
    slow = {k for k, v in reached.items() if not v}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for label in order:
            if label in slow and len(times[label]) >= 1:
                continue
            wall, cpu, res = run_fit(contenders[label], cap)
            times[label].append(wall)
            cpus[label].append(cpu / wall)
            if res is None:
                slow.add(label)
                continue
            objs[label].append(objective(res, X, y, C))
            if wall > cap / 3:
                slow.add(label)   # one timing suffices for the very slow
    out["phases"]["rounds"] = time.perf_counter() - phase
    best = min([best] + [min(v) for v in objs.values() if v])
    for label in names:
        obj = max(objs[label]) if objs[label] else None
        out["peers"][label] = {
            "tol": chosen.get(label), "median": float(np.median(times[label])),
            "times": times[label], "cpu/wall": float(np.median(cpus[label])),
            "objective": obj,
            "gap": None if obj is None else (obj - best) / abs(best),
            "other objective": other.get(label),
            "timed out": objs[label] == []}
    out["best"] = best
    out["chosen"] = chosen
    out["reached"] = reached
    out["threads info"] = thread_info()
    out["sklearnex log"] = {"accelerated": fallback.accelerated,
                            "fallback": fallback.fallback}
    return out


# ---------------------------------------------------------------- predict

def predict_worker(args):
    one = args.threads == "1"
    if one:
        try:
            import threadpoolctl
            threadpoolctl.threadpool_limits(1)
            import daal4py
            daal4py.daalinit(1)
        except ImportError:
            pass
    from sklearn.datasets import make_classification

    import clogreg
    X, y = make_classification(20_000, 100, n_informative=50, random_state=0)
    x = X[:1].copy()
    models = {"clogreg": clogreg.LogisticRegression(
        n_threads=1 if one else None).fit(X, y).predict_proba}
    skipped = {}
    from sklearn.linear_model import LogisticRegression
    models["scikit-learn"] = LogisticRegression().fit(X, y).predict_proba
    try:
        from sklearnex.linear_model import LogisticRegression as XLR
        models["sklearnex"] = XLR().fit(X, y).predict_proba
    except ImportError as exc:
        skipped["sklearnex"] = str(exc)
    try:
        import glum
        g = glum.GeneralizedLinearRegressor(family="binomial",
                                            alpha=1 / len(y), l1_ratio=0).fit(X, y)
        models["glum (predict: the mean)"] = g.predict
    except ImportError as exc:
        skipped["glum"] = str(exc)
    reps = 300 if args.quick else 2000
    rounds = 3 if args.quick else 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in models.values():
            fn(x)
        times = {k: [] for k in models}
        for _ in range(rounds):
            for label, fn in models.items():
                start = time.perf_counter()
                for _ in range(reps):
                    fn(x)
                times[label].append((time.perf_counter() - start) / reps)
    with open(args.result, "w") as f:
        json.dump({"times": {k: float(np.median(v)) for k, v in times.items()},
                   "skipped": skipped}, f)


# ----------------------------------------------------------------- driver

def child_env(threads):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    if threads == "1":
        for k in ONE_THREAD_ENV:
            env[k] = "1"
    return env


def spawn(mode, problem, threads, quick, settings=None, lock=None):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", mode,
           "--problem", problem, "--threads", threads, "--result", path]
    if quick:
        cmd.append("--quick")
    if lock:
        cmd += ["--lock", lock]
    if settings is not None:
        with open(path, "w") as f:
            json.dump(settings, f)
        cmd += ["--settings", path]
    proc = subprocess.run(cmd, env=child_env(threads), cwd="/",
                          capture_output=True, text=True)
    if proc.returncode != 0:
        os.unlink(path)
        raise RuntimeError(f"worker {mode} {problem} {threads} failed:\n"
                           f"{proc.stderr[-3000:]}")
    with open(path) as f:
        out = json.load(f)
    os.unlink(path)
    return out


class Lock:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        if self.path:
            self.f = open(self.path, "a")
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.path:
            fcntl.flock(self.f, fcntl.LOCK_UN)
            self.f.close()


def versions():
    import importlib.metadata as md
    out = []
    for dist in ("clogreg", "numpy", "scipy", "scikit-learn", "scikit-learn-intelex",
                 "daal", "glum", "tabmat", "skglm", "numba", "liblinear-official",
                 "threadpoolctl"):
        try:
            out.append(f"{dist} {md.version(dist)}")
        except md.PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


def machine():
    cpu = platform.machine()
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = "AVX-512" if "avx512f" in line else (
                        "AVX2" if "avx2" in line else "no AVX2")
                    break
    except OSError:
        pass
    return (f"{cpu} ({flags}), {os.cpu_count()} cores, Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def fmt_gap(g):
    return "n/a" if g is None else f"{g:.1e}"


def fmt_tol(t):
    return "default" if t is None else f"{t:.0e}"


def problem_section(name, default, single):
    lines = [f"### {DESCRIPTION[name]}", "",
             f"X {tuple(default['shape'])} {default['dtype']}; best objective "
             f"{default['best']:.10g} (clogreg newton tol=1e-12: "
             f"{default['reference']['objective']:.10g}).", "",
             "| contender | tol | gap at tol | 1 thread (s) | CPU/wall, 1 thr | "
             "default threads (s) | note |", "|---|---|---|---|---|---|---|"]
    summary = {}
    eligible = {"1": {}, "default": {}}
    for label, d in default["peers"].items():
        s = single["peers"].get(label)
        note = []
        if label != "clogreg (default)":
            steps = default["ladder"].get(label, [])
            reached = any(st.get("gap", 1) <= TARGET for st in steps)
            capped = any(st.get("capped") for st in steps)
            if d["other objective"]:
                note.append(f"other objective: {d['other objective']}; time only")
            elif not reached:
                best_gap = min((st["gap"] for st in steps if "gap" in st),
                               default=None)
                note.append(f"never within {TARGET:g} (best gap "
                            f"{fmt_gap(best_gap)}"
                            + (", ladder stopped by the cap" if capped else "")
                            + "); excluded, timed once")
            else:
                for key, run in (("default", d), ("1", s)):
                    if run and not run["timed out"] and run["gap"] is not None \
                            and run["gap"] <= 2 * TARGET:
                        eligible[key][label] = run["median"]
            dtypes = {st.get("coef dtype") for st in steps} - {None}
            if default["dtype"] == "float32" and dtypes:
                note.append("coef " + "/".join(sorted(dtypes)))
        if d["timed out"] or (s and s["timed out"]):
            note.append("a timed fit ran past the cap")
        lines.append(
            f"| {label} | {fmt_tol(d['tol'])} | {fmt_gap(d['gap'])} | "
            f"{s['median']:.3f} | {s['cpu/wall']:.2f} | {d['median']:.3f} | "
            f"{'; '.join(note)} |" if s else
            f"| {label} | {fmt_tol(d['tol'])} | {fmt_gap(d['gap'])} | | | "
            f"{d['median']:.3f} | {'; '.join(note)} |")
    for label, why in default["skipped"].items():
        lines.append(f"| {label} | | | | | | skipped: {why} |")
    ours = {"1": single["peers"]["clogreg (default)"],
            "default": default["peers"]["clogreg (default)"]}
    for key in ("1", "default"):
        if eligible[key]:
            fastest = min(eligible[key], key=eligible[key].get)
            summary[key] = (fastest, eligible[key][fastest],
                            ours[key]["median"] / eligible[key][fastest])
        else:
            summary[key] = None
    summary["gap"] = (ours["1"]["gap"], ours["default"]["gap"])
    summary["clogreg"] = (ours["1"]["median"], ours["default"]["median"])
    return "\n".join(lines), summary


def ladder_section(results):
    lines = ["| problem | peer | tol: seconds, gap (loosest first) |", "|---|---|---|"]
    for name, (default, _) in results.items():
        for label, steps in default["ladder"].items():
            cells = []
            for st in steps:
                if "gap" in st:
                    cells.append(f"{st['tol']:.0e}: {st['seconds']:.2f} s, "
                                 f"{st['gap']:.1e}" + (" (cap)" if st.get("capped")
                                                        else ""))
                else:
                    cells.append(f"{st['tol']:.0e}: > {st['seconds']:.0f} s (cap)")
            lines.append(f"| {name} | {label} | {'; '.join(cells)} |")
    return "\n".join(lines)


def render(results, predict, quick, command):
    parts = [f"# clogreg against its fastest peers{' (quick)' if quick else ''}", "",
             f"Command: `{command}`", "",
             f"Machine: {machine()}.", "", f"Versions: {versions()}.", ""]
    any_default = next(iter(results.values()))[0] if results else None
    if any_default:
        single = next(iter(results.values()))[1]
        parts += ["Thread pools, default-thread run: "
                  + "; ".join(any_default["threads info"]["pools"])
                  + "; daal4py threads "
                  + f"{any_default['threads info'].get('daal4py threads')}.",
                  "", "Thread pools, one-thread run: "
                  + "; ".join(single["threads info"]["pools"])
                  + "; daal4py threads "
                  + f"{single['threads info'].get('daal4py threads')}.",
                  ""]
    parts += ["Objective C * sum(log-loss) + ||W||^2/2 (C = 1, intercept "
              "unpenalised), float64, one numpy formula for every contender. "
              f"gap = (objective - best) / best. A peer counts for \"fastest\" "
              f"at the loosest tolerance of its ladder within {TARGET:g} of the "
              "best; clogreg runs at its defaults. ratio = clogreg time / the "
              "fastest such peer's (below 1: clogreg is faster).", ""]
    rows = ["| problem | clogreg 1 thr (s) | fastest peer, 1 thr | ratio 1 thr | "
            "clogreg default thr (s) | fastest peer, default thr | ratio default | "
            "clogreg gap |", "|---|---|---|---|---|---|---|---|"]
    sections = []
    for name, (default, single) in results.items():
        text, summary = problem_section(name, default, single)
        sections.append(text)

        def cell(key, summary=summary):
            s = summary[key]
            return ("none reached the target", "") if s is None else (
                f"{s[0]} {s[1]:.3f} s", f"**{s[2]:.2f}**")
        f1, r1 = cell("1")
        fd, rd = cell("default")
        rows.append(f"| {DESCRIPTION[name]} | {summary['clogreg'][0]:.3f} | {f1} | "
                    f"{r1} | {summary['clogreg'][1]:.3f} | {fd} | {rd} | "
                    f"{fmt_gap(summary['gap'][1])} |")
    parts += ["## Summary", ""] + rows + ["", "## Per problem", ""]
    parts += ["\n\n".join(sections), "", "## Tolerance ladders (default threads)", "",
              ladder_section(results), ""]
    slog = [f"{n}: {d['sklearnex log']['accelerated']} fits on oneDAL, "
            f"{d['sklearnex log']['fallback']} fallbacks"
            for n, (d, _) in results.items()]
    parts += ["sklearnex's log, default-thread run: " + "; ".join(slog) + ".", ""]
    if predict:
        parts += ["## One-row predict_proba (20k x 100 fit, median of interleaved "
                  "loops)", "",
                  "| contender | 1 thread (us) | default threads (us) |",
                  "|---|---|---|"]
        for label in predict["default"]["times"]:
            parts.append(f"| {label} | {predict['1']['times'][label] * 1e6:.1f} | "
                         f"{predict['default']['times'][label] * 1e6:.1f} |")
        for k, v in predict["default"]["skipped"].items():
            parts.append(f"| {k} | skipped: {v} | |")
        parts.append("")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the sizes, 3 rounds, a 5 s cap")
    parser.add_argument("--problems", default=",".join(PROBLEMS),
                        help=f"comma-separated, from {','.join(PROBLEMS)}")
    parser.add_argument("--no-predict", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "PEERS.md"))
    parser.add_argument("--lock", default=None,
                        help="flock this file around each problem's runs")
    parser.add_argument("--worker", choices=["fit", "predict"], help=argparse.SUPPRESS)
    parser.add_argument("--problem", help=argparse.SUPPRESS)
    parser.add_argument("--threads", help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "fit":
        return worker(args)
    if args.worker == "predict":
        return predict_worker(args)

    problems = [p for p in args.problems.split(",") if p]
    for p in problems:
        if p not in PROBLEMS:
            parser.error(f"unknown problem {p!r}; choose from {PROBLEMS}")
    start = time.perf_counter()
    # One subprocess per thread setting, each over all the problems (skglm's
    # numba compiles once per process); the ladders run in the first.
    default = spawn("fit", ",".join(problems), "default", args.quick,
                    lock=args.lock)
    single = spawn("fit", ",".join(problems), "1", args.quick,
                   {p: {"best": d["best"], "chosen": d["chosen"],
                        "reached": d["reached"]}
                    for p, d in default.items()}, lock=args.lock)
    results = {}
    for p in problems:
        results[p] = (default[p], single[p])
        print(f"[{p}: default " + ", ".join(f"{k} {v:.0f} s" for k, v in
                                            default[p]["phases"].items())
              + "; 1 thread " + ", ".join(f"{k} {v:.0f} s" for k, v in
                                          single[p]["phases"].items()) + "]",
              file=sys.stderr, flush=True)
    predict = None
    if not args.no_predict:
        with Lock(args.lock):
            predict = {th: spawn("predict", "none", th, args.quick)
                       for th in ("default", "1")}
    command = "python benchmarks/peers.py " + " ".join(sys.argv[1:])
    text = render(results, predict, args.quick, command.strip())
    text += f"\nTotal run time {time.perf_counter() - start:.0f} s.\n"
    publish(text, args.out)


if __name__ == "__main__":
    main()
