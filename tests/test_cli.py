"""The command line (clogreg/_cli.py, ``python -m clogreg``, ``clogreg``).

References: scikit-learn fits of the same CSV data (accuracy, log-loss,
probabilities), the Python API on the same numbers (predictions bit for
bit, ``loss_curve_`` for the progress lines), the issue's list of bad
inputs (exit status 2, one line on stderr, no traceback, no file left
behind) and the PNG file signature.
"""

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import log_loss

import clogreg
from clogreg import LogisticRegression, _cli, _csv
from clogreg.__main__ import demo, main
from clogreg._datasets import make_gaussian_clouds


def test_demo_reports_both_solvers_with_sklearn_accuracy():
    out = io.StringIO()
    assert demo(out) == 0
    text = out.getvalue()
    lines = {line.split()[0]: line.split() for line in text.splitlines()[3:]}
    assert set(lines) == {"auto", "gd"}
    X, y = make_gaussian_clouds()
    sk = SkLogisticRegression().fit(X.astype(np.float64), y)
    for row in lines.values():
        accuracy = float(row[4])
        assert abs(accuracy - sk.score(X, y)) < 1e-3
        coef = [float(row[1].strip("[,")), float(row[2].strip("],"))]
        np.testing.assert_allclose(coef, sk.coef_[0], rtol=2e-2)


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "clogreg", "demo"],
                          capture_output=True, text=True, timeout=120,
                          cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout


def test_unknown_command_exits_2():
    proc = subprocess.run([sys.executable, "-m", "clogreg", "nope"],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 2


# ------------------------------------------------------------------ helpers
NAMES = ["age", "bmi", "dose"]


def make_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [10.0, 4.0, 1.0] + [50.0, 25.0, 0.0]
    logit = (X - [50.0, 25.0, 0.0]) @ [0.15, -0.4, 0.8]
    y = np.where(logit + rng.logistic(size=n) > 0, "sick", "healthy")
    return X, y


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def train_csv(tmp_path, X, y, name="train.csv"):
    return write_csv(tmp_path / name, NAMES + ["status"],
                     [[*map(repr, map(float, row)), label]
                      for row, label in zip(X, y, strict=True)])


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_predictions(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture
def trained(tmp_path, capsys):
    X, y = make_data()
    data = train_csv(tmp_path, X, y)
    model = str(tmp_path / "model.json")
    code, out, err = run(capsys, "fit", data, "--target", "status", "--out", model)
    assert code == 0, err
    return X, y, data, model, out


# ------------------------------------------------------------ the round trip
def test_fit_reports_what_scikit_learn_finds(trained):
    X, y, _, _, out = trained
    report = dict(line.split(":", 1) for line in out.splitlines()[1:])
    sk = SkLogisticRegression(tol=1e-8, max_iter=1000).fit(X, y)
    assert report["classes"].strip() == "'healthy', 'sick'"
    accuracy = float(report["accuracy"].split()[0])
    assert abs(accuracy - sk.score(X, y)) <= 2.5e-3     # at most one sample
    loss = float(report["log-loss"].split()[0])
    assert loss == pytest.approx(log_loss(y, sk.predict_proba(X)), rel=1e-3)
    assert report["solver"].strip().startswith("lbfgs,")
    assert "ms" in report["time"]


def test_predict_round_trip_matches_the_python_api_and_sklearn(trained, tmp_path,
                                                             capsys):
    X, y, _, model_path, _ = trained
    rng = np.random.default_rng(1)
    X_new = X[:50] + rng.normal(size=(50, 3))
    # Other column order, and an extra column the model never saw.
    new = write_csv(tmp_path / "new.csv", ["dose", "note", "age", "bmi"],
                    [[repr(float(r[2])), "x", repr(float(r[0])), repr(float(r[1]))]
                     for r in X_new])
    code, out, err = run(capsys, "predict", model_path, new, "--proba")
    assert code == 0, err
    header, rows = read_predictions(out)
    assert header == ["prediction", "proba_healthy", "proba_sick"]
    reference = LogisticRegression().fit(X, y)
    assert [r[0] for r in rows] == reference.predict(X_new).tolist()
    proba = np.array([[float(v) for v in r[1:]] for r in rows])
    assert_allclose(proba, reference.predict_proba(X_new), rtol=1e-12)
    sk = SkLogisticRegression().fit(X, y)
    assert_allclose(proba, sk.predict_proba(X_new), rtol=2e-3, atol=1e-4)
    # --out writes the same text, atomically.
    target = tmp_path / "pred.csv"
    code, out2, err = run(capsys, "predict", model_path, new, "--proba",
                          "--out", target)
    assert code == 0 and out2 == ""
    assert target.read_text() == out
    assert "wrote 50 predictions" in err


def test_integer_labels_and_three_classes(tmp_path, capsys):
    X, y = load_iris(return_X_y=True)
    data = write_csv(tmp_path / "iris.csv", ["sl", "sw", "pl", "pw", "species"],
                     [[*map(repr, map(float, r)), int(c)]
                      for r, c in zip(X, y, strict=True)])
    model = tmp_path / "iris.json"
    code, out, err = run(capsys, "fit", data, "--target", "species", "--out", model,
                         "--max-iter", "500", "--standardize")
    assert code == 0, err
    assert "0, 1, 2" in out
    code, out, err = run(capsys, "predict", model, data, "--proba")
    assert code == 0, err
    header, rows = read_predictions(out)
    assert header == ["prediction", "proba_0", "proba_1", "proba_2"]
    sk = SkLogisticRegression(max_iter=1000).fit((X - X.mean(0)) / X.std(0), y)
    predicted = np.array([int(r[0]) for r in rows])
    assert abs((predicted == y).mean() - sk.score((X - X.mean(0)) / X.std(0), y)) < 0.02
    loaded = clogreg.load(model)
    assert loaded.classes_.tolist() == [0, 1, 2]
    assert loaded.standardize


def test_model_without_feature_names_reads_columns_in_order(tmp_path, capsys):
    X, y = make_data(200)
    model = LogisticRegression().fit(X, y)
    path = tmp_path / "plain.json"
    model.save(path)
    data = write_csv(tmp_path / "x.csv", ["a", "b", "c"],
                     [[repr(float(v)) for v in r] for r in X[:10]])
    code, out, err = run(capsys, "predict", path, data)
    assert code == 0, err
    assert [r[0] for r in read_predictions(out)[1]] == model.predict(X[:10]).tolist()
    data4 = write_csv(tmp_path / "x4.csv", ["a", "b", "c", "d"],
                      [[1, 2, 3, 4]])
    code, _, err = run(capsys, "predict", path, data4)
    assert code == 2 and "exactly its 3 feature column(s)" in err


def test_info_shows_parameters_classes_and_coefficients(trained, capsys):
    X, y, _, model_path, _ = trained
    code, out, err = run(capsys, "info", model_path)
    assert code == 0, err
    model = clogreg.load(model_path)
    assert "'healthy', 'sick'" in out
    assert "log-odds of 'sick'" in out
    assert "  penalty        'l2'" in out and "  C              1.0" in out
    coefs = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()
             if line.startswith("  ") and line.split()[0] in NAMES + ["(intercept)"]}
    assert coefs["(intercept)"] == pytest.approx(model.intercept_[0], rel=1e-5)
    for j, name in enumerate(NAMES):
        assert coefs[name] == pytest.approx(model.coef_[0, j], rel=1e-5)
    sk = SkLogisticRegression(tol=1e-8).fit(X, y)
    assert_allclose([coefs[n] for n in NAMES], sk.coef_[0], rtol=5e-3)


def test_fit_options_reach_the_model(tmp_path, capsys):
    X, y = make_data()
    data = train_csv(tmp_path, X, y)
    model = tmp_path / "m.json"
    code, _, err = run(capsys, "fit", data, "--target", "status", "--out", model,
                       "--penalty", "elasticnet", "--l1-ratio", "0.5", "--C",
                       "0.01", "--solver", "gd", "--max-iter", "300", "--tol",
                       "1e-6", "--standardize")
    assert code == 0, err
    loaded = clogreg.load(model)
    params = {k: getattr(loaded, k) for k in ("penalty", "l1_ratio", "C", "solver",
                                               "max_iter", "tol", "standardize")}
    assert params == {"penalty": "elasticnet", "l1_ratio": 0.5, "C": 0.01,
                      "solver": "gd", "max_iter": 300, "tol": 1e-6,
                      "standardize": True}
    reference = LogisticRegression(penalty="elasticnet", l1_ratio=0.5, C=0.01,
                                   solver="gd", max_iter=300, tol=1e-6,
                                   standardize=True).fit(X, y)
    assert_allclose(loaded.coef_, reference.coef_, rtol=0)
    code, _, err = run(capsys, "fit", data, "--target", "status", "--out", model,
                       "--penalty", "none", "--C", "inf")
    assert code == 0, err
    assert clogreg.load(model).penalty is None


# ------------------------------------------------------------------ progress
PROGRESS = "clogreg: iter"


def progress_lines(err):
    return [line.split() for line in err.splitlines() if line.startswith(PROGRESS)]


def test_verbose_prints_progress_matching_the_loss_curve(tmp_path, capsys):
    X, y = make_data()
    data = train_csv(tmp_path, X, y)
    out_model = tmp_path / "m.json"
    code, _, err = run(capsys, "fit", data, "--target", "status", "--out",
                       out_model, "--solver", "gd", "--max-iter", "1000",
                       "--verbose")
    assert code == 0, err
    reference = LogisticRegression(solver="gd", max_iter=1000).fit(X, y)
    lines = progress_lines(err)
    iterations = [int(parts[2]) for parts in lines]
    expected = [1] + list(range(10, reference.n_iter_[0] + 1, 10))
    if expected[-1] != reference.n_iter_[0]:
        expected.append(reference.n_iter_[0])
    assert iterations == expected
    for parts in lines:
        assert float(parts[4]) == pytest.approx(
            reference.loss_curve_[int(parts[2]) - 1], rel=1e-9)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_unless_asked(tmp_path, capsys, monkeypatch):
    X, y = make_data()
    data = train_csv(tmp_path, X, y)
    args = ["fit", data, "--target", "status", "--out", tmp_path / "m.json"]
    _, _, err = run(capsys, *args)                    # stderr is not a tty
    assert progress_lines(err) == []
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([str(a) for a in args]) == 0
    assert progress_lines(terminal.getvalue())
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([str(a) for a in args] + ["--quiet"]) == 0
    assert terminal.getvalue() == ""


# ------------------------------------------------- bad input: exit 2, 1 line
def assert_clean_failure(code, out, err, *patterns):
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("clogreg")
    for pattern in patterns:
        assert pattern in err, err


def files(directory):
    return sorted(p.name for p in directory.iterdir())


BAD_CSV = {
    # name: (content, expected words in the message)
    "empty": ("", ["is empty"]),
    "blank lines only": ("\n\n", ["is empty"]),
    "header only": ("age,bmi,dose,status\n", ["no data rows"]),
    "non-numeric cell": ("age,bmi,dose,status\n1,2,3,a\n4,x7,6,b\n",
                         ["row 2 (line 3)", "column 'bmi'", "'x7'", "not a number"]),
    "empty cell": ("age,bmi,dose,status\n1,2,3,a\n4,,6,b\n",
                   ["row 2 (line 3)", "column 'bmi'", "is empty"]),
    "nan cell": ("age,bmi,dose,status\n1,2,3,a\n4,nan,6,b\n",
                 ["row 2 (line 3)", "column 'bmi'", "finite"]),
    "short row": ("age,bmi,dose,status\n1,2,3,a\n4,5,b\n",
                  ["row 2 (line 3)", "3 fields", "header has 4"]),
    "long row": ("age,bmi,dose,status\n1,2,3,a,9\n4,5,6,b\n",
                 ["row 1 (line 2)", "5 fields"]),
    "repeated column": ("age,age,dose,status\n1,2,3,a\n4,5,6,b\n",
                        ["'age' twice (columns 1 and 2)"]),
    # the first problem from the left is reported, as before
    "repeat before unnamed": ("age,dose,age,,status\n1,2,3,4,a\n",
                              ["'age' twice (columns 1 and 3)"]),
    "unnamed before repeat": ("age,,dose,dose,status\n1,2,3,4,a\n",
                              ["column 2 of the header has no name"]),
    "unnamed column": ("age,,dose,status\n1,2,3,a\n4,5,6,b\n",
                       ["column 2 of the header has no name"]),
    "missing label": ("age,bmi,dose,status\n1,2,3,a\n4,5,6,\n",
                      ["row 2 (line 3)", "column 'status'", "label"]),
    "one class": ("age,bmi,dose,status\n1,2,3,a\n4,5,6,a\n", ["1 class"]),
    "continuous target": ("age,bmi,dose,status\n1,2,3,0.5\n4,5,6,1.5\n",
                          ["continuous"]),
    "no features": ("status\na\nb\n", ["no feature columns"]),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_training_csv_exits_2_and_writes_nothing(case, tmp_path, capsys):
    content, words = BAD_CSV[case]
    data = tmp_path / "data.csv"
    data.write_text(content)
    model = tmp_path / "model.json"
    code, out, err = run(capsys, "fit", data, "--target", "status", "--out", model)
    assert_clean_failure(code, out, err, *words)
    assert files(tmp_path) == ["data.csv"]


def test_bad_predict_csv_exits_2_and_writes_nothing(trained, tmp_path, capsys):
    _, _, _, model, _ = trained
    before = files(tmp_path)
    out_file = tmp_path / "pred.csv"
    for content, words in [
            ("age,bmi\n1,2\n", ["lacks the column(s) 'dose'"]),
            ("age,bmi,dose\n1,2,3\n4,abc,6\n", ["row 2 (line 3)", "'bmi'", "'abc'"]),
            ("age,bmi,dose\n1,2,3\n4,5\n", ["row 2 (line 3)", "2 fields"]),
            ("", ["is empty"])]:
        data = tmp_path / "new.csv"
        data.write_text(content)
        code, out, err = run(capsys, "predict", model, data, "--out", out_file)
        assert_clean_failure(code, out, err, *words)
        assert files(tmp_path) == sorted(before + ["new.csv"])
        data.unlink()


def test_missing_files_exit_2(trained, tmp_path, capsys):
    _, _, data, model, _ = trained
    before = files(tmp_path)
    for argv, words in [
            (["fit", tmp_path / "none.csv", "--target", "status", "--out",
              tmp_path / "m2.json"], ["none.csv", "No such file"]),
            (["fit", data, "--target", "nope", "--out", tmp_path / "m2.json"],
             ["no column 'nope'", "'age', 'bmi', 'dose', 'status'"]),
            (["predict", tmp_path / "none.json", data], ["none.json", "No such file"]),
            (["predict", model, tmp_path / "none.csv"], ["none.csv", "No such file"]),
            (["info", tmp_path / "none.json"], ["none.json"]),
            (["fit", tmp_path, "--target", "status", "--out", tmp_path / "m2.json"],
             ["Is a directory"]),
            (["fit", data, "--target", "status", "--out",
              tmp_path / "no" / "dir" / "m.json"], ["cannot write", "does not exist"]),
            (["predict", model, data, "--out", tmp_path / "no" / "p.csv"],
             ["cannot write", "No such file"])]:
        code, out, err = run(capsys, *argv)
        assert_clean_failure(code, out, err, *words)
        assert files(tmp_path) == before


def test_model_file_that_fails_validation_exits_2(trained, tmp_path, capsys):
    _, _, data, model, _ = trained
    with open(model, encoding="utf-8") as f:
        text = f.read()
    doc = json.loads(text)
    doc["coef"]["values"] = doc["coef"]["values"][:-1]
    cases = {"garbage": "this is not json", "truncated": text[: len(text) // 2],
             "tampered": json.dumps(doc), "empty": ""}
    for name, content in cases.items():
        bad = tmp_path / f"{name}.json"
        bad.write_text(content)
        for argv in (["predict", bad, data], ["info", bad]):
            code, out, err = run(capsys, *argv)
            assert_clean_failure(code, out, err, "not a valid clogreg model")
            assert out == ""


def test_non_utf8_csv_exits_2(tmp_path, capsys):
    data = tmp_path / "latin1.csv"
    data.write_bytes("âge,status\n1,a\n2,b\n".encode("latin-1"))
    code, out, err = run(capsys, "fit", data, "--target", "status", "--out",
                         tmp_path / "m.json")
    assert_clean_failure(code, out, err, "not UTF-8")


@pytest.mark.parametrize("options, words", [
    (["--C", "-1"], ["C must be > 0"]),
    (["--C", "abc"], ["--C", "invalid float value"]),
    (["--penalty", "l3"], ["--penalty", "invalid choice"]),
    (["--penalty", "elasticnet"], ["l1_ratio"]),
    (["--penalty", "elasticnet", "--l1-ratio", "2"], ["l1_ratio must be <= 1"]),
    (["--max-iter", "0"], ["--max-iter", "must be >= 1"]),
    (["--tol", "-1"], ["tol must be >= 0"]),
    (["--quiet", "--verbose"], ["not allowed with"]),
    ([], ["--target"]),
])
def test_bad_options_exit_2(options, words, tmp_path, capsys):
    X, y = make_data(50)
    data = train_csv(tmp_path, X, y)
    target = [] if options == [] else ["--target", "status"]
    code, out, err = run(capsys, "fit", data, *target, "--out",
                         tmp_path / "m.json", *options)
    assert_clean_failure(code, out, err, *words)
    assert files(tmp_path) == ["train.csv"]


def test_a_failed_fit_leaves_an_existing_model_untouched(trained, tmp_path, capsys):
    _, _, _, model, _ = trained
    with open(model, "rb") as f:
        before = f.read()
    bad = tmp_path / "bad.csv"
    bad.write_text("age,bmi,dose,status\n1,2,3,a\n4,5,oops,b\n")
    code, out, err = run(capsys, "fit", bad, "--target", "status", "--out", model)
    assert_clean_failure(code, out, err, "'oops'")
    with open(model, "rb") as f:
        assert f.read() == before


def test_a_failed_write_leaves_nothing_behind(trained, tmp_path, capsys, monkeypatch):
    _, _, data, model, _ = trained
    target = tmp_path / "pred.csv"
    target.write_text("old predictions\n")
    before = files(tmp_path)

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, out, err = run(capsys, "predict", model, data, "--out", target)
    assert_clean_failure(code, out, err, "No space left on device")
    assert files(tmp_path) == before                 # no temporary file left
    assert target.read_text() == "old predictions\n"


def test_real_process_failures_have_no_traceback(tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,y\n1,2,u\n3,v\n")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{")
    for argv in (["fit", str(bad), "--target", "y", "--out", str(tmp_path / "m")],
                 ["info", str(garbage)],
                 ["predict", str(tmp_path / "missing.json"), str(bad)]):
        proc = subprocess.run([sys.executable, "-m", "clogreg", *argv],
                              capture_output=True, text=True, timeout=60, cwd="/")
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert files(tmp_path) == ["garbage.json", "ragged.csv"]


# ------------------------------------------------------------ demo and script
def test_demo_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    target = tmp_path / "boundary.png"
    code, out, err = run(capsys, "demo", "--plot", target)
    assert code == 0, err
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert f"saved to {target}" in out
    assert files(tmp_path) == ["boundary.png"]
    code, out, err = run(capsys, "demo", "--plot", tmp_path / "b.xyz")
    assert_clean_failure(code, out, err, "cannot save a plot as .xyz")


def test_demo_plot_without_matplotlib_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err = run(capsys, "demo", "--plot", tmp_path / "b.png")
    assert code == 1
    assert err.count("\n") == 1 and "pip install clogreg[plot]" in err
    assert out == "" and files(tmp_path) == []


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "clogreg")
    proc = subprocess.run([script, "--version"], capture_output=True, text=True,
                          timeout=60, cwd="/")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"clogreg {clogreg.__version__}"
    proc = subprocess.run([script, "fit", "--help"], capture_output=True, text=True,
                          timeout=60, cwd="/")
    assert proc.returncode == 0 and "--target" in proc.stdout


# ------------------------------------------------------------- wide files
class CountedName(str):
    """A column name that counts every hash and comparison made on it."""

    operations = 0

    def __hash__(self):
        CountedName.operations += 1
        return str.__hash__(self)

    def __eq__(self, other):
        CountedName.operations += 1
        return str.__eq__(self, other)

    def __ne__(self, other):
        CountedName.operations += 1
        return str.__ne__(self, other)


@pytest.mark.parametrize("d", [1000, 4000])
def test_header_check_and_column_matching_are_linear(d):
    # Reference: an exact count of hashes and comparisons.  The old inline
    # loops compared each header name with all those before it and looked
    # each model name up in the header list: about d**2 / 2 comparisons
    # each (fit 15 s, predict 35 s at 40k columns).
    header = [CountedName(f"c{j}") for j in range(d)] + [CountedName("c7")]
    CountedName.operations = 0
    assert _cli.first_repeat(header) == ("c7", 7, d)
    assert CountedName.operations <= 2 * d + 2      # one hash each, one ==
    assert _cli.first_repeat(header[:d]) is None

    columns = [CountedName(f"c{j}") for j in range(d)]
    names = [CountedName(f"c{j}") for j in reversed(range(d))] + [CountedName("zz")]
    CountedName.operations = 0
    positions, missing = _cli.column_positions(columns, names)
    assert positions == [*reversed(range(d)), None] and missing == ["zz"]
    assert CountedName.operations <= 4 * d          # hash each, == on hits


def test_wide_csv_goes_through_the_linear_helpers(tmp_path, capsys, monkeypatch):
    # The commands use the counted helpers above (and give the Python
    # API's predictions on a file with its columns reversed).
    d = 300
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, d))
    y = np.where(X[:, 0] + X[:, 1] > 0, "a", "b")
    names = [f"x{j}" for j in range(d)]
    data = write_csv(tmp_path / "wide.csv", names + ["y"],
                     [[*map(repr, row.tolist()), label]
                      for row, label in zip(X, y, strict=True)])
    # (the header check lives in clogreg._csv, the CSV reader)
    calls = []
    for module, helper in ((_csv, "first_repeat"), (_cli, "column_positions")):
        real = getattr(module, helper)
        monkeypatch.setattr(module, helper, lambda *a, _real=real, _name=helper:
                            calls.append(_name) or _real(*a))
    model = tmp_path / "wide.json"
    code, _, err = run(capsys, "fit", data, "--target", "y", "--out", model)
    assert code == 0, err
    reversed_data = write_csv(tmp_path / "rev.csv", names[::-1],
                              [[repr(v) for v in row[::-1].tolist()] for row in X])
    code, out, err = run(capsys, "predict", model, reversed_data)
    assert code == 0, err
    assert calls == ["first_repeat", "first_repeat", "column_positions"]
    expected = LogisticRegression().fit(X, y).predict(X)
    assert [r[0] for r in read_predictions(out)[1]] == expected.tolist()


def test_long_lists_of_columns_are_capped_in_messages(trained, tmp_path, capsys):
    # Reference: the first 10 names, in file order, then how many more.
    _, _, _, model, _ = trained
    wide = write_csv(tmp_path / "w.csv", [f"c{j}" for j in range(25)],
                     [list(range(25))])
    code, out, err = run(capsys, "fit", wide, "--target", "nope", "--out",
                         tmp_path / "m.json")
    shown = ", ".join(f"'c{j}'" for j in range(10))
    assert_clean_failure(code, out, err, f"its columns are {shown} and 15 more")
    code, out, err = run(capsys, "predict", model, wide)
    assert_clean_failure(code, out, err,
                         "lacks the column(s) 'age', 'bmi', 'dose' that the model")


def test_an_unwritable_out_is_refused_before_the_fit(capsys, tmp_path):
    # reference: the file system (a missing directory, a read-only one, a
    # directory as --out); no fit runs, so no progress or summary appears
    X, y = make_data()
    data = train_csv(tmp_path, X, y)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cases = [(tmp_path / "missing" / "m.json", "does not exist"),
             (tmp_path, "it is a directory")]
    if not os.access(locked, os.W_OK):      # root ignores the mode bits
        cases.append((locked / "m.json", "is not writable"))
    try:
        for out_path, phrase in cases:
            code, out, err = run(capsys, "fit", data, "--target", "status",
                                 "--out", out_path, "--verbose")
            assert code == 2 and out == ""
            assert err.strip().splitlines() == [err.strip()]
            assert "--out" in err and phrase in err
            assert "iter" not in err
    finally:
        locked.chmod(0o700)


def test_fit_help_states_the_defaults(capsys):
    # reference: the parser's own defaults
    assert main(["fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("(default l2)", "(default auto: lbfgs)", "(default 100)",
                   "(default 1e-4)", "(default 1.0; inf: none)"):
        assert phrase in text
