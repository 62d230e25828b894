"""``python -m paramlab``: exactly what the ``paramlab`` command does."""
import sys

from paramlab.gui.app import main

sys.exit(main())
