"""Injectable clocks for the sandbox: time is a parameter, never read directly."""

from __future__ import annotations

import datetime as _dt
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """What the sandbox needs to know about time."""

    def now(self) -> _dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """A monotonic reading in seconds."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> _dt.datetime:
        """The current time, timezone-aware (UTC)."""
        return _dt.datetime.now(_dt.timezone.utc)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to: ``clock.advance(seconds)``."""

    def __init__(self, start: _dt.datetime | None = None) -> None:
        self._now = start or _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
        if self._now.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._mono = 1000.0

    def now(self) -> _dt.datetime:
        """The clock's time, timezone-aware (UTC); moves only with :meth:`advance`."""
        return self._now

    def monotonic(self) -> float:
        """A monotonic reading that moves with :meth:`advance`."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a clock never goes back")
        self._now += _dt.timedelta(seconds=seconds)
        self._mono += seconds
