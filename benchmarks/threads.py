"""clogreg's threads on a busy machine (issue 16).

    python benchmarks/threads.py [--quick] [--out benchmarks/THREADS.md]
        [--sections load,bandwidth,sched] [--variants default,PASSIVE,...]
        [--rounds N] [--lock FILE] [--trace-build DIR]

It runs on whatever clogreg build is importable (PYTHONPATH); every
measurement is taken in a fresh subprocess that imports that same build.

Sections:

load
    Wall time of ``clogreg.LogisticRegression(...).fit`` with the default
    ``n_threads`` against ``n_threads=1``, on a quiet machine and with a
    competing load: a second process spinning on one core (a Python busy
    loop, started before the timed fits and killed after them, always).
    Problems: tall 200k x 100 float64, the 10-class multinomial
    100k x 50, and 10k x 50 fitted for exactly 30 iterations (tol=0,
    max_iter=30).  Every fit's ``coef_`` and ``intercept_`` are compared
    bitwise between the thread counts.

    Each libgomp setting in VARIANTS (the wait policy, the spin count,
    thread binding) is an environment for the subprocess.  The variants
    are interleaved: round r runs one subprocess per variant (in an order
    rotated by r), each timing every problem once per contender, quiet
    and then under load.  Medians over the rounds; ratios are ratios of
    medians, with the range of the per-round ratios beside them.

bandwidth
    One loss+gradient pass (``kernels._loss_gradient``) over 400k x 100,
    float64 and float32, with 1 and 2 threads, against the machine's read
    bandwidth over the same array: BLAS ``X @ w`` (w of X's dtype) with
    threadpoolctl limits of 1 and 2 threads, and ``X.sum()`` (1 thread).
    GB/s = X.nbytes / median time, over 21 rounds (5 with --quick; not
    --rounds) of a burst of 10 calls per contender, the last 6 timed, as
    passes follow each other in a fit (see work_bandwidth for why).  The
    2-thread pass / 2-thread read ratio is the one issue 16 sets a target
    for (>= 0.8).

sched
    Does the second thread run?  The default-thread fits of the load
    section, quiet and under load, for the variants marked ``sched``,
    with each thread's scheduler statistics from
    /proc/self/task/<tid>/schedstat (time on a CPU, time runnable but
    waiting for one) and its involuntary context switches.  With a build
    compiled with -DCLOGREG_TRACE_PASS (a local instrumentation of
    ``_pass``, not part of clogreg; pass it as ``--trace-build``), also
    the timeline of every parallel pass: how many blocks each thread ran,
    how late the second thread started its first block, and how long the
    region took to end after its last block finished.

Timings must not overlap another benchmark: run the whole script under
``flock LOCKFILE python benchmarks/threads.py``, or give ``--lock LOCKFILE``
and the script takes the lock around each subprocess only (never both:
the nested lock would wait forever).
"""

import argparse
import contextlib
import fcntl
import gc
import hashlib
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# ----------------------------------------------------------------- settings


@dataclass(frozen=True)
class Variant:
    """One environment for the measuring subprocess."""
    name: str
    env: dict = field(default_factory=dict)
    sched: bool = False          # also in the sched section
    note: str = ""
    build: str = ""              # a name for ``path``
    path: str = ""               # a clogreg build to import instead (--build)


# libgomp (GCC 12) reads these at start-up.  Its default is
# GOMP_SPINCOUNT=300000 (about 0.3 ms of spinning per wait), throttled to
# 1000 when there are more threads than CPUs; OMP_WAIT_POLICY=PASSIVE is a
# spin count of 0 (sleep on a futex at once), ACTIVE spins for minutes.
VARIANTS = [
    Variant("default", {}, sched=True, note="libgomp as the user gets it"),
    Variant("PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"}, sched=True),
    Variant("ACTIVE", {"OMP_WAIT_POLICY": "ACTIVE"}, sched=True),
    Variant("SPINCOUNT=0", {"GOMP_SPINCOUNT": "0"}),
    Variant("SPINCOUNT=1000", {"GOMP_SPINCOUNT": "1000"}),
    Variant("SPINCOUNT=100000", {"GOMP_SPINCOUNT": "100000"}),
    Variant("PROC_BIND=close", {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"},
            note="threads pinned one per core"),
]

# What the parent's environment may carry that would change a variant.
STRIPPED = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND", "OMP_PLACES",
            "GOMP_CPU_AFFINITY")

CONTENDERS = [("default", None), ("1 thread", 1)]


@dataclass(frozen=True)
class Problem:
    key: str
    title: str
    n: int
    d: int
    classes: int
    informative: int
    params: dict
    reps: int          # fits per contender per round (median of them)


def problems(quick):
    s = 10 if quick else 1
    return [
        Problem("tall", f"tall {200 // s}k x 100 float64", 200_000 // s, 100, 2,
                50, {}, 1),
        Problem("multi", f"multinomial {100 // s}k x 50, 10 classes",
                100_000 // s, 50, 10, 30, {}, 1),
        # 'auto' hands over to newton, which stops early even at tol=0:
        # lbfgs, the default's first solver, runs exactly max_iter.
        Problem("10k30", "10k x 50, 30 lbfgs iterations", 10_000, 50, 2, 25,
                {"tol": 0.0, "max_iter": 30, "solver": "lbfgs"}, 3 if quick else 5),
    ]


# The competing load: one process spinning on one core.  It also leaves
# when its parent is gone (a killed worker cannot clean up after itself).
SPIN_CODE = """\
import os
parent = os.getppid()
i = 0
while True:
    i += 1
    if i & 0xFFFFF == 0 and os.getppid() != parent:
        break
"""


def busy_cpu_seconds():
    """CPU seconds spent busy so far, all CPUs together (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Background:
    """CPU used by processes other than this one (and its spinner) during
    a block, in cores."""

    def __init__(self, spin_cpu=None):
        self.spin_cpu = spin_cpu or (lambda: 0.0)

    def __enter__(self):
        self.t = (time.perf_counter(), busy_cpu_seconds(), own_cpu_seconds(),
                  self.spin_cpu())
        return self

    def __exit__(self, *exc):
        t = (time.perf_counter(), busy_cpu_seconds(), own_cpu_seconds(),
             self.spin_cpu())
        wall = t[0] - self.t[0]
        self.spin = (t[3] - self.t[3]) / wall
        self.cores = max(0.0, (t[1] - self.t[1]) - (t[2] - self.t[2])
                         - (t[3] - self.t[3])) / wall
        return False


def wait_quiet(limit, threshold=0.25):
    """Wait (up to ``limit`` seconds) until other processes use less than
    ``threshold`` of a core over a second; return the seconds waited."""
    start = time.perf_counter()
    while True:
        with Background() as bg:
            time.sleep(1.0)
        if bg.cores < threshold or time.perf_counter() - start > limit:
            return time.perf_counter() - start


@contextlib.contextmanager
def spinner():
    """A busy process for the duration of the block; yields a function
    returning the CPU seconds it has used so far."""
    proc = subprocess.Popen([sys.executable, "-S", "-c", SPIN_CODE],
                            stdin=subprocess.DEVNULL)
    tick = os.sysconf("SC_CLK_TCK")

    def cpu():
        try:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            return float("nan")
    try:
        time.sleep(0.3)          # started and in its loop
        yield cpu
    finally:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------- subprocesses

def _clogreg_root():
    import clogreg
    return os.path.dirname(os.path.dirname(os.path.abspath(clogreg.__file__)))


# Before each measuring subprocess: wait up to this long for processes
# that do not take the lock (builds, tests) to go quiet.
SETTINGS = {"quiet_wait": 10.0}


def run_worker(task, spec, variant, lock, pythonpath=None):
    """Run ``task`` in a fresh interpreter with the variant's environment;
    return its JSON result."""
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED}
    env.update(variant.env)
    root = pythonpath or variant.path or _clogreg_root()
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    payload = json.dumps({"task": task, "spec": spec})
    with locked(lock):
        waited = wait_quiet(SETTINGS["quiet_wait"])
        if waited > 1.5:
            print(f"  waited {waited:.0f} s for other processes to quieten",
                  file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker"],
                              input=payload, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"worker {task} ({variant.name}) failed: "
                           f"rc {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def locked(path):
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def worker_main():
    # SIGTERM unwinds like Ctrl-C, so that the spinner is always killed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    req = json.loads(sys.stdin.read())
    result = {"fits": work_fits, "bandwidth": work_bandwidth,
              "sched": work_sched, "info": work_info}[req["task"]](req["spec"])
    sys.stdout.write("\n" + json.dumps(result) + "\n")


def load_problems(spec):
    out = []
    for p in spec["problems"]:
        X = np.load(os.path.join(spec["data"], p["key"] + "_X.npy"))
        y = np.load(os.path.join(spec["data"], p["key"] + "_y.npy"))
        out.append((p, X, y))
    return out


def fit_once(X, y, params, n_threads):
    import clogreg
    model = clogreg.LogisticRegression(n_threads=n_threads, **params)
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, model


def _digest(model):
    h = hashlib.sha256(np.ascontiguousarray(model.coef_).tobytes())
    h.update(np.ascontiguousarray(model.intercept_).tobytes())
    return h.hexdigest()[:16]


def work_fits(spec):
    """One round: every problem, every contender, quiet then under load."""
    probs = load_problems(spec)
    for p, X, y in probs:            # thread pool up, pages touched
        fit_once(X, y, p["params"], None)
    out = {"times": {}, "digests": {}, "n_iter": {}, "spin_share": None,
           "background": {}}
    flip = spec["round"] % 2
    for cond in ("quiet", "load"):
        ctx = spinner() if cond == "load" else contextlib.nullcontext()
        with ctx as spin_cpu, Background(spin_cpu) as bg:
            for i, (p, X, y) in enumerate(probs):
                order = CONTENDERS if (flip + i) % 2 == 0 else CONTENDERS[::-1]
                for label, n_threads in order:
                    ts = []
                    for _ in range(p["reps"]):
                        seconds, model = fit_once(X, y, p["params"], n_threads)
                        ts.append(seconds)
                    key = f"{cond}|{p['key']}|{label}"
                    out["times"][key] = float(np.median(ts))
                    out["digests"][key] = _digest(model)
                    out["n_iter"][p["key"]] = int(np.max(model.n_iter_))
        out["background"][cond] = bg.cores
        if spin_cpu:
            out["spin_share"] = bg.spin
    return out


def work_info(spec):
    import clogreg
    from clogreg import kernels
    info = clogreg.show_config(print_out=False)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            if "libgomp" in line or "libomp" in line or "openblas" in line.lower():
                libs.add(line.split()[-1])
    try:
        from threadpoolctl import threadpool_info
        pools = [f"{d['internal_api']} {d.get('version')} ({d['num_threads']} threads)"
                 for d in threadpool_info()]
    except ImportError:
        pools = []
    return {"clogreg": info["version"], "openmp": bool(info["openmp"]),
            "threads": int(kernels.max_threads()), "path": clogreg.__file__,
            "libs": sorted(libs), "pools": pools,
            "trace": bool(getattr(kernels, "_trace_compiled", lambda: False)())}


BURST, WARM = 10, 4      # bandwidth section: calls per contender, untimed first


def work_bandwidth(spec):
    from threadpoolctl import threadpool_limits

    from clogreg import kernels
    from clogreg._validation import as_row_matrix
    n, rounds = spec["n"], spec["rounds"]
    rng = np.random.default_rng(0)
    out = {}
    for dtype in (np.float64, np.float32):
        X = rng.normal(size=(n, 100)).astype(dtype)
        y = (rng.random(n) < 0.5).astype(np.int32)
        M = as_row_matrix(X)
        coef, b = np.full((1, 100), 0.01), np.zeros(1)
        gcoef, gb = np.empty_like(coef), np.empty(1)
        w = np.full(100, 0.01, dtype=dtype)
        ref = None

        def pass_(t, M=M, y=y, coef=coef, b=b, gcoef=gcoef, gb=gb):
            return lambda: kernels._loss_gradient(M, y, None, coef, b, gcoef, gb, t)

        def gemv(t, X=X, w=w):
            def call():
                with threadpool_limits(limits=t, user_api="blas"):
                    start = time.perf_counter()
                    r = X @ w
                    return time.perf_counter() - start, r
            return call

        contenders = {"pass 1": pass_(1), "pass 2": pass_(2),
                      "X @ w 1": gemv(1), "X @ w 2": gemv(2),
                      "X.sum() 1": X.sum}
        times = {k: [] for k in contenders}
        bg = Background().__enter__()
        for r in range(rounds + 1):
            keys = list(contenders)
            keys = keys[r % len(keys):] + keys[:r % len(keys)]
            for k in keys:
                gc.collect()
                # Each contender runs as a burst of BURST calls, the first
                # WARM untimed: a pass of a running fit follows other passes.
                # Timed alone, the 2-thread pass looked like a 1-thread one
                # (this VM, 400k x 100 float32: 7.9 ms where passes in a row
                # take 4.6): after the second CPU sat idle for 0.3 s, it
                # joined the parallel regions of the next few passes late.
                # The 0.3 s wait first lets OpenBLAS's workers, which spin
                # for about 2**28 cycles after `X @ w`, go to sleep.
                time.sleep(0.3)
                for j in range(BURST):
                    start = time.perf_counter()
                    res = contenders[k]()
                    seconds = time.perf_counter() - start
                    if k.startswith("X @ w"):
                        seconds, res = res
                    if k.startswith("pass"):
                        g = gcoef.copy()
                        if ref is None:
                            ref = g
                        elif not np.array_equal(g, ref):
                            raise AssertionError("pass gradient differs between runs")
                    if r > 0 and j >= WARM:     # round 0: warm-up
                        times[k].append(seconds)
        bg.__exit__(None, None, None)
        out[np.dtype(dtype).name] = {
            k: X.nbytes / float(np.median(v)) / 1e9 for k, v in times.items()}
        out[np.dtype(dtype).name]["background"] = bg.cores
    return out


def _thread_stats():
    """{tid: (run_ns, wait_ns, involuntary switches)} of this process."""
    stats = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                run, wait, _ = (int(v) for v in f.read().split())
            with open(f"/proc/self/task/{tid}/status") as f:
                invol = next(int(line.split()[1]) for line in f
                             if line.startswith("nonvoluntary_ctxt_switches"))
        except (OSError, StopIteration, ValueError):
            continue
        stats[int(tid)] = (run, wait, invol)
    return stats


def _trace_summary(passes, blocks):
    """Per parallel pass: blocks per thread, the second thread's start delay
    after the region began, and the time from the last block's end to the
    region's end."""
    if len(passes) == 0:
        return None
    n_threads = int(passes[:, 2].max())
    per_thread = np.bincount(blocks[:, 1], minlength=n_threads)
    delays, tails, absent, waits0 = [], [], 0, []
    for p, (enter, exit_, _, _) in enumerate(passes):
        mine = blocks[blocks[:, 0] == p]
        if len(mine) == 0:
            continue
        others = mine[mine[:, 1] != 0]
        if len(others) == 0:
            absent += 1
        else:
            delays.append(others[:, 2].min() - enter)
        tails.append(exit_ - mine[:, 3].max())
        waits0.append(exit_ - mine[mine[:, 1] == 0][:, 3].max()
                      if (mine[:, 1] == 0).any() else exit_ - enter)
    region = (passes[:, 1] - passes[:, 0]).sum()
    return {"passes": int(len(passes)),
            "blocks": [int(v) for v in per_thread],
            "absent": int(absent),
            "delay_med_us": float(np.median(delays)) / 1e3 if delays else None,
            "delay_p90_us": float(np.percentile(delays, 90)) / 1e3 if delays else None,
            "tail_med_us": float(np.median(tails)) / 1e3,
            "tail_p90_us": float(np.percentile(tails, 90)) / 1e3,
            "tail_max_us": float(np.max(tails)) / 1e3,
            "wait0_share": float(np.sum(waits0)) / float(region),
            "region_ms": float(region) / 1e6}


def work_sched(spec):
    from clogreg import kernels
    trace = bool(getattr(kernels, "_trace_compiled", lambda: False)())
    probs = load_problems(spec)
    main_tid = threading_native_id()
    before = set(_thread_stats())
    for p, X, y in probs:
        fit_once(X, y, p["params"], None)
    pool = sorted(set(_thread_stats()) - before)      # OpenMP's threads
    out = {}
    for cond in ("quiet", "load"):
        ctx = spinner() if cond == "load" else contextlib.nullcontext()
        with ctx as spin_cpu:
            for p, X, y in probs:
                reps = p["reps"] * 2
                bg = Background(spin_cpu).__enter__()
                s0 = _thread_stats()
                if trace:
                    kernels._trace_set(True)
                t0 = time.perf_counter()
                for _ in range(reps):
                    fit_once(X, y, p["params"], None)
                wall = time.perf_counter() - t0
                if trace:
                    kernels._trace_set(False)
                    summary = _trace_summary(*kernels._trace_get())
                else:
                    summary = None
                s1 = _thread_stats()
                bg.__exit__(None, None, None)

                def delta(tid, s0=s0, s1=s1):
                    a, b = s0.get(tid, (0, 0, 0)), s1.get(tid, (0, 0, 0))
                    return [b[0] - a[0], b[1] - a[1], b[2] - a[2]]
                out[f"{cond}|{p['key']}"] = {
                    "wall": wall / reps, "reps": reps,
                    "main": delta(main_tid),
                    "pool": [delta(t) for t in pool], "background": bg.cores,
                    "trace": summary}
    return out


def threading_native_id():
    import threading
    return threading.get_native_id()


# ------------------------------------------------------------------ parent

def make_data(quick, directory):
    from sklearn.datasets import make_classification
    probs = problems(quick)
    for p in probs:
        X, y = make_classification(p.n, p.d, n_informative=p.informative,
                                   n_classes=p.classes, random_state=0)
        np.save(os.path.join(directory, p.key + "_X.npy"), np.ascontiguousarray(X))
        np.save(os.path.join(directory, p.key + "_y.npy"), y)
    return [{"key": p.key, "params": p.params, "reps": p.reps} for p in probs], probs


def machine(info):
    cpu = platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "\n".join([
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs "
        f"(affinity: {len(os.sched_getaffinity(0))}); kernel {platform.release()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}",
        f"- clogreg {info['clogreg']} from `{os.path.dirname(info['path'])}`, "
        f"OpenMP {'on' if info['openmp'] else 'off'}, default threads "
        f"{info['threads']}"
        + (" (built with -DCLOGREG_TRACE_PASS)" if info["trace"] else ""),
        f"- runtime libraries: {', '.join(f'`{x}`' for x in info['libs']) or 'none'}",
        f"- thread pools: {'; '.join(info['pools']) or 'unknown'}",
        f"- load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
    ])


def _med(values):
    return float(np.median(values)) if values else float("nan")


def load_section(args, spec, probs, variants):
    rounds = args.rounds
    runs = {v.name: [] for v in variants}
    for r in range(rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for v in order:
            t = time.perf_counter()
            res = run_worker("fits", dict(spec, round=r), v, args.lock)
            runs[v.name].append(res)
            print(f"  round {r + 1}/{rounds} {v.name}: {time.perf_counter() - t:.1f} s",
                  file=sys.stderr, flush=True)

    def series(name, cond, key, label):
        return [res["times"][f"{cond}|{key}|{label}"] for res in runs[name]]

    base = variants[0].name
    lines = []
    # (a) the default variant
    lines += [f"### Default fit vs `n_threads=1` (variant `{base}`)", "",
              "| problem | condition | default threads (s) | 1 thread (s) | "
              "**default / 1** | per-round range | coef_ identical |",
              "|---|---|---|---|---|---|---|"]
    identical_all = True
    for p in probs:
        for cond in ("quiet", "load"):
            d = series(base, cond, p.key, "default")
            o = series(base, cond, p.key, "1 thread")
            per = np.array(d) / np.array(o)
            same = all(res["digests"][f"{cond}|{p.key}|default"]
                       == res["digests"][f"{cond}|{p.key}|1 thread"]
                       for res in runs[base])
            lines.append(f"| {p.title} | {cond} | {_med(d):.4f} | {_med(o):.4f} | "
                         f"**{_med(d) / _med(o):.2f}** | "
                         f"{per.min():.2f}-{per.max():.2f} | "
                         f"{'yes' if same else '**NO**'} |")
    n_iter = runs[base][0]["n_iter"]
    spin = [res["spin_share"] for res in runs[base]]
    bq = _med([res["background"]["quiet"] for res in runs[base]])
    bl = _med([res["background"]["load"] for res in runs[base]])
    iters = ", ".join(f"{p.title}: {n_iter[p.key]}" for p in probs)
    lines += ["", f"Iterations: {iters}. "
              f"The spinner got a median {_med(spin):.2f} of a core while the "
              f"fits ran under load.  Other processes (not this benchmark) used "
              f"a median {bq:.2f} of a core during the quiet fits, {bl:.2f} "
              f"during the loaded ones.", ""]
    # (b) every variant
    lines += ["### libgomp settings", "",
              "Under load: default threads / 1 thread.  Quiet: the same, and the "
              f"quiet default-thread time / variant `{base}`'s.", "",
              "| variant | environment | problem | load: default / 1 | "
              "quiet: default / 1 | quiet default threads vs `" + base + "` | "
              "load: default (s) | spinner share | others' CPU, quiet / load |",
              "|---|---|---|---|---|---|---|---|---|"]
    for v in variants:
        env = " ".join(f"{k}={val}" for k, val in v.env.items()) or "(none)"
        spin = _med([res["spin_share"] for res in runs[v.name]])
        bq = _med([res["background"]["quiet"] for res in runs[v.name]])
        bl = _med([res["background"]["load"] for res in runs[v.name]])
        for p in probs:
            ld = _med(series(v.name, "load", p.key, "default"))
            lo = _med(series(v.name, "load", p.key, "1 thread"))
            qd = _med(series(v.name, "quiet", p.key, "default"))
            qo = _med(series(v.name, "quiet", p.key, "1 thread"))
            qb = _med(series(base, "quiet", p.key, "default"))
            lines.append(f"| {v.name} | `{env}` | {p.title} | **{ld / lo:.2f}** | "
                         f"{qd / qo:.2f} | {qd / qb:.2f} | {ld:.4f} | {spin:.2f} | "
                         f"{bq:.2f} / {bl:.2f} |")
    for p in probs:
        for build in {v.build for v in variants}:
            ds = {res["digests"][k] for v in variants if v.build == build
                  for res in runs[v.name] for k in res["digests"] if f"|{p.key}|" in k}
            identical_all &= len(ds) == 1
    lines += ["", "coef_ and intercept_ bitwise identical across thread counts, "
              "conditions and variants (of one build): "
              f"**{'yes' if identical_all else 'NO'}**."]
    print(f"bitwise identical across thread counts and variants: {identical_all}",
          file=sys.stderr)
    return "\n".join(lines)


def bandwidth_section(args):
    n = 40_000 if args.quick else 400_000
    res = run_worker("bandwidth", {"n": n, "rounds": 5 if args.quick else 21},
                     VARIANTS[0], args.lock)
    lines = [f"{n:,} x 100; GB/s of X read (X.nbytes / median time).", "",
             "| dtype | pass 1 thr | pass 2 thr | `X @ w` 1 thr | `X @ w` 2 thr | "
             "`X.sum()` | pass / read, 1 thr | **pass / read, 2 thr** | "
             "pass 2/1 | read 2/1 | others' CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for dtype, g in res.items():
        lines.append(
            f"| {dtype} | {g['pass 1']:.1f} | {g['pass 2']:.1f} | {g['X @ w 1']:.1f} | "
            f"{g['X @ w 2']:.1f} | {g['X.sum() 1']:.1f} | "
            f"{g['pass 1'] / g['X @ w 1']:.2f} | "
            f"**{g['pass 2'] / g['X @ w 2']:.2f}** | "
            f"{g['pass 2'] / g['pass 1']:.2f} | {g['X @ w 2'] / g['X @ w 1']:.2f} | "
            f"{g['background']:.2f} |")
    lines += ["", "Target (issue 16): 2-thread pass / 2-thread read >= 0.8."]
    return "\n".join(lines)


def sched_section(args, spec, probs, variants):
    lines = ["Default-thread fits, repeated; per fit: wall time, and over all of "
             "them, each thread's time on a CPU and time runnable but not "
             "running (schedstat), as a share of the wall time.  `main` is the "
             "caller's thread, `worker` OpenMP's other thread(s).", "",
             "| variant | problem | condition | wall per fit (s) | main: on CPU | "
             "main: waiting for a CPU | worker: on CPU | worker: waiting for a CPU | "
             "worker: involuntary switches per fit | others' CPU |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    traces = []
    for v in [v for v in variants if v.sched]:
        res = run_worker("sched", spec, v, args.lock, pythonpath=args.trace_build)
        for p in probs:
            for cond in ("quiet", "load"):
                r = res[f"{cond}|{p.key}"]
                total = r["wall"] * r["reps"] * 1e9
                pool = np.array(r["pool"]).reshape(-1, 3).sum(axis=0) \
                    if r["pool"] else np.zeros(3)
                lines.append(
                    f"| {v.name} | {p.title} | {cond} | {r['wall']:.4f} | "
                    f"{r['main'][0] / total:.2f} | {r['main'][1] / total:.2f} | "
                    f"{pool[0] / total:.2f} | {pool[1] / total:.2f} | "
                    f"{pool[2] / r['reps']:.0f} | {r['background']:.2f} |")
                if r["trace"]:
                    traces.append((v.name, p.title, cond, r["trace"]))
    if traces:
        lines += ["", "### Parallel-pass timeline (instrumented build)", "",
                  "Over every parallel pass of those fits: blocks run by each "
                  "thread; passes in which the second thread ran no block; the "
                  "second thread's first block start after the region began "
                  "(median, 90th percentile); the time from the last block's end "
                  "to the region's end (median, p90, max); and the share of the "
                  "regions' time in which thread 0 (the caller) had finished its "
                  "blocks and waited.", "",
                  "| variant | problem | condition | passes | blocks per thread | "
                  "2nd thread ran none | 2nd thread start (us) | end wait (us) | "
                  "caller waiting |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name, title, cond, t in traces:
            delay = (f"{t['delay_med_us']:.1f} / {t['delay_p90_us']:.1f}"
                     if t["delay_med_us"] is not None else "-")
            lines.append(
                f"| {name} | {title} | {cond} | {t['passes']} | "
                f"{' / '.join(map(str, t['blocks']))} | {t['absent']} | {delay} | "
                f"{t['tail_med_us']:.1f} / {t['tail_p90_us']:.1f} / "
                f"{t['tail_max_us']:.0f} | "
                f"{t['wait0_share']:.2f} |")
    elif not args.trace_build:
        lines += ["", "(No pass timeline: give `--trace-build` a build compiled with "
                  "-DCLOGREG_TRACE_PASS.)"]
    return "\n".join(lines)


def main():
    if "--worker" in sys.argv[1:]:
        worker_main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "THREADS.md"))
    parser.add_argument("--sections", default="load,bandwidth,sched")
    parser.add_argument("--variants", default=None,
                        help="comma-separated variant names (default: all)")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--lock", default=None,
                        help="take this flock around each measuring subprocess")
    parser.add_argument("--build", action="append", default=[], metavar="NAME=DIR",
                        help="also run every selected variant on the clogreg "
                             "build in DIR (an experiment), as 'VARIANT @ NAME'")
    parser.add_argument("--quiet-wait", type=float, default=SETTINGS["quiet_wait"],
                        help="seconds to wait, before each measuring subprocess, "
                             "for other processes to use under a quarter core")
    parser.add_argument("--trace-build", default=None,
                        help="directory with a -DCLOGREG_TRACE_PASS build of "
                             "clogreg, for the sched section's pass timeline")
    args = parser.parse_args()
    SETTINGS["quiet_wait"] = args.quiet_wait
    if args.rounds is None:
        args.rounds = 3 if args.quick else 7
    variants = VARIANTS
    if args.variants:
        names = args.variants.split(",")
        unknown = set(names) - {v.name for v in VARIANTS}
        if unknown:
            parser.error(f"unknown variants {sorted(unknown)}; known: "
                         f"{[v.name for v in VARIANTS]}")
        variants = [v for v in VARIANTS if v.name in names]
    for item in args.build:
        name, _, path = item.partition("=")
        if not path or not os.path.isdir(os.path.join(path, "clogreg")):
            parser.error(f"--build {item}: no clogreg package in {path!r}")
        variants = variants + [
            Variant(f"{v.name} @ {name}", v.env, sched=False, note=v.note,
                    build=name, path=os.path.abspath(path))
            for v in variants if not v.build]
    sections = args.sections.split(",")
    info = run_worker("info", {}, VARIANTS[0], None)
    body = []
    with tempfile.TemporaryDirectory(prefix="clogreg-threads-") as data:
        spec_probs, probs = make_data(args.quick, data)
        spec = {"data": data, "problems": spec_probs}
        if "load" in sections:
            body.append(("Under load and quiet: default threads vs one thread",
                         load_section(args, spec, probs, variants)))
        if "bandwidth" in sections:
            body.append(("Bandwidth: one loss+gradient pass vs reading X",
                         bandwidth_section(args)))
        if "sched" in sections:
            body.append(("Does the second thread run?",
                         sched_section(args, spec, probs, variants)))
    argv = " ".join(sys.argv[1:])
    text = (f"# clogreg threads benchmark{' (quick)' if args.quick else ''}\n\n"
            f"Command: `python benchmarks/threads.py{' ' + argv if argv else ''}`\n\n"
            f"{machine(info)}\n\n"
            "Load: a second process spinning on one core (a Python busy loop), "
            "started before the timed fits and killed after them.  "
            f"{args.rounds} interleaved rounds, medians.\n\n"
            + "\n\n".join(f"## {title}\n\n{text}" for title, text in body) + "\n")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import publish
    publish(text, args.out)


if __name__ == "__main__":
    main()
