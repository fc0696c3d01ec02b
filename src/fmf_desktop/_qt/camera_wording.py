"""What camera mode says: error headings and texts, the ended video, the Freeze button
and the status line under the picture. No widgets: `camera_page.py` shows these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fmf_desktop.results import PhotoResult

CAMERA_ERROR_HEADINGS = {
    "busy": "The camera is busy or not allowed",
    "permission": "No permission to use the camera",
    "not-found": "Camera not found",
    "unreadable": "Cannot use this camera",
    "recognition": "Recognition stopped",
    "failed": "The camera stopped",
}
#: A video file is not a camera: "Camera not found" for a missing file would send the
#: user to check cables.
VIDEO_ERROR_HEADINGS = {
    "not-found": "Video not found",
    "unreadable": "Video cannot be played",
    "damaged": "The video is damaged",
    "photo": "This is a photo, not a video",
    "recognition": "Recognition stopped",
    "failed": "The video stopped",
}
MODEL_LOADING_TIP = "Available once the recognition model has loaded (a few seconds)"
FREEZE_TIP = "Stop on this frame and show the full results (Space)"
LIVE_HINT = ("Live", "Names appear over each figurine. Press Freeze (Space) for the full "
             "results and shop links.")
NO_CAMERA = ("No camera found",
             "Connect a webcam: it appears here by itself. You can also open a recorded "
             "video of your shelf.")


class IdentifyError(Exception):
    """A frozen frame could not be identified; the message is written for the user (the
    job runner shows messages of the app's own exceptions as they are)."""


def identify_for_user(identify: Callable[[Any], PhotoResult], rgb: Any) -> PhotoResult:
    """Run `identify` on a worker; failures become messages a user can read (the traceback
    still goes to stderr for a bug report, but no "RuntimeError:" on screen)."""
    try:
        return identify(rgb)
    except IdentifyError:
        raise
    except MemoryError:
        raise IdentifyError("Not enough memory to identify this frame.") from None
    except Exception as exc:
        detail = str(exc).strip()
        raise IdentifyError("Could not identify this frame" +
                            (f": {detail}" if detail else ".")) from exc


def sentence(text: str) -> str:
    """``text`` ending in a full stop: sources word their messages for the CLI too, some
    without one, and the page adds sentences after them."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def error_heading(kind: str, *, live: bool) -> str:
    headings = CAMERA_ERROR_HEADINGS if live else VIDEO_ERROR_HEADINGS
    return headings.get(kind, headings["failed"])


def error_text(kind: str, message: str, *, photo: bool = False) -> str:
    """The error page's text: what the source said, and what the user can do about it.
    ``photo``: a photo was opened as a video, and the page offers to identify it."""
    text = sentence(message)
    if kind == "busy":
        text += "\n\nClose other apps that use the camera (video calls, other camera " \
                "apps), then try again."
    elif kind == "photo" and photo:
        text += " Photos are identified in the photo view, with the full results."
    elif kind == "damaged":
        text += " The frames before that were shown; the rest of the file cannot be " \
                "read. Try another copy of the video."
    return text


def file_error_status(kind: str, name: str) -> str:
    """The status line under a video's error page: short, the page above explains."""
    return f"{name} stopped: the file is damaged" if kind == "damaged" else f"Cannot play {name}"


def ended_texts(name: str, *, can_play_again: bool) -> tuple[str, str]:
    """(banner over the picture, side panel's explanation) once a video has ended."""
    if can_play_again:
        return (f"End of {name}. Play it again, open another video or pick a camera.",
                "The video has ended. Play it again or open another.")
    return (f"End of {name}. Open another video or pick a camera.",
            "The video has ended. Open another video or pick a camera.")


def freeze_button_text(*, frozen: bool, after_end: bool) -> str:
    """The Freeze button's words ("&&" is a literal "&" on a button). ``after_end``:
    frozen on the last frame of a clip that ended, with no live view to go back to."""
    if not frozen:
        return "Freeze && identify"
    return "Back to the video" if after_end else "Resume live view"


def status_line(
    state: str,
    *,
    source: str,
    detail: str = "",
    frozen_after_end: bool = False,
    running: bool = False,
    minimised: bool = False,
    model_loading: bool = False,
    figurines: int | None = None,
    updates_per_second: float | None = None,
) -> str:
    """The line under the picture: what is going on *now*. Counts and rates only while
    names are updating (``running``, with ``figurines`` of the last update), otherwise
    the state (a stale "11 updates/s" under a frozen or ended picture would suggest it is
    still live). ``detail``: the last error, for the error state."""
    parts = [source] if source else []
    if state == "frozen":
        parts.append("Frozen: press Space to go back to the ended video"
                     if frozen_after_end else
                     "Frozen: press Resume (Space) to go back to the live view")
    elif state == "ended":
        parts.append("Ended")
    elif state == "stopped":
        parts.append("Stopped")
    elif state == "error":
        # Short: the page above says what happened and what to do.
        parts = [detail or f"{source} stopped by an error"]
    elif state == "disconnected":
        parts.append("Disconnected, retrying…")
    elif state == "opening":
        parts.append("Opening…")
    elif state == "no-camera":
        parts = ["No camera"]
    elif not running:
        pass
    elif minimised:
        parts.append("Paused while the window is minimised")
    elif model_loading:
        parts.append("loading the recognition model; names appear when it is ready")
    elif figurines is not None:
        parts.append(f"{figurines} figurine{'s' if figurines != 1 else ''}")
        if updates_per_second is not None:
            parts.append(f"{updates_per_second:.0f} updates/s")
    return " · ".join(parts)
