"""One line of the top-5: name, franchise and a confidence bar; click to pick it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QWidget

from fmf_desktop.results import Candidate


class CandidateRow(QFrame):
    clicked = Signal()

    def __init__(self, rank: int, candidate: Candidate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidate = candidate
        percent = round(candidate.score * 100)
        self.setObjectName("candidateRow")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(
            f"Match {rank}: {candidate.name}, {candidate.franchise}, {percent} percent"
        )
        self.setToolTip("Show shop links for this character")

        self.name_label = QLabel(f"{rank}. {candidate.name}")
        font = self.name_label.font()
        font.setBold(rank == 1)
        self.name_label.setFont(font)
        self.franchise_label = QLabel(candidate.franchise)
        self.franchise_label.setEnabled(False)  # greyed: secondary information
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(round(candidate.score * 1000))
        self.bar.setFormat(f"{percent}%")
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName(f"Confidence {percent} percent")
        self.bar.setMaximumHeight(self.fontMetrics().height() + 4)

        layout = QGridLayout(self)
        margin = self.fontMetrics().height() // 3
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.name_label, 0, 0)
        layout.addWidget(self.franchise_label, 0, 1, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.bar, 1, 0, 1, 2)
        self.set_checked(False)

    def set_checked(self, checked: bool) -> None:
        self._checked = checked
        # A dynamic property drives the style sheet set by the results panel.
        self.setProperty("checked", checked)
        self.style().unpolish(self)
        self.style().polish(self)

    def is_checked(self) -> bool:
        return self._checked

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
        else:
            super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.clicked.emit()
            event.accept()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.update()
