#!/usr/bin/env bash
# Run the kernels' tests under valgrind's memcheck.
#
# Why: the engine reads X, the CSR arrays and its own work buffers through
# raw pointers, and bounds checks are off in release builds, so an index
# off by one would read out of bounds silently.  memcheck reports every
# read or write outside a malloc'd block (numpy's array buffers included,
# PYTHONMALLOC=malloc puts Python's own objects there too) and every use of
# an uninitialised value.  Any such report is a bug.
#
# What it does, in a scratch directory (kept, and printed at the end):
#   1. copies the source tree there and builds clogreg into a private
#      --target directory, once or twice:
#        debug    CLOGREG_DEBUG=1: -O0 -g, so reports carry file:line
#                 (Cython's bounds checks are on, but they only guard the
#                 memoryviews of the Python-facing wrappers; the kernels
#                 index raw pointers either way);
#        release  the flags users get (-O3, AVX2 clones, no debug info):
#                 reports name functions only, but this is the code that
#                 ships;
#   2. runs a canary under memcheck: a call of a private kernel wrapper
#      with a label array shorter than X, so that the kernel reads past its
#      end.  The report must name that read, or the check itself is broken
#      (a wrong build, a report filter that misses clogreg's frames) and the
#      run fails;
#   3. runs pytest on the kernel tests under memcheck with that build
#      first on PYTHONPATH (tests/conftest.py checks that the compiled
#      package, not the source tree, is imported);
#   4. sorts memcheck's reports with tools/memcheck_report.py: an error
#      with a frame in clogreg's extension modules is printed in full and
#      fails the run (exit status 1), as does a failing test; reports from
#      the interpreter and the system libraries alone (CPython 3.11's
#      int.from_bytes, the dynamic loader, glibc's vectorised string
#      functions: known, harmless) are counted and listed by kind.
#
# Usage (from anywhere; needs valgrind, a C compiler, and a Python with
# numpy, scipy, pytest and hypothesis, e.g. the one of `pip install ".[test]"`;
# pip fetches the build requirements itself):
#
#   tools/memcheck.sh                 # debug and release builds
#   tools/memcheck.sh debug           # one of them
#   PYTHON=/path/to/python MEMCHECK_DIR=/tmp/mc tools/memcheck.sh
#   MEMCHECK_TESTS="tests/test_kernels.py" tools/memcheck.sh release
#
# It takes 10 to 20 minutes per build on two cores (memcheck runs code
# some 30-50 times slower and serialises the OpenMP threads).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="${MEMCHECK_DIR:-$(mktemp -d -t clogreg-memcheck.XXXXXX)}"
builds=("$@")
[ ${#builds[@]} -eq 0 ] && builds=(debug release)
# The kernel tests, the vectorised functions on them, and the property
# tests of the kernels (at the CI budget of hypothesis examples).  The
# downstream-extension test is left out: it runs a compiler, not the engine.
tests="${MEMCHECK_TESTS:-tests/test_kernels.py tests/test_functions.py tests/test_hypothesis.py}"
deselect="${MEMCHECK_DESELECT:-test_downstream_extension_cimports_the_kernels}"

command -v valgrind >/dev/null || { echo "memcheck.sh: valgrind not found" >&2; exit 2; }
"$python" -c "import numpy, scipy, pytest, hypothesis" || {
    echo "memcheck.sh: $python lacks numpy/scipy/pytest/hypothesis" >&2
    exit 2; }

mkdir -p "$work"
echo "memcheck.sh: working in $work"
rm -rf "$work/src"
mkdir -p "$work/src"
# The tracked sources and the working tree's changes; no build leftovers.
tar -C "$root" --exclude=.git --exclude=build --exclude='*.egg-info' \
    --exclude='*.so' --exclude=__pycache__ --exclude=.hypothesis -cf - . \
    | tar -C "$work/src" -xf -

status=0
for build in "${builds[@]}"; do
    case "$build" in
        debug)   debug=1 ;;
        release) debug=0 ;;
        *) echo "memcheck.sh: unknown build '$build' (debug or release)" >&2; exit 2 ;;
    esac
    site="$work/site-$build"
    log="$work/valgrind-$build.log"
    rm -rf "$site" "$work/src/build"
    echo "memcheck.sh: building the $build engine into $site"
    # pip builds in an isolated environment with the build requirements of
    # pyproject.toml (setuptools>=77, Cython>=3.1), as a user's install does.
    (cd "$work/src" && CLOGREG_DEBUG=$debug "$python" -m pip install --quiet \
        --no-deps --target "$site" .)
    canary="$work/canary-$build.log"
    (cd "$work" && PYTHONPATH="$site" PYTHONMALLOC=malloc \
        valgrind --tool=memcheck --leak-check=no --log-file="$canary" \
            "$python" -c '
import numpy as np
from clogreg import kernels
X, coef, grad = np.ones((64, 3)), np.zeros((1, 3)), np.empty((1, 3))
y = np.zeros(1, dtype=np.int32)       # 1 label for 64 rows: reads past y
kernels._loss_gradient(kernels.RowMatrix(X), y, None, coef, None, grad, None, 1)
') >/dev/null 2>&1 || true
    if "$python" "$root/tools/memcheck_report.py" "$canary" >/dev/null; then
        echo "memcheck.sh: $build: the canary's out-of-bounds read was not" \
             "reported: the check is broken (see $canary)"
        status=1
        continue
    fi
    echo "memcheck.sh: $build: canary ok (a planted out-of-bounds read is reported)"
    echo "memcheck.sh: running $tests under memcheck; log in $log"
    # PYTHONMALLOC=malloc: every Python object is its own malloc block, so
    #   memcheck sees them (pymalloc's arenas would hide overruns).
    # OMP_WAIT_POLICY=passive: idle OpenMP threads sleep instead of
    #   spinning, which under memcheck's serialised threads costs minutes.
    # --errors-for-leak-kinds=none: CPython keeps interned objects and
    #   module state alive at exit by design; leaks are tested separately
    #   (tests/test_reliability.py, RSS over thousands of fits).
    rc=0
    # shellcheck disable=SC2086  # $tests is a list of paths
    (cd "$work/src" && \
        PYTHONPATH="$site" PYTHONMALLOC=malloc OMP_WAIT_POLICY=passive \
        HYPOTHESIS_PROFILE=ci \
        valgrind --tool=memcheck --leak-check=no \
            --errors-for-leak-kinds=none --track-origins=yes \
            --num-callers=40 --log-file="$log" \
            "$python" -m pytest -q -p no:cacheprovider -k "not $deselect" $tests) \
        || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "memcheck.sh: $build: pytest failed under memcheck (exit status $rc)"
        status=1
    fi
    echo "memcheck.sh: $build: $(grep -E 'ERROR SUMMARY' "$log" | tail -1 \
        | sed 's/^==[0-9]*== //')"
    "$python" "$root/tools/memcheck_report.py" "$log" || status=1
done
echo "memcheck.sh: logs in $work"
exit $status
