"""``clogreg fit --cache``: a CSV file streamed once into a float64 ``.npy``
file, for a fit out of core on ``np.load(path, mmap_mode="r")``.

Design
------
* One pass, a block of lines at a time (about _CHUNK_CHARS characters):
  numpy's C reader (``np.loadtxt``) parses a block, and the feature columns
  are appended to the file.  Memory is O(block) plus the labels, which are
  kept aside (as compact numpy strings until the end) because the target
  may hold any labels.
* The row count is only known at the end, so the ``.npy`` header is
  written first for 0 rows and rewritten in place for n rows: numpy pads
  the header so that the length of the first axis can grow to 21 digits
  without changing its size (``np.lib.format.GROWTH_AXIS_MAX_DIGITS``).
* The numbers, the labels, the messages and the model equal those of the
  csv-module reader (``clogreg._cli.read_csv``): numpy's float parser is
  correctly rounded, as is Python's; a block that numpy's reader refuses
  (a ragged row, a cell that is not a number, or one Python's ``float``
  reads but numpy's does not, such as ``1_000``) is read again by the csv
  module, which either reads it as ``read_csv`` would or raises its error,
  naming the row and the line.  One difference: a row is one line (a
  quoted field must not hold a line break).
* The file is written whole or not at all: into a temporary file beside
  the target, renamed over it once complete; any error, Ctrl-C included,
  removes the temporary file.
"""

import contextlib
import csv
import math
import os
import tempfile

import numpy as np

from ._cli import (
    InputError,
    Table,
    open_csv,
    ragged_row,
    read_header,
    target_and_features,
)

# The characters of CSV text parsed at a time: a block of float64 rows is
# at most about as large (a number takes 8 bytes and >= 2 characters).
_CHUNK_CHARS = 1 << 23


def csv_to_npy(path, target, dest, *, progress=None):
    """Stream the CSV file ``path`` into the ``.npy`` file ``dest``.

    Parameters
    ----------
    path : str
        A CSV file with a header row, read as ``clogreg._cli.read_csv``
        reads it.
    target : str
        The column of class labels; every other column is a feature.
    dest : str
        Where to write the features: a float64 array of shape (rows,
        features), in the order of the file's columns.
    progress : callable or None
        Called as ``progress(rows)`` after each block and as
        ``progress(rows, done=True)`` at the end.

    Returns
    -------
    names : list of str
        The feature columns' names.
    labels : ndarray of shape (rows,)
        The target column, as ``Table.labels`` reads it (integers, else
        numbers, else strings).

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
    f = open_csv(path)
    with f:
        reader = csv.reader(f)
        try:
            columns = read_header(path, reader)
        except csv.Error as exc:
            raise InputError(f"{path}, line {reader.line_num}: not valid CSV "
                             f"({exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None
        t, features = target_and_features(path, columns, target)
        labels = _Labels(path, columns[t])
        with _NpyWriter(dest, len(features)) as out:
            line = reader.line_num
            for lines, numbers in _blocks(path, f, line):
                block, cells = _parse(path, columns, t, features, lines,
                                      numbers, out.rows)
                labels.add(cells, numbers, out.rows)
                out.append(block)
                if progress is not None:
                    progress(out.rows)
            if out.rows == 0:
                raise InputError(f"{path} has a header but no data rows")
            y = labels.values()     # its errors too leave no file behind
        if progress is not None:
            progress(out.rows, done=True)
    return [columns[j] for j in features], y


def _blocks(path, f, line):
    """The non-blank lines of ``f`` after line ``line``, in blocks of about
    _CHUNK_CHARS characters: ``(lines, line numbers)``.  A blank line is
    skipped, as the csv module skips an empty row."""
    lines, numbers, size = [], [], 0
    try:
        for text in f:
            line += 1
            if text in ("\n", "\r\n", "\r"):
                continue
            lines.append(text)
            numbers.append(line)
            size += len(text)
            if size >= _CHUNK_CHARS:
                yield lines, numbers
                lines, numbers, size = [], [], 0
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    if lines:
        yield lines, numbers


def _parse(path, columns, t, features, lines, numbers, first_row):
    """A block's features (float64, C order) and its target cells."""
    cells = []

    def keep(cell):     # the target column, as text: labels of any kind
        cells.append(cell)
        return 0.0

    try:
        # comments=None: a '#' is data, as for the csv module; every column
        # is read (no usecols) so that a ragged row is an error here too
        values = np.loadtxt(lines, delimiter=",", comments=None, quotechar='"',
                            converters={t: keep}, dtype=np.float64, ndmin=2)
    except ValueError:
        values = None
    if (values is None or values.shape != (len(lines), len(columns))
            or not np.isfinite(values).all()):
        return _parse_slowly(path, columns, t, features, lines, numbers,
                             first_row)
    return np.ascontiguousarray(values[:, features]), cells


def _parse_slowly(path, columns, t, features, lines, numbers, first_row):
    """A block read as ``read_csv`` reads it, with its errors."""
    rows = []
    for text, line in zip(lines, numbers, strict=True):
        try:
            row = next(csv.reader([text]))
        except csv.Error as exc:
            raise InputError(f"{path}, line {line}: not valid CSV "
                             f"({exc})") from None
        if len(row) != len(columns):
            raise ragged_row(path, first_row + len(rows) + 1, line, len(row),
                             len(columns))
        rows.append(row)
    table = Table(path, columns, rows, numbers, first_row=first_row)
    return table.numbers(features), [row[t] for row in rows]


class _Labels:
    """The target column, block by block, read at the end as
    ``Table.labels`` reads a whole column: integers if every cell is one,
    else numbers if every cell is one, else strings."""

    def __init__(self, path, column):
        self.path = path
        self.column = column
        self.blocks = []            # the stripped cells, as numpy strings
        self.integers = self.numbers = True
        self.not_finite = None      # the first number that is not finite

    def where(self, row, line):
        return f"{self.path}: row {row + 1} (line {line}), column {self.column!r}"

    def add(self, cells, numbers, first_row):
        cells = [cell.strip() for cell in cells]
        for i, cell in enumerate(cells):
            if not cell:
                raise InputError(f"{self.where(first_row + i, numbers[i])} is "
                                 "empty; every row needs a label in the target "
                                 "column")
            if self.integers and not _is_int64(cell):
                self.integers = False
            if not self.integers and self.numbers:
                if not _parses(float, cell):
                    self.numbers = False
                elif self.not_finite is None and not math.isfinite(float(cell)):
                    self.not_finite = (self.where(first_row + i, numbers[i]),
                                       cell)
        self.blocks.append(np.array(cells, dtype=str))

    def values(self):
        if self.integers:
            parse, dtype = int, np.int64
        elif self.numbers:
            if self.not_finite is not None:
                where, cell = self.not_finite
                raise InputError(f"{where} holds {cell!r}, which is not a valid "
                                 "label")
            parse, dtype = float, np.float64
        else:
            return np.concatenate(self.blocks)
        n = sum(block.shape[0] for block in self.blocks)
        out = np.empty(n, dtype=dtype)
        start = 0
        for block in self.blocks:
            out[start:start + block.shape[0]] = [parse(c) for c in block.tolist()]
            start += block.shape[0]
        return out


def _is_int64(cell):
    """Whether ``int(cell)`` works and fits np.int64 (Table.labels's test)."""
    try:
        value = int(cell)
    except ValueError:
        return False
    return -2**63 <= value < 2**63


def _parses(parse, cell):
    try:
        parse(cell)
    except (ValueError, OverflowError):
        return False
    return True


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
