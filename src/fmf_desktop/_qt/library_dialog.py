"""Manage taught figures: rename, change franchise, remove photos or whole figures,
export the library to one file and import (merge) one.

Changes go straight to the library (each one its own transaction) and ``changed`` is
emitted, so open photos are identified again with the new library at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
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

from fmf_desktop._qt.workers import JobRunner
from fmf_desktop.library import ImportReport, Library, LibraryError, TaughtFigure

THUMB = 72
EXPORT_FILTER = "Find My Figurine library (*.fmflib);;All files (*)"


def _icon(data: bytes | None) -> QIcon:
    pix = QPixmap()
    if data and pix.loadFromData(data):
        return QIcon(pix.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                Qt.TransformationMode.SmoothTransformation))
    return QIcon()


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
        self._runner = JobRunner(1, self)

        self.figure_list = QListWidget()
        self.figure_list.setAccessibleName("Taught figures")
        self.figure_list.setIconSize(QSize(THUMB * 2 // 3, THUMB * 2 // 3))
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
        self.save_button = QPushButton("&Save changes")
        self.save_button.setAccessibleName("Save name and franchise")
        self.save_button.clicked.connect(self.save_edits)
        self.delete_figure_button = QPushButton("&Delete figure…")
        self.delete_figure_button.setAccessibleName("Delete this taught figure")
        self.delete_figure_button.clicked.connect(self.delete_current_figure)

        self.example_list = QListWidget()
        self.example_list.setAccessibleName("Example photos")
        self.example_list.setViewMode(QListView.ViewMode.IconMode)
        self.example_list.setIconSize(QSize(THUMB, THUMB))
        self.example_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.example_list.setMovement(QListView.Movement.Static)
        self.example_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.example_list.itemSelectionChanged.connect(self._update_buttons)
        self.remove_example_button = QPushButton("&Remove photo")
        self.remove_example_button.setAccessibleName("Remove the selected example photos")
        self.remove_example_button.clicked.connect(self.remove_selected_examples)

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
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Library status")

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
        layout.addWidget(splitter, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.status_label)
        layout.addLayout(bottom)
        self._splitter = splitter
        self.reload()

    # -- display ---------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        current = self.current_figure()
        select_id = select_id if select_id is not None else (current.id if current else None)
        try:
            figures = self.library.figures()
            covers = self.library.cover_thumbnails()
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            return
        self.figure_list.blockSignals(True)
        self.figure_list.clear()
        row_to_select = 0
        for row, fig in enumerate(figures):
            text = fig.name + (f"\n{fig.franchise}" if fig.franchise else "")
            item = QListWidgetItem(_icon(covers.get(fig.id)), f"{text}\n{fig.examples} photo(s)")
            item.setData(Qt.ItemDataRole.UserRole, fig)
            item.setToolTip(f"{fig.name} — taught {fig.created[:10]}")
            self.figure_list.addItem(item)
            if fig.id == select_id:
                row_to_select = row
        self.figure_list.blockSignals(False)
        self._splitter.setVisible(bool(figures))
        self.empty_label.setVisible(not figures)
        self.export_button.setEnabled(bool(figures))
        if figures:
            self.figure_list.setCurrentRow(row_to_select)
        self._show_figure()

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
        try:
            examples = self.library.examples(fig.id)
        except LibraryError as exc:
            self.show_status(str(exc), error=True)
            examples = []
        for ex in examples:
            icon = _icon(ex.thumbnail)
            item = QListWidgetItem(icon, ex.created[:10])
            item.setData(Qt.ItemDataRole.UserRole, ex.id)
            item.setToolTip(ex.source or "example")
            self.example_list.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        fig = self.current_figure()
        edited = fig is not None and (
            " ".join(self.name_edit.text().split()) != fig.name
            or " ".join(self.franchise_edit.text().split()) != fig.franchise)
        self.save_button.setEnabled(edited and bool(self.name_edit.text().strip()))
        self.remove_example_button.setEnabled(bool(self.example_list.selectedItems()))

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #b71c1c;" if error else "")
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
            f"Delete {fig.name} and its {fig.examples} photo(s) from the library? The app "
            "will no longer recognise it.",
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
        self._busy(True, "Exporting…")
        self._runner.submit(path, lambda: self.library.export(path), self._on_exported,
                            self._on_failed)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import taught figures", "", EXPORT_FILTER)
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        self._busy(True, "Importing…")
        self._runner.submit(path, lambda: self.library.import_file(path), self._on_imported,
                            self._on_failed)

    def _busy(self, busy: bool, text: str = "") -> None:
        for button in (self.import_button, self.export_button, self.teach_button):
            button.setEnabled(not busy)
        if text:
            self.show_status(text)

    def _on_exported(self, path: Any, count: int) -> None:
        self._busy(False)
        self.export_button.setEnabled(count > 0)
        self.show_status(f"Exported {count} figure(s) to {path}.")

    def _on_imported(self, path: Any, report: ImportReport) -> None:
        self._busy(False)
        self.show_status(f"Imported {path}: {report.summary()}.")
        self.reload()
        self.changed.emit()

    def _on_failed(self, _path: Any, message: str) -> None:
        self._busy(False)
        self.export_button.setEnabled(self.figure_list.count() > 0)
        # LibraryError messages are written for users; drop the class name workers add.
        self.show_status(message.removeprefix("LibraryError: "), error=True)

    def wait_idle(self, msecs: int = 10000) -> bool:
        return self._runner.wait(msecs)
