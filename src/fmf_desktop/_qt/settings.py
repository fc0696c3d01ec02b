"""User preferences kept in QSettings: shops, the "not sure" threshold, threads, recents.

The wrapper takes a QSettings instance so tests can hand it an IniFormat file in a temp
folder and never touch the real user's settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from fmf_desktop import shops as shop_data

MAX_RECENT_FILES = 10

_SHOPS_KEY = "shops/json"
_THRESHOLD_KEY = "recognition/unsureThreshold"
_THREADS_KEY = "recognition/threads"
_RECENT_KEY = "files/recent"
_LAST_DIR_KEY = "files/lastDirectory"
_GEOMETRY_KEY = "window/geometry"
_STATE_KEY = "window/state"
_SPLITTER_KEY = "window/splitter"


def default_thread_count() -> int:
    # Two threads is where the int8 model stops getting faster on laptops, and it leaves
    # a core free for the GUI.
    return max(1, min(2, os.cpu_count() or 1))


def max_thread_count() -> int:
    return max(1, os.cpu_count() or 1)


class AppSettings:
    """Typed access to the app's QSettings; every getter copes with missing/bad values."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        # A default QSettings() uses the organisation/application names set in app.py.
        self._s = qsettings if qsettings is not None else QSettings()

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def sync(self) -> bool:
        """Write pending changes now; False when they could not be written (read-only or
        full settings folder), in which case they are lost at exit."""
        self._s.sync()
        return self._s.status() == QSettings.Status.NoError

    # -- shops ---------------------------------------------------------------------
    def shops(self) -> list[shop_data.Shop]:
        """The user's shop list: built-in shops (enabled or not) plus their own ones."""
        try:
            builtin = shop_data.load_builtin_shops()
        except shop_data.ShopConfigError:
            builtin = []  # a broken install still opens; the panel then shows no shops
        raw = self._s.value(_SHOPS_KEY, "")
        if not raw:
            return builtin
        try:
            return shop_data.shops_from_json(str(raw), builtin)
        except (shop_data.ShopConfigError, ValueError, TypeError, KeyError):
            # A damaged value must not stop the app; fall back to the defaults.
            return builtin

    def set_shops(self, shops: list[shop_data.Shop]) -> None:
        self._s.setValue(_SHOPS_KEY, shop_data.shops_to_json(shops))

    def enabled_shops(self) -> list[shop_data.Shop]:
        return [s for s in self.shops() if s.enabled]

    # -- recognition ---------------------------------------------------------------
    def unsure_threshold(self) -> float | None:
        """The user's "not sure" threshold, or None to use the model's calibrated one."""
        raw = self._s.value(_THRESHOLD_KEY, None)
        if raw in (None, ""):
            return None
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None
        return value if 0.0 < value < 1.0 else None

    def set_unsure_threshold(self, value: float | None) -> None:
        if value is None:
            self._s.remove(_THRESHOLD_KEY)
        else:
            self._s.setValue(_THRESHOLD_KEY, float(value))

    def inference_threads(self) -> int:
        raw = self._s.value(_THREADS_KEY, None)
        try:
            value = int(raw) if raw not in (None, "") else default_thread_count()
        except (TypeError, ValueError):
            value = default_thread_count()
        return max(1, min(value, max_thread_count()))

    def set_inference_threads(self, value: int) -> None:
        self._s.setValue(_THREADS_KEY, int(value))

    # -- recent files --------------------------------------------------------------
    def recent_files(self) -> list[str]:
        raw = self._s.value(_RECENT_KEY, [])
        if isinstance(raw, str):  # QSettings returns a bare string for one-item lists
            raw = [raw] if raw else []
        return [str(p) for p in (raw or [])][:MAX_RECENT_FILES]

    def add_recent_file(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        self._s.setValue(_RECENT_KEY, files[:MAX_RECENT_FILES])

    def remove_recent_file(self, path: str) -> None:
        self._s.setValue(_RECENT_KEY, [p for p in self.recent_files() if p != path])

    def clear_recent_files(self) -> None:
        self._s.setValue(_RECENT_KEY, [])

    def last_directory(self) -> str:
        return str(self._s.value(_LAST_DIR_KEY, "") or "")

    def set_last_directory(self, path: str) -> None:
        self._s.setValue(_LAST_DIR_KEY, path)

    # -- window --------------------------------------------------------------------
    def window_geometry(self) -> bytes | None:
        return self._bytes(_GEOMETRY_KEY)

    def window_state(self) -> bytes | None:
        return self._bytes(_STATE_KEY)

    def splitter_state(self) -> bytes | None:
        return self._bytes(_SPLITTER_KEY)

    def save_window(self, geometry: bytes, state: bytes, splitter: bytes) -> None:
        self._s.setValue(_GEOMETRY_KEY, geometry)
        self._s.setValue(_STATE_KEY, state)
        self._s.setValue(_SPLITTER_KEY, splitter)

    def _bytes(self, key: str) -> bytes | None:
        value = self._s.value(key, None)
        return value if value else None
