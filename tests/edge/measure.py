"""Run `responder ARGS` in this process and write its peak resident memory (KiB) to $EDGE_MAXRSS_FILE."""

from __future__ import annotations

import os
import resource
import sys

from responder.cli import main

if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    finally:
        with open(os.environ["EDGE_MAXRSS_FILE"], "w", encoding="utf-8") as f:
            f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    sys.exit(code)
