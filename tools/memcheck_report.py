"""Sort a valgrind memcheck log into clogreg's errors and everyone else's.

Usage: python tools/memcheck_report.py VALGRIND_LOG

An error counts against clogreg when any frame of its stacks (where it
happened, and where the memory involved was allocated) is in clogreg's
compiled engine: a source line of the generated C or of the .pyx files
(debug builds), or clogreg's extension modules (release builds, which have
no line information).  Those errors are printed in full and make the exit
status 1.

The other errors come from the interpreter and the system and are only
counted: CPython 3.11's ``int.from_bytes`` leaves digits that memcheck
considers uninitialised, glibc's dynamic loader and its AVX2 string
comparisons read whole words past the end of short strings (all well
known, all harmless); listing them would bury the errors that matter.
"""

import re
import sys
from collections import Counter

PREFIX = re.compile(r"^==\d+== ?")
CLOGREG_FRAME = re.compile(
    r"\((?:kernels|solvers|capi)\.c:\d+\)"      # generated C, debug build
    r"|\(clogreg_simd\.h:\d+\)"
    r"|\(\w+\.pyx:\d+\)"
    r"|/clogreg/(?:kernels|solvers|capi)\.[^ )]*\.so\)")   # release build


def error_blocks(lines):
    """Yield each error of the log as a list of lines without the prefix."""
    block = []
    for raw in lines:
        line = PREFIX.sub("", raw.rstrip("\n"))
        if line.strip():
            block.append(line)
            continue
        if len(block) > 1 and block[1].lstrip().startswith("at 0x"):
            yield block
        block = []
    if len(block) > 1 and block[1].lstrip().startswith("at 0x"):
        yield block


def main(path):
    with open(path, errors="replace") as f:
        blocks = list(error_blocks(f))
    ours = [b for b in blocks if any(CLOGREG_FRAME.search(x) for x in b)]
    others = Counter(b[0] for b in blocks if b not in ours)
    for block in ours:
        print("\n".join(block), end="\n\n")
    print(f"memcheck: {len(ours)} error(s) in clogreg's engine; "
          f"{sum(others.values())} elsewhere (interpreter, loader):")
    for kind, count in others.most_common():
        print(f"  {count:4d}  {kind}")
    return 1 if ours else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(sys.argv[1]))
