"""Build of clogreg's Cython engine: the extension list and the OpenMP probe.

Everything else (metadata, dependencies, tool settings) is in pyproject.toml.

Environment variables read at build time:

* ``CLOGREG_DEBUG=1``   bounds and wraparound checks on, ``-O0 -g``.
* ``CLOGREG_NO_OPENMP=1`` build serially even where OpenMP is available.
* ``CIBUILDWHEEL=1``    (set by cibuildwheel) a missing OpenMP is an error:
  release wheels must be multithreaded.
"""

import os
import shutil
import sys
import tempfile
import textwrap

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODULES = ["kernels", "solvers"]
DEBUG = os.environ.get("CLOGREG_DEBUG", "") not in ("", "0")


def _openmp_flags(compiler):
    """Return (compile_args, link_args) enabling OpenMP, or None.

    Probes by compiling and linking a tiny program that calls the OpenMP
    runtime, so a compiler that accepts the flag but lacks the runtime
    (Apple clang without libomp) is detected as well.
    """
    if os.environ.get("CLOGREG_NO_OPENMP", "") not in ("", "0"):
        return None
    if compiler.compiler_type == "msvc":
        candidates = [(["/openmp"], [])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"]),
                      (["-Xpreprocessor", "-fopenmp"], ["-lomp"])]
    source = textwrap.dedent("""
        #include <omp.h>
        int main(void) {
            int n = 0;
            #pragma omp parallel reduction(+:n)
            n += 1;
            return omp_get_max_threads() > 0 && n > 0 ? 0 : 1;
        }
    """)
    tmp = tempfile.mkdtemp(prefix="clogreg-omp-")
    try:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as f:
            f.write(source)
        for cflags, lflags in candidates:
            try:
                objs = compiler.compile([path], output_dir=tmp,
                                        extra_postargs=cflags)
                compiler.link_executable(objs, "probe", output_dir=tmp,
                                         extra_postargs=lflags)
            except Exception:  # any compile or link failure means "no"
                continue
            return cflags, lflags
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """build_ext that adds optimisation and, when available, OpenMP."""

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        if DEBUG:
            opt = ["/Od", "/Zi"] if msvc else ["-O0", "-g"]
        else:
            opt = ["/O2"] if msvc else ["-O3"]
        omp = _openmp_flags(self.compiler)
        if omp is None and os.environ.get("CIBUILDWHEEL") == "1":
            sys.exit("clogreg: OpenMP is required for release wheels "
                     "(CIBUILDWHEEL=1) but the compiler probe failed")
        if omp is None:
            print("clogreg: OpenMP not available, building serial kernels")
        for ext in self.extensions:
            ext.extra_compile_args = opt + (omp[0] if omp else [])
            ext.extra_link_args = omp[1] if omp else []
        super().build_extensions()


extensions = [
    Extension(f"clogreg.{name}", [f"src/{name}.pyx"]) for name in MODULES
]

setup(
    ext_modules=cythonize(
        extensions,
        include_path=["."],
        compiler_directives={
            "boundscheck": DEBUG,
            "wraparound": DEBUG,
        },
    ),
    cmdclass={"build_ext": BuildExt},
)
