"""Test configuration.

The tests exercise the *installed* clogreg (``pip install .``).  Running
``python -m pytest`` from the repository root puts the root on sys.path,
where ``clogreg/`` holds the Python sources but not the compiled engine;
drop that entry so that ``import clogreg`` finds the installed package.
"""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path
               if os.path.abspath(p or os.curdir) != _ROOT]
for _name in [m for m in sys.modules if m == "clogreg" or m.startswith("clogreg.")]:
    del sys.modules[_name]

import clogreg  # noqa: E402

if os.path.dirname(os.path.dirname(os.path.abspath(clogreg.__file__))) == _ROOT:
    raise RuntimeError(
        "the tests imported clogreg from the source tree, which has no "
        "compiled engine; run `pip install .` first")
