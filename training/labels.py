"""The labels file the app reads: id, display name, franchise and shop query per class."""

from __future__ import annotations

import json
from pathlib import Path

FRANCHISE = "hololive English"

# Folder name in the training data -> display name. The folder name is the class id.
DISPLAY_NAMES: dict[str, str] = {
    "ame": "Watson Amelia",
    "bae": "Hakos Baelz",
    "biboo": "Koseki Bijou",
    "calli": "Mori Calliope",
    "ceci": "Cecilia Immergreen",
    "erb": "Elizabeth Rose Bloodflame",
    "fauna": "Ceres Fauna",
    "fuwawa": "Fuwawa Abyssgard",
    "gigi": "Gigi Murin",
    "gura": "Gawr Gura",
    "ina": "Ninomae Ina'nis",
    "irys": "IRyS",
    "kiara": "Takanashi Kiara",
    "kronii": "Ouro Kronii",
    "mococo": "Mococo Abyssgard",
    "mumei": "Nanashi Mumei",
    "nerissa": "Nerissa Ravencroft",
    "raora": "Raora Panthera",
    "sana": "Tsukumo Sana",
    "shiori": "Shiori Novella",
}


def class_entry(class_id: str) -> dict[str, str]:
    name = DISPLAY_NAMES.get(class_id, class_id.replace("_", " ").title())
    return {
        "id": class_id,
        "name": name,
        "franchise": FRANCHISE,
        "query": f"{name} {FRANCHISE} figure",
    }


def write_labels(
    path: Path,
    class_ids: list[str],
    *,
    unsure_threshold: float,
    model_temperature: float = 1.0,
    input_size: int = 224,
    extra: dict | None = None,
) -> None:
    """Write the labels file. Class order is the model's output order."""
    doc = {
        "format": 1,
        "input_size": input_size,
        # The model takes raw RGB pixel values 0..255; rescaling is inside the graph.
        "input_range": [0, 255],
        # The temperature is already inside the model's graph: recorded, never re-applied
        # (the app's optional "temperature" key is for models calibrated after export).
        "calibration": {
            "unsure_threshold": unsure_threshold,
            "model_temperature": model_temperature,
        },
        "classes": [class_entry(c) for c in class_ids],
    }
    if extra:
        doc.update(extra)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
