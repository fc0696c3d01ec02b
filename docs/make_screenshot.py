"""Render the main window with a photo drawn by our own code and save a PNG.

Used for docs/screenshot.png and by the high-DPI test (run with QT_SCALE_FACTOR=2).
No dataset image is ever shown: the shelf is drawn by training/make_sample.py.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshot.py --out docs/screenshot.png
    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python docs/make_screenshot.py \
        --scripted --out /tmp/shot-2x.png
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # training/ and tests/ are not installed packages

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _shelf_photo(folder: Path) -> Path:
    import cv2

    from training.make_sample import shelf_photo

    img, _ = shelf_photo(1600, 1000, [(0.2, 230), (0.5, 170), (0.78, 200)], seed=3)
    path = folder / "shelf.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scripted", action="store_true",
                        help="fixed example results instead of the bundled model")
    parser.add_argument("--size", default="1180x720", help="window size in logical pixels")
    parser.add_argument("--photo", type=Path, default=None,
                        help="open this photo instead of the code-drawn shelf (for looking "
                             "at results; never commit a screenshot of dataset images)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from fmf_desktop._qt.app import build_window, default_recognizer_factory, make_application
    from fmf_desktop._qt.settings import AppSettings

    app = make_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The user's taught figures and collection must not show up (or be touched).
        os.environ.setdefault("FMF_DATA_DIR", str(folder / "appdata"))
        # Throwaway settings: a screenshot must not depend on (or touch) the user's.
        settings = AppSettings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
        if args.scripted:
            from tests.support.gui_helpers import ScriptedRecognizer

            factory = ScriptedRecognizer
        else:
            factory = default_recognizer_factory
        window = build_window(settings, factory)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        window.session.start_model_loading()
        window.open_paths([str(args.photo or _shelf_photo(folder))])
        session = window.session
        while not (session.items and (session.items[0].result or session.items[0].error)):
            app.processEvents()
            session.wait_idle(50)
        session.wait_idle()
        for _ in range(5):
            app.processEvents()
        # Pick the most confident figurine so the panel shows a typical result.
        result = session.items[0].result
        if result and result.figurines:
            best = max(range(len(result.figurines)),
                       key=lambda i: result.figurines[i].best.score)
            window.canvas.figurine_selected.emit(best)
            app.processEvents()
        image = window.grab()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(args.out))
        panel = window.results_panel
        report = {
            "device_pixel_ratio": image.devicePixelRatio(),
            "logical_size": [window.width(), window.height()],
            "image_size": [image.width(), image.height()],
            "clipped_buttons": [
                b.text() for b in panel.shop_buttons if b.sizeHint().width() > b.width()
            ],
            "figurines": len(result.figurines) if result else 0,
        }
        print(json.dumps(report))
        window.close()
        session.wait_idle()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
