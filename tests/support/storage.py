"""Helpers for the storage tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pretend_read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """What a read-only folder (or mount) looks like to the app: tests run as root, for
    whom chmod does not stop writes, so ``os.access`` answers as it would for a user."""
    real_access = os.access
    read_only = Path(folder).resolve()

    def access(path, mode, *args, **kwargs):
        # By path components: /x/data2 is not inside /x/data.
        inside = Path(os.fsdecode(path)).resolve().is_relative_to(read_only)
        if inside and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
