"""Fault injection and rate limits: one aiohttp middleware over the whole application (never
on ``/_sandbox/`` control routes, so a test can always clear what it set)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import itertools
import random
import re
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from ._clock import Clock
from ._errors import STATUS_CODES, status_response
from ._recording import CONTROL_PREFIX, note

__all__ = ["FAULT_KINDS", "Fault", "FaultRegistry", "RateLimit", "fault_middleware"]

FAULT_KINDS = frozenset({"latency", "status", "reset", "malformed", "truncated", "drop"})
_MALFORMED = b'{"code":"00","message":"Success","data":{"id":,"status":}}'
_SUCCESS = b'{"code":"00","message":"Success","data":{}}'

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _compile_route(route: str) -> tuple[str | None, re.Pattern[str]]:
    method, _, path = route.strip().rpartition(" ")
    method = method.strip().upper()
    pattern = re.escape(path or "*")
    pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", pattern).replace(r"\*", ".*")
    return (None if method in ("", "*") else method), re.compile(pattern)


class _Routed:
    """A route pattern (``"POST /v2/payments"``, ``"/v2/payments/{id}"``, ``"*"``...)."""

    route: str
    _method: str | None
    _pattern: re.Pattern[str]

    def matches(self, method: str, path: str) -> bool:
        """True if the route matches this request."""
        same_method = self._method is None or self._method == method
        return same_method and self._pattern.fullmatch(path) is not None


@dataclasses.dataclass
class Fault(_Routed):
    """One injected fault. It matches requests by ``route`` (``"POST /v2/payments"``,
    ``"/v2/payments/{id}"``, ``"GET /v1/*"``, ``"*"``) and fires by count (``times``, after
    ``skip`` matching requests) and/or by ``probability`` (the registry's seeded RNG).

    Kinds: ``latency`` waits ``delay`` real seconds, then goes on (other faults may still fire);
    ``status`` answers ``status`` (408, 429, 500, 502, 503, 504) with the error envelope (429
    always with ``Retry-After``, 503 when ``retry_after`` is set); ``reset`` closes the connection
    (TCP reset) before the request is handled; ``malformed`` answers 200 with a body that is not
    JSON (not handled); ``truncated`` handles the request, then answers 200 with the first half
    of the body; ``drop`` handles it (state changes), then closes the connection without
    answering. ``process`` overrides whether ``malformed``/``truncated`` handle the request.
    """

    kind: str
    route: str = "*"
    status: int = 503
    delay: float = 0.0
    retry_after: float | None = None
    times: int | None = None
    probability: float = 1.0
    skip: int = 0
    process: bool | None = None
    id: int = dataclasses.field(default=0, init=False)
    hits: int = dataclasses.field(default=0, init=False)
    """How many times the fault fired."""
    seen: int = dataclasses.field(default=0, init=False)
    """How many matching requests it saw."""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {sorted(FAULT_KINDS)}")
        if self.kind == "status" and self.status not in STATUS_CODES:
            raise ValueError(f"status must be one of {sorted(STATUS_CODES)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if min(self.delay, self.skip, self.times or 0) < 0:
            raise ValueError("times, delay and skip must be >= 0")
        self._method, self._pattern = _compile_route(self.route)

    @property
    def exhausted(self) -> bool:
        """True once the fault fired ``times`` times."""
        return self.times is not None and self.hits >= self.times

    def fire(self, rng: random.Random) -> bool:
        """Count a matching request; True when the fault applies to it."""
        self.seen += 1
        if self.seen <= self.skip or self.exhausted:
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True

    @property
    def processes(self) -> bool:
        """Whether the request is handled (state changes) before the fault applies."""
        return self.kind in {"truncated", "drop"} if self.process is None else self.process

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON (what ``GET /_sandbox/faults`` lists)."""
        data = dataclasses.asdict(self)
        data["retryAfter"] = data.pop("retry_after")
        return {**data, "process": self.processes}


@dataclasses.dataclass
class RateLimit(_Routed):
    """At most ``limit`` requests per ``per`` seconds (sandbox clock) on a route, else 429."""

    route: str
    limit: int
    per: float = 1.0
    id: int = 0

    def __post_init__(self) -> None:
        if self.limit < 0 or self.per <= 0:
            raise ValueError("limit must be >= 0 and per > 0")
        self._method, self._pattern = _compile_route(self.route)
        self._hits: collections.deque[float] = collections.deque()

    def admit(self, now: float) -> float | None:
        """Count a request at ``now``; ``None`` if allowed, else seconds until a slot frees."""
        while self._hits and self._hits[0] <= now - self.per:
            self._hits.popleft()
        if len(self._hits) >= self.limit:
            oldest = self._hits[0] if self._hits else now
            return max(oldest + self.per - now, 0.0)
        self._hits.append(now)
        return None

    def to_json(self) -> dict[str, Any]:
        """The rate limit as JSON."""
        return dataclasses.asdict(self)


class FaultRegistry:
    """The faults and rate limits in force. Thread-unsafe; use from the event loop."""

    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self._clock = clock
        self.rng = random.Random(seed)
        self.faults: list[Fault] = []
        self.rate_limits: list[RateLimit] = []
        self.snap_services: dict[str, str] = {}
        """SNAP path -> service code: a status fault there answers ``responseCode``."""
        self._ids = itertools.count(1)

    def add(self, fault: Fault | None = None, /, **fields: Any) -> Fault:
        """Register ``fault`` (or build one from keyword fields) and return it."""
        if fault is None:
            fault = Fault(**fields)
        fault.id = next(self._ids)
        self.faults.append(fault)
        return fault

    def remove(self, fault: Fault | int) -> bool:
        """Remove a fault (or its id); False if it was not registered."""
        fault_id = fault if isinstance(fault, int) else fault.id
        before = len(self.faults)
        self.faults = [f for f in self.faults if f.id != fault_id]
        return len(self.faults) != before

    def add_rate_limit(self, route: str, limit: int, per: float = 1.0) -> RateLimit:
        """Answer 429 ``frequency_above_limit`` beyond ``limit`` requests per ``per`` seconds."""
        rate = RateLimit(route, limit, per, next(self._ids))
        self.rate_limits.append(rate)
        return rate

    def clear(self) -> None:
        """Remove every fault and rate limit."""
        self.faults.clear()
        self.rate_limits.clear()

    def pick(self, method: str, path: str) -> tuple[float, Fault | None]:
        """Total latency to add and the first non-latency fault that fires, if any."""
        delay = 0.0
        for fault in list(self.faults):
            if not fault.matches(method, path) or not fault.fire(self.rng):
                continue
            if fault.kind != "latency":
                return delay, fault
            delay += fault.delay
        return delay, None

    def rate_limited(self, method: str, path: str) -> float | None:
        """Seconds to wait if a rate limit refuses this request, else ``None``."""
        now = self._clock.monotonic()
        waits = [rate.admit(now) for rate in self.rate_limits if rate.matches(method, path)]
        return max((wait for wait in waits if wait is not None), default=None)


def _abort(request: web.Request) -> web.Response:
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=500)


def fault_middleware(registry: FaultRegistry) -> Middleware:
    """The middleware applying ``registry`` to every non-control request."""

    @web.middleware
    async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        wait = registry.rate_limited(request.method, request.path)
        if wait is not None:
            note(fault="rate_limit")
            return status_response(429, wait, registry.snap_services.get(request.path))
        delay, fault = registry.pick(request.method, request.path)
        if delay:
            await asyncio.sleep(delay)
        if fault is None:
            return await handler(request)
        note(fault=fault.kind)
        if fault.kind == "status":
            service = registry.snap_services.get(request.path)
            return status_response(fault.status, fault.retry_after, service)
        if fault.kind == "reset":
            return _abort(request)
        response: web.StreamResponse | None = None
        if fault.processes:
            response = await handler(request)
        if fault.kind == "drop":
            return _abort(request)
        body = _MALFORMED
        if fault.kind == "truncated":
            full = response.body if isinstance(response, web.Response) else None
            full = full if isinstance(full, bytes) else _SUCCESS
            body = full[: max(1, len(full) // 2)]
        return web.Response(body=body, status=200, content_type="application/json")

    return faults
