"""How clogreg is built and released: the compiler flags of setup.py, the
bits they must guarantee, and the pinning of the CI workflows.

The flag tests load ``setup.py`` as a module (its ``setup()`` call runs
only as a script) and read the flags ``BuildExt`` hands to the compiler;
one also compiles a line of C with them to see that this compiler really
does not fuse.  The workflow tests read ``.github/``.  Both files are in
a checkout (and ``setup.py`` in the sdist and cibuildwheel's test copy);
where one is missing, its tests are skipped, never silently passed.
"""

import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sysconfig
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from clogreg import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP_PY = os.path.join(ROOT, "setup.py")
GITHUB = os.path.join(ROOT, ".github")

# Assembly mnemonics of fused multiply-add, per architecture.
FMA_MNEMONICS = {
    "x86_64": re.compile(r"\bvfn?m(add|sub)\d{3}[sp][sd]\b"),
    "aarch64": re.compile(r"\b(fn?madd|fn?msub|fmla|fmls)\b"),
}
FMA_MNEMONICS["AMD64"] = FMA_MNEMONICS["x86_64"]
FMA_MNEMONICS["arm64"] = FMA_MNEMONICS["aarch64"]


@pytest.fixture(scope="module")
def setup_module():
    if not os.path.exists(SETUP_PY):
        pytest.skip(f"needs the source tree's setup.py ({SETUP_PY})")
    spec = importlib.util.spec_from_file_location("clogreg_setup", SETUP_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)   # defines BuildExt; setup() not run
    return module


def _flags_used(setup_module, monkeypatch, compiler_type):
    """The (compile, link) arguments BuildExt.build_extensions gives every
    extension, for a compiler of this type (OpenMP assumed found)."""
    from setuptools import Distribution, Extension

    seen = []
    monkeypatch.setattr(setup_module, "_openmp_flags",
                        lambda compiler: (["-fopenmp"], ["-fopenmp"]))
    monkeypatch.setattr(setup_module.build_ext, "build_extensions",
                        lambda self: seen.extend(self.extensions))
    cmd = setup_module.BuildExt(Distribution())
    cmd.compiler = SimpleNamespace(compiler_type=compiler_type)
    cmd.extensions = [Extension(f"clogreg.{name}", [f"src/{name}.pyx"])
                      for name in setup_module.MODULES]
    cmd.build_extensions()
    assert len(seen) == len(setup_module.MODULES)
    return [(ext.extra_compile_args, ext.extra_link_args) for ext in seen]


# ---------------------------------------------------------- item 11: no FMA

@pytest.mark.parametrize("compiler_type", ["unix", "mingw32", "cygwin"])
def test_gcc_and_clang_builds_never_contract_into_fma(setup_module, monkeypatch,
                                                      compiler_type):
    """Every extension gets -ffp-contract=off, as the last word on
    contraction, and no flag that changes values (reference: GCC's and
    clang's manuals; GCC contracts by default wherever FMA exists)."""
    for compile_args, _ in _flags_used(setup_module, monkeypatch, compiler_type):
        contract = [a for a in compile_args if a.startswith("-ffp-contract=")]
        assert contract and contract[-1] == "-ffp-contract=off", compile_args
        assert not {"-ffast-math", "-Ofast", "-funsafe-math-optimizations",
                    "-mfma"} & set(compile_args), compile_args


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("platform_name", ["linux", "darwin", "win32"])
def test_build_flags_have_no_contraction_in_debug_builds_too(setup_module, debug,
                                                             platform_name):
    compile_args, _ = setup_module.build_flags("unix", debug=debug,
                                               platform=platform_name)
    assert compile_args[-1] == "-ffp-contract=off"
    # MSVC: /fp:precise (its default) does not contract since VS 2022 17.0,
    # and x64 without /arch:AVX2 has no FMA; nothing to add, nothing added.
    msvc_args, _ = setup_module.build_flags("msvc", debug=debug,
                                            platform=platform_name)
    assert not {"/fp:fast", "/fp:contract"} & set(msvc_args)


def test_the_flags_stop_this_compiler_from_fusing(setup_module, monkeypatch,
                                                  tmp_path):
    """Compile ``a * b + c`` to assembly with the build's own flags: no FMA
    instruction.  The same without -ffp-contract=off must show one (the
    control: otherwise this compiler never contracts and the check says
    nothing).  On x86-64 ``-mfma`` gives the compiler an FMA to contract
    into, as aarch64 always has."""
    machine = platform.machine()
    cc = (sysconfig.get_config_var("CC") or "").split()
    if machine not in FMA_MNEMONICS or not cc or shutil.which(cc[0]) is None:
        pytest.skip(f"no gcc/clang or no FMA pattern for {machine!r}")
    [(compile_args, _), *_] = _flags_used(setup_module, monkeypatch, "unix")
    extra = ["-mfma"] if machine in ("x86_64", "AMD64") else []
    source = tmp_path / "muladd.c"
    source.write_text("double muladd(double a, double b, double c)\n"
                      "{ return a * b + c; }\n")

    def fused(args):
        out = tmp_path / "muladd.s"
        subprocess.run([*cc, *args, *extra, "-S", "-o", str(out), str(source)],
                       check=True, capture_output=True, timeout=120)
        return bool(FMA_MNEMONICS[machine].search(out.read_text()))

    if not fused([a for a in compile_args if a != "-ffp-contract=off"]):
        pytest.skip(f"{cc[0]} does not contract here even without the flag")
    assert not fused(compile_args)


def _fma_sensitive_case(dtype):
    """Factors whose product is inexact, and its rounded value.

    float64: (1 + 2**-30)**2 = 1 + 2**-29 + 2**-60 rounds to 1 + 2**-29;
    float32 X: (1 + 2**-23) (1 + 2**-52) = 1 + 2**-23 + 2**-52 + 2**-75
    rounds to 1 + 2**-23 + 2**-52.  A row with -1 at column 0 (coefficient:
    the rounded product) and the first factor at column k (coefficient: the
    second) has score 0 when each product is rounded, and the rounding
    error (2**-60, 2**-75) when the second product is fused with the sum.
    """
    if dtype == np.float64:
        x, w = 1 + 2.0**-30, 1 + 2.0**-30
    else:
        x, w = 1 + 2.0**-23, 1 + 2.0**-52
    assert float(dtype(x)) == x
    return x, w, x * w


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_round_every_product_on_every_platform(dtype, sparse):
    """decision_function = the dot product with each product rounded before
    it is added, as on x86-64 (reference: the same sums in Python floats,
    which round every operation).  Column 8 is in the 8-lane loop of
    clogreg_simd.h, column 16 in its tail, both in lane 0 with column 0.
    A build that fuses (aarch64 or arm64 without -ffp-contract=off) gives
    the exact value instead, which differs (checked with fractions)."""
    x, w, rounded = _fma_sensitive_case(dtype)
    d = 17
    coef = np.zeros(d)
    coef[0], coef[8], coef[16] = rounded, w, w
    X = np.zeros((2, d), dtype=dtype)
    X[:, 0] = -1.0
    X[0, 8] = x
    X[1, 16] = x
    expected = -1.0 * rounded + x * w            # rounded, then added
    fused = Fraction(-1) * Fraction(rounded) + Fraction(x) * Fraction(w)
    assert expected == 0.0 and fused != 0        # the case tells them apart
    if sparse:
        scipy_sparse = pytest.importorskip("scipy.sparse")
        X = scipy_sparse.csr_matrix(X)
    model = LogisticRegression.from_coef([coef], [0.0])
    np.testing.assert_array_equal(model.decision_function(X), [expected] * 2)


# ------------------------------------------- item 16: the numpy floor is tested

def _read(*parts):
    """A file of the checkout; skip where its top-level file or directory
    is not there at all (cibuildwheel's copy of the tests has no .github),
    fail where only the file is missing."""
    top = os.path.join(ROOT, parts[0])
    if not os.path.exists(top):
        pytest.skip(f"needs the repository checkout ({top})")
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def test_numpy_floor_is_the_version_ci_installs():
    """pyproject.toml's numpy>=X.Y is exactly what the numpy-floor job of
    the tests workflow installs (numpy==X.Y.0 in its constraints file), and
    what the installation page states (reference: the four files' text)."""
    pyproject = _read("pyproject.toml")
    constraints = _read(".github", "numpy-floor.txt")
    workflow = _read(".github", "workflows", "tests.yml")
    [floor] = re.findall(r'^dependencies = \["numpy>=([\d.]+)"\]$', pyproject,
                         re.MULTILINE)
    oldest = floor + ".0" * (3 - len(floor.split(".")))
    assert re.findall(r"^numpy==(\S+)$", constraints, re.MULTILINE) == [oldest]
    assert "pip install -c .github/numpy-floor.txt \".[test]\"" in workflow
    assert f"numpy >= {floor}" in _read("docs", "install.md")



def test_test_extras_floors_are_the_versions_the_floor_job_installs():
    """Each numpy-built test dependency that .github/numpy-floor.txt pins is
    declared in the ``test`` extra with exactly that version as its floor,
    so the declared floors are versions the suite has passed with
    (reference: the two files' text)."""
    pyproject = _read("pyproject.toml")
    constraints = _read(".github", "numpy-floor.txt")
    pins = dict(re.findall(r"^([\w-]+)==(\S+)$", constraints, re.MULTILINE))
    [extra] = re.findall(r"^test = \[(.*?)^\]", pyproject, re.MULTILINE | re.DOTALL)
    floors = dict(re.findall(r'"([\w-]+)>=([\d.]+)"', extra))
    pins.pop("numpy")
    assert set(pins) <= set(floors), set(pins) - set(floors)
    assert {name: floors[name] for name in pins} == pins


# ----------------------------------------- item 17: pinned actions, Dependabot

def _workflows():
    directory = os.path.join(GITHUB, "workflows")
    if not os.path.isdir(directory):
        pytest.skip(f"needs the repository checkout ({directory})")
    return {name: _read(".github", "workflows", name)
            for name in sorted(os.listdir(directory)) if name.endswith(".yml")}


def test_every_action_is_pinned_to_a_commit_named_by_its_version():
    """Each ``uses:`` names owner/repo@<40-hex commit> and, in a comment,
    the release tag of that commit (the form Dependabot keeps updated)."""
    steps = [(name, line.strip())
             for name, text in _workflows().items()
             for line in text.splitlines()
             if re.match(r"\s*(-\s*)?uses:", line)]
    assert len(steps) >= 8, steps     # both workflows' actions were found
    pinned = re.compile(r"(-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}"
                        r"\s+#\s*v\d+(\.\d+)*$")
    assert [s for s in steps if not pinned.fullmatch(s[1])] == []


def test_cibuildwheel_is_installed_hash_locked():
    """wheels.yml installs cibuildwheel with --require-hashes from a file in
    which every package has one exact version and a sha256."""
    wheels = _workflows()["wheels.yml"]
    lock = _read(".github", "cibuildwheel", "requirements.txt")
    assert ("pip install --require-hashes -r .github/cibuildwheel/requirements.txt"
            in wheels)
    assert "python -m cibuildwheel --output-dir wheelhouse" in wheels
    entries = re.sub(r"\s*\\\n\s*", " ", lock).splitlines()
    entries = [e for e in entries if e.strip() and not e.startswith("#")]
    entry = re.compile(r'[A-Za-z0-9_.-]+==[\w.]+( ; os_name == "nt")? '
                       r"--hash=sha256:[0-9a-f]{64}")
    assert [e for e in entries if not entry.fullmatch(e.strip())] == []
    assert any(e.startswith("cibuildwheel==4.3.3 ") for e in entries)


def _dependabot_updates():
    """(package-ecosystem, directory, interval) of each entry of
    .github/dependabot.yml (a flat file: no YAML parser needed)."""
    text = _read(".github", "dependabot.yml")
    assert re.search(r"^version: 2$", text, re.MULTILINE)
    updates = []
    for block in re.split(r"^\s*- (?=package-ecosystem:)", text,
                          flags=re.MULTILINE)[1:]:
        fields = dict(re.findall(r'^\s*(package-ecosystem|directory|interval):'
                                 r'\s*"?([^"\s]+)"?\s*$', block, re.MULTILINE))
        updates.append((fields.get("package-ecosystem"), fields.get("directory"),
                        fields.get("interval")))
    return updates


def test_dependabot_updates_the_actions_and_cibuildwheel_weekly():
    updates = _dependabot_updates()
    assert ("github-actions", "/", "weekly") in updates
    assert ("pip", "/.github/cibuildwheel", "weekly") in updates
    # the numpy floor must move only with pyproject.toml, never by itself
    assert all(directory != "/.github" for _, directory, _ in updates)
