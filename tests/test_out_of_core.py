"""Out of core on one machine: fits on memmaps, ``clogreg fit --cache``, and
the ``partial_fit`` stream.

References: the file sizes (a fit on a memmapped X must grow the process's
anonymous memory, ``RssAnon`` in /proc/self/status, by a small fraction of
X; tracemalloc's peak bounds numpy's own temporaries the same way), the
in-memory fit of the same numbers (``np.load`` without mmap: the
coefficients must be bitwise equal), the same CLI command without
``--cache`` (same model, same printed lines but the timing), the exact line
numbers of bad input, and the docstring example's own printed output.
(The page docs/scaling.md, whose examples tests/test_docs.py runs, shows
the ``partial_fit`` stream.)
"""

import csv
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import clogreg
from clogreg.__main__ import main

# The measured fit runs in a fresh interpreter, so that nothing the test
# session allocated blurs RssAnon.  It writes X (about 300 MB) block by
# block with open_memmap, fits it through a memmap, then fits the same
# numbers loaded into memory: the reference.
_MEMMAP_FIT = textwrap.dedent("""
    import gc, json, sys, threading, time, tracemalloc
    import numpy as np
    from clogreg import LogisticRegression

    def rss_anon():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no RssAnon in /proc/self/status")

    class PeakAnon(threading.Thread):
        # the engine releases the GIL in its passes, so this thread samples
        # while X is read
        def __init__(self):
            super().__init__(daemon=True)
            self.peak, self.stop = rss_anon(), False
        def run(self):
            while not self.stop:
                self.peak = max(self.peak, rss_anon())
                time.sleep(0.005)

    case = json.loads(sys.argv[1])
    tmp, dtype, kind = case["tmp"], np.dtype(case["dtype"]), case["kind"]
    rng = np.random.default_rng(case["seed"])
    block = 50_000
    if kind in ("npy", "memmap"):
        n, d = (300 << 20) // (100 * dtype.itemsize), 100
        X = np.lib.format.open_memmap(f"{tmp}/X.npy", "w+", dtype, (n, d))
        for i in range(0, n, block):
            X[i:i + block] = rng.standard_normal((min(block, n - i), d), dtype)
        X.flush()
        offset = X.offset
        del X
        def open_X(mmap):
            if not mmap:
                return np.load(f"{tmp}/X.npy")
            if kind == "npy":
                return np.load(f"{tmp}/X.npy", mmap_mode="r")
            return np.memmap(f"{tmp}/X.npy", dtype, "r", offset, (n, d))
    else:
        import scipy.sparse as sp
        # 20 stored entries per row, one in each band of 10 columns: sorted
        # and unique; "csr-unsorted" stores each row's entries reversed.
        d, per_row = 200, 20
        n = (300 << 20) // (per_row * (dtype.itemsize + 4))
        parts = {name: np.lib.format.open_memmap(
                     f"{tmp}/{name}.npy", "w+", t, (size,))
                 for name, t, size in (("data", dtype, n * per_row),
                                       ("indices", np.int32, n * per_row),
                                       ("indptr", np.int32, n + 1))}
        parts["indptr"][:] = np.arange(n + 1, dtype=np.int32) * per_row
        for i in range(0, n, block):
            m = min(block, n - i)
            cols = (np.arange(per_row) * 10 + rng.integers(0, 10, (m, per_row)))
            vals = rng.standard_normal((m, per_row), dtype)
            if kind == "csr-unsorted":
                cols, vals = cols[:, ::-1], vals[:, ::-1]
            s = slice(i * per_row, (i + m) * per_row)
            parts["indices"][s] = cols.ravel()
            parts["data"][s] = vals.ravel()
        for a in parts.values():
            a.flush()
        del parts, a
        def open_X(mmap):
            load = {name: np.load(f"{tmp}/{name}.npy",
                                  mmap_mode="r" if mmap else None)
                    for name in ("data", "indices", "indptr")}
            return sp.csr_matrix((load["data"], load["indices"], load["indptr"]),
                                 shape=(n, d))
    X = open_X(mmap=True)
    nbytes = (X.nbytes if kind in ("npy", "memmap") else
              X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
    w = np.zeros(d, dtype)     # X's dtype: a float64 w would upcast X
    w[:3] = [1.0, -0.5, 0.25]
    y = (X @ w + rng.logistic(size=n) > 0).astype(np.int64)
    params = dict(standardize=case["standardize"])
    gc.collect()
    before = rss_anon()
    sampler = PeakAnon()
    sampler.start()
    tracemalloc.start()
    model = LogisticRegression(**params).fit(X, y)
    numpy_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sampler.stop = True
    sampler.join()
    after = rss_anon()
    peak = max(sampler.peak, after)
    del X
    gc.collect()
    reference = LogisticRegression(**params).fit(open_X(mmap=False), y)
    print(json.dumps(dict(
        nbytes=nbytes, before=before, after=after, peak=peak,
        numpy_peak=numpy_peak, passes=model._n_passes,
        dtype=str(model.coef_.dtype),
        max_diff=float(np.abs(model.coef_ - reference.coef_).max()),
        equal=bool(np.array_equal(model.coef_, reference.coef_)
                   and np.array_equal(model.intercept_, reference.intercept_)))))
""")


def _fit_in_a_fresh_process(tmp_path, **case):
    case.setdefault("standardize", False)
    proc = subprocess.run(
        [sys.executable, "-c", _MEMMAP_FIT,
         json.dumps(dict(case, tmp=str(tmp_path), seed=0))],
        capture_output=True, text=True, timeout=300, cwd="/")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _assert_read_in_place(result, dtype):
    """The fit's anonymous memory, at its peak and after, is a small
    fraction of X's bytes (the file size); the model is the in-memory
    fit's, bit for bit."""
    limit = 0.15 * result["nbytes"]
    growth = result["peak"] - result["before"]
    assert result["nbytes"] > 290 << 20       # about 300 MiB
    assert growth < limit, (f"RssAnon grew by {growth / 2**20:.1f} MiB during "
                            f"the fit of a {result['nbytes'] / 2**20:.0f} MiB X")
    assert result["after"] - result["before"] < limit
    assert result["numpy_peak"] < limit, result
    assert result["dtype"] == dtype
    assert result["equal"], result["max_diff"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind, standardize", [("npy", False), ("memmap", True)],
                         ids=["np.load-mmap", "np.memmap-standardize"])
def test_dense_memmap_fit_reads_X_in_place(kind, standardize, dtype, tmp_path):
    result = _fit_in_a_fresh_process(tmp_path, kind=kind, dtype=dtype,
                                     standardize=standardize)
    _assert_read_in_place(result, dtype)


@pytest.mark.parametrize("kind, dtype, standardize", [
    ("csr", "float64", True),
    # Unsorted rows were once searched for repeated columns in a full copy
    # of X (RssAnon peak +286 MiB on 286 MiB of parts): now block by block.
    ("csr-unsorted", "float64", False),
    ("csr-unsorted", "float32", True),
])
def test_csr_with_memmapped_parts_is_read_in_place(kind, dtype, standardize,
                                                   tmp_path):
    result = _fit_in_a_fresh_process(tmp_path, kind=kind, dtype=dtype,
                                     standardize=standardize)
    _assert_read_in_place(result, dtype)


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 18])
def test_repeated_columns_are_found_across_blocks(block, monkeypatch):
    """The block-by-block search for a repeated column in unsorted rows
    agrees with scipy's ``sum_duplicates`` (the reference: a repeat exists
    iff it lowers nnz), wherever the repeat falls relative to the blocks,
    including rows longer than a block and empty rows."""
    import scipy.sparse as sp

    from clogreg import _validation

    monkeypatch.setattr(_validation, "_REPEAT_BLOCK", block)
    rng = np.random.default_rng(block)
    lengths = [0, 5, 1, 0, 3, 9, 2, 0]
    repeats = 0
    for trial in range(40):
        indptr = np.concatenate([[0], np.cumsum(rng.permutation(lengths))])
        indices = np.concatenate(
            [rng.permutation(12)[:k] for k in np.diff(indptr)])   # no repeats
        if trial % 2:
            i = rng.integers(indices.size)
            row = np.searchsorted(indptr, i, side="right") - 1
            lo, hi = indptr[row], indptr[row + 1]
            if hi - lo > 1:
                indices[lo + (i - lo + 1) % (hi - lo)] = indices[i]
        X = sp.csr_matrix((rng.standard_normal(indices.size), indices, indptr),
                          shape=(len(lengths), 12))
        summed = X.copy()
        summed.sum_duplicates()
        repeats += summed.nnz != X.nnz
        assert _validation._repeats_a_column(X) == (summed.nnz != X.nnz)
        checked = _validation.check_sparse(X)
        np.testing.assert_array_equal(checked.toarray(), X.toarray())
        if summed.nnz == X.nnz:
            assert checked is X          # unsorted without repeats: no copy
    assert 10 <= repeats <= 20       # both cases were exercised


# ----------------------------------------------------- clogreg fit --cache
def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _training_csv(tmp_path, labels="strings", n=300, seed=0):
    """A CSV of 3 features and a target; labels 'strings', 'integers',
    'floats' (integer-valued, written 1.0) or 'three' (3 integer classes)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [10.0, 4.0, 1.0] + [50.0, 25.0, 0.0]
    score = (X - [50.0, 25.0, 0.0]) @ [0.15, -0.4, 0.8] + rng.logistic(size=n)
    if labels == "three":
        y = np.digitize(score, [-1.0, 1.0])
    elif labels == "strings":
        y = np.where(score > 0, "sick", "healthy")
    else:
        y = (score > 0).astype(int)
    cells = [f"{v:.1f}" for v in y] if labels == "floats" else [str(v) for v in y]
    data = _write_csv(tmp_path / "train.csv", ["age", "bmi", "dose", "status"],
                      [[*map(repr, row.tolist()), c]
                       for row, c in zip(X, cells, strict=True)])
    return data, X


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _without_timing(out):
    return [line for line in out.splitlines()
            if not line.startswith(("time:", "model:"))]


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of about 200 characters (a few rows each): every file of
    these tests is read in many blocks."""
    from clogreg import _stream

    monkeypatch.setattr(_stream, "_CHUNK_CHARS", 200)


@pytest.mark.parametrize("labels", ["strings", "integers", "floats", "three"])
@pytest.mark.parametrize("options", [[], ["--standardize", "--solver", "newton"]],
                         ids=["default", "standardize-newton"])
def test_cache_fit_equals_the_fit_without_cache(labels, options, tmp_path, capsys,
                                                small_blocks):
    # Reference: the same command without --cache (read by the csv module).
    data, X = _training_csv(tmp_path, labels)
    code, plain_out, err = _run(capsys, "fit", data, "--target", "status",
                                "--out", tmp_path / "plain.json", *options)
    assert code == 0, err
    cache = tmp_path / "cache.npy"
    code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                          tmp_path / "cached.json", "--cache", cache, *options)
    assert code == 0, err
    assert err == ""                                 # not a terminal
    assert _without_timing(out) == _without_timing(plain_out)
    assert out.splitlines()[-1] == f"model:     written to {tmp_path / 'cached.json'}"
    plain = clogreg.load(tmp_path / "plain.json")
    cached = clogreg.load(tmp_path / "cached.json")
    np.testing.assert_allclose(cached.coef_, plain.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cached.intercept_, plain.intercept_, rtol=0,
                               atol=1e-12)
    assert cached.classes_.tolist() == plain.classes_.tolist()
    assert cached.classes_.dtype == plain.classes_.dtype
    assert cached.feature_names_in_.tolist() == ["age", "bmi", "dose"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cached.json", "plain.json", "train.csv"]    # the cache is gone


def test_keep_cache_keeps_the_features_as_written(tmp_path, capsys, small_blocks):
    # Reference: the numbers written into the CSV (repr round-trips float64).
    data, X = _training_csv(tmp_path, n=123)
    cache = tmp_path / "sub" / "features.npy"
    cache.parent.mkdir()
    code, _, err = _run(capsys, "fit", data, "--target", "status", "--out",
                        tmp_path / "m.json", "--cache", cache, "--keep-cache")
    assert code == 0, err
    kept = np.load(cache)
    assert kept.dtype == np.float64 and kept.shape == (123, 3)
    assert np.array_equal(kept, X)
    assert os.path.getsize(cache) == 128 + X.nbytes  # header + rows, nothing else
    assert os.listdir(cache.parent) == ["features.npy"]


def test_cells_only_python_reads_take_the_csv_module_path(tmp_path, capsys,
                                                          small_blocks):
    # numpy's reader refuses '1_5' and an unquoted cell with a quote mark
    # in its middle; Python's float and the csv module read them: so must
    # --cache.  Reference: the fit without --cache.
    rows = [["1_5", "2", "a"], ['"3"', " 4 ", "b"], ["5", "6.5", " a "],
            ["0", "1e1", "b"], ["7", "-2", "a"], ["2", "3", "b"]] * 3
    data = tmp_path / "odd.csv"
    data.write_text("u,v,y\n" + "".join(",".join(r) + "\n" for r in rows))
    code, plain_out, err = _run(capsys, "fit", data, "--target", "y", "--out",
                                tmp_path / "plain.json")
    assert code == 0, err
    code, out, err = _run(capsys, "fit", data, "--target", "y", "--out",
                          tmp_path / "cached.json", "--cache", tmp_path / "c.npy")
    assert code == 0, err
    assert _without_timing(out) == _without_timing(plain_out)
    assert np.array_equal(clogreg.load(tmp_path / "cached.json").coef_,
                          clogreg.load(tmp_path / "plain.json").coef_)


def _bad_csvs():
    good = "".join(f"{i},{i % 7},{'ab'[i % 2]}\n" for i in range(40))
    header = "age,bmi,status\n"
    return {
        # name: content; every problem but the header's sits after 40 rows
        "empty": "",
        "blank lines only": "\n\n",
        "header only": header,
        "header and blank lines": header + "\n\n",
        "non-numeric cell": header + good + "4,x7,b\n",
        "empty cell": header + good + "4,,b\n",
        "nan cell": header + good + "4,nan,b\n",
        "inf cell": header + good + "inf,1,b\n",
        "short row": header + good + "\n4,b\n",
        "long row": header + good + "4,5,b,9\n",
        "whitespace line": header + good + "  \n",
        "every row long": header + "".join(f"{i},1,a,9\n" for i in range(40)),
        "missing label": header + good + "4,5, \n",
        "nan label": "age,bmi,status\n" + "".join(f"{i},1,{i % 2}\n"
                                                  for i in range(40)) + "1,1,nan\n",
        "one class": header + "".join(f"{i},1,a\n" for i in range(40)),
        "continuous target": header + good.replace(",a\n", ",0.5\n")
                                          .replace(",b\n", ",1.5\n"),
        "repeated column": "age,age,status\n" + good,
        "unnamed column": "age,,status\n" + good,
        "no target": "age,bmi,label\n" + good,
        "no features": "status\na\nb\n",
        "bad quoting": header + good + '4,"5"x",b\n',
    }


_FIT_ERRORS = {"one class", "continuous target"}


@pytest.mark.parametrize("case", list(_bad_csvs()))
def test_bad_csv_gives_the_same_error_and_leaves_no_cache(case, tmp_path, capsys,
                                                          small_blocks):
    # Reference: the error line of the same command without --cache.
    data = tmp_path / "data.csv"
    data.write_text(_bad_csvs()[case])
    code, out, plain_err = _run(capsys, "fit", data, "--target", "status",
                                "--out", tmp_path / "m.json")
    assert code == 2 and out == "" and plain_err.count("\n") == 1, plain_err
    for keep in ([], ["--keep-cache"]):
        code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                              tmp_path / "m.json", "--cache", tmp_path / "c.npy",
                              *keep)
        assert (code, out, err) == (2, "", plain_err)
        # the file was fine, the fit failed: a complete cache may be kept
        kept = ["c.npy"] if keep and case in _FIT_ERRORS else []
        assert sorted(os.listdir(tmp_path)) == kept + ["data.csv"]
        if kept:
            os.remove(tmp_path / "c.npy")


def test_errors_name_the_line_of_a_later_block(tmp_path, capsys, small_blocks):
    # Reference: exact row and line numbers (2 blank lines before row 31).
    rows = "".join(f"{i},{i % 3},{'ab'[i % 2]}\n" for i in range(30))
    data = tmp_path / "data.csv"
    data.write_text("x,z,status\n" + rows + "\n\n" + "1,oops,a\n")
    code, _, err = _run(capsys, "fit", data, "--target", "status", "--out",
                        tmp_path / "m.json", "--cache", tmp_path / "c.npy")
    assert code == 2
    assert err == (f"clogreg fit: error: {data}: row 31 (line 34), column 'z' "
                   "holds 'oops', which is not a number; every feature column "
                   "must be numeric\n")


def test_ctrl_c_while_streaming_leaves_no_file(tmp_path, capsys, monkeypatch,
                                               small_blocks):
    # Reference: the directory listing before the command.  Ctrl-C comes
    # in the fifth call of the C parser (one per chunk of the file).
    from clogreg import _csvparse

    data, _ = _training_csv(tmp_path)
    (tmp_path / "c.npy").write_bytes(b"an older cache")
    real, calls = _csvparse.parse_records, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_csvparse, "parse_records", interrupted)
    code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                          tmp_path / "m.json", "--cache", tmp_path / "c.npy")
    assert (code, out, err) == (130, "", "clogreg fit: interrupted\n")
    assert len(calls) == 5
    assert sorted(os.listdir(tmp_path)) == ["c.npy", "train.csv"]
    assert (tmp_path / "c.npy").read_bytes() == b"an older cache"


def test_a_failed_rename_leaves_no_file(tmp_path, capsys, monkeypatch):
    data, _ = _training_csv(tmp_path)

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                          tmp_path / "m.json", "--cache", tmp_path / "c.npy")
    assert (code, out) == (2, "")
    assert err == (f"clogreg fit: error: cannot write the cache {tmp_path / 'c.npy'}"
                   ": No space left on device\n")
    assert os.listdir(tmp_path) == ["train.csv"]


def test_a_failed_fit_removes_the_cache_unless_kept(tmp_path, capsys):
    # One class: the CSV is fine, the fit fails (the csv path's message).
    data = tmp_path / "one.csv"
    data.write_text("a,status\n" + "".join(f"{i},x\n" for i in range(10)))
    for keep, left in (([], ["one.csv"]), (["--keep-cache"], ["c.npy", "one.csv"])):
        code, _, err = _run(capsys, "fit", data, "--target", "status", "--out",
                            tmp_path / "m.json", "--cache", tmp_path / "c.npy",
                            *keep)
        assert code == 2 and "1 class" in err
        assert sorted(os.listdir(tmp_path)) == left
    assert np.array_equal(np.load(tmp_path / "c.npy"),
                          np.arange(10.0).reshape(-1, 1))


@pytest.mark.parametrize("argv, words", [
    (["--keep-cache"], "--keep-cache needs --cache PATH"),
    (["--cache", "{data}"], "is also DATA.csv"),
    (["--cache", "{out}"], "is also --out"),
    (["--cache", "{tmp}/no/such/dir/c.npy"], "cannot write the cache"),
])
def test_bad_cache_options_exit_2_and_touch_nothing(argv, words, tmp_path, capsys):
    data, _ = _training_csv(tmp_path)
    with open(data, "rb") as f:
        before = f.read()
    out_model = tmp_path / "m.json"
    argv = [a.format(data=data, out=out_model, tmp=tmp_path) for a in argv]
    code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                          out_model, *argv)
    assert code == 2 and out == "" and words in err and err.count("\n") == 1
    assert os.listdir(tmp_path) == ["train.csv"]
    with open(data, "rb") as f:
        assert f.read() == before


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_counts_the_rows_on_a_terminal(tmp_path, capsys, monkeypatch,
                                                small_blocks):
    # Reference: the exact row count; a line per block when the interval
    # is 0; none with --quiet or when stderr is not a terminal.
    from clogreg import _cli

    data, _ = _training_csv(tmp_path, n=250)
    args = ["fit", data, "--target", "status", "--out", tmp_path / "m.json",
            "--cache", tmp_path / "c.npy"]
    monkeypatch.setattr(_cli, "_ROW_PROGRESS_SECONDS", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([str(a) for a in args]) == 0
    reads = [line for line in terminal.getvalue().splitlines()
             if line.startswith("clogreg: read ")]
    counts = [int(line.split()[2]) for line in reads]
    assert len(counts) > 10 and counts == sorted(counts) and counts[-1] == 250
    assert reads[-1].startswith(f"clogreg: read 250 rows of {data} (done)  ")
    assert reads[-1].endswith(" s") and counts[-2] == 250   # last block, done
    assert "objective" in terminal.getvalue()       # the fit's own progress
    for extra, stream in ((["--quiet"], _Terminal()), ([], io.StringIO())):
        monkeypatch.setattr(sys, "stderr", stream)
        assert main([str(a) for a in args + extra]) == 0
        assert stream.getvalue() == ""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert main([str(a) for a in args + ["--verbose"]]) == 0
    assert f"clogreg: read 250 rows of {data} (done)" in stream.getvalue()


# ------------------------------------------------------ docstring example
def test_stream_module_docstring_example_runs():
    # Reference: the example's own printed output (doctest).
    import doctest

    from clogreg import _stream

    result = doctest.testmod(_stream, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_the_fit_reads_the_cache_through_a_memmap_and_ctrl_c_removes_it(
        tmp_path, capsys, monkeypatch):
    # Reference: what the fit is handed (a read-only memmap of the cache
    # file, holding the CSV's numbers) and the directory listing after.
    from clogreg import _logistic

    data, X = _training_csv(tmp_path)
    cache = tmp_path / "c.npy"
    seen = {}

    def interrupted_fit(self, X_given, y, sample_weight=None):
        values = X_given.values
        seen.update(memmap=isinstance(values, np.memmap), mode=values.mode,
                    file=os.path.samefile(values.filename, cache),
                    equal=np.array_equal(values, X), names=X_given.columns)
        raise KeyboardInterrupt

    monkeypatch.setattr(_logistic.LogisticRegression, "fit", interrupted_fit)
    code, out, err = _run(capsys, "fit", data, "--target", "status", "--out",
                          tmp_path / "m.json", "--cache", cache)
    assert (code, out, err) == (130, "", "clogreg fit: interrupted\n")
    assert seen == dict(memmap=True, mode="r", file=True, equal=True,
                        names=["age", "bmi", "dose"])
    assert os.listdir(tmp_path) == ["train.csv"]
