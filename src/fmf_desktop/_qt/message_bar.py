"""A dismissable notice above the content (e.g. "save the image first").

Two kinds of notice share the bar. A warning (the default) stays until the user closes
it: "your library cannot be opened" must not vanish because a photo was dropped. A
transient notice ("the clipboard holds no image") is about the last thing the user did
and goes away with the next photo (``clear_transient``); while it shows, a warning under
it waits (the notice says so) and comes back when it goes. Warnings pile up rather than
replace each other ("the library is read-only" must not vanish because the settings
cannot be saved either): the newest shows, and closing it shows the one before.

The bar is a pale tint on light themes and a dark one on dark themes, its text and close
button coloured to match, worked out again when the theme changes.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from fmf_desktop._qt.announce import announce
from fmf_desktop._qt.palette_follow import follow_palette
from fmf_desktop._qt.status_color import is_dark, status_color
from fmf_desktop.wording import count_noun

#: The bar's background by kind: (on a light theme, on a dark theme).
_TINTS = {
    "info": ("#e3f2fd", "#0d2a44"),
    "error": ("#ffebee", "#4a1717"),
}


def waiting_note(count: int) -> str:
    """What a notice says about the ``count`` messages under it: without it they seem
    gone, yet come back when it is closed (or with the next photo)."""
    return (f"({count_noun(count, 'more message')}: close this one to see "
            f"{'it' if count == 1 else 'the next'})")


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
        # (text, kind) of each warning until closed, oldest first; the last one shows.
        self._warnings: list[tuple[str, str]] = []
        self._transient: tuple[str, str] | None = None
        self._colors = follow_palette(self, self._colors_for)
        self.hide()

    def show_message(self, text: str, kind: str = "info", *, transient: bool = False) -> None:
        """Show ``text``; ``transient`` ones are cleared by ``clear_transient``."""
        if transient:
            self._transient = (text, kind)
        else:
            # Said again, the same warning moves to the top instead of showing twice.
            self._warnings = [w for w in self._warnings if w[0] != text] + [(text, kind)]
            self._transient = None
        self._refresh()
        # Appearing above the content does not move focus: a screen reader is told.
        announce(self, self.spoken_text(), urgent=kind == "error")

    def clear_transient(self) -> None:
        """Forget a notice about the previous action; a warning stays."""
        self._transient = None
        self._refresh()

    def dismiss(self) -> None:
        """The close button: the notice shown goes (the warning under it shows)."""
        if self._transient is not None:
            self._transient = None
        elif self._warnings:
            self._warnings.pop()
        self._refresh()

    def _waiting(self) -> int:
        """How many messages wait under the one shown."""
        return len(self._warnings) - (0 if self._transient is not None else 1)

    def _refresh(self) -> None:
        shown = self._transient or (self._warnings[-1] if self._warnings else None)
        if shown is None:
            self._text = ""
            self.hide()
            return
        text, kind = shown
        self.kind = kind
        self._text = text
        self.kind_word = kind_word(kind, transient=self._transient is not None)
        self._colors.apply()
        body = escape(text).replace("\n", "<br>")
        if self._waiting():
            body += f" <i>{escape(waiting_note(self._waiting()))}</i>"
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
        if self._waiting():
            spoken += f" {waiting_note(self._waiting())}"
        return spoken

    def _colors_for(self, palette: QPalette) -> dict[QPalette.ColorRole, QColor]:
        """The bar's tint for the kind shown, and text and close button readable on it
        (the button's own text colour, white on dark themes, vanished on a pale bar)."""
        kind = self.kind if self.kind in _TINTS else "info"
        light, dark = _TINTS[kind]
        on_tint = QPalette(palette)
        on_tint.setColor(QPalette.ColorRole.Window, QColor(dark if is_dark(palette) else light))
        foreground = status_color(on_tint, kind)
        return {
            QPalette.ColorRole.Window: on_tint.color(QPalette.ColorRole.Window),
            QPalette.ColorRole.WindowText: foreground,
            QPalette.ColorRole.ButtonText: foreground,
        }

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        # Drawn here rather than by a style sheet, so the tint follows the palette.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(QRectF(self.rect()), 4, 4)
