"""Camera mode when there is no picture: no camera, camera busy or not allowed, or the end
of a video file.  A heading, what to do about it, and the buttons that do it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop._qt.shortcuts import plain_label


class CameraMessage(QWidget):
    open_video_requested = Signal()
    retry_requested = Signal()
    back_requested = Signal()  # leave camera mode for the photos

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Camera status")
        em = self.fontMetrics().height()
        self.heading = QLabel()
        self.heading.setAccessibleDescription("Camera status heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        self.text = QLabel()
        self.text.setAccessibleDescription("Camera status details")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Lines of a readable length: across a wide window one sentence ran ~1000 px.
        # (Expanding up to that width, centred by the stretches around it: a word-wrapped
        # label given an alignment instead gets its one-line height and is cut.)
        self.text.setMaximumWidth(self.fontMetrics().averageCharWidth() * 72)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        text_row = QHBoxLayout()
        text_row.addStretch(0)
        text_row.addWidget(self.text, 1)
        text_row.addStretch(0)

        self.retry_button = QPushButton("&Try again")
        self.retry_button.setAccessibleName("Try the camera again")
        self.retry_button.clicked.connect(self.retry_requested)
        self.open_button = QPushButton("Open a &video file…")
        self.open_button.setAccessibleName("Open a video file")
        self.open_button.clicked.connect(self.open_video_requested)
        # Without a picture there is nothing to do here but fix the camera or leave: a way
        # back that does not need the Camera toggle in the toolbar.
        self.back_button = QPushButton("&Back to photos")
        self.back_button.setAccessibleName("Back to photos")
        self.back_button.setToolTip("Leave camera mode (Ctrl+K)")
        self.back_button.clicked.connect(self.back_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(em * 2, em * 2, em * 2, em * 2)
        layout.addStretch(2)
        layout.addWidget(self.heading)
        layout.addSpacing(em)
        layout.addLayout(text_row)
        layout.addSpacing(em)
        layout.addLayout(buttons)
        layout.addStretch(3)

    def show_state(self, heading: str, text: str, *, retry: str | None = None,
                   open_video: str = "Open a &video file…") -> None:
        """`retry`: label of the retry button ("Try again", "Play again"), None hides it;
        `open_video`: label of the open button ("Open another video…" after a file)."""
        self.heading.setText(heading)
        self.text.setText(text)
        self.open_button.setText(open_video)
        self.open_button.setAccessibleName(plain_label(open_video))
        self.retry_button.setVisible(retry is not None)
        if retry is not None:
            self.retry_button.setText(retry)
            self.retry_button.setAccessibleName(plain_label(retry))
