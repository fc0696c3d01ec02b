"""At 200% display scaling the window renders sharp (2x pixels) and nothing is clipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_window_at_twice_the_pixel_density(artifacts_dir):
    out = artifacts_dir / "gui_result_2x.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_screenshot.py"), "--scripted",
         "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["device_pixel_ratio"] == 2.0
    width, height = report["logical_size"]
    assert Image.open(out).size == (2 * width, 2 * height)
    assert report["clipped_buttons"] == []
    assert report["figurines"] == 2
