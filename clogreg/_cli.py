"""The command line: ``python -m clogreg`` and the ``clogreg`` script.

Commands: ``demo [--plot FILE]``, ``fit DATA.csv --target COLUMN --out
MODEL.json [--features COLS | --drop COL] [--cache PATH.npy] [options]``,
``predict MODEL.json DATA.csv [--proba] [--out FILE]`` and ``info
MODEL.json``.

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
* CSV files are read by ``clogreg._csv``, which parses them in C straight
  into a float64 array, chunk by chunk (``fit --cache`` writes the chunks
  to a ``.npy`` file instead, ``clogreg._stream``); their numbers then go
  through ``clogreg._validation`` like any other input.  A CSV has a header
  row; the features (every column but the target, or those of
  ``--features``, less those of ``--drop``) must be numeric; the target may
  hold any labels (integers, numbers or strings).  The delimiter is
  detected from the header unless ``--delimiter`` gives it.
* Warnings are said once each, in the command line's words (``--max-iter``,
  not ``max_iter``).  A fit that stops at --max-iter is tried again with
  --standardize, and the warning says so when that fit converges.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import inspect
import io
import math
import os
import re
import shlex
import sys
import time
import warnings

import numpy as np

from ._csv import (
    InputError,
    delimiter_hint,
    delimiter_name,
    first_repeat,  # noqa: F401  (re-exported: the header check's helper)
    some_columns,
    target_and_features,
)

EXIT_OK = 0
EXIT_MISSING_DEPENDENCY = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

_PROGRESS_EVERY = 10


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
def column_positions(columns, names):
    """The index in ``columns`` (names without repeats) of each of
    ``names``, and the list of names it lacks.  Linear: one dict."""
    index = {name: j for j, name in enumerate(columns)}
    positions = [index.get(name) for name in names]
    missing = [name for name, j in zip(names, positions, strict=True) if j is None]
    return positions, missing


def open_data(args, err, chunk=None):
    """``args.data`` opened as a ``CsvFile``; a delimiter detected other
    than a comma is said on ``err`` (unless --quiet)."""
    from ._csv import CsvFile

    f = CsvFile(args.data, _delimiter(args.delimiter), chunk=chunk)
    if f.detected and f.delimiter != "," and not args.quiet:
        print(f"clogreg: reading {args.data} as {delimiter_name(f.delimiter)}-"
              "separated (the header has no comma; --delimiter sets it)",
              file=err)
    return f


def _delimiter(text):
    if text is None:
        return None
    text = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(text, text)
    if len(text) != 1 or text in "\r\n\"" or text.isalnum():
        raise InputError(f"--delimiter must be one character (or 'tab'), not "
                         f"a quote, letter, digit or line break; got {text!r}")
    return text


def _cell_hint(f, drop_hint):
    """hint(row, column, cell) for a cell that is not a number: a decimal
    comma, or (fit, row 1) a column of names or IDs to --drop."""

    def hint(row, column, cell):
        text = cell.strip()
        if f.delimiter != "," and "," in text and _is_number(text.replace(",", ".")):
            return (f" ({text!r} has a decimal comma; clogreg reads numbers "
                    "with a decimal point)")
        if drop_hint and row == 0:
            return f", or left out with --drop {shlex.quote(f.columns[column])}"
        return ""

    return hint


def _is_number(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


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
def _log_loss(model, X, y):
    logp = model.predict_log_proba(X)
    idx = np.searchsorted(model.classes_, y)
    return float(-logp[np.arange(len(y)), idx].mean())


def _label(value):
    return value.item() if hasattr(value, "item") else value


# The Python API's spelling of the parameters in warnings, and the fit
# options that say the same on the command line.
_CLI_SPELLING = [
    (r"\bmax_iter=(\d+)", r"--max-iter \1"),
    (r"\btol=([0-9.eE+-]*[0-9])", r"--tol \1"),
    (r"\bl1_ratio=([0-9.eE+-]*[0-9])", r"--l1-ratio \1"),
    (r"\bC=([0-9.eE+-]*[0-9]|inf)", r"--C \1"),
    (r"\bsolver='(\w+)'", r"--solver \1"),
    (r"\bpenalty='?(\w+)'?(?=[\s:;,.)]|$)", r"--penalty \1"),
    (r"\bstandardize=True", "--standardize"),
    (r"(?<![-\w])max_iter\b", "--max-iter"),
    (r"(?<![-\w])tol\b", "--tol"),
    (r"(?<![-\w])l1_ratio\b", "--l1-ratio"),
    (r"(?<![-\w])C(?= and | has |\))", "--C"),
]


def cli_spelling(message):
    """A warning of the Python API in the command line's words: without its
    'clogreg: ' prefix, and with the options for its parameters
    (``max_iter=100`` -> ``--max-iter 100``, ``solver='newton'`` ->
    ``--solver newton``).

    Examples
    --------
    >>> cli_spelling("clogreg: increase max_iter or use solver='newton'")
    'increase --max-iter or use --solver newton'
    """
    message = str(message)
    if message.startswith("clogreg: "):
        message = message[len("clogreg: "):]
    for pattern, replacement in _CLI_SPELLING:
        message = re.sub(pattern, replacement, message)
    message = message.replace("--penalty None", "--penalty none")
    return message


def _warn_lines(caught, err, extra=None):
    """Each distinct warning once, in the command line's words; ``extra``
    maps a warning to a sentence appended to it."""
    seen = set()
    for w in caught:
        text = cli_spelling(w.message)
        if extra is not None:
            text += extra(w)
        if text not in seen:
            seen.add(text)
            print(f"clogreg: warning: {text}", file=err)


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
    return _is_terminal(err)


def _is_terminal(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _RowProgress:
    """Progress of the pass over a CSV file: the rows read and the elapsed
    time, on ``stream``, at most every _ROW_PROGRESS_SECONDS, and once at
    the end."""

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


_ROW_PROGRESS_SECONDS = 0.5


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
    if args.cache is not None:
        for other, what in ((args.data, "DATA.csv"), (args.out, "--out")):
            if os.path.abspath(args.cache) == os.path.abspath(other):
                raise InputError(f"--cache {args.cache} is also {what}; give "
                                 "the cache a path of its own")
    features = None
    if args.features is not None:
        features = [name.strip() for name in args.features.split(",")]
    drop = [name.strip() for names in args.drop or () for name in names.split(",")]
    progress = _RowProgress(err, args.data) if _show_progress(args, err) else None
    if args.cache is None:
        with open_data(args, err) as f:
            t, columns = target_and_features(args.data, f.columns, args.target,
                                             features, drop, f.delimiter)
            values, y = f.read(columns, t, progress=progress,
                               hint=_cell_hint(f, drop_hint=True))
        if progress is not None:
            progress(values.shape[0], done=True)
        names = [f.columns[j] for j in columns]
        return _fit_and_report(args, out, err, NamedColumns(values, names), y,
                               names)

    from . import _stream

    with open_data(args, err, chunk=_stream._CHUNK_CHARS) as f:
        t, columns = target_and_features(args.data, f.columns, args.target,
                                         features, drop, f.delimiter)
        y = _stream.write_npy(f, columns, t, args.cache, progress=progress,
                              hint=_cell_hint(f, drop_hint=True))
    names = [f.columns[j] for j in columns]
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
    params = dict(penalty=penalty, C=args.C, l1_ratio=args.l1_ratio,
                  solver=args.solver, tol=args.tol, max_iter=args.max_iter,
                  random_state=args.random_state)
    model = LogisticRegression(**params, standardize=args.standardize,
                               callback=progress)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            model.fit(X, y)
        except (ValueError, TypeError) as exc:
            raise InputError(f"cannot fit {args.data}: {exc}") from None
        elapsed = time.perf_counter() - start
    _warn_lines(caught, err, extra=lambda w: _standardize_hint(
        w, args, params, X, y, err))
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


def _standardize_hint(warning, args, params, X, y, err):
    """For a fit that stopped at --max-iter without --standardize: the same
    fit with --standardize, and if that one converges, a sentence saying
    so (else '')."""
    from ._exceptions import convergence_warning
    from ._logistic import LogisticRegression

    if (args.standardize or not issubclass(warning.category, convergence_warning())
            or "max_iter=" not in str(warning.message)):
        return ""
    hint = getattr(args, "_standardize_hint", None)
    if hint is None:
        if _show_progress(args, err):
            print("clogreg: trying the fit with --standardize", file=err,
                  flush=True)
        trial = LogisticRegression(**params, standardize=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                trial.fit(X, y)
            except (ValueError, TypeError):
                caught = [None]
        converged = not any(w is None or issubclass(w.category,
                                                    convergence_warning())
                            for w in caught)
        hint = (f"; with --standardize it converges in {trial.n_iter_[0]} "
                f"{'epochs' if args.solver == 'sgd' else 'iterations'}"
                if converged else "")
        args._standardize_hint = hint
    return hint


def cmd_predict(args, out, err):
    from ._io import load

    model = load(args.model)
    progress = (_RowProgress(err, args.data)
                if not args.quiet and _is_terminal(err) else None)
    with open_data(args, err) as f:
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            names = [str(n) for n in names]
            positions, missing = column_positions(f.columns, names)
            if missing:
                raise InputError(
                    f"{args.data} lacks the column(s) {some_columns(missing)} "
                    f"that the model {args.model} was fitted with"
                    f"{delimiter_hint(f.columns, f.delimiter)}")
        else:
            d = model.n_features_in_
            if len(f.columns) != d:
                raise InputError(
                    f"the model {args.model} knows no feature names, so "
                    f"{args.data} must have exactly its {d} feature column(s), "
                    f"in order; it has {len(f.columns)}")
            positions = list(range(d))
        values, _ = f.read(positions, progress=progress,
                           hint=_cell_hint(f, drop_hint=False))
    if progress is not None:
        progress(values.shape[0], done=True)
    X = values if names is None else NamedColumns(values, names)
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
            gap = " " * max(15 - len(name), 1)     # intercept_scaling: 17
            print(f"  {name}{gap}{params[name]!r}", file=out)
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
                                   "and save it as JSON.  The features (every "
                                   "column but the target, unless --features "
                                   "or --drop say otherwise) must be numeric.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--target", required=True, metavar="COLUMN",
                   help="the column holding the class labels")
    columns = p.add_mutually_exclusive_group()
    columns.add_argument("--features", metavar="COLS", default=None,
                         help="the feature columns, by name, comma-separated "
                              "(default: every column but the target)")
    columns.add_argument("--drop", metavar="COL", action="append",
                         help="leave this column out of the features, e.g. "
                              "an ID column (repeatable, or comma-separated)")
    p.add_argument("--delimiter", metavar="CHAR", default=None,
                   help="the field separator, e.g. ';' or tab (default: "
                        "detected from the header: a comma if it has one, "
                        "else ';' or tab)")
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
                       help="no progress or notes on stderr (warnings and "
                            "errors remain)")
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
    p.add_argument("--delimiter", metavar="CHAR", default=None,
                   help="the field separator (default: detected from the "
                        "header, as for fit)")
    p.add_argument("--out", metavar="PREDICTIONS.csv", default=None,
                   help="write here instead of stdout")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no confirmation, progress or notes on stderr")

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
