"""A dismissable one-line notice above the content (e.g. "save the image first")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_COLORS = {
    "info": ("#e3f2fd", "#0d47a1"),
    "error": ("#ffebee", "#b71c1c"),
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notice")
        self.setObjectName("messageBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Dismiss notice")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        em = self.fontMetrics().height()
        layout.setContentsMargins(em // 2, em // 4, em // 4, em // 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        self.kind = "info"
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        self.kind = kind
        background, foreground = _COLORS.get(kind, _COLORS["info"])
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border-radius: 4px; }}"
            f"#messageBar QLabel {{ color: {foreground}; }}"
        )
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
