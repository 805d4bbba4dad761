"""``python -m nasbench`` runs the CLI."""

from __future__ import annotations

import sys

from nasbench.cli import main

sys.exit(main())
