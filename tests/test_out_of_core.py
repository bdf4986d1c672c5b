"""Out of core on one machine: fits on memmaps, ``clogreg fit --cache``, and
the README's ``partial_fit`` stream.

References: the file sizes (a fit on a memmapped X must grow the process's
anonymous memory, ``RssAnon`` in /proc/self/status, by a small fraction of
X; tracemalloc's peak bounds numpy's own temporaries the same way), the
in-memory fit of the same numbers (``np.load`` without mmap: the
coefficients must be bitwise equal), the same CLI command without
``--cache`` (same model, same printed lines but the timing), the exact line
numbers of bad input, and the README block's own printed expectations.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

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
