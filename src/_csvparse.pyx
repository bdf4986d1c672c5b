# cython: language_level=3, cdivision=True
"""The inner loop of clogreg's CSV reader (``clogreg._csv``): the records of
a byte buffer parsed straight into a preallocated float64 array.

Design
------
* One pass over the bytes, no Python object per cell: a number cell is
  converted where it lies and stored in ``out[row, column]``; a label cell
  (the target column) becomes a bytes object only to be looked up in a dict
  of the labels seen so far, and the row stores the label's code.
* Only the common case is handled here: fields that are unquoted, or quoted
  (a doubled quote inside stands for one), numbers in Python's float
  syntax, and ``\\n`` or ``\\r\\n`` line ends.  Anything else (a cell
  that is not a finite number, a ragged row, odd quoting, a lone ``\\r``)
  stops the loop at the start of that record with ``TROUBLE``, and
  ``clogreg._csv`` reads that one record with the csv module and Python's
  ``float``: there it is either read as the csv module reads it or reported
  with its row, line and column.
  This loop can therefore never accept a cell that Python would read
  differently, and it never has to phrase an error.
* Numbers: Clinger's fast path.  A decimal whose digits form an integer
  m <= 2**53 and whose exponent e has |e| <= 22 is m * 10**e or m / 10**-e,
  one IEEE operation on two exact doubles, hence correctly rounded.  Every
  other number goes through ``PyOS_string_to_double``, Python's own
  correctly rounded parser.  The values are therefore those of
  ``float(cell)``, bit for bit.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.ref cimport PyObject
from libc.math cimport isfinite
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

cdef extern from "Python.h":
    double PyOS_string_to_double(const char *s, char **endptr,
                                 PyObject *overflow_exception) noexcept
    PyObject *PyErr_Occurred() noexcept
    void PyErr_Clear() noexcept

# C constants (a Python name in the loop would be a dict look-up per cell)
cdef enum:
    C_DONE = 0
    C_NEED_MORE = 1
    C_TROUBLE = 2
    C_FULL = 3
    C_SKIP = -1
    C_LABEL = -2

# The statuses of parse_records.
DONE = C_DONE           # every complete record of the buffer was read
NEED_MORE = C_NEED_MORE  # the buffer ends inside a record: read more bytes
TROUBLE = C_TROUBLE     # the record at the returned offset needs the csv module
FULL = C_FULL           # out (or codes) has no room for the next record

# kinds[j] of column j: >= 0 the column of out, or one of these.
SKIP = C_SKIP
LABEL = C_LABEL

cdef double[23] POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                         1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
                         1e18, 1e19, 1e20, 1e21, 1e22]
cdef uint64_t TWO_53 = (<uint64_t>1) << 53
# Longest cell handed to PyOS_string_to_double from the stack buffer; a
# longer one goes to the csv-module path.
cdef enum:
    MAX_SLOW_CELL = 127


cdef inline bint is_digit(unsigned char c) noexcept nogil:
    return 48 <= c <= 57


cdef bint parse_double(const unsigned char *s, Py_ssize_t n,
                       double *value) noexcept:
    """``float(s[:n])`` into ``value``; False if the cell is not a finite
    number in the syntax handled here (the caller then asks Python)."""
    cdef Py_ssize_t i = 0
    cdef bint negative = False, any_digit = False, exact = True
    cdef uint64_t m = 0
    cdef int digits = 0
    cdef long exp10 = 0, e = 0
    cdef bint e_negative
    cdef double v
    cdef char buf[MAX_SLOW_CELL + 1]
    cdef char *end
    # float() strips whitespace; the two ASCII blanks are stripped here,
    # other whitespace goes to Python
    while n > 0 and (s[0] == 32 or s[0] == 9):
        s += 1
        n -= 1
    while n > 0 and (s[n - 1] == 32 or s[n - 1] == 9):
        n -= 1
    if n == 0:
        return False
    if s[0] == 43 or s[0] == 45:        # + -
        negative = s[0] == 45
        i = 1
    while i < n and is_digit(s[i]):
        any_digit = True
        if m != 0 or s[i] != 48:
            if digits < 19:
                m = m * 10 + (s[i] - 48)
                digits += 1
            else:
                exp10 += 1
                exact = exact and s[i] == 48
        i += 1
    if i < n and s[i] == 46:            # .
        i += 1
        while i < n and is_digit(s[i]):
            any_digit = True
            if m != 0 or s[i] != 48:
                if digits < 19:
                    m = m * 10 + (s[i] - 48)
                    digits += 1
                    exp10 -= 1
                else:
                    exact = exact and s[i] == 48
            else:
                exp10 -= 1
            i += 1
    if any_digit and i < n and (s[i] == 101 or s[i] == 69):    # e E
        i += 1
        e_negative = False
        if i < n and (s[i] == 43 or s[i] == 45):
            e_negative = s[i] == 45
            i += 1
        if i == n or not is_digit(s[i]):
            any_digit = False           # "1e", "1e+": not a number
        while i < n and is_digit(s[i]):
            if e < 100000:
                e = e * 10 + (s[i] - 48)
            i += 1
        exp10 += -e if e_negative else e
    if any_digit and i == n and exact:
        if m == 0:
            value[0] = -0.0 if negative else 0.0
            return True
        if m <= TWO_53 and -22 <= exp10 <= 22:
            v = <double>m
            if exp10 >= 0:
                v = v * POW10[exp10]
            else:
                v = v / POW10[-exp10]
            value[0] = -v if negative else v
            return True
    # everything else (long mantissas, large exponents, 'inf', '1_0', ...)
    if n > MAX_SLOW_CELL:
        return False
    memcpy(buf, s, n)
    buf[n] = 0
    v = PyOS_string_to_double(buf, &end, NULL)
    if PyErr_Occurred() != NULL:
        PyErr_Clear()
        return False
    if end != buf + n or not isfinite(v):
        return False
    value[0] = v
    return True


def parse_records(const unsigned char[::1] buf, Py_ssize_t pos, bint eof,
                  unsigned char delimiter, const Py_ssize_t[::1] kinds,
                  double[:, ::1] out, Py_ssize_t out_row,
                  int[::1] codes, Py_ssize_t row, Py_ssize_t line,
                  dict label_codes, list label_first):
    """Parse the records of ``buf[pos:]`` until the end or a problem.

    Parameters
    ----------
    buf : bytes
        The file's bytes from some record's start on.
    pos : int
        Where to start in ``buf``.
    eof : bool
        Whether ``buf`` ends where the file ends (else a record cut by the
        buffer's end is left for the next call).
    delimiter : int
        The field separator's byte.
    kinds : int64 array
        Per column: its column in ``out``, SKIP or LABEL.
    out : float64 array of shape (capacity, k)
        Where row ``out_row`` on is written.
    codes : int32 array
        ``codes[row]``, for each row read, is its label's code (when a
        column is LABEL; else ``codes`` may be empty).
    row, line : int
        The rows read and the lines consumed before ``pos``.
    label_codes : dict
        The labels seen so far (bytes, as in the file) -> code; new labels
        are added with the next code.
    label_first : list
        ``(row, line)`` of the first occurrence of each code, appended to.

    Returns
    -------
    status, pos, rows, line
        One of DONE, NEED_MORE, TROUBLE, FULL; the offset of the first
        record not read; the number of records read; the lines consumed.
    """
    cdef Py_ssize_t n = buf.shape[0], ncols = kinds.shape[0]
    cdef Py_ssize_t capacity = out.shape[0], code_capacity = codes.shape[0]
    cdef Py_ssize_t rows = 0, start, rec_start, rec_line, j, k, q
    cdef Py_ssize_t label_start = 0, label_len = 0, inner_lines
    cdef bint has_label = False, quoted, doubled, label_doubled = False
    cdef const unsigned char *p
    cdef const Py_ssize_t *kind = &kinds[0] if ncols > 0 else NULL
    cdef double *out_rows = &out[0, 0] if out.shape[0] > 0 and out.shape[1] > 0 \
        else NULL
    cdef double *target = NULL
    cdef Py_ssize_t width = out.shape[1]
    cdef unsigned char c
    cdef double value
    cdef object key, code
    for j in range(ncols):
        if kinds[j] == C_LABEL:
            has_label = True
        elif kinds[j] >= out.shape[1]:
            raise ValueError(f"kinds[{j}] = {kinds[j]} is not a column of out")
    if n == 0:
        return (C_DONE if eof else C_NEED_MORE), pos, 0, line
    p = &buf[0]
    while True:
        rec_start = pos
        rec_line = line
        if pos >= n:
            return C_DONE, pos, rows, line
        c = p[pos]
        if c == 10:                                     # blank line
            pos += 1
            line += 1
            continue
        if c == 13:
            if pos + 1 < n and p[pos + 1] == 10:
                pos += 2
                line += 1
                continue
            if pos + 1 == n and not eof:
                return C_NEED_MORE, rec_start, rows, rec_line
            return C_TROUBLE, rec_start, rows, rec_line   # a lone \r
        if out_row >= capacity or (has_label and row >= code_capacity):
            return C_FULL, rec_start, rows, rec_line
        j = 0
        inner_lines = 0
        if out_rows != NULL:
            target = out_rows + out_row * width
        while True:                                     # the fields
            quoted = pos < n and p[pos] == 34
            doubled = False
            if quoted:
                q = pos + 1
                while q < n:
                    if p[q] == 34:
                        if q + 1 < n and p[q + 1] == 34:
                            doubled = True
                            q += 2
                            continue
                        break
                    if p[q] == 10:
                        inner_lines += 1
                    elif p[q] == 13:
                        return C_TROUBLE, rec_start, rows, rec_line
                    q += 1
                if q >= n or (q + 1 == n and not eof):
                    # no closing quote yet, or no byte after it yet
                    if eof and q >= n:
                        return C_TROUBLE, rec_start, rows, rec_line
                    return C_NEED_MORE, rec_start, rows, rec_line
                start = pos + 1
                k = q                                   # the content's end
                pos = q + 1
                if pos < n and p[pos] != delimiter and p[pos] != 10 \
                        and p[pos] != 13:
                    return C_TROUBLE, rec_start, rows, rec_line
            else:
                start = pos
                while pos < n:
                    c = p[pos]
                    if c == delimiter or c == 10 or c == 13:
                        break
                    if c == 34:         # a quote inside an unquoted field
                        return C_TROUBLE, rec_start, rows, rec_line
                    pos += 1
                if pos >= n and not eof:
                    return C_NEED_MORE, rec_start, rows, rec_line
                k = pos
            if j < ncols:
                if kind[j] >= 0:
                    if not parse_double(p + start, k - start, &value):
                        return C_TROUBLE, rec_start, rows, rec_line
                    target[kind[j]] = value
                elif kind[j] == C_LABEL:
                    label_start = start
                    label_len = k - start
                    label_doubled = doubled
            j += 1
            if pos >= n:                                # eof: record ends
                break
            c = p[pos]
            if c == delimiter:
                pos += 1
                continue
            if c == 10:
                pos += 1
                break
            # c == 13
            if pos + 1 < n and p[pos + 1] == 10:
                pos += 2
                break
            if pos + 1 == n and not eof:
                return C_NEED_MORE, rec_start, rows, rec_line
            return C_TROUBLE, rec_start, rows, rec_line
        if j != ncols:
            return C_TROUBLE, rec_start, rows, rec_line
        line += 1 + inner_lines
        if has_label:
            key = PyBytes_FromStringAndSize(<const char *>p + label_start,
                                            label_len)
            if label_doubled:           # "" in a quoted field is one "
                key = key.replace(b'""', b'"')
            code = label_codes.get(key)
            if code is None:
                code = len(label_first)
                label_codes[key] = code
                label_first.append((row, line))
            codes[row] = code
        out_row += 1
        row += 1
        rows += 1
