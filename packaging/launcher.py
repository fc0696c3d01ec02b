"""Entry script of the frozen app (PyInstaller needs a file, not a ``module:function``).

It does exactly what the ``fmf-desktop`` console script does. One extra, hidden mode
exists for ``packaging/smoke_test.py`` only: when ``FMF_SMOKE`` is set, the frozen app
runs a named check instead of the normal command line, because some things can only be
checked from inside the frozen process (which Qt plugins load, what environment a
browser started by the app would inherit). Users never set it; an unknown value fails
loudly instead of starting the app.
"""

from __future__ import annotations

import os
import sys

SMOKE_ENV = "FMF_SMOKE"


def main() -> int:
    mode = os.environ.get(SMOKE_ENV)
    if mode:
        from fmf_desktop_smoke import run_smoke  # bundled next to this script

        return run_smoke(mode, sys.argv[1:])
    from fmf_desktop.cli import main as cli_main

    return int(cli_main())


if __name__ == "__main__":
    sys.exit(main())
