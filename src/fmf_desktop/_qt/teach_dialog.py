"""The "Teach a figure" dialog, also used to correct a result ("Not this?" / "Not sure").

The user gives a name, an optional franchise and one or more photos (files, drops, or a
crop handed in by the correction flow). Photos are checked and thumbnailed on a worker
thread; unreadable and blank ones are listed with the reason and left out (a blank one
is kept, with a warning, when whole photos are taught). Each photo's thumbnail shows the
part that will be taught (the head the app finds, or the whole photo), so a wrong find
shows before teaching. The dialog only collects the request; the caller does the
embedding and storing off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop._qt.delete_key import add_delete_key
from fmf_desktop._qt.elide import fit_list_to_width
from fmf_desktop._qt.secondary_text import mark_secondary, secondary_color
from fmf_desktop._qt.status_color import mark_status
from fmf_desktop._qt.workers import JobRunner
from fmf_desktop.results import Box, Candidate, CharacterInfo
from fmf_desktop.wording import count_noun

THUMB = 96
PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff);;All files (*)"
BLANK_PHOTO = "the photo is blank (one flat colour)"
FOUND_HEAD = "found head"
WHOLE_PHOTO = "whole photo"
# An item's data: the file path (None for crops), the crop's pixels, and whether the
# photo is blank. A file's item also keeps both previews, so ticking "Photos show only
# the figure" swaps them without decoding or locating again: the located box (None when
# nothing was found and the whole photo is taught either way) and the two icons.
PATH_ROLE = Qt.ItemDataRole.UserRole
CROP_ROLE = Qt.ItemDataRole.UserRole + 1
BLANK_ROLE = Qt.ItemDataRole.UserRole + 2
BOX_ROLE = Qt.ItemDataRole.UserRole + 3
FOUND_ICON_ROLE = Qt.ItemDataRole.UserRole + 4
WHOLE_ICON_ROLE = Qt.ItemDataRole.UserRole + 5


@dataclass(frozen=True)
class TeachRequest:
    """What the user asked for; ``crops`` are RGB arrays (e.g. the corrected result)."""

    name: str
    franchise: str
    photos: tuple[str, ...] = ()
    crops: tuple[np.ndarray, ...] = field(default=(), compare=False)
    whole_image: bool = False
    character: CharacterInfo | None = None  # set when an existing character was picked


def _icon_from_rgb(rgb: np.ndarray) -> QIcon:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image).scaled(
        THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation))


@dataclass(frozen=True)
class _CheckedPhoto:
    thumbnail: np.ndarray  # the whole photo, small
    blank: bool  # one flat colour: nothing in it to teach
    box: Box | None = None  # the head teaching takes; None: the whole photo is taught
    found: np.ndarray | None = None  # that head's crop, as teaching frames it


def _check_photo(path: str) -> _CheckedPhoto:
    """Decode ``path`` and look at it (on a worker thread). Errors name the file, not its
    full path, like the main window does.

    Also picks what ``teaching.teach_crop`` will teach (``teaching.teach_box``: no model
    needed), decoded at the size teaching decodes, because the located boxes depend on it.
    """
    import cv2

    from fmf_desktop.imaging import load_image
    from fmf_desktop.recognition import PHOTO_MAX_SIDE
    from fmf_desktop.teaching import BlankPhotoError, crop_for_box, teach_box

    rgb = load_image(path, name=Path(path).name, max_side=PHOTO_MAX_SIDE).rgb
    h, w = rgb.shape[:2]
    scale = min(1.0, THUMB * 2 / max(h, w))
    thumbnail = (rgb if scale == 1.0 else
                 cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                            interpolation=cv2.INTER_AREA))
    try:
        box = teach_box(rgb)
    except BlankPhotoError:
        return _CheckedPhoto(thumbnail, True)
    if box is None:
        return _CheckedPhoto(thumbnail, False)
    return _CheckedPhoto(thumbnail, False, box, crop_for_box(rgb, box, False))


class _PhotoList(QListWidget):
    """The photo area; while empty it says, inside itself, how to fill it."""

    EMPTY_TEXT = "Drop photos of the figure here\nor press “Add photos…”"

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(secondary_color(self.palette()))
        painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self.EMPTY_TEXT)


class TeachDialog(QDialog):
    """Collects a TeachRequest. ``suggestions`` turns it into the correction dialog."""

    def __init__(
        self,
        *,
        known: Sequence[CharacterInfo] = (),
        suggestions: Sequence[Candidate] = (),
        crops: Sequence[np.ndarray] = (),
        capture: Callable[[], np.ndarray | None] | None = None,
        correcting: bool = False,
        whole_photo: np.ndarray | None = None,
        figurines_in_photo: int = 1,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.correcting = correcting
        self.setWindowTitle("Correct this result" if correcting else "Teach a figure")
        self.setAccessibleName(self.windowTitle())
        self.setAcceptDrops(True)
        em = self.fontMetrics().height()
        self.resize(em * 34, em * (36 if correcting else 28))
        self._known = {c.name.casefold(): c for c in known}
        self._capture = capture
        self._pending = 0
        self._picked: CharacterInfo | None = None
        self._runner = JobRunner(1, self)

        intro = QLabel(
            "Which character is this? Pick one of the suggestions or type the right name. "
            "It is saved as an example, so next time it is recognised."
            if correcting else
            "Give the figure a name and add a few photos of it (3 to 5 from different "
            "angles work best). It is recognised from then on — no retraining needed."
        )
        intro.setWordWrap(True)

        self.suggestion_list = QListWidget()
        self.suggestion_list.setAccessibleName("Suggested characters")
        # A long name is cut short with "…" in its middle, so the score at the end stays
        # in view (the full text is the tooltip), instead of a horizontal scroll bar.
        fit_list_to_width(self.suggestion_list, Qt.TextElideMode.ElideMiddle)
        for cand in suggestions:
            text = f"{cand.name}  —  {cand.franchise}" if cand.franchise else cand.name
            item = QListWidgetItem(f"{text}   ({round(cand.score * 100)}%)")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole, cand.character)
            self.suggestion_list.addItem(item)
        # Selection, not "current item": the list gets a current item just by receiving
        # focus, which must not overwrite a name the user already typed.
        self.suggestion_list.itemSelectionChanged.connect(self._on_suggestion)
        self.suggestion_list.setMaximumHeight(em * 7)
        if suggestions:
            # Every suggestion in view (there are five at most): the dialog grows for a
            # warning instead of squeezing the list behind a scroll bar.
            rows = self.suggestion_list.sizeHintForRow(0) * len(suggestions)
            self.suggestion_list.setMinimumHeight(
                min(em * 7, rows + 2 * self.suggestion_list.frameWidth()))

        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Figure name")
        self.name_edit.setPlaceholderText("e.g. Hatsune Miku (Racing 2016)")
        self.name_edit.setMaxLength(200)
        completer = QCompleter(sorted({c.name for c in known}, key=str.casefold), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.name_edit.setCompleter(completer)
        self.name_edit.textChanged.connect(self._on_name)
        self.franchise_edit = QLineEdit()
        self.franchise_edit.setAccessibleName("Franchise (optional)")
        self.franchise_edit.setPlaceholderText("optional, e.g. Vocaloid")
        self.franchise_edit.setMaxLength(200)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Franchise:", self.franchise_edit)

        self.photo_list = _PhotoList()
        self.photo_list.setAccessibleName("Photos of the figure")
        self.photo_list.setAccessibleDescription(_PhotoList.EMPTY_TEXT.replace("\n", " "))
        self.photo_list.setViewMode(QListView.ViewMode.IconMode)
        self.photo_list.setIconSize(QSize(THUMB, THUMB))
        # Room for two caption lines: the file name and which part is taught.
        self.photo_list.setGridSize(QSize(THUMB + em * 2, THUMB + em * 3))
        # One row of thumbnails with captions always shows: messages under the list
        # make the dialog taller instead of hiding the photos behind a scroll bar.
        self.photo_list.setMinimumHeight(THUMB + em * 3 + 2 * self.photo_list.frameWidth()
                                         + em // 2)
        self.photo_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.photo_list.setMovement(QListView.Movement.Static)
        self.photo_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.photo_list.setWordWrap(True)
        self.photo_list.itemSelectionChanged.connect(self._update_state)

        self.add_button = QPushButton("&Add photos…")
        self.add_button.setAccessibleName("Add photos of the figure")
        self.add_button.clicked.connect(self.add_photos_dialog)
        self.capture_button = QPushButton("&Capture from camera")
        self.capture_button.setAccessibleName("Capture a photo from the camera")
        self.capture_button.clicked.connect(self.capture_frame)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the selected photos")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setAutoDefault(False)  # Return must not remove photos
        add_delete_key(self.photo_list, "Remove", self.remove_selected)
        photo_buttons = QHBoxLayout()
        photo_buttons.addWidget(self.add_button)
        photo_buttons.addWidget(self.capture_button)
        photo_buttons.addWidget(self.remove_button)
        photo_buttons.addStretch(1)

        self.whole_image = QCheckBox("Photos show only the figure (use each whole photo)")
        # Measured on real LEGO photos (benchmarks/bench_fewshot.py, through the app): 86%
        # of new photos named right when taught as whole photos, 61% from located boxes.
        self.whole_image.setToolTip(
            "Turn on for close-ups of one figure, and for figures without an anime face "
            "(LEGO, robots, animals): the app then recognises them in whole photos, far "
            "more reliably. Leave off for photos of several figures, to let the app find "
            "the figurine's face in each.")
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        mark_status(self.problem_label, "error")
        self.problem_label.setAccessibleDescription("Problems with photos")
        self.problem_label.hide()
        # Correcting one figurine of a shelf photo: "use each whole photo" would teach
        # the whole shelf under this one name. Allowed (a second box may be a false
        # find, e.g. a hand), but said plainly next to the swapped preview.
        self._figurines_in_photo = figurines_in_photo
        self.whole_photo_warning = QLabel(
            f"This photo shows {count_noun(figurines_in_photo, 'figurine')}. With this "
            f"option the whole photo, all {figurines_in_photo} of them, is taught as this "
            "one figure. Untick it to teach only the figurine you are correcting.")
        self.whole_photo_warning.setWordWrap(True)
        self.whole_photo_warning.setAccessibleDescription("Warning")
        # Amber, not the problems' red: a warning lets the user go on.
        mark_status(self.whole_photo_warning, "warning")
        self.whole_photo_warning.hide()
        # Blank photos kept because the whole photo is asked for: taught, but said.
        self.blank_warning = QLabel()
        self.blank_warning.setWordWrap(True)
        self.blank_warning.setAccessibleDescription("Warning")
        mark_status(self.blank_warning, "warning")
        self.blank_warning.hide()
        self.hint_label = QLabel()
        self.hint_label.setAccessibleDescription("What happens next")
        mark_secondary(self.hint_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save correction" if correcting else "Teach")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        suggestions_title = QLabel("&Suggestions:")
        suggestions_title.setBuddy(self.suggestion_list)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(suggestions_title)
        layout.addWidget(self.suggestion_list)
        layout.addLayout(form)
        layout.addWidget(QLabel("Photos:"))
        layout.addWidget(self.photo_list, 1)
        layout.addLayout(photo_buttons)
        layout.addWidget(self.whole_image)
        layout.addWidget(self.whole_photo_warning)
        layout.addWidget(self.blank_warning)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.buttons)
        # Shown only once inside the dialog: shown earlier, a widget without a parent
        # opens as a window of its own (and lands at the end of the tab order).
        suggestions_title.setVisible(bool(suggestions))
        self.suggestion_list.setVisible(bool(suggestions))
        self.capture_button.setVisible(capture is not None)
        # Tab follows the order on screen, top to bottom.
        chain = [self.suggestion_list, self.name_edit, self.franchise_edit, self.photo_list,
                 self.add_button, self.capture_button, self.remove_button, self.whole_image,
                 *self.buttons.buttons()]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

        for crop in crops:
            self.add_crop(crop, "this crop" if correcting else "crop")
        # The corrected box's whole photo: what is taught instead when the photos are said
        # to show only the figure, so the preview shows that.
        self._whole_photo = whole_photo
        self._corrected_item = self.photo_list.item(0) if correcting and crops else None
        self.whole_image.toggled.connect(self._show_what_is_taught)
        self.whole_image.toggled.connect(self._on_whole_image)
        self._update_state()
        self.name_edit.setFocus()

    # -- photos --------------------------------------------------------------------------
    def add_photos_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Photos of the figure", "", PHOTO_FILTER)
        self.add_photos(paths)

    def add_photos(self, paths: Sequence[str]) -> None:
        """Queue files; each is checked on a worker and shown as a thumbnail."""
        existing = {self.photo_list.item(i).data(PATH_ROLE)
                    for i in range(self.photo_list.count())}
        for path in paths:
            path = str(path)
            if path in existing:
                continue
            existing.add(path)
            item = QListWidgetItem(Path(path).name + "\n(loading…)")
            item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            self.photo_list.addItem(item)
            self._pending += 1
            self._runner.submit(path, lambda p=path: _check_photo(p), self._on_thumb,
                                self._on_thumb_failed)
        self._update_state()

    def add_crop(self, rgb: np.ndarray, label: str) -> None:
        item = QListWidgetItem(_icon_from_rgb(rgb), label)
        item.setData(PATH_ROLE, None)
        item.setData(CROP_ROLE, rgb)
        self.photo_list.addItem(item)
        self._update_state()

    def _show_what_is_taught(self, whole: bool) -> None:
        for i in range(self.photo_list.count()):
            self._show_preview(self.photo_list.item(i), whole)
        item = self._corrected_item
        if item is None or self._whole_photo is None or self.photo_list.row(item) < 0:
            return  # nothing to swap, or the user removed that picture
        rgb = self._whole_photo if whole else item.data(CROP_ROLE)
        item.setIcon(_icon_from_rgb(rgb))
        item.setText("whole photo" if whole else "this crop")
        self.whole_photo_warning.setVisible(whole and self._figurines_in_photo > 1)
        self._grow_to_fit()

    def capture_frame(self) -> None:
        frame = self._capture() if self._capture is not None else None
        if frame is None:
            self._show_problems(["The camera has no picture right now. Start it in camera "
                                 "mode (Ctrl+K), point it at the figure, then capture."])
            return
        self.add_crop(frame, "camera")

    def _find(self, path: str) -> QListWidgetItem | None:
        for i in range(self.photo_list.count()):
            item = self.photo_list.item(i)
            if item.data(PATH_ROLE) == path:
                return item
        return None

    def _on_thumb(self, path: Any, checked: _CheckedPhoto) -> None:
        self._pending -= 1
        path = str(path)
        item = self._find(path)
        if item is not None and checked.blank and not self.whole_image.isChecked():
            # Teaching would find no figurine in it and leave it out afterwards: say so
            # now, like for a file that cannot be read.
            self.photo_list.takeItem(self.photo_list.row(item))
            self._show_problems([f"Not added: {Path(path).name}: {BLANK_PHOTO}."],
                                [f"Not added: {path}: {BLANK_PHOTO}."])
        elif item is not None:
            whole_icon = _icon_from_rgb(checked.thumbnail)
            item.setData(WHOLE_ICON_ROLE, whole_icon)
            item.setData(FOUND_ICON_ROLE, whole_icon if checked.found is None
                         else _icon_from_rgb(checked.found))
            item.setData(BOX_ROLE, checked.box)
            item.setData(BLANK_ROLE, checked.blank)
            self._show_preview(item, self.whole_image.isChecked())
            self._show_blank_warning()
        self._update_state()

    def _show_preview(self, item: QListWidgetItem, whole: bool) -> None:
        """Show the part of a photo file that will be taught, and say which it is."""
        found_icon = item.data(FOUND_ICON_ROLE)
        if found_icon is None:
            return  # a crop, or a photo still being checked
        path = str(item.data(PATH_ROLE))
        found = not whole and item.data(BOX_ROLE) is not None
        item.setIcon(found_icon if found else item.data(WHOLE_ICON_ROLE))
        item.setText(f"{Path(path).name}\n{FOUND_HEAD if found else WHOLE_PHOTO}")
        # The locator looks for anime faces: on other figures it may box a torso or the
        # back of a head, so the tooltip says how to teach the whole photo instead.
        why = ("The app found a head here and teaches only this part. If it is the wrong "
               "part, tick “Photos show only the figure”." if found else
               "The whole photo is taught.")
        item.setToolTip(f"{path}\n{why}")

    def _on_thumb_failed(self, path: Any, message: str) -> None:
        self._pending -= 1
        item = self._find(str(path))
        if item is not None:
            self.photo_list.takeItem(self.photo_list.row(item))
        name = Path(str(path)).name
        # The message names the file; the tooltip says where it is.
        detail = (f"{path}{message[len(name):]}" if message.startswith(name)
                  else f"{path}: {message}")
        self._show_problems([f"Not added: {message}"], [f"Not added: {detail}"])
        self._update_state()

    def _on_whole_image(self, whole: bool) -> None:
        """Blank photos are only taught as whole photos: unticking leaves them out."""
        if not whole:
            blank = [self.photo_list.item(i) for i in range(self.photo_list.count())
                     if self.photo_list.item(i).data(BLANK_ROLE)]
            for item in blank:
                self.photo_list.takeItem(self.photo_list.row(item))
            paths = [str(item.data(PATH_ROLE)) for item in blank]
            if paths:
                self._show_problems(
                    [f"Left out: {Path(p).name}: {BLANK_PHOTO}." for p in paths],
                    [f"Left out: {p}: {BLANK_PHOTO}." for p in paths])
        self._show_blank_warning()
        self._update_state()

    def _show_blank_warning(self) -> None:
        names = [Path(str(self.photo_list.item(i).data(PATH_ROLE))).name
                 for i in range(self.photo_list.count())
                 if self.photo_list.item(i).data(BLANK_ROLE)]
        if len(names) == 1:
            self.blank_warning.setText(
                f"{names[0]}: {BLANK_PHOTO}. It is taught as it is, because the photos are "
                "said to show only the figure.")
        elif names:
            self.blank_warning.setText(
                f"{', '.join(names)}: these photos are blank (one flat colour). They are "
                "taught as they are, because the photos are said to show only the figure.")
        self.blank_warning.setVisible(bool(names))
        self._grow_to_fit()

    def _show_problems(self, lines: list[str], details: list[str] | None = None) -> None:
        """``lines`` name files by their names; ``details``, in the tooltip, by path."""
        old = self.problem_label.text()
        self.problem_label.setText("\n".join(([old] if old else []) + lines))
        old_tip = self.problem_label.toolTip()
        self.problem_label.setToolTip(
            "\n".join(([old_tip] if old_tip else []) + (details or lines)))
        self.problem_label.show()
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Taller when a message appears, so the photos stay in view: the layout alone
        squeezes the photo list under its buttons, because a wrapped label's height
        depends on the width and does not count towards the dialog's minimum size."""
        layout = self.layout()
        margins = layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        items = [layout.itemAt(i) for i in range(layout.count())]
        heights = [item.heightForWidth(width) if item.hasHeightForWidth()
                   else item.minimumSize().height() for item in items if not item.isEmpty()]
        needed = (sum(heights) + layout.spacing() * (len(heights) - 1)
                  + margins.top() + margins.bottom())
        if needed > self.height():
            self.resize(self.width(), needed)

    def remove_selected(self) -> None:
        for item in self.photo_list.selectedItems():
            self.photo_list.takeItem(self.photo_list.row(item))
        corrected = self._corrected_item
        if corrected is not None and self.photo_list.row(corrected) < 0:
            self.whole_photo_warning.hide()  # the shelf photo is no longer taught
        self._show_blank_warning()
        self._update_state()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls: list[QUrl] = event.mimeData().urls()
        local = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(local) < len(urls):
            self._show_problems(["Web addresses cannot be added: save the image to your "
                                 "computer first (the app never downloads)."])
        self.add_photos(local)
        event.acceptProposedAction()

    # -- name ----------------------------------------------------------------------------
    def _on_suggestion(self) -> None:
        selected = self.suggestion_list.selectedItems()
        if not selected:
            return
        item = selected[0]
        character: CharacterInfo = item.data(Qt.ItemDataRole.UserRole)
        self.name_edit.setText(character.name)
        self.franchise_edit.setText(character.franchise)
        self._picked = character

    def _on_name(self, text: str) -> None:
        known = self._known.get(" ".join(text.split()).casefold())
        if known is not None and not self.franchise_edit.text():
            self.franchise_edit.setText(known.franchise)
        if self._picked is not None and self._picked.name != text:
            self._picked = None
        self._update_state()

    # -- result --------------------------------------------------------------------------
    def photo_count(self) -> int:
        return self.photo_list.count()

    def request(self) -> TeachRequest:
        photos, crops = [], []
        for i in range(self.photo_list.count()):
            item = self.photo_list.item(i)
            path = item.data(PATH_ROLE)
            if path:
                photos.append(str(path))
            else:
                crops.append(item.data(CROP_ROLE))
        name = " ".join(self.name_edit.text().split())
        picked = self._picked if self._picked is not None and self._picked.name == name else None
        return TeachRequest(name, " ".join(self.franchise_edit.text().split()), tuple(photos),
                            tuple(crops), self.whole_image.isChecked(), picked)

    def _update_state(self) -> None:
        has_name = bool(self.name_edit.text().strip())
        count = self.photo_list.count()
        self.remove_button.setEnabled(bool(self.photo_list.selectedItems()))
        ready = has_name and count > 0 and self._pending == 0
        self.ok_button.setEnabled(ready)
        if self._pending:
            hint = "Checking photos…"
        elif not has_name:
            hint = "Type a name to continue."
        elif count == 0:
            hint = "Add at least one photo (Add photos…, or drop files here)."
        else:
            known = self._known.get(" ".join(self.name_edit.text().split()).casefold())
            extra = (" It adds to the existing figure of that name."
                     if known is not None and known.taught else "")
            hint = f"{count_noun(count, 'photo')} will be taught.{extra}"
        self.hint_label.setText(hint)

    def wait_idle(self, msecs: int = 10000) -> bool:
        """Block until the photo checks are done (tests, quitting)."""
        return self._runner.wait(msecs)
