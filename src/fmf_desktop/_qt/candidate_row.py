"""One line of the top-5: name, franchise and a confidence bar; click to pick it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from fmf_desktop._qt.secondary_text import mark_secondary
from fmf_desktop.results import Candidate


class ElidedLabel(QLabel):
    """One line of text that ends in "…" when narrower than the text, instead of asking
    its layout for the full width (which pushes the row out of the results panel)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        super().setText(text)

    def full_text(self) -> str:
        return self._full_text

    def is_elided(self) -> bool:
        return self.text() != self._full_text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full_text = text
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full_text) + margins.left() \
            + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Room for a couple of letters and the ellipsis.
        width = min(self.sizeHint().width(), self.fontMetrics().horizontalAdvance("Mm…"))
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        available = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(
            self._full_text, Qt.TextElideMode.ElideRight, max(0, available))
        super().setText(shown)


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
        # The tooltip carries the full name and franchise: either may be cut short.
        full = f"{candidate.name} ({candidate.franchise})" if candidate.franchise \
            else candidate.name
        self.setToolTip(f"{full}\nClick to show shop links for this character")

        self.name_label = ElidedLabel(f"{rank}. {candidate.name}")
        font = self.name_label.font()
        font.setBold(rank == 1)
        self.name_label.setFont(font)
        self.franchise_label = ElidedLabel(candidate.franchise)
        self.franchise_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        mark_secondary(self.franchise_label)
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
        layout.addWidget(self.franchise_label, 0, 1)
        # Spare width goes to the name, pushing the franchise to the right edge; when
        # there is too little, both end in "…" (the tooltip has them in full).
        self.name_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                      QSizePolicy.Policy.Preferred)
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
