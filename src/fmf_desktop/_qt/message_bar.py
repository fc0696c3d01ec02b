"""A dismissable notice above the content (e.g. "save the image first").

Two kinds of notice share the bar. A warning (the default) stays until the user closes
it: "your library cannot be opened" must not vanish because a photo was dropped. A
transient notice ("the clipboard holds no image") is about the last thing the user did
and goes away with the next photo (``clear_transient``); while it shows, a warning under
it waits and comes back when it goes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from fmf_desktop._qt.announce import announce

_COLORS = {
    "info": ("#e3f2fd", "#0d47a1"),
    "error": ("#ffebee", "#b71c1c"),
}
# Said in words too, not only by colour (colour-blind users, screen readers).
_KIND_WORDS = {"info": "Note:", "error": "Error:"}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notice")
        self.setObjectName("messageBar")
        self.kind_label = QLabel()
        self.kind_label.setStyleSheet("font-weight: bold;")
        self.kind_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Dismiss notice")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        em = self.fontMetrics().height()
        layout.setContentsMargins(em // 2, em // 4, em // 4, em // 4)
        layout.addWidget(self.kind_label)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.kind = "info"
        self._warning: tuple[str, str] | None = None  # (text, kind) until closed
        self._transient: tuple[str, str] | None = None
        self.hide()

    def show_message(self, text: str, kind: str = "info", *, transient: bool = False) -> None:
        """Show ``text``; ``transient`` ones are cleared by ``clear_transient``."""
        if transient:
            self._transient = (text, kind)
        else:
            self._warning = (text, kind)
            self._transient = None
        self._refresh()
        # Appearing above the content does not move focus: a screen reader is told.
        announce(self, self.spoken_text(), urgent=kind == "error")

    def clear_transient(self) -> None:
        """Forget a notice about the previous action; a warning stays."""
        self._transient = None
        self._refresh()

    def dismiss(self) -> None:
        """The close button: the notice shown goes (a warning under it shows again)."""
        if self._transient is not None:
            self._transient = None
        else:
            self._warning = None
        self._refresh()

    def _refresh(self) -> None:
        shown = self._transient or self._warning
        if shown is None:
            self.hide()
            return
        text, kind = shown
        self.kind = kind
        background, foreground = _COLORS.get(kind, _COLORS["info"])
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border-radius: 4px; }}"
            f"#messageBar QLabel {{ color: {foreground}; }}"
        )
        self.kind_label.setText(_KIND_WORDS.get(kind, _KIND_WORDS["info"]))
        self.label.setText(text)
        self.setAccessibleName("Error notice" if kind == "error" else "Notice")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def spoken_text(self) -> str:
        """The notice as a screen reader should hear it: "Error: …" or "Note: …"."""
        shown = self._transient or self._warning
        if shown is None:
            return ""
        text, kind = shown
        return f"{_KIND_WORDS.get(kind, _KIND_WORDS['info'])} {text}"
