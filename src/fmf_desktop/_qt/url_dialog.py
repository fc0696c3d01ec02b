"""Shown when the system browser could not be started: the URL plus a Copy button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class UrlDialog(QDialog):
    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Couldn't open the browser")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.url = url

        message = QLabel(
            "The system browser could not be started. Copy this address and open it "
            "in your browser yourself:"
        )
        message.setWordWrap(True)

        self.url_field = QLineEdit(url)
        self.url_field.setReadOnly(True)
        self.url_field.setAccessibleName("Shop address")
        self.url_field.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.url_field.selectAll()

        self.copy_button = QPushButton("&Copy")
        self.copy_button.setAccessibleName("Copy the address")
        self.copy_button.clicked.connect(self.copy)

        row = QHBoxLayout()
        row.addWidget(self.url_field, 1)
        row.addWidget(self.copy_button)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.copy_button.setText("Copied")
