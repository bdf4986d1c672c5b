"""The CSV reader of the command line: ``clogreg fit``, ``predict`` and the
out-of-core ``fit --cache`` (``clogreg._stream``) all read files with it.

Design
------
* A file is read in binary chunks of about _CHUNK_BYTES, and each chunk is
  parsed in C (``clogreg._csvparse``) straight into a preallocated float64
  array: no Python string per cell, no list of rows.  In memory, that array
  is sized from the first chunk's bytes per line and the file's size, then
  grown if need be and finally trimmed in place (``ndarray.resize``), so
  that the peak is the parsed array plus a few chunks.  Out of core, one
  block of rows is reused and written out after each chunk.
* The target column keeps labels of any kind: each row stores the code of
  its label's text in a dict of the labels seen, and the labels are read
  (integers if all are, else numbers if all are, else strings) once, from
  the distinct texts, at the end.
* The C loop handles the common case only.  A record it does not accept
  (odd quoting, a lone ``\\r``, a cell that is not a finite number in its
  syntax, a ragged row) is read again, alone, by the csv module and
  Python's ``float``: either as they read it (``1_000``, ``' 4 '``,
  ``'"3"x'``) or with the error that names the file, the row, the line and
  the column.  The numbers are ``float(cell)``'s, bit for bit, and the
  messages those of the csv-module reader this one replaces.
* The delimiter is detected from the header row when not given: a comma if
  the header has one, else a semicolon or a tab if it has those.
"""

from __future__ import annotations

import codecs
import csv
import math
import os
import re

import numpy as np

from . import _csvparse

# The bytes read and parsed at a time: a few of these are the reader's
# memory beyond the array (a block of rows out of core is at most about 4
# times as large: a number takes 8 bytes and >= 2 characters).
_CHUNK_BYTES = 1 << 20
_BOM = codecs.BOM_UTF8
_LINE_END = re.compile(rb"\r\n|\r|\n")
_SHOWN_COLUMNS = 10
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class InputError(ValueError):
    """Bad input whose message is ready to show as it is."""


class _NeedMore(Exception):
    """A record runs past the bytes read so far."""


def some_columns(names):
    """Up to _SHOWN_COLUMNS names for a message, then how many more."""
    shown = ", ".join(map(repr, names[:_SHOWN_COLUMNS]))
    if len(names) > _SHOWN_COLUMNS:
        shown += f" and {len(names) - _SHOWN_COLUMNS} more"
    return shown


def first_repeat(names):
    """``(name, i, j)`` for the first name that appears again, at index j
    after index i, or None.  One pass with a dict: linear in len(names)
    (a header can have a million columns)."""
    first_index = {}
    for j, name in enumerate(names):
        i = first_index.setdefault(name, j)
        if i != j:
            return name, i, j
    return None


def ragged_row(path, row, line, fields, columns):
    return InputError(f"{path}: row {row} (line {line}) has {fields} fields, "
                      f"but the header has {columns}")


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_header(path, header):
    """The stripped column names of a header row; an empty or repeated name
    is an InputError (the first problem from the left)."""
    columns = [name.strip() for name in header]
    unnamed = next((j for j, name in enumerate(columns) if not name),
                   len(columns))
    repeat = first_repeat(columns)
    if repeat is not None and repeat[2] < unnamed:
        name, i, j = repeat
        raise InputError(f"{path}: the header names column {name!r} "
                         f"twice (columns {i + 1} and {j + 1})")
    if unnamed < len(columns):
        raise InputError(f"{path}: column {unnamed + 1} of the header "
                         "has no name")
    return columns


class Table:
    """Rows of a CSV file as strings (the csv module's), with the messages
    for their cells."""

    def __init__(self, path, columns, rows, lines, first_row=0, hint=None):
        self.path = path
        self.columns = columns      # list of str
        self.rows = rows            # list of lists of str
        self.lines = lines          # the line number of each row, for messages
        self.first_row = first_row  # rows before these (a chunk of a file)
        self.hint = hint            # hint(row, column, cell) -> str

    def where(self, i, column):
        return (f"{self.path}: row {self.first_row + i + 1} (line "
                f"{self.lines[i]}), column {self.columns[column]!r}")

    def numbers(self, indices):
        """The columns ``indices`` as a float64 array of shape (n, k);
        a cell that is not a finite number is an InputError naming its row
        and column."""
        out = np.empty((len(self.rows), len(indices)))
        for k, j in enumerate(indices):
            for i, row in enumerate(self.rows):
                cell = row[j]
                try:
                    value = float(cell)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    what = ("is empty" if not cell.strip() else
                            f"holds {cell!r}, which is not "
                            + ("a finite number" if _is_float(cell)
                               else "a number"))
                    hint = ("" if self.hint is None else
                            self.hint(self.first_row + i, j, cell))
                    raise InputError(f"{self.where(i, j)} {what}; every "
                                     f"feature column must be numeric{hint}")
                out[i, k] = value
        return out


def detect_delimiter(line):
    """The delimiter of a header line (bytes): a comma if it has one, else
    the more frequent of ';' and tab if it has either, else a comma."""
    if b"," in line:
        return ","
    semicolons, tabs = line.count(b";"), line.count(b"\t")
    if semicolons == tabs == 0:
        return ","
    return ";" if semicolons >= tabs else "\t"


def delimiter_name(delimiter):
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


class CsvFile:
    """A CSV file opened for reading: its header read and checked, its
    delimiter known (given, or detected from the header).

    Parameters
    ----------
    path : str
        The file: UTF-8 text (a BOM is skipped), a header row, then data
        rows; blank lines are skipped.
    delimiter : str or None
        One character; None detects it (``detect_delimiter``).
    chunk : int or None
        Bytes parsed at a time (default _CHUNK_BYTES).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("id;a;b;y\\np1;1.5;2;no\\np2;3;-4e-1;yes\\n")
    >>> with CsvFile(path) as data:
    ...     X, y = data.read([1, 2], target=3)
    >>> data.columns, data.delimiter
    (['id', 'a', 'b', 'y'], ';')
    >>> X.tolist(), y.tolist()
    ([[1.5, 2.0], [3.0, -0.4]], ['no', 'yes'])
    >>> os.remove(path)
    """

    def __init__(self, path, delimiter=None, chunk=None):
        self.path = path
        self.chunk = int(chunk or _CHUNK_BYTES)
        try:
            self.file = open(path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            self.size = os.fstat(self.file.fileno()).st_size
            self._utf8 = codecs.getincrementaldecoder("utf-8")()
            self._pending = False
            self._eof = False
            self.buf = self._read()
            if self.buf.startswith(_BOM):
                self.buf = self.buf[len(_BOM):]
            self.detected = delimiter is None
            self.delimiter = (self._detect() if delimiter is None
                              else delimiter)
            self.columns = self._header()
        except BaseException:
            self.file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()
        return False

    # ------------------------------------------------------------ bytes in
    def _read(self):
        """The next chunk of bytes (b"" at the end), checked to be UTF-8."""
        if self._eof:
            return b""
        try:
            data = self.file.read(self.chunk)
        except OSError as exc:      # a directory, an I/O error
            raise InputError(f"cannot read {self.path}: "
                             f"{exc.strerror or exc}") from None
        self._eof = not data
        try:
            # ASCII needs no decoding (and most numeric CSV is ASCII);
            # a character cut by the chunk's end is completed by the next
            if self._pending or not data.isascii() or self._eof:
                self._utf8.decode(data, final=self._eof)
                self._pending = bool(self._utf8.getstate()[0])
        except UnicodeDecodeError:
            raise InputError(f"{self.path} is not UTF-8 text") from None
        return data

    def _more(self, pos):
        """The unread bytes from ``pos`` on, with the next chunk appended;
        False at the end of the file."""
        data = self._read()
        self.consumed += pos
        self.buf = self.buf[pos:] + data
        return bool(data)

    def _detect(self):
        self.consumed = 0
        while True:
            text = self.buf.lstrip(b"\r\n")
            end = text.find(b"\n")
            if end >= 0 or self._eof:
                return detect_delimiter(text[:end] if end >= 0 else text)
            if not self._more(0):
                return detect_delimiter(self.buf.lstrip(b"\r\n"))

    def _header(self):
        self.consumed, self.line, pos = 0, 0, 0
        header = None
        while header is None:
            try:
                header, pos, lines = self._slow_record(pos)
            except _NeedMore:
                self._more(pos)
                pos = 0
                continue
            self.line += lines
            if header is None and pos >= len(self.buf) and self._eof:
                raise InputError(f"{self.path} is empty: a header row and "
                                 "data rows are needed")
        self.pos = pos
        return check_header(self.path, header)

    def _slow_record(self, pos):
        """``(row, pos, lines)``: the record at ``self.buf[pos:]`` read by the
        csv module (None for a blank line), where the next one starts and
        the lines it took.  _NeedMore if it may go on past the buffer."""
        buf, eof = self.buf, self._eof
        taken = [pos]

        def lines():
            # one line at a time, ending at \n, \r\n or \r as in a file
            # opened with newline="" for the csv module
            p = pos
            while p < len(buf):
                m = _LINE_END.search(buf, p)
                if m is None or (m.end() == len(buf) and m.group() == b"\r"):
                    if not eof:         # the line (or its \r\n) goes on
                        raise _NeedMore
                    end = len(buf) if m is None else m.end()
                else:
                    end = m.end()
                try:
                    text = buf[p:end].decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(f"{self.path} is not UTF-8 text") from None
                taken[0] = end
                yield text
                p = end
            if not eof:
                raise _NeedMore

        reader = csv.reader(lines(), delimiter=self.delimiter)
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"{self.path}, line {self.line + reader.line_num}: "
                             f"not valid CSV ({exc})") from None
        if row is None:                 # the end of the file
            return None, len(buf), 0
        return (row or None), taken[0], reader.line_num

    # ------------------------------------------------------------- records
    def read(self, features, target=None, *, progress=None, hint=None):
        """The columns ``features`` as a float64 array of shape (rows,
        len(features)), and the column ``target`` as labels (None without
        a target).

        Parameters
        ----------
        features : list of int
            Column indices, in the order wanted.
        target : int or None
            The column of class labels: integers if every cell is one,
            else numbers if every cell is one, else strings.
        progress : callable or None
            Called as ``progress(rows)`` after each chunk.
        hint : callable or None
            ``hint(row, column, cell)`` -> text appended to the message
            for a cell that is not a number.
        """
        sink = _Growing(self, len(features))
        labels = self._run(features, target, sink, progress, hint)
        return sink.values(), labels

    def stream(self, features, target, write, *, progress=None, hint=None):
        """As ``read``, but the rows go to ``write(block)`` a block (a
        float64 C array) at a time; returns the number of rows and the
        labels."""
        sink = _Blocks(self, len(features), write)
        labels = self._run(features, target, sink, progress, hint)
        return sink.rows, labels

    def _run(self, features, target, sink, progress, hint):
        ncols = len(self.columns)
        kinds = np.full(ncols, _csvparse.SKIP, dtype=np.intp)
        kinds[list(features)] = np.arange(len(features))
        if target is not None:
            kinds[target] = _csvparse.LABEL
            labels = _Labels(self.path, self.columns[target])
        else:
            labels = _Labels(self.path, None, capacity=0)
        delimiter = ord(self.delimiter)
        rows, pos = 0, self.pos
        while True:
            status, pos, done, self.line = _csvparse.parse_records(
                self.buf, pos, self._eof, delimiter, kinds, sink.out, sink.row,
                labels.codes, rows, self.line, labels.index, labels.first)
            rows += done
            sink.row += done
            if status == _csvparse.FULL or status == _csvparse.TROUBLE:
                if sink.row >= sink.out.shape[0]:
                    sink.make_room()
                if target is not None and rows >= labels.codes.shape[0]:
                    labels.grow()
                if status == _csvparse.TROUBLE:
                    try:
                        pos, added = self._slow_row(pos, rows, features, target,
                                                    sink, labels, hint)
                    except _NeedMore:
                        self._more(pos)
                        pos = 0
                        continue
                    rows += added
                continue
            # DONE or NEED_MORE: the chunk is read
            sink.chunk_done(rows, self.consumed + pos)
            if progress is not None:
                progress(rows)
            if self._eof and status == _csvparse.DONE:
                break
            self._more(pos)
            pos = 0
        if rows == 0:
            raise InputError(f"{self.path} has a header but no data rows")
        sink.finish(rows)
        return None if target is None else labels.values(rows)

    def _slow_row(self, pos, rows, features, target, sink, labels, hint):
        """Read the record at ``pos`` with the csv module into the sink's
        next row: ``(where the next record starts, rows added)``."""
        row, end, lines = self._slow_record(pos)
        line = self.line + lines
        if row is not None:
            if len(row) != len(self.columns):
                raise ragged_row(self.path, rows + 1, line, len(row),
                                 len(self.columns))
            table = Table(self.path, self.columns, [row], [line],
                          first_row=rows, hint=hint)
            sink.out[sink.row] = table.numbers(features)[0]
            if target is not None:
                labels.add(row[target].encode("utf-8"), rows, line)
            sink.row += 1
        self.line = line
        return end, int(row is not None)


class _Growing:
    """The rows in memory: one float64 array, sized from the first chunk's
    bytes per row and the file's size, grown in place when full."""

    def __init__(self, f, k):
        self.k = k
        # The rows the file's size suggests at the first chunk's bytes per
        # line, and 2% more, allocated at once: growing the array later
        # may copy it (realloc), which would briefly need it twice.
        sample = f.buf[f.pos:]
        rest = f.size - f.consumed - f.pos
        if f.size and sample and rest > len(sample):
            rows = int(max(sample.count(b"\n"), 1) * rest / len(sample) * 1.02) + 64
        else:                   # all of it read, or a pipe: a bound
            rows = len(sample) // (2 * len(f.columns)) + 16
        self.out = np.empty((rows, k))
        self.row = 0

    def _resize(self, n):
        # refcheck=False: no view of the array exists while it is read;
        # realloc keeps the rows, and remaps rather than copies large blocks
        self.out.resize((max(n, 1), self.k), refcheck=False)

    def make_room(self):
        self._resize(int(self.out.shape[0] * 1.25) + 1024)

    def chunk_done(self, rows, offset):
        pass

    def finish(self, rows):
        if rows != self.out.shape[0]:
            self._resize(rows)

    def values(self):
        return self.out


class _Blocks:
    """The rows out of core: one block of rows, handed to ``write`` after
    each chunk and whenever it is full."""

    def __init__(self, f, k, write):
        self.out = np.empty((f.chunk // (2 * len(f.columns)) + 16, k))
        self.write = write
        self.row = 0
        self.rows = 0

    def _flush(self):
        if self.row:
            self.write(self.out[:self.row])
            self.rows += self.row
            self.row = 0

    def make_room(self):
        self._flush()

    def chunk_done(self, rows, offset):
        self._flush()

    def finish(self, rows):
        self._flush()


class _Labels:
    """The target column: a code per row, and the distinct texts (with the
    row and line of their first occurrence) read as labels at the end, as
    a whole column would be: integers if every cell is one, else numbers if
    every cell is one, else strings (each stripped)."""

    def __init__(self, path, column, capacity=1024):
        self.path = path
        self.column = column
        self.index = {}             # text (bytes) -> code
        self.first = []             # code -> (row, line) of its first use
        self.codes = np.empty(capacity, dtype=np.int32)

    def grow(self):
        self.codes.resize(int(self.codes.shape[0] * 1.5) + 1024, refcheck=False)

    def add(self, text, row, line):
        code = self.index.get(text)
        if code is None:
            code = self.index[text] = len(self.first)
            self.first.append((row, line))
        self.codes[row] = code

    def where(self, code):
        row, line = self.first[code]
        return f"{self.path}: row {row + 1} (line {line}), column {self.column!r}"

    def values(self, rows):
        codes = self.codes[:rows]
        # the texts in order of first occurrence, so that the first bad
        # one found is the first in the file
        texts = [text.decode("utf-8").strip() for text in self.index]
        for code, text in enumerate(texts):
            if not text:
                raise InputError(f"{self.where(code)} is empty; every row "
                                 "needs a label in the target column")
        for parse, dtype in ((int, np.int64), (float, np.float64)):
            try:
                values = np.array([parse(t) for t in texts], dtype=dtype)
            except (ValueError, OverflowError):
                continue
            if dtype == np.float64 and not np.isfinite(values).all():
                code = int(np.flatnonzero(~np.isfinite(values))[0])
                raise InputError(f"{self.where(code)} holds {texts[code]!r}, "
                                 "which is not a valid label")
            return values[codes]
        return np.array(texts, dtype=str)[codes]


# ------------------------------------------------------- choosing columns
def delimiter_hint(columns, delimiter):
    """'' or a hint that the header looks separated by another delimiter
    (one of its names holds a ';', a tab or a comma)."""
    for other in (";", "\t", ","):
        if other != delimiter and any(other in name for name in columns):
            flag = "tab" if other == "\t" else other
            return (f" (the header looks {delimiter_name(other)}-separated: "
                    f"try --delimiter '{flag}')")
    return ""


def target_and_features(path, columns, target, features=None, drop=(),
                        delimiter=","):
    """The index of the column ``target`` and the indices of the features:
    the columns ``features`` (names) if given, else every other column but
    those in ``drop``.  A name the header lacks, a target among the
    features, or no feature at all is an InputError."""
    index = {name: j for j, name in enumerate(columns)}
    if target not in index:
        raise InputError(f"{path} has no column {target!r}; its columns "
                         f"are {some_columns(columns)}"
                         f"{delimiter_hint(columns, delimiter)}")
    t = index[target]
    for option, names in (("--features", features), ("--drop", drop)):
        names = list(names or ())
        missing = [name for name in names if name not in index]
        if missing:
            raise InputError(f"{path} has no column(s) {some_columns(missing)} "
                             f"to {option}; its columns are "
                             f"{some_columns(columns)}")
        if target in names:
            raise InputError(f"{option} names the target {target!r}; the "
                             "target is never a feature")
    if features:
        chosen = [index[name] for name in features]
        repeat = first_repeat(list(features))
        if repeat is not None:
            raise InputError(f"--features names {repeat[0]!r} twice")
    else:
        dropped = {index[name] for name in drop or ()}
        chosen = [j for j in range(len(columns)) if j != t and j not in dropped]
    if not chosen:
        raise InputError(f"{path} has no feature columns besides the "
                         f"target {target!r}"
                         + (" and the --drop columns" if drop else ""))
    return t, chosen
