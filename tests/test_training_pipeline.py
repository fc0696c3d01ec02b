"""The whole training pipeline on a tiny data set the test draws itself (no TF in the app)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

pytest.importorskip("tensorflow", reason="training needs the [train] extra (tensorflow)")

from training.__main__ import main as training_main  # noqa: E402

COLOURS = {"alpha": (220, 40, 40), "beta": (40, 180, 60), "gamma": (40, 80, 220)}


def draw_face(colour: tuple[int, int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (224, 224), tuple(int(c) for c in rng.integers(200, 255, 3)))
    draw = ImageDraw.Draw(image)
    # Random background shapes make every drawing structurally distinct, so perceptual
    # hashing does not (rightly) call them near duplicates of each other.
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, 200, 2))
        shade = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.rectangle(
            (x, y, x + int(rng.integers(10, 60)), y + int(rng.integers(10, 60))), fill=shade
        )
    dx, dy = (int(v) for v in rng.integers(-20, 20, 2))
    draw.ellipse((30 + dx, 10 + dy, 194 + dx, 200 + dy), fill=colour)  # hair
    draw.ellipse((60, 60, 164, 190), fill=(250, 220, 200))  # face
    for x in (85, 135):
        draw.ellipse((x - 10, 110, x + 10, 130), fill=tuple(c // 2 for c in colour))
    return image


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("train")
    data, work, assets = root / "data", root / "work", root / "assets"
    for c, (label, colour) in enumerate(COLOURS.items()):
        (data / label).mkdir(parents=True)
        for i in range(10):
            group = hashlib.md5(f"{label}{i // 2}".encode()).hexdigest()
            draw_face(colour, c * 100 + i).save(
                data / label / f"{group}-{i % 2 + 1}.jpg", quality=90
            )
    # The same crop filed under two labels must be excluded as a label conflict.
    conflict = data / "alpha" / f"{'f' * 32}-1.jpg"
    draw_face((10, 10, 10), 999).save(conflict, quality=90)
    (data / "beta" / conflict.name).write_bytes(conflict.read_bytes())
    common = [
        "--data",
        str(data),
        "--work",
        str(work),
        "--assets",
        str(assets),
        "--weights",
        "none",
        "--input-size",
        "75",
        "--views",
        "2",
        "--epochs",
        "1",
    ]
    assert training_main(["all", *common]) == 0
    return {"data": data, "work": work, "assets": assets, "common": common}  # type: ignore[dict-item]


def test_catalog_records_hashes_groups_and_drops_label_conflicts(tiny_run):
    db = sqlite3.connect(tiny_run["work"] / "catalog.sqlite")
    rows = db.execute(
        "SELECT path, label, grp, sha256, phash, status, split FROM images"
    ).fetchall()
    assert len(rows) == 32
    conflicts = [r for r in rows if r[5] == "conflict"]
    assert {r[1] for r in conflicts} == {"alpha", "beta"} and len(conflicts) == 2
    # Crops of one illustration never straddle the split.
    splits_per_group: dict[str, set[str]] = {}
    for row in rows:
        splits_per_group.setdefault(row[2], set()).add(row[6])
    assert all(len(s) == 1 for s in splits_per_group.values())
    assert all(len(r[3]) == 64 and len(r[4]) == 16 for r in rows)


def test_export_writes_a_model_the_app_can_run(tiny_run):
    from fmf_desktop.recognition import Recognizer

    assets = tiny_run["assets"]
    labels = json.loads((assets / "labels.json").read_text())
    assert [c["id"] for c in labels["classes"]] == sorted(COLOURS)
    assert 0 < labels["calibration"]["unsure_threshold"] <= 1
    recognizer = Recognizer(assets / "model.tflite", assets / "labels.json", num_threads=1)
    face = np.asarray(draw_face(COLOURS["beta"], 7))
    [(probabilities, embedding)] = recognizer.classify_crops([face])
    assert probabilities.shape == (3,) and abs(float(probabilities.sum()) - 1) < 0.05
    assert abs(float(np.linalg.norm(embedding)) - 1) < 0.05
    # The "looks like the training data" gate ships beside the model and accepts its faces.
    assert recognizer.familiarity is not None and recognizer.familiarity_error is None
    assert recognizer.familiarity.in_domain_weight(embedding) > 0.5
    from ai_edge_litert.interpreter import Interpreter

    [image_input] = Interpreter(model_path=str(assets / "model.tflite")).get_input_details()
    assert image_input["dtype"] == np.int8  # full-integer quantisation, input included
    card = (assets / "MODEL_CARD.md").read_text()
    assert "python -m training all" in card and "nsfwjs@4.4.0" in card


def test_evaluation_numbers_come_from_the_predictions(tiny_run):
    report = json.loads((tiny_run["work"] / "report" / "evaluation.json").read_text())
    for kind in ("float", "int8"):
        result = report[kind]
        matrix = np.array(result["confusion"])
        assert matrix.sum() == report["val_images"] > 0
        assert result["top1"] == pytest.approx(np.trace(matrix) / matrix.sum())
        assert result["top1"] <= result["top5"] <= 1
        supports = [c["support"] for c in result["per_class"].values()]
        assert supports == matrix.sum(axis=1).tolist()
        assert 0 <= result["not_sure"]["accepted_share"] <= 1
    assert (tiny_run["work"] / "report" / "figures" / "confusion_int8.png").stat().st_size > 0


def test_training_resumes_from_its_checkpoint(tiny_run, capsys):
    args = [a if a != "1" else "2" for a in tiny_run["common"]]  # --epochs 2
    assert training_main(["train", *args]) == 0
    out = capsys.readouterr().out
    assert "resuming after epoch 1" in out and "epoch 2:" in out
    meta = json.loads((tiny_run["work"] / "checkpoints" / "checkpoint.json").read_text())
    assert [h["epoch"] for h in meta["history"]] == [1, 2]


def test_few_shot_check_retrains_without_the_held_out_character(tiny_run):
    """The faithful few-shot check trains its own upper blocks and never touches the
    shipped model's checkpoint."""
    import dataclasses

    from training.__main__ import parse_args
    from training.fewshot import few_shot_through_upper_blocks
    from training.pipeline import Run

    _, cfg = parse_args(["fewshot", *tiny_run["common"]])
    cfg = dataclasses.replace(cfg, few_shot_holdout=("gamma",), few_shot_epochs=1)
    shipped = tiny_run["work"] / "checkpoints" / "checkpoint.npz"
    before = shipped.read_bytes()
    run = Run(cfg, lambda message: None)
    result = few_shot_through_upper_blocks(
        cfg, run.classes, run.split("train"), run.split("val"), run.log
    )
    assert result["held_out"] == ["gamma"] and result["epochs"] == 1
    meta = json.loads((tiny_run["work"] / "checkpoints_fewshot" / "checkpoint.json").read_text())
    assert [h["epoch"] for h in meta["history"]] == [1]
    assert shipped.read_bytes() == before
    report = json.loads((tiny_run["work"] / "report" / "few_shot_upper.json").read_text())
    assert report["held_out"] == ["gamma"]
