"""Where the app keeps per-user data and finds its bundled assets."""

from __future__ import annotations

import sys

import pytest

from fmf_desktop import paths


def test_data_dir_override_is_used_and_created(monkeypatch, tmp_path):
    target = tmp_path / "portable" / "data"
    monkeypatch.setenv("FMF_DATA_DIR", str(target))
    assert paths.app_data_dir() == target
    assert target.is_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is how Linux places it")
def test_default_data_dir_matches_qstandardpaths(monkeypatch, tmp_path):
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    monkeypatch.delenv("FMF_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = paths.app_data_dir()
    assert path == tmp_path / paths.ORGANIZATION_NAME / paths.APPLICATION_NAME
    # Same folder the GUI gets once it has named the application, and the query did not
    # leave the names changed behind it.
    before = (QCoreApplication.organizationName(), QCoreApplication.applicationName())
    QCoreApplication.setOrganizationName(paths.ORGANIZATION_NAME)
    QCoreApplication.setApplicationName(paths.APPLICATION_NAME)
    try:
        qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    finally:
        QCoreApplication.setOrganizationName(before[0])
        QCoreApplication.setApplicationName(before[1])
    assert str(path) == qt


def test_assets_are_found_and_can_be_overridden(monkeypatch, tmp_path):
    for asset in (paths.default_model_path(), paths.default_labels_path(),
                  paths.default_shops_path(), paths.sample_image_path()):
        assert asset.is_file(), asset
    monkeypatch.setenv("FMF_ASSETS_DIR", str(tmp_path))
    assert paths.default_model_path() == tmp_path / "model.tflite"
