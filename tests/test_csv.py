"""The CSV reader (clogreg/_csv.py, its C loop src/_csvparse.pyx) and the
command-line options around it (--delimiter, --drop, --features, the
progress line, the wording of warnings).

References: ``np.loadtxt`` and ``pandas.read_csv`` on the same files,
Python's ``float`` cell by cell, the csv module's rows and line numbers,
the Python API fitted on the same numbers, the peak resident memory of a
child process (``VmHWM``) against the array's size, and a fake clock
for the progress interval.
"""

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import clogreg
from clogreg import LogisticRegression, _cli, _csv, _csvparse
from clogreg.__main__ import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read(path, features, target=None, **kwargs):
    chunk = kwargs.pop("chunk", None)
    with _csv.CsvFile(str(path), chunk=chunk, **kwargs) as f:
        return f.read(features, target)


def random_numbers(rng, n, d):
    """Numbers of many shapes: repr (17 digits), %.6g, integers, exponents,
    tiny and huge magnitudes, negative zero."""
    X = rng.standard_normal((n, d)) * 10.0 ** rng.integers(-8, 9, size=(n, d))
    X[rng.random((n, d)) < 0.05] = -0.0
    X[rng.random((n, d)) < 0.05] = 5e-324
    X[rng.random((n, d)) < 0.05] = 1.7e308
    X[:, 0] = np.round(X[:, 0])
    return X


def formatted(X, rng):
    styles = [repr, "{:.6g}".format, "{:.3e}".format, "{:.17g}".format,
              "{:+.4f}".format, "{:E}".format]
    return [[styles[rng.integers(len(styles))](float(v)) for v in row]
            for row in X]


# ----------------------------------------------------- numbers, bit for bit
@pytest.mark.parametrize("chunk", [None, 1, 7, 100, 4096])
def test_numbers_equal_loadtxt_and_float_bit_for_bit(tmp_path, chunk):
    rng = np.random.default_rng(chunk or 0)
    X = random_numbers(rng, 300, 6)
    cells = formatted(X, rng)
    path = tmp_path / "x.csv"
    path.write_text("a,b,c,d,e,f\n" + "".join(",".join(r) + "\n" for r in cells))
    values, labels = read(path, list(range(6)), chunk=chunk)
    assert labels is None
    reference = np.loadtxt(path, delimiter=",", skiprows=1)
    by_float = np.array([[float(c) for c in r] for r in cells])
    assert values.dtype == np.float64 and values.flags.c_contiguous
    assert values.shape == (300, 6)
    assert np.array_equal(values.view(np.uint64), reference.view(np.uint64))
    assert np.array_equal(values.view(np.uint64), by_float.view(np.uint64))


def test_columns_are_chosen_and_ordered(tmp_path):
    # Reference: np.loadtxt's usecols, in the order asked for.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 5))
    path = tmp_path / "x.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c,d,e", comments="",
               fmt="%.17g")
    values, _ = read(path, [4, 0, 2])
    assert np.array_equal(values, np.loadtxt(path, delimiter=",", skiprows=1,
                                             usecols=[4, 0, 2]))


def test_cells_of_every_spelling_read_as_pythons_float(tmp_path):
    # Reference: float(cell) after the csv module's unquoting; the odd ones
    # (underscores, blanks, quotes, long mantissas, subnormals) go through
    # the csv-module path, the others through the C loop.
    cells = ["1_5", " 4 ", '"3"', "+.5", "5.", "1E5", "-0", "0.000",
             "\t2.5\t", "123456789012345678901234567890", "4.9e-324",
             "2.2250738585072011e-308", "9007199254740993", "1e22", "1e23",
             "0.1", "-1.5e-10", "00012", "1e-400", "+0e+0", '"1e3"', "7" * 120,
             "0." + "0" * 30 + "1"]
    path = tmp_path / "odd.csv"
    path.write_text("x,y\n" + "".join(f"{c},{'ab'[i % 2]}\n"
                                      for i, c in enumerate(cells)))
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    expected = np.array([float(r[0]) for r in rows])
    for chunk in (None, 5):
        values, labels = read(path, [0], 1, chunk=chunk)
        assert np.array_equal(values[:, 0].view(np.uint64),
                              expected.view(np.uint64))
        assert labels.tolist() == [r[1] for r in rows]


def test_pandas_reads_the_same_table(tmp_path):
    # Reference: pandas.read_csv, on a file with
    # CRLF line ends, quoted cells, a BOM, blank lines and string labels.
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    X = rng.standard_normal((400, 3)) * [1.0, 1e3, 1e-3]
    labels = rng.choice(["yes", "no", "maybe, later"], 400)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(["u", "v", "w", "answer"])
    for row, label in zip(X.tolist(), labels, strict=True):
        writer.writerow([*row, label])
    text = buf.getvalue().replace("\r\n", "\r\n\r\n", 5)
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    # pandas < 3 parses floats exactly only when asked (3 deprecates asking)
    exact = ({"float_precision": "round_trip"}
             if int(pd.__version__.split(".")[0]) < 3 else {})
    reference = pd.read_csv(path, skip_blank_lines=True, encoding="utf-8-sig",
                            **exact)
    for chunk in (None, 33):
        values, y = read(path, [0, 1, 2], 3, chunk=chunk)
        assert np.array_equal(values, reference[["u", "v", "w"]].to_numpy())
        assert y.tolist() == reference["answer"].tolist()


def test_labels_of_every_kind(tmp_path):
    # Reference: the rule of the target column, applied by hand: integers
    # if every stripped cell is one, else numbers, else strings.
    cases = {"ints": (["1", " 2", "-3 ", "+4", "1_0"], [1, 2, -3, 4, 10], np.int64),
             "floats": (["1.0", "2", "1e3", "0.5", "-0"],
                        [1.0, 2.0, 1000.0, 0.5, -0.0], np.float64),
             "strings": (["b", " a ", "b", "é", "1"], ["b", "a", "b", "é", "1"],
                         np.str_),
             "huge ints": (["1", str(2**70), "3", "4", "5"],
                           [1.0, 2.0**70, 3.0, 4.0, 5.0], np.float64)}
    for name, (cells, expected, kind) in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("x,y\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells)),
                        encoding="utf-8")
        for chunk in (None, 6):
            _, y = read(path, [0], 1, chunk=chunk)
            assert np.issubdtype(y.dtype, kind), (name, y.dtype)
            assert y.tolist() == expected, name


def test_quoted_fields_with_line_breaks_keep_the_line_numbers(tmp_path, capsys):
    # Reference: the csv module's rows and line_num, for an error after a
    # quoted field that holds line breaks, wherever the chunks end.
    text = ('a,note,y\n1,"two\nlines",u\n\n2,"x ""q"" y",v\n3,"a\r\nb",u\n'
            '4,plain,v\n5,bad,u\n6,"",oops,v\n')
    path = tmp_path / "q.csv"
    path.write_bytes(text.encode())
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        lines = []
        for row in reader:
            if row:
                lines.append(reader.line_num)
    assert len(lines) == 6
    for chunk in (None, 1, 3, 8, 17):
        with pytest.raises(_csv.InputError) as info:
            read(path, [0], 2, chunk=chunk)
        assert str(info.value) == (f"{path}: row 6 (line {lines[5]}) has 4 "
                                   "fields, but the header has 3")
    path.write_bytes(text.rsplit("6,", 1)[0].encode())
    for chunk in (None, 1, 3, 8, 17):
        values, y = read(path, [0], 2, chunk=chunk)
        assert values[:, 0].tolist() == [1, 2, 3, 4, 5]
        assert y.tolist() == ["u", "v", "u", "v", "u"]


def test_every_chunk_size_gives_the_same_table(tmp_path):
    # Reference: the whole file parsed in one chunk, and the csv module.
    rng = np.random.default_rng(11)
    rows = []
    for i in range(60):
        label = rng.choice(['"quoted, label"', "plain", '"x ""y"""', "é"])
        rows.append(f"{rng.standard_normal():.9g},{i}_{i % 3},{label}")
    text = "p,q,y\r\n" + "\r\n".join(rows) + "\r\n\r\n"
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with open(path, newline="", encoding="utf-8") as f:
        expected_rows = [r for r in csv.reader(f) if r][1:]
    expected = np.array([[float(r[0]), float(r[1])] for r in expected_rows])
    for chunk in [None, *range(1, 40, 3)]:
        values, y = read(path, [0, 1], 2, chunk=chunk)
        assert np.array_equal(values, expected), chunk
        assert y.tolist() == [r[2] for r in expected_rows]


def test_old_mac_line_ends_are_read_record_by_record(tmp_path):
    # Reference: the csv module on the same bytes (lines ending in a lone
    # \r, which the C loop hands over, one record at a time).
    rng = np.random.default_rng(5)
    X = rng.standard_normal((3000, 2))
    text = "a,b,y\r" + "".join(f"{u!r},{v!r},{'pq'[i % 2]}\r"
                               for i, (u, v) in enumerate(X.tolist()))
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode())
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    for chunk in (None, 4096):
        values, y = read(path, [0, 1], 2, chunk=chunk)
        assert np.array_equal(values, X)
        assert y.tolist() == [r[2] for r in rows]


def test_c_loop_stops_at_what_it_does_not_accept():
    # Reference: the csv module's reading of each record; the C loop must
    # either agree or hand the record over (TROUBLE), never guess.
    kinds = np.array([0, 1], dtype=np.intp)
    done, trouble = _csvparse.DONE, _csvparse.TROUBLE
    for record, status in [(b"1,2\n", done), (b"1,2\r\n", done),
                           (b'"1","2"\n', done), (b"1,2\r3,4\n", trouble),
                           (b"1,2,3\n", trouble), (b"1\n", trouble),
                           (b'1,"2"x\n', trouble), (b'1,2"\n', trouble),
                           (b"1,nan\n", trouble), (b"1,1e999\n", trouble),
                           (b"1,0x10\n", trouble), (b"1,\n", trouble)]:
        out = np.zeros((4, 2))
        got = _csvparse.parse_records(record, 0, True, ord(","), kinds, out, 0,
                                      np.empty(0, np.int32), 0, 0, {}, [])
        assert got[0] == status, record
        if status == _csvparse.DONE:
            row = next(csv.reader(io.StringIO(record.decode(), newline="")))
            assert out[0].tolist() == [float(c) for c in row]
        else:
            assert got[1:3] == (0, 0)
    # a doubled quote in a quoted label is one quote, as for the csv module
    record = b'1,"2",x,"say ""hi"", ok"\n'
    labels, first = {}, []
    got = _csvparse.parse_records(
        record, 0, True, ord(","), np.array([0, 1, -1, _csvparse.LABEL],
                                            dtype=np.intp),
        np.zeros((1, 2)), 0, np.zeros(1, np.int32), 0, 0, labels, first)
    cell = next(csv.reader(io.StringIO(record.decode(), newline="")))[3]
    assert got[0] == _csvparse.DONE and list(labels) == [cell.encode()]
    out = np.zeros((1, 2))
    status, pos, rows, line = _csvparse.parse_records(
        b"1,2\n3,4\n5,", 0, False, ord(","), kinds, out, 0,
        np.empty(0, np.int32), 0, 0, {}, [])
    assert (status, pos, rows, line) == (_csvparse.FULL, 4, 1, 1)
    out = np.zeros((3, 2))
    status, pos, rows, line = _csvparse.parse_records(
        b"1,2\n3,4\n5,", 0, False, ord(","), kinds, out, 0,
        np.empty(0, np.int32), 0, 0, {}, [])
    assert (status, pos, rows, line) == (_csvparse.NEED_MORE, 8, 2, 2)


def test_module_examples_run():
    # Reference: the examples' own printed output (doctest).
    import doctest

    for module in (_csv, _cli):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------- peak memory
_PEAK = textwrap.dedent("""
    import json, sys
    import numpy as np
    from clogreg._csv import CsvFile

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    path, d = sys.argv[1], int(sys.argv[2])
    try:        # the peak (VmHWM) back to the current size, if allowed
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = status("VmRSS")
    with CsvFile(path) as f:
        X, y = f.read(list(range(d)), d)
    after = status("VmHWM")
    np.save(path + ".npy", X)
    print(json.dumps(dict(before=before, after=after, nbytes=X.nbytes,
                          positives=int(y.sum()))))
""")


def test_peak_memory_is_at_most_one_and_a_half_times_the_array(tmp_path):
    # Reference: the peak resident memory of a fresh process that only
    # reads the file (VmHWM after, less VmRSS before) against X.nbytes; the
    # numbers against np.loadtxt's.  (Not ru_maxrss: Linux carries the
    # parent's peak over into a child's across fork and exec.)
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs /proc/self/status (Linux)")
    rng = np.random.default_rng(0)
    n, d = 120_000, 30
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, n)
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write(",".join([f"x{j}" for j in range(d)] + ["y"]) + "\n")
        for i in range(0, n, 20_000):
            np.savetxt(f, np.c_[X[i:i + 20_000], y[i:i + 20_000]], delimiter=",",
                       fmt=["%.6g"] * d + ["%d"])
    proc = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(d)],
                          capture_output=True, text=True, timeout=300, cwd="/")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["nbytes"] == n * d * 8
    reference = np.loadtxt(path, delimiter=",", skiprows=1)
    assert np.array_equal(np.load(f"{path}.npy"), reference[:, :d])
    assert result["positives"] == int(y.sum())
    growth = result["after"] - result["before"]
    assert growth <= 1.5 * result["nbytes"], (growth / result["nbytes"], result)


# --------------------------------------------------------------- delimiters
def _fit_files(tmp_path, delimiter, name):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((120, 3)) * [10.0, 1.0, 0.1]
    y = np.where(X @ [0.1, 1.0, -5.0] + rng.logistic(size=120) > 0, "yes", "no")
    path = tmp_path / name
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(["a", "b", "c", "label"])
        writer.writerows([[*map(repr, row), lab]
                          for row, lab in zip(X.tolist(), y, strict=True)])
    return path, X, y


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_files_are_detected(delimiter, name, tmp_path, capsys):
    # Reference: np.loadtxt with the delimiter given, and the Python API
    # fitted on those numbers.
    path, X, y = _fit_files(tmp_path, delimiter, f"{name}.csv")
    values, _ = read(path, [0, 1, 2])
    assert np.array_equal(values, np.loadtxt(path, delimiter=delimiter,
                                             skiprows=1, usecols=[0, 1, 2]))
    model_path = tmp_path / "m.json"
    code, out, err = run(capsys, "fit", path, "--target", "label", "--out",
                         model_path)
    assert code == 0, err
    assert err == (f"clogreg: reading {path} as {name}-separated (the header "
                   "has no comma; --delimiter sets it)\n")
    reference = LogisticRegression().fit(X, y)
    assert np.array_equal(clogreg.load(model_path).coef_, reference.coef_)
    code, out, err = run(capsys, "predict", model_path, path, "--quiet")
    assert code == 0 and err == ""
    assert out.splitlines()[1:] == reference.predict(X).tolist()
    # given explicitly: no note
    flag = "tab" if delimiter == "\t" else delimiter
    code, out, err = run(capsys, "fit", path, "--target", "label", "--out",
                         model_path, "--delimiter", flag)
    assert code == 0 and err == ""


def test_a_wrong_delimiter_is_hinted_at(tmp_path, capsys):
    # Reference: the header's own text (a ';' inside the one column name).
    path, _, _ = _fit_files(tmp_path, ";", "s.csv")
    code, out, err = run(capsys, "fit", path, "--target", "label", "--out",
                         tmp_path / "m.json", "--delimiter", ",")
    assert code == 2 and out == ""
    assert err == (f"clogreg fit: error: {path} has no column 'label'; its "
                   "columns are 'a;b;c;label' (the header looks semicolon-"
                   "separated: try --delimiter ';')\n")
    code, out, err = run(capsys, "fit", path, "--target", "label", "--out",
                         tmp_path / "m.json", "--delimiter", "ab")
    assert code == 2 and "--delimiter must be one character" in err


def test_a_decimal_comma_is_named(tmp_path, capsys):
    # Reference: the cell as written.
    path = tmp_path / "eu.csv"
    path.write_text("a;b;y\n1;2;u\n3;4,5;v\n")
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                         tmp_path / "m.json", "--quiet")
    assert code == 2
    assert err == (f"clogreg fit: error: {path}: row 2 (line 3), column 'b' "
                   "holds '4,5', which is not a number; every feature column "
                   "must be numeric ('4,5' has a decimal comma; clogreg reads "
                   "numbers with a decimal point)\n")


# ----------------------------------------------------- --drop / --features
def _with_id(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((150, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=150) > 0).astype(int)
    path = tmp_path / "ids.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "a", "b", "c", "y"])
        writer.writerows([[f"p{i:03d}", *map(repr, row), lab]
                          for i, (row, lab) in enumerate(zip(X.tolist(), y,
                                                             strict=True))])
    return path, X, y


def test_an_id_column_fails_with_a_hint_and_drop_leaves_it_out(tmp_path, capsys):
    # Reference: the Python API fitted on the numeric columns.
    path, X, y = _with_id(tmp_path)
    model = tmp_path / "m.json"
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out", model)
    assert code == 2
    assert err == (f"clogreg fit: error: {path}: row 1 (line 2), column 'id' "
                   "holds 'p000', which is not a number; every feature column "
                   "must be numeric, or left out with --drop id\n")
    reference = LogisticRegression().fit(X, y)
    for options in (["--drop", "id"], ["--features", "a,b,c"],
                    ["--drop", "id", "--cache", tmp_path / "c.npy"]):
        code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                             model, *options)
        assert code == 0, err
        fitted = clogreg.load(model)
        assert fitted.feature_names_in_.tolist() == ["a", "b", "c"]
        np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=0,
                                   atol=1e-12)
        assert "3 features (a, b, c)" in out
    # predict ignores the id column: the model knows its features by name
    code, out, err = run(capsys, "predict", model, path)
    assert code == 0, err
    assert out.splitlines()[1:] == [str(v) for v in reference.predict(X)]


def test_features_pick_and_order_columns(tmp_path, capsys):
    # Reference: the Python API on the chosen columns, in the order given.
    path, X, y = _with_id(tmp_path)
    model = tmp_path / "m.json"
    code, _, err = run(capsys, "fit", path, "--target", "y", "--out", model,
                       "--features", "c, a")
    assert code == 0, err
    fitted = clogreg.load(model)
    assert fitted.feature_names_in_.tolist() == ["c", "a"]
    reference = LogisticRegression().fit(X[:, [2, 0]], y)
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=0, atol=1e-12)
    code, _, err = run(capsys, "fit", path, "--target", "y", "--out", model,
                       "--drop", "id,b", "--drop", "c")
    assert code == 0, err
    assert clogreg.load(model).feature_names_in_.tolist() == ["a"]


@pytest.mark.parametrize("options, message", [
    (["--drop", "nope"], "{path} has no column(s) 'nope' to --drop; its columns "
                         "are 'id', 'a', 'b', 'c', 'y'"),
    (["--features", "a,zz,b"], "{path} has no column(s) 'zz' to --features; its "
                               "columns are 'id', 'a', 'b', 'c', 'y'"),
    (["--drop", "y"], "--drop names the target 'y'; the target is never a feature"),
    (["--features", "a,y"], "--features names the target 'y'; the target is "
                            "never a feature"),
    (["--features", "a,b,a"], "--features names 'a' twice"),
    (["--drop", "id,a,b,c"], "{path} has no feature columns besides the target "
                             "'y' and the --drop columns"),
    (["--drop", "id", "--features", "a"], "not allowed with"),
])
def test_bad_column_options_exit_2(options, message, tmp_path, capsys):
    path, _, _ = _with_id(tmp_path)
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                         tmp_path / "m.json", *options)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message.format(path=path) in err
    assert sorted(os.listdir(tmp_path)) == ["ids.csv"]


# ------------------------------------------------------------------ progress
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_rows_and_time_at_most_every_half_second(monkeypatch):
    # Reference: a fake clock that advances 0.2 s per reading: lines at
    # 0.6, 1.2, 1.8 s (the first reading >= 0.5 s after the last line).
    clock = iter(np.arange(0.0, 10.0, 0.2).tolist())
    monkeypatch.setattr(_cli.time, "perf_counter", lambda: next(clock))
    stream = _Terminal()
    progress = _cli._RowProgress(stream, "d.csv")       # t = 0
    for rows in range(1000, 10_001, 1000):              # t = 0.2 ... 2.0
        progress(rows)
    progress(10_000, done=True)                         # t = 2.2
    assert stream.getvalue().splitlines() == [
        "clogreg: read 3000 rows of d.csv  0.6 s",
        "clogreg: read 6000 rows of d.csv  1.2 s",
        "clogreg: read 9000 rows of d.csv  1.8 s",
        "clogreg: read 10000 rows of d.csv (done)  2.2 s"]


def test_fit_and_predict_show_reading_progress_on_a_terminal(tmp_path, monkeypatch):
    # Reference: the row count of the file; nothing when not a terminal.
    path, _, _ = _with_id(tmp_path)
    args = ["fit", str(path), "--target", "y", "--out", str(tmp_path / "m.json"),
            "--drop", "id"]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(args) == 0
    lines = terminal.getvalue().splitlines()
    assert lines[0].startswith(f"clogreg: read 150 rows of {path} (done)  ")
    assert lines[0].endswith(" s")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main(["predict", str(tmp_path / "m.json"), str(path)]) == 0
    assert terminal.getvalue().startswith(f"clogreg: read 150 rows of {path} (done)")
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    assert main(args) == 0 and plain.getvalue() == ""


# ------------------------------------------------------------------ warnings
def _slow_data(tmp_path):
    """Correlated columns with large offsets: solver 'gd' needs ~76
    iterations on them as they are, ~7 standardised."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 3))
    X = (np.c_[Z[:, 0], Z[:, 0] + 1e-4 * Z[:, 1], Z[:, 2]] * [1, 1e3, 1e-3]
         + [1e4, -3e5, 7])
    y = (Z[:, 0] + Z[:, 1] + rng.logistic(size=300) > 0).astype(int)
    path = tmp_path / "slow.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "y"])
        writer.writerows([[*map(repr, row), lab]
                          for row, lab in zip(X.tolist(), y, strict=True)])
    return path, X, y


def test_warnings_are_said_once_in_cli_flags_and_suggest_standardize(tmp_path,
                                                                     capsys):
    # Reference: the Python API's fits: without standardize it stops at
    # max_iter (ConvergenceWarning), with it it converges in n_iter_.
    path, X, y = _slow_data(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticRegression(solver="gd", max_iter=30).fit(X, y)
    assert len(caught) == 1 and "max_iter=30" in str(caught[0].message)
    standardized = LogisticRegression(solver="gd", max_iter=30,
                                      standardize=True).fit(X, y)
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                         tmp_path / "m.json", "--solver", "gd", "--max-iter", "30")
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("clogreg: warning: the solver")
    assert "clogreg: warning: clogreg" not in err
    for python in ("max_iter", "tol=", "solver='", "standardize="):
        assert python not in err
    assert "reached --max-iter 30 before the gradient fell below --tol 0.0001" in err
    assert "increase --max-iter or loosen --tol" in err
    assert "--solver newton needs far fewer iterations" in err
    assert err.endswith(f"; with --standardize it converges in "
                        f"{standardized.n_iter_[0]} iterations\n")
    # with --standardize already, or when it would not help: no suggestion
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                         tmp_path / "m.json", "--solver", "gd", "--max-iter", "2",
                         "--standardize")
    assert code == 0 and err.count("clogreg: warning: ") == 1
    assert "--max-iter 2" in err and "with --standardize" not in err
    code, out, err = run(capsys, "fit", path, "--target", "y", "--out",
                         tmp_path / "m.json", "--solver", "gd", "--max-iter", "2")
    assert code == 0 and err.count("clogreg: warning: ") == 1
    assert "with --standardize" not in err


def test_cli_spelling_of_every_warning_of_the_estimator():
    # Reference: the estimator's own warning texts (the UserWarnings of
    # penalty conflicts and the separable-classes warning).
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    cases = [(dict(penalty=None, C=2.0), ["--penalty none", "--C 2.0"]),
             (dict(penalty="l2", l1_ratio=0.5), ["--l1-ratio 0.5"]),
             (dict(penalty=None), ["(finite --C)"])]
    for params, phrases in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            LogisticRegression(**params).fit(X, y)
        texts = [_cli.cli_spelling(w.message) for w in caught]
        assert texts and not any(t.startswith("clogreg:") for t in texts)
        joined = " ".join(texts)
        for phrase in phrases:
            assert phrase in joined, (phrase, texts)
        for python in ("l1_ratio=", "C=", "penalty=None"):
            assert python not in joined, texts


# ---------------------------------------------- random files, any chunking
_CELLS = ["0", "-0", "1", "2.5", "-1e-3", "1e22", "1e23", "6.02214076e23",
          "0.30000000000000004", "1_000", " 7 ", "+.5", "5.", "", "nan", "abc",
          "1e", '"', "12345678901234567890", "4.9e-324"]


@given(rows=st.lists(st.lists(st.sampled_from(_CELLS), min_size=1, max_size=3),
                     min_size=1, max_size=8),
       quote=st.lists(st.booleans(), min_size=24, max_size=24),
       crlf=st.booleans(), blank=st.integers(0, 8), chunk=st.integers(1, 64))
@settings(max_examples=150, deadline=None)
def test_random_files_read_as_the_csv_module_and_float_read_them(
        tmp_path_factory, rows, quote, crlf, blank, chunk):
    # Reference: csv.writer writes the file (quoting some cells), csv.reader
    # and float() read it back; the reader must give the same numbers, or
    # an InputError where they meet a ragged row or a cell that is not a
    # finite number.
    buf = io.StringIO()
    end = "\r\n" if crlf else "\n"
    width = len(rows[0])
    header = [f"c{j}" for j in range(width)] + ["y"]
    lines = [",".join(header)]
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row + [f"l{i % 2}"]):
            if quote[(i * 3 + j) % 24] or cell == '"':
                writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="")
                buf.seek(0)
                buf.truncate()
                writer.writerow([cell])
                cell = buf.getvalue()
            cells.append(cell)
        lines.append(",".join(cells))
    if blank:                   # a blank line somewhere, maybe first
        lines.insert(min(blank - 1, len(lines)), "")
    text = end.join(lines) + end
    path = tmp_path_factory.mktemp("random") / "r.csv"
    path.write_bytes(text.encode())
    with open(path, newline="") as f:
        parsed = [r for r in csv.reader(f) if r]
    header_read, body = parsed[0], parsed[1:]
    expected = None
    if all(len(r) == len(header_read) for r in body):
        try:
            expected = np.array([[float(c) for c in r[:-1]] for r in body])
            if not np.isfinite(expected).all():
                expected = None
        except ValueError:
            expected = None
    if expected is None or len(header_read) != width + 1 or not body:
        event("an InputError")
        with pytest.raises(_csv.InputError):
            read(path, list(range(width)), width, chunk=chunk)
        return
    event("a table")
    values, labels = read(path, list(range(width)), width, chunk=chunk)
    assert np.array_equal(values.view(np.uint64),
                          expected.reshape(len(body), width).view(np.uint64))
    assert labels.tolist() == [r[-1] for r in body]
