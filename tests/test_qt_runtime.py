"""The Qt binding itself must not crash a long-running window.

PySide6 6.12.0 drops a reference to None on every Qt call that returns nothing. On
Python < 3.12 (where None is not immortal) the process aborts with "none_dealloc" after
a few thousand such calls: seconds of camera preview, minutes of normal use.
pyproject.toml excludes that version; this test catches a binding with the same bug.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.update()
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()  # returns None: the binding must hand back a new reference
    lost = before - sys.getrefcount(None)
    assert lost < 1000, f"{lost} references to None lost in 2000 calls: this PySide6 " \
                        "build will crash the app (pin another version)"
