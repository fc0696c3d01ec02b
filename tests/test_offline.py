"""Identifying works with the network blocked: nothing in the core tries to connect."""

from __future__ import annotations

import json
import socket

import pytest

from fmf_desktop import cli
from fmf_desktop.paths import sample_image_path


class NetworkUsed(AssertionError):
    pass


@pytest.fixture()
def no_network(monkeypatch):
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_identify_end_to_end_offline(no_network, capsys):
    code = cli.main(["identify", "--json", str(sample_image_path())])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["figurines"] and doc["figurines"][0]["shops"]
    assert no_network == []
