"""Buttons under a result: "Add to collection" and "Not this?" / "Not sure? Name it"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from fmf_desktop._qt.flow_layout import FlowLayout
from fmf_desktop.results import Figurine


class ResultActions(QWidget):
    add_to_collection = Signal()
    correct = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Result actions")
        self.collection_button = QPushButton("Add to collection")
        self.collection_button.setAccessibleName("Add this figurine to my collection")
        self.collection_button.clicked.connect(self.add_to_collection)
        self.correct_button = QPushButton("Not this?")
        self.correct_button.setAccessibleName("Correct this result")
        self.correct_button.clicked.connect(self.correct)
        # The second button moves under the first when the results panel is narrow.
        layout = FlowLayout(self)
        layout.addWidget(self.collection_button)
        layout.addWidget(self.correct_button)
        self.set_figurine(None)

    def set_figurine(self, figurine: Figurine | None, *, library_error: str = "",
                     collection_error: str = "") -> None:
        """Show the buttons for ``figurine``; a storage error disables one and says why."""
        self.setVisible(figurine is not None)
        if figurine is None:
            return
        unsure = figurine.decision == "unsure" or figurine.best is None
        self.correct_button.setText("Not sure? Name it…" if unsure else "Not this?")
        self.correct_button.setEnabled(not library_error)
        self.correct_button.setToolTip(
            library_error or "Pick or type the right character; the crop is saved so it is "
            "recognised next time (Ctrl+E)")
        self.collection_button.setEnabled(not collection_error and figurine.best is not None)
        self.collection_button.setToolTip(
            collection_error or "Keep it in My collection with a thumbnail and shop links "
            "(Ctrl+D)")
