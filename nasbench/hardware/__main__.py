"""``python -m nasbench.hardware profile ...``."""

from __future__ import annotations

import sys

from nasbench.hardware._cli import main

if __name__ == "__main__":
    sys.exit(main())
