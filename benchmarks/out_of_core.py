"""A fit out of core: an N-row float64 ``.npy`` file read through a memmap.

    python benchmarks/out_of_core.py [--rows N] [--features D] [--dir DIR]
                                     [--cold] [--keep]

Writes a rows x features float64 ``.npy`` file (default 10,000,000 x 100:
8 GB) block by block with ``np.lib.format.open_memmap``, with binary
labels drawn from a logistic model, then fits ``LogisticRegression()`` on
``np.load(path, mmap_mode="r")`` and prints the wall time, the passes over
X (``model._n_passes``) and the peak anonymous memory of the process.

Peak memory: ``VmHWM`` counts the file's pages the fit maps (they belong
to the page cache, not to the process, and the kernel drops them under
pressure), so a thread samples ``RssAnon`` in /proc/self/status every 50
ms instead; the target of issue 14 is a peak under 300 MB for the 8 GB
file.  ``--cold`` asks the kernel to drop the file's cached pages first
(``posix_fadvise(DONTNEED)``), so that the fit reads from the disk.

The file goes to ``--dir`` (default: the system's temporary directory)
and is removed at the end unless ``--keep``.  It needs the disk space
(8 GB at the default size), not the memory.
"""

import argparse
import os
import tempfile
import threading
import time

import numpy as np

BLOCK_ROWS = 100_000


def rss_anon():
    """The process's anonymous resident memory in bytes (Linux only)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


class PeakRssAnon(threading.Thread):
    """Samples RssAnon every ``interval`` seconds until stopped; the engine
    releases the GIL in its passes, so the samples fall inside them."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = rss_anon()
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, rss_anon())
            self.samples += 1

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, rss_anon())
        return self.peak


def write_data(path, rows, features, seed=0):
    """Write X (rows x features float64) to ``path`` a block at a time and
    return the labels (int8: 1 byte a row)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=features) / np.sqrt(features)
    X = np.lib.format.open_memmap(path, "w+", np.float64, (rows, features))
    y = np.empty(rows, dtype=np.int8)
    for i in range(0, rows, BLOCK_ROWS):
        block = rng.standard_normal((min(BLOCK_ROWS, rows - i), features))
        X[i:i + block.shape[0]] = block
        y[i:i + block.shape[0]] = block @ w + rng.logistic(size=block.shape[0]) > 0
    X.flush()
    del X
    return y


def drop_cached_pages(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--dir", default=None,
                        help="where to write the .npy file (default: TMPDIR)")
    parser.add_argument("--cold", action="store_true",
                        help="drop the file's cached pages before the fit")
    parser.add_argument("--keep", action="store_true",
                        help="keep the .npy file")
    args = parser.parse_args(argv)

    from clogreg import LogisticRegression, show_config

    info = show_config(print_out=False)
    fd, path = tempfile.mkstemp(prefix="clogreg-out-of-core-", suffix=".npy",
                                dir=args.dir)
    os.close(fd)
    try:
        start = time.perf_counter()
        y = write_data(path, args.rows, args.features)
        written = time.perf_counter() - start
        if args.cold:
            drop_cached_pages(path)
        X = np.load(path, mmap_mode="r")
        before = rss_anon()
        sampler = PeakRssAnon()
        sampler.start()
        start = time.perf_counter()
        model = LogisticRegression().fit(X, y)
        wall = time.perf_counter() - start
        peak = sampler.stop()
        size = os.path.getsize(path)
        print(f"clogreg {info['version']}, {info['threads']} thread(s); X: "
              f"{args.rows:,} x {args.features} float64, {size / 1e9:.2f} GB "
              f"in {path} (written in {written:.1f} s"
              f"{'; page cache dropped' if args.cold else ''})")
        print(f"{'wall time':<26}{wall:.2f} s")
        print(f"{'passes over X':<26}{model._n_passes} "
              f"({model.n_iter_[0]} iterations)")
        print(f"{'read rate':<26}{model._n_passes * size / wall / 1e9:.2f} GB/s")
        print(f"{'RssAnon before the fit':<26}{before / 2**20:.1f} MiB")
        print(f"{'peak RssAnon':<26}{peak / 2**20:.1f} MiB "
              f"(+{(peak - before) / 2**20:.1f} MiB during the fit, "
              f"{sampler.samples} samples; X is {size / 2**20:,.0f} MiB)")
    finally:
        if not args.keep:
            os.remove(path)


if __name__ == "__main__":
    main()
