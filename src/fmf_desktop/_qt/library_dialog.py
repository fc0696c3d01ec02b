"""Manage taught figures: rename, change franchise, remove photos or whole figures,
export the library to one file and import (merge) one.

Changes go straight to the library (each one its own transaction) and ``changed`` is
emitted, so open photos are identified again with the new library at once.

A library can hold a thousand figures, so the list is only rebuilt while the dialog is
shown (a hidden dialog just notes that it is out of date), and cover thumbnails are
decoded on a worker thread and kept, keyed by figure and cover, so a rebuild after a
rename or a teach only decodes covers it has not seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPalette, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop._qt.delete_key import add_delete_key
from fmf_desktop._qt.elide import fit_list_to_width
from fmf_desktop._qt.palette_follow import follow_palette
from fmf_desktop._qt.secondary_text import mark_secondary
from fmf_desktop._qt.status_color import mark_status
from fmf_desktop._qt.workers import JobRunner
from fmf_desktop.library import ImportReport, Library, LibraryError, TaughtFigure
from fmf_desktop.wording import count_noun

THUMB = 72
EXPORT_FILTER = "Find My Figurine library (*.fmflib);;All files (*)"
# Covers decoded per worker job: the first icons appear quickly on a big library, and
# handing a batch to the list is a short step on the GUI thread.
COVER_BATCH = 100


def example_caption(source: str) -> str:
    """What tells an example photo from its siblings: its file name, or how it came."""
    if source.startswith("correction"):
        return "correction"
    if source == "camera":
        return "camera"
    # Sources are paths from any OS (an imported library may come from Windows).
    return re.split(r"[\\/]", source)[-1] or "photo"


def _scaled_cover(data: bytes) -> QImage:
    # QImage, unlike QPixmap and QIcon, may be made on a worker thread.
    image = QImage()
    if data and image.loadFromData(data):
        return image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation)
    return QImage()


def _decode_covers(covers: list[tuple[int, bytes]]) -> list[tuple[int, bytes, QImage]]:
    return [(figure_id, data, _scaled_cover(data)) for figure_id, data in covers]


def _icon(data: bytes | None) -> QIcon:
    """An icon decoded here, on the GUI thread: for one figure's photos, not the list."""
    return _image_icon(_scaled_cover(data or b""))


def _image_icon(image: QImage) -> QIcon:
    """``image`` as an icon (GUI thread only), or an empty icon for a null image."""
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()


class LibraryDialog(QDialog):
    changed = Signal()  # the library's content changed (rename, delete, import)
    teach_requested = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Taught figures")
        self.setAccessibleName("Taught figures")
        em = self.fontMetrics().height()
        self.resize(em * 48, em * 30)
        self._runner = JobRunner(1, self)  # import and export
        self._cover_runner = JobRunner(1, self)
        # figure id -> (cover JPEG, its icon): a rebuild reuses every unchanged cover.
        self._cover_icons: dict[int, tuple[bytes, QIcon]] = {}
        self._covers_decoding: dict[int, bytes] = {}
        self._covers: dict[int, bytes] = {}  # the covers the list shows now
        self._items_by_figure: dict[int, QListWidgetItem] = {}
        # The list is built on the first show; later shows rebuild it when something
        # changed meanwhile (here, or in another window or process).
        self._reload_wanted = True
        self._select_on_reload: int | None = None
        self._shown_revision: tuple[int, int] | None = None

        self.figure_list = QListWidget()
        self.figure_list.setAccessibleName("Taught figures")
        self.figure_list.setIconSize(QSize(THUMB * 2 // 3, THUMB * 2 // 3))
        fit_list_to_width(self.figure_list, Qt.TextElideMode.ElideRight)
        self.figure_list.currentItemChanged.connect(lambda *_: self._show_figure())

        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.name_edit.setMaxLength(200)
        self.franchise_edit = QLineEdit()
        self.franchise_edit.setAccessibleName("Franchise")
        self.franchise_edit.setMaxLength(200)
        for edit in (self.name_edit, self.franchise_edit):
            edit.textEdited.connect(lambda _t: self._update_buttons())
            edit.returnPressed.connect(self.save_edits)
            if self._read_only:
                # Read-only fields look the same as editable ones in most styles: give
                # them the dialog's background, so they do not invite typing.
                follow_palette(edit, lambda palette: {
                    QPalette.ColorRole.Base: palette.color(QPalette.ColorRole.Window)})
                edit.setToolTip("This library can only be read: names cannot be changed.")
        self.save_button = QPushButton("&Save changes")
        self.save_button.setAccessibleName("Save name and franchise")
        self.save_button.clicked.connect(self.save_edits)
        self.delete_figure_button = QPushButton("&Delete figure…")
        self.delete_figure_button.setAccessibleName("Delete this taught figure")
        self.delete_figure_button.clicked.connect(self.delete_current_figure)
        # Never the default button: Return elsewhere in the dialog must not start a delete.
        self.delete_figure_button.setAutoDefault(False)

        self.example_list = QListWidget()
        self.example_list.setAccessibleName("Example photos")
        self.example_list.setViewMode(QListView.ViewMode.IconMode)
        self.example_list.setIconSize(QSize(THUMB, THUMB))
        self.example_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.example_list.setMovement(QListView.Movement.Static)
        # A fixed cell: long file names end in "…" (middle, so the extension shows)
        # instead of making every cell as wide as the longest.
        self.example_list.setGridSize(QSize(THUMB + em * 3, THUMB + em * 2))
        self.example_list.setWordWrap(False)
        self.example_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.example_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.example_list.itemSelectionChanged.connect(self._update_buttons)
        self.remove_example_button = QPushButton("&Remove photo…")
        self.remove_example_button.setAccessibleName("Remove the selected example photos")
        self.remove_example_button.clicked.connect(self.remove_selected_examples)
        self.remove_example_button.setAutoDefault(False)
        # The Delete key in either list does what its button does, question included.
        add_delete_key(self.figure_list, "Delete figure", self.delete_current_figure)
        add_delete_key(self.example_list, "Remove photo", self.remove_selected_examples)

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Franchise:", self.franchise_edit)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.save_button)
        edit_row.addStretch(1)
        edit_row.addWidget(self.delete_figure_button)
        example_row = QHBoxLayout()
        example_row.addWidget(self.remove_example_button)
        example_row.addStretch(1)
        self.detail = QWidget()
        detail = QVBoxLayout(self.detail)
        detail.setContentsMargins(0, 0, 0, 0)
        detail.addLayout(form)
        detail.addLayout(edit_row)
        detail.addWidget(QLabel("Example photos:"))
        detail.addWidget(self.example_list, 1)
        detail.addLayout(example_row)

        splitter = QSplitter()
        splitter.addWidget(self.figure_list)
        splitter.addWidget(self.detail)
        splitter.setSizes([em * 18, em * 30])

        self.empty_label = QLabel(
            "No taught figures yet. Press “Teach a figure…” and add a few photos of a "
            "figure the app does not know, or correct a result with “Not this?”.")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark_secondary(self.empty_label)
        self.read_only_label = QLabel(
            "This library can only be read (its file or folder is read-only): taught "
            "figures are still recognised, but renaming, deleting, teaching and importing "
            "are off. Exporting still works.")
        self.read_only_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleDescription("Library status")

        self.teach_button = QPushButton("&Teach a figure…")
        self.teach_button.clicked.connect(self.teach_requested)
        self.import_button = QPushButton("&Import…")
        self.import_button.setAccessibleName("Import a library file and merge it")
        self.import_button.clicked.connect(self.import_dialog)
        self.export_button = QPushButton("&Export…")
        self.export_button.setAccessibleName("Export the whole library to one file")
        self.export_button.clicked.connect(self.export_dialog)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.teach_button)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.export_button)
        bottom.addStretch(1)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.read_only_label)
        layout.addWidget(splitter, 1)
        # Stretches like the list it stands in for, so the text sits in the middle.
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        self._splitter = splitter
        self.empty_label.hide()
        self._update_buttons()

    @property
    def _read_only(self) -> bool:
        return self.library.read_only

    # -- display ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.reload(self._select_on_reload)  # returns at once when nothing changed

    def reload(self, select_id: int | None = None) -> None:
        """Show the library as it is now, keeping (or moving to) ``select_id``.

        While the dialog is hidden this only notes that the next show must rebuild: a
        teach or correction with the dialog closed costs nothing here."""
        if not self.isVisible():
            self._reload_wanted = True
            if select_id is not None:
                self._select_on_reload = select_id
            return
        current = self.current_figure()
        revision = self.library.revision
        if (not self._reload_wanted and revision == self._shown_revision
                and select_id in (None, current.id if current else None)):
            return  # already shown (e.g. our own edit, then the window's "changed" echo)
        select_id = select_id if select_id is not None else (current.id if current else None)
        try:
            figures = self.library.figures()
            covers = self.library.cover_thumbnails()
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            return
        self._reload_wanted = False
        self._select_on_reload = None
        self._shown_revision = revision
        self._covers = covers
        # Forget the icons of deleted figures; keep the rest for the next rebuild.
        self._cover_icons = {k: v for k, v in self._cover_icons.items() if k in covers}
        to_decode: list[tuple[int, bytes]] = []
        self.figure_list.setUpdatesEnabled(False)
        self.figure_list.blockSignals(True)
        self.figure_list.clear()
        self._items_by_figure = {}
        row_to_select = 0
        for row, fig in enumerate(figures):
            cover = covers.get(fig.id)
            known = self._cover_icons.get(fig.id)
            icon = known[1] if known is not None and known[0] == cover else QIcon()
            if cover and icon.isNull() and self._covers_decoding.get(fig.id) != cover:
                to_decode.append((fig.id, cover))
            lines = [fig.name, fig.franchise, count_noun(fig.examples, "photo")]
            item = QListWidgetItem(icon, "\n".join(line for line in lines if line))
            item.setData(Qt.ItemDataRole.UserRole, fig)
            # The full name: long ones are cut short with "…" in the list.
            franchise = f" ({fig.franchise})" if fig.franchise else ""
            item.setToolTip(f"{fig.name}{franchise} — taught {fig.created[:10]}")
            self.figure_list.addItem(item)
            self._items_by_figure[fig.id] = item
            if fig.id == select_id:
                row_to_select = row
        if figures:
            # Signals still blocked: the figure's photos are shown once, just below.
            self.figure_list.setCurrentRow(row_to_select)
        self.figure_list.blockSignals(False)
        self.figure_list.setUpdatesEnabled(True)
        self._splitter.setVisible(bool(figures))
        self.empty_label.setVisible(not figures)
        self._show_figure()
        for start in range(0, len(to_decode), COVER_BATCH):
            batch = to_decode[start:start + COVER_BATCH]
            self._covers_decoding.update(batch)
            self._cover_runner.submit("covers", lambda b=batch: _decode_covers(b),
                                      self._on_covers, self._on_covers_failed)

    def _on_covers(self, _key: Any, decoded: list[tuple[int, bytes, QImage]]) -> None:
        for figure_id, cover, image in decoded:
            if self._covers_decoding.get(figure_id) == cover:
                del self._covers_decoding[figure_id]
            icon = _image_icon(image)
            self._cover_icons[figure_id] = (cover, icon)
            item = self._items_by_figure.get(figure_id)
            if item is not None and self._covers.get(figure_id) == cover:
                item.setIcon(icon)

    def _on_covers_failed(self, _key: Any, _message: str) -> None:
        # A cover that cannot be decoded just stays blank; the names are what matter.
        self._covers_decoding.clear()

    def cover_icons_pending(self) -> bool:
        """True while cover thumbnails are still being decoded (for tests)."""
        return self._cover_runner.busy

    def current_figure(self) -> TaughtFigure | None:
        item = self.figure_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_figure(self) -> None:
        fig = self.current_figure()
        self.example_list.clear()
        self.detail.setEnabled(fig is not None)
        if fig is None:
            self.name_edit.clear()
            self.franchise_edit.clear()
            self._update_buttons()
            return
        self.name_edit.setText(fig.name)
        self.franchise_edit.setText(fig.franchise)
        for edit in (self.name_edit, self.franchise_edit):
            edit.setCursorPosition(0)  # a long name shows its start, not its end
        try:
            examples = self.library.examples(fig.id)
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            examples = []
        for ex in examples:
            # Every photo of a figure is often taught the same day: where it came from
            # tells them apart, the date goes in the tooltip.
            item = QListWidgetItem(_icon(ex.thumbnail), example_caption(ex.source))
            item.setData(Qt.ItemDataRole.UserRole, ex.id)
            item.setToolTip(f"{ex.source or 'example'}\nAdded {ex.created[:10]}")
            self.example_list.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        fig = self.current_figure()
        writable = not self._read_only
        edited = fig is not None and (
            " ".join(self.name_edit.text().split()) != fig.name
            or " ".join(self.franchise_edit.text().split()) != fig.franchise)
        self.save_button.setEnabled(writable and edited and bool(self.name_edit.text().strip()))
        self.remove_example_button.setEnabled(writable and bool(self.example_list.selectedItems()))
        self.delete_figure_button.setEnabled(writable and fig is not None)
        for edit in (self.name_edit, self.franchise_edit):
            edit.setReadOnly(not writable)
        busy = self._runner.busy
        self.teach_button.setEnabled(writable and not busy)
        self.import_button.setEnabled(writable and not busy)
        self.export_button.setEnabled(not busy and self.figure_list.count() > 0)
        self.read_only_label.setVisible(not writable)

    def show_status(self, text: str, *, error: bool = False) -> None:
        mark_status(self.status_label, "error" if error else None)
        self.status_label.setText(text)

    # -- changes ---------------------------------------------------------------------------
    def save_edits(self) -> bool:
        fig = self.current_figure()
        if fig is None:
            return False
        try:
            new = self.library.edit(fig.id, name=self.name_edit.text(),
                                    franchise=self.franchise_edit.text())
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            return False
        self.show_status(f"Saved {new.name}.")
        self.reload(new.id)
        self.changed.emit()
        return True

    def delete_current_figure(self) -> None:
        fig = self.current_figure()
        if fig is None:
            return
        answer = QMessageBox.question(
            self, "Delete taught figure",
            f"Delete {fig.name} and its {count_noun(fig.examples, 'photo')} from the "
            "library? The app will no longer recognise it. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.library.delete_figure(fig.id)
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            return
        self.show_status(f"Deleted {fig.name}.")
        self.reload()
        self.changed.emit()

    def remove_selected_examples(self) -> None:
        fig = self.current_figure()
        ids = [i.data(Qt.ItemDataRole.UserRole) for i in self.example_list.selectedItems()]
        if fig is None or not ids:
            return
        if len(ids) >= fig.examples:
            self.show_status("A figure needs at least one photo; delete the figure instead.",
                             error=True)
            return
        answer = QMessageBox.question(
            self, "Remove photos",
            f"Remove {'this photo' if len(ids) == 1 else f'these {len(ids)} photos'} of "
            f"{fig.name} from the library? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            for example_id in ids:
                self.library.delete_example(int(example_id))
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
        self.reload(fig.id)
        self.changed.emit()

    # -- export / import (worker thread: a big library must not freeze the window) -------
    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export taught figures",
                                              "my-figures.fmflib", EXPORT_FILTER)
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        self._start(path, lambda: self.library.export(path), self._on_exported,
                    "Exporting…")

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import taught figures", "", EXPORT_FILTER)
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        self._start(path, lambda: self.library.import_file(path), self._on_imported,
                    "Importing…")

    def _start(self, path: str, work: Callable[[], Any],
               on_done: Callable[[Any, Any], None], status: str) -> None:
        self._runner.submit(path, work, on_done, self._on_failed)
        # The runner is busy now: the buttons that would start a second job grey out.
        self._update_buttons()
        self.show_status(status)

    def _on_exported(self, path: Any, count: int) -> None:
        self._update_buttons()
        self.show_status(f"Exported {count_noun(count, 'figure')} to {path}.")

    def _on_imported(self, path: Any, report: ImportReport) -> None:
        self._update_buttons()
        self.show_status(f"Imported {path}: {report.summary()}.")
        self.reload()
        self.changed.emit()

    def _on_failed(self, _path: Any, message: str) -> None:
        self._update_buttons()
        # LibraryError messages are written for users; drop the class name workers add.
        self.show_status(message.removeprefix("LibraryError: "), error=True)

    def wait_idle(self, msecs: int = 10000) -> bool:
        """Block until import/export and cover decoding are done (tests, quitting: an
        export must not find the library closed under it)."""
        return self._runner.wait(msecs) and self._cover_runner.wait(msecs)
