"""The command line: ``python -m clogreg`` and the ``clogreg`` script.

Commands: ``demo [--plot FILE]``, ``fit DATA.csv --target COLUMN --out
MODEL.json [--cache PATH.npy] [options]``, ``predict MODEL.json DATA.csv
[--proba] [--out FILE]`` and ``info MODEL.json``.

Design
------
* stdout carries results (reports, predictions); stderr carries progress,
  warnings and errors.
* Every error a user can cause (a missing or unreadable file, a malformed
  CSV, a bad option value, a model file that fails validation) ends the
  program with exit status 2 and one line on stderr, never a traceback:
  ``main`` turns OSError, ValueError and TypeError into that line.  Other
  exceptions are bugs and keep their traceback.  A missing matplotlib is
  exit status 1 (the input was fine), Ctrl-C is 130.
* Output files are written whole or not at all: into a temporary file
  beside the target, renamed over it (``os.replace``) once complete.  A
  failure removes the temporary file and leaves an existing target as it
  was.  Nothing is written before all the input has been read and checked.
* CSV files are read with the csv module (no pandas); their numbers then go
  through ``clogreg._validation`` like any other input.  A CSV has a header
  row; every column but the target must be numeric; the target may hold
  any labels (integers, numbers or strings).  ``fit --cache`` reads the
  same files into a ``.npy`` file a block of lines at a time instead
  (``clogreg._stream``), with the same numbers and messages.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import inspect
import io
import math
import os
import sys
import time
import warnings

import numpy as np

EXIT_OK = 0
EXIT_MISSING_DEPENDENCY = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

_PROGRESS_EVERY = 10


class InputError(ValueError):
    """Bad input whose message is ready to show as it is."""


class MissingDependency(Exception):
    """An optional dependency (matplotlib) is not installed."""


# ------------------------------------------------------------- output files
def write_atomically(path, write):
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then
    rename it over ``path``: ``clogreg._io.write_atomically``, the writer of
    model files, with its OSError turned into an InputError (its message
    names ``path``)."""
    from ._io import write_atomically as write_file

    try:
        write_file(path, write)
    except OSError as exc:
        raise InputError(str(exc)) from None


# -------------------------------------------------------------- CSV input
class Table:
    """A CSV file's header and rows, as strings."""

    def __init__(self, path, columns, rows, lines, first_row=0):
        self.path = path
        self.columns = columns      # list of str
        self.rows = rows            # list of lists of str
        self.lines = lines          # the line number of each row, for messages
        self.first_row = first_row  # rows before these (a chunk of a file)

    def where(self, i, column):
        return (f"{self.path}: row {self.first_row + i + 1} (line "
                f"{self.lines[i]}), column {self.columns[column]!r}")

    def numbers(self, indices):
        """The columns ``indices`` as a float64 array of shape (n, k);
        a cell that is not a finite number is an InputError naming its row
        and column."""
        out = np.empty((len(self.rows), len(indices)))
        for k, j in enumerate(indices):
            cells = [row[j] for row in self.rows]
            try:
                out[:, k] = np.fromiter(map(float, cells), np.float64,
                                        count=len(cells))
                bad = np.flatnonzero(~np.isfinite(out[:, k]))
            except ValueError:
                bad = None
            if bad is None or bad.size:
                for i, cell in enumerate(cells):
                    try:
                        ok = math.isfinite(float(cell))
                    except ValueError:
                        ok = False
                    if not ok:
                        what = ("is empty" if not cell.strip() else
                                f"holds {cell!r}, which is not "
                                + ("a finite number" if _is_float(cell)
                                   else "a number"))
                        raise InputError(f"{self.where(i, j)} {what}; every "
                                         "feature column must be numeric")
        return out

    def labels(self, j):
        """Column ``j`` as class labels: integers if every cell is one,
        else numbers if every cell is one, else strings."""
        cells = [row[j].strip() for row in self.rows]
        for i, cell in enumerate(cells):
            if not cell:
                raise InputError(f"{self.where(i, j)} is empty; every row needs "
                                 "a label in the target column")
        for parse, dtype in ((int, np.int64), (float, np.float64)):
            try:
                values = np.array([parse(c) for c in cells], dtype=dtype)
            except (ValueError, OverflowError):
                continue
            if dtype == np.float64 and not np.isfinite(values).all():
                i = int(np.flatnonzero(~np.isfinite(values))[0])
                raise InputError(f"{self.where(i, j)} holds {cells[i]!r}, which "
                                 "is not a valid label")
            return values
        return np.array(cells, dtype=str)


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


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


def column_positions(columns, names):
    """The index in ``columns`` (names without repeats) of each of
    ``names``, and the list of names it lacks.  Linear: one dict."""
    index = {name: j for j, name in enumerate(columns)}
    positions = [index.get(name) for name in names]
    missing = [name for name, j in zip(names, positions, strict=True) if j is None]
    return positions, missing


def open_csv(path):
    """``path`` opened for the csv module (UTF-8, a BOM skipped); a file
    that cannot be opened is an InputError."""
    try:
        return open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_header(path, reader):
    """The column names of the header row that ``reader`` (a csv.reader)
    reads next, after any blank lines; an empty file or a header with an
    empty or repeated name is an InputError."""
    header = next(reader, None)
    while header is not None and not header:
        header = next(reader, None)
    if header is None:
        raise InputError(f"{path} is empty: a header row and data rows "
                         "are needed")
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


def ragged_row(path, row, line, fields, columns):
    return InputError(f"{path}: row {row} (line {line}) has {fields} fields, "
                      f"but the header has {columns}")


def read_csv(path):
    """Read a CSV file with a header row into a ``Table``.  Blank lines are
    skipped; a missing or empty file, a ragged row, a header with an empty
    or repeated name, or text that is not UTF-8 is an InputError."""
    f = open_csv(path)
    rows, lines = [], []
    with f:
        reader = csv.reader(f)
        try:
            columns = read_header(path, reader)
            for row in reader:
                if not row:
                    continue
                if len(row) != len(columns):
                    raise ragged_row(path, len(rows) + 1, reader.line_num,
                                     len(row), len(columns))
                rows.append(row)
                lines.append(reader.line_num)
        except csv.Error as exc:
            raise InputError(f"{path}, line {reader.line_num}: not valid CSV "
                             f"({exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text") from None
    if not rows:
        raise InputError(f"{path} has a header but no data rows")
    return Table(path, columns, rows, lines)


def target_and_features(path, columns, target):
    """The index of the column ``target`` and the indices of the others
    (the features); a missing target or no other column is an InputError."""
    if target not in columns:
        raise InputError(f"{path} has no column {target!r}; its columns "
                         f"are {_some_columns(columns)}")
    t = columns.index(target)
    features = [j for j in range(len(columns)) if j != t]
    if not features:
        raise InputError(f"{path} has no feature columns besides the "
                         f"target {target!r}")
    return t, features


class NamedColumns:
    """A float64 matrix with column names, read by clogreg like a DataFrame
    (``columns`` and ``__array__``), so that the model records the names at
    fit time and checks them at predict time."""

    def __init__(self, values, columns):
        self.values = values
        self.columns = list(columns)
        self.shape = values.shape

    def __array__(self, dtype=None, copy=None):
        values = self.values if dtype is None else self.values.astype(dtype)
        return values.copy() if copy else values


# --------------------------------------------------------------- commands
_SHOWN_COLUMNS = 10


def _some_columns(names):
    """Up to _SHOWN_COLUMNS names for a message, then how many more."""
    shown = ", ".join(map(repr, names[:_SHOWN_COLUMNS]))
    if len(names) > _SHOWN_COLUMNS:
        shown += f" and {len(names) - _SHOWN_COLUMNS} more"
    return shown


def _log_loss(model, X, y):
    logp = model.predict_log_proba(X)
    idx = np.searchsorted(model.classes_, y)
    return float(-logp[np.arange(len(y)), idx].mean())


def _label(value):
    return value.item() if hasattr(value, "item") else value


def _warn_lines(caught, err):
    for w in caught:
        print(f"clogreg: warning: {w.message}", file=err)


def _plot_format(path):
    """The matplotlib format for ``path`` (by its extension, png without
    one); raises MissingDependency or InputError before any work is done."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency(
            "--plot needs matplotlib, which is not installed; install it with: "
            "pip install clogreg[plot]") from None
    ext = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    supported = Figure().canvas.get_supported_filetypes()
    if ext not in supported:
        raise InputError(f"cannot save a plot as .{ext}; use one of "
                         f"{', '.join('.' + e for e in sorted(supported))}")
    return ext


def demo(out=sys.stdout, plot=None):
    """Fit the batch-gradient-descent tutorial's simulated data with 'auto'
    and with 'gd'; with ``plot``, save the decision boundary of the 'auto' fit there."""
    from ._config import show_config
    from ._datasets import make_gaussian_clouds
    from ._logistic import LogisticRegression

    fmt = _plot_format(plot) if plot is not None else None
    X, y = make_gaussian_clouds()
    info = show_config(print_out=False)
    print(f"clogreg {info['version']} demo: the batch-gradient-descent "
          "tutorial's simulated data, "
          f"{X.shape[0]} samples x {X.shape[1]} features ({X.dtype}); "
          f"OpenMP {'on' if info['openmp'] else 'off'}, "
          f"{info['threads']} thread(s)", file=out)
    header = (f"{'solver':<8} {'coef':>22} {'intercept':>10} {'accuracy':>9} "
              f"{'log-loss':>9} {'iters':>6} {'fit time':>10}")
    print(header, file=out)
    print("-" * len(header), file=out)
    models = {}
    for solver in ("auto", "gd"):
        model = LogisticRegression(solver=solver, max_iter=1000)
        start = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - start
        models[solver] = model
        coef = "[" + ", ".join(f"{c:.5f}" for c in model.coef_[0]) + "]"
        print(f"{solver:<8} {coef:>22} {model.intercept_[0]:>10.5f} "
              f"{model.score(X, y):>9.4f} {_log_loss(model, X, y):>9.5f} "
              f"{model.n_iter_[0]:>6d} {elapsed * 1e3:>8.1f}ms", file=out)
    if plot is not None:
        from matplotlib.figure import Figure

        from . import plot as plots

        fig = Figure(figsize=(7, 5.5), dpi=100)
        ax = plots.decision_boundary(models["auto"], X, y, ax=fig.subplots())
        ax.set_title("Decision boundary of the batch-gradient-descent tutorial's data")
        fig.tight_layout()
        write_atomically(plot, lambda f: fig.savefig(f, format=fmt))
        print(f"decision boundary saved to {plot}", file=out)
    return EXIT_OK


class _Progress:
    """A callback printing the iteration and the objective to ``stream``
    at the first iteration and every _PROGRESS_EVERY-th; never stops."""

    def __init__(self, stream, unit):
        self.stream = stream
        self.unit = unit
        self.last = 0

    def __call__(self, iteration, objective):
        if iteration == 1 or iteration % _PROGRESS_EVERY == 0:
            print(f"clogreg: {self.unit} {iteration:6d}  objective "
                  f"{objective:.10g}", file=self.stream, flush=True)
            self.last = iteration
        return False


def _show_progress(args, err):
    if args.verbose:
        return True
    if args.quiet:
        return False
    isatty = getattr(err, "isatty", None)
    return bool(isatty and isatty())


class _RowProgress:
    """Progress of ``--cache``'s pass over the CSV: the rows read and the
    elapsed time, on ``stream``, at most every _ROW_PROGRESS_SECONDS."""

    def __init__(self, stream, path):
        self.stream = stream
        self.path = path
        self.start = self.last = time.perf_counter()

    def __call__(self, rows, done=False):
        now = time.perf_counter()
        if done or now - self.last >= _ROW_PROGRESS_SECONDS:
            print(f"clogreg: read {rows} rows of {self.path}"
                  f"{' (done)' if done else ''}  {now - self.start:.1f} s",
                  file=self.stream, flush=True)
            self.last = now


_ROW_PROGRESS_SECONDS = 1.0


def _check_writable(path, what):
    """An InputError now, before the fit, if ``path`` cannot be written:
    its directory is missing or not writable, or it is a directory."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"cannot write {what} {path}: it is a directory")
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {what} {path}: the directory {folder} "
                         "does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {what} {path}: the directory {folder} "
                         "is not writable")


def cmd_fit(args, out, err):
    if args.keep_cache and args.cache is None:
        raise InputError("--keep-cache needs --cache PATH")
    _check_writable(args.out, "--out")
    if args.cache is None:
        table = read_csv(args.data)
        t, features = target_and_features(args.data, table.columns, args.target)
        names = [table.columns[j] for j in features]
        X = NamedColumns(table.numbers(features), names)
        return _fit_and_report(args, out, err, X, table.labels(t), names)

    from ._stream import csv_to_npy

    for other, what in ((args.data, "DATA.csv"), (args.out, "--out")):
        if os.path.abspath(args.cache) == os.path.abspath(other):
            raise InputError(f"--cache {args.cache} is also {what}; give the "
                             "cache a path of its own")
    progress = _RowProgress(err, args.data) if _show_progress(args, err) else None
    names, y = csv_to_npy(args.data, args.target, args.cache, progress=progress)
    try:
        X = NamedColumns(np.load(args.cache, mmap_mode="r"), names)
        status = _fit_and_report(args, out, err, X, y, names)
        del X       # unmap before the file goes
    finally:
        if not args.keep_cache:
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.cache)
    return status


def _fit_and_report(args, out, err, X, y, names):
    """Fit X (a NamedColumns) and y with the command's options, save the
    model and print the summary."""
    from ._logistic import LogisticRegression

    penalty = None if args.penalty == "none" else args.penalty
    unit = "epoch" if args.solver == "sgd" else "iter"
    progress = _Progress(err, unit) if _show_progress(args, err) else None
    model = LogisticRegression(
        penalty, C=args.C, l1_ratio=args.l1_ratio, solver=args.solver,
        tol=args.tol, max_iter=args.max_iter, standardize=args.standardize,
        random_state=args.random_state, callback=progress)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            model.fit(X, y)
        except (ValueError, TypeError) as exc:
            raise InputError(f"cannot fit {args.data}: {exc}") from None
        elapsed = time.perf_counter() - start
    _warn_lines(caught, err)
    if progress is not None and progress.last != model.n_iter_[0]:
        print(f"clogreg: {unit} {model.n_iter_[0]:6d}  objective "
              f"{model.loss_curve_[-1]:.10g}  (done)", file=err, flush=True)
    model.callback = None
    try:
        model.save(args.out)
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror or exc}") from None

    classes = ", ".join(repr(_label(c)) for c in model.classes_)
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    solver = "lbfgs" if model.solver == "auto" else model.solver
    print(f"fitted {args.data}: {X.shape[0]} rows, {len(names)} features "
          f"({shown}), target {args.target!r}", file=out)
    print(f"{'classes:':<11}{classes}", file=out)
    print(f"{'solver:':<11}{solver}, {model.n_iter_[0]} "
          f"{'epochs' if solver == 'sgd' else 'iterations'}", file=out)
    print(f"{'accuracy:':<11}{model.score(X, y):.4f} (training data)", file=out)
    print(f"{'log-loss:':<11}{_log_loss(model, X, y):.5f} (training data)", file=out)
    print(f"{'time:':<11}{elapsed * 1e3:.1f} ms", file=out)
    print(f"{'model:':<11}written to {args.out}", file=out)
    return EXIT_OK


def cmd_predict(args, out, err):
    from ._io import load

    model = load(args.model)
    table = read_csv(args.data)
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        names = [str(n) for n in names]
        positions, missing = column_positions(table.columns, names)
        if missing:
            raise InputError(
                f"{args.data} lacks the column(s) {_some_columns(missing)} "
                f"that the model {args.model} was fitted with")
        X = NamedColumns(table.numbers(positions), names)
    else:
        d = model.n_features_in_
        if len(table.columns) != d:
            raise InputError(
                f"the model {args.model} knows no feature names, so {args.data} "
                f"must have exactly its {d} feature column(s), in order; it has "
                f"{len(table.columns)}")
        X = table.numbers(range(d))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = model.predict(X)
        proba = model.predict_proba(X) if args.proba else None
    _warn_lines(caught, err)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["prediction"]
    if proba is not None:
        header += [f"proba_{_label(c)}" for c in model.classes_]
    writer.writerow(header)
    for i, label in enumerate(labels):
        row = [_label(label)]
        if proba is not None:
            row += [repr(float(p)) for p in proba[i]]
        writer.writerow(row)
    text = buf.getvalue()
    if args.out is None:
        out.write(text)
        out.flush()
    else:
        write_atomically(args.out, lambda f: f.write(text.encode("utf-8")))
        if not args.quiet:
            print(f"clogreg: wrote {len(labels)} predictions to {args.out}",
                  file=err)
    return EXIT_OK


def cmd_info(args, out, err):
    from ._io import load
    from ._logistic import LogisticRegression

    model = load(args.model)
    classes = [_label(c) for c in model.classes_]
    k, d = model.coef_.shape
    names = getattr(model, "feature_names_in_", None)
    names = ([str(n) for n in names] if names is not None
             else [f"x{j + 1}" for j in range(d)])
    print(f"{'model:':<17}{args.model}", file=out)
    if k == 1:
        kind = (f"binary: the coefficients are the log-odds of {classes[1]!r} "
                f"against {classes[0]!r}")
    else:
        kind = "multinomial (softmax): one row of coefficients per class"
    print(f"{'classes:':<17}{', '.join(map(repr, classes))}  ({kind})", file=out)
    print(f"{'features:':<17}{d}"
          + ("" if getattr(model, "feature_names_in_", None) is None
             else f" ({', '.join(names)})"), file=out)
    print(f"{'dtype:':<17}{model.coef_.dtype}", file=out)
    print(f"{'iterations:':<17}{model.n_iter_[0]}", file=out)
    if getattr(model, "scale_", None) is not None and model.standardize:
        print(f"{'standardization:':<17}column means and scales stored; the "
              "coefficients are in the original units", file=out)
    print("parameters:", file=out)
    params = model.get_params()
    for name in inspect.signature(LogisticRegression.__init__).parameters:
        if name not in ("self", "callback"):
            print(f"  {name:<15}{params[name]!r}", file=out)
    print("coefficients:", file=out)
    heads = [repr(classes[1])] if k == 1 else [repr(c) for c in classes]
    width = max(12, *(len(h) + 2 for h in heads))
    name_w = max(13, *(len(n) + 2 for n in names))
    print(" " * (2 + name_w) + "".join(f"{h:>{width}}" for h in heads), file=out)
    rows = [("(intercept)", model.intercept_)] + [
        (names[j], model.coef_[:, j]) for j in range(d)]
    for name, values in rows:
        print(f"  {name:<{name_w}}" + "".join(f"{float(v):>{width}.6g}"
                                              for v in values), file=out)
    return EXIT_OK


# ------------------------------------------------------------------ parser
class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (exit status 2)."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see "
                                  f"'{self.prog} --help')\n")


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser():
    from . import __version__

    parser = _Parser(prog="clogreg",
                     description="Logistic regression on a fast Cython engine.")
    parser.add_argument("--version", action="version",
                        version=f"clogreg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="fit the batch-gradient-descent tutorial's "
                       "simulated data and report")
    p.add_argument("--plot", metavar="FILE.png",
                   help="save the decision boundary to this image file "
                        "(needs matplotlib: pip install clogreg[plot])")

    p = sub.add_parser("fit", help="fit a model to a CSV file and save it",
                       description="Fit a model to a CSV file with a header row "
                                   "and save it as JSON.  Every column but the "
                                   "target must be numeric.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--target", required=True, metavar="COLUMN",
                   help="the column holding the class labels")
    p.add_argument("--out", required=True, metavar="MODEL.json",
                   help="where to write the model")
    p.add_argument("--penalty", choices=["l2", "l1", "elasticnet", "none"],
                   default="l2", help="the penalty (default l2)")
    p.add_argument("--C", type=float, default=1.0, metavar="C",
                   help="inverse penalty strength (default 1.0; inf: none)")
    p.add_argument("--l1-ratio", type=float, default=None, metavar="R",
                   help="elastic-net mix in [0, 1]")
    p.add_argument("--solver", choices=["auto", "lbfgs", "newton", "gd", "sgd"],
                   default="auto", help="the solver (default auto: lbfgs)")
    p.add_argument("--standardize", action="store_true",
                   help="fit on standardised features (coefficients stay in "
                        "the original units)")
    p.add_argument("--max-iter", type=_positive_int, default=100, metavar="N",
                   help="iteration limit (default 100)")
    p.add_argument("--tol", type=float, default=1e-4,
                   help="stop when the largest gradient entry is below this "
                        "(default 1e-4)")
    p.add_argument("--random-state", type=int, default=None, metavar="N",
                   help="an integer fixing the 'sgd' shuffling (default: "
                        "a fresh one each run)")
    p.add_argument("--cache", metavar="PATH.npy", default=None,
                   help="for a CSV larger than memory: stream it once into "
                        "this .npy file and fit on it out of core (removed "
                        "after the fit unless --keep-cache)")
    p.add_argument("--keep-cache", action="store_true",
                   help="keep the --cache file after the fit")
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("--quiet", "-q", action="store_true",
                       help="no progress on stderr")
    noise.add_argument("--verbose", "-v", action="store_true",
                       help="progress on stderr even when it is not a terminal")

    p = sub.add_parser("predict", help="predict the classes of a CSV file's rows",
                       description="Write the predicted class of every row of "
                                   "DATA.csv as CSV (header 'prediction', and "
                                   "'proba_<class>' columns with --proba).  "
                                   "Columns are matched to the model by name "
                                   "when the model knows its feature names.")
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--proba", action="store_true",
                   help="add the probability of each class")
    p.add_argument("--out", metavar="PREDICTIONS.csv", default=None,
                   help="write here instead of stdout")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no confirmation on stderr")

    p = sub.add_parser("info", help="show a model file's parameters, classes "
                                    "and coefficients")
    p.add_argument("model", metavar="MODEL.json")
    return parser


def _one_line(message):
    return " ".join(str(message).split())


def main(argv=None):
    """Run the command line; returns the exit status."""
    out, err = sys.stdout, sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:       # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    prog = f"clogreg {args.command}"
    commands = {"fit": cmd_fit, "predict": cmd_predict, "info": cmd_info}
    try:
        if args.command == "demo":
            return demo(out, plot=args.plot)
        return commands[args.command](args, out, err)
    except MissingDependency as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=err)
        return EXIT_MISSING_DEPENDENCY
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            # stdout was closed early (e.g. `| head`): not an error to report.
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{_one_line(exc.strerror or exc)}", file=err)
        return EXIT_BAD_INPUT
    except (ValueError, TypeError) as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=err)
        return EXIT_INTERRUPTED
