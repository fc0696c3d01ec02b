"""My collection window: a searchable, sortable table of owned figurines.

``CollectionModel`` (QAbstractTableModel) mirrors ``fmf_desktop.collection.Collection``;
``CollectionFilter`` (QSortFilterProxyModel) does search and sort; ``CollectionView`` is
the dialog. Storage failures are shown in the dialog and never lose what is on screen.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop.collection import Collection, CollectionError, CollectionItem

Index = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


def local_time(iso: str) -> str:
    try:
        when = _dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return when.strftime("%Y-%m-%d %H:%M")


class CollectionModel(QAbstractTableModel):
    """Rows are collection items; only the note column is editable."""

    NAME, FRANCHISE, ADDED, NOTE, SHOPS = range(5)
    HEADERS = ("Figurine", "Franchise", "Added", "Note", "Shop links")
    error = Signal(str)

    def __init__(self, collection: Collection, parent: Any = None) -> None:
        super().__init__(parent)
        self.collection = collection
        self._items: list[CollectionItem] = []
        self._thumbs: dict[int, QPixmap] = {}
        self.thumb_size = 48
        self.reload()

    def reload(self) -> None:
        try:
            items = self.collection.items()
        except CollectionError as exc:
            self.error.emit(str(exc))
            return
        self.beginResetModel()
        self._items = items
        self._thumbs = {k: v for k, v in self._thumbs.items() if any(i.id == k for i in items)}
        self.endResetModel()

    def item(self, row: int) -> CollectionItem:
        return self._items[row]

    # -- Qt model API ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.NOTE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        col = index.column()
        if role == ItemRole:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.NAME:
                return item.name + (" (taught)" if item.taught else "")
            if col == self.FRANCHISE:
                return item.franchise
            if col == self.ADDED:
                return local_time(item.added)
            if col == self.NOTE:
                return item.note
            if col == self.SHOPS:
                return ", ".join(name for name, _ in item.shops)
        if role == SortRole:
            if col == self.ADDED:
                # ISO text sorts chronologically; the id orders items added the same second.
                return f"{item.added}#{item.id:012d}"
            return str(self.data(index)).casefold()
        if role == Qt.ItemDataRole.DecorationRole and col == self.NAME:
            return self._thumbnail(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.SHOPS and item.shops:
                return "\n".join(url for _, url in item.shops)
            if col == self.NOTE:
                return item.note or "Double-click to add a note"
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.NAME:
            return f"{item.name}, {item.franchise}, added {local_time(item.added)}"
        return None

    def setData(self, index: Index, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.NOTE:
            return False
        item = self._items[index.row()]
        note = str(value)
        try:
            self.collection.set_note(item.id, note)
        except CollectionError as exc:
            self.error.emit(str(exc))
            return False
        self._items[index.row()] = CollectionItem(**{**item.__dict__, "note": note})
        self.dataChanged.emit(index, index)
        return True

    def _thumbnail(self, item: CollectionItem) -> QPixmap | None:
        if item.thumbnail is None:
            return None
        pix = self._thumbs.get(item.id)
        if pix is None:
            pix = QPixmap()
            if pix.loadFromData(item.thumbnail):
                pix = pix.scaled(self.thumb_size, self.thumb_size,
                                 Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
            self._thumbs[item.id] = pix
        return pix

    # -- changes -----------------------------------------------------------------------
    def delete_rows(self, rows: Sequence[int]) -> bool:
        ids = [self._items[r].id for r in rows if 0 <= r < len(self._items)]
        if not ids:
            return False
        try:
            self.collection.delete(ids)
        except CollectionError as exc:
            self.error.emit(str(exc))
            return False
        self.reload()
        return True


class CollectionFilter(QSortFilterProxyModel):
    """Rows containing every word of the search text in name, franchise or note."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_search(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self._words = [w.casefold() for w in text.split()]
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = [w.casefold() for w in text.split()]
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802
        if not self._words:
            return True
        model = self.sourceModel()
        item: CollectionItem = model.data(model.index(row, 0, parent), ItemRole)
        hay = f"{item.name} {item.franchise} {item.note} {item.character_id}".casefold()
        return all(w in hay for w in self._words)


class CollectionView(QDialog):
    """The "My collection" window."""

    shop_requested = Signal(str, str)  # shop name, url

    def __init__(self, collection: Collection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("My collection")
        self.setAccessibleName("My collection")
        em = self.fontMetrics().height()
        self.resize(em * 52, em * 30)

        self.model = CollectionModel(collection, self)
        self.proxy = CollectionFilter(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, franchise or note…")
        self.search.setAccessibleName("Search the collection")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)

        self.table = QTableView()
        self.table.setAccessibleName("Collection")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CollectionModel.ADDED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setIconSize(QSize(self.model.thumb_size, self.model.thumb_size))
        self.table.verticalHeader().setDefaultSectionSize(self.model.thumb_size + 6)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(CollectionModel.NAME, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(CollectionModel.NAME, em * 13)
        self.table.setColumnWidth(CollectionModel.FRANCHISE, em * 8)
        self.table.setColumnWidth(CollectionModel.ADDED, em * 9)
        self.table.setColumnWidth(CollectionModel.NOTE, em * 11)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.empty_label = QLabel(
            "Your collection is empty. Identify a figurine, then press “Add to collection” "
            "in the results panel (Ctrl+D).")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b71c1c;")
        self.error_label.setAccessibleName("Collection error")
        self.error_label.hide()
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of figurines shown")

        self.delete_button = QPushButton("&Delete")
        self.delete_button.setAccessibleName("Delete the selected figurines")
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export the collection as CSV")
        self.export_button.clicked.connect(self.export_dialog)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        self.delete_action = QAction("Delete", self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        self.table.addAction(self.delete_action)
        find = QAction("Find", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)

        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(self.delete_button)
        row.addWidget(self.export_button)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(row)

        self.model.error.connect(self.show_error)
        self.model.modelReset.connect(self._update_buttons)
        self.proxy.rowsInserted.connect(lambda *_: self._update_buttons())
        self.proxy.rowsRemoved.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # -- actions -------------------------------------------------------------------------
    def reload(self) -> None:
        self.model.reload()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def selected_rows(self) -> list[int]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return sorted(rows)

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        names = [self.model.item(r).name for r in rows]
        label = names[0] if len(names) == 1 else f"{len(names)} figurines"
        answer = QMessageBox.question(
            self, "Delete from collection",
            f"Delete {label} from your collection? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.model.delete_rows(rows)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export collection", "my-figurine-collection.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> bool:
        # Exports what is shown, in the order shown: a search narrows the export.
        items = [self.model.item(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                 for r in range(self.proxy.rowCount())]
        try:
            count = self.model.collection.export_csv(path, items)
        except CollectionError as exc:
            self.show_error(str(exc))
            return False
        self.error_label.hide()
        self.count_label.setText(f"Exported {count} figurine(s) to {path}")
        return True

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.delete_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.export_button.setEnabled(shown > 0)
        self.empty_label.setVisible(total == 0)
        self.table.setVisible(total > 0)
        if total and shown != total:
            self.count_label.setText(f"{shown} of {total} figurines")
        else:
            self.count_label.setText(f"{total} figurine(s)")

    def _context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        item = self.model.item(self.proxy.mapToSource(index).row())
        menu = QMenu(self)
        for name, url in item.shops:
            action = menu.addAction(f"Search {name}")
            action.triggered.connect(lambda _=False, n=name, u=url: self.shop_requested.emit(n, u))
        if item.shops:
            menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))
