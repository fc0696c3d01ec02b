"""The labelled rectangle drawn over one figurine on the canvas."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from fmf_desktop.results import Figurine

KNOWN_COLOR = QColor("#2e7d32")
UNSURE_COLOR = QColor("#e65100")
SELECTED_COLOR = QColor("#1565c0")


def figurine_caption(index: int, figurine: Figurine, *, short: bool = False) -> str:
    """Text for the figurine list (and, ``short``, the box label): number, name or
    "Not sure"."""
    best = figurine.best
    if best is None:
        return f"{index + 1}. Nothing recognised"
    percent = round(best.score * 100)
    if figurine.decision == "unsure":
        # On the photo the guess is left out: labels of nearby boxes would overlap.
        if short:
            return f"{index + 1}. Not sure"
        return f"{index + 1}. Not sure ({best.name}? {percent}%)"
    return f"{index + 1}. {best.name} {percent}%"


class _Label(QGraphicsSimpleTextItem):
    """Caption with a solid background; ignores zoom so it stays readable."""

    def __init__(self, text: str, color: QColor, parent: QGraphicsItem) -> None:
        super().__init__(text, parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(Qt.GlobalColor.white))
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self._background = color
        self._pad = 3.0

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return super().boundingRect().adjusted(-self._pad, -self._pad, self._pad, self._pad)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.fillRect(self.boundingRect(), self._background)
        super().paint(painter, option, widget)


class BoxItem(QGraphicsRectItem):
    """A figurine's box; ``index`` is its position in the photo's result."""

    def __init__(self, index: int, figurine: Figurine, selected: bool) -> None:
        box = figurine.box
        super().__init__(QRectF(box.x, box.y, box.w, box.h))
        self.index = index
        self.figurine = figurine
        color = UNSURE_COLOR if figurine.decision == "unsure" else KNOWN_COLOR
        if selected:
            color = SELECTED_COLOR
        pen = QPen(color, 4 if selected else 2.5)
        pen.setCosmetic(True)  # same on-screen width at every zoom level
        if figurine.decision == "unsure" and not selected:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(40 if selected else 0)
        self.setBrush(QBrush(fill))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(figurine_caption(index, figurine))
        self.setZValue(2 if selected else 1)
        self.label = _Label(figurine_caption(index, figurine, short=True), color, self)
        self.label.setPos(box.x, box.y)
