"""Per-user data locations and the bundled assets folder.

The names here are the single source of truth for the organisation/application names:
the Qt layer passes the same constants to ``QCoreApplication`` so that QSettings,
QStandardPaths and the core agree on where the user's data lives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ORGANIZATION_NAME = "FindMyFigurine"
APPLICATION_NAME = "Find My Figurine"

#: Environment variable that overrides the per-user data folder (tests, portable installs).
DATA_DIR_ENV = "FMF_DATA_DIR"
#: Environment variable that overrides where the model, labels and shops are read from.
ASSETS_DIR_ENV = "FMF_ASSETS_DIR"


def _fallback_app_data_dir() -> Path:
    """What QStandardPaths.AppDataLocation returns, for when QtCore is unavailable."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / ORGANIZATION_NAME / APPLICATION_NAME


def app_data_dir() -> Path:
    """The per-user data folder (created on first use).

    Equal to ``QStandardPaths.AppDataLocation`` for our organisation/application names,
    unless ``FMF_DATA_DIR`` overrides it.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override).expanduser()
    else:
        path = _qt_app_data_dir() or _fallback_app_data_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _qt_app_data_dir() -> Path | None:
    try:
        from PySide6.QtCore import QCoreApplication, QStandardPaths
    except ImportError:  # the core must work without Qt installed (e.g. a headless server)
        return None
    # QStandardPaths derives the folder from the application/organisation names; set them
    # temporarily when no application object has set them, and restore them afterwards so
    # that this query has no lasting side effect.
    old_org = QCoreApplication.organizationName()
    old_app = QCoreApplication.applicationName()
    try:
        QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
        QCoreApplication.setApplicationName(APPLICATION_NAME)
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    finally:
        QCoreApplication.setOrganizationName(old_org)
        QCoreApplication.setApplicationName(old_app)
    return Path(location) if location else None


def assets_dir() -> Path:
    """Folder holding model.tflite, labels.json, shops.json and sample.jpg."""
    override = os.environ.get(ASSETS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:  # PyInstaller bundle: assets are collected next to the code
        return Path(frozen_root) / "assets"
    # Source tree / editable install: <repo>/src/fmf_desktop/paths.py -> <repo>/assets
    return Path(__file__).resolve().parents[2] / "assets"


def default_model_path() -> Path:
    return assets_dir() / "model.tflite"


def default_labels_path() -> Path:
    return assets_dir() / "labels.json"


def default_shops_path() -> Path:
    return assets_dir() / "shops.json"


def sample_image_path() -> Path:
    return assets_dir() / "sample.jpg"
