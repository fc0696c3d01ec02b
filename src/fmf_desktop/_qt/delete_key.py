"""The Delete key in a list or table does what the window's delete button does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def add_delete_key(
    view: QWidget,
    text: str,
    slot: Callable[[], object],
    *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetShortcut,
) -> QAction:
    """Pressing Delete while ``view`` has focus calls ``slot`` (the button's own slot, so
    any "are you sure?" question comes too). Only there: Delete in a text field next to
    it must still delete text. Returns the action, to disable it or put it in a menu."""
    action = QAction(text, view)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    action.setShortcutContext(context)
    action.triggered.connect(slot)
    view.addAction(action)
    return action
