"""The main window: menus, toolbar and status bar around the photo/camera pages.

The window only wires things together: photo state and background work live in
PhotoSession, drawing in PhotoCanvas, results in ResultsPanel. Camera mode is a page of
``self.pages``; ``set_camera_widget`` swaps the placeholder for the real camera view.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop import __version__
from fmf_desktop._qt import browser, shortcuts
from fmf_desktop._qt.announce import announce
from fmf_desktop._qt.camera_mode import install_camera_mode
from fmf_desktop._qt.camera_placeholder import CameraPlaceholder
from fmf_desktop._qt.canvas import PhotoCanvas
from fmf_desktop._qt.empty_state import EmptyState
from fmf_desktop._qt.error_view import ErrorView
from fmf_desktop._qt.input_sources import (
    IMAGE_SUFFIXES,
    Incoming,
    expand_paths,
    preview_mime,
    read_mime,
)
from fmf_desktop._qt.message_bar import MessageBar
from fmf_desktop._qt.photo_session import PhotoSession
from fmf_desktop._qt.results_panel import ResultsPanel
from fmf_desktop._qt.settings import AppSettings
from fmf_desktop._qt.settings_dialog import SettingsDialog
from fmf_desktop._qt.teaching_controller import TeachingController
from fmf_desktop.paths import APPLICATION_NAME

SETTINGS_NOT_SAVED_MESSAGE = (
    "Your preferences cannot be saved: the settings file is not writable (read-only or "
    "full disk). Changes work until you quit, then they are lost."
)

WEB_URL_MESSAGE = (
    "That is a web address. Save the image to your computer first, then drop or open "
    "the file: Find My Figurine works offline and never downloads anything."
)


class MainWindow(QMainWindow):
    def __init__(
        self, settings: AppSettings, session: PhotoSession, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session = session
        self.setWindowTitle(APPLICATION_NAME)
        self.setAcceptDrops(True)
        em = self.fontMetrics().height()
        self.resize(em * 76, em * 48)

        self.message_bar = MessageBar()
        self.empty_state = EmptyState()
        self.canvas = PhotoCanvas()
        self.results_panel = ResultsPanel()
        self.results_panel.set_shops(settings.shops())
        self.error_view = ErrorView()
        self.camera_page: QWidget = CameraPlaceholder()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.results_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([em * 44, em * 20])
        self.splitter.setChildrenCollapsible(False)

        self.pages = QStackedWidget()
        for page in (self.empty_state, self.splitter, self.error_view, self.camera_page):
            self.pages.addWidget(page)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self._make_actions()
        self._make_menus_and_toolbar()
        self._make_status_bar()
        self._connect()
        # Taught figures, corrections and My collection (menu, result buttons, dialogs).
        self.teaching = TeachingController(self)
        self._shown_item_id: int | None = None
        self._recorded: set[int] = set()
        # (photo, result) last read out, so a result is announced once when it is ready
        # and again only when it changes (a drawn box, a correction).
        self._announced: tuple[int, int] | None = None
        self._told_settings_not_saved = False
        # Camera mode: live names over a webcam or a video file (replaces the placeholder).
        install_camera_mode(self)
        self._restore_window()
        self._show_current()

    # -- construction --------------------------------------------------------------
    def _action(self, text: str, shortcuts: list, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(s) for s in shortcuts]
        if keys:
            action.setShortcuts(keys)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
                              if keys else tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with menus/toolbars hidden
        return action

    def _make_actions(self) -> None:
        k = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", [k.Open], self.open_dialog, "Open photos")
        self.paste_action = self._action(
            "&Paste", [k.Paste], self.paste, "Paste an image or a copied photo file"
        )
        self.settings_action = self._action(
            "&Settings…", ["Ctrl+,"], self.open_settings, "Shops and recognition"
        )
        self.quit_action = self._action("&Quit", ["Ctrl+Q"], self.close)
        self.undo_action = self._action("&Undo box change", [k.Undo], self.undo)
        self.draw_action = self._action(
            "&Draw box", ["B"], self._toggle_draw, "Draw a box around a figurine\u2019s face"
        )
        self.draw_action.setCheckable(True)
        self.whole_photo_action = self._action(
            "&Whole photo is one figure", ["W"], self.use_whole_photo,
            "Identify the whole photo as one figure (close-ups, non-anime figures)",
        )
        self.whole_photo_action.setIconText("Whole photo")  # the toolbar's shorter label
        self.delete_action = self._action(
            "De&lete box", [k.Delete], self.delete_selected_box, "Remove the selected box"
        )
        self.prev_action = self._action(
            "&Previous photo", ["PgUp", "Alt+Left"], self.session.previous, "Previous photo"
        )
        self.next_action = self._action(
            "&Next photo", ["PgDown", "Alt+Right"], self.session.next, "Next photo"
        )
        self.zoom_in_action = self._action("Zoom &in", [k.ZoomIn, "Ctrl+="], self.canvas.zoom_in)
        self.zoom_out_action = self._action("Zoom &out", [k.ZoomOut], self.canvas.zoom_out)
        self.fit_action = self._action(
            "&Fit to window", ["Ctrl+0"], self.canvas.fit_to_window, "Show the whole photo"
        )
        self.actual_size_action = self._action("&Actual size", ["Ctrl+1"], self.canvas.actual_size)
        self.camera_action = self._action(
            "&Camera", ["Ctrl+K"], self.toggle_camera, "Identify figurines live from a camera"
        )
        self.camera_action.setCheckable(True)
        self.camera_action.setEnabled(False)  # enabled by set_camera_widget
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", [k.HelpContents], self.show_shortcuts
        )
        self.about_action = self._action(f"&About {APPLICATION_NAME}", [], self.show_about)

    def _make_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        for action in (self.undo_action, None, self.paste_action, None, self.draw_action,
                       self.whole_photo_action, self.delete_action):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        self.view_menu = bar.addMenu("&View")
        for action in (self.prev_action, self.next_action, None, self.zoom_in_action,
                       self.zoom_out_action, self.fit_action, self.actual_size_action, None,
                       self.camera_action):
            self.view_menu.addSeparator() if action is None else self.view_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

        self.toolbar = QToolBar("Main toolbar")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setAccessibleName("Main toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setIconSize(QSize(self.fontMetrics().height(), self.fontMetrics().height()))
        self.position_label = QLabel()
        # A description, not a name: a screen reader reads a label's name instead of
        # its text ("Photo 2 of 5").
        self.position_label.setAccessibleDescription("Photo position in the queue")
        for item in (self.open_action, self.paste_action, None, self.prev_action,
                     self.position_label, self.next_action, None, self.draw_action,
                     self.whole_photo_action, self.fit_action, None, self.camera_action):
            if item is None:
                self.toolbar.addSeparator()
            elif isinstance(item, QLabel):
                self.position_label_action = self.toolbar.addWidget(item)
            else:
                self.toolbar.addAction(item)
        self.addToolBar(self.toolbar)

    def _make_status_bar(self) -> None:
        status = self.statusBar()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setMaximumWidth(self.fontMetrics().height() * 10)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.model_label = QLabel()
        self.model_label.setAccessibleDescription("Model status")
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.model_label)

    def _connect(self) -> None:
        s = self.session
        s.model_state_changed.connect(self._on_model_state)
        s.current_changed.connect(lambda _i: self._show_current())
        s.queue_changed.connect(self._show_current)
        s.item_changed.connect(self._on_item_changed)
        s.progress_changed.connect(self._on_progress)
        # Notices about one action ("the drawn box could not be identified") go with
        # the next photo; warnings from elsewhere (library unusable) stay until closed.
        s.notice.connect(
            lambda text: self.message_bar.show_message(text, "error", transient=True))
        self.empty_state.open_requested.connect(self.open_dialog)
        self.empty_state.paste_requested.connect(self.paste)
        self.empty_state.camera_requested.connect(self.toggle_camera)
        self.error_view.open_requested.connect(self.open_dialog)
        self.canvas.figurine_selected.connect(self._select_figurine)
        self.canvas.box_drawn.connect(self._on_box_drawn)
        self.canvas.delete_requested.connect(self.delete_box)
        self.canvas.draw_mode_changed.connect(self.draw_action.setChecked)
        # Right-click on the photo offers the box and zoom actions (with their shortcuts).
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.canvas.addActions([self.draw_action, self.whole_photo_action,
                                self.delete_action, self.undo_action,
                                self.zoom_in_action, self.zoom_out_action, self.fit_action])
        self.results_panel.figurine_selected.connect(self._select_figurine)
        self.results_panel.shop_requested.connect(self._open_shop)

    # -- getting photos in -----------------------------------------------------------
    def open_paths(self, paths: list[str]) -> None:
        """Queue files and folders (from the command line, a drop or the Open dialog)."""
        files, missing = expand_paths([str(p) for p in paths])
        self._take(Incoming(files=files, missing=missing))

    def open_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open photos", self.settings.last_directory(),
            f"Photos ({patterns});;All files (*)",
        )
        if paths:
            self.settings.set_last_directory(str(Path(paths[0]).parent))
            self.open_paths(paths)

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        # An empty clipboard may have no data object at all.
        incoming = read_mime(mime) if mime is not None else Incoming()
        if incoming.empty:
            self.message_bar.show_message(
                "The clipboard holds no image. Copy a picture or a photo file, then paste "
                "again (Ctrl+V).", "info", transient=True)
            return
        self._take(incoming)

    def _take(self, incoming: Incoming) -> None:
        """Queue what arrived and explain anything that cannot be used."""
        problems = []
        if incoming.web_urls:
            problems.append(WEB_URL_MESSAGE)
        if incoming.missing:
            names = ", ".join(incoming.missing[:3]) + ("…" if len(incoming.missing) > 3 else "")
            problems.append(f"Not found: {names}")
        if problems:
            self.message_bar.show_message("\n".join(problems), "error", transient=True)
        elif incoming.files or incoming.image is not None:
            # Only notices about the previous action go; a warning (say, the library
            # cannot be opened) stays until the user closes it.
            self.message_bar.clear_transient()
        if self.camera_action.isChecked() and (incoming.files or incoming.image is not None):
            self.toggle_camera(False)
        if incoming.files:
            self.session.add_files(incoming.files)
        if incoming.image is not None:
            self.session.add_image(incoming.image)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasText():
            event.acceptProposedAction()
            # Say what the drop will do before the user lets go. Only a cheap look: folders
            # are listed and image data decoded once, on the drop itself, so dragging a
            # big folder or a huge pasted picture over the window does not stall it.
            preview = preview_mime(mime)
            if preview.summary:
                self.statusBar().showMessage(f"Release to open {preview.summary}")
            elif preview.web_urls:
                self.statusBar().showMessage("Web addresses are not downloaded: save the "
                                             "image first, then drop the file")

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.statusBar().clearMessage()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.statusBar().clearMessage()
        incoming = read_mime(event.mimeData())
        if incoming.empty:
            self.message_bar.show_message("Nothing usable was dropped: drop photo files.",
                                          transient=True)
            return
        event.acceptProposedAction()
        self._take(incoming)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        for number, path in enumerate(recent, start=1):
            label = f"&{number} {Path(path).name}" if number < 10 else Path(path).name
            action = self.recent_menu.addAction(label)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        if not recent:
            self.recent_menu.addAction("No recent photos").setEnabled(False)
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("&Clear list")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(self.settings.clear_recent_files)

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            self.settings.remove_recent_file(path)
            self.message_bar.show_message(
                f"{path} no longer exists; it was removed from the recent list.", "error",
                transient=True)
            self._check_settings_saved()
            return
        self.open_paths([path])

    # -- showing state ---------------------------------------------------------------
    def _on_item_changed(self, index: int) -> None:
        item = self.session.items[index] if 0 <= index < len(self.session.items) else None
        if (item is not None and item.loaded is not None and item.path
                and item.id not in self._recorded):
            # Only photos that actually opened go on the recent list.
            first = not self._recorded
            self._recorded.add(item.id)
            self.settings.add_recent_file(item.path)
            if first:  # a disk write: once is enough to learn that settings cannot be saved
                self._check_settings_saved()
        if index == self.session.current:
            self._show_current()
            self._announce_result(item)

    def _announce_result(self, item) -> None:
        """Say the answer aloud for screen reader users, whose focus is elsewhere."""
        if item is None or item.result is None or self.camera_action.isChecked():
            return
        key = (item.id, id(item.result))
        if key != self._announced:
            self._announced = key
            announce(self.results_panel, self.results_panel.spoken_summary())

    def _show_current(self) -> None:
        session = self.session
        item = session.current_item()
        total = len(session.items)
        # In camera mode the photo is hidden: its tools would act on something unseen.
        photos_shown = not self.camera_action.isChecked()
        self.prev_action.setEnabled(photos_shown and session.current > 0)
        self.next_action.setEnabled(photos_shown and 0 <= session.current < total - 1)
        self.position_label.setText(
            f"  Photo {session.current + 1} of {total}  " if total else "  No photos  ")
        self.position_label_action.setVisible(photos_shown)
        has_result = photos_shown and item is not None and item.result is not None
        self.draw_action.setEnabled(has_result)
        self.whole_photo_action.setEnabled(has_result)
        self.delete_action.setEnabled(has_result)
        self.undo_action.setEnabled(photos_shown and session.can_undo())
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action,
                       self.actual_size_action):
            action.setEnabled(photos_shown and item is not None and item.display is not None)
        if not photos_shown:
            return
        if item is None:
            self.setWindowTitle(APPLICATION_NAME)
            self.pages.setCurrentWidget(self.empty_state)
            return
        self.setWindowTitle(f"{item.label} — {APPLICATION_NAME}")
        if item.error is not None:
            self._shown_item_id = None
            self.canvas.set_image(None)
            self.error_view.set_error(item.error)
            self.pages.setCurrentWidget(self.error_view)
            return
        self.pages.setCurrentWidget(self.splitter)
        if item.display is None:
            self._shown_item_id = None
            self.canvas.set_image(None)
        elif self._shown_item_id != item.id:
            self._shown_item_id = item.id
            self.canvas.set_image(item.display)
        if item.result is not None:
            self.canvas.set_figurines(item.result.figurines, item.selected)
            self.results_panel.set_figurines(item.result.figurines, item.selected)
        elif item.display is None:
            self.results_panel.show_message("Opening photo…", item.label)
        elif session.model_state == "failed":
            self.results_panel.show_message("Cannot identify", session.model_error)
        elif session.model_state != "ready":
            self.results_panel.show_message(
                "Waiting for the model…", "The photo will be identified as soon as the "
                "recognition model has loaded.")
        else:
            self.results_panel.show_message("Identifying…", "Looking for figurines.")

    def _on_model_state(self, state: str, message: str) -> None:
        self.model_label.setText(message if state != "failed" else "Model unavailable")
        self.model_label.setToolTip(message)
        if state == "failed":
            self.message_bar.show_message(message, "error")
        self._update_progress()
        self._show_current()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 1:
            self.statusBar().showMessage(f"Identified {done} of {total} photos", 3000)
        self._update_progress(done, total)

    def _update_progress(self, done: int | None = None, total: int | None = None) -> None:
        items = self.session.items
        total = len(items) if total is None else total
        done = sum(1 for it in items if it.done) if done is None else done
        working = self.session.model_state == "loading" or done < total
        self.progress.setVisible(working)
        if total > 1 and self.session.model_state == "ready":
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)  # "busy" animation for one photo or model load

    # -- boxes -------------------------------------------------------------------------
    def _select_figurine(self, index: int) -> None:
        self.session.select_figurine(index)
        self.canvas.select(index)
        self.results_panel.select(index)

    def _toggle_draw(self, on: bool) -> None:
        self.canvas.set_draw_mode(on)
        if on:
            self.canvas.setFocus()
            self.statusBar().showMessage(
                "Drag a box around a figurine\u2019s face. Esc cancels.", 5000)

    def _on_box_drawn(self, box) -> None:
        if self.session.add_manual_box(box):
            self.statusBar().showMessage("Identifying the box you drew…", 3000)
        else:
            self.message_bar.show_message(
                "The box can be identified once the photo and the model are ready.", "info",
                transient=True)

    def use_whole_photo(self) -> None:
        if self.session.use_whole_photo():
            self.statusBar().showMessage("Identifying the whole photo as one figure…", 3000)
        else:
            self.message_bar.show_message(
                "The whole photo can be identified once it and the model are ready.", "info",
                transient=True)

    def delete_selected_box(self) -> None:
        self.delete_box(self.canvas.selected_index)

    def delete_box(self, index: int) -> None:
        if self.session.delete_figurine(index):
            self.statusBar().showMessage("Box removed. Undo with Ctrl+Z.", 5000)

    def undo(self) -> None:
        self.session.undo()

    # -- shops, settings, camera, help ------------------------------------------------
    def _open_shop(self, name: str, url: str) -> None:
        if browser.open_url(url, self):
            self.statusBar().showMessage(f"Opened {name} in your browser", 4000)

    def open_settings(self) -> SettingsDialog:
        recognizer = self.session.recognizer
        dialog = SettingsDialog(
            self.settings,
            model_threshold=getattr(recognizer, "unsure_threshold", None),
            parent=self,
        )
        dialog.accepted.connect(self.apply_settings)
        dialog.open()
        return dialog

    def apply_settings(self) -> None:
        self._check_settings_saved()
        self.results_panel.set_shops(self.settings.shops())
        self.session.set_unsure_threshold(self.settings.unsure_threshold())
        self.session.set_threads(self.settings.inference_threads())
        self._show_current()

    def _check_settings_saved(self) -> bool:
        """Write the settings now and say once if they cannot be: otherwise changed
        preferences and recent photos would silently vanish at the next start."""
        if self.settings.sync():
            return True
        if not self._told_settings_not_saved:
            self._told_settings_not_saved = True
            self.message_bar.show_message(SETTINGS_NOT_SAVED_MESSAGE, "error")
        return False

    def set_camera_widget(self, widget: QWidget) -> None:
        """Put the real camera view in place of the placeholder and enable camera mode."""
        index = self.pages.indexOf(self.camera_page)
        self.pages.removeWidget(self.camera_page)
        self.camera_page.deleteLater()
        self.camera_page = widget
        self.pages.insertWidget(index, widget)
        self.camera_action.setEnabled(True)
        self.empty_state.set_camera_available(True)

    def toggle_camera(self, on: bool | None = None) -> None:
        if not self.camera_action.isEnabled():
            return
        on = (self.pages.currentWidget() is not self.camera_page) if on is None else on
        self.camera_action.setChecked(on)
        if on:
            self.canvas.set_draw_mode(False)  # a half-drawn box has nothing to land on
            self.pages.setCurrentWidget(self.camera_page)
        self._show_current()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(what, keys) for the shortcuts dialog, every key of an action included."""
        actions = [self.open_action, self.paste_action, self.prev_action, self.next_action,
                   self.draw_action, self.whole_photo_action, self.delete_action,
                   self.undo_action, self.zoom_in_action, self.zoom_out_action,
                   self.fit_action, self.actual_size_action, self.camera_action,
                   *self.teaching.actions()]
        # Camera mode's own keys, when the camera page is the real one. They work only
        # there (Space, say, does nothing to a photo), which their rows say.
        camera_actions = [a for a in (getattr(self.camera_page, "freeze_action", None),
                                      getattr(self.camera_page, "open_video_action", None))
                          if isinstance(a, QAction)]
        actions += camera_actions
        actions += [self.settings_action, self.shortcuts_action, self.quit_action]
        return shortcuts.shortcut_rows(actions, camera_only=camera_actions)

    def show_shortcuts(self) -> None:
        shortcuts.show_shortcuts(self, self.shortcut_rows())

    def show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APPLICATION_NAME}",
            f"<b>{APPLICATION_NAME}</b> version {escape(__version__)}"
            "<p>Names anime figurines in your photos, offline. "
            "Shop buttons open search pages in your browser; nothing else uses the "
            "internet.</p>",
        )

    # -- window state ------------------------------------------------------------------
    def _restore_window(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state:
            self.restoreState(state)
        splitter = self.settings.splitter_state()
        if splitter:
            self.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.settings.save_window(
            self.saveGeometry().data(), self.saveState().data(), self.splitter.saveState().data()
        )
        self.settings.sync()
        super().closeEvent(event)
