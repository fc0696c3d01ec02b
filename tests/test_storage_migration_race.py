"""Several app processes opening a store that needs creating or upgrading at the same moment
(first start, first start after an update, the GUI and the CLI together) all succeed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

from fmf_desktop.collection import Collection
from fmf_desktop.library import MIGRATIONS, Library

PROCESSES = 4
TRIALS = 6  # per kind of store; without the write lock about a third of the opens failed

# Each child opens every store at an agreed wall-clock moment (one every STEP_S), so all
# children hit the same brand-new file together however long their start-up took.
OPENER = textwrap.dedent(
    """
    import sys, time
    from fmf_desktop.collection import Collection
    from fmf_desktop.library import Library
    from fmf_desktop.storage import StorageError

    start, step = float(sys.argv[1]), float(sys.argv[2])
    for i, spec in enumerate(sys.argv[3:]):
        kind, path = spec.split(":", 1)
        time.sleep(max(0.0, start + i * step - time.time()))
        try:
            (Library if kind == "library" else Collection)(path).close()
            print("ok", flush=True)
        except StorageError as exc:
            print("FAIL", spec, exc, flush=True)
    """
)
STEP_S = 0.15


def _library_at_version_1(path) -> None:
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO figures(name, franchise, created) VALUES ('Miku', '', 'then')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_processes_opening_a_new_or_old_store_together_all_succeed(tmp_path):
    specs = []
    for trial in range(TRIALS):
        specs.append(f"library:{tmp_path / f'new-library-{trial}.sqlite3'}")
        old = tmp_path / f"old-library-{trial}.sqlite3"
        _library_at_version_1(old)
        specs.append(f"library:{old}")
        specs.append(f"collection:{tmp_path / f'new-collection-{trial}.sqlite3'}")
    start = time.time() + 4.0  # enough for every child to import numpy and the app
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, str(start), str(STEP_S), *specs],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    failures = [line for out, _ in outputs for line in out.splitlines() if line != "ok"]
    assert failures == [], failures
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    assert sum(out.count("ok") for out, _ in outputs) == PROCESSES * len(specs)

    for trial in range(TRIALS):
        with Library(tmp_path / f"old-library-{trial}.sqlite3") as lib:
            assert lib.schema_version == len(MIGRATIONS)
            assert [f.name for f in lib.figures()] == ["Miku"]  # upgraded exactly once
        with Collection(tmp_path / f"new-collection-{trial}.sqlite3") as col:
            assert len(col) == 0 and col.integrity_ok()
