"""Helpers for the storage tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pretend_read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """What a read-only folder (or mount) looks like to the app: tests run as root, for
    whom chmod does not stop writes, so ``os.access`` answers as it would for a user."""
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        inside = os.path.realpath(path).startswith(os.path.realpath(folder))
        if inside and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
