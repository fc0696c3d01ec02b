"""Teaching, correcting and collecting, wired into the main window (no widget of its own).

Owns the taught-figure library and the collection for the window, gives the photo
session a ``TaughtMatcher`` once the model is ready, and adds the "Figures" menu, the
result buttons and the dialogs. Embedding and storing run on a worker thread. When the
library or collection cannot be opened (read-only or full disk, damaged file) the
window says so once and recognition carries on with the bundled model only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from fmf_desktop._qt import browser
from fmf_desktop._qt.announce import announce
from fmf_desktop._qt.result_actions import ResultActions
from fmf_desktop._qt.workers import JobRunner
from fmf_desktop.collection import Collection, CollectionError, default_collection_path
from fmf_desktop.library import Library, LibraryError, NewExample, default_library_path
from fmf_desktop.results import Box, CharacterInfo, Figurine
from fmf_desktop.wording import count_noun

if TYPE_CHECKING:
    from fmf_desktop._qt.collection_view import CollectionView
    from fmf_desktop._qt.library_dialog import LibraryDialog
    from fmf_desktop._qt.main_window import MainWindow
    from fmf_desktop._qt.teach_dialog import TeachDialog, TeachRequest

UNAVAILABLE = "Recognition still works with the bundled characters."
RESTART_HINT = "make the folder writable and restart the app"
# Why an action is off (tooltip), and what refusing it says.
LIBRARY_READ_ONLY_TIP = ("Your taught figures are read-only: to teach or correct, "
                         f"{RESTART_HINT}.")
COLLECTION_READ_ONLY_TIP = ("Your collection is read-only: to add figurines, "
                            f"{RESTART_HINT}.")


def read_only_message(library: Path | None, collection: Path | None) -> str:
    """The startup notice for stores opened read-only (their paths; None: writable):
    what still works, what does not, and how to fix it."""
    folders = sorted({str(p.parent) for p in (library, collection) if p is not None})
    where = " and ".join(folders)
    if library is not None and collection is not None:
        return (f"Your taught figures and collection are read-only: {where} cannot be "
                "written to. Recognition, browsing and export still work; teaching, "
                "correcting, adding to the collection and notes are off. To change them, "
                f"{RESTART_HINT}.")
    if library is not None:
        return (f"Your taught figures are read-only: {where} cannot be written to. They "
                "are still recognised, and browsing and export work; teaching and "
                f"correcting are off. To teach again, {RESTART_HINT}.")
    return (f"Your collection is read-only: {where} cannot be written to. Browsing and "
            "CSV export still work; adding figurines, deleting and notes are off. To "
            f"change it, {RESTART_HINT}.")


def _user_message(message: str) -> str:
    # Worker failures arrive as "ClassName: text"; our storage errors are already
    # written for users, so the class name is noise.
    for prefix in ("LibraryError: ", "CollectionError: "):
        message = message.removeprefix(prefix)
    return message


@dataclass(frozen=True)
class _PendingCorrection:
    """The result being corrected in the open dialog."""

    crop: Any  # the crop the dialog shows (told from added photos by identity)
    example: NewExample  # that crop as an example: its embedding is already known
    # The whole photo behind a located box, taught instead of the box when the user says
    # the photos show only the figure (the box may be a hand on a close-up).
    photo: Any | None


class TeachingController(QObject):
    library_changed = Signal()
    taught = Signal(str)  # figure name, after a teach or a correction was stored

    def __init__(
        self,
        window: MainWindow,
        *,
        library_path: Path | None = None,
        collection_path: Path | None = None,
        capture: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        # Camera frame grabber for the teach dialog; by default the camera mode's frame.
        self.capture = capture or self._camera_frame
        self._runner = JobRunner(1, self)
        self.matcher: Any = None
        self.library: Library | None = None
        self.collection: Collection | None = None
        self.library_error = ""
        self.collection_error = ""
        self.teach_dialog: TeachDialog | None = None  # the one open now, if any
        # Every teach dialog not yet deleted (closed ones until their checks are done).
        self._teach_dialogs: list[TeachDialog] = []
        self.library_dialog: LibraryDialog | None = None
        self.collection_view: CollectionView | None = None
        self._correction: _PendingCorrection | None = None
        self._matcher_error_shown: str | None = None  # said once, until it changes

        try:
            self.library = Library(library_path or default_library_path())
        except LibraryError as exc:
            self.library_error = str(exc)
        try:
            self.collection = Collection(collection_path or default_collection_path())
        except CollectionError as exc:
            self.collection_error = str(exc)
        problems = [m for m in (self.library_error, self.collection_error) if m]
        read_only = [store.path if store is not None and store.read_only else None
                     for store in (self.library, self.collection)]
        # Said once at startup (and not only when a change fails), as one message: a store
        # that cannot be opened and one that is read-only are one story for the user.
        note = read_only_message(*read_only) if any(read_only) else ""
        if problems:
            self.window.message_bar.show_message(
                "\n".join(problems + [UNAVAILABLE] + ([note] if note else [])), "error")
        elif note:
            # A lasting problem: the bar calls it a "Warning:".
            self.window.message_bar.show_message(note, "error")

        self._make_actions()
        self.result_actions = ResultActions()
        self.result_actions.add_to_collection.connect(self.add_current_to_collection)
        self.result_actions.correct.connect(self.correct_current)
        window.results_panel.add_footer(self.result_actions)

        s = self.session
        s.model_state_changed.connect(self._on_model_state)
        s.current_changed.connect(lambda _i: self.refresh())
        s.item_changed.connect(lambda _i: self.refresh())
        # Each photo named again has asked the matcher; a library that fails while
        # being read says why here (recognition carries on with the bundled model).
        s.item_changed.connect(lambda _i: self._report_matcher_error())
        window.results_panel.figurine_selected.connect(lambda _i: self.refresh())
        window.canvas.figurine_selected.connect(lambda _i: self.refresh())
        if s.model_state == "ready":
            self._start_matcher()
        # A job still running when the window closes would report to deleted objects.
        window.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            # Closing checkpoints the WAL into the main file, so a backup of just the
            # .sqlite3 file after quitting is complete.
            app.aboutToQuit.connect(self.close)
        self.refresh()

    # -- window pieces ---------------------------------------------------------------------
    def _action(self, text: str, shortcut: str, slot: Callable[[], Any], tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})")
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.teach_action = self._action(
            "&Teach a figure…", "Ctrl+T", self.open_teach_dialog,
            "Teach the app a figure from a few photos")
        self.correct_action = self._action(
            "&Correct this result…", "Ctrl+E", self.correct_current,
            "Pick or type the right character for the selected figurine")
        self.add_action = self._action(
            "&Add to collection", "Ctrl+D", self.add_current_to_collection,
            "Keep the selected figurine in My collection")
        self.library_action = self._action(
            "Taught &figures…", "Ctrl+L", self.open_library_dialog,
            "Rename, delete, export or import taught figures")
        self.collection_action = self._action(
            "My &collection…", "Ctrl+M", self.open_collection,
            "Figurines you own: search, sort, notes, CSV export")
        menu = QMenu("F&igures", self.window)
        for action in (self.teach_action, self.correct_action, self.add_action, None,
                       self.library_action, self.collection_action):
            menu.addSeparator() if action is None else menu.addAction(action)
        bar = self.window.menuBar()
        help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"),
                           None)
        if help_action is not None:
            bar.insertMenu(help_action, menu)
        else:
            bar.addMenu(menu)
        self.menu = menu
        # A store that cannot be changed stays so until the app restarts: the actions
        # that would change it are off for the session, and say why.
        menu.setToolTipsVisible(True)
        library_off, collection_off = self._library_off(), self._collection_off()
        for action, off in ((self.teach_action, library_off),
                            (self.correct_action, library_off),
                            (self.add_action, collection_off)):
            if off:
                action.setToolTip(off)
                action.setStatusTip(off)
        self.teach_action.setEnabled(not library_off)
        self.library_action.setEnabled(self.library is not None)
        self.collection_action.setEnabled(self.collection is not None)

    def actions(self) -> list[QAction]:
        """The Figures menu's actions (for the keyboard shortcut overview)."""
        return [self.teach_action, self.correct_action, self.add_action, self.library_action,
                self.collection_action]

    def _camera_frame(self) -> Any:
        """The camera page's latest frame (RGB), or None when the camera is not running."""
        # Until camera mode is installed the page is a placeholder without frames.
        latest_rgb = getattr(self.window.camera_page, "latest_rgb", None)
        return latest_rgb() if callable(latest_rgb) else None

    def selected_figurine(self) -> tuple[Any, Figurine] | None:
        item = self.session.current_item()
        if item is None or item.result is None or not item.result.figurines:
            return None
        index = min(max(item.selected, 0), len(item.result.figurines) - 1)
        return item, item.result.figurines[index]

    def _library_off(self) -> str:
        """Why teaching and correcting are off ("" when they are on)."""
        if self.library is None:
            return self.library_error or "The figure library is not available."
        return LIBRARY_READ_ONLY_TIP if self.library.read_only else ""

    def _collection_off(self) -> str:
        """Why adding to the collection is off ("" when it is on)."""
        if self.collection is None:
            return self.collection_error or "The collection is not available."
        return COLLECTION_READ_ONLY_TIP if self.collection.read_only else ""

    def refresh(self) -> None:
        found = self.selected_figurine()
        fig = found[1] if found else None
        library_off, collection_off = self._library_off(), self._collection_off()
        self.result_actions.set_figurine(
            fig, library_error=library_off, collection_error=collection_off)
        self.correct_action.setEnabled(fig is not None and not library_off)
        self.add_action.setEnabled(fig is not None and fig.best is not None
                                   and not collection_off)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)

    def _error(self, text: str) -> None:
        """A failed action: an error about what the user just did, which goes with the
        next photo (lasting problems with the stores are warnings: ``_warn``)."""
        self.window.message_bar.show_message(_user_message(text), "error", transient=True)

    def _warn(self, text: str) -> None:
        """A lasting problem (the library cannot be read): stays until closed."""
        self.window.message_bar.show_message(_user_message(text), "error")

    def _refuse(self, why: str) -> None:
        """An action that is off was asked for anyway (its shortcut raced, or code called
        it): about this attempt only, so the startup warning comes back after it."""
        self.window.message_bar.show_message(why, "error", transient=True)

    # -- matcher -----------------------------------------------------------------------------
    def _on_model_state(self, state: str, _message: str) -> None:
        if state == "ready":
            self._start_matcher()

    def _start_matcher(self) -> None:
        recognizer, library = self.session.recognizer, self.library
        if library is None or not all(
            hasattr(recognizer, a) for a in ("model_path", "embedding_size", "classify_crops")
        ):
            return  # no library, or a recognizer without embeddings (e.g. a test double)

        def work() -> Any:
            from fmf_desktop.teaching import open_matcher

            # Also re-embeds examples an older model made (from their thumbnails).
            return open_matcher(library, recognizer)

        self._runner.submit("matcher", work, self._on_matcher, self._on_job_failed)

    def _on_matcher(self, _key: Any, matcher: Any) -> None:
        self.matcher = matcher
        self.session.matcher = matcher
        self._show_model_status()
        self._report_matcher_error()
        # len() is the index open_matcher built on the worker; index() could rebuild it
        # here, on the GUI thread, if the library changed meanwhile.
        if len(matcher):
            self.session.reidentify_all()  # photos named before the library was ready

    def _report_matcher_error(self) -> None:
        """Show the matcher's problem (e.g. a damaged library file) once in the message
        bar: the library opened, but its figures cannot be read, so none are matched."""
        error = getattr(self.matcher, "last_error", None)
        if error and error != self._matcher_error_shown:
            self._warn(f"Taught figures are not recognised right now: {error}\n"
                       f"{UNAVAILABLE}")
        self._matcher_error_shown = error

    def _show_model_status(self) -> None:
        """The window's model status, counting taught figures too. The session only
        knows the bundled characters, so this replaces its "Model ready" text."""
        if self.session.model_state != "ready" or self.library is None:
            return
        try:
            taught = self.library.count()  # on the GUI thread: no per-figure grouping
        except LibraryError:
            return  # the message bar explains; the session's text stays
        bundled = len(getattr(self.session.recognizer, "classes", []) or [])
        text = f"Model ready: knows {count_noun(bundled, 'character')}"
        if taught:
            text += f" and {count_noun(taught, 'taught figure')}"
        self.window.model_label.setText(text)
        self.window.model_label.setToolTip(text)

    def _on_job_failed(self, _key: Any, message: str) -> None:
        self._error(message)

    def _known_characters(self) -> list[CharacterInfo]:
        known = list(getattr(self.session.recognizer, "classes", []) or [])
        if self.library is not None:
            with contextlib.suppress(LibraryError):  # a broken library: bundled names only
                known += [f.character for f in self.library.figures()]
        return known

    # -- teaching ----------------------------------------------------------------------------
    def open_teach_dialog(self) -> TeachDialog | None:
        if off := self._library_off():
            self._refuse(off)
            return None
        from fmf_desktop._qt.teach_dialog import TeachDialog

        dialog = TeachDialog(known=self._known_characters(), capture=self.capture,
                             parent=self.window)
        return self._open(dialog)

    def correct_current(self) -> TeachDialog | None:
        found = self.selected_figurine()
        if found is None or self._library_off():
            return None
        item, fig = found
        if item.loaded is None:
            # The shown photo is decoded again when the user comes back to it.
            self._error("This photo is still opening; correct it again in a moment."
                        if item.decoding else
                        "This photo is not loaded any more; open it again to correct it.")
            return None
        from fmf_desktop._qt.teach_dialog import TeachDialog
        from fmf_desktop.library import make_thumbnail
        from fmf_desktop.teaching import crop_for_box

        crop = crop_for_box(item.loaded.rgb, fig.box, fig.origin == "whole-image")
        self._correction = _PendingCorrection(
            crop,
            # The figurine's embedding is already known: the correction needs no inference.
            NewExample(fig.embedding, make_thumbnail(crop), f"correction: {item.label}"),
            None if fig.origin == "whole-image" else item.loaded.rgb,
        )
        whole_preview = (  # framed as it would be taught
            None if self._correction.photo is None
            else crop_for_box(item.loaded.rgb, Box(0, 0, item.loaded.rgb.shape[1],
                                                   item.loaded.rgb.shape[0]), True)
        )
        suggestions = [c for c in fig.top]
        dialog = TeachDialog(known=self._known_characters(), suggestions=suggestions,
                             crops=[crop], capture=self.capture, correcting=True,
                             whole_photo=whole_preview,
                             figurines_in_photo=len(item.result.figurines),
                             parent=self.window)
        dialog.rejected.connect(self._forget_correction)  # let go of the photo's pixels
        return self._open(dialog)

    def _open(self, dialog: TeachDialog) -> TeachDialog:
        """Show a teach or correction dialog that is freed once it closes."""
        # Each dialog holds its photos' thumbnails (a correction also its crop and the
        # whole photo) and a thread pool: kept until exit, every Ctrl+T or "Not this?"
        # would add to them.
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.teach(dialog.request()))
        dialog.finished.connect(lambda _result: self._on_dialog_closed(dialog))
        dialog.destroyed.connect(lambda: self._teach_dialogs.remove(dialog))
        self._teach_dialogs.append(dialog)
        self.teach_dialog = dialog
        dialog.open()
        return dialog

    def _on_dialog_closed(self, dialog: TeachDialog) -> None:
        if self.teach_dialog is dialog:
            self.teach_dialog = None
        # Photo checks not started yet are for thumbnails nobody will see: drop them.
        # Deleting the dialog deletes its pool, which waits for the check still running
        # (one small decode), so no result is delivered to a deleted dialog.
        for runner in dialog.findChildren(JobRunner):
            runner.pool.clear()

    def _forget_correction(self) -> None:
        self._correction = None

    def teach(self, request: TeachRequest) -> bool:
        """Embed and store ``request`` on a worker; results refresh when it is done."""
        library, recognizer = self.library, self.session.recognizer
        if library is None:
            self._error(self.library_error or "The figure library is not available.")
            return False
        if recognizer is None:
            self._error("The recognition model is still loading; teach again in a moment.")
            return False
        prepared: list[NewExample] = []
        crops = []
        whole_photos = []  # (rgb, source): corrected boxes taught as their whole photo
        correction = self._correction
        for crop in request.crops:
            if correction is None or crop is not correction.crop:
                crops.append(crop)
            elif request.whole_image and correction.photo is not None:
                whole_photos.append((correction.photo, correction.example.source))
            else:
                prepared.append(correction.example)
        self._forget_correction()

        def work() -> tuple[Any, list[str]]:
            from fmf_desktop.imaging import ImageLoadError, load_image
            from fmf_desktop.recognition import PHOTO_MAX_SIDE
            from fmf_desktop.teaching import (
                BlankPhotoError,
                current_model_key,
                example_from_crop,
                teach_crop,
            )

            examples, problems = list(prepared), []
            for path in request.photos:
                try:
                    image = load_image(path, max_side=PHOTO_MAX_SIDE)
                    crop = teach_crop(recognizer, image.rgb, whole_image=request.whole_image)
                except ImageLoadError as exc:
                    problems.append(str(exc))
                    continue
                except BlankPhotoError as exc:
                    problems.append(f"{Path(path).name}: {exc}")
                    continue
                examples.append(example_from_crop(crop, path))
            for rgb in crops:  # camera frames: find the figurine like in a photo
                try:
                    crop = teach_crop(recognizer, rgb, whole_image=request.whole_image)
                except BlankPhotoError as exc:
                    problems.append(f"camera frame: {exc}")
                    continue
                examples.append(example_from_crop(crop, "camera"))
            for rgb, source in whole_photos:
                crop = teach_crop(recognizer, rgb, whole_image=True)
                examples.append(example_from_crop(crop, source))
            if not examples:
                raise LibraryError("Nothing was taught: none of the photos could be used.\n"
                                   + "\n".join(problems))
            key = self.matcher.model if self.matcher is not None else current_model_key(
                recognizer)
            figure = library.teach(request.name, examples, franchise=request.franchise,
                                   model=key)
            return figure, problems

        self._status(f"Teaching {request.name}…")
        self._runner.submit(request.name, work, self._on_taught, self._on_job_failed)
        return True

    def _on_taught(self, _key: Any, payload: tuple[Any, list[str]]) -> None:
        figure, problems = payload
        done = f"Taught {figure.name}: {count_noun(figure.examples, 'photo')} in the library."
        self._status(f"{done} Recognising again…")
        # The teach ran in the background; a screen reader user has no other cue.
        announce(self.window, done)
        if problems:
            self.window.message_bar.show_message(
                "Some photos were left out:\n" + "\n".join(problems), "error")
        if self.matcher is None:
            self._start_matcher()
        self._library_changed()
        self.taught.emit(figure.name)

    def _library_changed(self) -> None:
        # The matcher notices the new library revision; identifying again shows it.
        self.session.reidentify_all()
        if self.library_dialog is not None:
            self.library_dialog.reload()  # hidden: only marks it out of date
        self._show_model_status()
        self.library_changed.emit()

    def open_library_dialog(self) -> LibraryDialog | None:
        if self.library is None:
            self._error(self.library_error or "The figure library is not available.")
            return None
        from fmf_desktop._qt.library_dialog import LibraryDialog

        if self.library_dialog is None:
            self.library_dialog = LibraryDialog(self.library, self.window)
            self.library_dialog.changed.connect(self._library_changed)
            self.library_dialog.teach_requested.connect(self.open_teach_dialog)
        # Showing rebuilds the list when the library changed since it was last shown.
        self.library_dialog.show()
        self.library_dialog.raise_()
        return self.library_dialog

    # -- collection --------------------------------------------------------------------------
    def add_current_to_collection(self) -> bool:
        found = self.selected_figurine()
        off = self._collection_off()
        if found is None or off:
            if off:
                self._refuse(off)
            return False
        item, fig = found
        panel = self.window.results_panel
        candidate = panel.chosen_candidate or fig.best
        if candidate is None:
            return False
        if fig.decision == "unsure" and candidate is fig.best:
            answer = QMessageBox.question(
                self.window, "Add to collection",
                f"The app is not sure this is {candidate.name}. Add it as {candidate.name} "
                "anyway? (Use “Not sure? Name it…” to give the right name.)",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        thumbnail = None
        if item.loaded is not None:
            from fmf_desktop.library import make_thumbnail
            from fmf_desktop.teaching import crop_for_box

            thumbnail = make_thumbnail(
                crop_for_box(item.loaded.rgb, fig.box, fig.origin == "whole-image"))
        from fmf_desktop.shops import shop_links

        shops = [s for s in self.window.settings.shops() if s.enabled]
        try:
            self.collection.add(candidate.character, thumbnail=thumbnail,
                                shops=shop_links(candidate.character, shops))
        except CollectionError as exc:
            self._error(str(exc))
            return False
        self._status(f"Added {candidate.name} to your collection (My collection: Ctrl+M).")
        if self.collection_view is not None:
            self.collection_view.reload()  # hidden: only marks it out of date
        return True

    def open_collection(self) -> CollectionView | None:
        if self.collection is None:
            self._error(self.collection_error or "The collection is not available.")
            return None
        from fmf_desktop._qt.collection_view import CollectionView

        if self.collection_view is None:
            self.collection_view = CollectionView(self.collection, self.window)
            self.collection_view.shop_requested.connect(
                lambda _name, url: browser.open_url(url, self.collection_view))
        # Showing reloads the table when the collection changed since it was last shown.
        self.collection_view.show()
        self.collection_view.raise_()
        return self.collection_view

    # -- shutdown / tests ------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.wait_idle(10000)
        return False

    def wait_idle(self, msecs: int = 30000) -> bool:
        """Block until every worker that reads or writes the stores is done: teaching
        here, the library dialog's import/export and cover decoding, and the photo checks
        of every teach dialog not yet deleted (closed ones too, until they are)."""
        done = self._runner.wait(msecs)
        for dialog in [self.library_dialog, *self._teach_dialogs]:
            if dialog is not None:
                done = dialog.wait_idle(msecs) and done
        return done

    def close(self) -> None:
        # An export or a teach still running must not find its database closed.
        self.wait_idle(10000)
        for store in (self.library, self.collection):
            if store is not None:
                store.close()
        self.library = self.collection = None
