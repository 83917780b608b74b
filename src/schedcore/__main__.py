"""``python -m schedcore`` runs the ``schedcore`` command."""

import sys

from schedcore.cli import main

sys.exit(main())
