"""``python -m motcua.demo --data-dir data [--profile hatinh|small] [--seed 2009]``."""

import sys

from .generator import main

sys.exit(main())
