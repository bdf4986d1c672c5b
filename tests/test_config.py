"""show_config and get_include report facts that can be checked directly."""

import os

import clogreg
from clogreg import kernels


def test_show_config_matches_the_engine(capsys):
    info = clogreg.show_config()
    assert info["openmp"] == kernels.openmp_enabled()
    assert info["threads"] == kernels.max_threads() >= 1
    assert info["version"] == clogreg.__version__
    assert "openmp" in capsys.readouterr().out


def test_get_include_contains_the_pxd_headers():
    inc = clogreg.get_include()
    for name in ("kernels.pxd", "solvers.pxd"):
        assert os.path.isfile(os.path.join(inc, "clogreg", name))


def test_python_m_clogreg_works_from_the_source_checkout():
    # The Quick start runs `python -m clogreg demo` in the repository root,
    # where sys.path puts the source tree (without the compiled engine)
    # before the installed package.  Reference: the same command run
    # elsewhere, which imports the installed package only.
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import clogreg; "
            "print(clogreg.sigmoid(0.0), clogreg.kernels.max_threads() >= 1)")
    here = subprocess.run([sys.executable, "-c", code], cwd=root,
                          capture_output=True, text=True, timeout=60)
    elsewhere = subprocess.run([sys.executable, "-c", code], cwd="/",
                               capture_output=True, text=True, timeout=60)
    assert here.returncode == 0, here.stderr
    assert here.stdout == elsewhere.stdout == "0.5 True\n"
