"""Reading a CSV file: clogreg's reader against np.loadtxt and pandas.

    python benchmarks/csv_read.py [--rows N] [--columns D] [--rounds R]
                                  [--dir DIR] [--before PYTHONPATH]
                                  [--append benchmarks/RESULTS.md]

Writes a rows x columns CSV file of numbers (default 300,000 x 40, about
110 MB: the file of issue 15, item 6; 39 feature columns written with
``%.6g`` and an integer target), then reads it with

* ``clogreg._csv.CsvFile.read`` (the reader of ``clogreg fit``: 39 feature
  columns as float64, the target as labels),
* ``np.loadtxt(path, delimiter=",", skiprows=1)``,
* ``pandas.read_csv(path).to_numpy()``,
* with ``--before``, the csv-module reader of an older clogreg (row lists
  of strings, then ``float`` per cell), the one this reader replaced,
* and runs ``clogreg fit path --target y --out model.json`` whole (read,
  fit, save), for the end-to-end time.

Each read runs in a fresh interpreter (``python -c``), in interleaved
rounds (every reader once per round, the order rotating), so that no
reader inherits another's memory or warm allocator.  The child reports
the wall time of the read alone and its peak resident memory during the
read: ``VmHWM`` in /proc/self/status after the read (reset to the current
size first through /proc/self/clear_refs) less ``VmRSS`` before it, after
the imports.  Not ``ru_maxrss``: Linux carries the parent's peak over into
the child across fork and exec, which hides a child's smaller peak.  The
table shows medians over the rounds, each reader's time / clogreg's, MB/s
of CSV text, and the peak memory / the parsed array's bytes (rows x
columns x 8).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    reader, path, d = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if reader == "clogreg":
        from clogreg._csv import CsvFile
    elif reader == "before":
        from clogreg._cli import read_csv
    elif reader == "pandas":
        import pandas as pd
    try:        # the peak (VmHWM) back to the current size, if allowed
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = status("VmRSS")
    start = time.perf_counter()
    if reader == "clogreg":
        with CsvFile(path) as f:
            X, y = f.read(list(range(d - 1)), d - 1)
        shape = (X.shape[0], X.shape[1] + 1)
    elif reader == "before":     # the csv-module reader of clogreg 0.1.0
        table = read_csv(path)
        X, y = table.numbers(range(d - 1)), table.labels(d - 1)
        shape = (X.shape[0], X.shape[1] + 1)
    elif reader == "np.loadtxt":
        X = np.loadtxt(path, delimiter=",", skiprows=1)
        shape = X.shape
    else:
        X = pd.read_csv(path).to_numpy()
        shape = X.shape
    elapsed = time.perf_counter() - start
    print(json.dumps(dict(seconds=elapsed, peak=status("VmHWM") - before,
                          shape=list(shape))))
""")

READERS = ["clogreg", "np.loadtxt", "pandas"]


def write_csv(path, n, d, seed=0):
    rng = np.random.default_rng(seed)
    block = 20_000
    with open(path, "w") as f:
        f.write(",".join([f"x{j}" for j in range(d - 1)] + ["y"]) + "\n")
        for i in range(0, n, block):
            m = min(block, n - i)
            X = rng.standard_normal((m, d - 1)) * 10.0 ** rng.integers(-2, 3, d - 1)
            y = (X[:, 0] + rng.logistic(size=m) > 0).astype(int)
            np.savetxt(f, np.c_[X, y], delimiter=",",
                       fmt=["%.6g"] * (d - 1) + ["%d"])


def read_once(reader, path, d, before=None):
    env = None
    if reader == "before":      # another clogreg: the one on that path
        env = dict(os.environ, PYTHONPATH=before)
    proc = subprocess.run([sys.executable, "-c", CHILD, reader, path, str(d)],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout)


def fit_once(path, folder):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clogreg", "fit", path, "--target",
                    "y", "--out", os.path.join(folder, "model.json"), "--quiet"],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--columns", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--before", default=None, metavar="PYTHONPATH",
                        help="also time the csv-module reader of an older "
                             "clogreg (clogreg._cli.read_csv) importable with "
                             "this PYTHONPATH ('' for the interpreter's own)")
    parser.add_argument("--append", default=None, metavar="RESULTS.md",
                        help="append the table as a new section of this file")
    args = parser.parse_args()

    import pandas as pd

    import clogreg

    folder = tempfile.mkdtemp(prefix="clogreg-csv-", dir=args.dir)
    path = os.path.join(folder, "data.csv")
    n, d = args.rows, args.columns
    start = time.perf_counter()
    write_csv(path, n, d)
    size = os.path.getsize(path)
    print(f"{n:,} x {d} CSV, {size / 1e6:.1f} MB, written in "
          f"{time.perf_counter() - start:.1f} s", flush=True)

    readers = READERS + (["before"] if args.before is not None else [])
    runs = {reader: [] for reader in readers}
    fits = []
    for r in range(args.rounds):
        order = readers[r % len(readers):] + readers[:r % len(readers)]
        for reader in order:
            result = read_once(reader, path, d, args.before)
            assert result["shape"] == [n, d], result
            runs[reader].append(result)
        fits.append(fit_once(path, folder))
        print(f"round {r + 1}: " + ", ".join(
            f"{reader} {runs[reader][-1]['seconds']:.2f} s" for reader in readers)
            + f", clogreg fit {fits[-1]:.2f} s", flush=True)

    nbytes = n * d * 8
    ours = statistics.median(x["seconds"] for x in runs["clogreg"])
    versions = {"clogreg": clogreg.__version__, "np.loadtxt": np.__version__,
                "pandas": pd.__version__,
                "before": "(csv module + float, the reader this one replaced)"}
    lines = ["| reader | time (s) | MB/s of CSV | time / clogreg | peak memory "
             "(MB) | peak / array |",
             "|---|---|---|---|---|---|"]
    for reader in readers:
        seconds = statistics.median(x["seconds"] for x in runs[reader])
        peak = statistics.median(x["peak"] for x in runs[reader])
        lines.append(f"| {reader} {versions[reader]} | {seconds:.2f} | "
                     f"{size / 1e6 / seconds:.0f} | {seconds / ours:.2f} | "
                     f"{peak / 1e6:.0f} | {peak / nbytes:.2f} |")
    fit = statistics.median(fits)
    lines.append(f"| `clogreg fit` whole (read, fit, save; a fresh process) | "
                 f"{fit:.2f} | {size / 1e6 / fit:.0f} | {fit / ours:.2f} | | |")
    table = "\n".join(lines)
    machine = (f"{platform.processor() or platform.machine()}, "
               f"{os.cpu_count()} CPU(s), Python {platform.python_version()}")
    text = (f"\n## 9. Reading a CSV file: clogreg fit's reader, np.loadtxt, "
            f"pandas\n\n(`python benchmarks/csv_read.py`: a {n:,} x {d} file "
            f"of {size / 1e6:.0f} MB, {d - 1} columns written with `%.6g` and "
            f"an integer target; the parsed array is {nbytes / 1e6:.0f} MB.  "
            f"Medians of {args.rounds} interleaved rounds, each read in a "
            "fresh process; peak memory is VmHWM after the read less VmRSS "
            f"before it.  {machine}.)\n\n{table}\n")
    print(text)
    if args.append:
        with open(args.append, "a", encoding="utf-8") as f:
            f.write(text)
    os.remove(path)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    os.rmdir(folder)


if __name__ == "__main__":
    main()
