"""Shown in place of a photo that could not be opened; the rest of the queue carries on."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fmf_desktop._qt.secondary_text import mark_secondary

# Core messages that end in the decoder's own words, e.g. "x.jpg: the file cannot be read
# (Truncated File Read)": the words in brackets are for a bug report, not for the user.
_TECHNICAL_TAIL = re.compile(
    r"^(?P<head>.*: (?:the file cannot be read|the image could not be decoded"
    r"|the file is incomplete or damaged)) "
    r"\((?P<detail>.+)\)$", re.DOTALL)
_DAMAGED_HINTS = ("truncat", "broken", "premature end", "corrupt")


def split_error(message: str) -> tuple[str, str]:
    """The sentence to show, and technical detail for a smaller line (may be empty)."""
    found = _TECHNICAL_TAIL.match(message)
    if found is None:
        return message, ""
    head, detail = found.group("head"), found.group("detail")
    if any(hint in detail.lower() for hint in _DAMAGED_HINTS):
        label = head.rsplit(": ", 1)[0]
        head = f"{label}: the file is incomplete or damaged"
    return head, detail


class ErrorView(QWidget):
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Photo could not be opened")
        em = self.fontMetrics().height()
        self.title = QLabel("This photo could not be opened")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)

        self.message = QLabel()
        self.message.setAccessibleDescription("Error message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMaximumWidth(em * 40)

        self.details = QLabel()
        self.details.setAccessibleDescription("Technical details")
        self.details.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mark_secondary(self.details)
        self.details.hide()

        self.hint = QLabel("Your other photos are not affected. Try another file.")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        mark_secondary(self.hint)

        self.open_button = QPushButton("&Open another photo…")
        self.open_button.clicked.connect(self.open_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        row.addStretch(1)

        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(self.message, 4)
        center.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(em)
        layout.addLayout(center)
        layout.addWidget(self.details)
        layout.addSpacing(em // 2)
        layout.addWidget(self.hint)
        layout.addSpacing(em)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_error(self, message: str) -> None:
        headline, detail = split_error(message)
        self.message.setText(headline)
        self.message.setToolTip(message if detail else "")
        self.details.setText(f"Details: {detail}" if detail else "")
        self.details.setVisible(bool(detail))
