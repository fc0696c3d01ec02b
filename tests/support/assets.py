"""Facts about the shipped assets that tests branch on."""

from __future__ import annotations

import json

from fmf_desktop.paths import default_labels_path


def model_is_stand_in() -> bool:
    """True while assets/ holds the random-weights stand-in instead of the trained model."""
    doc = json.loads(default_labels_path().read_text(encoding="utf-8"))
    return bool(doc.get("stand_in", False))
