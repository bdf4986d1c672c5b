"""Build of clogreg's Cython engine: the extension list and the OpenMP probe.

Everything else (metadata, dependencies, tool settings) is in pyproject.toml.

Environment variables read at build time:

* ``CLOGREG_DEBUG=1``   bounds and wraparound checks on, ``-O0 -g``.
* ``CLOGREG_NO_OPENMP=1`` build serially even where OpenMP is available.
* ``CIBUILDWHEEL=1``    (set by cibuildwheel) a missing OpenMP is an error:
  release wheels must be multithreaded.
* ``CFLAGS``/``CPPFLAGS``/``LDFLAGS`` are honoured by the OpenMP probe as by
  the extension build (this is how the macOS wheels find Homebrew's libomp).

Generated C goes to ``build/cython/<release|debug>/``, never next to the
sources: a release build can then never pick up C generated with the debug
directives (cythonize only compares timestamps), and the sdist, which
prunes ``build/``, ships .pyx sources only.  Release builds on gcc/clang
carry no debug information (``-g0``, and ``-Wl,--strip-debug`` on Linux,
where the interpreter's own CFLAGS usually contain ``-g``): that keeps a
wheel at a few hundred kilobytes instead of several megabytes.  Every
gcc/clang build has ``-ffp-contract=off`` (no fused multiply-add), so
that aarch64 and arm64 wheels compute the same bits as x86-64 ones; the
flags are chosen by ``build_flags``.

The ``cdef api`` functions of ``clogreg.capi`` come with a C header that
Cython writes next to the generated C; ``build_ext`` copies it into the
package as ``clogreg/capi_api.h`` for plain-C extensions.
"""

import os
import shlex
import shutil
import sys
import tempfile
import textwrap

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODULES = ["_rowmatrix", "kernels", "solvers", "capi", "_csvparse"]
# Module whose ``cdef api`` header is installed in the package.
API_MODULES = ["capi"]
DEBUG = os.environ.get("CLOGREG_DEBUG", "") not in ("", "0")
CYTHON_BUILD_DIR = os.path.join("build", "cython", "debug" if DEBUG else "release")


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
                # distutils links executables without LDFLAGS; the
                # extensions get them, so the probe must too.
                compiler.link_executable(
                    objs, "probe", output_dir=tmp,
                    extra_postargs=lflags + shlex.split(
                        os.environ.get("LDFLAGS", "")))
            except Exception:  # any compile or link failure means "no"
                continue
            return cflags, lflags
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_flags(compiler_type, *, debug=DEBUG, platform=sys.platform):
    """Return (compile_args, link_args) of the extensions, OpenMP aside.

    A function of its own, so that tests/test_build.py can check the flags
    without building anything (setup() below runs only as a script, which
    is how setuptools' build backend runs this file).
    """
    msvc = compiler_type == "msvc"
    link = []
    if debug:
        opt = ["/Od", "/Zi"] if msvc else ["-O0", "-g"]
    else:
        # -fno-trapping-math changes no value (only whether a floating
        # point exception may be raised speculatively); it lets GCC
        # vectorise the branch-free selects of src/clogreg_vmath.h.
        # Value-changing flags (-ffast-math and its parts, -mfma) are never
        # used: see src/clogreg_simd.h.
        opt = ["/O2"] if msvc else ["-O3", "-g0", "-fno-trapping-math"]
        if not msvc and platform.startswith("linux"):
            link = ["-Wl,--strip-debug"]
    if not msvc:
        # No fused multiply-add: GCC contracts a * b + c into one FMA
        # (rounded once instead of twice) by default wherever the target
        # has the instruction, i.e. on aarch64 (clang within an
        # expression, on arm64 macOS too), so those wheels would compute
        # other bits than the x86-64 ones.  In every build, debug ones
        # included; it comes after the interpreter's CFLAGS and the
        # user's, so a -ffp-contract=fast there cannot undo it.  MSVC
        # needs nothing: since Visual Studio 2022 (17.0) its default
        # /fp:precise does not contract, and x64 code without /arch:AVX2
        # has no FMA instruction to contract into.
        opt = opt + ["-ffp-contract=off"]
    return opt, link


class BuildExt(build_ext):
    """build_ext that adds optimisation and, when available, OpenMP, and
    installs the C API header."""

    def build_extensions(self):
        opt, link = build_flags(self.compiler.compiler_type)
        omp = _openmp_flags(self.compiler)
        if omp is None and os.environ.get("CIBUILDWHEEL") == "1":
            sys.exit("clogreg: OpenMP is required for release wheels "
                     "(CIBUILDWHEEL=1) but the compiler probe failed")
        if omp is None:
            print("clogreg: OpenMP not available, building serial kernels")
        for ext in self.extensions:
            ext.extra_compile_args = opt + (omp[0] if omp else [])
            ext.extra_link_args = (omp[1] if omp else []) + link
        super().build_extensions()

    def _api_headers(self):
        """(generated header, installed header) pairs."""
        if self.inplace:
            package_dir = self.get_finalized_command("build_py").get_package_dir(
                "clogreg")
        else:
            package_dir = os.path.join(self.build_lib, "clogreg")
        return [(os.path.join(CYTHON_BUILD_DIR, "src", f"{name}_api.h"),
                 os.path.join(package_dir, f"{name}_api.h"))
                for name in API_MODULES]

    def run(self):
        super().run()
        for generated, installed in self._api_headers():
            self.copy_file(generated, installed)

    def get_outputs(self):
        return super().get_outputs() + [dst for _, dst in self._api_headers()]

    def get_output_mapping(self):
        mapping = super().get_output_mapping()
        mapping.update({dst: src for src, dst in self._api_headers()})
        return mapping


if __name__ == "__main__":
    # include_dirs: the generated C lives under build/, so headers next to the
    # .pyx sources (``cdef extern from "x.h"``) are found through src/.
    extensions = [
        Extension(f"clogreg.{name}", [f"src/{name}.pyx"], include_dirs=["src"])
        for name in MODULES
    ]

    setup(
        ext_modules=cythonize(
            extensions,
            include_path=["."],
            build_dir=CYTHON_BUILD_DIR,
            compiler_directives={
                "boundscheck": DEBUG,
                "wraparound": DEBUG,
            },
        ),
        cmdclass={"build_ext": BuildExt},
    )
