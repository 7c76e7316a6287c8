"""The batch runner's in-process limiter: :class:`~pivot_async.TokenBucket` (see
:mod:`pivot_async._rate_limit`, where it lives with the :class:`RateLimiter` protocol)."""

from __future__ import annotations

from .._rate_limit import RateLimiter, TokenBucket

__all__ = ["RateLimiter", "TokenBucket"]
