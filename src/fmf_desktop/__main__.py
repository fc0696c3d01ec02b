"""``python -m fmf_desktop``: same as the ``fmf-desktop`` command."""

import sys

from fmf_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
