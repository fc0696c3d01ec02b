"""Open shop pages in the system browser, with a copy-the-URL fallback.

A PyInstaller build on Linux points LD_LIBRARY_PATH at its bundled libraries. The
browser that QDesktopServices starts inherits that and can crash on our copies of
libstdc++/libssl, so the original value is put back just for the call.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QWidget

from fmf_desktop._qt.url_dialog import UrlDialog

_LD = "LD_LIBRARY_PATH"
_LD_ORIG = "LD_LIBRARY_PATH_ORIG"  # where PyInstaller's bootloader keeps the user's value


@contextmanager
def original_library_path(
    environ: MutableMapping[str, str] | None = None, *, frozen: bool | None = None
) -> Iterator[None]:
    """Temporarily give child processes the LD_LIBRARY_PATH the user launched us with."""
    env = os.environ if environ is None else environ
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    saved = env.get(_LD)
    original = env.get(_LD_ORIG)
    if original is not None:
        env[_LD] = original
    elif is_frozen:
        # Frozen without an ORIG: the user had none, so the bundle's value must go.
        env.pop(_LD, None)
    try:
        yield
    finally:
        if saved is None:
            env.pop(_LD, None)
        else:
            env[_LD] = saved


def open_url(url: str, parent: QWidget | None = None) -> bool:
    """Open ``url`` in the system browser; when that fails, show it with a Copy button.

    Returns whether the browser accepted the URL. The fallback dialog is window-modal
    but does not block the caller when there is a parent window.
    """
    with original_library_path():
        ok = bool(QDesktopServices.openUrl(QUrl(url)))
    if not ok:
        parent = parent or QApplication.activeWindow()
        dialog = UrlDialog(url, parent)
        if parent is None:
            dialog.exec()  # nothing would keep a parentless, non-modal dialog alive
        else:
            dialog.open()
    return ok
