"""Shown in place of a photo that could not be opened; the rest of the queue carries on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


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
        self.message.setAccessibleName("Error message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMaximumWidth(em * 40)

        self.hint = QLabel("Your other photos are not affected. Try another file.")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setEnabled(False)

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
        layout.addSpacing(em // 2)
        layout.addWidget(self.hint)
        layout.addSpacing(em)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_error(self, message: str) -> None:
        self.message.setText(message)
