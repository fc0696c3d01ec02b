"""The keyboard shortcuts overview (Help > Keyboard shortcuts): keys as users read them,
one row per action, and the dialog that lists them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

# Keys whose own symbol reads badly after the "+" that joins modifiers ("Ctrl++").
_KEY_WORDS = {"+": "Plus", "-": "Minus", "=": "Equals"}

_MORE_HELP = ("<p>Keyboard: Tab reaches the list of figurines in the photo; its arrow "
              "keys select a box, as clicking it does. In the top matches, arrow keys "
              "choose the character whose shop links are shown.</p>"
              "<p>Mouse: wheel zooms, drag pans, click a box to select it, "
              "Shift+drag draws a box.</p>")


def plain_label(text: str) -> str:
    """An action's label as words: no "&" mnemonic marker, no trailing "…"."""
    return text.replace("&", "").rstrip("…")


def readable_keys(sequence: QKeySequence) -> str:
    """A shortcut as the user reads it: "Ctrl+Plus", not "Ctrl++"."""
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    head, sep, key = text.rpartition("+")
    if sep and not key and head.endswith("+"):  # "Ctrl++": the key itself is "+"
        return head + "Plus"
    return f"{head}{sep}{_KEY_WORDS.get(key, key)}" if sep else text


def shortcut_rows(actions: Iterable[QAction],
                  camera_only: Sequence[QAction] = ()) -> list[tuple[str, str]]:
    """(what, keys) for each of ``actions`` that has a key, every key of it included.
    ``camera_only`` actions work only in camera mode (Space, say, does nothing to a
    photo), which their rows say."""
    rows = []
    for action in actions:
        keys = list(dict.fromkeys(readable_keys(k) for k in action.shortcuts()))
        if keys:
            name = plain_label(action.text())
            if action in camera_only:
                name += " (camera mode)"
            rows.append((name, " or ".join(keys)))
    return rows


def show_shortcuts(parent: QWidget, rows: Iterable[tuple[str, str]]) -> None:
    # Padding on the name column: without it "Whole photo is one figure" runs into "W".
    text = "".join(
        f"<tr><td style='padding-right: 24px'>{escape(name)}</td>"
        f"<td><b>{escape(keys)}</b></td></tr>"
        for name, keys in rows)
    QMessageBox.information(parent, "Keyboard shortcuts",
                            f"<table cellspacing='2'>{text}</table>{_MORE_HELP}")
