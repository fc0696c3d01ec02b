"""Start the GUI: QApplication, the main window, then the model load in the background."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from fmf_desktop import __version__
from fmf_desktop._qt.main_window import MainWindow
from fmf_desktop._qt.photo_session import PhotoSession
from fmf_desktop._qt.settings import AppSettings
from fmf_desktop.paths import APPLICATION_NAME, ORGANIZATION_NAME


def default_recognizer_factory(threads: int) -> Any:
    # Imported here: the model runtime is only needed once the worker loads the model,
    # which keeps it off the path to the first window.
    from fmf_desktop.recognition import Recognizer

    return Recognizer(num_threads=threads)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our names set, so QSettings/QStandardPaths agree with paths.py."""
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
    QCoreApplication.setApplicationName(APPLICATION_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    # Fractional scale factors (125%, 150%) render at their true size instead of rounding.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName(APPLICATION_NAME)
    app.setDesktopFileName("fmf-desktop")
    return app


def build_window(
    settings: AppSettings | None = None,
    recognizer_factory: Callable[[int], Any] = default_recognizer_factory,
) -> MainWindow:
    settings = settings or AppSettings()
    session = PhotoSession(
        recognizer_factory,
        threads=settings.inference_threads(),
        unsure_threshold=settings.unsure_threshold(),
    )
    window = MainWindow(settings, session)
    session.setParent(window)
    return window


def start(window: MainWindow, paths: list[str]) -> None:
    """Show the window first; the model loads in a worker once the event loop runs."""
    window.show()
    if paths:
        window.open_paths(paths)
    # Deferred to the event loop so the first paint is not competing with the import of
    # the model runtime.
    QTimer.singleShot(0, window.session.start_model_loading)


def no_display_reason(environ: dict[str, str] | None = None) -> str | None:
    """Why the window cannot open here, or None. Qt would abort the process instead."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). "
            "On a headless machine use `fmf-desktop identify PHOTO`.")


def run_gui(paths: list[str]) -> int:
    reason = no_display_reason()
    if reason is not None:
        print(f"fmf-desktop: the window cannot open: {reason}", file=sys.stderr)
        return 2
    app = make_application()
    window = build_window()
    start(window, list(paths))
    code = app.exec()
    # Let a running inference finish so the interpreter is not torn down under it.
    window.session.wait_idle(5000)
    return int(code)
