"""Turn dropped or pasted data (QMimeData) into photo files, an image, or web addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QImage

IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic",
}
WEB_SCHEMES = {"http", "https", "ftp"}


@dataclass
class Incoming:
    files: list[str] = field(default_factory=list)
    web_urls: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # paths that do not exist
    image: QImage | None = None

    @property
    def empty(self) -> bool:
        return not (self.files or self.web_urls or self.missing or self.image is not None)


@dataclass
class DropPreview:
    """What a drag offers, found without listing folders or decoding image data."""

    files: int = 0
    folders: int = 0
    image: bool = False
    web_urls: int = 0

    @property
    def summary(self) -> str:
        """ "3 photos", "the photos in 1 folder", "2 photos and the photos in 1 folder";
        empty when nothing can be opened."""
        parts = []
        if self.files or self.image:
            count = self.files + int(self.image)
            parts.append(f"{count} photo{'s' if count != 1 else ''}")
        if self.folders:
            parts.append(f"the photos in {self.folders} folder{'s' if self.folders != 1 else ''}")
        return " and ".join(parts)


def preview_mime(mime: QMimeData) -> DropPreview:
    """A cheap look at a drag for the status bar: one stat per local path, the formats
    offered; a folder is not listed and image data is not converted (that happens once,
    on the drop, in ``read_mime``)."""
    preview = DropPreview()
    local: list[str] = []
    web: list[str] = []
    if mime.hasUrls():
        for url in mime.urls():
            _add_url(url, local, web)
    if not local and mime.hasImage():
        preview.image = True
        return preview
    if not local and not web and mime.hasText():
        _from_text(mime.text(), local, web)
    for raw in local:
        path = Path(raw).expanduser()
        if path.is_dir():
            preview.folders += 1
        elif path.exists():
            preview.files += 1
    preview.web_urls = len(web)
    return preview


def expand_paths(paths: list[str]) -> tuple[list[str], list[str]]:
    """Files as given, folders replaced by the photos in them; plus the missing ones."""
    files: list[str] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files += sorted(
                str(p) for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        elif path.exists():
            files.append(str(path))
        else:
            missing.append(str(path))
    return files, missing


def _add_url(url: QUrl, local: list[str], web: list[str]) -> None:
    if url.isLocalFile():
        local.append(url.toLocalFile())
    elif url.scheme().lower() in WEB_SCHEMES:
        web.append(url.toString())


def _from_text(text: str, local: list[str], web: list[str]) -> None:
    for line in text.splitlines():
        line = line.strip().strip('"').strip("'")
        if not line:
            continue
        url = QUrl(line)
        if url.scheme().lower() in WEB_SCHEMES or url.isLocalFile():
            _add_url(url, local, web)
        elif Path(line).expanduser().exists():
            local.append(line)


def read_mime(mime: QMimeData) -> Incoming:
    """What a drop or paste offers, preferring files, then image data, then text."""
    local: list[str] = []
    web: list[str] = []
    if mime.hasUrls():
        for url in mime.urls():
            _add_url(url, local, web)
    incoming = Incoming()
    if local:
        incoming.files, incoming.missing = expand_paths(local)
        return incoming
    if mime.hasImage():
        # Browsers may offer the picture itself next to its web address: using bytes we
        # were handed is fine, it is downloading that the app never does.
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            incoming.image = image
            return incoming
    if not web and mime.hasText():
        _from_text(mime.text(), local, web)
        incoming.files, incoming.missing = expand_paths(local)
    incoming.web_urls = web
    return incoming
