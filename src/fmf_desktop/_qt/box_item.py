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
# Deep orange: white caption text on it reads at 5.6:1 (#e65100 was 3.8:1).
UNSURE_COLOR = QColor("#bf360c")
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


class BoxLabel(QGraphicsSimpleTextItem):
    """Caption with a solid background; ignores zoom so it stays readable."""

    def __init__(self, text: str, color: QColor) -> None:
        super().__init__(text)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(Qt.GlobalColor.white))
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self._background = color
        self._pad = 3.0

    def set_color(self, color: QColor) -> None:
        self._background = color
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return super().boundingRect().adjusted(-self._pad, -self._pad, self._pad, self._pad)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.fillRect(self.boundingRect(), self._background)
        super().paint(painter, option, widget)


class BoxItem(QGraphicsRectItem):
    """A figurine's box; ``index`` is its position in the photo's result.

    The caption is a sibling item, not a child: PySide deletes a Python-held child twice
    when its parent goes first, so the canvas adds and removes both itself.
    """

    def __init__(self, index: int, figurine: Figurine, selected: bool) -> None:
        box = figurine.box
        super().__init__(QRectF(box.x, box.y, box.w, box.h))
        self.index = index
        self.figurine = figurine
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(figurine_caption(index, figurine))
        self.label = BoxLabel(figurine_caption(index, figurine, short=True), KNOWN_COLOR)
        self.label.setPos(box.x, box.y)
        self.set_selected(selected)

    def set_selected(self, selected: bool) -> None:
        # Restyled in place rather than rebuilt: deleting items from inside a mouse
        # event handler leaves the view with dangling pointers.
        unsure = self.figurine.decision == "unsure"
        color = SELECTED_COLOR if selected else (UNSURE_COLOR if unsure else KNOWN_COLOR)
        pen = QPen(color, 4 if selected else 2.5)
        pen.setCosmetic(True)  # same on-screen width at every zoom level
        if unsure and not selected:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(40 if selected else 0)
        self.setBrush(QBrush(fill))
        self.setZValue(2 if selected else 1)
        self.label.setZValue(self.zValue() + 2)  # captions above every box
        self.label.set_color(color)
