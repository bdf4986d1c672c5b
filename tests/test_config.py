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
