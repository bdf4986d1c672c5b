"""verbose's progress lines and Ctrl-C during a fit.

References: for the lines, the fit itself (its shape, solver, n_iter_ and
loss_curve_) and the rule the documentation states (a line at iteration
1, every 10th, the last, and whenever 2 s passed since the previous one),
replayed on a fake clock that the test drives; for Ctrl-C, the
coefficients the estimator had before the interrupted fit, compared bit
for bit, and the time from the signal to the KeyboardInterrupt against
the length of the work it cut short (an sgd epoch, a pass over X),
measured in the same process.
"""

import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import clogreg
from clogreg import LogisticRegression, solvers

LINE = re.compile(r"^clogreg: (.*)  elapsed (\d+\.\d{3}) s$")


def _data(n=3000, d=5, k=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    scores = X @ rng.normal(size=(d, k)) + rng.gumbel(size=(n, k))
    return X, scores.argmax(axis=1)


def _lines(out):
    parsed = []
    for line in out.strip().splitlines():
        m = LINE.match(line)
        assert m, f"not a progress line: {line!r}"
        parsed.append((m.group(1), float(m.group(2))))
    return parsed


class FakeClock:
    """A clock that moves only when told to (``advance``)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(solvers, "_clock", fake)
    return fake


# ------------------------------------------------------------ verbose lines

@pytest.mark.parametrize("sparse", [False, True])
def test_first_line_says_what_is_fitted_before_the_statistics(
        sparse, monkeypatch, capsys):
    import clogreg._path as path
    X, y = _data(k=3)
    if sparse:
        import scipy.sparse
        X = scipy.sparse.csr_matrix(X)
    real = path.column_statistics

    def statistics(Xm, sw):
        print("<statistics pass>")
        return real(Xm, sw)

    monkeypatch.setattr(path, "column_statistics", statistics)
    model = LogisticRegression(verbose=1, n_threads=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    layout = " CSR" if sparse else ""
    assert out[0].startswith(f"clogreg: fit 3000 x 5 float64{layout}, 3 classes, "
                             "solver lbfgs, 1 thread  elapsed ")
    assert out[1] == "<statistics pass>"
    assert out[2].startswith("clogreg: column statistics done  elapsed ")
    iterations = [int(text.split()[1]) for text, _ in _lines("\n".join(out[3:]))]
    assert iterations[0] == 1 and iterations[-1] == model.n_iter_[0]


def _expected_lines(n_iter, times):
    """The documented rule, replayed: iteration i ends at times[i - 1]."""
    shown, last = [], times[0] - 10.0
    for it in range(1, n_iter + 1):
        t = times[it - 1]
        if it == 1 or it % 10 == 0 or it == n_iter or t - last >= 2.0:
            shown.append(it)
            last = t
    return shown


@pytest.mark.parametrize("solver", ["lbfgs", "gd", "sgd"])
def test_lines_every_10th_iteration_and_at_most_2_s_apart(
        solver, clock, capsys):
    # Each iteration "takes" 0.7 s of the fake clock (the callback moves it
    # on); the statistics pass and everything before take none.
    X, y = _data()
    model = LogisticRegression(solver=solver, verbose=1, tol=1e-10,
                               max_iter=40, random_state=0,
                               callback=lambda it, f: clock.advance(0.7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        model.fit(X, y)
    n_iter = int(model.n_iter_[0])
    assert n_iter >= 12      # long enough for the 2 s rule to show
    lines = _lines(capsys.readouterr().out)
    head, iters = lines[:2], lines[2:]
    assert head[0][0].startswith("fit 3000 x 5 float64, 2 classes") and \
        head[0][1] == 0.0
    assert head[1] == ("column statistics done", 0.0)
    times = [0.7 * i for i in range(n_iter)]
    shown = [int(text.split()[1]) for text, _ in iters]
    assert shown == _expected_lines(n_iter, times)
    for (text, elapsed), it in zip(iters, shown, strict=True):
        assert elapsed == pytest.approx(times[it - 1], abs=1e-9)
        objective = float(text.split()[3])
        assert objective == pytest.approx(model.loss_curve_[it - 1], rel=1e-9)
    gaps = np.diff([elapsed for _, elapsed in iters])
    assert gaps.max() <= 2.0 + 0.7 + 1e-9   # the rule's promise, at this pace


def test_elapsed_counts_from_the_start_of_fit(clock, monkeypatch, capsys):
    # The statistics pass "takes" 5 s: the first iteration's line says 5.
    import clogreg._path as path
    X, y = _data()
    real = path.column_statistics

    def slow_statistics(Xm, sw):
        clock.advance(5.0)
        return real(Xm, sw)

    monkeypatch.setattr(path, "column_statistics", slow_statistics)
    LogisticRegression(verbose=1).fit(X, y)
    lines = _lines(capsys.readouterr().out)
    assert [e for _, e in lines[:3]] == [0.0, 5.0, 5.0]
    assert lines[2][0].startswith("iter      1  objective ")


class TickingClock(FakeClock):
    """A clock that moves 3 s on every look: every chance to print does."""

    def __call__(self):
        self.now += 3.0
        return self.now


def _running(lines, pattern):
    out = []
    for text, _ in lines:
        m = re.match(r"iter +(\d+)  \(running: " + pattern + r"\)$", text)
        if m:
            out.append(tuple(int(g) for g in m.groups()))
    return out


def test_a_long_sgd_epoch_reports_its_batches(monkeypatch, capsys):
    # sgd looks at the signals (and, verbose, at the clock) every 2**22
    # multiply-adds of batches, a batch of b rows counting b * d + 4 * d
    # (its rows, its parameter updates): with one-row batches of d = 40,
    # every 20972 batches, counted across epochs.  A fixed learning_rate:
    # the automatic one may run the first epoch again (solvers.sgd's
    # calibrate), whose batches would count too.
    monkeypatch.setattr(solvers, "_clock", TickingClock())
    X, y = _data(n=30_000, d=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        LogisticRegression(solver="sgd", verbose=1, max_iter=3, tol=0.0,
                           batch_size=1, learning_rate=0.01,
                           random_state=0).fit(X, y)
    lines = _lines(capsys.readouterr().out)
    every = math.ceil((1 << 22) / (40 + 4 * 40))
    n_iter = sum(1 for text, _ in lines if "objective" in text)
    expected = [(1 + (b - 1) // 30_000, (b - 1) % 30_000 + 1, 30_000)
                for b in range(every, n_iter * 30_000 + 1, every)]
    assert len(expected) >= 3
    assert _running(lines, r"batch (\d+) of (\d+)") == expected
    elapsed = [e for _, e in lines]
    assert elapsed == sorted(elapsed)


def test_a_long_newton_iteration_reports_its_hessian_products(monkeypatch,
                                                               capsys):
    monkeypatch.setattr(solvers, "_clock", TickingClock())
    X, y = _data(d=30, k=3)
    model = LogisticRegression(solver="newton", verbose=1).fit(X, y)
    lines = _lines(capsys.readouterr().out)[2:]
    # each iteration: "running: 1 Hessian product", "2 Hessian products"...
    # "m Hessian products", then its line
    blocks, current = [], []
    for text, _ in lines:
        m = re.match(r"iter +(\d+)  \(running: (\d+) Hessian products?\)$",
                     text)
        if m:
            current.append((int(m.group(1)), int(m.group(2))))
        else:
            it = int(text.split()[1])
            assert all(i == it for i, _ in current)
            assert [c for _, c in current] == list(range(1, len(current) + 1))
            blocks.append(len(current))
            current = []
    assert len(blocks) == model.n_iter_[0] and min(blocks) >= 1
    assert any(t.endswith("(running: 1 Hessian product)") for t, _ in lines)
    # passes: the start, the Hessian products, one evaluation per iteration
    # (and one more per rejected step)
    assert 1 + sum(blocks) + len(blocks) <= model._n_passes


# ------------------------------------------------------------------ Ctrl-C

class Interrupted(Exception):
    """What the tests' SIGINT handler raises (never KeyboardInterrupt, which
    would stop pytest itself if it landed outside the code under test)."""


@pytest.fixture
def sigint_raises(monkeypatch):
    """SIGINT raises Interrupted (once: later signals are ignored)."""
    fired = []

    def handler(signum, frame):
        if not fired:
            fired.append(True)
            raise Interrupted

    old = signal.signal(signal.SIGINT, handler)
    yield fired
    signal.signal(signal.SIGINT, old)


def _sigint_inside(func, *args):
    """func(*args), with SIGINT sent once func has released the GIL (the
    engine's first pass or epoch) and not before.

    The sender waits for the GIL, which this thread does not let go of
    between ``gate.set()`` and the engine's first release: the switch
    interval is made long enough that Python never asks it to (the
    sender's ``os.kill`` cannot run the handler either: Python runs
    handlers in the main thread only)."""
    gate = threading.Event()

    def send():
        gate.wait()
        os.kill(os.getpid(), signal.SIGINT)

    interval = sys.getswitchinterval()
    sender = threading.Thread(target=send)
    sender.start()
    sys.setswitchinterval(60.0)
    try:
        gate.set()
        return func(*args)
    finally:
        sys.setswitchinterval(interval)
        sender.join()


def _objective(n_threads=1):
    # 100k x 50 with 10 classes: 5e7 multiply-adds a pass (tens of ms),
    # above the checked minimum (2**25 / 8), so the pass itself looks at
    # the signals: on one thread after 2.5e7 of them, and at its end
    X, y = _data(n=100_000, d=50, k=10)
    Xm = clogreg.kernels.RowMatrix(X)
    obj = solvers.Objective(Xm, y.astype(np.int32), None, 10, True, 1e-4, 0.0,
                            None, None, n_threads)
    return X, y, obj


@pytest.fixture
def big_problem():
    return _objective()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_a_checked_pass_gives_the_bits_of_an_unchecked_one(n_threads, sparse):
    # reference: the stable API's pass (kernels._loss_gradient, which never
    # looks at the signals) on the same data: the solvers' checked pass
    # must equal it bit for bit, for any thread count
    X, y, obj = _objective(n_threads)
    if sparse:
        import scipy.sparse
        X = scipy.sparse.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
        Xm = clogreg.kernels.RowMatrix.csr(X.data, X.indices, X.indptr,
                                           X.shape[1])
        obj = solvers.Objective(Xm, y.astype(np.int32), None, 10, True, 0.0,
                                0.0, None, None, n_threads)
    else:
        Xm = clogreg.kernels.RowMatrix(X)
        obj = solvers.Objective(Xm, y.astype(np.int32), None, 10, True, 0.0,
                                0.0, None, None, n_threads)
    theta = np.random.default_rng(1).normal(size=obj.n_params) * 0.1
    grad = np.empty(obj.n_params)
    f = obj.value_and_gradient(theta, grad)
    coef, b = theta[:500].reshape(10, 50).copy(), theta[500:].copy()
    gc, gb = np.empty((10, 50)), np.empty(10)
    loss = clogreg.kernels._loss_gradient(Xm, y.astype(np.int32), None, coef,
                                          b, gc, gb, n_threads)
    inv_w = 1.0 / X.shape[0]
    assert f == loss * inv_w
    assert_array_equal(grad, np.concatenate([gc.ravel(), gb]) * inv_w)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_ctrl_c_stops_a_pass_before_it_ends(n_threads, sigint_raises):
    X, y, obj = _objective(n_threads)
    theta = np.zeros(obj.n_params)
    grad = np.full(obj.n_params, np.nan)
    with pytest.raises(Interrupted):
        _sigint_inside(obj.value_and_gradient, theta, grad)
    assert sigint_raises == [True]
    # the pass returned before its reduction: no gradient was written
    assert np.isnan(grad).all()
    # and the same objective computes normally afterwards
    f = obj.value_and_gradient(theta, grad)
    assert f == pytest.approx(np.log(10.0), rel=1e-12)
    assert np.isfinite(grad).all()


def test_ctrl_c_stops_an_sgd_epoch_between_batches(big_problem, sigint_raises):
    X, y, obj = big_problem
    theta = np.zeros(obj.n_params)
    curve = []
    with pytest.raises(Interrupted):
        _sigint_inside(solvers.sgd, obj, theta, 0.0, 5, 0.1, 200, 0, 5, 0,
                       None, 0, curve)
    # interrupted within the first epoch: it never ended (the end of an
    # epoch appends to the curve before it looks at the signals)
    assert curve == []


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
def test_ctrl_c_stops_a_solver_in_its_first_pass(solver, big_problem,
                                                 sigint_raises):
    X, y, obj = big_problem
    theta = np.zeros(obj.n_params)
    curve = []
    fn = {"lbfgs": solvers.lbfgs, "newton": solvers.newton, "gd": solvers.gd}
    args = {"lbfgs": (obj, theta, 1e-4, 100, 10, None, 0, curve),
            "newton": (obj, theta, 1e-4, 100, None, 0, curve),
            "gd": (obj, theta, 1e-4, 100, 0.0, 1.0, None, 0, curve)}
    with pytest.raises(Interrupted):
        _sigint_inside(fn[solver], *args[solver])
    assert curve == [] and not theta.any()    # the first pass never ended


def _raised_in(excinfo, name):
    """True when the exception came out of the function ``name`` (its
    handler ran within it), not after it returned."""
    # Cython names its frames "clogreg.kernels._first_nonfinite"
    return any(entry.name.split(".")[-1] == name
               for entry in excinfo.traceback)


def test_ctrl_c_stops_the_column_statistics(sigint_raises):
    # 20000 x 1000 float32: a check every 2**22 values or so (4194 rows),
    # four in each of the two passes (vectorised, about 10 ms in all)
    X = np.random.default_rng(0).normal(size=(20000, 1000)).astype(np.float32)
    mean, std = np.zeros(1000), np.zeros(1000)
    with pytest.raises(Interrupted) as excinfo:
        _sigint_inside(clogreg.kernels._column_moments,
                       clogreg.kernels.RowMatrix(X), None, mean, std)
    assert _raised_in(excinfo, "_column_moments")
    clogreg.kernels._column_moments(clogreg.kernels.RowMatrix(X), None, mean,
                                    std)
    np.testing.assert_allclose(mean, X.astype(np.float64).mean(axis=0),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(std, X.astype(np.float64).std(axis=0),
                               rtol=1e-12)


def test_ctrl_c_stops_the_scan_for_nan(sigint_raises):
    # 3 * 2**22 + 1 values: the scan looks at the signals three times
    a = np.zeros(3 * (1 << 22) + 1, dtype=np.float32)
    a[-1] = np.nan
    with pytest.raises(Interrupted) as excinfo:
        _sigint_inside(clogreg.kernels._first_nonfinite, a)
    assert _raised_in(excinfo, "_first_nonfinite")
    assert clogreg.kernels._first_nonfinite(a) == a.size - 1


def _interrupted_fit(model, X, y, fired):
    """fit, with SIGINT sent (every 5 ms, until the handler ran) from the
    end of the first iteration on: the fit is then in its passes."""
    import time
    started, finished = threading.Event(), threading.Event()

    def send():
        started.wait(60)
        while not fired and not finished.is_set():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.005)

    model.set_params(max_iter=10**6, tol=0.0,
                     callback=lambda it, f: started.set())
    sender = threading.Thread(target=send)
    sender.start()
    try:
        with pytest.raises(Interrupted):
            model.fit(X, y)
    finally:
        started.set()
        finished.set()
        sender.join()


@pytest.mark.parametrize("warm_start", [False, True])
@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd", "sgd"])
def test_an_interrupted_refit_keeps_the_previous_model(solver, warm_start,
                                                       sigint_raises):
    # reference: the attributes before the interrupted fit, bit for bit
    X, y = _data(n=100_000, d=50)
    model = LogisticRegression(solver=solver, warm_start=warm_start,
                               random_state=0, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", clogreg.ConvergenceWarning)
        model.fit(X[:2000], y[:2000])
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v)
              for k, v in vars(model).items() if not k.startswith("_") or
              k == "_n_passes"}
    _interrupted_fit(model, X, y, sigint_raises)
    after = vars(model)
    for key, value in before.items():
        if key in ("max_iter", "tol", "callback"):
            continue                      # set by _interrupted_fit
        if isinstance(value, np.ndarray):
            assert after[key].dtype == value.dtype
            assert_array_equal(after[key], value)
        else:
            assert after[key] == value
    assert sorted(k for k in after if not k.startswith("_") or
                  k == "_n_passes") == sorted(before)


def test_an_interrupted_first_fit_leaves_no_fitted_attribute(sigint_raises):
    X, y = _data(n=100_000, d=50)
    model = LogisticRegression()
    _interrupted_fit(model, X, y, sigint_raises)
    assert not [k for k in vars(model) if k.endswith("_") and
                not k.startswith("_")]
    assert sorted(vars(model)) == sorted(LogisticRegression().get_params())


SGD_CHILD = textwrap.dedent("""
    import json, signal, sys, time
    import numpy as np
    import scipy.sparse
    from clogreg import LogisticRegression

    # as a background job, Python may start with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # One-row batches of 200,000 features: each sgd step updates every
    # parameter, so one epoch of 20,000 rows takes seconds (about 25 here).
    # A fixed learning_rate: the default step's sample would be densified.
    n, d = 20_000, 200_000
    rng = np.random.default_rng(0)
    X = scipy.sparse.csr_matrix(
        (rng.normal(size=n), (np.arange(n), rng.integers(0, d, size=n))),
        shape=(n, d))
    y = rng.integers(0, 2, size=n)
    epochs = []
    model = LogisticRegression(solver="sgd", batch_size=1, max_iter=3,
                               tol=0.0, random_state=0, learning_rate=0.01,
                               callback=lambda it, f: epochs.append(it))
    print("ready", flush=True)
    try:
        model.fit(X, y)
        print(json.dumps({"finished": True, "epochs": len(epochs)}), flush=True)
    except KeyboardInterrupt:
        print(json.dumps({"finished": False, "epochs": len(epochs)}),
              flush=True)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child: POSIX")
def test_sigint_interrupts_an_sgd_epoch_promptly(tmp_path):
    # behaviour, not speed: the child ends with KeyboardInterrupt within a
    # generous 2 s of the signal, and before its first epoch (seconds long
    # on one-row batches of 200,000 features) ended
    import json
    import time
    script = tmp_path / "sgd_child.py"
    script.write_text(SGD_CHILD)
    child = subprocess.Popen([sys.executable, str(script)], text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        report = child.stdout.readline()
        delay = time.perf_counter() - sent
        child.wait(60)
    finally:
        child.kill()
        child.wait()
        stderr = child.stderr.read()
        child.stdout.close()
        child.stderr.close()
    assert report, stderr
    result = json.loads(report)
    assert result == {"finished": False, "epochs": 0}
    assert delay < 2.0
