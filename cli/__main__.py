"""`python -m cli ...`: the same as `community-trigger ...`."""

import sys

from cli.main import main

sys.exit(main())
