"""``python -m clogreg``: the command line (implemented in ``clogreg._cli``)."""

import sys

from ._cli import demo, main

__all__ = ["demo", "main"]

if __name__ == "__main__":
    sys.exit(main())
