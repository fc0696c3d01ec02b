"""Find My Figurine: identify anime figurines in photos, offline.

The package is split into a Qt-free core (``imaging``, ``vision``, ``recognition``,
``shops``, ``library``, ``live`` ...) used directly by the CLI and tests, and a thin
Qt layer under ``fmf_desktop._qt`` that never leaks into the core.
"""

from importlib import metadata

try:
    __version__ = metadata.version("fmf-desktop")
except metadata.PackageNotFoundError:  # running from a source tree or a frozen bundle
    __version__ = "0.1.0"
