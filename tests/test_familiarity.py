"""The "looks like the training data" gate: unfamiliar crops don't get a confident name."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fmf_desktop.familiarity import FamiliarityError, FamiliarityGate
from fmf_desktop.imaging import load_image
from fmf_desktop.paths import default_labels_path, default_model_path
from fmf_desktop.recognition import FAMILIARITY_FILE, Recognizer


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _gate(rng: np.random.Generator, dims: int = 16) -> FamiliarityGate:
    centre = _unit(np.ones(dims))
    refs = _unit(centre + 0.05 * rng.normal(size=(50, dims)))
    return FamiliarityGate(references=refs.astype(np.float32), threshold=0.9, scale=0.01, k=5)


def test_crops_like_the_references_keep_their_weight_and_others_lose_it():
    rng = np.random.default_rng(0)
    gate = _gate(rng)
    like = np.r_[_unit(np.ones(16) + 0.05 * rng.normal(size=16)), rng.normal(size=8)]
    unlike = np.r_[_unit(rng.normal(size=16)), rng.normal(size=8)]  # extra dims are ignored
    assert gate.in_domain_weight(like) > 0.99
    assert gate.in_domain_weight(unlike) < 0.01
    assert gate.familiarity(np.stack([like, unlike])).shape == (2,)
    with pytest.raises(ValueError, match="needs 16"):
        gate.familiarity(np.ones(8))


def test_gate_file_round_trips_and_a_broken_one_says_why(tmp_path):
    gate = _gate(np.random.default_rng(1))
    path = tmp_path / "familiarity.npz"
    gate.save(path)
    loaded = FamiliarityGate.load(path)
    assert (loaded.threshold, loaded.scale, loaded.k) == pytest.approx((0.9, 0.01, 5))
    np.testing.assert_allclose(loaded.references, gate.references, atol=2e-3)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FamiliarityError, match="not valid"):
        FamiliarityGate.load(path)


def test_recognizer_without_a_usable_gate_still_names_things(tmp_path):
    model = tmp_path / "model.tflite"
    shutil.copyfile(default_model_path(), model)
    (tmp_path / FAMILIARITY_FILE).write_text("garbage")
    rec = Recognizer(model, default_labels_path(), num_threads=1)
    assert rec.familiarity is None and "not valid" in (rec.familiarity_error or "")
    probs = np.full(len(rec.classes), 1 / len(rec.classes), np.float32)
    np.testing.assert_array_equal(rec.bundled_scores(probs, np.ones(rec.embedding_size)), probs)


def _trained_recognizer() -> Recognizer:
    if json.loads(default_labels_path().read_text(encoding="utf-8")).get("stand_in"):
        pytest.skip("the stand-in model has no familiarity gate")
    rec = Recognizer(num_threads=2)
    if rec.familiarity is None:
        pytest.skip(f"assets/{FAMILIARITY_FILE} is missing: built by `python -m training "
                    "familiarity`")
    return rec


def test_real_photos_of_other_figures_come_out_not_sure_but_drawn_faces_do_not(
        lego_dir, holoen_dir):
    """LEGO photos were never used to choose the gate, so this is a fair check."""
    rec = _trained_recognizer()
    lego = sorted(lego_dir.glob("*/*.jpg"))[::3]
    faces = sorted(holoen_dir.glob("*/*.jpg"))[::250]
    lego_unsure = sum(
        rec.identify(load_image(p).rgb, whole_image=True).figurines[0].decision == "unsure"
        for p in lego
    )
    face_weights = [
        rec.familiarity.in_domain_weight(rec.classify_crops([load_image(p).rgb])[0][1])
        for p in faces
    ]
    # Without the gate, 83% of LEGO photos got a confident anime name.
    assert lego_unsure / len(lego) >= 0.8, f"only {lego_unsure}/{len(lego)} LEGO photos unsure"
    assert np.mean(np.array(face_weights) > 0.5) >= 0.95
