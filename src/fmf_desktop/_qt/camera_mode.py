"""Camera mode in the main window: builds the camera page and wires it to the photo
session (the same model, threshold and taught figures as photos)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fmf_desktop._qt.camera_page import CameraPage
from fmf_desktop._qt.camera_wording import IdentifyError

if TYPE_CHECKING:
    from fmf_desktop.live.pipeline import LiveEngine
    from fmf_desktop.results import PhotoResult


def install_camera_mode(window: Any) -> CameraPage:
    """Build the camera page for the main window and put it in place of the placeholder.

    Live names use the window's recognizer once its session has loaded it; a frozen frame
    goes through the same `identify` as photos (threshold and taught figures included)."""
    session = window.session

    def engine() -> LiveEngine | None:
        recognizer = session.recognizer
        if recognizer is None or not hasattr(recognizer, "classify_crops"):
            return None
        from fmf_desktop.live.pipeline import RecognizerEngine

        return RecognizerEngine(recognizer, matcher=lambda: session.matcher)

    def identify(rgb: Any) -> PhotoResult:
        recognizer = session.recognizer
        if recognizer is None:  # Freeze is disabled until then; a race at most
            raise IdentifyError("The recognition model is still loading; try again in a "
                                "moment.")
        return recognizer.identify(rgb, unsure_threshold=session.unsure_threshold,
                                   matcher=session.matcher)

    page = CameraPage(engine, identify, shops=window.settings.shops,
                      settings=window.settings.qsettings,
                      model_ready=lambda: session.recognizer is not None)

    def keep(rgb: Any) -> None:
        from fmf_desktop._qt.photo_session import qimage_from_rgb

        window.toggle_camera(False)
        session.add_image(qimage_from_rgb(rgb))

    window.set_camera_widget(page)
    session.model_state_changed.connect(page.refresh_engine)
    page.keep_requested.connect(keep)
    page.back_requested.connect(lambda: window.toggle_camera(False))

    def open_photo(path: str) -> None:
        window.toggle_camera(False)
        window.open_paths([path])

    page.photo_requested.connect(open_photo)
    return page
