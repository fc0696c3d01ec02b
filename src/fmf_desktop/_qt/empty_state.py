"""What a new user sees before any photo: how to get a photo in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fmf_desktop._qt.secondary_text import mark_secondary


class EmptyState(QWidget):
    open_requested = Signal()
    paste_requested = Signal()
    camera_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Getting started")
        em = self.fontMetrics().height()

        self.title = QLabel("Drop photos of your figurines here")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)

        self.hint = QLabel()
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)

        self.open_button = QPushButton("&Open photo…")
        self.open_button.setAccessibleName("Open photo")
        self.open_button.clicked.connect(self.open_requested)
        self.paste_button = QPushButton("&Paste image")
        self.paste_button.setAccessibleName("Paste image from the clipboard")
        self.paste_button.clicked.connect(self.paste_requested)
        self.camera_button = QPushButton("Use &camera")
        self.camera_button.setAccessibleName("Use the camera")
        self.camera_button.clicked.connect(self.camera_requested)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.open_button, self.paste_button, self.camera_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.privacy = QLabel("Everything runs on this computer; photos never leave it.")
        self.privacy.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.privacy.setWordWrap(True)
        mark_secondary(self.privacy)  # readable grey, not the "disabled" one

        layout = QVBoxLayout(self)
        layout.setContentsMargins(em * 2, em * 2, em * 2, em * 2)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(em)
        layout.addWidget(self.hint)
        layout.addSpacing(em)
        layout.addLayout(buttons)
        layout.addStretch(3)
        layout.addWidget(self.privacy)
        self.set_camera_available(False)

    def set_camera_available(self, available: bool) -> None:
        self.camera_button.setVisible(available)
        ways = [
            "Drag one or more photo files onto this window,",
            "paste an image or a copied file with <b>Ctrl+V</b>,",
            "or open a file with <b>Ctrl+O</b>.",
        ]
        if available:
            ways[-1] = "open a file with <b>Ctrl+O</b>,"
            ways.append("or point your camera at a shelf (<b>Ctrl+K</b>).")
        self.hint.setText(
            "<br>".join(ways)
            + "<br><br>Each figurine gets a box and a name, or an honest “not sure”."
        )
