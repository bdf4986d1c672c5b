"""The documentation is executable, true and complete.

Every fenced code block of README.md and of the pages under docs/ runs
here, with its printed output checked:

* ``pycon`` blocks are doctest sessions (``>>>`` lines and the exact output
  they print; ``...`` stands for a varying part, such as a timing).  The
  blocks of one page run in order in one namespace, in a fresh temporary
  working directory.
* ``console`` blocks are shell sessions: each ``$ command`` line runs (the
  commands ``clogreg`` and ``python`` mean this interpreter's) from a
  temporary copy of the repository's ``examples/`` directory, shared by the
  page's console blocks, and prints the lines that follow it.
* Any other block must be preceded by an HTML comment saying who runs it
  instead, ``<!-- run by tests/test_x.py -->`` (that test reads the block
  from the page), or why nothing can, ``<!-- not run: reason -->`` (an
  installation command, a ten-minute tool).  A block with neither fails.

References: the printed output written in the pages themselves; the
docstring examples (doctest); clogreg.__all__ for the names the API page
must cover.
"""

import doctest
import glob
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

import clogreg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
PAGES = [README] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
MODULES = ["clogreg._logistic", "clogreg._functions", "clogreg._config",
           "clogreg._io", "clogreg._exceptions", "clogreg._datasets",
           "clogreg._inference", "clogreg.plot", "clogreg._cv"]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})(?P<info>[^`\n]*)\n"
                   r"(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.S | re.M)
MARKER = re.compile(r"<!-- (run by (?P<test>tests/\S+\.py)|not run: (?P<why>.+?)) -->"
                    r"\s*\Z", re.S)


def blocks(path):
    """(language, body, line number, the text before the fence) per block."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in FENCE.finditer(text):
        info = m.group("info").strip()
        indent = len(m.group("indent"))
        body = "\n".join(line[indent:] for line in m.group("body").splitlines())
        lineno = text.count("\n", 0, m.start()) + 1
        yield info.split()[0] if info else "", body + "\n", lineno, text[:m.start()]


def page_id(path):
    return os.path.relpath(path, ROOT)


def test_the_pages_are_found():
    names = {page_id(p) for p in PAGES}
    assert {"README.md", "docs/index.md", "docs/api.md", "docs/cli.md"} <= names
    assert sum(1 for p in PAGES for b in blocks(p) if b[0] == "pycon") >= 25


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_block_is_run_or_says_who_runs_it(path):
    unaccounted = []
    for lang, _body, lineno, before in blocks(path):
        if lang in ("pycon", "console") or lang.startswith("{"):
            continue
        marker = MARKER.search(before)
        if marker is None:
            unaccounted.append(f"line {lineno}: a {lang or 'plain'} block")
        elif marker.group("test"):
            test = os.path.join(ROOT, marker.group("test"))
            assert os.path.isfile(test), f"line {lineno}: no {marker.group('test')}"
            with open(test, encoding="utf-8") as f:
                # the named test must read this very page
                assert os.path.basename(path) in f.read(), (
                    f"line {lineno}: {marker.group('test')} does not read "
                    f"{page_id(path)}")
    assert unaccounted == []


def pages_with(language):
    return [p for p in PAGES if any(b[0] == language for b in blocks(p))]


@pytest.mark.parametrize("path", pages_with("pycon"), ids=page_id)
def test_python_examples_print_what_the_page_says(path, tmp_path, monkeypatch):
    sessions = [(body, lineno) for lang, body, lineno, _ in blocks(path)
                if lang == "pycon"]
    import matplotlib
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs = {"__name__": "__docs__"}
    try:
        for body, lineno in sessions:
            test = parser.get_doctest(body, globs, page_id(path), path, lineno)
            runner.run(test, clear_globs=False)
            globs = test.globs          # DocTest copies them: carry them on
    finally:
        import matplotlib.pyplot as plt
        plt.close("all")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {page_id(path)} failed"


def _command(line):
    argv = shlex.split(line)
    if argv[0] == "clogreg":
        return [sys.executable, "-m", "clogreg", *argv[1:]]
    if argv[0] == "python":
        return [sys.executable, *argv[1:]]
    return argv


@pytest.mark.parametrize("path", pages_with("console"), ids=page_id)
def test_shell_sessions_print_what_the_page_says(path, tmp_path):
    sessions = [(body, lineno) for lang, body, lineno, _ in blocks(path)
                if lang == "console"]
    work = tmp_path / "work"
    shutil.copytree(os.path.join(ROOT, "examples"), work / "examples",
                    ignore=shutil.ignore_patterns("embed", "gallery", "*.pyc"))
    env = dict(os.environ, PYTHONWARNINGS="error", COLUMNS="80")
    checker = doctest.OutputChecker()
    ran = 0
    for body, lineno in sessions:
        commands = []           # [command, expected output lines]
        for line in body.splitlines():
            if line.startswith("$ "):
                commands.append([line[2:], []])
            else:
                assert commands, f"line {lineno}: output before any '$ ' command"
                commands[-1][1].append(line)
        for command, expected in commands:
            done = subprocess.run(_command(command), cwd=work, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=300)
            want = "\n".join(expected).strip() + "\n"
            got = done.stdout.strip() + "\n"
            assert checker.check_output(want, got, FLAGS), (
                f"{page_id(path)} line {lineno}: `{command}` printed\n{got}"
                f"instead of\n{want}")
            ran += 1
    assert ran > 0


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = __import__(module_name, fromlist=["_"])
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def public_callables():
    for name in clogreg.__all__:
        obj = getattr(clogreg, name)
        yield name, obj
        if inspect.isclass(obj) and obj.__module__.startswith("clogreg"):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(
                        getattr(member, "__func__", member)):
                    yield f"{name}.{attr}", getattr(obj, attr)


@pytest.mark.parametrize("name, obj", list(public_callables()),
                         ids=[n for n, _ in public_callables()])
def test_every_public_name_has_a_docstring_with_an_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    assert "Examples\n--------" in doc, f"{name} has no Examples section"


def test_the_api_page_lists_every_public_name():
    # reference: clogreg.__all__ and the plot module's public functions
    from clogreg import plot

    with open(os.path.join(ROOT, "docs", "api.md"), encoding="utf-8") as f:
        text = f.read()
    listed = set(re.findall(r"^\s+(clogreg\.[\w.]+)\s*$", text, re.M))
    wanted = {f"clogreg.{name}" for name in clogreg.__all__}
    wanted |= {f"clogreg.plot.{name}" for name in plot.__all__}
    assert wanted - listed == set()
    assert listed - wanted == set()


def test_every_page_is_in_the_table_of_contents():
    # reference: the files under docs/
    toc = "\n".join(b for lang, b, _, _ in blocks(os.path.join(ROOT, "docs",
                                                                "index.md"))
                    if lang == "{toctree}")
    assert "gallery/index" in toc
    for path in PAGES[1:]:
        name = os.path.splitext(os.path.basename(path))[0]
        if name != "index":
            assert re.search(rf"^{name}$", toc, re.M), f"{name} is not in the toctree"


def test_the_docs_job_runs_the_documented_command():
    # reference: the command docs/development.md gives for building the site
    with open(os.path.join(ROOT, "docs", "development.md"), encoding="utf-8") as f:
        documented = [b for lang, b, _, _ in blocks(f.name) if "sphinx" in b]
    with open(os.path.join(ROOT, ".github", "workflows", "tests.yml"),
              encoding="utf-8") as f:
        workflow = f.read()
    job = workflow.split("\n  docs:\n", 1)[1]
    [block] = documented
    for command in block.strip().splitlines():
        assert command in job
    assert "-W" in block


def test_no_page_or_help_text_uses_the_internal_word_for_the_tutorials(capsys):
    # reference: the text users read (the pages, the command line's help
    # and the demo's header) must name the tutorials by their topic; the
    # word "seed" would be internal vocabulary (random seeds are spelt
    # random_state / default_rng here)
    from clogreg._cli import main

    texts = {}
    for path in PAGES:
        with open(path, encoding="utf-8") as f:
            texts[page_id(path)] = f.read()
    for argv in (["--help"], ["fit", "--help"], ["predict", "--help"],
                 ["info", "--help"], ["demo", "--help"]):
        assert main(argv) == 0
        texts[" ".join(argv)] = capsys.readouterr().out
    assert main(["demo"]) == 0
    texts["demo"] = capsys.readouterr().out
    assert all(texts.values())
    assert [name for name, text in texts.items() if "seed" in text.lower()] == []
