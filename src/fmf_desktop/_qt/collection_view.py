"""My collection window: a searchable, sortable table of owned figurines.

``CollectionModel`` (QAbstractTableModel) mirrors ``fmf_desktop.collection.Collection``;
``CollectionFilter`` (QSortFilterProxyModel) does search and sort; ``CollectionView`` is
the dialog. Storage failures are shown in the dialog and never lose what is on screen.

A collection can hold thousands of figurines, so the table is only reloaded while the
window is shown (a hidden one just notes that it is out of date), thumbnails are decoded
as rows are painted and kept across reloads, and sort keys are worked out once per
reload instead of on every comparison.
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
from PySide6.QtGui import QAction, QKeySequence, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from fmf_desktop._qt.delete_key import add_delete_key
from fmf_desktop._qt.secondary_text import mark_secondary
from fmf_desktop._qt.status_color import mark_status
from fmf_desktop.collection import Collection, CollectionError, CollectionItem
from fmf_desktop.wording import count_noun

Index = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


def local_time(iso: str) -> str:
    try:
        when = _dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return when.strftime("%Y-%m-%d %H:%M")


def _display_name(item: CollectionItem) -> str:
    return item.name + (" (taught)" if item.taught else "")


def _shop_names(item: CollectionItem) -> str:
    return ", ".join(name for name, _ in item.shops)


class CollectionModel(QAbstractTableModel):
    """Rows are collection items; only the note column is editable."""

    NAME, FRANCHISE, ADDED, NOTE, SHOPS = range(5)
    HEADERS = ("Figurine", "Franchise", "Added", "Note", "Shop links")
    error = Signal(str)

    def __init__(self, collection: Collection, parent: Any = None) -> None:
        super().__init__(parent)
        self.collection = collection
        self._items: list[CollectionItem] = []
        # Per row, one sort key per column: the proxy asks for a key on every comparison
        # (about 2 n log n of them), so each must be a lookup, not a formatting job.
        self._sort_keys: list[tuple[str, ...]] = []
        self._thumbs: dict[int, QPixmap] = {}  # by item id; an item's thumbnail never changes
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
        self._sort_keys = [self._sort_key(item) for item in items]
        ids = {item.id for item in items}
        self._thumbs = {k: v for k, v in self._thumbs.items() if k in ids}
        self.endResetModel()

    def _sort_key(self, item: CollectionItem) -> tuple[str, ...]:
        return (
            _display_name(item).casefold(),
            item.franchise.casefold(),
            # ISO text sorts chronologically; the id orders items added the same second.
            f"{item.added}#{item.id:012d}",
            item.note.casefold(),
            _shop_names(item).casefold(),
        )

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
        if (index.isValid() and index.column() == self.NOTE
                and not self.collection.read_only):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        if role == SortRole:  # first: sorting asks for it thousands of times
            return self._sort_keys[index.row()][index.column()]
        item = self._items[index.row()]
        col = index.column()
        if role == ItemRole:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.NAME:
                return _display_name(item)
            if col == self.FRANCHISE:
                return item.franchise
            if col == self.ADDED:
                return local_time(item.added)
            if col == self.NOTE:
                return item.note
            if col == self.SHOPS:
                return _shop_names(item)
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
        changed = CollectionItem(**{**item.__dict__, "note": note})
        self._items[index.row()] = changed
        self._sort_keys[index.row()] = self._sort_key(changed)
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
        # Remove just those rows (bottom up, so row numbers stay valid) instead of
        # reloading and sorting everything again.
        for row in sorted({r for r in rows if 0 <= r < len(self._items)}, reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            self._thumbs.pop(self._items[row].id, None)
            del self._items[row]
            del self._sort_keys[row]
            self.endRemoveRows()
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


# The "Sort by" choices: (label, column, order). The same as clicking a column header,
# but reachable by keyboard and named in words: each column by its header's name. Not
# the shop links: every row lists the same shops, so that order means nothing.
SORT_CHOICES = (
    ("Newest first", CollectionModel.ADDED, Qt.SortOrder.DescendingOrder),
    ("Oldest first", CollectionModel.ADDED, Qt.SortOrder.AscendingOrder),
    *(
        (f"{CollectionModel.HEADERS[column]} {direction}", column, order)
        for column in (CollectionModel.NAME, CollectionModel.FRANCHISE, CollectionModel.NOTE)
        for direction, order in (("A–Z", Qt.SortOrder.AscendingOrder),
                                 ("Z–A", Qt.SortOrder.DescendingOrder))
    ),
)


class CollectionView(QDialog):
    """The "My collection" window."""

    shop_requested = Signal(str, str)  # shop name, url

    def __init__(self, collection: Collection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("My collection")
        self.setAccessibleName("My collection")
        em = self.fontMetrics().height()
        self.resize(em * 52, em * 30)
        self._reload_wanted = False  # set by a reload while hidden; the next show does it

        self.model = CollectionModel(collection, self)
        self.proxy = CollectionFilter(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, franchise or note…")
        self.search.setAccessibleName("Search the collection")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.sort_combo = QComboBox()
        self.sort_combo.setAccessibleName("Sort by")
        for label, _column, _order in SORT_CHOICES:
            self.sort_combo.addItem(label)
        sort_label = QLabel("S&ort by:")
        sort_label.setBuddy(self.sort_combo)

        self.table = QTableView()
        self.table.setAccessibleName("Collection")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CollectionModel.ADDED, Qt.SortOrder.DescendingOrder)
        # Tab leaves the table (arrow keys move between cells), so the buttons under it
        # can be reached by keyboard.
        self.table.setTabKeyNavigation(False)
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
        # The combo box and the column headers are two ways to sort: each follows the other.
        self.sort_combo.currentIndexChanged.connect(self._on_sort_choice)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_header_sort)

        self.empty_label = QLabel(
            "Your collection is empty. Identify a figurine, then press “Add to collection” "
            "in the results panel (Ctrl+D).")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark_secondary(self.empty_label)
        # A search that matches nothing says so where the rows would be.
        self.no_match_label = QLabel()
        self.no_match_label.setWordWrap(True)
        self.no_match_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark_secondary(self.no_match_label)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        mark_status(self.error_label, "error")
        self.error_label.setAccessibleDescription("Collection error")
        self.error_label.hide()
        self.read_only_label = QLabel(
            "This collection can only be read (its file or folder is read-only): notes "
            "cannot be edited and figurines cannot be added or deleted. CSV export still "
            "works.")
        self.read_only_label.setWordWrap(True)
        self.count_label = QLabel()
        self.count_label.setAccessibleDescription("Number of figurines shown")

        self.delete_button = QPushButton("&Delete")
        self.delete_button.setAccessibleName("Delete the selected figurines")
        # No default button here: a dialog makes its first "auto default" button the
        # default, which made Return in the search field or the table start a delete.
        # Return has nothing to confirm in this window (the search is live).
        self.delete_button.setAutoDefault(False)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export the collection as CSV")
        self.export_button.clicked.connect(self.export_dialog)
        self.export_button.setAutoDefault(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Return in the search field must not close the window either (Esc does).
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)

        self.delete_action = add_delete_key(
            self.table, "Delete", self.delete_selected,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find = QAction("Find", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)

        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(self.delete_button)
        row.addWidget(self.export_button)
        row.addWidget(buttons)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(sort_label)
        search_row.addWidget(self.sort_combo)
        layout = QVBoxLayout(self)
        # At the top, like in the taught-figures window.
        layout.addWidget(self.read_only_label)
        layout.addLayout(search_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.no_match_label, 1)
        layout.addLayout(row)

        self.model.error.connect(self.show_error)
        self.model.modelReset.connect(self._update_buttons)
        self.proxy.rowsInserted.connect(lambda *_: self._update_buttons())
        self.proxy.rowsRemoved.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # -- actions -------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._reload_wanted:
            self.reload()

    def reload(self) -> None:
        """Show the collection as stored now; while hidden, only note that the next show
        must (adding a figurine with the window closed costs nothing here)."""
        if not self.isVisible():
            self._reload_wanted = True
            return
        self._reload_wanted = False
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
        self.count_label.setText(f"Exported {count_noun(count, 'figurine')} to {path}")
        return True

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_buttons()

    def _on_sort_choice(self, choice: int) -> None:
        if 0 <= choice < len(SORT_CHOICES):
            _label, column, order = SORT_CHOICES[choice]
            self.table.sortByColumn(column, order)

    def _on_header_sort(self, column: int, order: Qt.SortOrder) -> None:
        for choice, (_label, col, ord_) in enumerate(SORT_CHOICES):
            if (col, ord_) == (column, order):
                self.sort_combo.blockSignals(True)
                self.sort_combo.setCurrentIndex(choice)
                self.sort_combo.blockSignals(False)
                return
        # A header without a choice (the shop links): keep the order the box shows.
        self._on_sort_choice(self.sort_combo.currentIndex())

    @property
    def _read_only(self) -> bool:
        return self.model.collection.read_only

    def _update_buttons(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        writable = not self._read_only
        self.read_only_label.setVisible(not writable)
        self.delete_action.setEnabled(writable)
        self.delete_button.setEnabled(
            writable and bool(self.table.selectionModel().selectedRows()))
        self.export_button.setEnabled(shown > 0)
        no_match = total > 0 and shown == 0
        self.empty_label.setVisible(total == 0)
        self.no_match_label.setVisible(no_match)
        self.table.setVisible(total > 0 and not no_match)
        if no_match:
            self.no_match_label.setText(
                f"No figurines match “{self.search.text().strip()}”. Try fewer or "
                "different words, or clear the search.")
        if total and shown != total:
            self.count_label.setText(f"{shown} of {count_noun(total, 'figurine')}")
        else:
            self.count_label.setText(count_noun(total, "figurine"))

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
