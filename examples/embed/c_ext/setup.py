"""A downstream plain-C extension that uses clogreg's C API header.

Build it against the installed clogreg (which must be importable, with
setuptools, in the current environment):

    pip install --no-build-isolation examples/embed/c_ext
    python examples/embed/c_ext/check.py
"""

from setuptools import Extension, setup

import clogreg

setup(
    name="clogreg-embed-c",
    version="0.1.0",
    description="Example: calling clogreg's kernels from C through its C API",
    install_requires=["clogreg", "numpy"],
    ext_modules=[
        # clogreg.get_include() holds clogreg/capi_api.h.  Nothing to link:
        # the kernels are found at import time, through clogreg.capi.
        Extension("embed_c", ["embed_c.c"], include_dirs=[clogreg.get_include()]),
    ],
)
