"""One line of the top-5: name, franchise and a confidence bar; click (or arrow keys) to
pick it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import (
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QProgressBar,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop._qt.elide import ElidedLabel, NameAndFranchise
from fmf_desktop._qt.secondary_text import mark_secondary
from fmf_desktop.results import Candidate

# Where the dashed focus line runs, in pixels from the row's edge: clear of the 2 px
# border of the chosen row.
_FOCUS_INSET = 4


class CandidateRow(QRadioButton):
    """A radio button drawn as a row: screen readers hear "radio button, checked" for the
    chosen match, arrow keys move between the five (choosing as they go, like any radio
    group) and Tab reaches only the chosen one."""

    def __init__(self, rank: int, candidate: Candidate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidate = candidate
        percent = round(candidate.score * 100)
        self.setObjectName("candidateRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(
            f"Match {rank}: {candidate.name}, {candidate.franchise}, {percent} percent"
            if candidate.franchise else f"Match {rank}: {candidate.name}, {percent} percent"
        )
        self.setAccessibleDescription("Shows shop links for this character")
        # The tooltip carries the full name and franchise: either may be cut short.
        full = f"{candidate.name} ({candidate.franchise})" if candidate.franchise \
            else candidate.name
        self.setToolTip(f"{full}\nClick to show shop links for this character")

        # Not bold for the best match: bold read as "chosen", and the best match is
        # already first, has the longest bar and is the panel's heading.
        self.name_label = ElidedLabel(f"{rank}. {candidate.name}")
        self.franchise_label = ElidedLabel(candidate.franchise)
        self.franchise_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        mark_secondary(self.franchise_label)
        self.bar = QProgressBar()
        # 0-100: assistive technology reads the bar's value as it is ("31", not "310").
        self.bar.setRange(0, 100)
        self.bar.setValue(percent)
        self.bar.setFormat(f"{percent}%")
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName(f"Confidence {percent} percent")
        self.bar.setMaximumHeight(self.fontMetrics().height() + 4)

        layout = QVBoxLayout(self)
        # Inside the border and the focus line, clear space before the text: a focus
        # line touching the letters reads as clutter, not as "you are here".
        # Less above and below: a line of text has blank room over its letters already.
        em = self.fontMetrics().height()
        side = _FOCUS_INSET + 1 + em // 3 + 1
        top = _FOCUS_INSET + 1 + em // 4 + 1
        layout.setContentsMargins(side, top, side, top)
        layout.setSpacing(2)
        self.top_line = NameAndFranchise(self.name_label, self.franchise_label)
        layout.addWidget(self.top_line)
        layout.addWidget(self.bar)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    # -- a row, not a round indicator with text ---------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Asks for no more width than its minimum: the name and franchise elide to fit,
        # and the panel's layout stretches the row across the panel anyway.
        return QSize(self.minimumSizeHint().width(), self.layout().totalSizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.layout().totalMinimumSize()

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802 - Qt override
        return self.rect().contains(pos)  # the whole row, not just an indicator

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # Space chooses (as for any radio button); Return and Enter too, as before.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            event.accept()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        if self.isChecked():
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2)
        else:
            pen = QPen(palette.color(QPalette.ColorRole.Mid), 1)
        painter.setPen(pen)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)
        if self.hasFocus():
            # Drawn here rather than by the style, which may show focus only after a
            # Tab press or not at all: keyboard users must always see where they are.
            focus_pen = QPen(palette.color(QPalette.ColorRole.Text), 1,
                             Qt.PenStyle.DashLine)
            painter.setPen(focus_pen)
            inset = _FOCUS_INSET + 0.5  # a 1 px line on whole pixels: crisp, not smeared
            painter.drawRoundedRect(
                QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), 3, 3)
