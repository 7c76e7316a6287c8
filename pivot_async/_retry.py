"""Retry policy as pure functions: what is retried, and how long to wait.

The middleware in :mod:`pivot_async._middlewares` only calls these.

=====================================  =========================================================
Outcome of an attempt                  Retried?
=====================================  =========================================================
connection error, timeout              yes, if the request is retry-safe (see below)
408, 429, 500, 502, 503, 504           yes, if the request is retry-safe
any other status                       no
=====================================  =========================================================

A request is retry-safe when its method is idempotent (GET, HEAD, OPTIONS) or when it carries
an ``X-REQUEST-ID`` (the gateway replays the first response for a repeated key), or when the
caller marks the whole chain as safe (token requests). A POST without a key is never re-sent.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "RETRY_STATUSES",
    "RetryPolicy",
    "is_retry_safe",
    "parse_retry_after",
    "retry_delay",
    "should_retry_status",
]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    ``max_retries`` retries follow the first attempt. The n-th retry waits a random time in
    ``[d/2, d]`` with ``d = min(max_delay, base_delay * 2**n)``, or the server's
    ``Retry-After`` capped at ``max_retry_after``.
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValueError("max_retries must be an int")
        if not 0 <= self.max_retries <= 10:
            raise ValueError("max_retries must be between 0 and 10")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("retry delays must not be negative")


def should_retry_status(status: int) -> bool:
    """True for the statuses worth another attempt."""
    return status in RETRY_STATUSES


def is_retry_safe(method: str, headers: Mapping[str, str]) -> bool:
    """True if re-sending cannot duplicate an effect (idempotent method or X-REQUEST-ID)."""
    return method.upper() in _SAFE_METHODS or bool(headers.get("X-REQUEST-ID"))


def parse_retry_after(value: str | None, *, now: _dt.datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        current = now or _dt.datetime.now(_dt.timezone.utc)
        seconds = (when - current).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def retry_delay(
    retry_index: int,
    policy: RetryPolicy,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number ``retry_index`` (0-based)."""
    if retry_after is not None:
        return min(retry_after, policy.max_retry_after)
    ceiling: float = min(policy.max_delay, policy.base_delay * (2.0**retry_index))
    r: float = (rng or random).random()
    return ceiling * (0.5 + r / 2)
