"""When the bundled model changes, taught figures are re-embedded from their thumbnails."""

from __future__ import annotations

import numpy as np

from fmf_desktop.library import Library, NewExample, decode_thumbnail, make_thumbnail
from fmf_desktop.recognition import Recognizer
from fmf_desktop.teaching import current_model_key, open_matcher


def test_examples_of_an_older_model_are_re_embedded_and_match_again(tmp_path):
    recognizer = Recognizer(num_threads=1)
    rng = np.random.default_rng(3)
    crop = np.repeat(np.repeat(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), 32, 0), 32, 1)
    thumb = make_thumbnail(crop)
    with Library(tmp_path / "lib.sqlite3") as lib:
        # Taught with some earlier model: its embedding means nothing to the current one.
        lib.teach("Old Friend", [NewExample(rng.normal(size=64), thumb, "photo.jpg")],
                  model="an-older-model")
        key = current_model_key(recognizer)
        assert lib.embedding_table(key).matrix.shape[0] == 0
        matcher = open_matcher(lib, recognizer)
        assert lib.stale_examples(key) == []
        table = lib.embedding_table(key, recognizer.embedding_size)
        assert table.matrix.shape == (1, recognizer.embedding_size)
        (_, embedding), = recognizer.classify_crops([decode_thumbnail(thumb)])
        top = matcher.match(embedding)
        assert top[0].id == "Old Friend" and top[0].score > 0.9
