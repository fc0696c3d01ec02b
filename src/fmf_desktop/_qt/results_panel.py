"""The side panel: figurines in the photo, the selected one's top-5, and shop buttons."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fmf_desktop import shops as shop_data
from fmf_desktop._qt.box_item import figurine_caption
from fmf_desktop._qt.candidate_row import CandidateRow
from fmf_desktop._qt.flow_layout import FlowLayout
from fmf_desktop._qt.status_color import mark_status
from fmf_desktop.results import Candidate, Figurine


class ResultsPanel(QScrollArea):
    figurine_selected = Signal(int)
    shop_requested = Signal(str, str)  # shop name, URL

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Results")
        # Not a tab stop itself: it would take focus with nothing to show for it. The
        # controls inside stay reachable, and focusing one scrolls it into view.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # No sideways scrolling: everything inside wraps, elides or flows onto another row
        # so it fits the panel's width (a horizontal scroll bar would hide the cut instead).
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        em = self.fontMetrics().height()
        self.setMinimumWidth(em * 16)

        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(em // 2, em // 2, em // 2, em // 2)

        self.list_title = QLabel("Figurines in this photo")
        self.list_title.setStyleSheet("font-weight: bold;")
        self.figurine_list = QListWidget()
        self.figurine_list.setAccessibleName("Figurines in this photo")
        self.figurine_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.figurine_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.figurine_list.currentRowChanged.connect(self._on_list_row)

        # Labels that show information get no accessible name: a screen reader reads a
        # label's name instead of its text, so "Character name" would hide the answer.
        self.heading = QLabel()
        self.heading.setAccessibleDescription("Character name")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel()
        self.subheading.setAccessibleDescription("Franchise")
        self.subheading.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleDescription("Explanation")

        self.top_title = QLabel("Top matches")
        self.top_title.setStyleSheet("font-weight: bold;")
        self.top_box = QVBoxLayout()
        self.top_box.setSpacing(em // 4)

        self.shop_title = QLabel()
        self.shop_title.setStyleSheet("font-weight: bold;")
        self.shop_title.setWordWrap(True)
        # Equal-width buttons in as many columns as fit; one column when narrow.
        self.shop_grid = FlowLayout(uniform=True)

        layout.addWidget(self.list_title)
        layout.addWidget(self.figurine_list)
        layout.addSpacing(em // 2)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.explanation)
        layout.addSpacing(em // 2)
        layout.addWidget(self.top_title)
        layout.addLayout(self.top_box)
        layout.addSpacing(em // 2)
        layout.addWidget(self.shop_title)
        layout.addLayout(self.shop_grid)
        layout.addStretch(1)

        self._figurines: tuple[Figurine, ...] = ()
        self._selected = -1
        self._shops: list[shop_data.Shop] = []
        self._candidate: Candidate | None = None
        self.rows: list[CandidateRow] = []
        self.shop_buttons: list[QPushButton] = []
        self.show_message("No photo yet", "Open, drop or paste a photo to start.")

    # -- public API ----------------------------------------------------------------
    def add_footer(self, widget: QWidget) -> None:
        """Extra controls for the shown figurine (teach/collection buttons), under its name."""
        layout = self.widget().layout()
        layout.insertWidget(layout.indexOf(self.explanation) + 1, widget)

    def set_shops(self, shops: Sequence[shop_data.Shop]) -> None:
        self._shops = [s for s in shops if s.enabled]
        self._rebuild_shops()

    def show_message(self, heading: str, text: str = "") -> None:
        """Panel state for "no results yet": loading, identifying, failed..."""
        self._figurines = ()
        self._selected = -1
        self._set_list([])
        self.list_title.hide()
        self.figurine_list.hide()
        self._set_heading(heading, "", text, unsure=False)
        self._set_candidates(())

    def set_figurines(self, figurines: Sequence[Figurine], selected: int) -> None:
        self._figurines = tuple(figurines)
        # An empty list under "Figurines in this photo" reads as "still loading"; with
        # nothing found, the heading below says so on its own.
        self.list_title.setVisible(bool(self._figurines))
        self.figurine_list.setVisible(bool(self._figurines))
        self._set_list(self._figurines)
        if not self._figurines:
            self._selected = -1
            self._set_heading(
                "No figurine found",
                "",
                "Nothing that looks like a figurine\u2019s face was found. Draw a box "
                "around a face (press B, then drag) to identify it.",
                unsure=False,
            )
            self._set_candidates(())
            return
        self.select(selected if 0 <= selected < len(self._figurines) else 0)

    def select(self, index: int) -> None:
        if not 0 <= index < len(self._figurines):
            return
        self._selected = index
        self.figurine_list.blockSignals(True)
        self.figurine_list.setCurrentRow(index)
        self.figurine_list.blockSignals(False)
        figurine = self._figurines[index]
        best = figurine.best
        # A bundled character named for a crop unlike the model's fan-art training faces:
        # the model cannot tell a simple anime figurine from, say, a LEGO figure, so it
        # still answers, and the user should know how far to trust it.
        shaky = best is not None and figurine.unfamiliar and not best.character.taught
        if best is None:
            self._set_heading("Nothing recognised", "", "", unsure=True)
        elif figurine.decision == "unsure":
            closest = f"The closest is {best.name} ({round(best.score * 100)}%)."
            self._set_heading(
                "Not sure",
                "",
                "This looks unlike the fan-art faces the app learned from, so its guess is "
                f"shaky. {closest} If you know who this is, use \u201cNot sure? Name "
                "it\u201d and it will recognise the figure next time."
                if shaky
                else f"This doesn't match any character well enough. {closest} A sharper, "
                "closer photo of the face, or a hand-drawn box around it, may help.",
                unsure=True,
            )
        else:
            origin = {"manual": "(box drawn by hand)", "whole-image": "(whole photo)"}
            subtitle = " ".join(
                part for part in (best.franchise, origin.get(figurine.origin, "")) if part
            )
            caution = (
                "This photo looks unlike the fan-art faces the app learned from, so check "
                "this name. If it\u2019s wrong, use \u201cNot this?\u201d to correct it and "
                "the app will learn the figure."
                if shaky
                else ""
            )
            self._set_heading(best.name, subtitle, caution, unsure=False)
        self._set_candidates(figurine.top)

    def spoken_summary(self) -> str:
        """The answer for the selected figurine in a few words, for a screen reader:
        "Watson Amelia, 87%", "Not sure" or "No figurine found"."""
        if not 0 <= self._selected < len(self._figurines):
            return self.heading.text()
        figurine = self._figurines[self._selected]
        best = figurine.best
        if best is None or figurine.decision == "unsure":
            answer = self.heading.text()
        else:
            answer = f"{best.name}, {round(best.score * 100)}%"
        count = len(self._figurines)
        return answer if count == 1 else f"{count} figurines found. {answer}"

    @property
    def selected_index(self) -> int:
        return self._selected

    @property
    def chosen_candidate(self) -> Candidate | None:
        return self._candidate

    def choose_candidate(self, rank: int) -> None:
        """Show shop links for the ``rank``-th (0-based) entry of the top-5."""
        if not 0 <= rank < len(self.rows):
            return
        # Checking one row unchecks the others: they are one radio group.
        self.rows[rank].setChecked(True)
        self._candidate = self.rows[rank].candidate
        self._rebuild_shops()

    # -- internals -----------------------------------------------------------------
    def _set_list(self, figurines: Sequence[Figurine]) -> None:
        self.figurine_list.blockSignals(True)
        self.figurine_list.clear()
        for i, fig in enumerate(figurines):
            caption = figurine_caption(i, fig)
            item = QListWidgetItem(caption)
            item.setToolTip(caption)  # the row may be cut short with "…"
            self.figurine_list.addItem(item)
        self.figurine_list.blockSignals(False)
        # As tall as its rows (up to six), so a one-figurine photo wastes no space.
        rows = max(1, min(len(figurines), 6))
        row_height = self.figurine_list.sizeHintForRow(0) if figurines else 0
        row_height = row_height or self.fontMetrics().height() + 4
        frame = self.figurine_list.frameWidth() * 2
        self.figurine_list.setFixedHeight(rows * row_height + frame + 2)

    def _set_heading(self, heading: str, sub: str, text: str, *, unsure: bool) -> None:
        self.heading.setText(heading)
        mark_status(self.heading, "not-sure" if unsure else None)
        self.subheading.setText(sub)
        self.subheading.setVisible(bool(sub))
        self.explanation.setText(text)
        self.explanation.setVisible(bool(text))

    def _set_candidates(self, candidates: Sequence[Candidate]) -> None:
        for row in self.rows:
            self.top_box.removeWidget(row)
            row.hide()  # deleteLater waits for the event loop; it must vanish now
            row.deleteLater()
        self.rows = []
        for rank, candidate in enumerate(candidates[:5], start=1):
            row = CandidateRow(rank, candidate)
            row.clicked.connect(lambda _checked=False, r=rank - 1: self.choose_candidate(r))
            self.top_box.addWidget(row)
            self.rows.append(row)
        self.top_title.setVisible(bool(self.rows))
        self._candidate = None
        if self.rows:
            self.choose_candidate(0)
        else:
            self._rebuild_shops()

    def _rebuild_shops(self) -> None:
        for button in self.shop_buttons:
            self.shop_grid.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.shop_buttons = []
        candidate = self._candidate
        if candidate is None:
            self.shop_title.hide()
            return
        self.shop_title.show()
        if not self._shops:
            self.shop_title.setText("No shops enabled (Settings, Ctrl+,)")
            return
        self.shop_title.setText(f"Search shops for {candidate.name}")
        links = shop_data.shop_links(candidate.character, self._shops)
        for name, url in links:
            button = QPushButton(name)
            button.setAccessibleName(f"Search {name} for {candidate.name}")
            button.setToolTip(url)
            button.clicked.connect(lambda _=False, n=name, u=url: self.shop_requested.emit(n, u))
            self.shop_grid.addWidget(button)
            self.shop_buttons.append(button)

    def _on_list_row(self, row: int) -> None:
        if 0 <= row < len(self._figurines) and row != self._selected:
            self.select(row)
            self.figurine_selected.emit(row)
