"""Checks that must run inside the frozen app; started by ``FMF_SMOKE=<mode>`` (see launcher).

Each mode prints one JSON line on stdout and returns 0 when the check passed.
``packaging/smoke_test.py`` drives them; they are bundled but unreachable for users.

- ``window [PHOTO]``: start the real GUI (``run_gui``), wait until its main window shows,
  the model has loaded in its worker and the photo (if given) is identified; then close
  it and report the visible top-level windows.
- ``browser-env``: open a shop link through the app's own ``open_url`` with an https
  handler registered, and report the LD_LIBRARY_PATH the handler's child process got.
  The handler runs inside ``open_url`` exactly where Qt would start the browser.
- ``video FILE``: decode a clip through the camera mode's ``VideoFileSource``; says
  which OpenCV and video backend did it.
- ``images DIR``: load every photo in DIR through the app's ``load_image`` (formats),
  and decode the JPEG/PNG/TIFF ones with ``cv2.imdecode`` too (the fallback decoder).
- ``lapack``: OpenCV's LAPACK/BLAS paths (solve, SVD, gemm) agree with NumPy, so trimming
  or re-linking OpenCV's BLAS library cannot go unnoticed.
- ``qt-text``: collation, text codecs, case mapping and time zone names, the things Qt
  uses ICU for (the Linux bundle ships a smaller ICU data library).
- ``paths``: where the app keeps per-user data and where the bundle reads assets from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence


def _emit(payload: dict) -> None:
    print(json.dumps(payload), flush=True)


def smoke_window(argv: Sequence[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from fmf_desktop._qt.app import make_application, run_gui

    seen: list[dict] = []
    deadline_ms = int(os.environ.get("FMF_SMOKE_TIMEOUT_MS", "30000"))
    waited = {"ms": 0}

    def state(window) -> dict:
        """The model load and the photos given on the command line, as the window sees them."""
        session = getattr(window, "session", None)
        item = session.current_item() if session is not None else None
        return {
            "model_state": getattr(session, "model_state", None),
            "photo_done": item.done if item is not None else None,
            "figurines": len(item.result.figurines) if item is not None and item.result else None,
            "photo_error": item.error if item is not None else None,
        }

    def settled(window) -> bool:
        # Wait for the model worker (and the photo, if one was given): closing then also
        # proves the frozen app's worker threads load LiteRT and identify.
        now = state(window)
        return now["model_state"] in ("ready", "failed") and now["photo_done"] is not False

    def poll() -> None:
        app = QApplication.instance()
        windows = [w for w in (app.topLevelWidgets() if app else []) if w.isVisible()]
        mains = [w for w in windows if isinstance(w, QMainWindow)]
        if (mains and settled(mains[0])) or waited["ms"] >= deadline_ms:
            screenshot = os.environ.get("FMF_SMOKE_SCREENSHOT")
            if mains and screenshot:  # for a person to look at the frozen app's window
                mains[0].grab().save(screenshot)
            seen.extend({"class": type(w).__name__, "title": w.windowTitle(),
                         "main": isinstance(w, QMainWindow),
                         "size": [w.width(), w.height()],
                         **(state(w) if isinstance(w, QMainWindow) else {})} for w in windows)
            for w in windows:
                w.close()
            app.quit()
            return
        waited["ms"] += 100
        QTimer.singleShot(100, poll)

    # make_application() is what run_gui uses (and reuses when it exists): the app gets
    # its real names, so settings land where a user's would.
    app = make_application([sys.argv[0], *argv])
    QTimer.singleShot(100, poll)
    code = int(run_gui(list(argv)))
    ok = any(item["main"] and item["size"][0] > 0 and item["size"][1] > 0
             and item.get("model_state") == "ready" for item in seen)
    _emit({"mode": "window", "exit_code": code, "windows": seen, "ok": ok and code == 0})
    del app
    return 0 if ok and code == 0 else 1


def smoke_browser_env(argv: Sequence[str]) -> int:
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QApplication

    from fmf_desktop._qt.browser import open_url

    url = argv[0] if argv else "https://example.invalid/search?q=figurine"
    app = QApplication.instance() or QApplication([sys.argv[0]])
    child: dict = {}

    class Handler(QObject):
        @Slot(QUrl)
        def handle(self, opened: QUrl) -> None:
            # Qt would start xdg-open/the browser at this point, as a child process that
            # inherits our environment; start a harmless child and read what it got.
            command = ["cmd", "/c", "set"] if sys.platform == "win32" else ["env"]
            out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
            env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
            child.update(url=opened.toString(), LD_LIBRARY_PATH=env.get("LD_LIBRARY_PATH"))

    handler = Handler()
    QDesktopServices.setUrlHandler("https", handler, "handle")
    try:
        accepted = open_url(url)
    finally:
        QDesktopServices.unsetUrlHandler("https")
    _emit({
        "mode": "browser-env",
        "accepted": accepted,
        "app_LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH"),
        "child": child,
        "meipass": getattr(sys, "_MEIPASS", None),
    })
    del app
    return 0 if accepted and child else 1


def smoke_video(argv: Sequence[str]) -> int:
    import cv2

    from fmf_desktop.live.sources import VideoFileSource

    frames = 0
    shape = None
    with VideoFileSource(argv[0], realtime=False) as source:
        cap = getattr(source, "_cap", None)
        backend = cap.getBackendName() if cap is not None else None
        while (frame := source.read()) is not None:
            frames += 1
            shape = list(frame.rgb.shape) if hasattr(frame, "rgb") else None
    _emit({"mode": "video", "frames": frames, "shape": shape, "backend": backend,
           "opencv": cv2.__version__, "ffmpeg": cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG),
           "ok": frames > 0})
    return 0 if frames > 0 else 1


def smoke_images(argv: Sequence[str]) -> int:
    import cv2
    import numpy as np

    from fmf_desktop.imaging import ImageLoadError, load_image

    results = {}
    opencv = {}
    for path in sorted(os.listdir(argv[0])):
        full = os.path.join(argv[0], path)
        try:
            image = load_image(full)
            results[path] = list(image.rgb.shape)
        except ImageLoadError as exc:
            results[path] = str(exc)
        # imaging.py's second decoder, for what Pillow cannot read: the codecs it needs
        # (JPEG, PNG, TIFF) must be in whichever OpenCV was frozen.
        if path.rsplit(".", 1)[-1] in ("jpg", "png", "tiff", "tif"):
            decoded = cv2.imdecode(np.fromfile(full, np.uint8), cv2.IMREAD_UNCHANGED)
            opencv[path] = list(decoded.shape) if decoded is not None else None
    ok = (all(isinstance(v, list) for v in results.values()) and bool(results)
          and all(v is not None for v in opencv.values()))
    _emit({"mode": "images", "results": results, "opencv_imdecode": opencv, "ok": ok})
    return 0 if ok else 1


def smoke_lapack(argv: Sequence[str]) -> int:
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64)) + 64 * np.eye(64)
    b = rng.standard_normal((64, 3))
    ok_solve, x = cv2.solve(a, b, flags=cv2.DECOMP_LU)
    _, x_svd = cv2.solve(a, b, flags=cv2.DECOMP_SVD)
    w, _, _ = cv2.SVDecomp(a)
    m = rng.standard_normal((300, 200)).astype(np.float32)
    n = rng.standard_normal((200, 100)).astype(np.float32)
    g = cv2.gemm(m, n, 1.0, None, 0.0)
    checks = {
        "solve_lu": bool(ok_solve) and bool(np.allclose(x, np.linalg.solve(a, b))),
        "solve_svd": bool(np.allclose(x_svd, np.linalg.solve(a, b))),
        "svd": bool(np.allclose(np.sort(w.ravel()), np.sort(np.linalg.svd(a)[1]))),
        "gemm": bool(np.allclose(g, m @ n, atol=1e-3)),
    }
    _emit({"mode": "lapack", "checks": checks, "ok": all(checks.values())})
    return 0 if all(checks.values()) else 1


def smoke_qt_text(argv: Sequence[str]) -> int:
    """What Qt asks ICU for: collation, codecs, case mapping, time zone names."""
    import functools

    from PySide6.QtCore import (
        QCollator,
        QCoreApplication,
        QDateTime,
        QLocale,
        QStringDecoder,
        QTimeZone,
    )

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    words = {"de_DE": ["zebra", "Äpfel", "apfel", "Zoo"], "sv_SE": ["ö", "z", "a"],
             "ja_JP": ["ねこ", "いぬ", "アニメ"], "en_US": ["b", "A", "a", "B", "file10", "file2"]}
    result: dict = {}
    for name, items in words.items():
        collator = QCollator(QLocale(name))
        collator.setNumericMode(True)
        result[f"sort {name}"] = sorted(items, key=functools.cmp_to_key(collator.compare))
    result["codecs"] = {c: QStringDecoder(c).isValid() for c in ("Shift-JIS", "Big5", "EUC-KR")}
    result["upper tr"] = QLocale("tr_TR").toUpper("istanbul")
    when = QDateTime.fromSecsSinceEpoch(1_700_000_000)
    result["zone"] = QTimeZone(b"Asia/Tokyo").displayName(
        when, QTimeZone.NameType.LongName, QLocale("en_US"))
    _emit({"mode": "qt-text", "result": result})
    del app
    return 0


def smoke_paths(argv: Sequence[str]) -> int:
    from fmf_desktop import __version__
    from fmf_desktop.paths import app_data_dir, assets_dir

    _emit({
        "mode": "paths",
        "version": __version__,
        "app_data_dir": str(app_data_dir()),
        "assets_dir": str(assets_dir()),
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
    })
    return 0


MODES = {
    "window": smoke_window,
    "browser-env": smoke_browser_env,
    "video": smoke_video,
    "images": smoke_images,
    "lapack": smoke_lapack,
    "qt-text": smoke_qt_text,
    "paths": smoke_paths,
}


def run_smoke(mode: str, argv: Sequence[str]) -> int:
    check = MODES.get(mode)
    if check is None:
        print(f"unknown FMF_SMOKE mode {mode!r}; known: {', '.join(MODES)}", file=sys.stderr)
        return 2
    return check(argv)
