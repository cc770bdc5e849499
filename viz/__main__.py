"""`python -m viz`: the same as the `tracegrad` command."""

import sys

from viz.cli import main

sys.exit(main())
