"""Palette colours worked out from the palette a widget inherits, kept up to date.

A colour copied into a widget's palette once (a readable grey, a status red, a field
background) stays as it was when the user switches between a light and a dark theme,
and ends up unreadable. ``follow_palette`` works such colours out again from the
inherited palette whenever it changes (``QEvent.PaletteChange``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: From the inherited palette, the colours a widget shows instead of it, by role.
ColorsFor = Callable[[QPalette], Mapping[QPalette.ColorRole, QColor]]


def inherited_palette(widget: QWidget) -> QPalette:
    """The palette ``widget`` would have without colours set on it: its parent's, or
    for a window (which Qt does not let inherit its parent's) the application's."""
    parent = widget.parentWidget()
    if parent is not None and not widget.isWindow():
        return parent.palette()
    return QApplication.palette(widget)


class PaletteFollower(QObject):
    """Sets some of a widget's palette colours, now and after each palette change."""

    def __init__(self, widget: QWidget, colors_for: ColorsFor) -> None:
        super().__init__(widget)
        self._widget = widget
        self._colors_for = colors_for
        # Setting the palette sends the widget a PaletteChange of its own.
        self._applying = False
        widget.installEventFilter(self)
        self.apply()

    def set_colors(self, colors_for: ColorsFor) -> None:
        self._colors_for = colors_for
        self.apply()

    def apply(self) -> None:
        """Work the colours out again (after the state they depend on changed)."""
        widget = self._widget
        palette = QPalette(widget.palette())
        for role, color in self._colors_for(inherited_palette(widget)).items():
            palette.setColor(role, color)
        self._applying = True
        try:
            widget.setPalette(palette)
        finally:
            self._applying = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.PaletteChange and not self._applying:
            self.apply()
        return False


def follow_palette(widget: QWidget, colors_for: ColorsFor) -> PaletteFollower:
    """Give ``widget`` the colours ``colors_for`` works out from its inherited palette,
    and again whenever that changes. A second call for the same widget replaces the
    first's rule (one follower per widget, so they never fight)."""
    follower = widget.findChild(PaletteFollower, "",
                                Qt.FindChildOption.FindDirectChildrenOnly)
    if follower is None:
        return PaletteFollower(widget, colors_for)
    follower.set_colors(colors_for)
    return follower
