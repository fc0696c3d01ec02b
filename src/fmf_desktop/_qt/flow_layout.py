"""A layout that wraps its widgets onto more rows when the width runs out.

Rows of buttons in the narrow results panel (shop links, "Add to collection" / "Not
this?") must never be wider than the panel: a QHBoxLayout or QGridLayout would demand
the sum of its buttons' widths and push them out of sight. This layout asks for no more
width than its widest item and answers heightForWidth, so a QScrollArea that resizes its
widget gives it the height the wrapped rows need.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QStyle, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new row when the next one does not fit.

    ``uniform``: equal-width columns (as many as the widest item allows), so a list of
    shop buttons reads as a tidy grid that turns into one column when narrow. An item
    wider than the whole row is squeezed to the row's width rather than overflowing.
    """

    def __init__(self, parent: QWidget | None = None, *, uniform: bool = False) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._uniform = uniform
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout bookkeeping --------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Everything on one row: what the layout would like when there is room.
        visible = self._visible()
        width = sum(i.sizeHint().width() for i in visible)
        width += self._spacing_x() * max(0, len(visible) - 1)
        height = max((i.sizeHint().height() for i in visible), default=0)
        return self._with_margins(QSize(width, height))

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        # One item per row, and an item may be squeezed: never wider than a small button,
        # so the panel (not this row) decides how narrow things get.
        visible = self._visible()
        em = self._em()
        width = min(max((i.sizeHint().width() for i in visible), default=0), em * 6)
        height = max((i.minimumSize().height() for i in visible), default=0)
        return self._with_margins(QSize(width, height))

    # -- placement ----------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _em(self) -> int:
        parent = self.parentWidget()
        return parent.fontMetrics().height() if parent is not None else 16

    def _spacing_x(self) -> int:
        spacing = self.spacing()
        return spacing if spacing >= 0 else self._style_spacing(Qt.Orientation.Horizontal)

    def _spacing_y(self) -> int:
        spacing = self.spacing()
        return spacing if spacing >= 0 else self._style_spacing(Qt.Orientation.Vertical)

    def _style_spacing(self, orientation: Qt.Orientation) -> int:
        parent = self.parentWidget()
        if parent is None:
            return 6
        metric = (QStyle.PixelMetric.PM_LayoutHorizontalSpacing
                  if orientation == Qt.Orientation.Horizontal
                  else QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        value = parent.style().pixelMetric(metric, None, parent)
        return value if value >= 0 else 6

    def _with_margins(self, size: QSize) -> QSize:
        m: QMargins = self.contentsMargins()
        return QSize(size.width() + m.left() + m.right(), size.height() + m.top() + m.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Place the items in ``rect`` (or only measure); returns the height used."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        width = max(1, area.width())
        items = self._visible()
        if not items:
            return 0
        gap_x, gap_y = self._spacing_x(), self._spacing_y()
        if self._uniform:
            widest = max(i.sizeHint().width() for i in items)
            columns = max(1, min(len(items), (width + gap_x) // (widest + gap_x)))
            cell = (width - gap_x * (columns - 1)) // columns
            sizes = [QSize(cell, i.sizeHint().height()) for i in items]
        else:
            sizes = [QSize(min(i.sizeHint().width(), width), i.sizeHint().height())
                     for i in items]
        x, y, row_height = area.x(), area.y(), 0
        for item, size in zip(items, sizes, strict=True):
            if x > area.x() and x + size.width() > area.x() + width:
                x = area.x()
                y += row_height + gap_y
                row_height = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), size))
            x += size.width() + gap_x
            row_height = max(row_height, size.height())
        return y + row_height - area.y() + m.top() + m.bottom()
