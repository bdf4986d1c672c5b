"""clogreg's type annotations and stubs (clogreg/_typing.py, clogreg/*.pyi).

References: mypy itself (``mypy --strict`` on user snippets, run through
``mypy.api.run``, must pass the good one and reject the misspelt one with
an error naming the argument; ``mypy.stubtest`` compares the stubs with
the compiled modules' run-time signatures), and the run-time validation
of ``_logistic`` and ``_cv`` for the names the ``Literal`` types list.

mypy checks the clogreg that this test imported (an installed copy in
site-packages, or a build on PYTHONPATH), as a PEP 561 package: py.typed
and the .pyi stubs must have been installed with it.
"""

import os
import subprocess
import sys
import textwrap
import typing

import pytest

import clogreg
from clogreg import _cv, _logistic, _typing

mypy_api = pytest.importorskip("mypy.api")

# The directory that holds the imported clogreg package.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(clogreg.__file__)))
COMPILED = ["kernels", "solvers", "capi", "_rowmatrix", "_csvparse"]

GOOD = '''
    import numpy as np
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    import clogreg
    from clogreg import InferenceResult, LogisticRegression, LogisticRegressionCV, plot

    X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 2.0], [3.0, 1.0], [4.0, 3.0],
                  [5.0, 2.0]])
    y = np.array([0, 0, 1, 0, 1, 1])
    model = LogisticRegression(penalty=None, solver="newton", tol=1e-8,
                               class_weight="balanced").fit(X, y)
    labels: NDArray[np.int64] = model.predict(X)
    proba = model.predict_proba(X)
    first: float = float(model.coef_[0, 0]) + float(model.intercept_[0])
    res: InferenceResult = model.inference(X, y)
    low, high = res.conf_int(0.1)[0]
    text: str = res.summary()
    print(labels, proba, first, low, high, text, res.pseudo_r2, res.converged)
    ax = plot.decision_boundary(model, X, y, ax=Figure().subplots())
    ax.set_title("mine")
    curve = plot.loss_curve(model, ax=Figure().subplots())
    cv = LogisticRegressionCV(Cs=[0.1, 1.0], cv=2, solver="lbfgs",
                              scoring="neg_log_loss").fit(X, y)
    print(cv.predict(X), clogreg.sigmoid(np.zeros(3)), clogreg.kernels.max_threads())
    reveal_type(model)
    reveal_type(model.coef_)
    reveal_type(res.converged)
    reveal_type(curve)
'''

# Each misspelling, and the argument the error must name.
BAD = {
    'LogisticRegression(solver="lbgfs")': ('"solver"', "lbgfs"),
    'LogisticRegression(penalty="L2")': ('"penalty"', "L2"),
    'LogisticRegressionCV(solver="lbgfs")': ('"solver"', "lbgfs"),
    'LogisticRegressionCV(scoring="acuracy")': ('"scoring"', "acuracy"),
}


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    tmp = tmp_path_factory.mktemp("typing")
    good = tmp / "user_good.py"
    good.write_text(textwrap.dedent(GOOD))
    bad = tmp / "user_bad.py"
    bad.write_text("from clogreg import LogisticRegression, LogisticRegressionCV\n"
                   + "".join(f"{call}\n" for call in BAD))
    # mypy (run in this process) searches sys.path after dropping its first
    # entry, and memoises that search: put the imported clogreg's directory
    # first twice, whatever the first entry is, so that mypy checks the
    # package this test imported, not another copy.
    from mypy import modulefinder

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "path", [PACKAGE_ROOT, PACKAGE_ROOT, *sys.path])
        mp.chdir(tmp)
        modulefinder.get_search_dirs.cache_clear()
        try:
            out, err, status = mypy_api.run(
                ["--strict", "--cache-dir", str(tmp / "mypy_cache"),
                 "--no-error-summary", "--hide-error-context",
                 "--show-error-codes", good.name, bad.name])
        finally:
            modulefinder.get_search_dirs.cache_clear()
    lines = out.splitlines()
    return {
        "good": [ln for ln in lines if ln.startswith(good.name + ":")],
        "bad": [ln for ln in lines if ln.startswith(bad.name + ":")],
        "other": [ln for ln in lines
                  if not ln.startswith((good.name + ":", bad.name + ":"))]
        + err.splitlines(),
        "status": status,
    }


def test_user_snippet_passes_mypy_strict(mypy_run):
    errors = [ln for ln in mypy_run["good"] if ": error:" in ln]
    assert errors == []
    assert mypy_run["other"] == []
    # The annotations reach the user: nothing above is Any.
    revealed = [ln.split("Revealed type is ", 1)[1] for ln in mypy_run["good"]
                if "Revealed type is" in ln]
    # (The spelling of numpy's types varies between mypy and numpy versions.)
    assert len(revealed) == 4 and '"Any"' not in revealed
    model, coef, converged, axes = revealed
    assert model == '"clogreg._logistic.LogisticRegression"'
    assert coef.startswith('"numpy.ndarray[') and "numpy.floating" in coef
    assert converged.endswith('bool | None"')
    assert axes == '"matplotlib.axes._axes.Axes"'


def test_misspelt_parameters_are_rejected_by_name(mypy_run):
    errors = [ln for ln in mypy_run["bad"] if ": error:" in ln]
    assert len(errors) == len(BAD)
    for line_no, (argument, value) in enumerate(BAD.values(), start=2):
        (error,) = [e for e in errors if e.split(":")[1] == str(line_no)]
        assert f"Argument {argument}" in error and f"'{value}'" in error
        assert "[arg-type]" in error
    assert mypy_run["status"] == 1


def test_the_typing_page_shows_what_mypy_reports(mypy_run):
    # reference: mypy's own report on LogisticRegression(solver="lbgfs")
    # (line 2 of the bad script), which docs/typing.md quotes
    import os
    import re

    page = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), "docs", "typing.md")
    with open(page, encoding="utf-8") as f:
        shown = re.search(r"<!-- run by tests/test_typing.py -->\n```text\n(.*?)```",
                          f.read(), re.S).group(1)
    (error,) = [e for e in mypy_run["bad"] if e.split(":")[1] == "2"]
    reported = error.split(": ", 1)[1]
    assert " ".join(shown.split()) == " ".join(reported.split())


def test_literal_types_list_exactly_the_accepted_names():
    args = typing.get_args
    assert args(_typing.SolverName) == (*_logistic._SOLVERS,
                                        *_logistic._SKLEARN_SOLVERS)
    assert set(args(_typing.PenaltyName)) == (
        {p for p in _logistic._PENALTIES if p is not None}
        | set(_logistic._UNSET_PENALTY))
    assert args(_typing.ScoringName) == _cv._SCORINGS
    # ... and the run-time checks agree: every listed name is accepted,
    # a misspelling is not.
    for solver in args(_typing.SolverName):
        penalty = "l1" if solver == "liblinear" else "l2"
        _logistic.LogisticRegression(solver=solver, penalty=penalty
                                     )._validated_params()
    for penalty in args(_typing.PenaltyName):
        ratio = 0.5 if penalty == "elasticnet" else None
        _logistic.LogisticRegression(penalty=penalty, l1_ratio=ratio
                                     )._validated_params(warn=False)
    for penalty in args(_typing.CVPenaltyName):
        ratios = [0.5] if penalty == "elasticnet" else None
        _cv.LogisticRegressionCV(penalty=penalty, l1_ratios=ratios)._validated()
    with pytest.raises(ValueError, match="solver"):
        _logistic.LogisticRegression(solver="lbgfs")._validated_params()


def test_compiled_modules_ship_their_stubs():
    import importlib

    package = os.path.dirname(os.path.abspath(clogreg.__file__))
    assert os.path.isfile(os.path.join(package, "py.typed"))
    for name in COMPILED:
        module = importlib.import_module(f"clogreg.{name}")
        assert not module.__file__.endswith(".py")     # the extension module
        # next to it, wherever it was installed
        where = os.path.dirname(os.path.abspath(module.__file__))
        assert os.path.isfile(os.path.join(where, f"{name}.pyi")), name


def test_stubs_match_the_compiled_modules(tmp_path):
    # stubtest imports each module and compares every name and signature
    # with the stub.  Cython adds a few names of its own (pickling support
    # and the doctest dict), which are no API.
    allow = tmp_path / "allowlist.txt"
    allow.write_text("clogreg\\..*\\.__test__\n"
                     "clogreg\\..*\\.__reduce_cython__\n"
                     "clogreg\\..*\\.__setstate_cython__\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "--allowlist", str(allow),
         "--mypy-config-file", os.devnull,
         *[f"clogreg.{name}" for name in COMPILED]],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"Success: no issues found in {len(COMPILED)} modules" in out.stdout
