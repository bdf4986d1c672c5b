"""Type stubs of the compiled ``clogreg._csvparse`` (src/_csvparse.pyx).

Internal: the inner loop of the CSV reader ``clogreg._csv``, which parses
a buffer of CSV bytes straight into a float64 array.
"""

import numpy as np
from numpy.typing import NDArray

# the statuses of parse_records
DONE: int
NEED_MORE: int
TROUBLE: int
FULL: int
# kinds of columns besides "column j of out"
SKIP: int
LABEL: int

def parse_records(
    buf: bytes | bytearray | memoryview,
    pos: int,
    eof: bool,
    delimiter: int,
    kinds: NDArray[np.intp],
    out: NDArray[np.float64],
    out_row: int,
    codes: NDArray[np.int32],
    row: int,
    line: int,
    label_codes: dict[bytes, int],
    label_first: list[tuple[int, int]],
) -> tuple[int, int, int, int]: ...
