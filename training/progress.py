"""Progress lines with an ETA, for long CPU runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Prints ``label: done/total (pct) elapsed, ETA`` at most every ``every`` seconds."""

    def __init__(
        self, total: int, label: str, log: Callable[[str], None] = print, every: float = 15
    ):
        self.total = max(1, total)
        self.label = label
        self.log = log
        self.every = every
        self.start = time.monotonic()
        self.skipped = 0
        self.last = 0.0

    def skip(self, done: int) -> None:
        """Work finished by an earlier run: excluded from the rate."""
        self.skipped = done

    def update(self, done: int, extra: str = "", force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every and done < self.total:
            return
        self.last = now
        elapsed = now - self.start
        fresh = done - self.skipped
        eta = elapsed / fresh * (self.total - done) if fresh > 0 else float("nan")
        eta_text = _clock(eta) if eta == eta else "?"
        self.log(
            f"{self.label}: {done}/{self.total} ({100 * done / self.total:.0f}%) "
            f"elapsed {_clock(elapsed)}, ETA {eta_text}{' ' + extra if extra else ''}"
        )
