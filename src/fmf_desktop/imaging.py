"""Robust image loading: any common photo file (or pasted bytes) -> bounded RGB array.

Every failure becomes an :class:`ImageLoadError` whose message names the file and says
what is wrong, so the GUI and CLI can show it as is and carry on.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow refuses images above 2x its MAX_IMAGE_PIXELS (~179 MP) outright. Below that it
# only warns, and we decode those to a bounded size anyway, so the warning is noise.
_MEGAPIXEL = 1_000_000

_ORIENTATION_SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that rotate by 90 degrees


class ImageLoadError(Exception):
    """The file or bytes could not be turned into a picture; the message says why."""


@dataclass
class LoadedImage:
    """A decoded picture, ready for locating and classifying."""

    rgb: np.ndarray  # HxWx3 uint8, C-contiguous, at most max_side on its longer side
    source: str  # path or name shown to the user
    original_width: int  # size of the full-resolution picture, after EXIF rotation
    original_height: int

    @property
    def scale(self) -> float:
        """Factor from ``rgb`` pixels to original pixels (>= 1 when downscaled)."""
        return self.original_width / self.rgb.shape[1] if self.rgb.shape[1] else 1.0


def load_image(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    max_side: int = 4096,
) -> LoadedImage:
    """Decode ``source`` (a path or the file's bytes) into an RGB array.

    The result is at most ``max_side`` pixels on its longer side. JPEGs are decoded at a
    reduced DCT scale when that is enough, so a 100-megapixel photo never exists in
    memory at full size.
    """
    if max_side < 16:
        raise ValueError(f"max_side must be at least 16, got {max_side}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "pasted image"
        data = bytes(source)
        if not data:
            raise ImageLoadError(f"{label}: the image data is empty")
        stream: io.BytesIO | Path = io.BytesIO(data)
    else:
        text = str(source)
        label = name or text
        if not text:
            # Path("") is the current folder: it would be reported as "this is a folder".
            raise ImageLoadError(f"{name or repr(text)}: no file name was given (it is empty)")
        if text.lower().startswith(("http://", "https://", "ftp://")):
            raise ImageLoadError(
                f"{label}: this is a web address. Save the image to your computer first "
                "(the app works offline and never downloads)."
            )
        path = Path(source).expanduser()
        _check_path(path, label)
        stream = path
    try:
        return _decode(stream, label, max_side)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as exc:  # found while decoding (e.g. a later frame)
        raise ImageLoadError(_too_many_pixels_message(label, exc)) from exc
    except MemoryError as exc:
        raise ImageLoadError(f"{label}: the image is too large to open") from exc
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a bad file, not a crash
        raise ImageLoadError(f"{label}: the image could not be decoded ({exc})") from exc


def _check_path(path: Path, label: str) -> None:
    try:
        if not path.exists():
            raise ImageLoadError(f"{label}: file not found")
        if path.is_dir():
            raise ImageLoadError(f"{label}: this is a folder, not an image file")
        if path.stat().st_size == 0:
            raise ImageLoadError(f"{label}: the file is empty (0 bytes)")
    except OSError as exc:
        raise ImageLoadError(f"{label}: the file cannot be read ({exc.strerror or exc})") from exc


DAMAGED = "the file is incomplete or damaged"


def _looks_damaged(exc: OSError) -> bool:
    """Whether a decoder's error means the file is cut short or corrupt (a download or
    copy that did not finish), rather than a format the app cannot read."""
    text = str(exc).lower()
    return any(hint in text for hint in ("truncat", "broken", "premature end", "corrupt"))


def _raise_if_damaged(label: str, exc: OSError) -> None:
    """Plain words first, the decoder's own ("Truncated File Read") as a detail."""
    if _looks_damaged(exc):
        raise ImageLoadError(f"{label}: {DAMAGED} ({exc})") from exc


def _decode(stream: io.BytesIO | Path, label: str, max_side: int) -> LoadedImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(stream)
    # A DecompressionBombError goes up to load_image, which words it for every decoder.
    except UnidentifiedImageError:
        # Pillow cannot read it; OpenCV reads a few variants Pillow does not (for example
        # 16-bit-per-channel RGB TIFFs). Otherwise it is not an image we know.
        rgb = _decode_with_opencv(stream, max_side)
        if rgb is None:
            raise ImageLoadError(
                f"{label}: not an image file, or a format the app cannot read "
                "(use JPEG, PNG, WebP, BMP or TIFF)"
            ) from None
        return rgb_to_loaded(rgb[0], label, rgb[1], rgb[2])
    except OSError as exc:
        _raise_if_damaged(label, exc)
        raise ImageLoadError(f"{label}: the file cannot be read ({exc})") from exc

    with im:
        try:
            return _decode_pil(im, label, max_side)
        except OSError as exc:
            _raise_if_damaged(label, exc)
            # Pillow opened the header but cannot decode the pixels; try OpenCV.
            fallback = _decode_with_opencv(stream, max_side)
            if fallback is not None:
                return rgb_to_loaded(fallback[0], label, fallback[1], fallback[2])
            raise ImageLoadError(f"{label}: the image could not be decoded ({exc})") from exc


def _too_many_pixels_message(label: str, exc: Image.DecompressionBombError) -> str:
    """One sentence with one limit: Pillow's own text names a limit in pixels and calls the
    file an attack, which is not what a user with a huge panorama needs to read."""
    # Pillow refuses above twice its MAX_IMAGE_PIXELS; its message is "Image size (N
    # pixels) exceeds limit of M pixels, could be decompression bomb DOS attack."
    limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) // _MEGAPIXEL
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f" ({int(found.group(1)) // _MEGAPIXEL} megapixels)" if found else ""
    return (f"{label}: the image{size} is too large to open safely; the limit is {limit} "
            "megapixels.")


def rgb_to_loaded(rgb: np.ndarray, label: str, width: int, height: int) -> LoadedImage:
    return LoadedImage(
        rgb=np.ascontiguousarray(rgb, dtype=np.uint8),
        source=label,
        original_width=int(width),
        original_height=int(height),
    )


def _decode_pil(im: Image.Image, label: str, max_side: int) -> LoadedImage:
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)  # animated GIF/WebP/APNG/multi-page TIFF: the first frame is the photo
    orientation = _exif_orientation(im)
    width, height = im.size
    if orientation in _ORIENTATION_SWAPS_AXES:
        width, height = height, width
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{label}: the image has no pixels ({width}x{height})")

    if im.format == "JPEG" and max(im.size) > max_side:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: fast and memory-bounded. draft()
        # picks the smallest scale that is still at least the requested size; asking for
        # two thirds of max_side lets a 4000 px photo decode at 1/2 (2000 px) for a
        # 2048 px bound instead of at full size.
        target = max_side / 1.5 / max(im.size)
        im.draft(im.mode if im.mode in ("RGB", "L") else None,
                 (max(1, int(im.size[0] * target)), max(1, int(im.size[1] * target))))
    im.load()
    im = _reduce_large(im, max_side)
    if orientation not in (None, 1):
        im = ImageOps.exif_transpose(im)

    rgb = _to_rgb_array(im)
    rgb = _bound_size(rgb, max_side)
    return rgb_to_loaded(rgb, label, width, height)


def _reduce_large(im: Image.Image, max_side: int) -> Image.Image:
    """Shrink a big decoded image by a whole factor inside Pillow, before any numpy or
    float copies of it exist (those would be several times the size of the pixels)."""
    factor = max(im.size) // max_side
    if factor < 2:
        return im
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
        im = im.convert("RGB")
    try:
        return im.reduce(factor)
    except (ValueError, NotImplementedError):  # modes reduce() lacks, e.g. some 16-bit
        return im


def _exif_orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not stop the photo loading
        return None
    return int(value) if isinstance(value, int) else None


def _to_rgb_array(im: Image.Image) -> np.ndarray:
    """Any Pillow mode -> HxWx3 uint8 RGB; transparency is composited onto white."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im).astype(np.float32)
        if mode == "F":
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        else:
            # 16-bit greyscale: scale the full 16-bit range, or the actual range when a
            # 32-bit image holds values beyond it.
            top = 65535.0 if arr.max(initial=0) <= 65535 else float(arr.max())
            arr = arr / top * 255.0
        grey = np.clip(np.nan_to_num(arr) + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        rgb = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    if mode != "RGB":
        im = im.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV ...
    return np.asarray(im, dtype=np.uint8)


def _bound_size(rgb: np.ndarray, max_side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _decode_with_opencv(
    stream: io.BytesIO | Path, max_side: int
) -> tuple[np.ndarray, int, int] | None:
    """Second decoder for files Pillow cannot read; None when OpenCV cannot either."""
    try:
        data = stream.getvalue() if isinstance(stream, io.BytesIO) else stream.read_bytes()
        buf = np.frombuffer(data, dtype=np.uint8)
        arr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    except (OSError, cv2.error):
        return None
    if arr is None or arr.size == 0:
        return None
    if arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    elif arr.dtype != np.uint8:
        arr = cv2.normalize(arr.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX)
        arr = arr.astype(np.uint8)
    if arr.ndim == 2:
        rgb = cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    elif arr.shape[2] == 4:
        bgra = arr.astype(np.float32)
        alpha = bgra[:, :, 3:4] / 255.0
        bgr = np.clip(bgra[:, :, :3] * alpha + 255.0 * (1 - alpha) + 0.5, 0, 255)
        rgb = cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2RGB)
    else:
        rgb = cv2.cvtColor(arr[:, :, :3], cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    return _bound_size(rgb, max_side), w, h
