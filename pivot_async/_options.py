"""Per-call options: what a caller may change for one call (key, timeout, retries, headers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._config import Timeout

__all__ = ["RequestOptions"]


@dataclass(frozen=True)
class RequestOptions:
    """Per-call options, merged once over the client's defaults by the requestor."""

    idempotency_key: str | None = None
    timeout: Timeout | float | None = None
    max_retries: int | None = None
    headers: Mapping[str, str] | None = None
