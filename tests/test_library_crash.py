"""A process killed with SIGKILL while teaching loses nothing committed and corrupts nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fmf_desktop.library import Library, NewExample

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from fmf_desktop.library import Library, NewExample

    rng = np.random.default_rng(0)
    lib = Library(sys.argv[1])
    i = 0
    while True:
        # Several examples with thumbnail-sized blobs per transaction, so the kill is
        # likely to land in the middle of one.
        examples = [NewExample(rng.normal(size=512).astype(np.float32),
                               rng.bytes(20000), f"ex{j}") for j in range(4)]
        lib.teach(f"figure {i}", examples, model="m")
        print(i, flush=True)  # printed only after COMMIT returned
        i += 1
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killing_a_writer_mid_write_keeps_every_committed_figure(tmp_path):
    path = tmp_path / "lib.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    committed: list[int] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            committed.append(int(line))
            if len(committed) >= 25:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert len(committed) >= 25, f"writer died early: {err}"
    assert proc.returncode == -signal.SIGKILL

    with Library(path) as lib:
        assert lib.integrity_ok()
        figures = {f.name: f for f in lib.figures()}
        for i in committed:
            assert f"figure {i}" in figures, f"committed figure {i} was lost"
        # Each teach is one transaction: no figure is left with only part of its examples.
        assert {f.examples for f in figures.values()} == {4}
        # And the library is still writable after the crash.
        lib.teach("after the crash", [NewExample(np.ones(512, np.float32))], model="m")
        assert lib.find("after the crash") is not None
