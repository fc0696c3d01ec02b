"""Driving command-line processes from tests."""

from __future__ import annotations

import signal
import subprocess


def interrupt(proc: subprocess.Popen, timeout: float) -> tuple[int, str | bytes]:
    """Press Ctrl+C in ``proc`` (SIGINT) and wait for it to end: (exit status, stderr).
    A process still running when this returns or raises (timeout) is killed."""
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err
