"""The command line: identify (table and JSON lines), exit codes, selftest, version."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import cv2
import pytest

from fmf_desktop import __version__, cli
from fmf_desktop.paths import sample_image_path
from tests.support.photos import drawn_shelf


@pytest.fixture()
def photos(tmp_path):
    img, _ = drawn_shelf(1200, 800, [(0.3, 200), (0.7, 150)])
    shelf = tmp_path / "shelf.png"
    cv2.imwrite(str(shelf), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 definitely not the rest of a jpeg")
    return shelf, broken


def _run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_lines_schema_and_exit_1_when_a_file_fails(photos, capsys):
    shelf, broken = photos
    code, out, _ = _run(["identify", "--json", str(shelf), str(broken), str(sample_image_path())],
                        capsys)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["path"] for d in lines] == [str(shelf), str(broken), str(sample_image_path())]
    ok = lines[0]
    assert set(ok) == {"path", "figurines"} and len(ok["figurines"]) >= 2
    for fig in ok["figurines"]:
        assert set(fig) == {"box", "decision", "origin", "familiar", "top", "shops"}
        assert fig["origin"] == "detected"
        x, y, w, h = fig["box"]
        assert all(isinstance(v, int) for v in fig["box"])
        assert x >= 0 and y >= 0 and x + w <= 1200 and y + h <= 800 and w > 0 and h > 0
        assert fig["decision"] in ("known", "unsure")
        assert len(fig["top"]) == 5
        for entry in fig["top"]:
            assert set(entry) == {"id", "name", "franchise", "score"}
            assert 0.0 <= entry["score"] <= 1.0
        assert len(fig["shops"]) >= 5
        assert all(set(s) == {"name", "url"} and s["url"].startswith("https://")
                   for s in fig["shops"])
    assert set(lines[1]) == {"path", "error"} and "broken.jpg" in lines[1]["error"]
    assert "figurines" in lines[2]  # kept going after the bad file


def test_exit_0_when_all_files_read(photos, capsys):
    shelf, _ = photos
    code, out, _ = _run(["identify", "--json", "--whole-image", str(shelf)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert len(doc["figurines"]) == 1 and doc["figurines"][0]["box"] == [0, 0, 1200, 800]


def test_threshold_option_changes_the_decision(photos, capsys):
    shelf, _ = photos
    _, out, _ = _run(["identify", "--json", "--whole-image", "--threshold", "0", str(shelf)],
                     capsys)
    assert json.loads(out)["figurines"][0]["decision"] == "known"
    _, out, _ = _run(["identify", "--json", "--whole-image", "--threshold", "1", str(shelf)],
                     capsys)
    assert json.loads(out)["figurines"][0]["decision"] == "unsure"


def test_boxes_are_in_original_pixels_when_the_photo_is_downscaled(tmp_path, capsys):
    img, truth = drawn_shelf(2800, 1700, [(0.5, 500)])  # larger than the 2048 px bound
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    _, out, _ = _run(["identify", "--json", str(path)], capsys)
    x, y, w, h = json.loads(out)["figurines"][0]["box"]
    head = truth[0]
    assert head.x <= x + w / 2 <= head.x + head.w and head.y <= y + h / 2 <= head.y + head.h


def test_human_readable_table(photos, capsys):
    shelf, broken = photos
    code, out, err = _run(["identify", str(shelf), str(broken)], capsys)
    assert code == 1
    assert "shelf.png (1200x800)" in out and "#1 at x=" in out and "%" in out
    assert "broken.jpg" in err and "error" in err


def test_the_table_names_a_whole_photo_answer_without_empty_brackets():
    taught = {"id": "Mysterio", "name": "Mysterio", "franchise": "", "score": 0.97}
    whole = {"box": [0, 0, 640, 480], "decision": "known", "origin": "whole-image",
             "familiar": False, "top": [taught], "shops": []}
    located = {**whole, "box": [10, 20, 30, 40], "origin": "detected",
               "top": [{**taught, "franchise": "Marvel"}]}
    table = cli.format_table("lego.jpg", 640, 480, [whole, located])
    assert "#1 at the whole photo: Mysterio\n" in table
    assert "#2 at x=10 y=20 w=30 h=40: Mysterio (Marvel)" in table
    assert "()" not in table


def test_usage_errors_exit_2(capsys):
    for argv in (["identify"], ["identify", "--threshold", "2", "x.jpg"], ["--no-such-flag"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_photos_without_subcommand_open_the_gui(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "_run_gui", lambda paths: calls.append(paths) or 0)
    assert cli.main(["a.jpg", "b.png"]) == 0
    assert cli.main([]) == 0
    assert calls == [["a.jpg", "b.png"], []]


def test_selftest_and_version_via_python_m():
    done = subprocess.run([sys.executable, "-m", "fmf_desktop", "--selftest"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "sample.jpg" in done.stdout and "selftest OK" in done.stdout
    version = subprocess.run([sys.executable, "-m", "fmf_desktop", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and __version__ in version.stdout


def test_selftest_fails_clearly_without_the_sample(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FMF_ASSETS_DIR", str(tmp_path))
    code = cli.main(["--selftest"])
    assert code != 0
    assert "sample" in capsys.readouterr().err


def test_identify_writes_json_to_a_given_stream(photos):
    shelf, _ = photos
    out, err = io.StringIO(), io.StringIO()
    assert cli.identify_paths([str(shelf)], as_json=True, out=out, err=err) == 0
    assert json.loads(out.getvalue())["path"] == str(shelf)


def test_bundled_sample_is_the_code_drawn_picture(tmp_path):
    # The shipped sample must come from our own drawing code, never from the dataset.
    from training.make_sample import main as make_sample

    out = tmp_path / "sample.jpg"
    assert make_sample(["--out", str(out)]) == 0
    fresh = cv2.imread(str(out)).astype(int)
    shipped = cv2.imread(str(sample_image_path())).astype(int)
    assert fresh.shape == shipped.shape
    assert abs(fresh - shipped).mean() < 2.0
