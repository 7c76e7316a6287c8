"""Callback delivery (docs/reference/wire.md#callbacks; retries and states: docs/sandbox.md
"Callbacks"): every emitted event is recorded in :attr:`CallbackSender.events`; with a callback
URL a :class:`CallbackDelivery` is queued, and one worker sends first attempts in emission order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import msgspec

from ._config import CALLBACK_RETRY_SCHEDULE

__all__ = ["CallbackAttempt", "CallbackDelivery", "CallbackSender", "SandboxEvent"]

_log = logging.getLogger("pivot_async.sandbox.callbacks")
_RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclasses.dataclass(frozen=True)
class SandboxEvent:
    """An event the sandbox emitted (whether or not it was delivered)."""

    event: str
    data: dict[str, Any]
    merchant_id: str
    at: _dt.datetime


@dataclasses.dataclass
class CallbackAttempt:
    """One HTTP attempt of a delivery."""

    at: _dt.datetime
    status: int | None
    error: str | None = None


@dataclasses.dataclass
class CallbackDelivery:
    """A callback and the history of its attempts."""

    id: int
    event: str
    url: str
    body: bytes
    key: str = dataclasses.field(repr=False)
    state: str = "pending"
    """``pending``, ``delivered``, ``rejected`` (non-retryable reply) or ``failed`` (exhausted)."""
    attempts: list[CallbackAttempt] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The delivery as JSON (what ``GET /_sandbox/callbacks`` lists)."""
        attempts = [{**dataclasses.asdict(a), "at": a.at.isoformat()} for a in self.attempts]
        shown = {"id": self.id, "event": self.event, "url": self.url, "state": self.state}
        return {**shown, "attempts": attempts}


class CallbackSender:
    """Sends the sandbox's callbacks: POST ``{"event", "data"}`` with ``X-API-Key``.

    A 5xx, 408 or 429 reply, a connection error or a timeout is retried after each delay of
    ``schedule`` (5 min ... 12 h) times ``delay_scale`` (real seconds), then the delivery is
    ``failed`` until :meth:`retry`; any other reply ends it (2xx ``delivered``, else
    ``rejected``). :meth:`close` cancels and awaits every task.
    """

    def __init__(
        self,
        *,
        now: Callable[[], _dt.datetime],
        url: str | None = None,
        key: str = "",
        delay_scale: float = 1.0,
        schedule: Sequence[float] = CALLBACK_RETRY_SCHEDULE,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.key = key
        self.delay_scale = delay_scale
        self.schedule = tuple(schedule)
        self.timeout = timeout
        self.events: list[SandboxEvent] = []
        self.deliveries: list[CallbackDelivery] = []
        self._now = now
        self._ids = itertools.count(1)
        self._queue: asyncio.Queue[CallbackDelivery] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._timers: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Start the delivery worker (called by :meth:`Sandbox.start`)."""
        self._queue = asyncio.Queue()  # unfinished while a delivery waits or a retry is due
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._worker = asyncio.create_task(self._run(), name="pivot-sandbox-callbacks")

    async def close(self) -> None:
        """Stop the worker and every scheduled retry."""
        tasks = [t for t in (self._worker, *self._timers) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._timers.clear()
        self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def send(
        self,
        event: str,
        data: dict[str, Any],
        *,
        merchant_id: str = "",
        url: str | None = None,
        key: str | None = None,
    ) -> CallbackDelivery | None:
        """Record ``event`` and queue its delivery; ``None`` when no URL is configured."""
        self.events.append(SandboxEvent(event, data, merchant_id, self._now()))
        target = url or self.url
        if not target:
            return None
        body = msgspec.json.encode({"event": event, "data": data})
        delivery = CallbackDelivery(next(self._ids), event, target, body, key or self.key)
        self.deliveries.append(delivery)
        self._enqueue(delivery)
        return delivery

    def retry(self, delivery_id: int) -> CallbackDelivery:
        """Queue one more attempt of a finished delivery (the dashboard's manual retry)."""
        delivery = next(d for d in self.deliveries if d.id == delivery_id)
        if delivery.state != "pending":
            delivery.state = "pending"
            self._enqueue(delivery)
        return delivery

    def _enqueue(self, delivery: CallbackDelivery) -> None:
        if self._queue is None:
            raise RuntimeError("the callback sender is not started")
        self._queue.put_nowait(delivery)

    async def wait_idle(self, timeout: float | None = 10.0) -> None:
        """Wait until no delivery is pending (first attempts and scheduled retries)."""
        if self._queue is not None:
            await asyncio.wait_for(self._queue.join(), timeout)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            delivery = await self._queue.get()
            try:
                await self._attempt(delivery)
            except Exception:  # pragma: no cover - defensive: never kill the worker
                _log.exception("callback delivery %s crashed", delivery.id)
                delivery.state = "failed"
                self._queue.task_done()

    async def _attempt(self, delivery: CallbackDelivery) -> None:
        assert self._session is not None
        assert self._queue is not None
        status: int | None = None
        error: str | None = None
        headers = {"X-API-Key": delivery.key, **_JSON_HEADERS}
        try:
            post = self._session.post(delivery.url, data=delivery.body, headers=headers)
            async with post as resp:
                status = resp.status
                await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = type(exc).__name__
        delivery.attempts.append(CallbackAttempt(self._now(), status, error))
        if status is not None and 200 <= status < 300:
            delivery.state = "delivered"
        elif status is not None and status not in _RETRY_STATUSES:
            delivery.state = "rejected"
        else:
            retries_done = len(delivery.attempts) - 1
            if retries_done < len(self.schedule):
                delay = self.schedule[retries_done] * self.delay_scale
                name = "pivot-sandbox-callback-retry"
                timer = asyncio.create_task(self._later(delivery, delay), name=name)
                self._timers.add(timer)
                timer.add_done_callback(self._timers.discard)
                return  # still unfinished: the timer re-queues it
            delivery.state = "failed"
        self._queue.task_done()

    async def _later(self, delivery: CallbackDelivery, delay: float) -> None:
        await asyncio.sleep(delay)
        assert self._queue is not None
        self._queue.put_nowait(delivery)
        self._queue.task_done()  # the attempt that scheduled this retry
