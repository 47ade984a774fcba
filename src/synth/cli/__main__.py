"""``python -m synth.cli``: the same as the ``synth`` command."""

import sys

from . import main

sys.exit(main())
