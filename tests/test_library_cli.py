"""`fmf-desktop teach` and `identify --library` as a script or a user at a terminal sees them."""

from __future__ import annotations

import json

import pytest

from fmf_desktop import cli
from fmf_desktop.library import Library
from tests.support.photos import figure_photo


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def photos(tmp_path):
    return [figure_photo(tmp_path / f"fig{i}.png", i) for i in range(3)]


def test_teach_then_identify_names_the_taught_figure(tmp_path, capsys, photos):
    lib = tmp_path / "lib.sqlite3"
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "My Dragon",
                         "--franchise", "Homemade", "--whole-image", str(photos[0]))
    assert code == 0, err
    assert "Taught 'My Dragon' (Homemade): 1 new example(s)" in out

    code, out, err = run(capsys, "identify", "--json", "--whole-image", "--library", str(lib),
                         str(photos[0]))
    assert code == 0, err
    (fig,) = json.loads(out)["figurines"]
    assert fig["top"][0]["id"] == "My Dragon"
    assert fig["top"][0]["franchise"] == "Homemade"
    assert fig["decision"] == "known"
    # The taught figure gets shop links like a bundled character.
    assert any("My+Dragon" in s["url"] or "My%20Dragon" in s["url"] for s in fig["shops"])


def test_identify_without_the_library_does_not_know_the_taught_figure(tmp_path, capsys,
                                                                       photos):
    lib = tmp_path / "lib.sqlite3"
    run(capsys, "teach", "--library", str(lib), "--name", "My Dragon", "--whole-image",
        str(photos[0]))
    code, out, _ = run(capsys, "identify", "--json", "--whole-image", "--library",
                       str(tmp_path / "other.sqlite3"), str(photos[0]))
    assert code == 0
    ids = [c["id"] for c in json.loads(out)["figurines"][0]["top"]]
    assert "My Dragon" not in ids


def test_default_library_is_used_without_the_option(tmp_path, capsys, photos, monkeypatch):
    monkeypatch.setenv("FMF_DATA_DIR", str(tmp_path / "appdata"))
    code, _, err = run(capsys, "teach", "--name", "Shelf Cat", "--whole-image", str(photos[1]))
    assert code == 0, err
    assert (tmp_path / "appdata" / "library.sqlite3").is_file()
    code, out, _ = run(capsys, "identify", "--json", "--whole-image", str(photos[1]))
    assert json.loads(out)["figurines"][0]["top"][0]["id"] == "Shelf Cat"


def test_teach_adds_examples_to_an_existing_name_and_reports_bad_photos(tmp_path, capsys,
                                                                        photos):
    lib = tmp_path / "lib.sqlite3"
    run(capsys, "teach", "--library", str(lib), "--name", "Dragon", "--whole-image",
        str(photos[0]))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    code, out, err = run(capsys, "teach", "--library", str(lib), "--name", "dragon",
                         "--whole-image", str(photos[1]), str(broken), str(photos[2]))
    assert code == 1  # one photo failed ...
    assert "broken.jpg" in err and "skipped" in err
    assert "2 new example(s), 3 in total" in out  # ... the others were taught
    with Library(lib) as library:
        (figure,) = library.figures()
        assert (figure.name, figure.examples) == ("Dragon", 3)


def test_teach_with_no_readable_photo_changes_nothing(tmp_path, capsys):
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", "X",
                       str(tmp_path / "missing.jpg"))
    assert code == 1
    assert "nothing was taught" in err
    with Library(lib) as library:
        assert library.figures() == []


def test_teach_requires_a_name(capsys, photos):
    with pytest.raises(SystemExit) as info:
        cli.main(["teach", str(photos[0])])
    assert info.value.code == 2
    assert "--name" in capsys.readouterr().err


def test_an_unusable_library_still_identifies_with_the_bundled_model(tmp_path, capsys, photos):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run(capsys, "teach", "--library", str(blocker / "lib.sqlite3"),
                         "--name", "X", str(photos[0]))
    assert code == 1 and "Could not open the figure library" in err

    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 200)
    code, out, err = run(capsys, "identify", "--json", "--whole-image", "--library", str(bad),
                         str(photos[0]))
    assert code == 0
    assert "bundled model only" in err
    assert len(json.loads(out)["figurines"][0]["top"]) == 5


def test_teach_without_whole_image_recognises_the_same_photo_later(tmp_path, capsys, photos):
    lib = tmp_path / "lib.sqlite3"
    code, _, err = run(capsys, "teach", "--library", str(lib), "--name", "Blob", str(photos[2]))
    assert code == 0, err
    code, out, _ = run(capsys, "identify", "--json", "--library", str(lib), str(photos[2]))
    figs = json.loads(out)["figurines"]
    assert figs[0]["top"][0]["id"] == "Blob"
