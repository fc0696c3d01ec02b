"""A dismissable notice above the content (e.g. "save the image first").

Two kinds of notice share the bar. A warning (the default) stays until the user closes
it: "your library cannot be opened" must not vanish because a photo was dropped. A
transient notice ("the clipboard holds no image") is about the last thing the user did
and goes away with the next photo (``clear_transient``); while it shows, a warning under
it waits (the notice says so) and comes back when it goes.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from fmf_desktop._qt.announce import announce

_COLORS = {
    "info": ("#e3f2fd", "#0d47a1"),
    "error": ("#ffebee", "#b71c1c"),
}
WAITING_WARNING_NOTE = "(1 more message: close this one to see it)"


def kind_word(kind: str, *, transient: bool) -> str:
    """What the notice is, in words too, not only by colour (colour-blind users, screen
    readers): a problem that lasts is a "Warning:", one the last action ran into an
    "Error:", anything else a "Note:"."""
    if kind != "error":
        return "Note:"
    return "Error:" if transient else "Warning:"


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notice")
        self.setObjectName("messageBar")
        # One label for the kind word and the text: two labels side by side put their
        # baselines apart (bold and regular fonts sit differently in their boxes).
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
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
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.kind = "info"
        self.kind_word = ""  # "Warning:", "Error:" or "Note:" of the notice shown
        self._text = ""  # the notice shown, without its kind word
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
            self._text = ""
            self.hide()
            return
        text, kind = shown
        self.kind = kind
        self._text = text
        self.kind_word = kind_word(kind, transient=self._transient is not None)
        background, foreground = _COLORS.get(kind, _COLORS["info"])
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border-radius: 4px; }}"
            f"#messageBar QLabel {{ color: {foreground}; }}"
        )
        body = escape(text).replace("\n", "<br>")
        if self._transient is not None and self._warning is not None:
            # Without this the warning seems gone, yet comes back with the next photo.
            body += f" <i>{escape(WAITING_WARNING_NOTE)}</i>"
        self.label.setText(f"<b>{escape(self.kind_word)}</b> {body}")
        self.setAccessibleName(
            {"Warning:": "Warning", "Error:": "Error notice"}.get(self.kind_word, "Notice"))
        self.show()

    def text(self) -> str:
        """The notice shown (without its kind word), or "" when the bar is hidden."""
        return self._text if self.isVisible() else ""

    def spoken_text(self) -> str:
        """The notice as a screen reader should hear it: "Warning: …", "Note: …"."""
        if not self._text:
            return ""
        spoken = f"{self.kind_word} {self._text}"
        if self._transient is not None and self._warning is not None:
            spoken += f" {WAITING_WARNING_NOTE}"
        return spoken
