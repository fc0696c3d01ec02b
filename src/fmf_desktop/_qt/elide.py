"""Text cut short with "…" to fit its room, instead of widening what holds it.

``ElidedLabel`` is one line of text; ``NameAndFranchise`` places two of them on a line,
the first kept whole as long as it fits; ``FitWidthDelegate`` keeps list rows no wider
than their list, and ``fit_list_to_width`` sets a list view up that way.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)


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


class NameAndFranchise(QWidget):
    """The row's top line: the name on the left, the franchise on the right.

    Placed by hand because a layout shares a shortage between its items, cutting both to
    "1. Ouro Kr…" and "hololive Engl…". The name is what the user is looking for, so it
    keeps its full width first; the franchise takes what is left (ending in "…"), and goes
    when only a few letters of it would fit (the tooltip and the accessible name still
    have it).
    """

    def __init__(self, name: ElidedLabel, franchise: ElidedLabel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_label = name
        self.franchise_label = franchise
        name.setParent(self)
        franchise.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _gap(self) -> int:
        return self.fontMetrics().height() // 2

    def _least_useful_franchise_width(self) -> int:
        # About eight letters: enough to recognise most franchises by their start.
        return self.fontMetrics().height() * 4

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        name, franchise = self.name_label.sizeHint(), self.franchise_label.sizeHint()
        width = name.width()
        if self.franchise_label.full_text():
            width += self._gap() + franchise.width()
        return QSize(width, max(name.height(), franchise.height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.name_label.minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place_labels()

    def _place_labels(self) -> None:
        width, height = self.width(), self.height()
        name_width = min(self.name_label.sizeHint().width(), width)
        room_for_franchise = width - name_width - self._gap()
        wanted = self.franchise_label.sizeHint().width()
        show_franchise = bool(self.franchise_label.full_text()) and (
            room_for_franchise >= min(wanted, self._least_useful_franchise_width()))
        if show_franchise:
            franchise_width = min(wanted, room_for_franchise)
            self.franchise_label.setGeometry(width - franchise_width, 0, franchise_width,
                                             height)
        self.franchise_label.setVisible(show_franchise)
        self.name_label.setGeometry(0, 0, name_width if show_franchise else width, height)


def fit_list_to_width(view: QListView, elide_mode: Qt.TextElideMode) -> None:
    """Keep ``view``'s rows no wider than the view: long texts end in "…" (where
    ``elide_mode`` says) instead of a horizontal scroll bar, and the rows are laid out
    again when the view's width changes."""
    view.setItemDelegate(FitWidthDelegate(view))
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(elide_mode)
    view.setResizeMode(QListView.ResizeMode.Adjust)


class FitWidthDelegate(QStyledItemDelegate):
    """Keeps list rows no wider than the list, so a long name ends in "…" (the full name
    is in the tooltip) instead of widening the list behind a horizontal scroll bar."""

    def sizeHint(self, option: QStyleOptionViewItem,  # noqa: N802 - Qt override
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        view = self.parent()
        if isinstance(view, QListView):
            width = view.viewport().width() - 2 * view.spacing()
            if width > 0:
                size.setWidth(min(size.width(), width))
        return size
