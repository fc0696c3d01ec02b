"""Whether a widget's window is minimised, for widgets that must stop costly work then."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget


class MinimiseWatcher(QObject):
    """Follows the minimised state of ``widget``'s top-level window.

    A child widget gets no WindowStateChange of its own, and it may be moved into another
    window (camera mode is built apart and then put into the main window), so the window
    to follow is looked up again each time the widget is shown."""

    changed = Signal(bool)  # minimised

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._window: QWidget | None = None
        self.minimised = False
        # Seen before the widget's own showEvent, so that already knows the state.
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self._widget and event.type() == QEvent.Type.Show:
            self._follow(self._widget.window())
        elif watched is self._window and event.type() == QEvent.Type.WindowStateChange:
            self._set(self._window.isMinimized())
        return super().eventFilter(watched, event)

    def _follow(self, window: QWidget) -> None:
        if window is self._window:
            return
        if self._window is not None:
            self._window.removeEventFilter(self)
        self._window = window
        window.installEventFilter(self)
        self._set(window.isMinimized())

    def _set(self, minimised: bool) -> None:
        if minimised != self.minimised:
            self.minimised = minimised
            self.changed.emit(minimised)
