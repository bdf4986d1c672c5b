"""Thread caps and fork safety of the engine's parallel regions.

References: exact counts.  The threads of a process are the entries of
``/proc/self/task``; the processors it may run on are
``os.sched_getaffinity(0)``.  A parallel region of n threads adds n - 1
threads to the process (libgomp keeps them for the next region), so after
any amount of work a process may hold at most ``len(sched_getaffinity) -
1`` threads more than before it: that is the cap, whatever ``n_threads``
or ``OMP_NUM_THREADS`` ask for.  A forked child must finish (a hang fails
the test after a deadline, it does not hang the suite) and compute the
same bits as its parent, since the engine's results never depend on the
thread count.  Linux only (``/proc``, ``fork``).
"""

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from clogreg import LogisticRegression, kernels

pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.path.isdir("/proc/self/task")),
    reason="counts threads through /proc and forks: Linux only")


def n_threads_now():
    return len(os.listdir("/proc/self/task"))


# A fresh interpreter: counts the threads before and after a prediction and
# a fit that are both large enough to run in parallel (300k rows: 293
# prediction chunks of 1024 rows, 64 training blocks, 1.2e6 multiply-adds a
# pass), then prints them with the processors it may use.
COUNT_SCRIPT = textwrap.dedent("""
    import json, os, sys
    if len(sys.argv) > 2:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import numpy as np
    from clogreg import LogisticRegression, kernels

    def count():
        return len(os.listdir("/proc/self/task"))

    n_threads = None if sys.argv[1] == "None" else int(sys.argv[1])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300_000, 4))
    y = (X[:, 0] + rng.logistic(size=300_000) > 0).astype(int)
    before = count()
    model = LogisticRegression(n_threads=n_threads, max_iter=3)
    import warnings
    warnings.simplefilter("ignore")          # max_iter=3 does not converge
    model.fit(X, y)
    after_fit = count()
    model.predict(X)
    model.predict_proba(X)
    print(json.dumps({"before": before, "after_fit": after_fit,
                      "after_predict": count(),
                      "procs": len(os.sched_getaffinity(0)),
                      "max_threads": kernels.max_threads(),
                      "openmp": kernels.openmp_enabled()}))
""")


def run_count(tmp_path, n_threads, env_threads=None, one_cpu=False):
    script = tmp_path / "count_threads.py"
    script.write_text(COUNT_SCRIPT)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("OMP_NUM_THREADS", None)
    if env_threads is not None:
        env["OMP_NUM_THREADS"] = str(env_threads)
    args = [sys.executable, str(script), str(n_threads)] + (["1cpu"] if one_cpu else [])
    run = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.mark.parametrize("n_threads, env_threads", [
    (10**6, None),             # from the constructor (or a model file)
    (2**31 - 1, None),         # the largest a model file may hold
    (None, 5000),              # from OMP_NUM_THREADS
])
def test_threads_are_capped_at_the_processors(tmp_path, n_threads, env_threads):
    # Before the cap, predict started one thread per 1024-row chunk (+292
    # threads here) and the fit one per block (+63).
    got = run_count(tmp_path, n_threads, env_threads)
    allowed = got["procs"] - 1 if got["openmp"] else 0
    assert got["after_fit"] - got["before"] <= allowed, got
    assert got["after_predict"] - got["before"] <= allowed, got
    assert 1 <= got["max_threads"] <= got["procs"], got


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"),
                    reason="needs os.sched_setaffinity")
def test_threads_honour_the_cpu_affinity_mask(tmp_path):
    # Pinned to one processor (as taskset or a container's cpuset would),
    # the process starts no thread at all: omp_get_num_procs, not the
    # machine's core count, is the cap.
    got = run_count(tmp_path, 10**6, one_cpu=True)
    assert got["procs"] == 1
    assert got["after_fit"] == got["before"], got
    assert got["after_predict"] == got["before"], got
    assert got["max_threads"] == 1


def test_max_threads_is_openmp_default_capped_at_the_processors(tmp_path):
    procs = len(os.sched_getaffinity(0))
    for env_threads, want in [(5000, procs), (1, 1)]:
        env = dict(os.environ, OMP_NUM_THREADS=str(env_threads))
        out = subprocess.run(
            [sys.executable, "-c",
             "from clogreg import kernels; print(kernels.max_threads(), "
             "kernels.openmp_enabled())"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        value, openmp = out.stdout.split()
        assert int(value) == (want if openmp == "True" else 1)


def test_a_huge_thread_request_gives_the_same_bits():
    # The cap changes how many threads run, never the result (the blocks
    # and their reduction order depend on the shape only).
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20_000, 20))
    y = (X[:, 0] + rng.logistic(size=20_000) > 0).astype(int)
    one = LogisticRegression(n_threads=1).fit(X, y)
    many = LogisticRegression(n_threads=2**31 - 1).fit(X, y)
    assert_array_equal(many.coef_, one.coef_)
    assert_array_equal(many.intercept_, one.intercept_)
    assert_array_equal(many.predict_proba(X), one.predict_proba(X))


# ------------------------------------------------------------------ fork

# 20000 x 60 rows: 1.2e6 multiply-adds a pass, above the engine's threshold
# for a parallel region (2**20), so n_threads=2 really starts a team.
def fork_data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20_000, 60))
    y = (X @ rng.normal(size=60) + rng.logistic(size=20_000) > 0).astype(int)
    return X, y


def fingerprint(model, X):
    """What a child sends back: the coefficients' bits and a digest of its
    predictions, plus what it saw of its threads."""
    proba = model.predict_proba(X)
    return {"coef": model.coef_.tobytes().hex(),
            "intercept": model.intercept_.tobytes().hex(),
            "proba": hashlib.sha256(proba.tobytes()).hexdigest(),
            "max_threads": kernels.max_threads(),
            "threads": n_threads_now()}


@pytest.fixture
def parent_with_a_team():
    """A multithreaded fit in this process, so that libgomp's thread pool
    exists when the test forks (that pool is what a child inherits broken)."""
    if len(os.sched_getaffinity(0)) < 2 or not kernels.openmp_enabled():
        pytest.skip("needs OpenMP and two processors to start a thread team")
    X, y = fork_data()
    model = LogisticRegression(n_threads=2).fit(X, y)
    assert n_threads_now() >= 2       # the team's worker is alive
    return model, X, y


@contextlib.contextmanager
def fork_allowed():
    """Python 3.12+ warns (DeprecationWarning, an error under this suite's
    filterwarnings) when a process with several threads forks: that warning
    is the very situation tested here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*multi-threaded.*fork",
                                category=DeprecationWarning)
        yield


def child_work(X, y):
    # n_threads=2 asked for explicitly: the child must still run serially.
    return fingerprint(LogisticRegression(n_threads=2).fit(X, y), X)


DEADLINE = 120.0          # seconds; the child's fit takes well under one


def test_os_fork_child_finishes_with_the_parents_bits(parent_with_a_team):
    model, X, y = parent_with_a_team
    read_end, write_end = os.pipe()
    with fork_allowed():
        pid = os.fork()
    if pid == 0:                                     # the child
        code = 1
        try:
            os.close(read_end)
            os.write(write_end, json.dumps(child_work(X, y)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + DEADLINE
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        pytest.fail(f"the forked child hung for {DEADLINE:.0f} s (killed)")
    with os.fdopen(read_end, "rb") as f:
        message = f.read()
    assert os.waitstatus_to_exitcode(status) == 0
    check_child(json.loads(message), model, X)


def check_child(got, model, X):
    want = fingerprint(model, X)
    assert got["coef"] == want["coef"]
    assert got["intercept"] == want["intercept"]
    assert got["proba"] == want["proba"]
    # Serial in the child, even with n_threads=2: it started no thread.
    assert got["max_threads"] == 1
    assert got["threads"] == 1


def _mp_target(conn, X, y):
    conn.send(child_work(X, y))
    conn.close()


def test_multiprocessing_fork_child_finishes_with_the_parents_bits(
        parent_with_a_team):
    import multiprocessing

    model, X, y = parent_with_a_team
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_mp_target, args=(sender, X, y))
    with fork_allowed():
        process.start()
    sender.close()
    # The child's message is small: it fits in the pipe, so the child can
    # exit before anyone reads it.
    process.join(DEADLINE)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"the forked worker hung for {DEADLINE:.0f} s (killed)")
    assert process.exitcode == 0
    check_child(receiver.recv(), model, X)
    receiver.close()


def test_predict_validates_n_threads_like_fit():
    # Before, predict passed n_threads to the engine unchecked: 2**40 was an
    # OverflowError from the C int conversion.  Reference: fit's message.
    model = LogisticRegression.from_coef([[1.0, -1.0]], [0.0], classes=[0, 1])
    model.set_params(n_threads=2**40)
    with pytest.raises(ValueError, match=r"n_threads must be <= 2147483647"):
        model.predict([[0.0, 1.0]])
    model.set_params(n_threads=0)
    with pytest.raises(ValueError, match=r"n_threads must be >= 1, got 0"):
        model.predict_proba([[0.0, 1.0]])


# ------------------------------------------- idle OpenMP threads sleep

WAIT_SCRIPT = textwrap.dedent("""
    import os, sys
    import clogreg
    print("after import:", os.environ.get("OMP_WAIT_POLICY", "unset"))
""")


def _wait_policy(tmp_path, **env_vars):
    """OMP_WAIT_POLICY as the OpenMP runtime itself reports it when it is
    loaded (OMP_DISPLAY_ENV, the runtime's own printout: the reference),
    and os.environ's value after ``import clogreg``, in a fresh process."""
    script = tmp_path / "wait_policy.py"
    script.write_text(WAIT_SCRIPT)
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")}
    env.update(env_vars, OMP_DISPLAY_ENV="TRUE")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    shown = [line.split("=", 1)[1].strip().strip("'").upper()
             for line in (run.stdout + run.stderr).splitlines()
             if line.strip().startswith("OMP_WAIT_POLICY")]
    [after] = [line.split(":", 1)[1].strip() for line in run.stdout.splitlines()
               if line.startswith("after import:")]
    return shown, after


def test_idle_openmp_threads_sleep_and_the_environment_is_restored(tmp_path):
    """import clogreg loads its OpenMP runtime with the passive wait policy
    (idle workers sleep instead of spinning on a core someone else needs:
    docs/threads.md), and leaves os.environ as it found it."""
    if not kernels.openmp_enabled():
        pytest.skip("serial build: no OpenMP runtime")
    shown, after = _wait_policy(tmp_path)
    if not shown:
        pytest.skip("this OpenMP runtime does not print its settings")
    assert shown == ["PASSIVE"]
    assert after == "unset"


def test_the_users_wait_policy_wins(tmp_path):
    """An OMP_WAIT_POLICY of the user's is the one the runtime uses, and
    stays in the environment."""
    if not kernels.openmp_enabled():
        pytest.skip("serial build: no OpenMP runtime")
    shown, after = _wait_policy(tmp_path, OMP_WAIT_POLICY="active")
    if not shown:
        pytest.skip("this OpenMP runtime does not print its settings")
    assert shown == ["ACTIVE"]
    assert after == "active"
