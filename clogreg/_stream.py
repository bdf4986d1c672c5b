"""``clogreg fit --cache``: a CSV file streamed once into a float64 ``.npy``
file, for a fit out of core on ``np.load(path, mmap_mode="r")``.

Design
------
* One pass, a chunk of about _CHUNK_CHARS bytes at a time, through the
  CSV reader of the command line (``clogreg._csv``): it parses each chunk
  in C into one reused block of rows, which is appended to the file.
  Memory is O(block) plus the labels, kept aside as one int32 code per
  row (the target may hold any labels), so the numbers, the labels and
  the messages are those of ``clogreg fit`` without ``--cache``.
* The row count is only known at the end, so the ``.npy`` header is
  written first for 0 rows and rewritten in place for n rows: numpy pads
  the header so that the length of the first axis can grow to 21 digits
  without changing its size (``np.lib.format.GROWTH_AXIS_MAX_DIGITS``).
* The file is written whole or not at all: into a temporary file beside
  the target, renamed over it once complete; any error, Ctrl-C included,
  removes the temporary file.
"""

import contextlib
import os
import tempfile

import numpy as np

from ._csv import CsvFile, InputError, target_and_features

# The bytes of CSV text parsed at a time: a block of float64 rows is at
# most about 4 times as large (a number takes 8 bytes and >= 2 characters).
_CHUNK_CHARS = 1 << 22


def csv_to_npy(path, target, dest, *, progress=None, delimiter=None):
    """Stream the CSV file ``path`` into the ``.npy`` file ``dest``.

    Parameters
    ----------
    path : str
        A CSV file with a header row, read as ``clogreg fit`` reads it.
    target : str
        The column of class labels; every other column is a feature.
    dest : str
        Where to write the features: a float64 array of shape (rows,
        features), in the order of the file's columns.
    progress : callable or None
        Called as ``progress(rows)`` after each chunk and as
        ``progress(rows, done=True)`` at the end.
    delimiter : str or None
        The field separator; None detects it from the header.

    Returns
    -------
    names : list of str
        The feature columns' names.
    labels : ndarray of shape (rows,)
        The target column (integers if every cell is one, else numbers if
        every cell is one, else strings).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "t.csv"), "w") as f:
    ...     _ = f.write("a,b,y\\n1,2,no\\n3,4,yes\\n")
    >>> names, y = csv_to_npy(os.path.join(d, "t.csv"), "y",
    ...                       os.path.join(d, "t.npy"))
    >>> names, y.tolist(), np.load(os.path.join(d, "t.npy")).tolist()
    (['a', 'b'], ['no', 'yes'], [[1.0, 2.0], [3.0, 4.0]])
    >>> import shutil; shutil.rmtree(d)
    """
    with open_csv(path, delimiter) as f:
        t, features = target_and_features(path, f.columns, target,
                                          delimiter=f.delimiter)
        y = write_npy(f, features, t, dest, progress=progress)
    return [f.columns[j] for j in features], y


def open_csv(path, delimiter=None):
    """``path`` opened for ``write_npy`` (a ``clogreg._csv.CsvFile`` reading
    _CHUNK_CHARS bytes at a time)."""
    return CsvFile(path, delimiter, chunk=_CHUNK_CHARS)


def write_npy(f, features, target, dest, *, progress=None, hint=None):
    """The columns ``features`` of the open CSV file ``f`` written to the
    ``.npy`` file ``dest``; returns the labels of the column ``target``.
    Any error leaves no file behind."""
    with _NpyWriter(dest, len(features)) as out:
        rows, y = f.stream(features, target, out.append, progress=progress,
                           hint=hint)
    if progress is not None:
        progress(rows, done=True)
    return y


class _NpyWriter:
    """A float64 ``.npy`` file of ``d`` columns written row block by row
    block into a temporary file beside ``dest``, renamed to ``dest`` when
    the ``with`` block ends without an error, removed when it does not."""

    def __init__(self, dest, d):
        self.dest = dest
        self.d = d
        self.rows = 0

    def _header(self, rows):
        return {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)),
                "fortran_order": False, "shape": (rows, self.d)}

    def __enter__(self):
        directory, name = os.path.split(os.path.abspath(self.dest))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part",
                                            dir=directory)
        except OSError as exc:
            raise InputError(f"cannot write the cache {self.dest}: "
                             f"{exc.strerror or exc}") from None
        self.file = os.fdopen(fd, "wb")
        np.lib.format.write_array_header_1_0(self.file, self._header(0))
        self.offset = self.file.tell()
        return self

    def append(self, block):
        self.file.write(memoryview(block).cast("B"))
        self.rows += block.shape[0]

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self.file.seek(0)
                np.lib.format.write_array_header_1_0(self.file,
                                                     self._header(self.rows))
                if self.file.tell() != self.offset:
                    raise RuntimeError("the .npy header changed size")
                self.file.close()
                os.replace(self.tmp, self.dest)
        except OSError as error:
            kind = type(error)
            raise InputError(f"cannot write the cache {self.dest}: "
                             f"{error.strerror or error}") from None
        finally:
            if kind is not None:
                self.file.close()
                with contextlib.suppress(OSError):
                    os.remove(self.tmp)
        return False
