"""A downstream Cython extension that cimports clogreg's kernels.

Build it against the installed clogreg (which must be importable, with
Cython and setuptools, in the current environment):

    pip install --no-build-isolation examples/embed/cython_ext
    python examples/embed/cython_ext/check.py
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

import clogreg

setup(
    name="clogreg-embed-cython",
    version="0.1.0",
    description="Example: calling clogreg's kernels from Cython without the GIL",
    install_requires=["clogreg", "numpy"],
    ext_modules=cythonize(
        [Extension("embed_cython", ["embed_cython.pyx"])],
        # clogreg.get_include() holds clogreg/kernels.pxd.
        include_path=[clogreg.get_include()],
        compiler_directives={"language_level": 3},
    ),
)
